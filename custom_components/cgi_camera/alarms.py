"""Alarm states: pushed by the device's alarm stream, polled when there is none.

One coordinator per camera. With a push stream, one listener task keeps it open,
reconnects with exponential backoff and jitter, and polls the current state while
the stream is down so nothing is missed. Every state change also goes out on the
event bus as ``cgi_camera_alarm`` (which the device triggers listen to).

A camera is untrusted, so what it pushes is bounded: at most
:data:`~.client.limits.MAX_ALARM_SOURCES` sources per camera, bus events at
:data:`EVENT_RATE` a second after a burst of :data:`EVENT_BURST`, entity updates at
most every :data:`PUBLISH_INTERVAL`, and one auto-off timer per camera.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
from datetime import datetime, timedelta
import logging
import random
import time
from typing import TYPE_CHECKING, cast

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from .client import AlarmEvent, AuthError, Camera, CameraError, NotSupported
from .client.limits import MAX_ALARM_SOURCES, warn_once
from .client.models import AlarmSource, Heartbeat
from .const import DOMAIN, EVENT_ALARM
from .coordinator import update_errors
from .entity import device_identifier, find_device
from .names import clean_name

if TYPE_CHECKING:
    from .data import CgiCameraConfigEntry

_LOGGER = logging.getLogger(__name__)


def alarm_issue_id(entry: CgiCameraConfigEntry) -> str:
    """The repair issue of an alarm stream that keeps failing."""
    return f"alarm_stream_{entry.entry_id}"

# The poll's own bookkeeping (a line per second at debug, and a second "error
# fetching"/"recovered" report of an outage the settings coordinator already reports)
# goes here, quiet unless someone asks for it in the logger configuration.
_POLL_LOGGER = logging.getLogger(f"{__name__}.poll")
_POLL_LOGGER.setLevel(logging.WARNING)

BACKOFF_MIN = 1.0
BACKOFF_MAX = 60.0
# A stream that stayed up this long counts as healthy: the next drop starts over at 1 s.
HEALTHY_AFTER = 60.0
# Drops in a row (none healthy) before the user is told in a repair issue.
REPAIR_AFTER = 5
# Bus events per camera: a burst as large as every source switching on and off at
# once, then a steady rate far above what real cameras push (a few events a second).
# Beyond that events are dropped (logged once); the entities' states stay current.
EVENT_BURST = 2 * MAX_ALARM_SOURCES
EVENT_RATE = 20.0
# Pushed states reach the entities at most this often (s), whatever the camera pushes.
PUBLISH_INTERVAL = 0.1
# Pushed records applied between two chances for the event loop to run other work.
YIELD_EVERY = 50

AlarmStates = dict[AlarmSource, bool]


class TokenBucket:
    """Allows ``burst`` at once, then ``rate`` a second."""

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = float(burst)
        self._clock = clock
        self._tokens = float(burst)
        self._at = clock()

    def take(self) -> bool:
        """Whether one more may pass now."""
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True


class AlarmCoordinator(DataUpdateCoordinator[AlarmStates]):
    """Holds the on/off state of every alarm source of one camera."""

    config_entry: CgiCameraConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: CgiCameraConfigEntry,
        camera: Camera,
        *,
        poll_interval: float,
        idle_timeout: float,
        auto_off: float,
    ) -> None:
        self.camera = camera
        self.push = camera.capabilities.alarm_push
        self._poll_interval = timedelta(seconds=poll_interval)
        super().__init__(
            hass,
            _POLL_LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} alarms {clean_name(entry.title) or entry.entry_id}",
            # With a push stream, polling only runs while the stream is down.
            update_interval=None if self.push else self._poll_interval,
            always_update=False,
        )
        self.idle_timeout = idle_timeout
        self.auto_off = auto_off
        self.stream_connected = False
        self._stream_task: asyncio.Task[None] | None = None
        # When (loop time) each momentary alarm turns off; one timer serves them all.
        self._off_at: dict[AlarmSource, float] = {}
        self._off_timer: CALLBACK_TYPE | None = None
        self._off_due = 0.0
        self._sources: set[AlarmSource] = set()
        self._events = TokenBucket(EVENT_RATE, EVENT_BURST)
        self.events_dropped = 0  # bus events a flood cost, since set-up
        self._publish_timer: asyncio.TimerHandle | None = None
        self._publish_pending = False
        self._device_ids: dict[int, str] = {}
        self._stream_lost_logged = False
        self._unexpected_logged = False
        self._drops = 0

    @property
    def title(self) -> str:
        """The camera's name as logs and repair issues show it."""
        return clean_name(self.config_entry.title) or self.config_entry.entry_id

    @property
    def sources(self) -> set[AlarmSource]:
        """Every alarm source that has (or may get) an entity: at most MAX_ALARM_SOURCES."""
        for source in self.camera.capabilities.alarms:
            self._admit(source)
        return self._sources

    def _admit(self, source: AlarmSource) -> bool:
        """Whether ``source`` is one of this camera's; adds it while there is room."""
        if source in self._sources:
            return True
        if len(self._sources) >= MAX_ALARM_SOURCES:
            warn_once(self.camera, "alarm sources", MAX_ALARM_SOURCES)
            return False
        self._sources.add(source)
        return True

    # -- polling ------------------------------------------------------------------

    async def _async_refresh(
        self,
        log_failures: bool = True,
        raise_on_auth_failed: bool = False,
        scheduled: bool = False,
        raise_on_entry_error: bool = False,
    ) -> None:
        # One outage, one report: the settings coordinator logs lost and back.
        await super()._async_refresh(
            False, raise_on_auth_failed, scheduled, raise_on_entry_error
        )

    async def _async_update_data(self) -> AlarmStates:
        with update_errors():
            reported = await self.camera.poll_alarms()
        states = dict.fromkeys(self.sources, False)
        states.update((source, on) for source, on in reported.items() if self._admit(source))
        # A momentary alarm still counting down keeps its on state until its timer ends.
        for source in self._off_at:
            states[source] = True
        if self.data is not None:
            for source, active in states.items():
                if active != self.data.get(source, False):
                    self._fire(source, active)
        return states

    # -- push -----------------------------------------------------------------------

    @callback
    def async_start(self) -> None:
        """Start the listener task (push) once the entities exist."""
        if self.push and self._stream_task is None:
            self._stream_task = self.config_entry.async_create_background_task(
                self.hass, self._listen(), f"{DOMAIN} alarm stream {self.title}"
            )

    async def async_stop(self) -> None:
        """Stop listening and cancel the auto-off timers."""
        if self._stream_task is not None:
            self._stream_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._stream_task
            self._stream_task = None
        self._cancel_timers()
        self._repair(False)

    async def async_shutdown(self) -> None:
        """Home Assistant stops (or the entry unloads): no timer outlives it."""
        await super().async_shutdown()
        self._cancel_timers()

    @callback
    def _cancel_timers(self) -> None:
        if self._off_timer is not None:
            self._off_timer()
            self._off_timer = None
        self._off_at.clear()
        if self._publish_timer is not None:
            self._publish_timer.cancel()
            self._publish_timer = None

    @property
    def _issue_id(self) -> str:
        return alarm_issue_id(self.config_entry)

    @callback
    def _repair(self, needed: bool) -> None:
        """Tell the user about a stream that keeps failing while the camera answers."""
        camera_fine = self.config_entry.runtime_data.coordinator.last_update_success
        if needed and camera_fine:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                self._issue_id,
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key="alarm_stream_failing",
                translation_placeholders={"name": self.title},
            )
        elif not needed:
            ir.async_delete_issue(self.hass, DOMAIN, self._issue_id)

    async def _listen(self) -> None:
        """Keep the stream open for as long as the entry is loaded.

        Only a refused login, a camera without a stream and cancellation end it:
        anything else, even an exception nobody foresaw, is a drop to recover from.
        """
        backoff = BACKOFF_MIN
        while True:
            started = time.monotonic()
            unexpected: Exception | None = None
            try:
                why = await self._follow_stream()
            except AuthError:
                self._stream_down("login refused")
                self.config_entry.async_start_reauth(self.hass)
                return  # no retries against a refused login: reauth takes over
            except NotSupported:
                # This model has no push stream after all: poll from now on.
                _LOGGER.info("%s has no alarm stream; polling its alarms", self.title)
                self.push = False
                self.stream_connected = False
                self.update_interval = self._poll_interval
                await self.async_refresh()
                self.async_update_listeners()
                return
            except CameraError as err:
                why = str(err)
            except Exception as err:  # see the docstring
                unexpected = err
                why = f"unexpected {type(err).__name__}"
            if time.monotonic() - started >= HEALTHY_AFTER:
                backoff = BACKOFF_MIN
                self._drops = 0
                self._unexpected_logged = False
                self._repair(False)
            else:
                self._drops += 1
                self._repair(self._drops >= REPAIR_AFTER)
            if unexpected is not None:
                self._log_unexpected(unexpected)
            self._stream_down(why)
            await self.async_refresh()  # poll now: the gap must not hide an alarm
            # Full jitter keeps many cameras from reconnecting in lockstep.
            await asyncio.sleep(random.uniform(backoff / 2, backoff))
            backoff = min(backoff * 2, BACKOFF_MAX)

    async def _follow_stream(self) -> str:
        """Apply what one connection of the stream brings; why it ended, if it did."""
        applied = 0
        async for item in self.camera.alarm_stream(self.idle_timeout):
            if isinstance(item, Heartbeat):
                if not self.stream_connected:
                    await self._stream_up()
                continue
            self._apply(item)
            applied += 1
            if applied % YIELD_EVERY == 0:
                # Records already buffered parse without a pause: let the rest of
                # Home Assistant run while a camera floods.
                await asyncio.sleep(0)
        return "closed by the camera"

    def _log_unexpected(self, err: Exception) -> None:
        """One traceback per camera until the stream is healthy again."""
        if self._unexpected_logged:
            _LOGGER.debug("Alarm stream of %s failed again: %r", self.title, err)
            return
        self._unexpected_logged = True
        _LOGGER.error(
            "Alarm stream of %s failed unexpectedly; reconnecting and polling meanwhile",
            self.title, exc_info=err,
        )

    async def _stream_up(self) -> None:
        self.stream_connected = True
        self.update_interval = None
        if self._stream_lost_logged:
            _LOGGER.info("Alarm stream of %s is back", self.title)
            self._stream_lost_logged = False
        # One poll resynchronises whatever changed while we were not listening.
        await self.async_refresh()
        self.async_update_listeners()

    @callback
    def _stream_down(self, why: str) -> None:
        was_connected = self.stream_connected
        self.stream_connected = False
        self.update_interval = self._poll_interval
        if not self._stream_lost_logged:
            # Info, not a warning: it heals itself with no alarm lost (the gap is
            # polled), a camera that is gone already has its warning from the
            # settings refresh, and a stream that keeps failing raises a repair issue.
            _LOGGER.info(
                "Alarm stream of %s %s (%s); polling until it is back",
                self.title,
                "dropped" if was_connected else "unavailable",
                why,
            )
            self._stream_lost_logged = True
        self.async_update_listeners()

    @callback
    def _apply(self, event: AlarmEvent) -> None:
        source = event.source
        if not self._admit(source):
            return
        # None until a first poll worked. Changed in place: a flood must not copy
        # every state per record.
        states = cast("AlarmStates | None", self.data)
        if states is None:
            states = self.data = {}
        previous = states.get(source, False)
        states[source] = event.active
        if event.momentary and event.active:
            self._arm_auto_off(source)
        elif not event.active:
            self._off_at.pop(source, None)
        if event.active != previous or (event.momentary and event.active):
            self._fire(source, event.active)
        self.last_update_success = True
        self._publish()

    @callback
    def _publish(self) -> None:
        """Tell the entities now, or at the end of the current interval."""
        if self._publish_timer is not None:
            self._publish_pending = True
            return
        self.async_update_listeners()
        self._publish_timer = self.hass.loop.call_later(PUBLISH_INTERVAL, self._published)

    @callback
    def _published(self) -> None:
        self._publish_timer = None
        if self._publish_pending:
            self._publish_pending = False
            self._publish()

    @callback
    def _arm_auto_off(self, source: AlarmSource) -> None:
        self._off_at[source] = self.hass.loop.time() + self.auto_off
        if self._off_timer is None:
            self._schedule_auto_off(self.auto_off)

    @callback
    def _schedule_auto_off(self, delay: float) -> None:
        self._off_due = self.hass.loop.time() + delay
        self._off_timer = async_call_later(self.hass, delay, self._auto_off)

    @callback
    def _auto_off(self, _now: datetime) -> None:
        """Turn off the momentary alarms whose time is up; wait for the next one.

        Due is what was due when the timer was set for (the loop's clock, which no
        wall-clock step moves), or is due by now.
        """
        self._off_timer = None
        due_by = max(self._off_due, self.hass.loop.time())
        due = [source for source, at in self._off_at.items() if at <= due_by]
        for source in due:
            del self._off_at[source]
            if self.data and self.data.get(source):
                self.data[source] = False
                self._fire(source, False)
        if due:
            self._publish()
        if self._off_at:
            wait = min(self._off_at.values()) - self.hass.loop.time()
            self._schedule_auto_off(max(wait, 0.01))

    # -- events ---------------------------------------------------------------------

    def _device_id(self, channel: int) -> str | None:
        if (known := self._device_ids.get(channel)) is not None:
            return known
        device = find_device(
            self.hass, self.config_entry,
            device_identifier(self.config_entry, self.camera, channel),
        )
        if device is None:
            return None
        self._device_ids[channel] = device.id
        return device.id

    @callback
    def _fire(self, source: AlarmSource, active: bool) -> None:
        if not self._events.take():
            self._event_dropped()
            return
        self.hass.bus.async_fire(
            EVENT_ALARM,
            {
                "device_id": self._device_id(source.channel),
                "kind": str(source.kind),
                "channel": source.channel,
                "index": source.index,
                "active": active,
            },
        )

    def _event_dropped(self) -> None:
        if not self.events_dropped:  # once per camera: a flood must not flood the log
            _LOGGER.warning(
                "%s pushes alarms faster than %d events at once and %.0f a second: "
                "%s events beyond that are dropped (its alarm entities stay current)",
                self.title, EVENT_BURST, EVENT_RATE, EVENT_ALARM,
            )
        self.events_dropped += 1
