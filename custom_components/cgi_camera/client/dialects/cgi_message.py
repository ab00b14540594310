"""The ``cgi_message`` dialect (seed 004): ``/cgi/<area>_get|_set|_query?Group=…``.

Wire facts this module relies on (004 §2-§3; the seed is the authority):
- Answers are an XML ``<Message>`` envelope: ``<Header class>``, ``<result code>``
  (2xx ok, 4xx client, 5xx server error; carried *inside* HTTP 200), then one
  element per group whose children hold one typed value (``<int>``/``<string>``).
- Some answers lack ``</Message>`` (004 §2.3.1.2 example 2): parsed with recovery.
- §3 prints answers as value lines (``Successfully`` then one value per line, in a
  fixed order). Where the seed prints that order, it is parsed as a fallback.
- ``_query`` reports ranges: ``a ... b`` every value between, ``a, b`` only those,
  empty = read-only, missing = not supported. Read once at set-up; the seed's
  tables are the fallback when a query fails.
- Set templates mark every parameter optional and the examples set one at a time
  ("Set Contrast"), so a write sends only the changed parameter, plus the partner
  the seed's examples always send with it (``ICRSwitch`` + ``ICRTimer`` ...).
- The seed never says how to log in; HTTP 401 is listed and a ``DigestLogin``
  group exists. The login first asks ``DeviceInfo`` without credentials (the
  fingerprint's answer is reused): an answer means an open device (the login proves
  nothing), a 401 names the scheme. Digest is answered when offered; Basic only when
  it is the only scheme and the device did not use Digest before (``auth_hint``).
- Capabilities are probed in the seed's documented order and only a clear "not
  supported" (result 501, HTTP 404) ends a chain early; an ambiguous failure
  (timeout, 5xx, another result code, garbage, 401/403 after the login) asks the
  next documented probe (``_get`` -> ``_query?Group=<group>`` -> ``_query?Group=All``).
- Spelling conflicts: the URL templates' spelling is sent, either is read.
- The ONVIF port is NetPortInfo's "Onvif Port" (``netport_get``, 004 §3.10.1; 8999 in
  the example), read once at set-up like any optional probe.
- Never called: factory reset (``ResetFlag=1``), SD format (``RecordDevice``),
  ``user_*``, ``rs485_*`` (UART), serial/MAC/network writes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
from itertools import pairwise
import logging
import re
from typing import Any
import weakref

import aiohttp
from multidict import CIMultiDictProxy

from ..camera import JPEG_MAGIC, Camera, Fingerprint
from ..contract import Clock, PtzControl, declare_detections
from ..digest import best_digest, parse_challenges
from ..errors import (
    AuthDowngrade,
    AuthError,
    CommandError,
    NotSupported,
    ProtocolError,
    Timeout,
    UnsupportedDevice,
)
from ..limits import MAX_PRESETS, cap_count
from ..models import (
    UNKNOWN_STATE,
    Action,
    DeviceInfo,
    PresetOp,
    PtzCapabilities,
    PtzMove,
    Setting,
    SettingKey,
    SettingKind,
    StreamKind,
    normalize_mac,
)
from ..numbers import leading_int
from ..safe_xml import Element, attrs, parse_xml, text
from ..tables import MISSING, Cadence, Codec, Field, Group, Table
from ..transport import SNAPSHOT_LIMIT, Credentials, Transport

_LOGGER = logging.getLogger(__name__)

DIALECT = "cgi_message"
CHANNEL = "1"  # every example addresses channel 1; these are single-sensor cameras
_OK_WORD = "successfully"
_ANNOTATION_RE = re.compile(r"\s*-{2,}>.*$")
# A number a camera may report: bounded, so no range or value can become inf.
_NUMBER_RE = re.compile(r"^-?[0-9]{1,15}(?:\.[0-9]{1,15})?$")
# HTTP 401/403 answers tolerated from discovery probes after a good login before
# the refusal counts as the login's: each may be a failed login on the device.
_REFUSALS_AT_SETUP = 2
_DEVICE_INFO_QUERY = (("Group", "DeviceInfo"),)
# Schemes the login can end with; "none" is an open device that never asked.
_OPEN = "none"

# Names the seed spells two ways: URL-template spelling -> other spellings (read only).
SPELLINGS: dict[str, tuple[str, ...]] = {
    "AudioVolume": ("Volume",),  # 004 §3.4.1 get label vs §3.4.2 example
    "ScenceSelect": ("SceneSelect",),  # sic in every template
    "BLCLLevel": ("BLCLevel",),  # §3.8.2.2 template vs §3.8.5 table
    "SerialNum": ("SerialNumber", "Serial"),
    "SoftwareVersion": ("SWVersion", "Firmware", "Version", "SoftVersion"),
    "Mac": ("MAC", "MacAddress"),
    "SDStatus": ("Status", "SDStatusFlag"),
    "Signal": ("WifiSignal", "SignalStrength"),
}

# 004 §3.5.1 RecordDevice "SD status flag" -> the shared SD card states ("0 dev off,
# 1 dev on": the storage device, not the card).
SD_STATUS = {
    "0": "storage_off", "1": "storage_on", "2": "removed", "3": "formatting", "4": "mounted",
    "5": "unmounted", "6": "write_protected", "7": "uninitialized", "8": "mounting",
    "9": "unmounting",
}

# Plain-format value order, exactly as 004 §3.1.1 prints DeviceInfo.
_DEVICE_INFO_PLAIN = ("DeviceID", "SoftwareVersion", "SerialNum", "Mac")
# ... and as 004 §3.10.1 prints NetPortInfo ("8999 ---> Onvif Port"); the names are
# the §3.10.2 set parameters.
_NET_PORT_PLAIN = ("HttpPort", "VideoPort", "RtspPort", "OnvifPort", "RecordPort")


def lookup[V](values: Mapping[str, V], name: str) -> V | None:
    """``values[name]`` under any of its spellings, case-insensitively."""
    names = (name, *SPELLINGS.get(name, ()))
    for candidate in names:
        if candidate in values:
            return values[candidate]
    folded = {k.lower(): v for k, v in values.items()}
    for candidate in names:
        if candidate.lower() in folded:
            return folded[candidate.lower()]
    return None




@dataclass(frozen=True, slots=True)
class Range:
    """One ``_query`` answer for a parameter (004 §2.3.1.2 remarks)."""

    read_only: bool = False
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None  # 'a, b' form: only these

    @classmethod
    def parse(cls, raw: str) -> Range:
        value = raw.strip()
        if not value:
            return cls(read_only=True)
        parts = [p.strip().strip('"').strip() for p in value.replace("...", ",...,").split(",")]
        parts = [p for p in parts if p]
        numbers = [float(p) for p in parts if _NUMBER_RE.match(p)]
        if "..." in parts:
            # 'a ... b', also the tables' mixed '0, 1, 2 ... 240': everything between.
            if len(numbers) >= 2:
                return cls(low=min(numbers), high=max(numbers))
            return cls()
        if len(parts) == 1 and not numbers:
            return cls()  # 'valid string', 'string': free text
        return cls(
            low=min(numbers) if numbers else None,
            high=max(numbers) if numbers else None,
            choices=tuple(parts),
        )


class _Codec(Codec):
    """Values as typed elements (or plain lines), names under any spelling."""

    checks_range = True  # the _query range is the device's own word on it

    def lookup(self, values: Mapping[str, Any], name: str) -> Any:
        found = lookup(values, name)
        return MISSING if found is None else found

    def decode(self, fld: Field, raw: Any, values: Mapping[str, Any]) -> Any:
        value = super().decode(fld, raw, values)
        if fld.key is K.SD_FREE:  # the device reports the used space: free is derived
            return super().decode(fld, lookup(values, "TotalSpace") or "", values) - value
        return value

    def plain_decode(self, fld: Field, raw: str) -> Any:
        if fld.kind is SettingKind.BOOL:
            return raw.strip() == "1"
        if fld.kind is SettingKind.NUMBER:
            return leading_int(raw)
        if fld.kind is SettingKind.ENUM and fld.options is not None:
            return fld.options.get(raw.strip())
        return raw.strip()

    def plain_encode(self, fld: Field, value: Any) -> str:
        if fld.kind is SettingKind.BOOL:
            return "1" if value else "0"
        if fld.kind is SettingKind.ENUM and fld.options is not None:
            return str(fld.wire_option(value))
        return str(round(float(value)))


def reported_setting(fld: Field, found: Range | None) -> Setting | None:
    """The setting as this device reports it; None when it is read-only here."""
    if found is not None and found.read_only and fld.writable:
        return None  # the device says get-only: no control for it
    low, high, step = fld.minimum, fld.maximum, 1.0
    options = tuple(fld.options.values()) if fld.options else ()
    if found is not None and fld.kind is SettingKind.NUMBER and found.low is not None:
        low, high = found.low, found.high
        step = _step(found.choices) or 1.0
    if found is not None and fld.kind is SettingKind.ENUM and fld.options:
        narrowed = tuple(
            option for wire, option in fld.options.items() if _allows(found, wire)
        )
        options = narrowed or options
    return Setting(
        key=fld.key, kind=fld.kind, minimum=low, maximum=high, step=step,
        options=options, unit=fld.unit,
    )


def _step(choices: tuple[str, ...] | None) -> float | None:
    """The spacing of an evenly spaced 'a, b, c' list (a number can express it)."""
    if not choices or len(choices) < 2 or not all(_NUMBER_RE.match(c) for c in choices):
        return None
    values = sorted(float(c) for c in choices)
    steps = {b - a for a, b in pairwise(values)}
    step = steps.pop() if len(steps) == 1 else None
    return step if step else None  # a repeated value ('5, 5') is no step at all


def _allows(found: Range, wire: str) -> bool:
    if found.choices is not None:
        return wire in found.choices
    if found.low is not None and found.high is not None and _NUMBER_RE.match(wire):
        return found.low <= float(wire) <= found.high
    return True


@dataclass(frozen=True, slots=True, kw_only=True)
class _Group(Group):
    """One ``<area>_get/_set`` group; a set sends the value and its partners only."""

    area: str  # camera -> camera_get / camera_set / camera_query
    name: str  # Group=
    channel: bool = True  # the seed's URLs for this group carry Channel=
    # Value order of the seed's plain-format example; None = none printed.
    plain: tuple[str, ...] | None = None
    # The documented ``<area>_query`` groups that may report this group, asked in
    # order (None in it: the area's bare query); None = the group itself, then All.
    queries: tuple[str | None, ...] | None = None

    @property
    def query_chain(self) -> tuple[str | None, ...]:
        return (self.name, "All") if self.queries is None else self.queries

    @property
    def writable(self) -> bool:
        return any(fld.writable for fld in self.fields)


def _group(area: str, name: str, fields: tuple[Field, ...], **extra: Any) -> _Group:
    return _Group(area=area, name=name, fields=fields, **extra)


def _sw(key: SettingKey, param: str, *, partners: tuple[str, ...] = ()) -> Field:
    return Field(key=key, name=param, kind=SettingKind.BOOL, partners=partners)


def _num(key: SettingKey, param: str, lo: int, hi: int) -> Field:
    return Field(key=key, name=param, kind=SettingKind.NUMBER, minimum=lo, maximum=hi)


def _enum(
    key: SettingKey, param: str, options: Mapping[str, str], *, partners: tuple[str, ...] = ()
) -> Field:
    return Field(key=key, name=param, kind=SettingKind.ENUM, options=options, partners=partners)


def _value(
    key: SettingKey, param: str, parse: Callable[[str], Any] | None = None,
    unit: str | None = None, options: Mapping[str, str] | None = None,
) -> Field:
    return Field(key=key, name=param, kind=SettingKind.VALUE, writable=False, unit=unit,
                 decode=parse, options=options)


def _uptime(raw: str) -> timedelta:
    return timedelta(seconds=leading_int(raw))  # 004 §3.1.1 "661 --->UpTime": seconds


K = SettingKey
GROUPS: tuple[_Group, ...] = (
    _group("camera", "BasicInfo", (  # 004 §3.8.4
        _sw(K.MIRROR, "MirrorHor"),
        _sw(K.FLIP, "MirrorVer"),
        _sw(K.WDR, "WDRSwitch"),
        _num(K.WDR_LEVEL, "WDRLevel", 0, 255),
        _sw(K.DEFOG, "AFGSwitch"),
        _sw(K.STABILIZATION, "DISSwitch"),
        _enum(K.WHITE_BALANCE, "WBMode", {"0": "auto", "1": "manual"}),
    )),
    _group("camera", "ExposureInfo", (  # 004 §3.8.5
        _enum(K.EXPOSURE_MODE, "ExposureMode",
              {"0": "auto", "1": "shutter_priority", "2": "manual"}),
        _enum(K.SCENE_MODE, "ScenceSelect", {"0": "outdoor", "1": "indoor"},
              partners=("ExposureMode",)),
        # "0 = out control": switched by an external signal, not by the camera.
        _enum(K.DAY_NIGHT_MODE, "ICRSwitch",
              {"0": "external", "1": "night", "2": "day", "3": "auto"},
              partners=("ICRTimer",)),
        _sw(K.BACKLIGHT_COMPENSATION_ENABLED, "BLCSwitch", partners=("BLCLLevel",)),
    )),
    _group("image", "ImageInfo", (  # 004 §3.3.4: Hue's 0 ... 255 applies to all rows
        _num(K.BRIGHTNESS, "Brightness", 0, 255),
        _num(K.CONTRAST, "Contrast", 0, 255),
        _num(K.SATURATION, "Saturation", 0, 255),
        _num(K.SHARPNESS, "Sharpness", 0, 255),
        _num(K.HUE, "Hue", 0, 255),
        _num(K.NOISE_REDUCTION, "Denoise", 0, 255),
        # PAL sensors run at 50 Hz, NTSC at 60 Hz: the anti-flicker choice.
        _enum(K.POWER_FREQUENCY, "Format", {"0": "50hz", "1": "60hz"}),
    )),
    _group("audio", "AudioInfo", (  # 004 §3.4.4
        _sw(K.AUDIO, "AudioEnable"),
        _num(K.VOLUME, "AudioVolume", 0, 9),
    ), plain=("AudioCodec", "AudioEnable", "AudioVolume", "SampleRate")),
    _group("alarm", "MDInfo", (  # 004 §3.13.4; its set URL is lost, the get's is used
        _sw(K.MOTION_DETECTION, "MDEnable"),
        _num(K.MOTION_SENSITIVITY, "MDSensitivity", 1, 100),
    ), plain=("Channel", "MDEnable", "MDSensitivity", "MDArea")),
    _group("record", "RecordControl", (  # 004 §3.5.4: Mode = manual recording
        _sw(K.RECORDING, "Mode"),
    ), plain=("Loop", "Mode", "StreamType", "Event", "Lenght")),
    _group("record", "RecordDevice", (  # 004 §3.5.1; no query documented
        _value(K.SD_CARD_STATUS, "SDStatus",
               lambda raw: SD_STATUS.get(raw.strip(), UNKNOWN_STATE), options=SD_STATUS),
        _value(K.SD_TOTAL, "TotalSpace", leading_int, "MB"),
        # Derived: total minus "UsedSpace" (see _Codec.decode).
        _value(K.SD_FREE, "UsedSpace", leading_int, "MB"),
    ), plain=("Channel", "TotalSpace", "UsedSpace", "SDStatus", "WriteProtect"),
        queries=("All",), cadence=Cadence.CONFIG),  # record_query lists "All and RecordControl"
    _group("sys", "TimeInfo", (
        _value(K.BOOT_TIME, "UpTime", _uptime),
    ), channel=False, queries=("All",),  # sys_query's only example is Group=All
        plain=("TimeMethod", "CameraTime", "UpTime", "DaylightEnable", "TimeZone",
               "NTPServerIP"), cadence=Cadence.CONFIG),
    _group("wifi", "WifiInfo", (
        _value(K.WIFI_SIGNAL, "Signal", leading_int),
    ), channel=False, queries=(None,),  # 004 §3.12.4: a bare wifi_query
        plain=("enable", "Mode", "SSID", "password", "Signal", "AutoMode", "WifiChannel",
               "Protocol"), cadence=Cadence.CONFIG),
)

_TIME_INFO = next(g for g in GROUPS if g.name == "TimeInfo")

# 004 §3.6.4 PTZCtrlInfo Direction.
_DIRECTIONS: dict[PtzMove, str] = {
    PtzMove.UP: "1", PtzMove.DOWN: "2", PtzMove.LEFT: "3", PtzMove.RIGHT: "4",
    PtzMove.UP_LEFT: "5", PtzMove.DOWN_LEFT: "6", PtzMove.UP_RIGHT: "7",
    PtzMove.DOWN_RIGHT: "8",
}
_LENS: dict[PtzMove, tuple[str, str]] = {
    PtzMove.ZOOM_IN: ("Zoom", "1"), PtzMove.ZOOM_OUT: ("Zoom", "0"),
    PtzMove.FOCUS_NEAR: ("Focus", "1"), PtzMove.FOCUS_FAR: ("Focus", "0"),
    PtzMove.IRIS_OPEN: ("Iris", "1"), PtzMove.IRIS_CLOSE: ("Iris", "0"),
}
# SpeedInfo's 1 ... 8, the narrower of the seed's two speed ranges (0 ... 63 in
# PTZCtrlInfo): safe on either kind of head when ptz_query cannot say.
_SPEED_FALLBACK = (1, 8)
# ptz_get groups that prove a head when no ptz_query can say (004 §3.6.1), in the
# seed's order of confidence. ProtocolInfo is left out: it configures the RS-485
# link, which a fixed camera has as well.
_PTZ_PROOFS = ("SpeedInfo", "PTZCtrlInfo", "PresetNameInfo", "TourInfo")
_PRESET_FALLBACK = (1, 255)  # 004 §3.6.4 PresetNumber 1...255


@dataclass(slots=True)
class _Reply:
    """A decoded answer: one group's values (first block), by element name."""

    values: dict[str, str] = field(default_factory=dict)
    xml: bool = True
    # Every data block of an XML answer (``_query?Group=All`` has one per group).
    blocks: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def block(self, name: str) -> dict[str, str] | None:
        """The values of the block called ``name`` (any case); None when absent."""
        for tag, values in self.blocks:
            if tag.lower() == name.lower():
                return values
        return None


class _PlainOrderUnknown(ProtocolError):
    """A plain ``Successfully`` answer whose value order the seed never printed."""


class _Probe(Enum):
    """How a discovery probe ended when it brought nothing to read."""

    ABSENT = "not supported"  # result 501 or HTTP 404: the chain ends here
    UNCLEAR = "no clear answer"  # timeout, 5xx, other result codes, garbage: ask on
    REFUSED = "refused"  # HTTP 401/403 after a good login: ask on, never re-read it
    UNREADABLE = "unreadable"  # plain lines in an undocumented order: no query helps


def _check_http(status: int) -> None:
    if status in (401, 403):
        raise AuthError(f"HTTP {status}")
    if status == 404:
        raise NotSupported("no such CGI on this device")
    if status != 200:
        raise ProtocolError(f"HTTP {status}")


def _check_result(root: Element) -> None:
    """Map ``<result code>`` (application codes, inside HTTP 200) onto the taxonomy."""
    result = root.find("result")
    if result is None:
        return
    code = attrs(result).get("code", "")
    if not code or code.startswith("2"):
        return
    message = f"camera answered {code[:8]} {text(result)[:80]}".strip()
    if code == "501":  # "Feature does not support by server"
        raise NotSupported(message)
    raise CommandError(message, reason=code[:8])


def _tag(element: Element) -> str | None:
    """The element's name; None for entity references and the like."""
    tag: object = element.tag
    return tag if isinstance(tag, str) else None


def _data_blocks(root: Element) -> list[Element]:
    return [c for c in root if _tag(c) not in (None, "Header", "result")]


def _group_element(blocks: list[Element], group: str | None) -> Element | None:
    if group is not None:
        for block in blocks:
            if str(_tag(block)).lower() == group.lower():
                return block
    # Some firmware may name the block differently: take the only data block.
    return blocks[0] if blocks else None


def _values(block: Element | None) -> dict[str, str]:
    values: dict[str, str] = {}
    if block is None:
        return values
    for child in block:
        name = _tag(child)
        if name is None or name in values:
            continue
        typed = [t for t in child if _tag(t) is not None]
        values[name] = text(typed[0]) if typed else text(child)
    return values


def plain_lines(body: bytes) -> list[str]:
    """Value lines without the seed's ``--->label`` notes and blank lines."""
    lines = (_ANNOTATION_RE.sub("", line).strip() for line in body.decode(
        "utf-8", errors="replace").splitlines())
    return [line for line in lines if line]


def decode(
    status: int, body: bytes, group: str | None, plain: Sequence[str] | None
) -> _Reply:
    """One answer -> the group's values, or the error it means."""
    _check_http(status)
    data = body.strip()
    if not data:
        raise ProtocolError("empty answer")
    if data.startswith(b"<"):
        root = parse_xml(data)
        if root.tag != "Message":
            raise ProtocolError(f"not a <Message> document: <{str(root.tag)[:40]}>")
        _check_result(root)
        blocks = _data_blocks(root)
        return _Reply(
            _values(_group_element(blocks, group)),
            blocks=[(str(_tag(b)), _values(b)) for b in blocks],
        )
    lines = plain_lines(data)
    if not lines:
        raise ProtocolError("empty answer")
    if not _ok_line(lines[0]):
        # The plain form has no code, only the description (004 §2.3.1.3).
        raise CommandError(f"camera answered {lines[0][:80]!r}", reason=lines[0][:80])
    if plain is None:
        raise _PlainOrderUnknown(f"no documented value order for {group} in the plain format")
    return _Reply(dict(zip(plain, lines[1:], strict=False)), xml=False)


def is_message(body: bytes) -> bool:
    """True for a ``<Message>`` envelope or the seed's plain ``Successfully`` answer."""
    data = body.strip()
    if not data:
        return False
    if data.startswith(b"<"):
        try:
            root = parse_xml(data)
        except ProtocolError:
            return False
        return root.tag == "Message" and root.find("Header") is not None
    lines = plain_lines(data)
    return bool(lines) and _ok_line(lines[0])


def _ok_line(line: str) -> bool:
    # Queries print everything on one line: "Successfully 1 0, 1 1 ... 100 ..."
    return line.split(None, 1)[0].lower() == _OK_WORD


def _offered_scheme(headers: CIMultiDictProxy[str]) -> str:
    """``digest`` when a 401 offers a Digest we answer, else ``basic`` (a bare 401 too).

    The same choice the transport makes, so the login starts where it would end.
    """
    offered = [c for value in headers.getall("WWW-Authenticate", [])
               for c in parse_challenges(value)]
    return "digest" if best_digest(offered) is not None else "basic"


# What the credential-less fingerprint of a host saw ("none" = answered, "digest" or
# "basic" = the scheme its 401 offered), kept for the login that follows on the same
# transport: the login then neither asks again nor sends Basic to a Digest device.
_FINGERPRINTED: weakref.WeakKeyDictionary[Transport, str] = weakref.WeakKeyDictionary()


async def _first_jpeg(resp: aiohttp.ClientResponse, limit: int) -> bytes:
    """The first complete JPEG (SOI to EOI) of a multipart MJPEG body, within ``limit``.

    The seed documents no boundary, so the frame is found by its markers.
    """
    buffer = bytearray()
    start = -1
    scanned = 0  # where the next search starts (one byte back: a marker may be split)
    while len(buffer) <= limit:
        chunk = await resp.content.read(16 * 1024)
        if not chunk:
            break
        buffer += chunk
        if start < 0:
            start = buffer.find(JPEG_MAGIC, scanned)
            if start < 0:
                del buffer[:-1]
                scanned = 0
                continue
            scanned = start + 2
        end = buffer.find(b"\xff\xd9", scanned)
        if end >= 0:
            return bytes(buffer[start:end + 2])
        scanned = max(len(buffer) - 1, start + 2)
    raise ProtocolError("the MJPEG stream carried no complete JPEG frame")


class CgiMessageCamera(Camera, PtzControl, Clock):
    """A camera speaking the cgi_message dialect."""

    dialect = DIALECT
    family = "Message CGI camera"  # what sets it apart: the <Message> envelope of /cgi/

    def __init__(
        self, transport: Transport, credentials: Credentials, *, auth_hint: str | None = None
    ) -> None:
        super().__init__(transport, credentials, auth_hint=auth_hint)
        self._device: dict[str, str] = {}
        self._table: Table[_Group] = Table(self, self.capabilities, _Codec(),
                                           self._fetch, self._store)
        self._queries: dict[tuple[str, str | None], _Reply | _Probe] = {}
        self._open = False  # DeviceInfo answered without credentials
        self._refusals_left = _REFUSALS_AT_SETUP
        self._probe_timeout: Timeout | None = None
        self._jpeg_missing = False  # /jpgimage answered 404: stills come from MJPEG

    # -- detection and login ------------------------------------------------------

    # Usually behind HTTP authentication (401: "maybe").
    fingerprint_rank = 40

    @classmethod
    async def fingerprint(cls, transport: Transport) -> Fingerprint:
        # The cheapest read of all (004 §3.1.1); unauthenticated, so never a login.
        resp = await transport.get("/cgi/sys_get", _DEVICE_INFO_QUERY)
        anonymous = transport.auth_mode is None
        if resp.status == 401:
            if anonymous:
                _FINGERPRINTED[transport] = _offered_scheme(resp.headers)
            # Many web servers demand a login for every path: it could be us.
            return Fingerprint.MAYBE
        if resp.status == 200 and is_message(resp.body):
            if anonymous:
                _FINGERPRINTED[transport] = _OPEN
            return Fingerprint.YES
        return Fingerprint.NO

    @property
    def auth_scheme(self) -> str | None:
        return _OPEN if self._open else self.transport.auth_scheme

    async def _login(self) -> None:
        if self.auth_hint == "basic":
            # Basic worked last time: preemptive, as these cameras' own clients do
            # (a Digest challenge still moves the transport to Digest for good).
            self.transport.use_auth(self.credentials, "basic")
            self._device = await self._device_info()
            return
        scheme = _FINGERPRINTED.pop(self.transport, None)
        values: dict[str, str] | None = None
        if scheme is None:
            scheme, values = await self._ask_anonymously()
        if scheme == "basic" and self.auth_hint == "digest":
            # What answers there now wants the password in clear where the camera
            # used Digest before: not sent (it may not be the camera at all).
            raise self._refused("the device asks for Basic authentication but used Digest "
                                "before; the password is not sent in clear", AuthDowngrade)
        # Digest, or an open device: credentials only ever answer a Digest challenge.
        self.transport.use_auth(self.credentials, "basic" if scheme == "basic" else "digest")
        if scheme == _OPEN:
            # DeviceInfo answered without any credentials: this login proved nothing.
            self._open = True
            self.login_verified = False
        self._device = values if values is not None else await self._device_info()

    async def _ask_anonymously(self) -> tuple[str, dict[str, str] | None]:
        """DeviceInfo without credentials: ``none`` and its values, or the 401's scheme."""
        self.transport.auth_mode = None  # this one request carries no credentials
        resp = await self.transport.get("/cgi/sys_get", _DEVICE_INFO_QUERY)
        if resp.status in (401, 403):
            return _offered_scheme(resp.headers), None
        return _OPEN, self._device_values(resp.status, resp.body)

    async def _device_info(self) -> dict[str, str]:
        resp = await self.transport.get("/cgi/sys_get", _DEVICE_INFO_QUERY)
        return self._device_values(resp.status, resp.body)

    @staticmethod
    def _device_values(status: int, body: bytes) -> dict[str, str]:
        try:
            return decode(status, body, "DeviceInfo", _DEVICE_INFO_PLAIN).values
        except (NotSupported, ProtocolError) as err:
            # Reached after a "maybe" fingerprint: this host is something else.
            raise UnsupportedDevice(f"no cgi_message device: {err}") from err

    # -- requests -------------------------------------------------------------------

    async def _call(
        self,
        cgi: str,
        group: str | None,
        params: Sequence[tuple[str, str]] = (),
        *,
        channel: bool,
        plain: Sequence[str] | None = (),
    ) -> _Reply:
        """One CGI call. ``plain`` names the values of a plain-format answer in order;
        the default accepts one without reading it (set echoes), None refuses it."""
        query: list[tuple[str, str]] = [("Channel", CHANNEL)] if channel else []
        if group is not None:
            query.append(("Group", group))
        query.extend(params)
        resp = await self.transport.get(f"/cgi/{cgi}", query)
        return decode(resp.status, resp.body, group, plain)

    async def _get(self, group: _Group) -> _Reply:
        return await self._call(
            f"{group.area}_get", group.name, channel=group.channel, plain=group.plain
        )

    async def _probe(
        self, cgi: str, group: str | None, *, channel: bool, plain: Sequence[str] | None
    ) -> _Reply | _Probe:
        """One discovery request: its answer, or how it failed (see :class:`_Probe`).

        Other connection failures than a timeout raise: the camera went away, and
        the set-up is retried rather than missing whatever was asked next.
        """
        try:
            return await self._call(cgi, group, channel=channel, plain=plain)
        except NotSupported as err:
            verdict, reason = _Probe.ABSENT, str(err)
        except _PlainOrderUnknown as err:
            verdict, reason = _Probe.UNREADABLE, str(err)
        except AuthError as err:
            if self._refusals_left <= 0:
                raise
            self._refusals_left -= 1
            verdict, reason = _Probe.REFUSED, str(err)
        except Timeout as err:
            self._probe_timeout = err
            verdict, reason = _Probe.UNCLEAR, str(err)
        except (CommandError, ProtocolError) as err:
            verdict, reason = _Probe.UNCLEAR, str(err)
        _LOGGER.debug("%s: %s?Group=%s: %s (%s)", self, cgi, group, verdict.value, reason)
        return verdict

    async def _query(self, area: str, group: str | None) -> _Reply | _Probe:
        """``<area>_query`` for ``group`` (None: the bare query), asked once."""
        key = (area, group)
        if key not in self._queries:
            self._queries[key] = await self._probe(
                f"{area}_query", group, channel=False, plain=None
            )
        return self._queries[key]

    async def _ranges(
        self, area: str, name: str, chain: Sequence[str | None]
    ) -> dict[str, Range] | _Probe:
        """The ranges the documented queries report for group ``name``.

        Asked along ``chain`` until one names the group's values; a clear "not
        supported" or an unreadable (plain) answer ends it early.
        """
        for group in chain:
            answer = await self._query(area, group)
            if answer is _Probe.ABSENT or answer is _Probe.UNREADABLE:
                return answer
            if not isinstance(answer, _Reply):
                continue  # ambiguous: the next documented query
            values = answer.values if group == name else answer.block(name)
            if values:  # an empty answer says nothing: ask the next one
                return {param: Range.parse(raw) for param, raw in values.items()}
        return _Probe.UNCLEAR

    # -- discovery --------------------------------------------------------------------

    async def _identify(self) -> None:
        values = self._device
        mac = normalize_mac(lookup(values, "Mac"))
        serial = lookup(values, "SerialNum") or None
        self.info = DeviceInfo(
            dialect=DIALECT,
            mac=mac,
            # The serial is writable (004 §3.1.2.2): shown, never the identity.
            serial=serial if mac else None,
            model=lookup(values, "DeviceID") or None,
            firmware=lookup(values, "SoftwareVersion") or None,
            extra={"serial": serial} if serial and not mac else {},
        )

    async def _discover(self) -> None:
        for group in GROUPS:
            await self._discover_group(group)
        if not self._table.groups() and self._probe_timeout is not None:
            # Nothing answered in time: the camera is busy or gone, not featureless.
            raise self._probe_timeout
        await self._discover_ptz()
        await self._discover_onvif_port()
        self.capabilities.actions |= {Action.REBOOT, Action.SYNC_TIME}
        if any(g.area == "camera" for g in self._table.groups()):
            self.capabilities.actions.add(Action.RESET_IMAGE)
        # Only ONVIF reports them (no alarm state in this CGI): entities once it does.
        declare_detections(self.capabilities)

    async def _discover_group(self, group: _Group) -> None:
        answer = await self._probe(
            f"{group.area}_get", group.name, channel=group.channel, plain=group.plain
        )
        if answer in (_Probe.ABSENT, _Probe.UNREADABLE, _Probe.REFUSED):
            # Refused: reading it at every refresh could count as failed logins.
            return
        read = answer.values if isinstance(answer, _Reply) else {}
        ranges: dict[str, Range] | None = None
        if group.writable or not read:
            found = await self._ranges(group.area, group.name, group.query_chain)
            ranges = found if isinstance(found, dict) else None
        # An ambiguous get is not the last word: a query naming the group vouches
        # for it (its values come with the next read that succeeds).
        present: Mapping[str, object] = read or ranges or {}
        taken: list[tuple[Field, Setting]] = []
        for fld in group.fields:
            if lookup(present, fld.param) is None:
                continue
            found_range = lookup(ranges, fld.param) if ranges is not None else None
            if ranges is not None and found_range is None and fld.writable:
                continue  # the query omits it: "not supported" (004 §2.3.1.2 remark 2)
            setting = reported_setting(fld, found_range)
            if setting is not None:
                taken.append((fld, setting))
        # The get's answer: the first read takes it as it is (none: asked then).
        self._table.adopt(group, taken, values=read or None)

    async def _discover_ptz(self) -> None:
        found = await self._ranges("ptz", "PTZCtrlInfo", ("PTZCtrlInfo", "All"))
        if found is _Probe.ABSENT:
            return  # 501 "Feature does not support" or no ptz CGI at all: no head
        if isinstance(found, dict):
            ranges = found
        elif await self._ptz_get_answers():
            ranges = {}  # no usable query (plain firmware, refusals): the seed's defaults
        else:
            return
        moves = {PtzMove.STOP}
        if not ranges or "Direction" in ranges:
            moves |= set(_DIRECTIONS)
        for move, (param, _wire) in _LENS.items():
            if not ranges or param in ranges:
                moves.add(move)
        speed = ranges.get("PanSpeed")
        low, high = _SPEED_FALLBACK
        if speed is not None and speed.low is not None and speed.high is not None:
            # A speed of 0 would not move at all: 1 is the slowest that does.
            low, high = max(1, int(speed.low)), max(1, int(speed.high))
        preset_min, preset_max = self._preset_range(ranges.get("PresetNumber"))
        self.capabilities.ptz = PtzCapabilities(
            moves=frozenset(moves), speed_min=low, speed_max=high,
            preset_min=preset_min, preset_max=preset_max,
        )
        self.capabilities.actions.add(Action.PTZ_STOP)
        if not ranges or "AutoScan" in ranges:
            self.capabilities.actions.add(Action.PTZ_AUTO_SCAN)

    async def _discover_onvif_port(self) -> None:
        """``netport_get`` NetPortInfo's Onvif port (004 §3.10.1), when it answers."""
        answer = await self._probe(
            "netport_get", "NetPortInfo", channel=True, plain=_NET_PORT_PLAIN
        )
        if not isinstance(answer, _Reply):
            return
        raw = lookup(answer.values, "OnvifPort") or lookup(answer.values, "Onvif") or ""
        try:
            port = leading_int(raw)
        except ValueError:
            _LOGGER.debug("%s: no ONVIF port in NetPortInfo (%r)", self, raw[:40])
            return
        if 0 < port < 65536:  # 0 (or past 65535) names no port
            self.capabilities.onvif_ports = [port]

    async def _ptz_get_answers(self) -> bool:
        """Whether any documented ptz_get group answers (proof of a head)."""
        for group in _PTZ_PROOFS:
            answer = await self._probe("ptz_get", group, channel=True, plain=())
            if isinstance(answer, _Reply):
                return True
            if answer is _Probe.ABSENT:
                return False
        return False

    def _preset_range(self, found: Range | None) -> tuple[int, int]:
        """The presets a goto may name: the query's range, capped (limits.py)."""
        if found is None or found.low is None or found.high is None:
            return _PRESET_FALLBACK
        low = max(1, int(found.low))
        count = cap_count(self, "PTZ presets", int(found.high) - low + 1, MAX_PRESETS)
        return (low, low + count - 1) if count else _PRESET_FALLBACK

    # -- settings ---------------------------------------------------------------------

    async def _fetch(self, group: _Group, channel: int | None) -> dict[str, str]:
        return (await self._get(group)).values

    async def _store(self, group: _Group, channel: int | None,
                     params: list[tuple[str, str]]) -> dict[str, str] | None:
        answer = await self._call(f"{group.area}_set", group.name, params,
                                  channel=group.channel)
        return answer.values if answer.xml else None  # the echo names what changed

    # -- actions ----------------------------------------------------------------------

    async def _press(self, action: Action) -> None:
        if action is Action.REBOOT:
            # ResetFlag=0 is "reboot only"; IPkeep=1 keeps the network settings even
            # if a firmware misread the flag (the seed's own example wipes them).
            await self._call("sys_set", "SystemInfo", (("ResetFlag", "0"), ("IPkeep", "1")),
                             channel=False)
        elif action is Action.SYNC_TIME:
            # CameraTime is UTC seconds (004 §3.1.1 "CameraTime UTC"); TimeMethod is
            # mandatory, 0 = set manually. The device keeps its own time zone.
            now = int(datetime.now(UTC).timestamp())
            await self._call("sys_set", "TimeInfo",
                             (("TimeMethod", "0"), ("CameraTime", str(now))), channel=False)
        elif action is Action.RESET_IMAGE:
            await self._call("camera_set", "ResetInfo", channel=True)
        elif action is Action.PTZ_AUTO_SCAN:
            await self._ptz((("AutoScan", "1"),))
        elif action is Action.PTZ_STOP:
            await self.ptz_move(PtzMove.STOP)

    async def _read_clock(self) -> datetime | None:
        raw = lookup((await self._get(_TIME_INFO)).values, "CameraTime")
        try:
            return datetime.fromtimestamp(leading_int(raw or ""), UTC)  # "CameraTime UTC"
        except (ValueError, ArithmeticError, OSError) as err:
            raise ProtocolError(f"unreadable CameraTime {(raw or '')[:40]!r}") from err

    async def _ptz(self, params: Sequence[tuple[str, str]]) -> None:
        await self._call("ptz_set", "PTZCtrlInfo", params, channel=True)

    async def _ptz_move(self, move: PtzMove, speed: int) -> None:
        if move is PtzMove.STOP:
            await self._ptz((("Stop", "0"),))
        elif move in _DIRECTIONS:
            await self._ptz((("Direction", _DIRECTIONS[move]), ("PanSpeed", str(speed)),
                             ("TiltSpeed", str(speed))))
        else:
            await self._ptz((_LENS[move],))

    async def _ptz_preset(self, op: PresetOp, preset: int) -> None:
        if op is PresetOp.REMOVE:
            raise NotSupported("the device documents no way to delete a preset")
        # Preset=0 saves, 1 calls (004 §3.6.2.5).
        await self._ptz((("PresetNumber", str(preset)),
                         ("Preset", "1" if op is PresetOp.GOTO else "0")))

    # -- media ------------------------------------------------------------------------

    async def _snapshot(self, stream: StreamKind) -> bytes:
        """``/jpgimage`` (004 §3.15.1); else the first frame of the MJPEG stream (§3.15.2)."""
        if not self._jpeg_missing:
            resp = await self.transport.get(
                f"/jpgimage/{CHANNEL}/image.jpg", limit=SNAPSHOT_LIMIT
            )
            if resp.status == 200 and resp.body.startswith(JPEG_MAGIC):
                return resp.body
            if resp.status in (401, 403):
                raise AuthError(f"snapshot refused (HTTP {resp.status})")
            # 404 for good: later stills come from the stream without asking again.
            self._jpeg_missing = resp.status == 404
            _LOGGER.debug("%s: /jpgimage answered HTTP %s without a JPEG; trying MJPEG",
                          self, resp.status)
        return await self._mjpeg_frame()

    async def _mjpeg_frame(self) -> bytes:
        resp = await self.transport.open_stream(
            self.transport.url(f"/mjpgstreamreq/{CHANNEL}/image.jpg")
        )
        try:
            _check_http(resp.status)
            with self.transport.errors():
                return await _first_jpeg(resp, SNAPSHOT_LIMIT)
        finally:
            resp.close()

    def mjpeg_url(self, stream: StreamKind) -> str:
        return f"{self.transport.base_url}/mjpgstreamreq/{CHANNEL}/image.jpg"

    def rtsp_candidates(self, stream: StreamKind, port: int) -> list[str]:
        # The seed documents no RTSP path; these are what this family's clients use.
        base = f"rtsp://{self.transport.host}:{port}/{CHANNEL}"
        if stream is StreamKind.SUB:
            return [f"{base}/h264minor", f"{base}/minor_sjkd"]
        return [f"{base}/h264major", f"{base}/major_sjkd"]
