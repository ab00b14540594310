"""Alarm states: pushed by the device's alarm stream, polled when there is none.

One coordinator per camera. With a push stream, one listener task keeps it open,
reconnects with exponential backoff and jitter, and polls the current state while
the stream is down so nothing is missed. Every state change also goes out on the
event bus as ``cgi_camera_alarm`` (which the device triggers listen to).
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
import logging
import random
import time
from typing import TYPE_CHECKING, Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from .client import AlarmEvent, AuthError, Camera, CameraError, NotSupported
from .client.models import AlarmSource, Heartbeat
from .const import DOMAIN, EVENT_ALARM
from .coordinator import update_errors
from .entity import device_identifier

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

AlarmStates = dict[AlarmSource, bool]


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
            name=f"{DOMAIN} alarms {entry.title}",
            # With a push stream, polling only runs while the stream is down.
            update_interval=None if self.push else self._poll_interval,
            always_update=False,
        )
        self.idle_timeout = idle_timeout
        self.auto_off = auto_off
        self.stream_connected = False
        self._stream_task: asyncio.Task[None] | None = None
        self._off_timers: dict[AlarmSource, CALLBACK_TYPE] = {}
        self._device_ids: dict[int, str] = {}
        self._stream_lost_logged = False
        self._drops = 0

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
        states = {source: False for source in self.camera.capabilities.alarms}
        states.update(reported)
        # A momentary alarm still counting down keeps its on state until its timer ends.
        for source in self._off_timers:
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
                self.hass, self._listen(), f"{DOMAIN} alarm stream {self.config_entry.title}"
            )

    async def async_stop(self) -> None:
        """Stop listening and cancel the auto-off timers."""
        if self._stream_task is not None:
            self._stream_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._stream_task
            self._stream_task = None
        for cancel in self._off_timers.values():
            cancel()
        self._off_timers.clear()
        self._repair(False)

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
                translation_placeholders={"name": self.config_entry.title},
            )
        elif not needed:
            ir.async_delete_issue(self.hass, DOMAIN, self._issue_id)

    async def _listen(self) -> None:
        backoff = BACKOFF_MIN
        while True:
            started = time.monotonic()
            error: Exception | None = None
            try:
                async for item in self.camera.alarm_stream(self.idle_timeout):
                    if isinstance(item, Heartbeat):
                        if not self.stream_connected:
                            await self._stream_up()
                    else:
                        self._apply(item)
            except AuthError:
                self._stream_down("login refused")
                self.config_entry.async_start_reauth(self.hass)
                return  # no retries against a refused login: reauth takes over
            except NotSupported:
                # This model has no push stream after all: poll from now on.
                _LOGGER.info("%s has no alarm stream; polling its alarms", self.config_entry.title)
                self.push = False
                self.stream_connected = False
                self.update_interval = self._poll_interval
                await self.async_refresh()
                self.async_update_listeners()
                return
            except CameraError as err:
                error = err
            if time.monotonic() - started >= HEALTHY_AFTER:
                backoff = BACKOFF_MIN
                self._drops = 0
                self._repair(False)
            else:
                self._drops += 1
                self._repair(self._drops >= REPAIR_AFTER)
            self._stream_down(str(error) if error else "closed by the camera")
            await self.async_refresh()  # poll now: the gap must not hide an alarm
            # Full jitter keeps many cameras from reconnecting in lockstep.
            await asyncio.sleep(random.uniform(backoff / 2, backoff))
            backoff = min(backoff * 2, BACKOFF_MAX)

    async def _stream_up(self) -> None:
        self.stream_connected = True
        self.update_interval = None
        if self._stream_lost_logged:
            _LOGGER.info("Alarm stream of %s is back", self.config_entry.title)
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
                self.config_entry.title,
                "dropped" if was_connected else "unavailable",
                why,
            )
            self._stream_lost_logged = True
        self.async_update_listeners()

    @callback
    def _apply(self, event: AlarmEvent) -> None:
        source = event.source
        states = dict(self.data or {})
        previous = states.get(source, False)
        states[source] = event.active
        if event.momentary and event.active:
            self._arm_auto_off(source)
        elif not event.active and source in self._off_timers:
            self._off_timers.pop(source)()
        if event.active != previous or (event.momentary and event.active):
            self._fire(source, event.active)
        self.async_set_updated_data(states)

    @callback
    def _arm_auto_off(self, source: AlarmSource) -> None:
        if (cancel := self._off_timers.pop(source, None)) is not None:
            cancel()

        @callback
        def _off(_now: Any) -> None:
            self._off_timers.pop(source, None)
            if self.data and self.data.get(source):
                self._fire(source, False)
                self.async_set_updated_data({**self.data, source: False})

        self._off_timers[source] = async_call_later(self.hass, self.auto_off, _off)

    # -- events ---------------------------------------------------------------------

    def _device_id(self, channel: int) -> str | None:
        if (known := self._device_ids.get(channel)) is not None:
            return known
        device = dr.async_get(self.hass).async_get_device(
            identifiers={device_identifier(self.config_entry, self.camera, channel)}
        )
        if device is None:
            return None
        self._device_ids[channel] = device.id
        return device.id

    @callback
    def _fire(self, source: AlarmSource, active: bool) -> None:
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
