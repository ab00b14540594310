"""A pull-point subscription as an alarm source: subscribe, long-poll, renew, recover.

One instance owns at most one live subscription on the camera (cameras have a few
slots, and a leaked one blocks events for every client until it terminates). The
policy follows what works on real firmware: PullPoint whatever the capabilities
claim, a 10 min subscription renewed at 80 %, SetSynchronizationPoint right after
subscribing so the current states arrive, PullMessages as a long poll.

Iterating (``async for item in subscription``) yields :class:`AlarmEvent` and
:class:`TopicEvent` items, and a :class:`Heartbeat` once subscribed and after every
empty poll. What the subscription cannot mend itself ends the iteration with the
taxonomy's error (refused login, unreachable camera, garbage); the owner backs off
and iterates again, which resumes the same subscription while it lives. Owners
cancel the iterating task, then ``await close()`` (which unsubscribes).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
import contextlib
import logging
import math
import time
from typing import TYPE_CHECKING

from ..errors import AuthError, CameraError, ConnectError, NotSupported, ProtocolError
from ..models import AlarmEvent, Heartbeat
from .errors import Fault, ServiceNotFound, SoapFault, SubscriptionGone
from .models import NotificationMessage, PullResult, Subscription, TopicEvent
from .topics import TopicMapper
from .xmlutil import parse_duration, parse_int

if TYPE_CHECKING:
    from .client import OnvifClient

_LOGGER = logging.getLogger(__name__)

TERMINATION = 600.0
PULL_TIMEOUT = 60.0
MESSAGE_LIMIT = 64
RENEW_AT = 0.8
# Bounds on the lifetime a camera reports (a broken clock must not make us renew
# every second, nor trust a subscription for days).
MIN_LIFETIME = 60.0
MAX_LIFETIME = 86400.0
# An empty answer sooner than this means the camera does not long-poll: wait out
# the rest, or a pull loop would hammer it.
MIN_PULL_INTERVAL = 2.0
UNSUBSCRIBE_TIMEOUT = 5.0

Batch = tuple[NotificationMessage, ...] | None  # None: a heartbeat


class PullPointSubscription:
    """Events of one camera over one pull-point subscription (see the module doc)."""

    def __init__(
        self,
        client: OnvifClient,
        *,
        termination: float = TERMINATION,
        pull_timeout: float = PULL_TIMEOUT,
        message_limit: int = MESSAGE_LIMIT,
        min_pull_interval: float = MIN_PULL_INTERVAL,
        mapper: TopicMapper | None = None,
    ) -> None:
        self.client = client
        self.mapper = mapper if mapper is not None else TopicMapper(client)
        self._termination = termination
        self._pull_timeout = pull_timeout
        self._message_limit = message_limit
        self._min_pull_interval = min_pull_interval
        self._subscription: Subscription | None = None
        self._renew_at = 0.0
        self._expires_at = 0.0
        # Whether the current subscription ever answered a pull: one that never did
        # is not re-created on the spot (that could loop), the owner backs off.
        self._pulled = False
        self._lock = asyncio.Lock()
        self._running = False
        self._closed = False
        self._refused = False  # the camera refused our login: send nothing more to close
        self.created = 0  # subscriptions this instance created (diagnostics, tests)

    @property
    def subscription(self) -> Subscription | None:
        """The live subscription, if any."""
        return self._subscription

    def __aiter__(self) -> AsyncIterator[AlarmEvent | TopicEvent | Heartbeat]:
        return self.events()

    async def events(self) -> AsyncGenerator[AlarmEvent | TopicEvent | Heartbeat]:
        """Alarm events (known topics) and topic events (the rest), with heartbeats."""
        async for batch in self._batches():
            if batch is None:
                yield Heartbeat()
                continue
            self.mapper.observe(batch)
            for message in batch:
                yield self.mapper.map(message, self.client.time_offset)

    async def messages(self) -> AsyncGenerator[NotificationMessage | Heartbeat]:
        """The raw notification messages, with heartbeats."""
        async for batch in self._batches():
            if batch is None:
                yield Heartbeat()
                continue
            for message in batch:
                yield message

    async def close(self) -> None:
        """Unsubscribe (best effort, briefly) and refuse further iteration."""
        self._closed = True
        async with self._lock:
            await self._unsubscribe_quietly()

    def login_refused(self) -> None:
        """The login was refused elsewhere (the CGI): no Unsubscribe at close."""
        self._refused = True

    # -- the loop -------------------------------------------------------------------

    async def _batches(self) -> AsyncGenerator[Batch]:
        if self._closed:
            raise RuntimeError("the subscription is closed")
        if self._running:
            raise RuntimeError("the subscription is already being iterated")
        self._running = True
        try:
            if await self._ensure():
                yield None  # the camera answered; a resumed subscription waits for a pull
            while not self._closed:
                await self._keep_alive()
                started = time.monotonic()
                result = await self._pull()
                if result is None:  # re-created: the owner hears it is still alive
                    yield None
                elif result.messages:
                    yield result.messages
                else:
                    yield None
                    await self._throttle(started)
        except AuthError:
            # Unsubscribing would be one more refused login (cameras lock accounts
            # after a few); the subscription terminates on the camera by itself.
            self._refused = True
            raise
        finally:
            self._running = False

    async def _ensure(self) -> bool:
        """A live subscription: the one we have, unless it has terminated.

        True when the camera was asked (and answered) on the way.
        """
        if self._subscription is not None and time.monotonic() < self._expires_at:
            return False
        self._subscription = None  # terminated on the camera by now: nothing to free
        await self._create()
        return True

    async def _create(self) -> None:
        async with self._lock:
            await self._unsubscribe_quietly()
            if self._closed:  # closed while this iteration was still running
                return
            created = asyncio.ensure_future(
                self.client.events.create_pull_point_subscription(self._termination)
            )
            try:
                subscription = await asyncio.shield(created)
            except asyncio.CancelledError:
                # The camera may be creating it right now: learn its address so that
                # close() can free the slot instead of leaking it.
                with contextlib.suppress(CameraError, asyncio.CancelledError):
                    self._adopt(await created)
                raise
            self._adopt(subscription)
        _LOGGER.debug("%r subscribed at %s", self.client, subscription.url)
        try:
            await self.client.events.set_synchronization_point(subscription)
        except (NotSupported, SoapFault, ProtocolError) as err:
            _LOGGER.debug("%r SetSynchronizationPoint failed: %s", self.client, err)

    def _adopt(self, subscription: Subscription) -> None:
        self.created += 1
        self._refused = False
        self._subscription = subscription
        self._pulled = False
        self._set_deadlines(subscription)

    def _set_deadlines(self, subscription: Subscription) -> None:
        if subscription.current_time is None and subscription.termination_time is not None:
            lifetime = (subscription.termination_time - self.client.camera_now()).total_seconds()
        else:
            lifetime = subscription.lifetime(self._termination)
        # A lifetime shorter than we asked for is believed down to MIN_LIFETIME.
        lifetime = min(max(lifetime, min(MIN_LIFETIME, self._termination)), MAX_LIFETIME)
        now = time.monotonic()
        self._expires_at = now + lifetime
        self._renew_at = now + RENEW_AT * lifetime

    async def _keep_alive(self) -> None:
        """Renew when due; a refused renewal is replaced by a new subscription."""
        subscription = self._subscription
        if subscription is None:
            await self._create()
            return
        # Polls last whole seconds: less than one left means now (a little early).
        if self._renew_at - time.monotonic() >= 1.0:
            return
        try:
            renewed = await self.client.events.renew(subscription, self._termination)
        except (ConnectError, AuthError):
            raise
        except CameraError as err:
            _LOGGER.debug("%r Renew refused (%s); subscribing anew", self.client, err)
            await self._create()
            return
        self._subscription = renewed
        self._set_deadlines(renewed)

    async def _pull(self) -> PullResult | None:
        """One long poll; None when the subscription had to be re-created."""
        subscription = self._subscription
        if subscription is None:
            await self._create()
            return None
        # Never sleep through the renewal (Timeouts are whole seconds: cameras choke
        # on fractions).
        timeout = max(1, min(self._pull_timeout, math.floor(self._renew_at - time.monotonic())))
        sent = self.client.local_now()
        try:
            result = await self.client.events.pull_messages(
                subscription, timeout, self._message_limit
            )
        except SoapFault as err:
            if self._accept_limits(err.fault):
                return PullResult(())
            await self._replace(err, free=True)
            return None
        except ServiceNotFound as err:
            await self._replace(err, free=False)
            return None
        self._pulled = True
        self.client.observe_clock(result.current_time, sent, self.client.local_now())
        return result

    def _accept_limits(self, fault: Fault) -> bool:
        """A PullMessagesFaultResponse names the camera's maximum timeout and message
        limit: use them (once they change something) instead of giving up."""
        if "PullMessagesFaultResponse" not in fault.details:
            return False
        max_timeout = parse_duration(fault.value("MaxTimeout") or "")
        max_limit = parse_int(fault.value("MaxMessageLimit") or "", low=1, high=1024)
        changed = False
        if max_timeout is not None and 1.0 <= max_timeout < self._pull_timeout:
            self._pull_timeout, changed = max_timeout, True
        if max_limit is not None and max_limit < self._message_limit:
            self._message_limit, changed = max_limit, True
        return changed

    async def _replace(self, why: CameraError, *, free: bool) -> None:
        """The camera no longer serves the subscription: subscribe anew, once."""
        if not free:
            self._subscription = None  # HTTP 404: nothing left to unsubscribe
        if not self._pulled:
            # A subscription that never answered a pull: re-creating on the spot could
            # loop, so the owner backs off (and the next iteration subscribes anew).
            async with self._lock:
                await self._unsubscribe_quietly()
            raise SubscriptionGone(f"the camera refused the new subscription: {why}") from why
        _LOGGER.debug("%r subscription gone (%s); subscribing anew", self.client, why)
        await self._create()

    async def _unsubscribe_quietly(self) -> None:
        """Free the camera's slot of the current subscription; never raises."""
        subscription, self._subscription = self._subscription, None
        if subscription is None:
            return
        if self._refused:
            _LOGGER.debug("%r login refused: leaving %s to terminate", self.client,
                          subscription.url)
            return
        try:
            await self.client.events.unsubscribe(subscription, timeout=UNSUBSCRIBE_TIMEOUT)
        except CameraError as err:
            _LOGGER.debug("%r Unsubscribe failed: %s", self.client, err)

    async def _throttle(self, started: float) -> None:
        elapsed = time.monotonic() - started
        if elapsed < self._min_pull_interval:
            await asyncio.sleep(self._min_pull_interval - elapsed)
