"""The capability interfaces a dialect class may implement, and the flags each allows.

A dialect's class lists the interfaces it implements; only those capability flags
may be set by its discovery (a device may lack what its dialect can do: probes
narrow, never widen, what the class implements). :func:`violations` checks it, and
:meth:`Camera.discover` refuses a discovery that breaks it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

import aiohttp

from .models import (
    Action,
    AlarmEvent,
    AlarmSource,
    Capabilities,
    Heartbeat,
    PresetOp,
    PtzMove,
    Recording,
    StreamKind,
)


class PtzControl(ABC):
    """A PTZ head: continuous moves and presets. Allows ``capabilities.ptz``."""

    @abstractmethod
    async def _ptz_move(self, move: PtzMove, speed: int) -> None:
        """Start ``move`` at the head's own ``speed`` (already scaled), or stop."""

    @abstractmethod
    async def _ptz_preset(self, op: PresetOp, preset: int) -> None:
        """Go to, save or delete ``preset`` (within the head's range, checked)."""


class PtzRoutines(PtzControl):
    """Stored tours, scans, patterns. Allows ``capabilities.ptz.routines``."""

    @abstractmethod
    async def _ptz_routine(self, key: str) -> None:
        """Run one of ``ptz.routines`` (the key is checked)."""


class AlarmPoll(ABC):
    """A readable alarm state. Allows ``capabilities.alarms``."""

    @abstractmethod
    async def _poll_alarms(self) -> dict[AlarmSource, bool]:
        """The current state of every alarm source (missing sources are off)."""


class AlarmPush(ABC):
    """Alarms pushed over a long-lived stream. Allows ``capabilities.alarm_push``."""

    @abstractmethod
    def _alarm_stream(self, idle_timeout: float) -> AsyncIterator[AlarmEvent | Heartbeat]:
        """Events as they happen, a :class:`Heartbeat` once connected and on every
        keep-alive; raises a :class:`CameraError` when the stream drops and
        :class:`Timeout` after ``idle_timeout`` seconds of silence."""


class Recordings(ABC):
    """Files on the device's storage. Allows ``capabilities.recordings``."""

    @abstractmethod
    async def _list_recordings(self, day: date) -> list[Recording]:
        """The files recorded on ``day`` (the device's calendar day), oldest first."""

    @abstractmethod
    async def _open_recording(
        self, path: str, headers: Mapping[str, str] | None
    ) -> aiohttp.ClientResponse:
        """Start downloading a file :meth:`_list_recordings` named (only those)."""


class Channels(ABC):
    """A recorder's camera channels. Allows ``capabilities.channels`` and
    ``capabilities.channel_settings`` (written with ``write(..., channel=N)``)."""

    @abstractmethod
    async def refresh_channels(self) -> bool:
        """Re-read the channels; True when the set changed."""

    @abstractmethod
    async def _channel_snapshot(self, stream: StreamKind, channel: int) -> bytes:
        """A JPEG of one channel."""

    @abstractmethod
    def channel_rtsp_candidates(self, stream: StreamKind, port: int, channel: int) -> list[str]:
        """Possible RTSP URLs of one channel (without credentials), most likely first."""


class Clock(ABC):
    """A readable device clock. Allows the ``sync_time`` action."""

    @abstractmethod
    async def _read_clock(self) -> datetime | None:
        """The device's clock as an aware time; None where this device cannot say."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One capability flag and the interface a dialect needs to set it."""

    interface: type
    flag: str
    is_set: Callable[[Capabilities], bool]


RULES: tuple[Rule, ...] = (
    Rule(PtzControl, "ptz", lambda c: c.ptz is not None),
    Rule(PtzRoutines, "ptz.routines", lambda c: c.ptz is not None and bool(c.ptz.routines)),
    Rule(AlarmPoll, "alarms", lambda c: bool(c.alarms)),
    Rule(AlarmPush, "alarm_push", lambda c: c.alarm_push),
    Rule(Recordings, "recordings", lambda c: c.recordings),
    Rule(Channels, "channels", lambda c: bool(c.channels or c.channel_settings)),
    Rule(Clock, "actions[sync_time]", lambda c: Action.SYNC_TIME in c.actions),
)
INTERFACES: tuple[type, ...] = tuple(rule.interface for rule in RULES)


def interfaces(cls: type) -> list[type]:
    """The capability interfaces ``cls`` implements."""
    return [iface for iface in INTERFACES if issubclass(cls, iface)]


def allowed_flags(cls: type) -> list[str]:
    """The capability flags a discovery of ``cls`` may set."""
    return [rule.flag for rule in RULES if issubclass(cls, rule.interface)]


def violations(camera: object, capabilities: Capabilities) -> list[str]:
    """The flags ``capabilities`` sets that ``camera``'s class does not implement."""
    return [
        f"{type(camera).__name__} sets {rule.flag} without implementing "
        f"{rule.interface.__name__}"
        for rule in RULES
        if rule.is_set(capabilities) and not isinstance(camera, rule.interface)
    ]
