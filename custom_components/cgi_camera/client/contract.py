"""The capability interfaces a dialect class may implement, and the flags each allows.

A dialect's class lists the interfaces it implements; only those capability flags
may be set by its discovery (a device may lack what its dialect can do: probes
narrow, never widen, what the class implements). :func:`violations` checks it, and
:meth:`Camera.discover` refuses a discovery that breaks it.

Alarms known before the first one: ``capabilities.alarms`` are the sources the
dialect's own poll reads (which needs :class:`AlarmPoll`); ``declared_alarms`` (no
interface needed) are the others its configuration says the device can raise -- a
detection it supports, switched on or not, whose alarms only a push stream or ONVIF
report. The alarm owner gives each an entity, off, once some feed reporting its kind
is there; kinds nothing declares appear when first reported. Both are sources on the
device's own channels, at most :data:`~.limits.MAX_ALARM_SOURCES` together.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

import aiohttp

from . import limits
from .models import (
    Action,
    AlarmEvent,
    AlarmKind,
    AlarmSource,
    Capabilities,
    Heartbeat,
    PresetOp,
    PtzMove,
    Recording,
    SettingKey,
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
        """The files recorded on ``day`` (the device's calendar day, in its
        :attr:`~.camera.Camera.zone`), oldest first, with aware start times."""

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
        """The device's clock as an aware time; None where this device cannot say.

        Where the same answer states the device's zone, the dialect keeps it in
        ``_utc_offset`` (what :attr:`~.camera.Camera.zone` reports): no extra request.
        """


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


# A device's detection switch -> the alarm that detection raises.
DETECTIONS: Mapping[SettingKey, AlarmKind] = {
    SettingKey.MOTION_DETECTION: AlarmKind.MOTION,
    SettingKey.NIGHT_MOTION_DETECTION: AlarmKind.MOTION,
    SettingKey.ALARM_INPUT: AlarmKind.IO_INPUT,
    SettingKey.OCCLUSION_DETECTION: AlarmKind.TAMPER,
    SettingKey.REGION_DETECTION: AlarmKind.INTRUSION,
    SettingKey.FIRE_DETECTION: AlarmKind.FIRE,
}


def declare_detections(capabilities: Capabilities) -> None:
    """Declare the alarm of each detection switch the device has, on or off: an
    automation may be written before the user switches it on, and the entity must
    not come and go with the switch. (Recorder channels declare their own.)"""
    for key in capabilities.settings:
        if (kind := DETECTIONS.get(key)) is not None:
            capabilities.declared_alarms.add(AlarmSource(kind))


def violations(camera: object, capabilities: Capabilities) -> list[str]:
    """The flags ``capabilities`` sets that ``camera``'s class does not implement,
    and alarm sources beyond what the device has (see the module docstring)."""
    found = [
        f"{type(camera).__name__} sets {rule.flag} without implementing "
        f"{rule.interface.__name__}"
        for rule in RULES
        if rule.is_set(capabilities) and not isinstance(camera, rule.interface)
    ]
    return found + alarm_violations(camera, capabilities)


def alarm_violations(camera: object, capabilities: Capabilities) -> list[str]:
    """Alarm sources a discovery must not declare: on a channel the device does not
    have, an index past the input limit, more than the source limit."""
    name = type(camera).__name__
    known = capabilities.alarms | capabilities.declared_alarms
    channels = set(capabilities.channels) or {1}
    found = [
        f"{name} declares the alarm {source.key} on a channel it does not have"
        for source in sorted(known) if source.channel not in channels
    ]
    found += [
        f"{name} declares the alarm {source.key} past {limits.MAX_ALARM_INPUTS} inputs"
        for source in sorted(known) if not 0 < source.index <= limits.MAX_ALARM_INPUTS
    ]
    if len(known) > limits.MAX_ALARM_SOURCES:
        found.append(f"{name} declares {len(known)} alarm sources (at most "
                     f"{limits.MAX_ALARM_SOURCES})")
    return found
