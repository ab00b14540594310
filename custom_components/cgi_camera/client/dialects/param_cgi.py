"""The ``param_cgi`` dialect (seed 001): ``/cgi-bin/<program>.cgi``, ``key=value`` text.

Wire facts relied on (seed 001, digest ``param-cgi.md``):
- Credentials on every request: HTTP Basic, or ``userName``/``password`` as the first
  two query parameters. Failures are HTTP 200 ``error, Return=N`` (-507 user, -508
  password, -515/-527 locked). Five wrong passwords lock the account, so a login is
  tried once and never again after a refusal.
- The camera is untrusted: every count it reports is capped (``limits``), every number
  it prints is checked (``_number``), and a reported alarm for a channel it does not
  have is ignored.
- A capability is declared missing only when every documented probe for it clearly
  says "not supported" (-506/-21/-22, 404). A probe that fails any other way leaves it
  undecided, and undecided probes are asked again at each settings refresh.
- Getters answer ``key=value`` lines; setters answer ``OK``. ``-1`` means
  "not supported" in ``sensor.cgi`` answers; IPCs scope ``sensor.cgi`` by ``schemeID``.
- Alarms: ``alarm.cgi?action=attach`` is an endless ``multipart/x-mixed-replace``
  stream of Begin/next/End records (IPC); ``currentAlarmStatus`` is the poll.
- ``deviceType`` 5 is an NVR whose cameras are channels (``cameraID``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
import contextlib
from dataclasses import dataclass, replace
from datetime import datetime
import functools
import logging
import math
import re
from typing import Any

from .. import keyvalue as kv, limits
from ..camera import Camera, Fingerprint
from ..clock import wall_clock
from ..contract import AlarmPoll, AlarmPush, Channels, Clock, PtzRoutines
from ..errors import (
    AuthDowngrade,
    CameraError,
    CommandError,
    NotSupported,
    ProtocolError,
    Timeout,
    UnsupportedDevice,
)
from ..models import (
    UNKNOWN_STATE,
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
    StreamKind,
    normalize_mac,
)
from ..tables import MISSING, Cadence, Codec, Field, Group, Partners, Table
from ..transport import SNAPSHOT_LIMIT, Credentials, Response, Transport

_LOGGER = logging.getLogger(__name__)

DIALECT = "param_cgi"
DEVICE_INFO = (("action", "get"), ("type", "deviceInfo"))
# "Wrong login username": also what a device answers when no user arrived at all.
NO_USER = -507
AUTH_CODES = {-507, -508, -528, -532}
LOCKED_CODES = {-515, -527}
UNSUPPORTED_CODES = {-506, -21, -22}
KEEPALIVE = "connecting, waiting for alarm message"
# A part of the alarm stream larger than this is junk (records are ~240 bytes).
MAX_PART = 64 * 1024
PTZ_SPEED_MAX = 63
# presetID is <int>[1,400] in the seed (001 §2.5.4): the goto range, whatever
# presetMaxNum claims. How many presets become entities is limits.MAX_PRESETS.
PRESET_ID_MAX = 400
# A number beyond this (or inf/nan) is no setting or size a camera has: junk.
MAX_NUMBER = 2**53
# Names the camera chooses (presets, routines, channels) are cut to this.
MAX_NAME = 64
_ROUTINE_ID = re.compile(r"-?\d{1,6}")
# Failures that say nothing about whether a capability exists: a timeout, a 5xx,
# 402/403, garbage, or an error code other than a clear "not supported".
AMBIGUOUS = (CommandError, ProtocolError, Timeout)

K = SettingKey
Decode = Callable[[str], Any]
# A probe of an undecided capability: True once decided (found or clearly absent).
Probe = Callable[[], Awaitable[bool]]


def _number(raw: str) -> int:
    """A number the camera printed (``50``, ``-1``, ``45.000000``), as an int.

    Raises ValueError for anything that is not a plain finite number of sane size
    (``inf``, ``1e999``, ``nan``, thousands of digits, text): such a value is unknown.
    """
    text = raw.strip()
    if len(text) > 32:
        raise ValueError("number too long")
    value = float(text)
    if not math.isfinite(value) or abs(value) > MAX_NUMBER:
        raise ValueError(f"unusable number {text!r}")
    return int(value)


def _int(raw: str | None, default: int) -> int:
    try:
        return _number(str(raw))
    except ValueError:
        return default


def _label(raw: str | None, fallback: str) -> str:
    """A name the camera chose, without control characters and of sane length."""
    text = "".join(ch for ch in (raw or "") if ch.isprintable()).strip()[:MAX_NAME]
    return text or fallback


def _name(raw: str | None) -> str | None:
    """Like :func:`_label`, None when nothing is left."""
    return _label(raw, "") or None


class _Codec(Codec):
    """``key=value`` text; ``-1`` in a sensor.cgi answer means "not supported"."""

    def value(self, group: Group, values: Mapping[str, Any], fld: Field) -> Any:
        raw = values.get(fld.name)
        reported = isinstance(group, _Group) and group.reports(raw)
        return raw if reported else MISSING

    def plain_decode(self, fld: Field, raw: str) -> Any:
        if fld.kind is SettingKind.BOOL:
            return raw.strip() not in ("0", "false", "")
        if fld.kind is SettingKind.NUMBER:
            return _number(raw)
        if fld.options is not None:
            return fld.options.get(raw.strip())
        return raw.strip()

    def plain_encode(self, fld: Field, value: Any) -> str:
        if fld.kind is SettingKind.BOOL:
            return "1" if value else "0"
        if fld.options is not None:
            return str(fld.wire_option(value))
        return str(round(float(value)))


@dataclass(frozen=True, slots=True, kw_only=True)
class _Group(Group):
    """A getter/setter pair: ``<program>?action=get|set&type=<type>``; a set sends the
    group's settings back (and ``carry``)."""

    program: str
    type: str
    scheme: bool = False  # IPC sensor.cgi calls carry the live schemeID
    camera: bool = True  # carries cameraID
    # Another documented endpoint for the same settings, asked when this one fails.
    alternate: _Group | None = None
    partners: Partners = Partners.FIELDS

    def reports(self, raw: str | None) -> bool:
        """Whether a value in this group's answer means the setting exists.

        ``-1`` means "not supported" in ``sensor.cgi`` answers (seed 001 §2.8); in
        ``param.cgi`` it is a value (``diskStatus=-1`` is a write timeout).
        """
        return raw is not None and not (self.program == "sensor.cgi" and raw.strip() == "-1")


def _group(program: str, type_: str, fields: tuple[Field, ...], **extra: Any) -> _Group:
    return _Group(program=program, type=type_, fields=fields, **extra)


def _value(key: SettingKey, name: str, **extra: Any) -> Field:
    return Field(key=key, name=name, kind=SettingKind.VALUE, **extra)


def _bit(mask: int) -> Callable[[str, Any], str]:
    """MirrorMode is one number for two switches: bit 1 horizontal, bit 2 vertical."""

    def merge(current: str, value: Any) -> str:
        raw = _number(current or "0")
        return str(raw | mask if value else raw & ~mask)

    return merge


def _has_bit(mask: int) -> Decode:
    return lambda raw: bool(_number(raw or "0") & mask)


def _sw(key: SettingKey, name: str) -> Field:
    return Field(key=key, name=name, kind=SettingKind.BOOL)


def _num(key: SettingKey, name: str, lo: float = 0, hi: float = 100) -> Field:
    return Field(key=key, name=name, kind=SettingKind.NUMBER, minimum=lo, maximum=hi)


DAY_NIGHT = {"0": "auto", "1": "day", "2": "night", "3": "schedule"}
DISK_STATUS = {
    "-1": "write_timeout", "0": "unknown", "1": "normal", "2": "abnormal", "3": "no_card",
    "4": "write_protected", "5": "unformatted", "6": "formatting", "7": "no_disk",
    "8": "sleeping", "9": "connection_failed", "12": "unpartitioned", "15": "removed",
    "24": "failed",
}
# recordDirInfo's own status codes for an SD card (seed 001 §2.6.3.2; 0 = normal).
RECORD_DIR_STATUS = {
    "0": "normal", "1": "connection_failed", "2": "unformatted", "3": "write_protected",
    "4": "abnormal", "5": "no_card", "6": "sleeping",
}


def _state(table: Mapping[str, str]) -> Decode:
    """A status code -> its shared state; a code the seed does not list reads as unknown."""
    return lambda raw: table.get(raw.strip(), UNKNOWN_STATE)


_WHITE_LED = (_sw(K.WHITE_LIGHT, "WhiteLedManualMode"),)
# The SD card as the record directory lists it: the documented second source of
# what deviceDiskInfo reports.
_RECORD_DIR = _group("param.cgi", "recordDirInfo", (
    _value(K.SD_CARD_STATUS, "status", options=RECORD_DIR_STATUS,
           decode=_state(RECORD_DIR_STATUS)),
    _value(K.SD_TOTAL, "totalspace", unit="MB", decode=_number),
    _value(K.SD_FREE, "freeSpace", unit="MB", decode=_number),
), camera=False, cadence=Cadence.CONFIG)
IPC_GROUPS: tuple[_Group, ...] = (
    _group("sensor.cgi", "imaging", (
        _num(K.BRIGHTNESS, "brightness"), _num(K.CONTRAST, "contrast"),
        _num(K.SATURATION, "saturation"), _num(K.SHARPNESS, "sharpness"),
    ), scheme=True),
    _group("sensor.cgi", "EnhanceImage", (
        _sw(K.WDR, "WDR"), _num(K.WDR_LEVEL, "WDRvalue"),
        _sw(K.HIGHLIGHT_COMPENSATION_ENABLED, "HLC"),
        _num(K.HIGHLIGHT_COMPENSATION, "HLCvalue"),
        _sw(K.BACKLIGHT_COMPENSATION_ENABLED, "BLC"),
        _num(K.BACKLIGHT_COMPENSATION, "BLCvalue"),
        _sw(K.STABILIZATION, "AntiShake"), _sw(K.DEFOG, "Defog"),
    ), scheme=True),
    _group("sensor.cgi", "dayNight", (
        Field(key=K.DAY_NIGHT_MODE, name="dayNightMode", kind=SettingKind.ENUM,
              options=DAY_NIGHT),
        _num(K.IR_BRIGHTNESS, "infraredIntensity"),
        _num(K.WHITE_LIGHT_BRIGHTNESS, "whiteIntensity"),
    ), scheme=True),
    _group("sensor.cgi", "infraredLight", (_sw(K.IR_LIGHT, "mode"),), scheme=True),
    _group("sensor.cgi", "SceneMode", (
        Field(key=K.MIRROR, name="MirrorMode", kind=SettingKind.BOOL, merge=_bit(1),
              decode=_has_bit(1)),
        Field(key=K.FLIP, name="MirrorMode", kind=SettingKind.BOOL, merge=_bit(2),
              decode=_has_bit(2)),
    ), scheme=True, cadence=Cadence.CONFIG),  # the mounting: set up once
    _group("param.cgi", "motionAlarm", (
        _sw(K.MOTION_DETECTION, "motionDetectionEnableFlag"),
        _num(K.MOTION_SENSITIVITY, "sensitivity", 1, 10),
    )),
    _group("param.cgi", "videoSystem", (
        Field(key=K.POWER_FREQUENCY, name="frequency", kind=SettingKind.ENUM,
              options={"50": "50hz", "60": "60hz"}),
    ), cadence=Cadence.CONFIG),  # the mains: set up once
    _group("param.cgi", "microphone", (
        _sw(K.AUDIO, "toneArmEnableFlag"), _num(K.MICROPHONE_VOLUME, "volume"),
    )),
    _group("param.cgi", "AudioOutputParam", (
        _sw(K.SPEAKER, "audioOutputEnable"), _num(K.VOLUME, "audioOutputVolume"),
    ), camera=False),
    # The seed's examples use param.cgi, its URL templates sensor.cgi (001 §2.6.1.20).
    _group("param.cgi", "WhiteLedManualControl", _WHITE_LED,
           alternate=_group("sensor.cgi", "WhiteLedManualControl", _WHITE_LED)),
    # "cameraID, StreamId, DiskGroupId are required" for this set (seed 001 §2.6.3.1).
    _group("param.cgi", "recordPolicy", (_sw(K.RECORD_SCHEDULE, "RecordOpenFlag"),),
           carry=("StreamId", "DiskGroupId"), cadence=Cadence.CONFIG),
    _group("param.cgi", "deviceDiskInfo", (
        _value(K.SD_CARD_STATUS, "diskStatus", options=DISK_STATUS,
               decode=_state(DISK_STATUS)),
        _value(K.SD_TOTAL, "diskTotalSize", unit="MB", decode=_number),
        _value(K.SD_FREE, "diskFreeSize", unit="MB", decode=_number),
    ), camera=False, alternate=_RECORD_DIR, cadence=Cadence.CONFIG),
)
RECORDER_GROUPS: tuple[_Group, ...] = (IPC_GROUPS[-1],)
# What each recorder channel (cameraID=N, no schemeID) offers; the seed's NVR/lite
# tables name some keys differently from the IPC ones.
CHANNEL_GROUPS: tuple[_Group, ...] = (
    _group("sensor.cgi", "imaging", IPC_GROUPS[0].fields),
    _group("sensor.cgi", "EnhanceImage", IPC_GROUPS[1].fields),
    _group("sensor.cgi", "SceneMode", IPC_GROUPS[4].fields, cadence=Cadence.CONFIG),
    _group("param.cgi", "motionAlarm", (
        _sw(K.MOTION_DETECTION, "motionDetectionEnableFlag"),
        # NVR/lite: 0 low, 1 medium, 2 high, 3 highest (seed 001 §2.6.4.3.6).
        _num(K.MOTION_SENSITIVITY, "sensitivity", 0, 3),
    )),
    _group("param.cgi", "recordPolicy", (_sw(K.RECORD_SCHEDULE, "RecordOpenFlag"),),
           carry=("StreamId", "DiskGroupId"), cadence=Cadence.CONFIG),
)

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
# getSupportIntelligences' analyses (001 §2.6.15.1.2) -> the kind of their alarm
# (the ALARM_TYPES record each raises); the others raise none this vocabulary has.
ANALYSIS_KINDS: dict[int, AlarmKind] = {
    0: AlarmKind.INTRUSION, 1: AlarmKind.SMART_MOTION, 2: AlarmKind.PERSON,
    3: AlarmKind.PERSON, 4: AlarmKind.INTRUSION, 7: AlarmKind.LINE_CROSSING,
    8: AlarmKind.LINE_CROSSING, 9: AlarmKind.LOITERING, 10: AlarmKind.LOITERING,
    11: AlarmKind.OBJECT_LEFT, 12: AlarmKind.OBJECT_REMOVED, 16: AlarmKind.VIDEO_LOSS,
    19: AlarmKind.TAMPER, 28: AlarmKind.FIRE, 29: AlarmKind.FIRE, 30: AlarmKind.FIRE,
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
    """One alarm record -> event; None for kinds we do not model (or junk)."""
    try:
        major = _number(record.get("alarmMajorType", ""))
        minor = _number(record.get("alarmMinorType", ""))
        source = _number(record.get("sourceID", "1") or "1")
        flag = _number(record.get("alarmFlag", "1") or "1")
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


def _challenges(resp: Response) -> set[str]:
    """The HTTP auth schemes an answer asks for (``basic``, ``digest``...)."""
    schemes = (value.strip().partition(" ")[0].lower()
               for value in resp.headers.getall("WWW-Authenticate", []))
    return {scheme for scheme in schemes if scheme}


def _device_fields(resp: Response) -> dict[str, str] | None:
    """deviceInfo's fields when ``resp`` is a deviceInfo answer, else None."""
    body = resp.text()
    if resp.status != 200 or kv.error_code(body) is not None:
        return None
    info = kv.first(kv.parse(body))
    return info if "deviceID" in info or "MACAddress" in info else None


class ParamCgiCamera(Camera, PtzRoutines, AlarmPoll, AlarmPush, Channels, Clock):
    """An IPC or NVR speaking the param_cgi dialect."""

    dialect = DIALECT
    family = "param.cgi camera"  # what sets it apart: /cgi-bin/param.cgi

    def __init__(
        self, transport: Transport, credentials: Credentials, *, auth_hint: str | None = None
    ) -> None:
        super().__init__(transport, credentials, auth_hint=auth_hint)
        self._query_auth = False  # credentials as first query parameters instead of Basic
        self._nvr = False
        self._scheme: str | None = None
        self._table: Table[_Group] = Table(self, self.capabilities, _Codec(),
                                           self._fetch, self._store)
        self._rtsp_port: int | None = None
        self._ports_read = False
        self._alarm_inputs = 0
        self._sensitivity: tuple[float, float] | None = None
        self._info_raw: dict[str, str] = {}
        # Capabilities whose probes failed ambiguously, asked again at each refresh.
        self._undecided: dict[str, Probe] = {}
        # Every alarm source this device may report (declared or seen), capped.
        self._alarm_sources: set[AlarmSource] = set()

    # -- requests -----------------------------------------------------------------

    # Sure with query-string firmware; Basic-auth hosts answer 401 ("maybe").
    fingerprint_rank = 30

    @classmethod
    async def fingerprint(cls, transport: Transport) -> Fingerprint:
        resp = await transport.get("/cgi-bin/param.cgi", DEVICE_INFO)
        body = resp.text()
        if resp.status in (200, 401) and kv.error_code(body) is not None:
            return Fingerprint.YES  # the dialect's own "error, Return=N" text
        if resp.status == 200 and "deviceID=" in body:
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

    async def _ask(
        self, *requests: tuple[str, Sequence[tuple[str, str]]], values: bool = False
    ) -> tuple[int, kv.Pairs] | None:
        """Ask the documented requests for one capability, in order.

        Returns (which one answered, its pairs); None when every one said clearly
        "not supported". Otherwise raises the first ambiguous failure: the
        capability is undecided. A body without a single ``key=value`` line (an HTML
        page) is garbage, not an answer; an empty one (or ``OK``) is an empty list,
        unless ``values`` says the answer must carry some.
        """
        ambiguous: CameraError | None = None
        for which, (program, params) in enumerate(requests):
            try:
                body = self._check(await self._raw(program, params))
            except NotSupported:
                continue
            except AMBIGUOUS as err:
                ambiguous = ambiguous or err
                continue
            pairs = kv.parse(body)
            if not pairs and (values or (body.strip() and not kv.is_ok(body))):
                ambiguous = ambiguous or ProtocolError(f"{program} answered no values")
                continue
            return which, pairs
        if ambiguous is not None:
            raise ambiguous
        return None

    async def _decide(self, name: str, probe: Probe) -> None:
        """Run a capability probe now; when it cannot tell, again at each refresh."""
        if await probe():
            self._undecided.pop(name, None)
        else:
            self._undecided[name] = probe

    async def _retry_undecided(self) -> None:
        for name, probe in list(self._undecided.items()):
            await self._decide(name, probe)

    # -- session ----------------------------------------------------------------

    @property
    def auth_scheme(self) -> str | None:
        return "query" if self._query_auth else self.transport.auth_scheme

    async def _login(self) -> None:
        # First without credentials. That costs no login, tells whether the device
        # checks passwords at all (an open device "accepts" any), and shows the
        # challenge, so a Digest camera is never sent Basic.
        self.transport.auth_mode = None
        self._query_auth = False
        bare = await self._raw("param.cgi", DEVICE_INFO)
        code = kv.error_code(bare.text())
        if code in LOCKED_CODES:
            raise self._refused(f"the account is locked after failed logins (error {code})")
        scheme = self._choose_auth(bare)
        if (info := _device_fields(bare)) is not None:
            self.login_verified = False  # it answered without a password: none was checked
            self._info_raw = info
            return
        if bare.status != 401 and code not in AUTH_CODES:
            # Neither an answer nor a demand for a login (a 5xx, a 404, junk).
            self._check(bare)
            raise ProtocolError("deviceInfo without device fields")
        if scheme == "digest" and "digest" not in _challenges(bare):
            # It authenticated with Digest before. A host now asking for something
            # weaker does not get the password another way (it may be another host).
            raise self._refused(
                "the camera no longer asks for Digest authentication", AuthDowngrade
            )
        resp = await self._raw("param.cgi", DEVICE_INFO)
        if self._basic_ignored(bare, resp):
            if not self.transport.identified:
                # Detection only guesses this dialect: the password does not go into
                # a query string (and the host's access log) on a guess.
                raise UnsupportedDevice("the host ignores HTTP Basic and is not known as param_cgi")
            # The seed's other mechanism gets its one try.
            self._use_query()
            resp = await self._raw("param.cgi", DEVICE_INFO)
        info = kv.first(kv.parse(self._check(resp)))
        if "deviceID" not in info and "MACAddress" not in info:
            raise ProtocolError("deviceInfo without device fields")
        self._info_raw = info

    def _choose_auth(self, bare: Response) -> str:
        """How credentials travel: Digest when challenged, else the scheme used last time."""
        if "digest" in _challenges(bare):
            scheme = "digest"
        elif self.auth_hint == "query" and self.transport.identified:
            self._use_query()
            return "query"
        elif self.auth_hint == "digest":
            scheme = "digest"
        else:
            scheme = "basic"
        self.transport.use_auth(self.credentials, "digest" if scheme == "digest" else "basic")
        return scheme

    def _use_query(self) -> None:
        self._query_auth = True
        self.transport.auth_mode = None

    def _basic_ignored(self, bare: Response, resp: Response) -> bool:
        """Whether Basic was demonstrably not understood (then the query form is tried).

        Only when the host asked for no HTTP authentication at all and answered our
        Basic exactly as it answered no credentials: "wrong user" (-507, the seed's
        answer when no user arrived) or a bare 401. A 401 after a challenge, or any
        other answer, judged the credentials: that is a refusal, never retried.
        """
        if self._query_auth or self.transport.auth_scheme != "basic":
            return False
        if _challenges(bare) or _challenges(resp):
            return False
        code = kv.error_code(resp.text())
        if (resp.status, code) != (bare.status, kv.error_code(bare.text())):
            return False
        return code == NO_USER or (resp.status == 401 and code is None)

    # -- discovery ----------------------------------------------------------------

    async def _identify(self) -> None:
        info = self._info_raw
        self._nvr = info.get("deviceType", "").strip() == "5"
        self._alarm_inputs = limits.cap_count(
            self, "alarm inputs", _int(info.get("alarmInNum"), 0), limits.MAX_ALARM_INPUTS
        )
        self.info = DeviceInfo(
            dialect=DIALECT,
            mac=normalize_mac(info.get("MACAddress")),
            serial=_name(info.get("deviceID")),
            model=_name(info.get("productModel")),
            name=_name(info.get("deviceName")),
            manufacturer=_name(info.get("manufacturerName")),
            firmware=_name(info.get("softwareVer")),
            hardware=_name(info.get("hardwareVer")),
            extra={"device_type": "nvr" if self._nvr else "ipc"},
        )
        if not self.login_verified:
            await self._read_rtsp_port()  # verify_login asks the RTSP server on it

    async def _discover(self) -> None:
        caps = self.capabilities
        caps.actions.add(Action.REBOOT)
        caps.actions.add(Action.SYNC_TIME)
        if self._nvr:
            await self._discover_channels()
            for channel in sorted(caps.channels):
                await self._discover_channel_settings(channel)
        else:
            await self._decide("scheme", self._settle_scheme)
        await self._discover_settings()
        if not self._nvr:
            await self._decide("ptz", self._settle_ptz)
        self._discover_alarms()
        if not self._nvr:
            # Recorders only poll, which never sees the analyses' momentary records.
            await self._decide("smart analyses", self._settle_analyses)
            await self._decide("audio alarm", self._settle_audio_alarm)
        if not self._ports_read:
            await self._read_rtsp_port()

    async def _read_rtsp_port(self) -> None:
        self._ports_read = True
        with _optional():
            ports = kv.first(await self._get("param.cgi", (("action", "get"),
                                                          ("type", "devicePort"))))
            port = _int(ports.get("rtspPort"), 0)
            self._rtsp_port = port if 0 < port < 65536 else None

    async def _discover_channels(self) -> None:
        try:
            self._set_channels(await self._read_channels())
        except (NotSupported, *AMBIGUOUS) as err:
            # deviceInfo's channelNum is the other documented channel count; names
            # come when channelInfo answers at a later refresh.
            count = limits.cap_count(self, "channels", _int(self._info_raw.get("channelNum"), 0),
                                     limits.MAX_CHANNELS)
            _LOGGER.debug("%s: channelInfo failed (%s); %d channels from deviceInfo",
                          self, err, count)
            self._set_channels({n: ChannelInfo(number=n) for n in range(1, count + 1)})

    async def _read_channels(self) -> dict[int, ChannelInfo]:
        pairs = await self._get("param.cgi", (("action", "get"), ("type", "channelInfo")))
        found: dict[int, ChannelInfo] = {}
        for record in kv.loop(pairs, "channel"):
            number = _int(record.get("channelId"), 0)
            if number <= 0 or number in found:
                continue
            found[number] = ChannelInfo(
                number=number,
                name=_name(record.get("channelName")),
                model=_name(record.get("channelModel")),
                firmware=_name(record.get("channelFirmware")),
                hardware=_name(record.get("channelHardware")),
                online=record.get("channelStatus", "").strip() == "5",
            )
        return dict(limits.cap(self, "channels", sorted(found.items()), limits.MAX_CHANNELS))

    def _set_channels(self, found: dict[int, ChannelInfo]) -> None:
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
        self._set_channels(await self._read_channels())
        for number in self.capabilities.channels:
            for kind in (AlarmKind.MOTION, AlarmKind.VIDEO_LOSS):
                self._declare_alarm(AlarmSource(kind, number))
            if not self._table.has_channel(number):
                await self._discover_channel_settings(number)
        return set(self.capabilities.channels) != before

    async def _settle_scheme(self) -> bool:
        try:
            found = await self._ask(("sensor.cgi", (("action", "get"), ("type", "sensorScheme"),
                                                   ("cameraID", "1"))))
        except AMBIGUOUS as err:
            _LOGGER.debug("%s: sensorScheme undecided (%s)", self, err)
            return False
        if found is not None:
            scheme = _int(kv.first(found[1]).get("schemeID"), -1)
            self._scheme = str(scheme) if 0 <= scheme < 100 else None  # the seed has 0-3
        return True

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
        self._table.fields(channel)
        self.capabilities.channel_settings.setdefault(channel, {})
        for group in CHANNEL_GROUPS:
            await self._decide(f"{group.type} ch{channel}",
                               functools.partial(self._settle_group, group, channel))

    async def _discover_settings(self) -> None:
        groups = RECORDER_GROUPS if self._nvr else IPC_GROUPS
        if not self._nvr:
            # Without it (or with junk in it) the seed's range from the table is used.
            with _optional():
                ability = kv.first(await self._get(
                    "param.cgi", (("action", "get"), ("type", "motionAlarmAbility"))
                ))
                low = _number(ability["minSensitivity"])
                high = _number(ability["maxSensitivity"])
                if low < high:
                    self._sensitivity = (low, high)
        for group in groups:
            await self._decide(group.type, functools.partial(self._settle_group, group, None))
        caps = self.capabilities
        if not self._nvr:
            caps.actions.update({Action.TRIGGER_ALARM, Action.STOP_ALARM, Action.RESET_IMAGE})
        outputs = _int(self._info_raw.get("alarmOutNum"), -1)
        if outputs > 0 or (outputs < 0 and not self._nvr):
            # The alarm output has no read-back: an assumed-state switch.
            caps.add(Setting(K.RELAY, SettingKind.BOOL, assumed_state=True))

    async def _settle_group(self, group: _Group, channel: int | None) -> bool:
        """Find a settings group (or its documented alternate); False: undecided."""
        if channel is not None and channel not in self.capabilities.channels:
            return True  # the channel went away
        candidates = [group]
        while (alternate := candidates[-1].alternate) is not None:
            candidates.append(alternate)
        try:
            found = await self._ask(
                *((g.program, self._group_query(g, "get", channel)) for g in candidates),
                values=True,
            )
        except AMBIGUOUS as err:
            _LOGGER.debug("%s: %s%s undecided (%s)", self, group.type,
                          f" ch{channel}" if channel else "", err)
            return False
        if found is not None:
            which, pairs = found
            self._adopt(candidates[which], kv.first(pairs), channel)
        return True

    def _adopt(self, group: _Group, values: Mapping[str, str], channel: int | None) -> None:
        """Take the settings a group's answer reports as this device's."""
        self._table.adopt(group, [
            (fld, fld.setting(*self._sensitivity)
             if fld.key is K.MOTION_SENSITIVITY and channel is None and self._sensitivity
             else fld.setting())
            for fld in group.fields if group.reports(values.get(fld.name))
        ], channel, values)  # the answer: the first read takes it as it is

    async def _settle_ptz(self) -> bool:
        """PTZ: ``ptzCap``, then ``listPreset`` (same CGI) when it cannot tell."""
        try:
            found = await self._ask(
                ("ptz.cgi", (("action", "get"), ("type", "ptzCap"), ("cameraID", "1"))),
                ("ptz.cgi", (("cameraID", "1"), ("action", "listPreset"))),
            )
        except AMBIGUOUS as err:
            _LOGGER.debug("%s: PTZ undecided (%s)", self, err)
            return False
        if found is None:
            return True  # every probe: not supported
        cap = kv.first(found[1])
        if cap.get("ptzSupport", "1").strip().lower() in ("0", "false"):
            return True
        preset_max = _int(cap.get("presetMaxNum"), 0)
        self.capabilities.ptz = PtzCapabilities(
            moves=frozenset(_MOVES) | frozenset(_LENS),
            speed_min=1,
            speed_max=PTZ_SPEED_MAX,
            preset_min=1,
            preset_max=preset_max if 0 < preset_max <= PRESET_ID_MAX else PRESET_ID_MAX,
            # An empty list until the camera lists them: the preset select exists and
            # fills in when listPreset answers.
            presets={},
        )
        self.capabilities.actions.update({Action.PTZ_STOP, Action.PTZ_HOME, Action.AUTOFOCUS})
        await self._decide("presets", self._settle_presets)
        for kind, label in (("tour", "tour"), ("scan", "scan"), ("track", "pattern")):
            await self._decide(f"{label}s", functools.partial(self._settle_routines, kind, label))
        return True

    async def _settle_presets(self) -> bool:
        """The preset list: ``listPreset``, then the table's spelling ``listPrest``."""
        ptz = self.capabilities.ptz
        if ptz is None:
            return True
        try:
            found = await self._ask(
                ("ptz.cgi", (("cameraID", "1"), ("action", "listPreset"))),
                ("ptz.cgi", (("cameraID", "1"), ("action", "listPrest"))),
            )
        except AMBIGUOUS as err:
            _LOGGER.debug("%s: preset list undecided (%s)", self, err)
            return False
        # None: the camera cannot list presets; they are then gone to by number.
        presets = None if found is None else self._presets_from(found[1])
        self.capabilities.ptz = replace(ptz, presets=presets)
        return True

    def _presets_from(self, pairs: kv.Pairs) -> dict[int, str]:
        presets: dict[int, str] = {}
        for record in kv.loop(pairs, "preset"):
            number = _int(record.get("presetID"), 0)
            if 0 < number <= PRESET_ID_MAX and number not in presets:
                presets[number] = _label(record.get("presetName"), str(number))
        return dict(limits.cap(self, "PTZ presets", sorted(presets.items()), limits.MAX_PRESETS))

    async def _settle_routines(self, kind: str, label: str) -> bool:
        """Stored tours, scans or patterns (``list<Kind>``); one button each."""
        ptz = self.capabilities.ptz
        if ptz is None:
            return True
        try:
            found = await self._ask(("ptz.cgi", (("cameraID", "1"),
                                                 ("action", f"list{kind.capitalize()}"))))
        except AMBIGUOUS as err:
            _LOGGER.debug("%s: %s list undecided (%s)", self, kind, err)
            return False
        listed: dict[str, str] = {}
        for record in kv.loop(found[1] if found else [], kind):
            ident = (record.get(f"{kind}ID") or "").strip()
            if _ROUTINE_ID.fullmatch(ident):
                listed.setdefault(f"{label}_{ident}", _label(record.get(f"{kind}Name"), ident))
        kept = limits.cap(self, f"PTZ {label}s", listed.items(), limits.MAX_ROUTINES)
        others = {k: v for k, v in ptz.routines.items() if not k.startswith(f"{label}_")}
        self.capabilities.ptz = replace(ptz, routines={**others, **dict(kept)})
        return True

    def _discover_alarms(self) -> None:
        caps = self.capabilities
        channels = sorted(caps.channels) or [1]
        for channel in channels:
            self._declare_alarm(AlarmSource(AlarmKind.MOTION, channel))
            if self._nvr:
                self._declare_alarm(AlarmSource(AlarmKind.VIDEO_LOSS, channel))
        for index in range(1, self._alarm_inputs + 1):
            self._declare_alarm(AlarmSource(AlarmKind.IO_INPUT, 1, index))
        if not self._nvr:
            # Recording has no readable flag; its start/stop alarms (5/10, 5/11) drive it.
            self._declare_alarm(AlarmSource(AlarmKind.RECORDING))
        # IPCs push over alarm.cgi?action=attach; recorders and lite models are polled.
        caps.alarm_push = not self._nvr

    def _declare_alarm(self, source: AlarmSource, *, momentary: bool = False) -> None:
        """A source this device can raise, with its entity from set-up. The poll
        reads it, unless it is momentary (no end state: only the push reports it)."""
        if self._accepts(source):
            caps = self.capabilities
            (caps.declared_alarms if momentary else caps.alarms).add(source)

    async def _settle_analyses(self) -> bool:
        """The smart analyses the camera has (getSupportIntelligences, 001 §2.6.15.1).

        Each one's alarm is declared whether the analysis is switched on or not: an
        automation may be written before it is, and its switch is the camera's.
        """
        try:
            found = await self._ask(("param.cgi", (
                ("action", "get"), ("type", "getSupportIntelligences"), ("cameraID", "1"))))
        except AMBIGUOUS as err:
            _LOGGER.debug("%s: smart analyses undecided (%s)", self, err)
            return False
        for key, value in found[1] if found else []:
            if key.lower() == "intelligenceanalyse":
                kind = ANALYSIS_KINDS.get(_int(value, -1))
                if kind is not None:
                    self._declare_alarm(AlarmSource(kind), momentary=True)
        return True

    async def _settle_audio_alarm(self) -> bool:
        """AudioAbnormal (001 §2.6.7, IPC but the lite series): the sound alarm (1/12)."""
        try:
            found = await self._ask(("param.cgi", (("action", "get"), ("type", "AudioAbnormal"))))
        except AMBIGUOUS as err:
            _LOGGER.debug("%s: audio alarm undecided (%s)", self, err)
            return False
        if found is not None and any(k.lower() == "enableflag" for k, _v in found[1]):
            self._declare_alarm(AlarmSource(AlarmKind.AUDIO))
        return True

    def _accepts(self, source: AlarmSource) -> bool:
        """Whether an alarm source is one of this device's (and within the caps).

        A record for a channel the device does not have, or an input beyond the
        limit, is ignored: a camera must not create entities at will.
        """
        if source in self._alarm_sources:
            return True
        if source.channel not in (set(self.capabilities.channels) or {1}):
            return False
        if not 0 < source.index <= limits.MAX_ALARM_INPUTS:
            limits.warn_once(self, "alarm inputs", limits.MAX_ALARM_INPUTS)
            return False
        if len(self._alarm_sources) >= limits.MAX_ALARM_SOURCES:
            limits.warn_once(self, "alarm sources", limits.MAX_ALARM_SOURCES)
            return False
        self._alarm_sources.add(source)
        return True

    # -- settings -----------------------------------------------------------------

    async def _refresh(self) -> None:
        await self._retry_undecided()
        if self._nvr:
            with _optional():  # channels added to a recorder later appear without a reload
                await self.refresh_channels()

    async def _fetch(self, group: _Group, channel: int | None) -> dict[str, str]:
        return kv.first(await self._get(group.program, self._group_query(group, "get", channel)))

    async def _store(self, group: _Group, channel: int | None,
                     params: list[tuple[str, str]]) -> None:
        await self._do(group.program, self._group_query(group, "set", channel) + params)

    async def _write(self, key: SettingKey, value: Any, channel: int | None) -> State:
        if key is K.RELAY and channel is None and key in self.capabilities.settings:
            await self._do("alarm.cgi", (("action", "manualControl"), ("alarmOutID", "1"),
                                         ("controlFlag", "1" if value else "0")))
            return self._table.assume(key, bool(value))
        return await self._table.write(key, value, channel)

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

    async def _read_clock(self) -> datetime | None:
        values = kv.first(await self._get("param.cgi", (("action", "get"),
                                                        ("type", "dateTime"))))
        text = " ".join(
            values.get(name, "")[:8]  # no field of a date has more digits
            for name in ("year", "month", "day", "hour", "minute", "second")
        )
        try:
            local = wall_clock(text)
        except (ValueError, OverflowError) as err:
            raise ProtocolError(f"unreadable device time {text[:40]!r}") from err
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
        await self._decide("presets", self._settle_presets)  # the list changed

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

    async def _poll_alarms(self) -> dict[AlarmSource, bool]:
        pairs = await self._get("alarm.cgi", (("action", "get"), ("type", "currentAlarmStatus")))
        states: dict[AlarmSource, bool] = {}
        for record in kv.loop(pairs, "alarmInfo"):
            event = _alarm_event(record)
            if event is not None and not event.momentary and self._accepts(event.source):
                # Records come oldest first: the last one for a source wins.
                states[event.source] = event.active
        return states

    async def _alarm_stream(self, idle_timeout: float) -> AsyncIterator[AlarmEvent | Heartbeat]:
        self._check_refused()
        url = self.transport.url("/cgi-bin/alarm.cgi", self._params((("action", "attach"),)))
        resp = await self.transport.open_stream(url, timeout=idle_timeout)
        try:
            if resp.status == 401:
                raise self._refused("the camera refused the login on the alarm stream")
            if resp.status != 200 or "multipart" not in resp.headers.get("Content-Type", ""):
                with self.transport.errors():
                    head = await resp.content.read(4096)
                body = head.decode("utf-8", "replace")
                code = kv.error_code(body)
                if code in AUTH_CODES or code in LOCKED_CODES:
                    raise self._refused(f"the camera refused the alarm stream (error {code})")
                if resp.status == 404 or code in UNSUPPORTED_CODES:
                    raise NotSupported("this device has no alarm push stream")
                # A server error or an odd answer is a failure to retry, not a verdict.
                raise ProtocolError(f"alarm stream refused (HTTP {resp.status}, error {code})")
            yield Heartbeat()
            async for item in _multipart_alarms(resp.content, idle_timeout,
                                                self.transport.errors):
                if isinstance(item, Heartbeat) or self._accepts(item.source):
                    yield item
        finally:
            resp.close()


async def _multipart_alarms(
    content: Any, idle_timeout: float, errors: Callable[[], contextlib.AbstractContextManager[None]]
) -> AsyncIterator[AlarmEvent | Heartbeat]:
    """Parse the attach stream part by part, never holding more than one part.

    Every read goes through ``errors`` (the transport's translation): a stream cut
    mid-chunk or a broken chunk size is a :class:`CameraError` like any other drop.
    """

    async def line() -> str:
        with errors():
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
