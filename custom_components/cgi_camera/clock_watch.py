"""Watches the camera's clock: a repair issue while it is far off, fixed by a sync.

A wrong clock puts wrong times on the camera's recordings, overlay and alarm
records, and nothing else tells the user. Read once at set-up, then hourly.
"""

from __future__ import annotations

from datetime import datetime, timedelta
import logging
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util

from .client import Action, Camera, CameraError
from .const import DOMAIN
from .names import entry_name

if TYPE_CHECKING:
    from .data import CgiCameraConfigEntry

_LOGGER = logging.getLogger(__name__)

CHECK_INTERVAL = timedelta(hours=1)
# Far enough off to matter on a recording, far from a clock that merely drifts.
TOLERANCE = timedelta(minutes=5)


def issue_id(entry: CgiCameraConfigEntry) -> str:
    return f"clock_off_{entry.entry_id}"


def describe(offset: timedelta) -> str:
    """``1 d 3 h 12 min``: the size of the difference, whatever its sign."""
    minutes = round(abs(offset).total_seconds() / 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "",
             f"{minutes} min" if minutes or not (days or hours) else ""]
    return " ".join(p for p in parts if p)


class ClockWatch:
    """Compares the camera's clock with Home Assistant's."""

    def __init__(self, hass: HomeAssistant, entry: CgiCameraConfigEntry, camera: Camera) -> None:
        self.hass = hass
        self.entry = entry
        self.camera = camera
        self.offset: timedelta | None = None  # device minus Home Assistant, last seen
        self._stopped = False  # the entry unloaded: a read still running is dropped

    @callback
    def async_start(self) -> None:
        """Check now (in the background) and every hour until the entry unloads."""
        self.entry.async_on_unload(self._stop)
        self.entry.async_create_background_task(
            self.hass, self.async_check(), f"{DOMAIN} clock check {entry_name(self.entry)}"
        )

        async def _tick(_now: datetime) -> None:
            await self.async_check()

        self.entry.async_on_unload(async_track_time_interval(
            self.hass, _tick, CHECK_INTERVAL, name=f"{DOMAIN} clock check"))

    @callback
    def _stop(self) -> None:
        self._stopped = True

    async def async_check(self) -> None:
        """Read the clock; raise or clear the repair issue."""
        if Action.SYNC_TIME not in self.camera.capabilities.actions:
            return  # the issue offers a fix; a clock nothing can set is left alone
        before = dt_util.utcnow()
        try:
            device = await self.camera.read_clock()
        except CameraError as err:
            # The settings coordinator reports an unreachable camera; this is a
            # side check and stays quiet.
            _LOGGER.debug("Reading the clock of %s failed: %s", entry_name(self.entry), err)
            return
        if device is None or self._stopped:
            return
        after = dt_util.utcnow()
        self.offset = device - (before + (after - before) / 2)
        if abs(self.offset) <= TOLERANCE:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id(self.entry))
            return
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            issue_id(self.entry),
            is_fixable=True,
            is_persistent=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="clock_ahead" if self.offset > timedelta(0) else "clock_behind",
            translation_placeholders={"name": entry_name(self.entry),
                                      "difference": describe(self.offset)},
            data={"entry_id": self.entry.entry_id},
        )
