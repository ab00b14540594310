"""Stateful simulator of the "param_cgi" dialect (``/cgi-bin/param.cgi`` & co, key=value text).

Behaviour follows seed 001 as digested in ``shared/dialects/param-cgi.md``. Bodies
reproduce the seed's verbatim examples (digest §13) with the doc annotations
("(IPC)", "(For other responses ...)") removed; everything the seed leaves open is
marked ``# GUESS`` below.

Variants: ``ipc`` (deviceType=1, sensor.cgi with ``schemeID``, attach push),
``nvr`` (deviceType=5, ``channelInfo``, NVR key names, no attach) and ``lite``
(deviceType=1, lite-series key names, no ``schemeID``, no attach).

Controls (call from tests, same event loop)
    raise_alarm(major, minor, source=1, *, flag=1, end=True) / clear_alarm(...)
    burst(records, parts=1)       many records, in order, in one or several parts
    drop_streams()                abort every attach connection
    drop_mid_part()               next alarm part is cut mid-body, then the socket closes
    cut_chunk("mid_chunk"|"bad_size")  chunked streams: the next part's chunk is cut
                                  short (or sent with an unreadable size), then the socket closes
    silence(True/False)           send nothing (alarms are dropped), sockets stay open
    garbage_part(data, raw=False) inject a garbage part (raw=True: unframed bytes)
    unlock() / set_password(new) / lock_account(bool)
    add_channel(...) / set_channel_status(ch, status)            (nvr)
    set_disk(disk_id, total=, free=, status=) / mark_unsupported(type, *keys)
    setting(type, key, ...) / set_setting(type, key, value, ...)
    fail_type(name, status, body, program=None) / clear_type_faults()
                                  answer one type= (or ptz action=) with this, after the login
    simulate_reboot()
Knobs (plain attributes, flip at runtime)
    split_writes / split_chunk, keepalive_interval, keepalive_style ("part"|"bare"),
    part_status_line, duplicate_records, chunked_streams, empty_alarm_status
    ("empty"|"ok"|"markers"), alarm_retention, lowercase_errors, auth_status,
    basic_auth, lockout_after, lockout_seconds, reboot_downtime, mjpeg_interval,
    digest_auth (HTTP Digest instead of Basic), open_access (no credentials checked at
    all), bare_401 (401 answers carry no error body), hostile ({(type or action, key):
    raw value} printed instead of the real one), ptz_cap (the ptzCap answer),
    intelligences (getSupportIntelligences' codes; empty: the type is unknown),
    audio_alarm (whether AudioAbnormal answers)
Counters / logs
    failed_logins, consecutive_failures, reboots, attach_clients, attach_connects,
    snapshots, set_calls, ptz_log, dangerous_calls, manual_alarms, alarm_outputs, alarms,
    auth_log (per request: "query", "basic", "digest" or "none")

Guesses (the seed does not say; each one is also marked ``# GUESS`` in the code)
    * Missing credentials: 401 + ``WWW-Authenticate: Basic realm="IPCamera"`` (with
      ``basic_auth=False``: 200 ``error, Return=-507``, and no 401 of it ever carries a
      challenge: a server that does not speak Basic does not ask for it; with
      ``digest_auth``: 401 + a Digest MD5 qop=auth challenge; a wrong Digest answer is
      challenged again with the same nonce, a failed login).
    * Bad credentials: 200 ``error, Return=-507`` (user) / ``-508`` (password);
      ``auth_status=401`` answers 401 + challenge with the same body.
    * Lockout: after ``lockout_after`` consecutive failures every request answers
      ``-527`` until ``lockout_seconds`` pass or ``unlock()``; ``lock_account(True)``
      (an administratively locked user) answers ``-515``.
    * ``userName``/``password`` count only as the first two query parameters; when
      both query and Basic credentials are present the query pair wins.
    * Bodies use CRLF line endings and end with CRLF (``OK\\r\\n``).
    * Unknown ``type=`` (or one the variant lacks) -> ``-22``; unknown action -> ``-23``;
      missing required parameter / bad value -> ``-8``; setting a key that reads ``-1``
      (unsupported) to anything but ``-1`` -> ``-506``; NVR channel not online -> ``-9``.
    * attach on nvr/lite or ``attach=False`` -> ``error, Return=-22``.
    * currentAlarmStatus lists every active alarm plus records that ended (or fired
      without an end state) within ``alarm_retention`` s, oldest change first; with
      nothing to list the body is empty (``empty_alarm_status`` picks another form).
    * Attach: one keep-alive part right after the headers and then after every
      ``keepalive_interval`` s without output; keep-alive = text/plain part whose body
      is ``Connecting, waiting for alarm message\\r\\n``; the stream is neither chunked
      nor length-delimited (``Connection: close``), as an embedded server would send it.
    * Manual alarm (``alarm.cgi?action=manual``) raises/clears an alarm record:
      AlarmSourceType 1 IO->(1,1,alarmInID), 2 motion->(1,2), 3 disk->(4,2, no end),
      4 record->(5,10, no end), 5 network->(1,5), 6 video loss->(1,4).
    * A reboot drops attach streams and clears the alarm state.
    * IPC sensor.cgi without ``schemeID`` uses the active scheme (``sensorScheme``,
      default 1); each scheme keeps its own values. NVR/lite ignore ``schemeID``.
    * NVR: ``channelNum`` = ``channelBinded`` = bound channels; other NVR/lite key names
      and defaults come from the seed's NVR/lite examples and tables.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
import hashlib
import re
import secrets
import ssl
from time import monotonic
from typing import Literal

from aiohttp import web

from custom_components.cgi_camera.client.digest import parse_challenge

from .onvif import OnvifCamera, OnvifFacts, OnvifPortMode

Variant = Literal["ipc", "nvr", "lite"]
KeepaliveStyle = Literal["part", "bare"]
EmptyAlarmStatus = Literal["empty", "ok", "markers"]
ChunkCut = Literal["mid_chunk", "bad_size"]

BOUNDARY = "myboundary"
KEEPALIVE_TEXT = "Connecting, waiting for alarm message"
REALM = "IPCamera"  # GUESS: the seed never shows a challenge; manufacturerName
# Seed §2.6.1.1 note: device/channel names may not contain these characters.
_FORBIDDEN_NAME_CHARS = frozenset("<>%&\\\"/,';=|+")
_TEN_MINUTES = ("0", "10", "20", "30", "40", "50")
# PTZ actions that only read state: not logged in ptz_log.
_PTZ_READS = frozenset(
    {
        "get",
        "listPreset",
        "listTour",
        "listScan",
        "listTrack",
        "getPosition",
        "getKeeper",
        "getPositionRange",
    }
)


class CgiError(Exception):
    """An ``error, Return=N`` answer; ``auth`` marks credential failures."""

    def __init__(self, code: int, *, auth: bool = False, nonce: str | None = None) -> None:
        super().__init__(f"error, Return={code}")
        self.code = code
        self.auth = auth
        self.nonce = nonce  # a 401 re-challenging this Digest nonce (wrong password)


class _Bad(Exception):
    """A validator rejected a value (-> ``error, Return=-8``)."""


Validator = Callable[[str], str]


def _int(raw: str) -> int:
    text = raw.strip()
    if not re.fullmatch(r"[+-]?\d+", text):
        raise _Bad(raw)
    return int(text)


def rng(lo: int, hi: int) -> Validator:
    def check(raw: str) -> str:
        value = _int(raw)
        if not lo <= value <= hi:
            raise _Bad(raw)
        return str(value)

    return check


def one_of(*options: int | str) -> Validator:
    allowed = {str(o) for o in options}

    def check(raw: str) -> str:
        text = raw.strip()
        # Normalise "03" -> "3" for numeric options.
        if re.fullmatch(r"[+-]?\d+", text):
            text = str(int(text))
        if text not in allowed:
            raise _Bad(raw)
        return text

    return check


def flt(lo: float, hi: float) -> Validator:
    def check(raw: str) -> str:
        try:
            value = float(raw)
        except ValueError:
            raise _Bad(raw) from None
        if not lo <= value <= hi:
            raise _Bad(raw)
        return f"{value:.6f}"

    return check


def name_text(max_len: int = 32) -> Validator:
    def check(raw: str) -> str:
        if len(raw) > max_len or _FORBIDDEN_NAME_CHARS & set(raw):
            raise _Bad(raw)
        return raw

    return check


def hhmm(raw: str) -> str:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", raw.strip())
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise _Bad(raw)
    return f"{int(match[1]):02d}:{match[2]}"


def clamp(lo: int, hi: int) -> Validator:
    # Microphone volume: ">100 is set to 100" (seed §2.6.1.12); below lo is an error.
    def check(raw: str) -> str:
        value = _int(raw)
        if value < lo:
            raise _Bad(raw)
        return str(min(value, hi))

    return check


# ===================================================================== data types


@dataclass(slots=True)
class AlarmRecord:
    """One alarm record as the device reports it (``alarmFlag`` 1 active, 0 ended)."""

    major: int
    minor: int
    source: int
    flag: int
    time: datetime
    # False: the event has no end state (seed: "record and disk alarm only alarm
    # trigger, no end state"), so it never reaches alarmFlag=0 on its own.
    ends: bool = True
    changed: float = field(default_factory=monotonic)

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.major, self.minor, self.source)

    def lines(self) -> list[str]:
        t = self.time
        # Month/day are not zero padded in the seed ("2018-9-21 15:26:50").
        stamp = f"{t.year}-{t.month}-{t.day} {t:%H:%M:%S}"
        return [
            f"alarmMajorType={self.major}",
            f"alarmMinorType={self.minor}",
            f"sourceID={self.source}",
            f"alarmFlag={self.flag}",
            f"alarmTime={stamp}",
        ]


@dataclass(slots=True)
class NvrChannel:
    """One bound NVR channel (``channelInfo`` loop body)."""

    channel_id: int
    name: str
    model: str
    firmware: str
    hardware: str
    status: int = 5  # 5 = "The device is online normally"
    protocol: int = 2
    type: int = 1
    streams: list[tuple[int, int]] = field(default_factory=lambda: [(1920, 1080), (704, 576)])


@dataclass(slots=True)
class Disk:
    disk_id: int
    total: int  # MB (GUESS: the seed gives no unit)
    free: int
    status: int  # deviceDiskInfo diskStatus (1 = normal, 0 = not present)


@dataclass(frozen=True, slots=True)
class _Field:
    key: str
    check: Validator
    default: str
    label: str | None = None  # wire spelling incl. the seed's stray spaces
    aliases: tuple[str, ...] = ()
    hidden: bool = False  # accepted by set, not printed by get (absent from example)


@dataclass(frozen=True, slots=True)
class _Group:
    name: str
    programs: frozenset[str]
    fields: tuple[_Field, ...]
    scheme: bool = False  # IPC sensor.cgi: per-schemeID state
    lead_camera: bool = False  # body starts with cameraID=<n>
    required: tuple[str, ...] = ()
    render: Callable[[ParamCgiSim, dict[str, str], int], list[str]] | None = None
    cross: Callable[[dict[str, str]], bool] | None = None  # False -> -8

    def lookup(self) -> dict[str, _Field]:
        table: dict[str, _Field] = {}
        for f in self.fields:
            table[f.key] = f
            for alias in f.aliases:
                table[alias] = f
        return table


@dataclass(slots=True)
class _Req:
    request: web.Request
    program: str
    action: str
    type: str
    params: dict[str, str]  # stripped keys, credentials removed, last value wins
    items: list[tuple[str, str]]  # same, in order with repeats (loop bodies)

    def query_text(self) -> str:
        pairs = [("action", self.action)] if self.action else []
        if self.type:
            pairs.append(("type", self.type))
        pairs += [(k, v) for k, v in self.items if k not in ("action", "type")]
        return "&".join(f"{k}={v}" for k, v in pairs)


@dataclass(slots=True)
class _Out:
    kind: Literal["data", "cut", "close", "mid_chunk", "bad_size"]
    data: bytes = b""


@dataclass(eq=False, slots=True)
class _StreamClient:
    request: web.Request
    response: web.StreamResponse
    queue: asyncio.Queue[_Out] = field(default_factory=asyncio.Queue)

    def gone(self) -> bool:
        transport = self.request.transport
        return transport is None or transport.is_closing()

    def abort(self) -> None:
        transport = self.request.transport
        if transport is not None:
            transport.abort()


class _UnframedStreamResponse(web.StreamResponse):
    """Endless body with neither Content-Length nor chunking: ends when the socket closes.

    GUESS: embedded camera servers write the multipart stream raw; aiohttp would
    otherwise add chunked transfer encoding, hiding split-write behaviour.
    """

    _length_check = False


Handler = Callable[["_Req"], Awaitable[web.StreamResponse]]


# ===================================================================== groups

_B = one_of(0, 1)
_PCT = rng(0, 100)


_f = _Field  # short alias: the tables below are long


def _groups(variant: Variant) -> dict[str, _Group]:
    """Settings groups available on ``variant``, keyed by lowercase type name."""
    ipc = variant == "ipc"
    param, sensor = frozenset({"param"}), frozenset({"sensor"})
    groups: list[_Group] = [
        _Group(
            "imaging",
            sensor,
            (
                _f("brightness", _PCT, "1"),
                _f("saturation", _PCT, "50"),
                _f("sharpness", _PCT, "30"),
                _f("contrast", _PCT, "6"),
            ),
            scheme=True,
        ),
        _Group(
            "Defogging",
            sensor,
            (_f("defoggingSwitch", _B, "0"), _f("defoggingStrength", _PCT, "50")),
            scheme=True,
        ),
        _Group(
            "SceneMode",
            sensor,
            (
                # Stray spaces around "=" are verbatim (seed §2.8.9.1).
                _f("Scene", _B, "0", label="Scene ="),
                _f("CorridorMode", _B, "0", label="CorridorMode = "),
                _f("MirrorMode", rng(0, 3), "3"),
            ),
            scheme=True,
        ),
        _Group(
            "WBMode",
            sensor,
            (
                _f(
                    "rgbMode" if variant == "lite" else "wbMode",
                    one_of(0, 1, 2, 3, 4, 9),
                    "0",
                    aliases=("wbMode",) if variant == "lite" else (),
                ),
                _f("redGain", _PCT, "50"),
                _f("blueGain", _PCT, "50"),
            ),
        ),
        _Group(
            "NoiseReduction",
            sensor,
            (
                _f("2DNR", _B, "1"),
                _f("3DNR", _B, "0"),
                _f("2DNRMode", one_of(1, 2), "1"),
                _f("3DNRMode", one_of(1, 2), "2"),
                _f("2DNRMaxStrength", _PCT, "20"),
                _f("3DNRMaxStrength", _PCT, "66"),
                _f("2DNRFixedStrength", _PCT, "56"),
                _f("3DNRFixedStrength", _PCT, "88"),
            ),
            scheme=True,
        ),
        _Group(
            "EnhanceImage",
            sensor,
            (
                _f("WDR", _B, "1"),
                _f("WDRvalue", _PCT, "23"),
                _f("HLC", _B, "1"),
                _f("HLCvalue", _PCT, "33"),
                _f("BLC", _B, "0"),
                _f("BLCvalue", _PCT, "1"),
                _f("AntiShake", _B, "1"),
                _f("Defog", _B, "0"),
                _f("Defogvalue", _PCT, "88"),
            ),
            # "HLC (only BLC close active)": HLC and BLC never both on. The seed's
            # own example has WDR=1 with HLC=1, so WDR is not part of the rule.
            cross=lambda s: not (s["HLC"] == "1" and s["BLC"] == "1"),
        ),
        _Group(
            "sensorMode",
            sensor,
            (
                _f("switchMode", rng(0, 2), "0"),
                _f("beginHour", rng(0, 24), "0"),
                _f("beginMinute", one_of(*_TEN_MINUTES), "0"),
                _f("endHour", rng(0, 24), "24"),
                _f("endMinute", one_of(*_TEN_MINUTES), "0"),
            ),
            scheme=True,
        ),
        _Group(
            "motionAlarm",
            param,
            _motion_fields(variant),
            render=_render_motion,
        ),
        _Group(
            "recordPolicy",
            param,
            _record_fields(variant),
            required=("cameraID", "StreamId", "DiskGroupId") if ipc else (),
            render=_render_record_policy,
        ),
        _Group(
            "microphone",
            param,
            (
                _f("toneArmEnableFlag", _B, "1"),
                _f("toneArmType", rng(1, 5), "1"),
                _f("volume", clamp(0, 100), "50"),
            ),
            lead_camera=True,
        ),
    ]
    if variant == "ipc":
        groups += [
            _Group(
                "dayNight",
                sensor,
                (
                    _f("dayNightMode", rng(0, 3), "0"),
                    _f("dayToNightThreshold", _PCT, "70"),
                    _f("nightToDayThreshold", _PCT, "30"),
                    _f("dayNightSensitivity", _PCT, "48"),
                    _f("delay", rng(0, 180), "80"),
                    _f("lightMode", rng(0, 3), "2"),
                    _f("infrared", one_of(1, 2), "2"),
                    _f("infraredIntensity", _PCT, "80"),
                    _f("white", one_of(1, 2), "2"),
                    _f("whiteIntensity", _PCT, "51"),
                    # In the set example/table, not in the get example.
                    _f("dayToNightTime", hhmm, "07:20", hidden=True),
                    _f("nightToDayTime", hhmm, "19:30", hidden=True),
                    _f("antiOverExposure", _B, "0", hidden=True),
                ),
                scheme=True,
            ),
            _Group(
                "Exposure",
                sensor,
                (
                    _f("exposureMode", rng(0, 2), "0"),
                    _f("shutter", one_of(*range(2, 8), 9, 11, *range(13, 23)), "7"),
                    _f("meterArea", one_of(0, 1, 4), "4"),
                    _f("gain", _PCT, "50"),
                ),
                scheme=True,
            ),
            _Group(
                "infraredLight",
                sensor,
                (
                    _f("mode", _B, "1"),
                    _f("brigthnessMode", one_of(1, 2), "1"),  # sic, wire name
                    _f("far", _PCT, "50"),
                    _f("middle", _PCT, "50", hidden=True),  # set template only
                    _f("near", _PCT, "50"),
                ),
            ),
            _Group(
                "videoSystem",
                param,
                (_f("videoFormat", _B, "0"), _f("frequency", one_of(50, 60), "60")),
            ),
        ]
    else:
        # NVR / lite key names (seed §2.8.5 NVR example + table); the example
        # prints dayNightMode, the set example and table use dnMode.
        fields = [
            _f("dayNightMode", rng(0, 3), "3", aliases=("dnMode",)),
            _f("DTNhour", rng(0, 23), "18"),
            _f("DTNmin", one_of(*_TEN_MINUTES), "0"),
            _f("NTDhour", rng(0, 23), "6"),
            _f("NTDmin", one_of(*_TEN_MINUTES), "0"),
            _f("delay", rng(0, 180), "174"),
            _f("translDN", _PCT, "70"),
            _f("translND", _PCT, "30", aliases=("transLND",)),
            _f("sensitivity", _PCT, "50"),
        ]
        if variant == "lite":
            fields += [_f("IRmode", one_of(1, 2), "1"), _f("IRstrength", _PCT, "80")]
        groups.append(_Group("dayNight", sensor, tuple(fields)))
    if variant in ("ipc", "lite"):
        groups += [
            _Group(
                "AudioOutputParam",
                param,
                (
                    _f("audioOutputEnable", one_of(0, 1, "true", "false"), "1"),
                    _f("audioOutputType", rng(0, 2), "0"),
                    _f("audioOutputVolume", _PCT, "80"),
                ),
            ),
            # Templates say sensor.cgi, examples param.cgi: accept both.
            _Group(
                "WhiteLedManualControl",
                frozenset({"param", "sensor"}),
                (
                    _f("WhiteLedManualMode", _B, "0", aliases=("WhiteLampMode",)),
                    _f(
                        "WhiteLedManualDuration",
                        rng(0, 3600),  # GUESS: seconds, no range given
                        "10",
                        aliases=("WhiteManualDuration",),
                    ),
                ),
            ),
        ]
    return {g.name.lower(): g for g in groups}


def _motion_fields(variant: Variant) -> tuple[_Field, ...]:
    if variant != "ipc":
        # Lite table: sensitivity 0 Low .. 3 Highest (seed §2.6.4.3.6).
        return (
            _f("motionDetectionEnableFlag", _B, "1"),
            _f("alarmInterval", rng(1, 1800), "10"),
            _f("sensitivity", rng(0, 3), "2"),
        )
    # sensitivity is validated against motionAlarmAbility in _group_set.
    return (
        _f("motionDetectionEnableFlag", _B, "1"),
        _f("alarmInterval", rng(1, 1800), "10"),
        _f("sensitivity", rng(-(10**6), 10**6), "3"),
        _f("motionDetectStreamEnable", _B, "0"),
        _f("alarmOut", _B, "0"),
        _f("alarmRecord", _B, "1"),
        _f("alarmSMTP", _B, "0"),
        _f("alarmFTP", _B, "1"),
        _f("alarmSound", _B, "1"),
        _f("alarmSoundType", rng(0, 13), "4"),
        _f("alarmOut2", _B, "0", hidden=True),
        _f("alarmLED", _B, "0", hidden=True),
        _f("alarmWhiteLED", _B, "0", hidden=True),
    )


def _record_fields(variant: Variant) -> tuple[_Field, ...]:
    fields = [_f("RecordOpenFlag", _B, "0")]
    if variant == "lite":
        fields += [
            _f("RecordGeneralOpen", _B, "0"),
            _f("RecordMontionOpen", _B, "0"),  # sic, wire name
            _f("RecordAlarmOpen", _B, "0"),
        ]
    fields += [
        _f("SaveDays", rng(0, 365), "7"),  # GUESS: range not given
        _f("StreamId", rng(1, 3), "1"),
        _f("AudioOpenFlag", _B, "1"),
    ]
    if variant == "nvr":
        fields.append(_f("AnrOpenFlag", _B, "0"))  # from the NVR set example
    fields += [
        _f("DiskGroupId", rng(1, 16), "1"),  # GUESS: range not given
        _f("PreRecordTime", rng(0, 30), "10", label="PreRecordTime = "),
    ]
    return tuple(fields)


def _render_motion(sim: ParamCgiSim, state: dict[str, str], cam: int) -> list[str]:
    group = sim.groups["motionalarm"]
    lines = [sim.field_line(group, f, state) for f in group.fields if not f.hidden]
    # "When motionDetectionEnableFlag=0, there is no motion detection loop."
    if state["motionDetectionEnableFlag"] == "1":
        lines += [
            "motionDetectionAreaCount=1",
            "motionDetectionAreaBegin=1",
            "topX=152",
            "topY=70",
            "width=95",
            "height=70",
            "motionDetectionAreaEnd=1",
        ]
    lines += [
        "weekDayCount=2",
        "weekDayBegin=1",
        "weekDay=1",
        "startTime=21600",
        "endTime=27000",
        "next_weekDayURL=2",
        "weekDay=2",
        "startTime=25200",
        "endTime=27000",
        "weekDayEnd=2",
    ]
    return lines


def _render_record_policy(sim: ParamCgiSim, state: dict[str, str], cam: int) -> list[str]:
    group = sim.groups["recordpolicy"]
    lines = [f"cameraID={cam}"]
    lines += [sim.field_line(group, f, state) for f in group.fields[:-2]]
    lines.append(sim.field_line(group, group.fields[-2], state))  # DiskGroupId
    lines += ["weekDayBegin=1", "weekDay=2", "startTime1=0", "endTime1=86400", "weekDayEnd=1"]
    lines.append(sim.field_line(group, group.fields[-1], state))  # PreRecordTime
    return lines


# ===================================================================== the simulator


class ParamCgiSim(OnvifCamera):
    """A camera (``ipc``/``lite``) or NVR (``nvr``) speaking the param_cgi dialect.

    It speaks ONVIF too (:class:`~.onvif.OnvifCamera`: ``onvif``, ``onvif_port``,
    ``onvif_password``), with the PTZ presets of its CGI. Seed 001 documents no ONVIF
    port (devicePort, protocolInfo); ``cmsConfigure`` says whether ONVIF is on.
    """

    def __init__(
        self,
        *,
        variant: Variant = "ipc",
        username: str = "admin",
        password: str = "123456",
        mac: str = "00:12:34:56:78:9A",
        device_id: str | None = None,
        channels: int = 4,
        ptz: bool = True,
        attach: bool = True,
        basic_auth: bool = True,
        digest_auth: bool = False,
        open_access: bool = False,
        bare_401: bool = False,
        auth_status: int = 200,
        lowercase_errors: bool = False,
        lockout_after: int = 5,
        lockout_seconds: float = 900,
        keepalive_interval: float = 5.0,
        rtsp_port: int = 554,
        snapshot_jpeg: bytes | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
        onvif: bool = True,
        onvif_port: OnvifPortMode = "http",
        onvif_password: str | None = None,
    ) -> None:
        super().__init__(host=host, port=port, ssl_context=ssl_context)
        if variant not in ("ipc", "nvr", "lite"):
            raise ValueError(f"unknown param_cgi variant {variant!r}")
        self.variant: Variant = variant
        self.username = username
        self.password = password
        self.mac = mac.upper()
        # The seed's deviceID (159356) is the MAC's last three octets.
        self.device_id = device_id or self.mac.replace(":", "")[-6:]
        self.ptz = ptz
        self.attach = attach
        self.basic_auth = basic_auth
        self.digest_auth = digest_auth
        self.open_access = open_access
        self.bare_401 = bare_401
        self.auth_status = auth_status
        self.lowercase_errors = lowercase_errors
        self.lockout_after = lockout_after
        self.lockout_seconds = lockout_seconds
        self.keepalive_interval = keepalive_interval
        self.keepalives_sent = 0  # periodic keep-alives written, over all streams
        self.rtsp_port = rtsp_port
        self._snapshot_jpeg = snapshot_jpeg
        self.model = {
            "ipc": "IPV57/41CLDR/Z/13",
            "lite": "IPR57/20UKDN/Z/13",
            "nvr": "NVR5216-16P",  # GUESS: the seed shows no NVR deviceInfo
        }[variant]
        self.software_ver = "v3.5.0804.1003.3.0.27.4.0"
        self.hardware_ver = "V060101_1"
        self.device_name = ""
        self.alarm_in_num = 0 if variant == "nvr" else 1
        # getSupportIntelligences' list (IPC; the seed's example, 001 §2.6.15.1.1) and
        # whether AudioAbnormal answers (IPC but the lite series, 001 §2.6.7).
        self.intelligences: list[int] = (
            [0, 1, 7, 8, 10, 14, 20, 21, 23, 29] if variant == "ipc" else [])
        self.audio_alarm = variant == "ipc"
        self.alarm_out_num = 0 if variant == "nvr" else 1

        # --- knobs tests may flip at runtime
        self.split_writes = False
        self.split_chunk = 7
        self.keepalive_style: KeepaliveStyle = "part"
        self.part_status_line = False  # "HTTP Code: 200 OK" as first part header
        self.duplicate_records = False  # each record twice per part (seed example)
        self.chunked_streams = False  # True: let aiohttp chunk the attach stream
        self.empty_alarm_status: EmptyAlarmStatus = "empty"
        self.alarm_retention = 10.0  # s an ended/momentary record stays in polls
        self.mjpeg_interval = 1.0
        self.line_ending = "\r\n"
        self.account_locked = False  # -515 for everyone (admin-locked account)
        # (type, or action when there is no type, lowercase; key) -> raw value printed
        self.hostile: dict[tuple[str, str], str] = {}
        self.ptz_cap: dict[str, str] = {
            "presetMaxNum": "16", "tourMaxNum": "4", "tourPresetMaxNum": "12",
            "scanMaxNum": "12",
        }
        # (program or None for any, type/action lowercase) -> (HTTP status, body)
        self.type_faults: dict[tuple[str | None, str], tuple[int, str]] = {}
        self._rendering = ""
        self._nonces: set[str] = set()

        # --- observable counters/logs
        self.failed_logins = 0
        self.consecutive_failures = 0
        self.auth_log: list[str] = []
        self.locked_until: float | None = None
        self.snapshots = 0
        self.attach_connects = 0
        self.set_calls: list[tuple[str, dict[str, str]]] = []
        self.ptz_log: list[dict[str, str]] = []
        self.dangerous_calls: list[str] = []
        self.manual_alarms: list[dict[str, str]] = []
        self.alarm_outputs: dict[int, int] = {}
        self.manual_recording: dict[int, bool] = {}
        self.alarms: dict[tuple[int, int, int], AlarmRecord] = {}

        # --- device state
        self.clock_offset = timedelta()
        # The zone the owner set on the camera; None: this machine's local time.
        self.time_zone: tzinfo | None = None
        self.groups = _groups(variant)
        self._settings: dict[tuple[str, int, int | None], dict[str, str]] = {}
        self.unsupported: set[tuple[str, str]] = set()
        if variant == "lite":
            # Exercise the "-1 = not supported" path by default. GUESS.
            self.mark_unsupported("Defogging", "defoggingSwitch", "defoggingStrength")
        self.active_scheme = 1  # sensorScheme example: schemeID=1 mode=0
        self.scheme_mode = 0
        self.ports: dict[str, str] = {
            "controlPort": "30001",
            "httpPort": "80",
            "rtspPort": str(rtsp_port),
            "rtmpPort": "8080",
            "httpsPort": "443",
        }
        if variant == "ipc":
            self.ports["sslPort"] = "20001"
        self.camera_names: dict[int, str] = {}
        self.channels: list[NvrChannel] = []
        if variant == "nvr":
            for _ in range(channels):
                self.add_channel()
        self.disks: dict[int, Disk] = {
            1: Disk(1, 14912, 64, 1),
            2: Disk(2, 0, 0, 0),
        }
        self.users: dict[str, tuple[str, str]] = {username: (password, "Super admin")}
        self.presets: dict[int, str] = {1: "A", 2: "sd", 3: "fd"}
        self.tours: dict[int, tuple[str, list[tuple[int, int, int | None]]]] = {
            0: ("sdf", [(1, 5, 1)]),
            1: ("bt", [(1, 5, None)]),
        }
        self.scans: dict[int, str] = {0: "dsf", 1: "bgm"}
        self.init_onvif(
            enabled=onvif, port=onvif_port, password=onvif_password,
            manufacturer="IPCamera", model=self.model, firmware=self.software_ver,
            inputs=self.alarm_in_num, input_token_base=1,
            stream_paths=("snl/live/1/1", "snl/live/1/2"),
        )
        self.tracks: dict[int, str] = {0: "sd", 1: "cd"}
        self.keeper: dict[str, str] = {
            "keeperType": "2",
            "keeperID": "1",
            "StatusId": "2",
            "time": "12",
        }
        self.position: dict[str, str] = {
            "pan": "45.000000",
            "tilt": "30.000000",
            "zoom": "3.000000",
        }
        self._tour_draft: list[tuple[int, int, int | None]] = []

        # --- streams
        self._clients: set[_StreamClient] = set()
        self._mjpeg_clients: set[_StreamClient] = set()
        self.silenced = False
        self._cut_next = False
        self._chunk_cut: ChunkCut | None = None
        self._programs: dict[str, Handler] = {
            "param": self._param,
            "sensor": self._sensor,
            "alarm": self._alarm,
            "ptz": self._ptz,
            "video": self._video,
            "image": self._image,
            "operate": self._operate,
            "record": self._record,
            "system": self._system,
            "upgrade": self._upgrade,
        }

    # ================================================================ controls

    @property
    def attach_clients(self) -> int:
        return len(self._clients)

    @property
    def locked(self) -> bool:
        if self.locked_until is not None and monotonic() >= self.locked_until:
            self.locked_until = None
            self.consecutive_failures = 0
        return self.locked_until is not None

    def unlock(self) -> None:
        self.locked_until = None
        self.consecutive_failures = 0

    def lock_account(self, locked: bool = True) -> None:
        """Administratively lock the account: every login answers -515."""
        self.account_locked = locked

    def set_password(self, new: str) -> None:
        self.password = new
        self.users[self.username] = (new, self.users.get(self.username, ("", "Super admin"))[1])

    def device_time(self) -> datetime:
        """Naive device-local wall clock (zone's local time + offset set via dateTime)."""
        now = datetime.now(self.time_zone).replace(microsecond=0, tzinfo=None)
        return now + self.clock_offset

    def add_channel(
        self,
        *,
        name: str | None = None,
        model: str = "IPR57/20UKDN/Z/13",
        firmware: str = "v3.5.0804.1004.3.0.33.7.0",
        hardware: str = "V060391_1",
        status: int = 5,
    ) -> NvrChannel:
        """Bind one more camera to the NVR (deviceInfo/channelInfo channelNum grow)."""
        n = len(self.channels) + 1
        if n == 1 and name is None:
            # Channel 1 of the seed's channelInfo example, verbatim.
            channel = NvrChannel(
                1,
                "Device",
                "SN-Q204M-B",
                "t4.4.1207.1004.0.0.2.12.0",
                "120704101",
                status=status,
                streams=[(2560, 1440), (704, 576)],
            )
        else:
            channel = NvrChannel(
                n, name or f"Channel{n - 1:02d}", model, firmware, hardware, status=status
            )
        self.channels.append(channel)
        return channel

    def set_channel_status(self, channel_id: int, status: int) -> None:
        """channelStatus: 5 online, 1 network failure, 2 bad credentials, ..."""
        self.channels[channel_id - 1].status = status

    def set_disk(
        self,
        disk_id: int,
        *,
        total: int | None = None,
        free: int | None = None,
        status: int | None = None,
    ) -> None:
        disk = self.disks.setdefault(disk_id, Disk(disk_id, 0, 0, 0))
        if total is not None:
            disk.total = total
        if free is not None:
            disk.free = free
        if status is not None:
            disk.status = status

    def mark_unsupported(self, type_name: str, *keys: str) -> None:
        """Make ``keys`` of settings group ``type_name`` read ``-1`` (not supported)."""
        for key in keys:
            self.unsupported.add((type_name.lower(), key))

    def setting(
        self, type_name: str, key: str, *, camera: int = 1, scheme: int | None = None
    ) -> str:
        group = self.groups[type_name.lower()]
        return self._state(group, camera, self._default_scheme(group, scheme))[key]

    def set_setting(
        self,
        type_name: str,
        key: str,
        value: str,
        *,
        camera: int = 1,
        scheme: int | None = None,
    ) -> None:
        """Change a setting behind the client's back (no set_calls entry)."""
        group = self.groups[type_name.lower()]
        self._state(group, camera, self._default_scheme(group, scheme))[key] = value

    def _forget_on_reboot(self) -> None:
        super()._forget_on_reboot()
        self.drop_streams()
        self.alarms.clear()

    def long_lived(self, request: web.Request) -> bool:
        if request.path == "/cgi-bin/alarm.cgi" and request.query.get("action") == "attach":
            return True  # the push stream
        return super().long_lived(request)

    def onvif_facts(self) -> OnvifFacts:
        return OnvifFacts(
            username=self.username, password=self.password, mac=self.mac,
            serial=self.device_id, rtsp_port=self.rtsp_port, ptz=self.ptz,
            clock_offset=self.clock_offset.total_seconds(),
            presets=[(str(n), name) for n, name in sorted(self.presets.items())],
        )

    # ---------------------------------------------------------------- alarms

    def raise_alarm(
        self,
        major: int,
        minor: int,
        source: int = 1,
        *,
        flag: int = 1,
        end: bool = True,
    ) -> AlarmRecord:
        """Set an alarm's state and push it to every attach stream right away.

        ``end=False`` marks an event that never sends an "ended" record.
        """
        record = self._store(major, minor, source, flag, end)
        self._broadcast([record])
        return record

    def clear_alarm(self, major: int, minor: int, source: int = 1) -> AlarmRecord:
        """Send the "ended" record (alarmFlag=0)."""
        return self.raise_alarm(major, minor, source, flag=0)

    def burst(
        self,
        records: Sequence[AlarmRecord | tuple[int, int, int, int]],
        *,
        parts: int = 1,
    ) -> list[AlarmRecord]:
        """Push many records, in order, spread evenly over ``parts`` parts."""
        stored = [
            self._store(r.major, r.minor, r.source, r.flag, r.ends)
            if isinstance(r, AlarmRecord)
            else self._store(r[0], r[1], r[2], r[3], True)
            for r in records
        ]
        if not stored:
            return stored
        parts = max(1, min(parts, len(stored)))
        size = -(-len(stored) // parts)
        for i in range(0, len(stored), size):
            self._broadcast(stored[i : i + size])
        return stored

    def current_alarm_records(self) -> list[AlarmRecord]:
        """What currentAlarmStatus lists now (see the module docstring)."""
        now = monotonic()
        records = [
            r
            for r in self.alarms.values()
            if (r.flag == 1 and r.ends) or now - r.changed <= self.alarm_retention
        ]
        return sorted(records, key=lambda r: r.changed)

    def _store(self, major: int, minor: int, source: int, flag: int, ends: bool) -> AlarmRecord:
        record = AlarmRecord(major, minor, source, flag, self.device_time(), ends=ends)
        self.alarms[record.key] = record
        return record

    # ---------------------------------------------------------------- stream faults

    def drop_streams(self) -> None:
        """Close every attach (and MJPEG) connection abruptly."""
        for client in (*self._clients, *self._mjpeg_clients):
            client.queue.put_nowait(_Out("close"))

    def drop_mid_part(self) -> None:
        """Cut the next alarm part in the middle of its body, then close the socket."""
        self._cut_next = True

    def cut_chunk(self, mode: ChunkCut = "mid_chunk") -> None:
        """Break the chunked framing of the next alarm part, then close the socket.

        ``mid_chunk``: the chunk declares the whole part but only half arrives;
        ``bad_size``: the chunk size line is not hexadecimal. Needs ``chunked_streams``.
        """
        if not self.chunked_streams:
            raise RuntimeError("cut_chunk needs chunked_streams = True")
        self._chunk_cut = mode

    def fail_type(
        self, name: str, status: int = 500, body: str = "", *, program: str | None = None
    ) -> None:
        """Answer ``type=name`` (or ptz ``action=name``) with ``status``/``body``.

        Applied after the credentials are checked, so only that one request fails.
        ``program`` (``param``, ``sensor``, ``ptz``...) limits it to one CGI.
        """
        self.type_faults[(program, name.lower())] = (status, body)

    def clear_type_faults(self) -> None:
        self.type_faults.clear()

    def silence(self, on: bool = True) -> None:
        """Stop sending anything (alarms raised meanwhile are lost); sockets stay open."""
        self.silenced = on

    def garbage_part(self, data: bytes, *, raw: bool = False) -> None:
        """Inject ``data`` as a text/plain part (``raw``: bytes with no part framing)."""
        payload = data if raw else self._part(data)
        for client in self._clients:
            client.queue.put_nowait(_Out("data", payload))

    # ================================================================ lifecycle

    async def go_offline(self) -> None:
        # Streams must end first, or runner cleanup waits for their handlers.
        self.drop_streams()
        await asyncio.sleep(0)
        await super().go_offline()

    # ================================================================ routing

    def setup_routes(self, app: web.Application) -> None:
        self.mount_onvif(app)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        match = re.fullmatch(r"/cgi-bin/\s*(\w+)\s*\.cgi", request.path)
        handler = self._programs.get(match[1]) if match else None
        if match is None or handler is None:
            return _not_found()
        try:
            req = self._authenticate(request, match[1])
            name = (req.type or req.action).lower()
            fault = self.type_faults.get((match[1], name), self.type_faults.get((None, name)))
            if fault is not None:
                return self._text(fault[1], status=fault[0])
            self._rendering = name
            return await handler(req)
        except CgiError as err:
            return self._error(err)

    def _authenticate(self, request: web.Request, program: str) -> _Req:
        raw_items = [(k.strip(), v) for k, v in request.query.items()]
        creds: tuple[str, str] | None = None
        # "userName and password must be in the first and second positions".
        if (
            len(raw_items) >= 2
            and raw_items[0][0].lower() == "username"  # table spells "username" once
            and raw_items[1][0] == "password"
        ):
            creds = (raw_items[0][1], raw_items[1][1])
            raw_items = raw_items[2:]
        else:
            # GUESS: misplaced credentials are ignored, not honoured.
            raw_items = [kv for kv in raw_items if kv[0].lower() not in ("username", "password")]
        header = request.headers.get("Authorization", "")
        scheme = header.partition(" ")[0].lower()
        self.auth_log.append("query" if creds else scheme or "none")
        if not self.open_access:
            if creds is None and self.digest_auth and scheme == "digest":
                self._digest_login(request, header)
            else:
                self._login(creds if creds is not None else self._http_credentials(request))
        items = [(k, v.strip()) for k, v in raw_items]
        params = {k: v for k, v in items if k not in ("action", "type")}
        action = next((v for k, v in items if k == "action"), "")
        type_ = next((v for k, v in items if k == "type"), "")
        return _Req(request, program, action, type_, params, items)

    def _http_credentials(self, request: web.Request) -> tuple[str, str]:
        if self.digest_auth:
            raise CgiError(401, auth=True)  # asks for Digest; Basic is not read
        creds = _basic_credentials(request) if self.basic_auth else None
        if creds is None:
            if self.basic_auth:
                # GUESS: the seed never shows a 401.
                raise CgiError(401, auth=True)
            raise CgiError(-507, auth=True)
        return creds

    def _login(self, creds: tuple[str, str]) -> None:
        if self.locked:
            raise CgiError(-527, auth=True)  # even with the right password
        user, password = creds
        if user != self.username or password != self.password:
            self._count_failure()
            raise CgiError(-507 if user != self.username else -508, auth=True)
        if self.account_locked:
            raise CgiError(-515, auth=True)
        self.consecutive_failures = 0

    def _count_failure(self) -> None:
        self.failed_logins += 1
        self.consecutive_failures += 1
        if self.lockout_after > 0 and self.consecutive_failures >= self.lockout_after:
            self.locked_until = monotonic() + self.lockout_seconds

    def _digest_login(self, request: web.Request, header: str) -> None:
        params = parse_challenge(header).params
        nonce = params.get("nonce", "")
        if nonce not in self._nonces:
            raise CgiError(401, auth=True)  # not one of ours: a fresh challenge
        if self.locked:
            raise CgiError(-527, auth=True)
        if params.get("username") != self.username or not self._digest_ok(request, params):
            self._count_failure()
            raise CgiError(401, auth=True, nonce=nonce)
        if self.account_locked:
            raise CgiError(-515, auth=True)
        self.consecutive_failures = 0

    def _digest_ok(self, request: web.Request, params: dict[str, str]) -> bool:
        def md5(text: str) -> str:
            return hashlib.md5(text.encode()).hexdigest()

        if params.get("qop") != "auth" or params.get("uri") != request.raw_path:
            return False
        ha1 = md5(f"{self.username}:{REALM}:{self.password}")
        ha2 = md5(f"{request.method}:{params['uri']}")
        expected = md5(f"{ha1}:{params.get('nonce')}:{params.get('nc')}:"
                       f"{params.get('cnonce')}:auth:{ha2}")
        return secrets.compare_digest(expected, params.get("response", ""))

    def _challenge_header(self, nonce: str | None = None) -> str | None:
        if self.digest_auth:
            if nonce is None:
                nonce = secrets.token_hex(16)
                self._nonces.add(nonce)
            return f'Digest realm="{REALM}", qop="auth", nonce="{nonce}", algorithm=MD5'
        return f'Basic realm="{REALM}"' if self.basic_auth else None

    # ================================================================ rendering

    def _text(self, body: str, *, status: int = 200) -> web.Response:
        return web.Response(status=status, body=body.encode(), content_type="text/plain")

    def _lines(self, lines: Iterable[str]) -> web.Response:
        return self._text(self._join(self._poisoned(lines)))

    def _poisoned(self, lines: Iterable[str]) -> Iterator[str]:
        """The lines, with the values a test made hostile for this request's type."""
        for line in lines:
            key, sep, _ = line.partition("=")
            raw = self.hostile.get((self._rendering, key.strip())) if sep else None
            yield line if raw is None else f"{key}={raw}"

    def _join(self, lines: Iterable[str]) -> str:
        eol = self.line_ending
        return "".join(f"{line}{eol}" for line in lines)

    def _ok(self, text: str = "OK") -> web.Response:
        return self._text(f"{text}{self.line_ending}")

    def _error_text(self, code: int) -> str:
        word = "return" if self.lowercase_errors else "Return"
        return f"error, {word}={code}{self.line_ending}"

    def _error(self, err: CgiError) -> web.Response:
        if err.code == 401:
            response = self._text("401 Unauthorized" + self.line_ending, status=401)
        else:
            status = self.auth_status if err.auth else 200
            bare = status == 401 and self.bare_401
            body = "401 Unauthorized" + self.line_ending if bare else self._error_text(err.code)
            response = self._text(body, status=status)
        if response.status == 401 and (challenge := self._challenge_header(err.nonce)):
            response.headers["WWW-Authenticate"] = challenge
        return response

    def field_line(self, group: _Group, f: _Field, state: dict[str, str]) -> str:
        value = "-1" if (group.name.lower(), f.key) in self.unsupported else state[f.key]
        return f"{f.label or f.key + '='}{value}"

    def _dangerous(self, req: _Req) -> None:
        # Credentials never end up in the log (they were stripped in _authenticate).
        self.dangerous_calls.append(f"{req.request.path}?{req.query_text()}")

    def _record_set(self, req: _Req, type_name: str) -> None:
        self.set_calls.append((f"{req.request.path}?type={type_name}", dict(req.params)))

    # ================================================================ helpers

    def _camera_count(self) -> int:
        return len(self.channels) if self.variant == "nvr" else 1

    def _camera(self, req: _Req, *, allow_zero: bool = False, online: bool = False) -> int:
        raw = req.params.get("cameraID", req.params.get("channelId", "1"))
        try:
            cam = _int(raw or "1")
        except _Bad:
            raise CgiError(-8) from None
        if not (0 if allow_zero else 1) <= cam <= self._camera_count():
            raise CgiError(-8)  # GUESS: out-of-range channel is a parameter error
        if online and self.variant == "nvr" and cam > 0 and self.channels[cam - 1].status != 5:
            raise CgiError(-9)  # GUESS: "The device or data is not ready"
        return cam

    def _default_scheme(self, group: _Group, scheme: int | None) -> int | None:
        if not group.scheme or self.variant != "ipc":
            return None
        return self.active_scheme if scheme is None else scheme

    def _scheme(self, group: _Group, req: _Req) -> int | None:
        if not group.scheme or self.variant != "ipc":
            return None  # NVR/lite "does not need to carry schemeID": ignored
        # Defogging's example spells it SchemaId.
        raw = next(
            (req.params[k] for k in ("schemeID", "SchemeID", "SchemaId") if k in req.params),
            None,
        )
        if raw is None:
            return self.active_scheme  # GUESS: missing schemeID = the active scheme
        try:
            return int(rng(0, 3)(raw))
        except _Bad:
            raise CgiError(-8) from None

    def _state(self, group: _Group, cam: int, scheme: int | None) -> dict[str, str]:
        key = (group.name.lower(), cam, scheme)
        if key not in self._settings:
            self._settings[key] = {f.key: f.default for f in group.fields}
        return self._settings[key]

    def _group_get(self, group: _Group, req: _Req) -> web.Response:
        cam = self._camera(req, online=True)
        state = self._state(group, cam, self._scheme(group, req))
        if group.render is not None:
            return self._lines(group.render(self, state, cam))
        lines = [self.field_line(group, f, state) for f in group.fields if not f.hidden]
        if group.lead_camera:
            lines.insert(0, f"cameraID={cam}")
        return self._lines(lines)

    def _group_rw(self, group: _Group, req: _Req) -> web.Response:
        return self._group_get(group, req) if req.action == "get" else self._group_set(group, req)

    def _group_set(self, group: _Group, req: _Req) -> web.Response:
        for key in group.required:
            if key not in req.params:
                raise CgiError(-8)  # GUESS: "required" violations are parameter errors
        cam = self._camera(req, online=True)
        state = self._state(group, cam, self._scheme(group, req))
        table = group.lookup()
        new: dict[str, str] = {}
        for key, raw in req.params.items():
            f = table.get(key)
            if f is None:
                continue  # selectors, loop bodies, unknown keys: ignored
            if (group.name.lower(), f.key) in self.unsupported:
                if raw == "-1":
                    continue  # GET -> modify -> SET echoes the marker back
                raise CgiError(-506)
            try:
                new[f.key] = f.check(raw)
            except _Bad:
                raise CgiError(-8) from None
        if group.name == "motionAlarm" and self.variant == "ipc" and "sensitivity" in new:
            lo, hi = self.motion_ability
            if not lo <= int(new["sensitivity"]) <= hi:
                raise CgiError(-8)
        if group.cross is not None and not group.cross({**state, **new}):
            raise CgiError(-8)
        state.update(new)
        self._record_set(req, group.name)
        return self._ok()

    @property
    def motion_ability(self) -> tuple[int, int]:
        return (1, 10)

    def _loop(
        self, name: str, bodies: list[list[str]], *, next_key: str | None = None
    ) -> list[str]:
        """Begin/next_URL/End framing (seed §1.4.2 note 2); empty list -> no lines."""
        if not bodies:
            return []
        nxt = next_key or f"next_{name}URL"
        lines = [f"{name}Begin=1"]
        for i, body in enumerate(bodies, 1):
            if i > 1:
                lines.append(f"{nxt}={i}")
            lines += body
        lines.append(f"{name}End={len(bodies)}")
        return lines

    # ================================================================ param.cgi

    async def _param(self, req: _Req) -> web.StreamResponse:
        t = req.type.lower()
        group = self.groups.get(t)
        if group is not None and "param" in group.programs and req.action in ("get", "set"):
            return self._group_rw(group, req)
        if req.action == "get":
            getter = self._param_getters().get(t)
            if getter is None:
                raise CgiError(-22)
            return getter(req)
        if req.action == "set":
            setter = self._param_setters().get(t)
            if setter is None:
                raise CgiError(-22)
            return setter(req)
        if t == "manualrecord" and req.action in ("start", "stop") and self.variant == "ipc":
            cam = self._camera(req)
            self.manual_recording[cam] = req.action == "start"
            return self._ok()
        if t == "user" and req.action in ("add", "modify", "delete", "getAllUser"):
            return self._user_admin(req)
        if t == "userpassword" and req.action == "modify" and self.variant == "nvr":
            self._dangerous(req)
            if req.params.get("oldpassword") != self.password:
                raise CgiError(-508)
            self.set_password(req.params.get("newpassword", self.password))
            return self._ok()
        if t in ("updatedata",):
            self._dangerous(req)
            return self._ok()
        if t in self._param_getters() or t in self._param_setters() or group is not None:
            raise CgiError(-23)  # GUESS: known type, unknown action
        raise CgiError(-22)

    def _param_getters(self) -> dict[str, Callable[[_Req], web.Response]]:
        getters: dict[str, Callable[[_Req], web.Response]] = {
            "deviceinfo": self._device_info,
            "localnetwork": self._local_network,
            "deviceport": lambda req: self._lines(f"{k}={v}" for k, v in self.ports.items()),
            "datetime": self._date_time_get,
            "camerainfo": self._camera_info_get,
            "devicediskinfo": self._disk_info,
            "recorddirinfo": self._record_dir_info,
            "securityparam": self._security_get,
            "exportconfig": self._export_config,
        }
        if self.variant == "nvr":
            getters["channelinfo"] = self._channel_info
        if self.variant != "ipc":
            getters["user"] = self._users_get
        if self.variant != "nvr":
            getters["cmsconfigure"] = self._cms_configure
        if self.variant == "ipc":
            getters["protocolinfo"] = self._protocol_info
            getters["motionalarmability"] = self._motion_ability
            getters["ipdomeptzid"] = self._dome_ptz_id
        if self.intelligences:
            getters["getsupportintelligences"] = self._intelligences
        if self.audio_alarm:
            getters["audioabnormal"] = self._audio_abnormal
        return getters

    def _intelligences(self, req: _Req) -> web.Response:
        # The seed's end marker is garbled by its translation ("intelligenceAnalyRefer
        # tond=1"); printed as it is.
        loop = self._loop("intelligenceAnalyse",
                          [[f"intelligenceAnalyse={n}"] for n in self.intelligences])
        loop[-1] = "intelligenceAnalyRefer tond=1"
        return self._lines([f"intelligenceAnalyseCount={len(self.intelligences)}", *loop])

    def _audio_abnormal(self, req: _Req) -> web.Response:
        # 001 §2.6.7.1's example, spaces and garbled key included; its linkage cut short.
        return self._lines([
            "EnableFlag = 0", "suddenRiRefer tonable =1", "riseSensitivity=38",
            "riseThreshold = 5 0", "suddenDropEnable=1", "dropSensitivity=38",
            "dropThreshold=88", "weekDayBegin=1", "weekDay=1", "startTime1=5400",
            "endTime1=21600", "weekDayEnd=1",
        ])

    def _param_setters(self) -> dict[str, Callable[[_Req], web.Response]]:
        setters: dict[str, Callable[[_Req], web.Response]] = {
            "devicename": self._device_name_set,
            "datetime": self._date_time_set,
            "camerainfo": self._camera_info_set,
            "deviceport": self._device_port_set,
            "securityparam": self._security_set,
            "localnetwork": self._dangerous_ok,
            "importconfig": self._dangerous_ok,
            "updatestatus": self._dangerous_ok,
            "updateover": self._dangerous_ok,
            "updateipc": self._dangerous_ok,
        }
        return setters

    def _dangerous_ok(self, req: _Req) -> web.Response:
        self._dangerous(req)
        if req.type.lower() == "updatestatus" and self.variant != "ipc":
            return self._ok("OK prot: 32768")  # sic (seed §2.10.2.1)
        return self._ok()

    def _device_info(self, req: _Req) -> web.Response:
        nvr = self.variant == "nvr"
        return self._lines(
            [
                f"deviceID={self.device_id}",
                f"deviceName={self.device_name}",
                f"deviceType={5 if nvr else 1}",
                f"productModel={self.model}",
                "manufacturerID=003",
                "manufacturerName=IPCamera",
                f"MACAddress={self.mac}",
                f"hardwareVer={self.hardware_ver}",
                f"softwareVer={self.software_ver}",
                f"channelNum={self._camera_count()}",
                f"alarmInNum={self.alarm_in_num}",
                f"alarmOutNum={self.alarm_out_num}",
                "RS485Num=0",
                "ubootVersion=v1.0_20221109",
                "kerneVersion=v1.0_20221122",  # sic, wire name
                "networkCardNum=1",
            ]
        )

    def _local_network(self, req: _Req) -> web.Response:
        proto = req.params.get("IPProtoVer", req.params.get("IPProtover"))
        if proto not in ("1", "2"):
            raise CgiError(-8)  # "IPProtoVer is mandatory"
        if proto == "2" and "netCardId" not in req.params:
            raise CgiError(-8)
        ip = _local_ip(req.request, self.host)
        body = [
            "IPProtoVer=1",
            "netCardId=1",
            f"IPAddress={ip}",
            "subNetmask=255.255.0.0",
            "subGetway=192.168.1.1",  # sic, wire name
            "preferredDNS=",
            "alternateDNS=",
            "autoGetIPFlag=1",
        ]
        if self.variant == "ipc":
            return self._lines(["localNetworkBegin=1", *body, "localNetworkEnd=1", "mtu=1500"])
        return self._lines(body)

    def _date_time_get(self, req: _Req) -> web.Response:
        t = self.device_time()
        return self._lines(
            [
                f"year={t.year}",
                f"month={t.month}",
                f"day={t.day}",
                f"hour={t.hour}",
                f"minute={t.minute}",
                f"second={t.second}",
            ]
        )

    def _date_time_set(self, req: _Req) -> web.Response:
        now = self.device_time()
        parts: dict[str, int] = {}
        limits = {
            "year": (1970, 2037),
            "month": (1, 12),
            "day": (1, 31),
            "hour": (0, 23),
            "minute": (0, 59),
            "second": (0, 59),
        }
        try:
            for key, (lo, hi) in limits.items():
                raw = req.params.get(key)
                parts[key] = int(rng(lo, hi)(raw)) if raw is not None else getattr(now, key)
            y, mo, d, h, mi, sec = (parts[k] for k in limits)
            target = datetime(y, mo, d, h, mi, sec)
        except (_Bad, ValueError):
            raise CgiError(-8) from None
        self.clock_offset += target - now
        self._record_set(req, "dateTime")
        return self._ok()

    def _camera_info_get(self, req: _Req) -> web.Response:
        cam = self._camera(req)
        return self._lines([f"cameraName={self._camera_name(cam)}"])

    def _camera_name(self, cam: int) -> str:
        if cam in self.camera_names:
            return self.camera_names[cam]
        if self.variant == "nvr":
            return self.channels[cam - 1].name
        return "OEM"

    def _camera_info_set(self, req: _Req) -> web.Response:
        cam = self._camera(req)
        try:
            name = name_text()(req.params.get("cameraName", ""))
        except _Bad:
            raise CgiError(-8) from None
        self.camera_names[cam] = name
        if self.variant == "nvr":
            self.channels[cam - 1].name = name
        self._record_set(req, "cameraInfo")
        return self._ok()

    def _device_name_set(self, req: _Req) -> web.Response:
        try:
            self.device_name = name_text()(req.params.get("deviceName", ""))
        except _Bad:
            raise CgiError(-8) from None
        self._record_set(req, "deviceName")
        return self._ok()

    def _device_port_set(self, req: _Req) -> web.Response:
        new: dict[str, str] = {}
        for key, raw in req.params.items():
            if key in self.ports:
                try:
                    new[key] = rng(1, 65535)(raw)
                except _Bad:
                    raise CgiError(-8) from None
        self.ports.update(new)
        if "rtspPort" in new:
            self.rtsp_port = int(new["rtspPort"])
        self._record_set(req, "devicePort")
        return self._ok()

    def _security_get(self, req: _Req) -> web.Response:
        return self._lines(
            [
                f"accountsLockEnableFlag={1 if self.lockout_after > 0 else 0}",
                f"errorCount={self.lockout_after or 5}",
                f"lockTime={max(1, round(self.lockout_seconds / 60))}",
            ]
        )

    def _security_set(self, req: _Req) -> web.Response:
        try:
            flag = _B(req.params.get("accountsLockEnableFlag", "1" if self.lockout_after else "0"))
            count = int(rng(1, 30)(req.params.get("errorCount", str(self.lockout_after or 5))))
            minutes = rng(1, 30)(req.params["lockTime"]) if "lockTime" in req.params else None
        except _Bad:
            raise CgiError(-8) from None
        self.lockout_after = count if flag == "1" else 0
        if minutes is not None:
            self.lockout_seconds = int(minutes) * 60.0
        self._record_set(req, "securityParam")
        return self._ok()

    def _channel_info(self, req: _Req) -> web.Response:
        bodies: list[list[str]] = []
        for ch in self.channels:
            streams = [
                [f"streamId={i}", "streamEncoder=1", f"streamWidth={w}", f"streamHeight={h}"]
                for i, (w, h) in enumerate(ch.streams, 1)
            ]
            bodies.append(
                [
                    f"channelId={ch.channel_id}",
                    f"channelName={ch.name}",
                    f"channelModel={ch.model}",
                    f"channelFirmware={ch.firmware}",
                    f"channelHardware={ch.hardware}",
                    f"channelStatus={ch.status}",
                    f"channelProtocol={ch.protocol}",
                    f"channelType={ch.type}",
                    f"streamNum={len(ch.streams)}",
                    *self._loop("stream", streams),
                ]
            )
        # GUESS: the seed's channelNum=16 is the slot count; here every slot is bound.
        head = [f"channelNum={len(self.channels)}", f"channelBinded={len(self.channels)}"]
        return self._lines(head + self._loop("channel", bodies))

    def _protocol_info(self, req: _Req) -> web.Response:
        ip = _local_ip(req.request, self.host)
        return self._lines(
            [
                "protocolName=ONVIF",
                "protocolVersion=v17.06",
                "protocolSoftwareVersion=v17.06_build000029",
                "rtspRule = rtsp://ip:port/snl/live/cameraid/streamed",  # sic
                f"rtspExample=rtsp://{ip}:{self.rtsp_port}/snl/live/1/1",
                "onvifUuid=4e043800-d3d9-122f-b19a-" + self.mac.replace(":", "").lower(),
            ]
        )

    def _cms_configure(self, req: _Req) -> web.Response:
        # 001 §2.6.12.3.1; the lite series adds its protocol lines, IPC the HTTPS ones.
        lite = ["SupportPro=Onvif,cgi", "runingPro=Onvif,cgi", "protocolName=Onvif",
                "protocolVersion=22.06",
                "protocolUuid=dbb2a840-0d59-11e9-a04c-" + self.mac.replace(":", "").lower()]
        ipc = ["OnvifOnlyHttpsEnable=0", "StreamOnlyHttpsEnable=0"]
        return self._lines([
            *(lite if self.variant == "lite" else []),
            f"OnvifEnable={1 if self.onvif_enabled else 0}",
            "ProfileGEnable=0", "Media2Enable=0", "MetadataStreamEnable=1",
            "IntelligentAnalysisSwitchEnable=0",
            *(ipc if self.variant == "ipc" else []),
        ])

    def _motion_ability(self, req: _Req) -> web.Response:
        lo, hi = self.motion_ability
        linkage = [[f"actionType={a}"] for a in (2, 4, 7, 10)]
        loop = self._loop("alarmLinkage", linkage, next_key="next_AlarmLinkageURL")
        loop[-1] = "alarmLinkageEnd=1"  # sic: the seed ends with 1 after 4 bodies
        return self._lines(
            [
                "maxWidthCellNumber=22",
                "minWidthCellNumber=22",
                "maxHeightCellNumber=18",
                "minHeightCellNumber=18",
                f"minSensitivity={lo}",
                f"maxSensitivity={hi}",
                f"alarmOutCount={self.alarm_out_num}",
                "alarmLinkageCount=4",
                *loop,
            ]
        )

    def _dome_ptz_id(self, req: _Req) -> web.Response:
        if not self.ptz:
            raise CgiError(-506)  # "Device not supported, Returns -506"
        return self._lines(["domePTZId=213"])

    def _disk_info(self, req: _Req) -> web.Response:
        bodies = [
            [
                f"diskID={d.disk_id}",
                f"diskTotalSize={d.total}",
                f"diskFreeSize={d.free}",
                f"diskStatus={d.status}",
            ]
            for d in sorted(self.disks.values(), key=lambda d: d.disk_id)
        ]
        return self._lines(self._loop("diskInfo", bodies))

    def _record_dir_info(self, req: _Req) -> web.Response:
        wanted = req.params.get("diskId")
        bodies: list[list[str]] = []
        for d in sorted(self.disks.values(), key=lambda d: d.disk_id):
            if d.status == 0 or (wanted is not None and wanted != str(d.disk_id)):
                continue
            # recordDirInfo uses a different status code set (0 = normal). GUESS map.
            status = {1: 0, 5: 2, 4: 3, 3: 5}.get(d.status, 4)
            name = f"SD{d.disk_id:04d}"
            bodies.append(
                [
                    f"diskName={name}",
                    f"diskPath={name}",
                    f"diskWholePath={name}",
                    "enableFlag=1",
                    "alarmThreshold=90",
                    "attribute=1",
                    "diskType=2",
                    f"freeSpace={d.free}",
                    "groupID=1",
                    f"status={status}",
                    f"usableSpace={d.total - d.free}",
                    f"totalspace={d.total}",
                    "fileSystemFormat=8",
                ]
            )
        return self._lines(self._loop("recordDirInfo", bodies, next_key="recordDirInfoNextURL"))

    def _users_get(self, req: _Req) -> web.Response:
        # NVR/lite "get&type=User" returns plaintext passwords: dangerous.
        self._dangerous(req)
        privileges = [
            "live_video",
            "alarm_manager",
            "video_manager",
            "network_manager",
            "device_manager",
            "systerm_config",
            "system_maintenance",
            "playback",
        ]
        bodies = []
        for name, (pw, group) in self.users.items():
            privs = self._loop("userPrivilege", [[f"privilegeName={p}"] for p in privileges])
            bodies.append(
                [
                    f"userName={name}",
                    f"userPasswd={pw}",
                    f"userGroup={group}",
                    f"userPrivilegeCount={len(privileges)}",
                    *privs,
                ]
            )
        return self._lines([f"userListCount={len(bodies)}", *self._loop("userList", bodies)])

    def _user_admin(self, req: _Req) -> web.Response:
        if req.action == "getAllUser":
            if self.variant != "ipc":
                raise CgiError(-23)
            bodies = [
                [
                    f"userName={n}",
                    f"groupName={'SuperAdmin' if n == self.username else g}",
                    "privilegeCount=0",
                ]
                for n, (_pw, g) in self.users.items()
            ]
            return self._lines([f"userCount={len(bodies)}", *self._loop("user", bodies)])
        self._dangerous(req)
        p = req.params
        new_pw = p.get("newpasswd", p.get("newpassword"))
        if req.action == "add":
            user = p.get("newuser", "")
            if not user or new_pw is None:
                raise CgiError(-8)
            if user in self.users:
                raise CgiError(-521)  # "The user already exists"
            self.users[user] = (new_pw, p.get("group", "Media user"))
        elif req.action == "modify":
            user = p.get("user", "")
            if user not in self.users:
                raise CgiError(-507)  # GUESS
            if new_pw is not None:
                if user == self.username:
                    self.set_password(new_pw)  # a real device would do it too
                else:
                    self.users[user] = (new_pw, self.users[user][1])
        else:
            user = p.get("user", "")
            if user == self.username:
                raise CgiError(-512)  # GUESS: the logged-in admin cannot delete itself
            if self.users.pop(user, None) is None:
                raise CgiError(-507)
        return self._ok()

    def _export_config(self, req: _Req) -> web.Response:
        self._dangerous(req)
        blob = b"CFG\x00" + self.mac.encode() + b"\x00" * 60  # INVENTED: opaque .bin
        return web.Response(body=blob, content_type="application/octet-stream")

    # ================================================================ sensor.cgi

    async def _sensor(self, req: _Req) -> web.StreamResponse:
        t = req.type.lower()
        group = self.groups.get(t)
        if group is not None and "sensor" in group.programs and req.action in ("get", "set"):
            return self._group_rw(group, req)
        if t == "sensorscheme" and self.variant == "ipc":
            if req.action == "get":
                return self._lines([f"schemeID={self.active_scheme}", f"mode={self.scheme_mode}"])
            if req.action == "set":
                try:
                    scheme = rng(0, 3)(req.params.get("schemeID", str(self.active_scheme)))
                    mode = _B(req.params.get("mode", str(self.scheme_mode)))
                except _Bad:
                    raise CgiError(-8) from None
                self.active_scheme, self.scheme_mode = int(scheme), int(mode)
                self._record_set(req, "sensorScheme")
                return self._ok()
        if t == "resetparameters" and req.action == "set" and self.variant == "ipc":
            return self._reset_sensor(req, "ResetParameters")
        if t == "sensorparam" and req.action == "reset" and self.variant != "ipc":
            return self._reset_sensor(req, "sensorParam")
        if t == "sensorability" and req.action == "get" and self.variant == "lite":
            shutters = [
                "1/5",
                "1/10",
                "1/12.5",
                "1/15",
                "1/20",
                "1/25",
                "1/50",
                "1/100",
                "1/125",
                "1/150",
                "1/200",
                "1/250",
                "1/500",
                "1/1000",
                "1/2000",
                "1/5000",
                "1/10000",
                "1/20000",
            ]
            lines = [
                "maxGainSupport=0",
                f"exposureTimeCount={len(shutters)}",
                "exposureTimeBegin=1",
            ]
            lines += [f"exposureTimeSupport_{i}={s}" for i, s in enumerate(shutters, 1)]
            lines.append(f"exposureTimeEnd={len(shutters)}")
            return self._lines(lines)
        if group is not None:
            raise CgiError(-23)
        raise CgiError(-22)

    def _reset_sensor(self, req: _Req, type_name: str) -> web.Response:
        cam = self._camera(req)
        for key in [k for k in self._settings if k[1] == cam and k[0] in _SENSOR_TYPES]:
            del self._settings[key]
        self._record_set(req, type_name)
        return self._ok()

    # ================================================================ alarm.cgi

    async def _alarm(self, req: _Req) -> web.StreamResponse:
        if req.action == "get":
            if req.type.lower() != "currentalarmstatus":
                raise CgiError(-22)
            return self._alarm_status()
        if req.action == "attach":
            if self.variant != "ipc" or not self.attach:
                raise CgiError(-22)  # GUESS: how a device without attach answers
            return await self._attach_stream(req)
        if req.action in ("manual", "manualControl"):
            if self.variant != "ipc":
                raise CgiError(-22)  # "(IPC excluding the lite series/NVR)"
            if req.action == "manual":
                return self._manual_alarm(req)
            return self._manual_control(req)
        raise CgiError(-23)

    def _alarm_status(self) -> web.Response:
        records = self.current_alarm_records()
        if records:
            return self._text(self._join(self._alarm_lines(records)))
        if self.empty_alarm_status == "ok":
            return self._ok()
        if self.empty_alarm_status == "markers":
            return self._lines(["alarmInfoBegin=1", "alarmInfoEnd=0"])
        return self._text("")

    def _alarm_lines(self, records: Sequence[AlarmRecord]) -> list[str]:
        if self.duplicate_records:
            records = [r for r in records for _ in range(2)]
        lines: list[str] = []
        for i, record in enumerate(records, 1):
            # "next_alarmInfoURL =N": the stray space is verbatim.
            lines.append("alarmInfoBegin=1" if i == 1 else f"next_alarmInfoURL ={i}")
            lines += record.lines()
        lines.append(f"alarmInfoEnd={len(records)}")
        return lines

    def _manual_alarm(self, req: _Req) -> web.Response:
        p = req.params
        try:
            alarm_in = int(rng(1, max(1, self.alarm_in_num))(p.get("alarmInID", "1")))
            flag = int(one_of(1, 2)(p.get("alarmFlag", "")))
            source_type = int(rng(1, 6)(p.get("AlarmSourceType", "1")))
        except _Bad:
            raise CgiError(-8) from None
        self.manual_alarms.append(dict(p))
        # GUESS mapping (the seed does not relate AlarmSourceType to major/minor).
        major, minor, ends = {
            1: (1, 1, True),
            2: (1, 2, True),
            3: (4, 2, False),
            4: (5, 10, False),
            5: (1, 5, True),
            6: (1, 4, True),
        }[source_type]
        if flag == 1:
            self.raise_alarm(major, minor, alarm_in, end=ends)
        elif ends:
            self.clear_alarm(major, minor, alarm_in)
        return self._ok()

    def _manual_control(self, req: _Req) -> web.Response:
        try:
            out = int(rng(1, max(1, self.alarm_out_num))(req.params.get("alarmOutID", "1")))
            flag = int(_B(req.params.get("controlFlag", "")))
        except _Bad:
            raise CgiError(-8) from None
        self.alarm_outputs[out] = flag
        return self._ok()

    # ---------------------------------------------------------------- attach stream

    def _part(self, body: bytes, content_type: str = "text/plain") -> bytes:
        head = f"--{BOUNDARY}\r\n"
        if self.part_status_line:
            head += "HTTP Code: 200 OK\r\n"
        head += f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
        return head.encode() + body

    def _keepalive(self) -> bytes:
        text = f"{KEEPALIVE_TEXT}\r\n".encode()
        return text if self.keepalive_style == "bare" else self._part(text)

    def _broadcast(self, records: Sequence[AlarmRecord]) -> None:
        # Synchronous put_nowait: every writer wakes on the next loop iteration.
        if self.silenced or not self._clients:
            return
        body = self._join(self._alarm_lines(records)).encode()
        kind: Literal["data", "cut", "mid_chunk", "bad_size"] = (
            self._chunk_cut or ("cut" if self._cut_next else "data")
        )
        self._cut_next = False
        self._chunk_cut = None
        part = self._part(body)
        for client in self._clients:
            client.queue.put_nowait(_Out(kind, part))

    async def _open_stream(self, req: _Req) -> _StreamClient:
        response: web.StreamResponse = (
            web.StreamResponse() if self.chunked_streams else _UnframedStreamResponse()
        )
        response.headers["Pragma"] = "no-cache"
        response.headers["Cache-Control"] = "no-cache"
        response.headers["Content-Type"] = f"multipart/x-mixed-replace; boundary={BOUNDARY}"
        response.force_close()
        await response.prepare(req.request)
        return _StreamClient(req.request, response)

    async def _attach_stream(self, req: _Req) -> web.StreamResponse:
        client = await self._open_stream(req)
        self._clients.add(client)
        self.attach_connects += 1
        # The writer runs as a spawned task so stop() cancels it; the handler
        # just waits for it and then kills the socket (the stream has no end).
        task = self.spawn(self._attach_writer(client))
        try:
            await asyncio.wait({task})
        finally:
            self._clients.discard(client)
            task.cancel()
            client.abort()
        return client.response

    async def _attach_writer(self, client: _StreamClient) -> None:
        loop = asyncio.get_running_loop()
        try:
            if not self.silenced:
                await self._write(client, self._keepalive())
            last = loop.time()
            while not client.gone():
                interval = self.keepalive_interval
                # Wake at least every 0.25 s to notice a vanished client promptly.
                wait = 0.25 if interval <= 0 else min(0.25, max(0.0, last + interval - loop.time()))
                try:
                    out = await asyncio.wait_for(client.queue.get(), wait)
                except TimeoutError:
                    if interval > 0 and loop.time() - last >= interval:
                        if not self.silenced:
                            await self._write(client, self._keepalive())
                            self.keepalives_sent += 1
                        last = loop.time()
                    continue
                if out.kind == "close":
                    return
                if out.kind in ("mid_chunk", "bad_size"):
                    self._break_chunk(client, out)
                    await asyncio.sleep(0.01)  # let the broken chunk leave before the RST
                    return
                if out.kind == "cut":
                    head_len = out.data.index(b"\r\n\r\n") + 4
                    body_len = len(out.data) - head_len
                    await self._write(client, out.data[: head_len + body_len // 2])
                    await asyncio.sleep(0.01)  # let the half part leave before the RST
                    return
                await self._write(client, out.data)
                last = loop.time()
        except (ConnectionError, RuntimeError):
            return  # client went away mid-write

    @staticmethod
    def _break_chunk(client: _StreamClient, out: _Out) -> None:
        """Write one chunk past aiohttp's framing: cut short, or with a junk size."""
        transport = client.request.transport
        if transport is None:
            return
        if out.kind == "mid_chunk":
            transport.write(b"%x\r\n" % len(out.data) + out.data[: len(out.data) // 2])
        else:
            transport.write(b"zz\r\n" + out.data + b"\r\n")

    async def _write(self, client: _StreamClient, data: bytes) -> None:
        if not self.split_writes:
            await client.response.write(data)
            return
        step = max(1, self.split_chunk)
        for i in range(0, len(data), step):
            await client.response.write(data[i : i + step])
            await asyncio.sleep(0.002)  # separate TCP segments, not one coalesced write

    # ================================================================ ptz.cgi

    async def _ptz(self, req: _Req) -> web.StreamResponse:
        if not self.ptz and self.variant != "nvr":
            raise CgiError(-506)  # GUESS: no PTZ -> "Device not supported"
        cam = self._camera(req, online=True)
        action, p = req.action, req.params
        try:
            response = self._ptz_action(action, req.type.lower(), p, cam)
        except _Bad:
            raise CgiError(-8) from None
        if action not in _PTZ_READS:
            entry = {"action": action, **({"type": req.type} if req.type else {}), **p}
            self.ptz_log.append(entry)
        return response

    def _ptz_action(self, action: str, t: str, p: dict[str, str], cam: int) -> web.Response:
        if action == "get" and t == "ptzcap":
            return self._lines(f"{k}={v}" for k, v in self.ptz_cap.items())
        if t in ("wiper", "wash"):
            if action not in (("open", "close") if t == "wiper" else ("open",)):
                raise CgiError(-23)
            return self._ok()
        speed = rng(-63, 63)
        if action == "rotate":
            # Signed speeds: sign = direction (pan + right, tilt + up), 0 = no motion.
            speed(p.get("pan", "0"))
            speed(p.get("tilt", "0"))
            if "Speed" in p:
                rng(0, 9)(p["Speed"])  # NVR "4.* New" extra; semantics unclear
            return self._ok()
        if action == "zoom":
            one_of(-1, 1)(p.get("pan", ""))
            return self._ok()
        if action in (
            "stop",
            "focusFar",
            "focusNear",
            "irisIncrease",
            "irisDecrease",
            "setNorthPosition",
            "runAutoFocus",
            "runAutoIris",
            "setHome",
            "restoreHome",
            "goHome",
        ):
            return self._ok()
        if action in ("presetAdd", "presetInvoke", "presetDelete"):
            preset = int(rng(1, 400)(p.get("presetID", "")))
            if action == "presetAdd":
                self.presets[preset] = p.get("presetName", f"{preset:03d}")
            elif action == "presetDelete":
                self.presets.pop(preset, None)
            # GUESS: invoking an unset preset answers OK (the head just stays put).
            return self._ok()
        if action in ("listPreset", "listPrest"):
            bodies = [[f"presetID={i}", f"presetName={n}"] for i, n in sorted(self.presets.items())]
            return self._lines(self._loop("preset", bodies))
        if action.startswith("tour"):
            return self._ptz_tour(action, p)
        if action == "listTour":
            bodies = []
            for tid, (name, stops) in sorted(self.tours.items()):
                inner = [
                    [f"presetID={pid}", f"time={secs}", *([f"speed={spd}"] if spd else [])]
                    for pid, secs, spd in stops
                ]
                bodies.append([f"tourID={tid}", f"tourName={name}", *self._loop("preset", inner)])
            return self._lines(self._loop("tour", bodies))
        for kind, store in (("scan", self.scans), ("track", self.tracks)):
            if action in (f"{kind}AddBegin", f"{kind}Invoke"):
                rng(0, 400)(p.get(f"{kind}ID", ""))
                return self._ok()
            if action == f"{kind}AddEnd":
                ident = int(rng(0, 400)(p.get(f"{kind}ID", "")))
                # The scan template spells the name "sanName".
                store[ident] = p.get(f"{kind}Name", p.get("sanName", str(ident)))
                return self._ok()
            if action == f"{kind}Delete":
                store.pop(int(rng(0, 400)(p.get(f"{kind}ID", ""))), None)
                return self._ok()
            if action == f"list{kind.capitalize()}":
                bodies = [[f"{kind}ID={i}", f"{kind}Name={n}"] for i, n in sorted(store.items())]
                return self._lines(self._loop(kind, bodies))
        if action == "keeperSet":
            self.keeper.update(
                keeperType=one_of(1, 2, 3, 4, 6)(p.get("keeperType", "")),
                keeperID=rng(0, 400)(p.get("keeperID", "1")),
                time=rng(1, 240)(p.get("time", "")),
            )
            return self._ok()
        if action == "keeperRun":
            self.keeper["StatusId"] = one_of(0, 2)(p.get("StatusId", ""))
            return self._ok()
        if action == "getKeeper":
            return self._lines(f"{k}={v}" for k, v in self.keeper.items())
        if action == "getPosition":
            return self._lines(f"{k}={v}" for k, v in self.position.items())
        if action in ("setPosition", "setRelativePosition"):
            new = {
                "pan": flt(0, 360)(p.get("pan", self.position["pan"])),
                "tilt": flt(0, 90)(p.get("tilt", self.position["tilt"])),
                "zoom": flt(0, 30)(p.get("zoom", self.position["zoom"])),
            }
            self.position.update(new)
            return self._ok("OK" if action == "setPosition" else "Ok")  # "Ok" is verbatim
        if action == "getPositionRange":
            # GUESS: the seed's keys are garbled ("P anmax=360"); cleaned spelling.
            return self._lines(
                ["Panmax=360", "Panmin=0", "Tiltmax=90", "Tiltmin=0", "Zoommin=0", "Zoommax=30"]
            )
        if action == "3DPosition":
            rng(-100, 100)(p.get("PontX", ""))
            rng(-100, 100)(p.get("PontY", ""))
            flt(-40000, 40000)(p.get("ZoomRate", "1"))
            return self._ok()
        if action == "heating":
            _B(p.get("HeatingSwitch", ""))
            return self._ok()
        raise CgiError(-23)

    def _ptz_tour(self, action: str, p: dict[str, str]) -> web.Response:
        if action == "tourAddBegin":
            rng(0, 4)(p.get("tourID", ""))
            self._tour_draft = []
        elif action == "tourAddPreset":
            pid = int(rng(1, 400)(p.get("presetID", "")))
            secs = int(rng(1, 255)(p.get("time", "")))
            spd = int(rng(1, 8)(p["speed"])) if "speed" in p else None
            if pid not in self.presets:
                raise CgiError(-8)  # "the preset must already exist"
            self._tour_draft.append((pid, secs, spd))
        elif action == "tourAddEnd":
            tid = int(rng(0, 4)(p.get("tourID", "")))
            self.tours[tid] = (p.get("tourName", str(tid)), list(self._tour_draft))
            self._tour_draft = []
        elif action in ("tourRun", "tourStop"):
            if "tourID" in p or action == "tourRun":
                rng(0, 4)(p.get("tourID", ""))
        elif action == "tourDelete":
            self.tours.pop(int(rng(0, 4)(p.get("tourID", ""))), None)
        else:
            raise CgiError(-23)
        return self._ok()

    # ================================================================ media

    async def _video(self, req: _Req) -> web.StreamResponse:
        t = req.type.lower()  # "type is not case sensitive"
        if t == "rtsp":
            cam = self._camera(req, allow_zero=True)
            stream = _param_int(req, "streamID", 1, 1, 3)
            ip = _local_ip(req.request, self.host)
            return self._ok(f"rtsp://{ip}:{self.rtsp_port}/snl/live/{cam}/{stream}")
        if t == "http":
            if self.variant != "ipc":
                raise CgiError(-22)  # HTTP live video is IPC only
            self._camera(req)
            if req.params.get("mjpegplay") != "1":
                raise CgiError(-506)  # GUESS: no H.264-over-HTTP in the simulator
            return await self._mjpeg_stream(req)
        raise CgiError(-22)

    async def _mjpeg_stream(self, req: _Req) -> web.StreamResponse:
        client = await self._open_stream(req)
        self._mjpeg_clients.add(client)

        async def pump() -> None:
            try:
                while not client.gone():
                    await self._write(client, self._part(self.snapshot_jpeg, "image/jpeg"))
                    try:
                        out = await asyncio.wait_for(client.queue.get(), self.mjpeg_interval)
                    except TimeoutError:
                        continue
                    if out.kind == "close":
                        return
            except (ConnectionError, RuntimeError):
                return

        task = self.spawn(pump())
        try:
            await asyncio.wait({task})
        finally:
            self._mjpeg_clients.discard(client)
            task.cancel()
            client.abort()
        return client.response

    async def _image(self, req: _Req) -> web.StreamResponse:
        snap_form = req.type.lower() == "snap"
        if self.variant != "ipc" and not snap_form:
            raise CgiError(-23)  # GUESS: NVR/lite need type=snap&streamID=
        if req.type and not snap_form:
            raise CgiError(-22)
        self._camera(req, online=True)
        _param_int(req, "quality", None, 1, 9)  # "Required parameter"
        if snap_form:
            _param_int(req, "streamID", 1, 1, 3)
        self.snapshots += 1
        response = web.Response(body=self.snapshot_jpeg, content_type="image/jpeg")
        response.headers["Cache-Control"] = "no-cache"
        response.headers["Contact"] = "no-cache"  # sic, verbatim header
        response.force_close()  # "Connection: close" as in the seed
        return response

    # ================================================================ operate/record/...

    async def _operate(self, req: _Req) -> web.StreamResponse:
        if req.action == "restart":
            cam = self._camera(req, allow_zero=True)
            if self.variant == "nvr" and cam > 0:
                return self._ok()  # restarts the channel's camera, not the NVR
            self.simulate_reboot()
            return self._ok()
        if req.action == "reset":
            self._dangerous(req)
            if "keepIpAddress" in req.params:
                try:
                    _B(req.params["keepIpAddress"])
                except _Bad:
                    raise CgiError(-8) from None
            return self._ok()
        if req.action == "format":
            return self._format(req)
        raise CgiError(-23)

    def _format(self, req: _Req) -> web.Response:
        self._dangerous(req)
        raw = req.params.get("diskID", req.params.get("diskId", ""))
        try:
            disk_id = _int(raw)
        except _Bad:
            raise CgiError(-8) from None
        # GUESS: diskID=0 (record.cgi example) means every disk.
        targets = [d for d in self.disks.values() if disk_id in (0, d.disk_id) and d.status != 0]
        if not targets:
            raise CgiError(-109)  # "Disk does not exist"
        for disk in targets:
            disk.free, disk.status = disk.total, 1
        return self._ok()

    async def _record(self, req: _Req) -> web.StreamResponse:
        if req.action == "format":
            return self._format(req)
        if req.action == "query":
            self._camera(req)
            return self._lines(["resultCount=0"])  # "resultCount=0 when nothing is found"
        raise CgiError(-23)

    async def _system(self, req: _Req) -> web.StreamResponse:
        # Templates put securityParam on system.cgi, the examples on param.cgi.
        if req.type.lower() == "securityparam":
            if req.action == "get":
                return self._security_get(req)
            if req.action == "set":
                return self._security_set(req)
        raise CgiError(-22)

    async def _upgrade(self, req: _Req) -> web.StreamResponse:
        self._dangerous(req)
        if req.action == "get" and req.type.lower() == "updatestatus":
            return self._ok()  # "If OK is Returned, it means there is enough space."
        raise CgiError(-22)


_SENSOR_TYPES = frozenset(
    {
        "imaging",
        "defogging",
        "scenemode",
        "wbmode",
        "noisereduction",
        "enhanceimage",
        "sensormode",
        "daynight",
        "exposure",
        "infraredlight",
    }
)


def _param_int(req: _Req, key: str, default: int | None, lo: int, hi: int) -> int:
    raw = req.params.get(key, req.params.get(key[0].upper() + key[1:]))
    if raw is None:
        if default is None:
            raise CgiError(-8)
        return default
    try:
        return int(rng(lo, hi)(raw))
    except _Bad:
        raise CgiError(-8) from None


def _basic_credentials(request: web.Request) -> tuple[str, str] | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic" or not token:
        return None
    try:
        user, sep, password = (
            base64.b64decode(token.strip(), validate=True).decode("utf-8").partition(":")
        )
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


def _local_ip(request: web.Request, fallback: str) -> str:
    # The device reports its own address; the socket's local end is the closest match.
    transport = request.transport
    sockname = transport.get_extra_info("sockname") if transport is not None else None
    if isinstance(sockname, tuple) and sockname:
        return str(sockname[0])
    return fallback


def _not_found() -> web.Response:
    body = (
        b"<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1></body></html>"
    )
    return web.Response(status=404, body=body, content_type="text/html")
