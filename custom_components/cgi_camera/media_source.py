"""The cameras' own recordings (SD card) in Home Assistant's media browser.

Tree: CGI Camera -> camera -> day (the last two weeks, on the camera's calendar)
-> recordings of that day, played through :mod:`.recording_view`.

One clock: days and times are the camera's (:attr:`Camera.zone`, what its clock
said), and the camera's folder and each day's say which clock that is; where the
camera names no zone, Home Assistant's is assumed and the titles say so. Why the
camera recorded (its kind) is translated here: media titles are plain text, never
looked up by the frontend. No thumbnails: no dialect's recording list names a
picture of the clip (seed 000 §3.20 gives path, size, mode, stream, start only).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from homeassistant.components.media_player.const import MediaClass, MediaType
from homeassistant.components.media_source import (
    BrowseMediaSource,
    MediaSource,
    MediaSourceItem,
    PlayMedia,
    Unresolvable,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.translation import async_get_translations
from homeassistant.util import dt as dt_util

from .client import CameraError, Recording, RecordingKind
from .client.clock import DeviceZone, utc_label
from .const import DOMAIN
from .data import CgiCameraConfigEntry, ready
from .names import entry_name
from .recording_view import decode_path, encode_path, mime_type, recording_url

DAYS = 14  # how far back the browser offers days
# The translations the titles use (strings.json "selector": plain lists of words).
_KIND = f"component.{DOMAIN}.selector.recording_kind.options."
_CLOCK = f"component.{DOMAIN}.selector.media_clock.options."


async def async_get_media_source(hass: HomeAssistant) -> CgiCameraMediaSource:
    """Called by Home Assistant's media_source integration."""
    return CgiCameraMediaSource(hass)


class CgiCameraMediaSource(MediaSource):
    """Browse and play what the cameras recorded on their own storage."""

    name = "CGI Camera"

    def __init__(self, hass: HomeAssistant) -> None:
        super().__init__(DOMAIN)
        self.hass = hass

    def _entries(self) -> list[CgiCameraConfigEntry]:
        return [
            entry for entry in self.hass.config_entries.async_entries(DOMAIN)
            if ready(entry)
            and entry.runtime_data.camera.capabilities.recordings
        ]

    def _entry(self, entry_id: str) -> CgiCameraConfigEntry:
        for entry in self._entries():
            if entry.entry_id == entry_id:
                return entry
        raise Unresolvable(
            translation_domain=DOMAIN,
            translation_key="no_recordings_camera",
            translation_placeholders={"entry_id": entry_id},
        )

    async def async_resolve_media(self, item: MediaSourceItem) -> PlayMedia:
        entry_id, _, rest = (item.identifier or "").partition("/")
        _day, _, token = rest.partition("/")
        self._entry(entry_id)
        path = decode_path(token) if token else None
        if path is None:
            raise Unresolvable(
                translation_domain=DOMAIN,
                translation_key="not_a_recording",
                translation_placeholders={"identifier": item.identifier or ""},
            )
        return PlayMedia(recording_url(entry_id, path), mime_type(path))

    async def async_browse_media(self, item: MediaSourceItem) -> BrowseMediaSource:
        entry_id, _, day = (item.identifier or "").partition("/")
        if not entry_id:
            return self._root()
        entry = self._entry(entry_id)
        words = await async_get_translations(
            self.hass, self.hass.config.language, "selector", [DOMAIN])
        # Read once: the days listed and the times shown come from the same clock.
        zone = entry.runtime_data.camera.zone
        if not day:
            return self._days(entry, zone, words)
        try:
            wanted = date.fromisoformat(day.partition("/")[0])
        except ValueError as err:
            raise Unresolvable(
                translation_domain=DOMAIN,
                translation_key="not_a_day",
                translation_placeholders={"day": day},
            ) from err
        try:
            recordings = await entry.runtime_data.camera.list_recordings(wanted)
        except CameraError as err:
            raise Unresolvable(
                translation_domain=DOMAIN,
                translation_key="recordings_failed",
                translation_placeholders={"camera": entry_name(entry), "error": str(err)},
            ) from err
        return self._day(entry, wanted, recordings, zone, words)

    def _root(self) -> BrowseMediaSource:
        return _folder(
            "", self.name,
            [_folder(entry.entry_id, entry.title, None) for entry in self._entries()],
        )

    def _days(
        self, entry: CgiCameraConfigEntry, zone: DeviceZone, words: Mapping[str, str]
    ) -> BrowseMediaSource:
        today = dt_util.utcnow().astimezone(zone.tz).date()
        days = [today - timedelta(days=n) for n in range(DAYS)]
        return _folder(
            entry.entry_id, f"{entry.title} ({clock_statement(zone, words)})",
            [_folder(f"{entry.entry_id}/{day.isoformat()}", day.isoformat(), None,
                     MediaClass.VIDEO) for day in days],
        )

    def _day(
        self,
        entry: CgiCameraConfigEntry,
        day: date,
        recordings: list[Recording],
        zone: DeviceZone,
        words: Mapping[str, str],
    ) -> BrowseMediaSource:
        base = f"{entry.entry_id}/{day.isoformat()}"
        children = [
            BrowseMediaSource(
                domain=DOMAIN,
                identifier=f"{base}/{encode_path(rec.path)}",
                media_class=MediaClass.VIDEO,
                media_content_type=mime_type(rec.path),
                title=f"{_clock_time(rec, day, zone)} {kind_name(rec.kind, words)}",
                can_play=True,
                can_expand=False,
            )
            for rec in recordings
        ]
        return _folder(base, f"{entry.title} {day.isoformat()} ({clock_statement(zone, words)})",
                       children, MediaClass.VIDEO)


def _clock_time(rec: Recording, day: date, zone: DeviceZone) -> str:
    """When ``rec`` started on the camera's clock; with its date when not on ``day``
    (a camera that changed its zone, or lists a file begun the evening before)."""
    local = rec.start.astimezone(zone.tz)
    return f"{local:%H:%M:%S}" if local.date() == day else f"{local:%Y-%m-%d %H:%M:%S}"


def clock_statement(zone: DeviceZone, words: Mapping[str, str]) -> str:
    """Which clock the titles use: ``camera time, UTC+08:00``, or Home Assistant's
    zone where the camera names none (translated; never a raw key)."""
    if zone.reported:
        which, label = "camera", utc_label(zone.offset(dt_util.utcnow()))
    else:
        which, label = "home_assistant", str(zone.tz)
    return words.get(f"{_CLOCK}{which}", "{zone}").replace("{zone}", label)


def kind_name(kind: RecordingKind, words: Mapping[str, str]) -> str:
    """Why the camera recorded, in the user's language."""
    return words.get(f"{_KIND}{kind.value}") or kind.value.replace("_", " ").capitalize()


def _folder(
    identifier: str,
    title: str,
    children: list[BrowseMediaSource] | None,
    children_class: str = MediaClass.DIRECTORY,
) -> BrowseMediaSource:
    """A folder; ``children`` None when it is listed but not yet opened."""
    return BrowseMediaSource(
        domain=DOMAIN,
        identifier=identifier or None,
        media_class=MediaClass.DIRECTORY,
        media_content_type=MediaType.VIDEO,
        title=title,
        can_play=False,
        can_expand=True,
        children=children,
        children_media_class=children_class,
    )
