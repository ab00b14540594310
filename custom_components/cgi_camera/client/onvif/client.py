"""The ONVIF client of one camera: SOAP calls, the camera's clock, its service map.

Every request goes through the injected :class:`~..transport.Transport` (timeouts,
request slots, body cap, redacted logging); give the client a transport of its
own, since it switches the transport to HTTP Digest (answered only when the camera
challenges, never Basic). WS-Security tokens are signed in the camera's clock: the
offset is read with the unauthenticated GetSystemDateAndTime, and read again once
when a request is refused as not authorised (a clock that jumped), which allows a
single retry of that request — never a loop. A refusal that came only after the
camera held the request for a while (its token aged there) is no verdict on the
password: the clock is read again and, if the camera answers promptly now, the
request is retried once with a fresh token; a camera that held or dropped a request
is asked its time (unsigned) before the next signed one, so nothing signed goes into
a camera that is not answering. The camera's time in an answer (PullMessages'
CurrentTime) that no latency explains is followed at once, so a clock that jumped
during a long poll costs no refused token.

Logins: a refusal that stands is final for this client (nothing signed is sent again).
Once the camera had accepted these credentials, a refusal means they changed on the
camera: it trips the camera's login latch (``latch``, shared with its CGI), so no
channel to the camera sends them again. Before that, the camera's ONVIF users may
simply be others than its web users: only ONVIF stops.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
import copy
from datetime import UTC, datetime, timedelta
import logging
import time

from yarl import URL

from ..errors import ConnectError, NotSupported, ProtocolError, Timeout
from ..latch import LoginLatch
from ..safe_xml import Element
from ..transport import Credentials, Transport
from .const import (
    ACTIONS,
    BODY_LIMIT,
    CLOCK_SLACK,
    DEVICE,
    DEVICE_PATH,
    PRE_AUTH,
    PROMPT_WITHIN,
    TOKEN_AGED_AFTER,
)
from .device import DeviceService, parse_system_time
from .errors import NotAuthorized, SoapFault
from .events import EventService
from .media import MediaService
from .models import Service
from .ptz import PtzService
from .soap import content_type, element, envelope, read_body
from .wsse import security_header

_LOGGER = logging.getLogger(__name__)


# A camera tells its time in whole seconds, and tokens carry whole seconds too.
_HALF_SECOND = timedelta(milliseconds=500)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class OnvifClient:
    """ONVIF device, media, PTZ and event services of one camera.

    ``device_url`` is the device service (default: ``/onvif/device_service`` on the
    transport's host and port); ``time_offset`` a known camera clock offset (camera
    minus ours), else :meth:`connect` reads it.
    """

    def __init__(
        self,
        transport: Transport,
        credentials: Credentials | None,
        *,
        device_url: str | URL | None = None,
        time_offset: timedelta | None = None,
        clock: Callable[[], datetime] = _utc_now,
        latch: LoginLatch | None = None,
    ) -> None:
        self.transport = transport
        self.credentials = credentials
        if credentials is not None:
            transport.use_auth(credentials, "digest")
        # The camera's refused-login latch (see the module docstring); the transport
        # checks it before every request.
        self.latch = latch
        if latch is not None:
            transport.latch = latch
        # A signed request that needs a login was answered: the credentials are the
        # camera's (the pre-authentication ones prove nothing).
        self.accepted = False
        # Why ONVIF refused them, once it did: nothing signed is sent again.
        self.refused: str | None = None
        # The camera held or dropped a request: ask its time before signing again.
        self._unsure = False
        self.device_url = URL(device_url) if device_url is not None else transport.url(DEVICE_PATH)
        self._clock = clock
        self._offset = time_offset
        # Bumped on every clock read: a refused request signed before the latest read
        # retries with the new offset instead of reading the clock again.
        self._clock_reads = 0
        self._clock_lock = asyncio.Lock()
        self._services: dict[str, Service] = {}
        self.device = DeviceService(self)
        self.media = MediaService(self)
        self.ptz = PtzService(self)
        self.events = EventService(self)

    def __repr__(self) -> str:
        return f"OnvifClient({self.transport.host}:{self.device_url.port})"

    # -- the camera's clock ---------------------------------------------------------

    @property
    def time_offset(self) -> timedelta | None:
        """Camera clock minus ours, as last read (None: never read)."""
        return self._offset

    def camera_now(self) -> datetime:
        """The camera's idea of now (what WS-Security tokens are signed with)."""
        return self._clock() + (self._offset or timedelta())

    def to_local(self, camera_time: datetime) -> datetime:
        """A time in the camera's clock, in ours."""
        return camera_time - (self._offset or timedelta())

    def local_now(self) -> datetime:
        """Our clock (the one offsets are measured against)."""
        return self._clock()

    def observe_clock(self, camera_time: datetime | None, sent: datetime,
                      received: datetime) -> None:
        """Follow the camera's clock from a time it put in an answer.

        The camera stamped it between ``sent`` and ``received``: an offset outside that
        span (plus the stamp's whole-second rounding) means its clock moved, and the
        next token would be refused (a failed login to firmware that counts them).
        """
        if camera_time is None:
            return
        offset = self._offset or timedelta()
        slack = timedelta(seconds=CLOCK_SLACK + 1.0)
        if camera_time - received - slack <= offset <= camera_time - sent + slack:
            return
        self._offset = camera_time - received
        self._clock_reads += 1  # requests signed before this retry with it, unread
        _LOGGER.debug("%r clock moved: offset now %.1f s", self,
                      self._offset.total_seconds())

    async def read_clock(self) -> timedelta | None:
        """Read the camera's clock (unauthenticated) and remember the offset.

        A camera that will not tell its time keeps the previous offset (None = 0).
        """
        sent = self._clock()
        body = await self._exchange(
            "GetSystemDateAndTime", element(DEVICE, "GetSystemDateAndTime"),
            self.device_url, sign=False,
        )
        received = self._clock()
        camera = parse_system_time(body)
        self._clock_reads += 1
        if camera is not None:
            # The camera read its clock somewhere between sending and receiving, and
            # told it in whole seconds (so half a second later, on average).
            self._offset = camera + _HALF_SECOND - (sent + (received - sent) / 2)
            _LOGGER.debug("%r clock offset %.1f s", self, self._offset.total_seconds())
        return self._offset

    async def _clock_moved(self, reads_before: int, used: timedelta | None) -> bool:
        """After a refusal: read the clock (once for all requests refused together)
        and tell whether the offset moved enough to explain the refusal."""
        async with self._clock_lock:
            if self._clock_reads == reads_before:
                try:
                    await self.read_clock()
                except (NotSupported, SoapFault, ProtocolError, NotAuthorized):
                    return False
        moved = abs(((self._offset or timedelta()) - (used or timedelta())).total_seconds())
        return moved > CLOCK_SLACK

    # -- services -----------------------------------------------------------------

    async def connect(self) -> None:
        """Read the clock offset (unless known) and the camera's service addresses.

        Firmware that wants a login even for its clock is signed with our own time.
        """
        if self._offset is None:
            try:
                await self.read_clock()
            except NotAuthorized as err:
                _LOGGER.debug("%r will not tell its time: %s", self, err)
        await self.load_services()

    async def load_services(self) -> dict[str, Service]:
        """GetServices, else GetCapabilities; without either, every service is
        assumed at the device address (many cheap cameras serve them all there)."""
        try:
            services = await self.device.get_services()
        except (NotSupported, SoapFault, ProtocolError) as err:
            _LOGGER.debug("%r GetServices failed (%s); trying GetCapabilities", self, err)
            try:
                services = await self.device.get_capabilities()
            except (NotSupported, SoapFault, ProtocolError) as err2:
                _LOGGER.debug("%r has no service list (%s)", self, err2)
                services = []
        self._services = {s.namespace: s for s in services}
        return dict(self._services)

    @property
    def services(self) -> dict[str, Service]:
        return dict(self._services)

    def has_service(self, namespace: str) -> bool:
        """Whether the camera listed the service (True when it listed nothing)."""
        return not self._services or namespace in self._services

    def service_url(self, namespace: str) -> URL:
        """Where to send a service's requests (the device address if unlisted)."""
        service = self._services.get(namespace)
        return URL(service.url, encoded=True) if service is not None else self.device_url

    def rebase(self, address: str) -> URL | None:
        """An address the camera gave (XAddr, subscription) on the camera's own host.

        A camera reports the address it believes it has (a LAN IP behind NAT, a
        factory default); requests only ever go to the host we were configured with.
        The port is kept when the camera named that same host; a bare path (which
        some firmware sends for subscriptions) is taken on the device address.
        """
        base = self.device_url
        address = address.strip()
        try:
            relative = address.startswith("/") and not address.startswith("//")
            given = URL(f"{base.origin()}{address}" if relative else address)
        except ValueError:
            return None
        if given.scheme not in ("http", "https") or not given.host:
            return None
        port = given.port if given.host == base.host else base.port
        rebased = base.with_port(port).with_path(given.raw_path or "/", encoded=True)
        query = given.raw_query_string
        return URL(f"{rebased}?{query}", encoded=True) if query else rebased

    # -- calls --------------------------------------------------------------------

    async def call(
        self,
        operation: str,
        body: Element,
        *,
        service: str = DEVICE,
        url: URL | None = None,
        headers: Sequence[Element] = (),
        timeout: float | None = None,
    ) -> Element:
        """Send one authenticated ``operation``; the answer's SOAP Body.

        A refusal that a clock jump could explain reads the clock once; if the offset
        moved, the request is sent once more. Raises the taxonomy's errors.
        """
        target = url if url is not None else self.service_url(service)
        if self.credentials is None:
            return await self._exchange(operation, body, target, False, headers, timeout)
        if self.refused is not None:
            raise NotAuthorized(f"not retried after a refused login: {self.refused}",
                                clock_related=False, soap=False)
        if self._unsure:
            await self._answers_promptly()
        reads_before, used = self._clock_reads, self._offset
        try:
            return await self._signed(operation, body, target, headers, timeout)
        except NotAuthorized as refused:
            if not refused.clock_related:
                raise self._login_refused(refused) from None
            if refused.held:
                # The camera held the request (a stall, a busy server) and checked the
                # token's timestamp late: no verdict on the password. A fresh token,
                # in a clock read just now, once the camera answers promptly again.
                self._unsure = True
                await self._answers_promptly()
                _LOGGER.debug("%r %s refused after a long wait; retrying", self, operation)
            elif not await self._clock_moved(reads_before, used):
                raise self._login_refused(refused) from None
            else:
                _LOGGER.debug("%r %s refused with a stale clock offset; retrying", self,
                              operation)
        try:
            return await self._signed(operation, body, target, headers, timeout)
        except NotAuthorized as refused:
            if refused.held:
                self._unsure = True
                raise Timeout(f"{self!r} {operation}: the camera holds requests longer than "
                              "a signed one stays valid") from None
            raise self._login_refused(refused) from None

    async def _signed(
        self,
        operation: str,
        body: Element,
        url: URL,
        headers: Sequence[Element],
        timeout: float | None,
    ) -> Element:
        """One signed exchange; marks a refusal that came late (``held``), and a camera
        that held or dropped it (``_unsure``)."""
        sent: list[float] = []
        try:
            answer = await self._exchange(operation, body, url, True, headers, timeout, sent)
        except NotAuthorized as refused:
            # From when it left: a wait for the transport's slot ages no token.
            refused.held = bool(sent) and time.monotonic() - sent[-1] >= TOKEN_AGED_AFTER
            raise
        except ConnectError:
            self._unsure = True
            raise
        if operation not in PRE_AUTH:
            self.accepted = True
        return answer

    async def _answers_promptly(self) -> None:
        """Read the camera's clock (unsigned) before a signed request goes out again.

        Raises the transport's error, or :class:`Timeout` when the answer took so long
        that a token would age on the way: then nothing signed is sent (each refusal
        of an aged token is a failed login to firmware that counts them).
        """
        started = time.monotonic()
        try:
            await self.read_clock()
        except (NotSupported, SoapFault, ProtocolError, NotAuthorized) as err:
            # It will not tell (or only signed): nothing to learn; sign as before.
            _LOGGER.debug("%r no clock to check the camera by: %s", self, err)
        else:
            if time.monotonic() - started >= PROMPT_WITHIN:
                raise Timeout(f"{self!r} answers too slowly for a signed request")
        self._unsure = False

    def _login_refused(self, refused: NotAuthorized) -> NotAuthorized:
        """A refusal that stands: final for this client; the camera's (its latch) once
        the camera had accepted these credentials."""
        self.refused = str(refused)
        if self.accepted and self.latch is not None:
            self.latch.trip(f"ONVIF: {refused}")
        return refused

    async def _exchange(
        self,
        operation: str,
        body: Element,
        url: URL,
        sign: bool,
        headers: Sequence[Element] = (),
        timeout: float | None = None,
        sent: list[float] | None = None,
    ) -> Element:
        """One request; ``sent`` gets the moment it left (after its slot's wait)."""
        credentials = self.credentials if sign else None

        def data() -> bytes:
            # Made when the request is sent, not when it joins the camera's queue: a
            # token that waited behind a long poll would reach the camera stale.
            if sent is not None:
                sent.append(time.monotonic())
            items = [copy.deepcopy(h) for h in headers]
            if credentials is not None:
                items.insert(0, security_header(
                    credentials.username, credentials.password, self.camera_now()
                ))
            return envelope(copy.deepcopy(body), items)

        started = time.monotonic()
        response = await self.transport.send(
            "POST", url, data=data, limit=BODY_LIMIT, timeout=timeout,
            headers={"Content-Type": content_type(ACTIONS[operation])},
        )
        _LOGGER.debug(
            "%r %s -> HTTP %s in %.0f ms", self, operation, response.status,
            (time.monotonic() - started) * 1000,
        )
        return read_body(response, operation)

