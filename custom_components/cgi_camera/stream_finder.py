"""Finds the RTSP stream of each channel, and looks again while one is missing.

After a power cut the web server of these cameras often answers well before
their RTSP server does; without another look the camera would stay on
snapshots until the entry is reloaded.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime
import logging
from typing import TYPE_CHECKING

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_call_later

from .client import Camera, StreamKind, redact_url
from .const import CONF_RTSP_PORT, CONF_RTSP_URL, DEFAULT_RTSP_PORT, DOMAIN
from .names import entry_name

if TYPE_CHECKING:
    from .data import CgiCameraConfigEntry

_LOGGER = logging.getLogger(__name__)

FIRST_RETRY = 60.0  # seconds; doubled after every miss
MAX_RETRY = 3600.0


def signal_streams_found(entry: CgiCameraConfigEntry) -> str:
    """Dispatcher signal sent when a channel's stream turns up later."""
    return f"{DOMAIN}_{entry.entry_id}_streams_found"


def override_issue_id(entry: CgiCameraConfigEntry) -> str:
    return f"rtsp_override_{entry.entry_id}"


async def async_find_streams(
    camera: Camera, entry: CgiCameraConfigEntry, stream: StreamKind, channels: Iterable[int]
) -> dict[int, str | None]:
    """The first answering RTSP URL (without credentials) of each channel, or None."""
    options = entry.options
    port = options.get(CONF_RTSP_PORT, DEFAULT_RTSP_PORT)
    # The URL override is for a single camera; recorder channels are asked.
    override = None if camera.capabilities.channels else options.get(CONF_RTSP_URL)
    wanted = list(channels)
    found = await asyncio.gather(
        *(camera.find_stream(stream, port, override, channel) for channel in wanted)
    )
    return dict(zip(wanted, found, strict=True))


@callback
def async_update_override_issue(
    hass: HomeAssistant, entry: CgiCameraConfigEntry, urls: dict[int, str | None]
) -> None:
    """A URL the user typed that does not answer needs the user: say so, once."""
    if entry.options.get(CONF_RTSP_URL) and not any(urls.values()):
        ir.async_create_issue(
            hass,
            DOMAIN,
            override_issue_id(entry),
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="rtsp_override_failing",
            translation_placeholders={"name": entry_name(entry)},
        )
    else:
        ir.async_delete_issue(hass, DOMAIN, override_issue_id(entry))


class StreamFinder:
    """Retries the channels without a stream, backing off from 1 min to 1 h."""

    def __init__(self, hass: HomeAssistant, entry: CgiCameraConfigEntry) -> None:
        self.hass = hass
        self.entry = entry
        self._delay = FIRST_RETRY
        self._unsub: CALLBACK_TYPE | None = None
        self._stopped = False  # the entry unloaded: a look still running must not go on

    @callback
    def async_schedule(self) -> None:
        """Look again later if a channel has no stream (no-op otherwise)."""
        if self._stopped or self._unsub is not None:
            return
        if all(self.entry.runtime_data.stream_urls.values()):
            return
        self._unsub = async_call_later(self.hass, self._delay, self._retry)

    @callback
    def async_stop(self) -> None:
        self._stopped = True
        if self._unsub is not None:
            self._unsub()
        self._unsub = None

    async def async_look_again(self) -> None:
        """Look for every channel now: another source of URLs (ONVIF) turned up.

        A channel whose lookup now finds another URL (the device's own before our
        guesses) switches to it; the override, when set, stays the only candidate.
        """
        data = self.entry.runtime_data
        found = await async_find_streams(data.camera, self.entry, data.stream,
                                         list(data.stream_urls))
        if self._stopped:
            return
        changed = {channel: url for channel, url in found.items()
                   if url and url != data.stream_urls.get(channel)}
        if changed:
            data.stream_urls.update(changed)
            _LOGGER.debug("RTSP stream of %s now %s", entry_name(self.entry), ", ".join(
                f"channel {c}: {redact_url(u)}" for c, u in sorted(changed.items())))
            async_update_override_issue(self.hass, self.entry, data.stream_urls)
            async_dispatcher_send(self.hass, signal_streams_found(self.entry))

    async def _retry(self, _now: datetime) -> None:
        self._unsub = None
        data = self.entry.runtime_data
        missing = [channel for channel, url in data.stream_urls.items() if not url]
        if not missing:
            return
        found = await async_find_streams(data.camera, self.entry, data.stream, missing)
        if self._stopped:
            return
        found = {channel: url for channel, url in found.items() if url}
        if found:
            data.stream_urls.update(found)
            _LOGGER.info("RTSP stream of %s found: %s", entry_name(self.entry),
                         ", ".join(f"channel {c}" for c in sorted(found)))
            async_update_override_issue(self.hass, self.entry, data.stream_urls)
            async_dispatcher_send(self.hass, signal_streams_found(self.entry))
            self._delay = FIRST_RETRY
        else:
            self._delay = min(self._delay * 2, MAX_RETRY)
        self.async_schedule()
