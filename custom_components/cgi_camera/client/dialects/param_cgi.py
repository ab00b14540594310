"""The ``param_cgi`` dialect (seed 001): ``/cgi-bin/<program>.cgi``, ``key=value`` text.

Wire facts relied on (seed 001, digest ``param-cgi.md``):
- Credentials on every request: HTTP Basic, or ``userName``/``password`` as the first
  two query parameters. Failures are HTTP 200 ``error, Return=N`` (-507 user, -508
  password, -515/-527 locked). Five wrong passwords lock the account, so a login is
  tried once and never again after a refusal.
- Getters answer ``key=value`` lines; setters answer ``OK``. ``-1`` means
  "not supported" in ``sensor.cgi`` answers; IPCs scope ``sensor.cgi`` by ``schemeID``.
- Alarms: ``alarm.cgi?action=attach`` is an endless ``multipart/x-mixed-replace``
  stream of Begin/next/End records (IPC); ``currentAlarmStatus`` is the poll.
- ``deviceType`` 5 is an NVR whose cameras are channels (``cameraID``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
import contextlib
from dataclasses import dataclass, replace
from datetime import datetime
import logging
from typing import Any

from .. import keyvalue as kv
from ..camera import Camera, Fingerprint
from ..clock import wall_clock
from ..errors import (
    CameraError,
    CommandError,
    NotSupported,
    ProtocolError,
    Timeout,
)
from ..fields import SettingField
from ..models import (
    Action,
    AlarmEvent,
    AlarmKind,
    AlarmSource,
    ChannelInfo,
    DeviceInfo,
    Heartbeat,
    PresetOp,
    PtzCapabilities,
    PtzMove,
    Setting,
    SettingKey,
    SettingKind,
    State,
    StateKey,
    StreamKind,
    normalize_mac,
)
from ..transport import SNAPSHOT_LIMIT, Credentials, Response, Transport

_LOGGER = logging.getLogger(__name__)

DIALECT = "param_cgi"
AUTH_CODES = {-507, -508, -528, -532}
LOCKED_CODES = {-515, -527}
UNSUPPORTED_CODES = {-506, -21, -22}
KEEPALIVE = "connecting, waiting for alarm message"
# A part of the alarm stream larger than this is junk (records are ~240 bytes).
MAX_PART = 64 * 1024
PTZ_SPEED_MAX = 63

K = SettingKey
Codec = Callable[[str], Any]


@dataclass(frozen=True, slots=True)
class _Field(SettingField):
    """One setting inside a getter/setter pair."""

    key: SettingKey
    name: str  # the wire key
    kind: SettingKind
    minimum: float | None = None
    maximum: float | None = None
    options: Mapping[str, str] | None = None  # wire value -> vocabulary option
    unit: str | None = None
    # (current wire value, new value) -> new wire value, for keys several settings share.
    merge: Callable[[str, Any], str] | None = None
    decode: Codec | None = None

    def read(self, raw: str) -> Any:
        if self.decode is not None:
            return self.decode(raw)
        if self.kind is SettingKind.BOOL:
            return raw.strip() not in ("0", "false", "")
        if self.kind is SettingKind.NUMBER:
            return int(float(raw))
        if self.options is not None:
            return self.options.get(raw.strip())
        return raw.strip()

    def write(self, current: str, value: Any) -> str:
        if self.merge is not None:
            return self.merge(current, value)
        if self.kind is SettingKind.BOOL:
            return "1" if value else "0"
        if self.options is not None:
            return str(self.wire_option(value))
        return str(round(float(value)))


@dataclass(frozen=True, slots=True)
class _Group:
    """A getter/setter pair: ``<program>?action=get|set&type=<type>``."""

    program: str
    type: str
    fields: tuple[_Field, ...]
    scheme: bool = False  # IPC sensor.cgi calls carry the live schemeID
    camera: bool = True  # carries cameraID
    # Keys a set must repeat from the get although no entity shows them.
    carry: tuple[str, ...] = ()


def _bit(mask: int) -> Callable[[str, Any], str]:
    """MirrorMode is one number for two switches: bit 1 horizontal, bit 2 vertical."""

    def merge(current: str, value: Any) -> str:
        raw = int(current or 0)
        return str(raw | mask if value else raw & ~mask)

    return merge


def _has_bit(mask: int) -> Codec:
    return lambda raw: bool(int(raw or 0) & mask)


def _sw(key: SettingKey, name: str) -> _Field:
    return _Field(key, name, SettingKind.BOOL)


def _num(key: SettingKey, name: str, lo: float = 0, hi: float = 100) -> _Field:
    return _Field(key, name, SettingKind.NUMBER, lo, hi)


DAY_NIGHT = {"0": "auto", "1": "day", "2": "night", "3": "schedule"}
DISK_STATUS = {
    "-1": "write_timeout", "0": "unknown", "1": "normal", "2": "abnormal", "3": "no_card",
    "4": "write_protected", "5": "unformatted", "6": "formatting", "7": "no_disk",
    "8": "sleeping", "9": "connection_failed", "12": "unpartitioned", "15": "removed",
    "24": "failed",
}
IPC_GROUPS: tuple[_Group, ...] = (
    _Group("sensor.cgi", "imaging", (
        _num(K.BRIGHTNESS, "brightness"), _num(K.CONTRAST, "contrast"),
        _num(K.SATURATION, "saturation"), _num(K.SHARPNESS, "sharpness"),
    ), scheme=True),
    _Group("sensor.cgi", "EnhanceImage", (
        _sw(K.WDR, "WDR"), _num(K.WDR_LEVEL, "WDRvalue"),
        _sw(K.HIGHLIGHT_COMPENSATION_ENABLED, "HLC"),
        _num(K.HIGHLIGHT_COMPENSATION, "HLCvalue"),
        _sw(K.BACKLIGHT_COMPENSATION_ENABLED, "BLC"),
        _num(K.BACKLIGHT_COMPENSATION, "BLCvalue"),
        _sw(K.STABILIZATION, "AntiShake"), _sw(K.DEFOG, "Defog"),
    ), scheme=True),
    _Group("sensor.cgi", "dayNight", (
        _Field(K.DAY_NIGHT_MODE, "dayNightMode", SettingKind.ENUM, options=DAY_NIGHT),
        _num(K.IR_BRIGHTNESS, "infraredIntensity"),
        _num(K.WHITE_LIGHT_BRIGHTNESS, "whiteIntensity"),
    ), scheme=True),
    _Group("sensor.cgi", "infraredLight", (_sw(K.IR_LIGHT, "mode"),), scheme=True),
    _Group("sensor.cgi", "SceneMode", (
        _Field(K.MIRROR, "MirrorMode", SettingKind.BOOL, merge=_bit(1), decode=_has_bit(1)),
        _Field(K.FLIP, "MirrorMode", SettingKind.BOOL, merge=_bit(2), decode=_has_bit(2)),
    ), scheme=True),
    _Group("param.cgi", "motionAlarm", (
        _sw(K.MOTION_DETECTION, "motionDetectionEnableFlag"),
        _num(K.MOTION_SENSITIVITY, "sensitivity", 1, 10),
    )),
    _Group("param.cgi", "videoSystem", (
        _Field(K.POWER_FREQUENCY, "frequency", SettingKind.ENUM,
               options={"50": "50hz", "60": "60hz"}),
    )),
    _Group("param.cgi", "microphone", (
        _sw(K.AUDIO, "toneArmEnableFlag"), _num(K.MICROPHONE_VOLUME, "volume"),
    )),
    _Group("param.cgi", "AudioOutputParam", (
        _sw(K.SPEAKER, "audioOutputEnable"), _num(K.VOLUME, "audioOutputVolume"),
    ), camera=False),
    _Group("param.cgi", "WhiteLedManualControl", (_sw(K.WHITE_LIGHT, "WhiteLedManualMode"),)),
    # "cameraID, StreamId, DiskGroupId are required" for this set (seed 001 §2.6.3.1).
    _Group("param.cgi", "recordPolicy", (_sw(K.RECORD_SCHEDULE, "RecordOpenFlag"),),
           carry=("StreamId", "DiskGroupId")),
    _Group("param.cgi", "deviceDiskInfo", (
        _Field(K.SD_CARD_STATUS, "diskStatus", SettingKind.VALUE, options=DISK_STATUS),
        _Field(K.SD_TOTAL, "diskTotalSize", SettingKind.VALUE, unit="MB", decode=lambda r: int(r)),
        _Field(K.SD_FREE, "diskFreeSize", SettingKind.VALUE, unit="MB", decode=lambda r: int(r)),
    ), camera=False),
)
RECORDER_GROUPS: tuple[_Group, ...] = (IPC_GROUPS[-1],)
# What each recorder channel (cameraID=N, no schemeID) offers; the seed's NVR/lite
# tables name some keys differently from the IPC ones.
CHANNEL_GROUPS: tuple[_Group, ...] = (
    _Group("sensor.cgi", "imaging", IPC_GROUPS[0].fields),
    _Group("sensor.cgi", "EnhanceImage", IPC_GROUPS[1].fields),
    _Group("sensor.cgi", "SceneMode", IPC_GROUPS[4].fields),
    _Group("param.cgi", "motionAlarm", (
        _sw(K.MOTION_DETECTION, "motionDetectionEnableFlag"),
        # NVR/lite: 0 low, 1 medium, 2 high, 3 highest (seed 001 §2.6.4.3.6).
        _num(K.MOTION_SENSITIVITY, "sensitivity", 0, 3),
    )),
    _Group("param.cgi", "recordPolicy", (_sw(K.RECORD_SCHEDULE, "RecordOpenFlag"),),
           carry=("StreamId", "DiskGroupId")),
)
_Fields = dict[SettingKey, tuple[_Group, _Field]]


def _groups_of(fields: _Fields) -> list[_Group]:
    """The groups ``fields`` come from, each once, in a stable order."""
    groups: list[_Group] = []
    for group, _ in fields.values():
        if not any(group is known for known in groups):  # by identity: dicts inside
            groups.append(group)
    return groups

# (major, minor) -> kind; the seed's "Alarm log type" tables (001 §4.2).
ALARM_TYPES: dict[tuple[int, int], AlarmKind] = {
    (1, 1): AlarmKind.IO_INPUT, (1, 2): AlarmKind.MOTION, (1, 3): AlarmKind.TAMPER,
    (1, 4): AlarmKind.VIDEO_LOSS, (1, 5): AlarmKind.NETWORK, (1, 9): AlarmKind.PIR,
    (1, 10): AlarmKind.IO_INPUT, (1, 11): AlarmKind.DAY_NIGHT, (1, 12): AlarmKind.AUDIO,
    (5, 10): AlarmKind.RECORDING, (5, 11): AlarmKind.RECORDING,
    (6, 21): AlarmKind.LINE_CROSSING, (6, 22): AlarmKind.MOTION, (6, 23): AlarmKind.TAMPER,
    (6, 24): AlarmKind.INTRUSION, (6, 25): AlarmKind.LINE_CROSSING,
    (6, 26): AlarmKind.LOITERING, (6, 27): AlarmKind.LOITERING,
    (6, 28): AlarmKind.OBJECT_LEFT, (6, 29): AlarmKind.OBJECT_REMOVED,
    (6, 33): AlarmKind.TAMPER, (6, 34): AlarmKind.VIDEO_LOSS,
    (9, 52): AlarmKind.SMART_MOTION, (9, 55): AlarmKind.PERSON, (9, 58): AlarmKind.PERSON,
}
# Kinds whose "ended" record the seed never promises ("record and disk alarm only
# alarm trigger, no end state"); smart analytics are events, not states.
MOMENTARY_MAJORS = {4, 6, 7, 9}

_MOVES: dict[PtzMove, tuple[int, int]] = {
    PtzMove.LEFT: (-1, 0), PtzMove.RIGHT: (1, 0), PtzMove.UP: (0, 1), PtzMove.DOWN: (0, -1),
    PtzMove.UP_LEFT: (-1, 1), PtzMove.UP_RIGHT: (1, 1),
    PtzMove.DOWN_LEFT: (-1, -1), PtzMove.DOWN_RIGHT: (1, -1),
}
_LENS: dict[PtzMove, tuple[tuple[str, str], ...]] = {
    PtzMove.ZOOM_IN: (("action", "zoom"), ("pan", "1")),
    PtzMove.ZOOM_OUT: (("action", "zoom"), ("pan", "-1")),
    PtzMove.FOCUS_NEAR: (("action", "focusNear"),),
    PtzMove.FOCUS_FAR: (("action", "focusFar"),),
    PtzMove.IRIS_OPEN: (("action", "irisIncrease"),),
    PtzMove.IRIS_CLOSE: (("action", "irisDecrease"),),
    PtzMove.STOP: (("action", "stop"),),
}


def _alarm_event(record: Mapping[str, str]) -> AlarmEvent | None:
    """One alarm record -> event; None for kinds we do not model."""
    try:
        major = int(record.get("alarmMajorType", ""))
        minor = int(record.get("alarmMinorType", ""))
        source = int(record.get("sourceID", "1") or 1)
        flag = int(record.get("alarmFlag", "1") or 1)
    except ValueError:
        return None
    if major == 4:
        kind: AlarmKind | None = AlarmKind.DISK
    elif major == 7:
        kind = AlarmKind.FIRE if minor in (16, 17, 18) else AlarmKind.TEMPERATURE
    else:
        kind = ALARM_TYPES.get((major, minor))
    if kind is None:
        return None
    active = flag == 1 and (major, minor) != (5, 11) and not (major == 4 and minor == 1)
    if kind is AlarmKind.IO_INPUT and minor == 1:
        where = AlarmSource(kind, 1, source)  # sourceID is the input number
    else:
        where = AlarmSource(kind, source)  # sourceID is the camera channel
    return AlarmEvent(where, active, momentary=major in MOMENTARY_MAJORS)


class ParamCgiCamera(Camera):
    """An IPC or NVR speaking the param_cgi dialect."""

    dialect = DIALECT

    def __init__(
        self, transport: Transport, credentials: Credentials, *, auth_hint: str | None = None
    ) -> None:
        super().__init__(transport, credentials, auth_hint=auth_hint)
        self._query_auth = False  # credentials as first query parameters instead of Basic
        self._nvr = False
        self._scheme: str | None = None
        self._groups: list[_Group] = []
        self._fields: _Fields = {}
        self._channel_fields: dict[int, _Fields] = {}
        self._assumed: State = {}
        self._rtsp_port: int | None = None
        self._alarm_inputs = 0

    # -- requests -----------------------------------------------------------------

    @classmethod
    async def fingerprint(cls, transport: Transport) -> Fingerprint:
        query = (("action", "get"), ("type", "deviceInfo"))
        resp = await transport.get("/cgi-bin/param.cgi", query)
        body = resp.text()
        if resp.status == 200 and (kv.error_code(body) is not None or "deviceID=" in body):
            return Fingerprint.YES
        if resp.status == 401:
            return Fingerprint.MAYBE  # it wants a login first; detect() tries one
        return Fingerprint.NO

    def _params(self, params: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
        if self._query_auth:
            # The seed: userName and password must be the first two parameters.
            return [("userName", self.credentials.username),
                    ("password", self.credentials.password), *params]
        return list(params)

    async def _raw(
        self, program: str, params: Sequence[tuple[str, str]], *, limit: int | None = None
    ) -> Response:
        self._check_refused()
        path = f"/cgi-bin/{program}"
        query = self._params(params)
        if limit:
            return await self.transport.get(path, query, limit=limit)
        return await self.transport.get(path, query)

    def _check(self, resp: Response) -> str:
        """The body of a successful answer; the taxonomy's error otherwise."""
        if resp.status == 401:
            raise self._refused("the camera refused the login (HTTP 401)")
        if resp.status == 404:
            raise NotSupported("no such CGI on this device")
        if resp.status != 200:
            raise ProtocolError(f"HTTP {resp.status}")
        body = resp.text()
        code = kv.error_code(body)
        if code is None:
            return body
        if code in AUTH_CODES:
            raise self._refused(f"the camera refused the login (error {code})")
        if code in LOCKED_CODES:
            raise self._refused(f"the account is locked after failed logins (error {code})")
        if code in UNSUPPORTED_CODES:
            raise NotSupported(f"not supported by this device (error {code})")
        raise CommandError(f"the camera refused the request (error {code})", reason=str(code))

    async def _get(self, program: str, params: Sequence[tuple[str, str]]) -> kv.Pairs:
        return kv.parse(self._check(await self._raw(program, params)))

    async def _do(self, program: str, params: Sequence[tuple[str, str]]) -> None:
        body = self._check(await self._raw(program, params))
        if not kv.is_ok(body):
            raise ProtocolError(f"unexpected answer {body[:40]!r}")

    # -- session ----------------------------------------------------------------

    async def login(self) -> None:
        self.transport.use_auth(self.credentials, "basic")
        query = (("action", "get"), ("type", "deviceInfo"))
        resp = await self._raw("param.cgi", query)
        code = kv.error_code(resp.text())
        if (resp.status == 401 and code is None) or code == -507:
            # Basic not understood (a bare 401, or "wrong user" because no user
            # arrived): no password was judged, so the seed's other mechanism, the
            # credentials as first query parameters, gets its one try.
            self._query_auth = True
            self.transport.auth_mode = None
            resp = await self._raw("param.cgi", query)
        info = kv.first(kv.parse(self._check(resp)))
        if "deviceID" not in info and "MACAddress" not in info:
            raise ProtocolError("deviceInfo without device fields")
        self._info_raw = info

    async def discover(self) -> None:
        info = self._info_raw
        self._nvr = info.get("deviceType") == "5"
        self._alarm_inputs = _int(info.get("alarmInNum"), 0)
        self.info = DeviceInfo(
            dialect=DIALECT,
            mac=normalize_mac(info.get("MACAddress")),
            serial=info.get("deviceID") or None,
            model=info.get("productModel") or None,
            name=info.get("deviceName") or None,
            manufacturer=info.get("manufacturerName") or None,
            firmware=info.get("softwareVer") or None,
            hardware=info.get("hardwareVer") or None,
            extra={"device_type": "nvr" if self._nvr else "ipc"},
        )
        caps = self.capabilities
        caps.actions.add(Action.REBOOT)
        caps.actions.add(Action.SYNC_TIME)
        if self._nvr:
            await self._discover_channels()
            for channel in sorted(caps.channels):
                await self._discover_channel_settings(channel)
        else:
            await self._discover_scheme()
        await self._discover_settings()
        await self._discover_ptz()
        await self._discover_alarms()
        with _optional():
            ports = kv.first(await self._get("param.cgi", (("action", "get"),
                                                          ("type", "devicePort"))))
            self._rtsp_port = _int(ports.get("rtspPort"), 0) or None
        self.state = await self.read_state()

    async def _discover_channels(self) -> None:
        pairs = await self._get("param.cgi", (("action", "get"), ("type", "channelInfo")))
        found: dict[int, ChannelInfo] = {}
        for record in kv.loop(pairs, "channel"):
            number = _int(record.get("channelId"), 0)
            if number <= 0:
                continue
            found[number] = ChannelInfo(
                number=number,
                name=record.get("channelName") or None,
                model=record.get("channelModel") or None,
                firmware=record.get("channelFirmware") or None,
                hardware=record.get("channelHardware") or None,
                online=record.get("channelStatus") == "5",
            )
        # A channel no longer listed was unbound: its entities go unavailable and the
        # user may delete its device. An answer listing none is not believed.
        if found:
            self.capabilities.channels.clear()
            self.capabilities.channels.update(found)

    async def refresh_channels(self) -> bool:
        """Re-read the recorder's channels; True when the set changed."""
        if not self._nvr:
            return False
        before = set(self.capabilities.channels)
        await self._discover_channels()
        for number in self.capabilities.channels:
            self.capabilities.alarms.add(AlarmSource(AlarmKind.MOTION, number))
            self.capabilities.alarms.add(AlarmSource(AlarmKind.VIDEO_LOSS, number))
            if number not in self._channel_fields:
                await self._discover_channel_settings(number)
        return set(self.capabilities.channels) != before

    async def _discover_scheme(self) -> None:
        with _optional():
            values = kv.first(await self._get(
                "sensor.cgi", (("action", "get"), ("type", "sensorScheme"), ("cameraID", "1"))
            ))
            self._scheme = values.get("schemeID") or None

    def _group_query(
        self, group: _Group, action: str, channel: int | None = None
    ) -> list[tuple[str, str]]:
        query = [("action", action), ("type", group.type)]
        if group.camera:
            query.append(("cameraID", str(channel or 1)))
        # Recorder channels take no schemeID (seed 001 §2.8: "NVR/lite do not send").
        if group.scheme and self._scheme is not None and channel is None:
            query.append(("schemeID", self._scheme))
        return query

    async def _discover_channel_settings(self, channel: int) -> None:
        fields: _Fields = {}
        settings: dict[SettingKey, Setting] = {}
        for group in CHANNEL_GROUPS:
            try:
                values = kv.first(
                    await self._get(group.program, self._group_query(group, "get", channel))
                )
            except (NotSupported, CommandError, ProtocolError) as err:
                _LOGGER.debug("%s: channel %s %s not available (%s)", self, channel, group.type,
                              err)
                continue
            for fld in group.fields:
                if values.get(fld.name, "-1") != "-1":
                    fields[fld.key] = (group, fld)
                    settings[fld.key] = fld.setting()
        self._channel_fields[channel] = fields
        self.capabilities.channel_settings[channel] = settings

    async def _discover_settings(self) -> None:
        groups = RECORDER_GROUPS if self._nvr else IPC_GROUPS
        sensitivity: tuple[float, float] | None = None
        if not self._nvr:
            with _optional():
                ability = kv.first(await self._get(
                    "param.cgi", (("action", "get"), ("type", "motionAlarmAbility"))
                ))
                sensitivity = (float(ability["minSensitivity"]), float(ability["maxSensitivity"]))
        for group in groups:
            try:
                values = kv.first(await self._get(group.program, self._group_query(group, "get")))
            except (NotSupported, CommandError, ProtocolError) as err:
                _LOGGER.debug("%s: %s not available (%s)", self, group.type, err)
                continue
            present = [f for f in group.fields if values.get(f.name, "-1") != "-1"]
            if not present:
                continue
            self._groups.append(group)
            for fld in present:
                self._fields[fld.key] = (group, fld)
                if fld.key is K.MOTION_SENSITIVITY and sensitivity is not None:
                    self.capabilities.add(fld.setting(*sensitivity))
                else:
                    self.capabilities.add(fld.setting())
        caps = self.capabilities
        if not self._nvr:
            caps.actions.update({Action.TRIGGER_ALARM, Action.STOP_ALARM, Action.RESET_IMAGE})
        if self._alarm_inputs or not self._nvr:
            # The alarm output has no read-back: an assumed-state switch.
            caps.add(Setting(K.RELAY, SettingKind.BOOL, assumed_state=True))

    async def _discover_ptz(self) -> None:
        if self._nvr:
            return
        try:
            cap = kv.first(await self._get(
                "ptz.cgi", (("action", "get"), ("type", "ptzCap"), ("cameraID", "1"))
            ))
        except (NotSupported, CommandError, ProtocolError):
            return
        if cap.get("ptzSupport", "1") in ("0", "false"):
            return
        presets = await self._list_presets()
        routines: dict[str, str] = {}
        for kind, loop_name, label in (("tour", "tour", "tour"), ("scan", "scan", "scan"),
                                       ("track", "track", "pattern")):
            try:
                pairs = await self._get("ptz.cgi", (("cameraID", "1"),
                                                    ("action", f"list{kind.capitalize()}")))
            except (NotSupported, CommandError, ProtocolError):
                continue
            for record in kv.loop(pairs, loop_name):
                ident = record.get(f"{kind}ID")
                if ident is not None and ident.lstrip("-").isdigit():
                    routines[f"{label}_{ident}"] = record.get(f"{kind}Name") or ident
        self.capabilities.ptz = PtzCapabilities(
            moves=frozenset(_MOVES) | frozenset(_LENS),
            speed_min=1,
            speed_max=PTZ_SPEED_MAX,
            preset_min=1,
            preset_max=_int(cap.get("presetMaxNum"), 400) or 400,
            presets=presets,
            routines=routines,
        )
        self.capabilities.actions.update({Action.PTZ_STOP, Action.PTZ_HOME, Action.AUTOFOCUS})

    async def _list_presets(self) -> dict[int, str]:
        try:
            pairs = await self._get("ptz.cgi", (("cameraID", "1"), ("action", "listPreset")))
        except (NotSupported, CommandError, ProtocolError):
            return {}
        presets: dict[int, str] = {}
        for record in kv.loop(pairs, "preset"):
            number = _int(record.get("presetID"), 0)
            if number > 0:
                presets[number] = record.get("presetName") or str(number)
        return presets

    async def _discover_alarms(self) -> None:
        caps = self.capabilities
        channels = sorted(caps.channels) or [1]
        for channel in channels:
            caps.alarms.add(AlarmSource(AlarmKind.MOTION, channel))
            if self._nvr:
                caps.alarms.add(AlarmSource(AlarmKind.VIDEO_LOSS, channel))
        for index in range(1, self._alarm_inputs + 1):
            caps.alarms.add(AlarmSource(AlarmKind.IO_INPUT, 1, index))
        if not self._nvr:
            # Recording has no readable flag; its start/stop alarms (5/10, 5/11) drive it.
            caps.alarms.add(AlarmSource(AlarmKind.RECORDING))
        # IPCs push over alarm.cgi?action=attach; recorders and lite models are polled.
        caps.alarm_push = not self._nvr

    # -- settings -----------------------------------------------------------------

    async def read_state(self) -> State:
        if self._nvr:
            with _optional():  # channels added to a recorder later appear without a reload
                await self.refresh_channels()
        state: State = dict(self._assumed)
        failures: list[CameraError] = []
        reads: list[tuple[_Group, int | None, _Fields]] = [
            (group, None, self._fields) for group in self._groups
        ]
        for number, channel_fields in sorted(self._channel_fields.items()):
            reads += [(group, number, channel_fields) for group in _groups_of(channel_fields)]
        for group, channel, fields in reads:
            try:
                values = kv.first(
                    await self._get(group.program, self._group_query(group, "get", channel))
                )
            except (NotSupported, CommandError, ProtocolError) as err:
                failures.append(err)
                continue
            self._apply(group, values, state, fields, channel)
        if reads and len(failures) == len(reads):
            raise failures[0]
        self.state = state
        return state

    def _apply(
        self,
        group: _Group,
        values: Mapping[str, str],
        state: State,
        fields: _Fields,
        channel: int | None = None,
    ) -> None:
        for fld in group.fields:
            if fld.key not in fields or values.get(fld.name, "-1") == "-1":
                continue
            where: StateKey = fld.key if channel is None else (fld.key, channel)
            try:
                state[where] = fld.read(values[fld.name])
            except ValueError:
                _LOGGER.debug("%s: bad value %r for %s", self, values[fld.name], fld.key)

    async def write(self, key: SettingKey, value: Any) -> None:
        if key is K.RELAY and key in self.capabilities.settings:
            await self._do("alarm.cgi", (("action", "manualControl"), ("alarmOutID", "1"),
                                         ("controlFlag", "1" if value else "0")))
            self._assumed[key] = bool(value)
            self.state = {**self.state, key: bool(value)}
            return
        await self._write_field(self._fields, key, value, None)

    async def write_channel(self, channel: int, key: SettingKey, value: Any) -> None:
        await self._write_field(self._channel_fields.get(channel, {}), key, value, channel)

    async def _write_field(
        self, fields: _Fields, key: SettingKey, value: Any, channel: int | None
    ) -> None:
        if key not in fields:
            raise NotSupported(f"{key} is not supported by this device")
        group, target = fields[key]
        if target.kind is SettingKind.VALUE:
            raise NotSupported(f"{key} is read-only")
        # Read-modify-write: send the group back whole, with the one value changed.
        current = kv.first(
            await self._get(group.program, self._group_query(group, "get", channel))
        )
        changed = target.write(current.get(target.name, ""), value)
        params = self._group_query(group, "set", channel)
        params += [(name, current[name]) for name in group.carry if name in current]
        sent: set[str] = set()
        for fld in group.fields:
            if fld.name in sent or fld.key not in fields or fld.kind is SettingKind.VALUE:
                continue
            if fld.name not in current or current[fld.name] == "-1":
                continue
            params.append((fld.name, changed if fld.name == target.name else current[fld.name]))
            sent.add(fld.name)
        await self._do(group.program, params)
        state = dict(self.state)
        self._apply(group, {**current, target.name: changed}, state, fields, channel)
        self.state = state

    # -- actions ----------------------------------------------------------------

    async def _press(self, action: Action) -> None:
        if action is Action.REBOOT:
            await self._do("operate.cgi", (("action", "restart"), ("cameraID", "0" if self._nvr
                                                                   else "1")))
        elif action in (Action.TRIGGER_ALARM, Action.STOP_ALARM):
            flag = "1" if action is Action.TRIGGER_ALARM else "2"  # 2 = stop, per the seed
            await self._do("alarm.cgi", (("action", "manual"), ("alarmInID", "1"),
                                         ("alarmFlag", flag), ("AlarmSourceType", "1")))
        elif action is Action.SYNC_TIME:
            # dateTime is the wall clock the camera prints (001 §2.6.1.7), so it is
            # set in its owner's zone, not in UTC.
            now = datetime.now(self.time_zone)
            await self._do("param.cgi", (
                ("action", "set"), ("type", "dateTime"), ("year", str(now.year)),
                ("month", str(now.month)), ("day", str(now.day)), ("hour", str(now.hour)),
                ("minute", str(now.minute)), ("second", str(now.second)),
            ))
        elif action is Action.RESET_IMAGE:
            await self._do("sensor.cgi", (("action", "set"), ("type", "ResetParameters"),
                                          ("cameraID", "1")))
        elif action is Action.PTZ_STOP:
            await self.ptz_move(PtzMove.STOP)
        elif action is Action.PTZ_HOME:
            await self._do("ptz.cgi", (("cameraID", "1"), ("action", "goHome")))
        elif action is Action.AUTOFOCUS:
            await self._do("ptz.cgi", (("cameraID", "1"), ("action", "runAutoFocus")))

    async def read_clock(self) -> datetime | None:
        values = kv.first(await self._get("param.cgi", (("action", "get"),
                                                        ("type", "dateTime"))))
        local = wall_clock(" ".join(
            values.get(name, "") for name in ("year", "month", "day", "hour", "minute",
                                              "second")))
        return local.replace(tzinfo=self.time_zone)

    async def _ptz_move(self, move: PtzMove, speed: int) -> None:
        if move in _MOVES:
            pan, tilt = _MOVES[move]
            params: tuple[tuple[str, str], ...] = (
                ("cameraID", "1"), ("action", "rotate"),
                ("pan", str(pan * speed)), ("tilt", str(tilt * speed)),
            )
        else:
            params = (("cameraID", "1"), *_LENS[move])
        await self._do("ptz.cgi", params)

    async def _ptz_routine(self, key: str) -> None:
        label, _, ident = key.partition("_")
        kind, action = {"tour": ("tour", "tourRun"), "scan": ("scan", "scanInvoke"),
                        "pattern": ("track", "trackInvoke")}[label]
        await self._do("ptz.cgi", (("cameraID", "1"), ("action", action), (f"{kind}ID", ident)))

    async def _ptz_preset(self, op: PresetOp, preset: int) -> None:
        base = (("cameraID", "1"), ("presetID", str(preset)))
        if op is PresetOp.GOTO:
            await self._do("ptz.cgi", (("action", "presetInvoke"), *base))
            return
        if op is PresetOp.SET:
            name = (self.capabilities.ptz.presets or {}).get(preset) if self.capabilities.ptz \
                else None
            await self._do("ptz.cgi", (("action", "presetAdd"), *base,
                                       ("presetName", name or f"{preset:03d}")))
        else:
            await self._do("ptz.cgi", (("action", "presetDelete"), *base))
        ptz = self.capabilities.ptz
        if ptz is not None:
            self.capabilities.ptz = replace(ptz, presets=await self._list_presets())

    # -- media ------------------------------------------------------------------

    async def _snapshot(self, stream: StreamKind) -> bytes:
        return await self._channel_snapshot(stream, 1)

    async def _channel_snapshot(self, stream: StreamKind, channel: int) -> bytes:
        number = "1" if stream is StreamKind.MAIN else "2"
        query: tuple[tuple[str, str], ...]
        if self._nvr:
            # Recorders (and lite models) need type=snap and a stream (seed 001 §2.3.1).
            query = (("type", "snap"), ("cameraID", str(channel)), ("streamID", number),
                     ("quality", "9"))
        else:
            query = (("cameraID", str(channel)), ("quality", "9"))
        resp = await self._raw("image.cgi", query, limit=SNAPSHOT_LIMIT)
        if resp.status == 200 and resp.body.startswith(b"\xff\xd8"):
            return resp.body
        self._check(resp)
        raise ProtocolError("snapshot answered without an image")

    def rtsp_candidates(self, stream: StreamKind, port: int) -> list[str]:
        return self.channel_rtsp_candidates(stream, port, 1)

    def channel_rtsp_candidates(self, stream: StreamKind, port: int, channel: int) -> list[str]:
        number = 1 if stream is StreamKind.MAIN else 2
        # The device's own rtspPort wins over the default, a user-set port over both.
        rtsp_port = port if port != self.default_rtsp_port else (self._rtsp_port or port)
        return [f"rtsp://{self.transport.host}:{rtsp_port}/snl/live/{channel}/{number}"]

    # -- alarms -------------------------------------------------------------------

    async def poll_alarms(self) -> dict[AlarmSource, bool]:
        pairs = await self._get("alarm.cgi", (("action", "get"), ("type", "currentAlarmStatus")))
        states: dict[AlarmSource, bool] = {}
        for record in kv.loop(pairs, "alarmInfo"):
            event = _alarm_event(record)
            if event is not None and not event.momentary:
                # Records come oldest first: the last one for a source wins.
                states[event.source] = event.active
        return states

    async def alarm_stream(self, idle_timeout: float) -> AsyncIterator[AlarmEvent | Heartbeat]:
        self._check_refused()
        url = self.transport.url("/cgi-bin/alarm.cgi", self._params((("action", "attach"),)))
        resp = await self.transport.open_stream(url, timeout=idle_timeout)
        try:
            if resp.status == 401:
                raise self._refused("the camera refused the login on the alarm stream")
            if resp.status != 200 or "multipart" not in resp.headers.get("Content-Type", ""):
                body = (await resp.content.read(4096)).decode("utf-8", "replace")
                code = kv.error_code(body)
                if code in AUTH_CODES or code in LOCKED_CODES:
                    raise self._refused(f"the camera refused the alarm stream (error {code})")
                if resp.status == 404 or code in UNSUPPORTED_CODES:
                    raise NotSupported("this device has no alarm push stream")
                # A server error or an odd answer is a failure to retry, not a verdict.
                raise ProtocolError(f"alarm stream refused (HTTP {resp.status}, error {code})")
            yield Heartbeat()
            async for item in _multipart_alarms(resp.content, idle_timeout):
                yield item
        finally:
            resp.close()


async def _multipart_alarms(
    content: Any, idle_timeout: float
) -> AsyncIterator[AlarmEvent | Heartbeat]:
    """Parse the attach stream part by part, never holding more than one part."""

    async def line() -> str:
        try:
            async with asyncio.timeout(idle_timeout):
                raw: bytes = await content.readline()
        except TimeoutError as err:
            raise Timeout(f"alarm stream silent for {idle_timeout:.0f} s") from err
        except ValueError as err:  # aiohttp: a line longer than its buffer
            raise ProtocolError("alarm stream line too long") from err
        if not raw:
            raise ProtocolError("alarm stream closed by the camera")
        return raw.decode("utf-8", "replace").strip()

    body: list[str] = []
    size = 0
    while True:
        text = await line()
        if text.startswith("--"):
            for event in _events("\n".join(body)):
                yield event
            body, size = [], 0
            length = None
            while header := await line():  # part headers end at a blank line
                name, _, value = header.partition(":")
                if name.strip().lower() == "content-length":
                    length = _int(value.strip(), 0)
            if length is not None and length > MAX_PART:
                raise ProtocolError("alarm stream part too large")
            continue
        if text.lower().rstrip(".") == KEEPALIVE:
            yield Heartbeat()
            continue
        if text:
            body.append(text)
            size += len(text)
            if size > MAX_PART:
                raise ProtocolError("alarm stream part too large")
            if text.lower().startswith("alarminfoend"):
                for event in _events("\n".join(body)):
                    yield event
                body, size = [], 0


def _events(text: str) -> list[AlarmEvent]:
    events: list[AlarmEvent] = []
    for record in kv.loop(kv.parse(text), "alarmInfo"):
        event = _alarm_event(record)
        if event is not None:
            events.append(event)
    return events


def _optional() -> contextlib.suppress:
    """For a read that may fail without consequence (an optional capability)."""
    return contextlib.suppress(NotSupported, CommandError, ProtocolError, KeyError, ValueError)


def _int(raw: str | None, default: int) -> int:
    try:
        return int(str(raw).strip())
    except (TypeError, ValueError):
        return default
