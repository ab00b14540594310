"""Typed runtime data of a config entry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry, ConfigEntryState

from .client import Camera, StreamKind

if TYPE_CHECKING:
    from .alarms import AlarmCoordinator
    from .clock_watch import ClockWatch
    from .coordinator import SettingsCoordinator
    from .onvif_link import OnvifLink
    from .ptz import StepSettings
    from .stream_finder import StreamFinder


@dataclass(slots=True)
class CgiCameraData:
    """What a loaded entry holds."""

    camera: Camera
    coordinator: SettingsCoordinator
    stream: StreamKind
    stream_urls: dict[int, str | None]  # per channel (1 on a camera), without credentials
    snapshot_url: str | None  # user override, without credentials
    clock: ClockWatch
    stream_finder: StreamFinder
    ptz_step: StepSettings  # how far a PTZ button moves the head (its numbers set it)
    alarms: AlarmCoordinator | None = None  # every camera has one (None only in tests)
    onvif: OnvifLink | None = None
    # The options this set-up ran with (a changed copy means: reload).
    options: dict[str, Any] = field(default_factory=dict)


type CgiCameraConfigEntry = ConfigEntry[CgiCameraData]


def ready(entry: ConfigEntry[Any]) -> bool:
    """Loaded and set up: a new entry is loaded while its set-up still finishes in the
    background (background_setup.py), without runtime data until then."""
    return entry.state is ConfigEntryState.LOADED and hasattr(entry, "runtime_data")
