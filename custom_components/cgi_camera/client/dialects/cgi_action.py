"""The ``cgi_action`` dialect (seed 003): ``/action/cgi_action?user=&pwd=<md5>&action=&json=``.

Wire facts relied on (seed 003, digest ``cgi-action.md``; the seed is the authority):
- Credentials ride on every request: ``user`` and ``pwd`` = lower-case hex MD5 of the
  password (the only example is md5("123456")). No session, no HTTP auth.
- Every answer is HTTP 200, chunked, without a Content-Type. Failures are the plain
  text bodies ``error user/pwd`` and ``error json`` (bad JSON *or* unknown action);
  everything else is one JSON object: the action's keys, then an envelope of ``code``,
  ``device_mac``, ``deviceID`` and (not always) ``device_id``, ``log`` or ``message``,
  ``device_ip`` and sometimes ``sign_tby``. Duplicate keys occur: the last one wins.
- "You can set the value of one parameter or all parameters": a set is still sent as
  the whole group just read back, so firmware that resets omitted keys loses nothing.
- Only ``getIOAlarmIn`` reports an alarm state; MQTT / HTTP "platform" push is
  configurable but its payload is undocumented, so it is shown read-only.
- Not in the seed: some firmware refuses the GET form and accepts ``POST
  /action/<action>`` with the JSON as body. Tried once at login, then kept.
- Never built here (telnet, arbitrary file read/write, factory reset, storage format,
  password/user management): the request helpers refuse those names outright.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
import hashlib
import json
import logging
import time
from typing import Any

from ..camera import JPEG_MAGIC, Camera, Fingerprint
from ..errors import (
    AuthError,
    CameraError,
    CommandError,
    NotSupported,
    ProtocolError,
    UnsupportedDevice,
)
from ..fields import SettingField
from ..models import (
    Action,
    AlarmKind,
    AlarmSource,
    DeviceInfo,
    PresetOp,
    PtzCapabilities,
    PtzMove,
    SettingKey,
    SettingKind,
    State,
    StreamKind,
    normalize_mac,
)
from ..transport import SNAPSHOT_LIMIT, Credentials, Response, Transport

_LOGGER = logging.getLogger(__name__)

DIALECT = "cgi_action"
PATH = "/action/cgi_action"
SNAPSHOT_PATH = "/action/cgi_images"
AUTH_BODY = "error user/pwd"
JSON_BODY = "error json"
ENVELOPE = frozenset(
    {"code", "device_mac", "deviceID", "device_id", "device_ip", "log", "message", "sign_tby"}
)
# The one place these names exist: every request is checked against them (telnet and
# the two path names guard the POST form, whose path is /action/<action>).
FORBIDDEN = frozenset({
    "telnet", "reset", "devsFormat", "setPasswd", "getPlatformConfFile", "setPlatformConfFile",
    "addUser", "delUser", "modifyUser", "setUser", "cgi_action", "cgi_images",
})

# 003 §1.3, every documented code; 1-100 are libcurl errors (the device as a client).
CODES: dict[int, str] = {
    -101: "the file name ID is the same",
    -102: "libraries full",
    -103: "adding a timeout",
    -104: "parameter error",
    -105: "file is too large",
    -106: "insufficient storage space",
    -107: "file open failed",
    -108: "no database",
    -109: "image reading failed",
    -110: "database file is damaged",
    -111: "picture quality is poor",
    -112: "image size is wrong",
    -113: "face detection failed",
    -114: "picture format error",
    -115: "face area error",
    -116: "algorithm creates a handle error",
    -117: "device is busy",
    -118: "file writing failed",
    -119: "deletion failed",
    -120: "failed to allocate memory",
    -121: "the list is empty",
    -122: "valid time error",
    -123: "failed to write characteristic value",
    201: "parameter does not exist",
    202: "user id already exists",
    203: "user id does not exist",
    204: "device is busy",
    205: "the parameter is invalid",
    206: "administrator password error",
    207: "picture name does not meet the rules",
    208: "no new information",
    209: "device not supported",
    210: "the file format is not supported",
    299: "no reaction",
}
AUTH_CODES = frozenset({206})
UNSUPPORTED_CODES = frozenset({209, 201})
BUSY_CODES = frozenset({204, -117})

K = SettingKey
Decode = Callable[[Any], Any]


def md5_password(password: str) -> str:
    """The ``pwd`` value: lower-case hex MD5 of the UTF-8 password (003 §1.2)."""
    return hashlib.md5(password.encode("utf-8"), usedforsecurity=False).hexdigest()


def code_error(code: int) -> CameraError:
    """The taxonomy's error for a non-zero ``code``."""
    if 1 <= code <= 100:
        return CommandError(f"the camera's network client failed (libcurl error {code})",
                            reason=str(code))
    meaning = CODES.get(code, "undocumented error")
    message = f"the camera refused the request: {meaning} (code {code})"
    if code in AUTH_CODES:
        return AuthError(message)
    if code in UNSUPPORTED_CODES:
        return NotSupported(message)
    return CommandError(message, reason="busy" if code in BUSY_CODES else str(code))


def decode(resp: Response) -> dict[str, Any]:
    """One answer -> its JSON object (envelope included), or the taxonomy's error."""
    if resp.status == 404:
        raise NotSupported("no such action path on this device")
    if resp.status != 200:
        raise ProtocolError(f"HTTP {resp.status}")
    text = resp.text().strip()
    if text == AUTH_BODY:
        raise AuthError("the camera refused the login (error user/pwd)")
    if text == JSON_BODY:
        raise ProtocolError("the camera answered 'error json' (bad request or unknown action)")
    try:
        data = json.loads(text)  # duplicate keys: the last one wins, as the seed needs
    except ValueError as err:
        raise ProtocolError("the answer is neither JSON nor a known error") from err
    if not isinstance(data, dict) or "code" not in data:
        raise ProtocolError("the answer lacks the cgi_action envelope")
    code = _int(data.get("code"), -1)
    if code != 0:
        raise code_error(code)
    return data


def payload(data: Mapping[str, Any]) -> dict[str, Any]:
    """The action's own keys, without the envelope."""
    return {k: v for k, v in data.items() if k not in ENVELOPE}


async def _post(transport: Transport, action: str, body: str, **extra: Any) -> Response:
    """The POST form: ``/action/<action>`` with the JSON as body, no credentials."""
    return await transport.request(
        "POST", f"/action/{action}", data=body.encode(),
        headers={"Content-Type": "application/json"}, **extra,
    )


@dataclass(frozen=True, slots=True)
class _Field(SettingField):
    """One setting inside a get/set action pair."""

    key: SettingKey
    name: str  # the JSON key
    kind: SettingKind
    minimum: float | None = None
    maximum: float | None = None
    options: Mapping[int, str] | None = None  # wire value -> vocabulary option
    unit: str | None = None
    decode: Decode | None = None

    def read(self, raw: Any) -> Any:
        if self.decode is not None:
            return self.decode(raw)
        if raw is None:
            return None
        if self.kind is SettingKind.BOOL:
            return _int(raw, 0) != 0
        if self.kind is SettingKind.NUMBER:
            return _int(raw, 0)
        if self.options is not None:
            return self.options.get(_int(raw, -1))
        return raw

    def write(self, value: Any) -> int:
        if self.kind is SettingKind.BOOL:
            return 1 if value else 0
        if self.options is not None:
            return int(self.wire_option(value))
        number = round(float(value))
        if (self.minimum is not None and number < self.minimum) or (
            self.maximum is not None and number > self.maximum
        ):
            raise CommandError(f"{value!r} is outside the range of {self.key}")
        return number


@dataclass(frozen=True, slots=True)
class _Group:
    """A get action (and its set action, if writable) and the settings it carries."""

    get: str
    fields: tuple[_Field, ...]
    set: str | None = None
    # Keys the get reports but the set does not take (003 tables).
    readonly: frozenset[str] = frozenset()
    # Nested answers -> the flat keys the fields name.
    flatten: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    poll: bool = True  # False: read at set-up only (versions)


def _sw(key: SettingKey, name: str) -> _Field:
    return _Field(key, name, SettingKind.BOOL)


def _num(key: SettingKey, name: str, lo: float, hi: float) -> _Field:
    return _Field(key, name, SettingKind.NUMBER, lo, hi)


def _enum(key: SettingKey, name: str, options: Mapping[int, str]) -> _Field:
    return _Field(key, name, SettingKind.ENUM, options=options)


def _value(key: SettingKey, name: str, unit: str | None = None,
           decode: Decode | None = None) -> _Field:
    return _Field(key, name, SettingKind.VALUE, unit=unit, decode=decode)


def _text(raw: Any) -> str | None:
    """Empty strings (unset addresses) read as unknown rather than as ''."""
    return str(raw).strip() or None if raw is not None else None


# 003 §32.1 storage status -> the SD vocabulary param_cgi uses too.
STORAGE_STATUS = {-1: "no_card", 0: "no_card", 1: "normal", 2: "unformatted",
                  3: "formatting", 4: "abnormal"}
STORAGE_SD = 5  # 003 §32.1 device type 5 = SD
# 003 §14.3 (3 and 4 are both "disabled" in the seed; 0 appears in its example).
WIFI_STATUS = {1: "not_enabled", 2: "connected", 3: "disabled", 4: "disabled",
               5: "not_connected"}
# 003 §23.3 color_black: 0 COLOR, 1 Auto, 2 Black and White.
DAY_NIGHT = {0: "day", 1: "auto", 2: "night"}
# 003 §23.3 led_control "IR Control": 0 Auto, 1 Open, 2 Close.
IR_MODE = {0: "auto", 1: "on", 2: "off"}
# 003 §23.3 anti_flicker: 0 close, 1 auto, 2 50HZ, 3 60HZ.
ANTI_FLICKER = {0: "off", 1: "auto", 2: "50hz", 3: "60hz"}


def _storage(data: dict[str, Any]) -> dict[str, Any]:
    """``devs[]`` -> the SD card's (else the first device's) numbers; none = no card."""
    devs = [d for d in data.get("devs") or [] if isinstance(d, dict)]
    dev = next((d for d in devs if _int(d.get("type"), -1) == STORAGE_SD), devs[0] if devs
               else None)
    if dev is None:
        return {"total_storage": None, "remaining_storage": None, "status": -1}
    return {"total_storage": dev.get("total_storage"),
            "remaining_storage": dev.get("remaining_storage"), "status": dev.get("status")}


def _storage_status(raw: Any) -> str:
    return STORAGE_STATUS.get(_int(raw, 99), "unknown")


def _wifi_status(raw: Any) -> str:
    return WIFI_STATUS.get(_int(raw, 0), "unknown")


def _opt_int(raw: Any) -> int | None:
    return None if raw is None else _int(raw, 0)


# The alarm sections repeat the name of the section in a read-only key (003 §26-§27).
_ALARM_RO = frozenset({"alarm_name"})
GROUPS: tuple[_Group, ...] = (
    _Group("getMotionDetConf", (
        _sw(K.MOTION_DETECTION, "md_enable"), _num(K.MOTION_SENSITIVITY, "md_sensitivity", 1, 5),
    ), set="setMotionDetConf", readonly=_ALARM_RO),
    _Group("getAlarmInConf", (_sw(K.ALARM_INPUT, "alarm_enable"),),
           set="setAlarmInConf", readonly=_ALARM_RO),
    _Group("getODAlarmConf", (_sw(K.OCCLUSION_DETECTION, "alarm_enable"),),
           set="setODAlarmConf", readonly=_ALARM_RO),
    # The seed gives the region alarm the motion key names (003 §30); taken as written.
    _Group("getRegInvConf", (
        _sw(K.REGION_DETECTION, "md_enable"), _num(K.REGION_SENSITIVITY, "md_sensitivity", 1, 5),
    ), set="setRegInvConf", readonly=_ALARM_RO),
    _Group("getIVSConf", (
        _sw(K.FIRE_DETECTION, "enable"), _num(K.FIRE_SENSITIVITY, "sensitivity", 1, 5),
    ), set="setIVSConf", readonly=_ALARM_RO),
    _Group("getAencConf", (
        _sw(K.AUDIO, "enable"), _num(K.MICROPHONE_VOLUME, "volume_in", 0, 15),
        _num(K.VOLUME, "volume_out", 0, 15),
    ), set="setAencConf"),
    _Group("getImageAdjustment", (
        _num(K.HUE, "hue", 0, 255), _num(K.BRIGHTNESS, "brightness", 0, 255),
        _num(K.CONTRAST, "contrast", 0, 255), _num(K.SATURATION, "saturation", 0, 255),
        _num(K.SHARPNESS, "sharpness", 0, 255), _num(K.GAMMA, "gamma", 0, 255),
        _num(K.BACKLIGHT_COMPENSATION, "blc_level", 0, 255), _sw(K.DEFOG, "antiFog"),
    ), set="setImageAdjustment"),
    _Group("getImageAdjustmentEx", (
        _sw(K.MIRROR, "mirror"), _sw(K.FLIP, "flip"), _sw(K.WDR, "wdr_sensor"),
        _num(K.WDR_LEVEL, "wdr_level", 0, 255),
        _sw(K.HIGHLIGHT_COMPENSATION_ENABLED, "hlc_enable"),
        _enum(K.DAY_NIGHT_MODE, "color_black", DAY_NIGHT),
        _enum(K.IR_MODE, "led_control", IR_MODE),
        _num(K.IR_BRIGHTNESS, "ir_level", 0, 255),
        _num(K.WHITE_LIGHT_BRIGHTNESS, "led_level", 0, 255),
        _enum(K.ANTI_FLICKER_MODE, "anti_flicker", ANTI_FLICKER),
        _num(K.NOISE_REDUCTION_3D, "noiseReduction", 0, 3),
        _num(K.NOISE_REDUCTION_2D, "_2DNR_level", 0, 2),
    ), set="setImageAdjustmentEx"),
    _Group("getViMask", (_sw(K.PRIVACY_MASK, "mask_enable"),), set="setViMask"),
    _Group("getStorageInfo", (
        _value(K.SD_TOTAL, "total_storage", "MB", _opt_int),
        _value(K.SD_FREE, "remaining_storage", "MB", _opt_int),
        _value(K.SD_CARD_STATUS, "status", decode=_storage_status),
    ), flatten=_storage),
    _Group("getWifiStatus", (
        _value(K.WIFI_STATUS, "status", decode=_wifi_status),
        _value(K.WIFI_SIGNAL, "signal", decode=_opt_int),
    )),
    _Group("getSysConfig", (
        _value(K.FIRMWARE_VERSION, "version", decode=_text),
        _value(K.PLATFORM_VERSION, "pf_version", decode=_text),
        _value(K.KERNEL_VERSION, "kernel_version", decode=_text),
    ), poll=False),
    # Push targets, read-only: never the passwords that share this answer.
    _Group("getPlatformServer", (
        _value(K.MQTT_SERVER, "mqtt_server", decode=_text),
        _value(K.MQTT_TOPIC, "mqtt_topic", decode=_text),
        _value(K.PLATFORM_SERVER, "serverAddr", decode=_text),
        _value(K.PLATFORM_WS_SERVER, "wsServerAddr", decode=_text),
    )),
)

# 003 §9 ptz_cmd codes. Every move runs until code 21 (stop).
PTZ_CODES: dict[PtzMove, int] = {
    PtzMove.UP: 1, PtzMove.DOWN: 2, PtzMove.LEFT: 3, PtzMove.RIGHT: 4,
    PtzMove.UP_LEFT: 71, PtzMove.DOWN_LEFT: 72, PtzMove.UP_RIGHT: 73, PtzMove.DOWN_RIGHT: 74,
    PtzMove.ZOOM_IN: 9, PtzMove.ZOOM_OUT: 10, PtzMove.FOCUS_NEAR: 5, PtzMove.FOCUS_FAR: 6,
    PtzMove.STOP: 21,
}
PTZ_SET_PRESET = 19
PTZ_GOTO_PRESET = 20  # the table's 20; the §9.2 example's 19 is a copy-paste slip
PTZ_SPEED_MAX = 100
PRESET_MAX = 100  # presets travel in speed_v, documented 1-100


class CgiActionCamera(Camera):
    """A camera speaking the cgi_action dialect."""

    dialect = DIALECT

    def __init__(
        self, transport: Transport, credentials: Credentials, *, auth_hint: str | None = None
    ) -> None:
        super().__init__(transport, credentials, auth_hint=auth_hint)
        self._pwd = md5_password(credentials.password)
        # POST /action/<action> with a JSON body instead of the GET form: decided at
        # login, then kept for this device.
        self.post_form = False
        self._groups: list[_Group] = []
        self._fields: dict[SettingKey, tuple[_Group, _Field]] = {}
        self._rtsp_port: int | None = None
        self._snapshot_b64 = False  # cgi_images gave no JPEG once: go to getFmtSnap
        self._first: dict[str, Any] = {}
        self._static: State = {}  # values read once at set-up (versions)

    # -- requests -----------------------------------------------------------------

    @classmethod
    async def fingerprint(cls, transport: Transport) -> Fingerprint:
        # No user and pwd at all: no password is judged, so it is no login attempt.
        resp = await transport.get(PATH, (("action", "getSysConfig"), ("json", "{}")))
        if resp.status == 404:
            # Firmware without the GET path may still take POST /action/<action>
            # (no credentials, so again no login attempt; digest §2 fallback).
            resp = await _post(transport, "getSysConfig", "{}")
        if resp.status != 200:
            return Fingerprint.NO
        text = resp.text().strip()
        if text in (AUTH_BODY, JSON_BODY):
            return Fingerprint.YES
        try:
            data = json.loads(text)
        except ValueError:
            return Fingerprint.NO
        if isinstance(data, dict) and "code" in data and (
            "deviceID" in data or "device_mac" in data
        ):
            return Fingerprint.YES
        return Fingerprint.NO

    async def _send(self, action: str, params: Mapping[str, Any] | None, *,
                    post: bool, limit: int | None = None) -> Response:
        if action in FORBIDDEN:
            raise NotSupported(f"{action} is never sent by this integration")
        body = json.dumps(dict(params or {}), separators=(",", ":"))
        extra: dict[str, Any] = {"limit": limit} if limit else {}
        if post:
            return await _post(self.transport, action, body, **extra)
        # Order as in every seed example: user, pwd, action, json (percent-encoded).
        query = (("user", self.credentials.username), ("pwd", self._pwd),
                 ("action", action), ("json", body))
        return await self.transport.get(PATH, query, **extra)

    async def call(self, action: str, params: Mapping[str, Any] | None = None, *,
                   limit: int | None = None) -> dict[str, Any]:
        """Run one action; its JSON answer (envelope included)."""
        self._check_refused()
        resp = await self._send(action, params, post=self.post_form, limit=limit)
        try:
            return decode(resp)
        except AuthError as err:
            raise self._refused(str(err)) from err

    async def _read(self, group: _Group) -> dict[str, Any]:
        values = payload(await self.call(group.get))
        return group.flatten(values) if group.flatten else values

    # -- session ----------------------------------------------------------------

    async def login(self) -> None:
        self._check_refused()
        try:
            data = decode(await self._send("getSysConfig", None, post=False))
        except (AuthError, ProtocolError, NotSupported) as err:
            # Some firmware answers every GET with an error yet takes POST
            # /action/<action>; that POST carries no password, so trying it is no
            # second login attempt.
            posted = await self._try_post()
            if posted is None:
                if isinstance(err, AuthError):
                    raise self._refused(str(err)) from err
                raise UnsupportedDevice(f"no cgi_action device: {err}") from err
            data = posted
            self.post_form = True
            _LOGGER.debug("%s takes POST /action/<action> only; using that", self)
        self._first = data

    async def _try_post(self) -> dict[str, Any] | None:
        try:
            return decode(await self._send("getSysConfig", {}, post=True))
        except CameraError as err:
            _LOGGER.debug("%s: POST form refused too: %s", self, err)
            return None

    async def discover(self) -> None:
        data = self._first
        system = payload(data)
        device_id = str(data.get("deviceID") or "").strip() or None
        self.info = DeviceInfo(
            dialect=DIALECT,
            mac=normalize_mac(str(data.get("device_mac") or "")),
            serial=device_id,
            name=str(system.get("dev_name") or "").strip() or None,
            firmware=str(system.get("version") or "").strip() or None,
            extra={k: str(system[k]) for k in ("pf_version", "kernel_version", "ai_version")
                   if system.get(k)},
            prefer_serial=True,
        )
        caps = self.capabilities
        caps.actions.add(Action.REBOOT)
        await self._discover_settings(system)
        if any(g.get in ("getImageAdjustment", "getImageAdjustmentEx") for g in self._groups):
            caps.actions.add(Action.RESET_IMAGE)
        if await self._answers("getDeviceTime"):
            caps.actions.add(Action.SYNC_TIME)
        if await self._answers("getIOAlarmIn"):
            # One documented input (003 §38); openDoor pulses the IO output (003 §41).
            caps.alarms.add(AlarmSource(AlarmKind.IO_INPUT, 1, 1))
            caps.actions.add(Action.OPEN_DOOR)
        # No PTZ capability query exists; the PTZ/RS-485 port settings are the hint.
        peripheral = await self._optional("getPeripheralConf")
        if peripheral is not None and "PTZ_Lock" in peripheral:
            caps.ptz = PtzCapabilities(
                moves=frozenset(PTZ_CODES), speed_min=1, speed_max=PTZ_SPEED_MAX,
                preset_min=1, preset_max=PRESET_MAX, presets=None,
            )
            caps.actions.add(Action.PTZ_STOP)
        rtsp = await self._optional("getRtspConf")
        if rtsp is not None:
            self._rtsp_port = _int(rtsp.get("rtsp_port"), 0) or None
        self.state = await self.read_state()

    async def _optional(self, action: str) -> dict[str, Any] | None:
        """The payload of an optional read; None when the device lacks it."""
        try:
            return payload(await self.call(action))
        except (NotSupported, CommandError, ProtocolError) as err:
            _LOGGER.debug("%s: %s not available (%s)", self, action, err)
            return None

    async def _answers(self, action: str) -> bool:
        return await self._optional(action) is not None

    async def _discover_settings(self, system: dict[str, Any]) -> None:
        for group in GROUPS:
            if group.get == "getSysConfig":
                values: dict[str, Any] | None = system  # read by the login already
            else:
                values = await self._optional(group.get)
                if values is not None and group.flatten:
                    values = group.flatten(values)
            if values is None:
                continue
            # An entity only for what the live answer carries (the seed's tables list
            # many keys its own examples lack).
            present = [f for f in group.fields if f.name in values]
            if not present:
                continue
            self._groups.append(group)
            for fld in present:
                self._fields[fld.key] = (group, fld)
                self.capabilities.add(fld.setting())
            if not group.poll:
                self._static.update(self._decode(group, values))

    def _decode(self, group: _Group, values: Mapping[str, Any]) -> State:
        state: State = {}
        for fld in group.fields:
            if fld.key in self._fields and fld.name in values:
                state[fld.key] = fld.read(values[fld.name])  # lenient: never raises
        return state

    # -- settings -----------------------------------------------------------------

    async def read_state(self) -> State:
        state: State = dict(self._static)
        failures: list[CameraError] = []
        polled = [g for g in self._groups if g.poll]
        for group in polled:
            try:
                state.update(self._decode(group, await self._read(group)))
            except (NotSupported, CommandError, ProtocolError) as err:
                failures.append(err)
        if polled and len(failures) == len(polled):
            raise failures[0]
        self.state = state
        return state

    async def write(self, key: SettingKey, value: Any) -> None:
        if key not in self._fields:
            raise NotSupported(f"{key} is not supported by this device")
        group, target = self._fields[key]
        if group.set is None:
            raise NotSupported(f"{key} is read-only")
        wire = target.write(value)
        # Read-modify-write: the whole group goes back, with the one value changed.
        current = payload(await self.call(group.get))
        body = {k: v for k, v in current.items() if k not in group.readonly}
        body[target.name] = wire
        await self.call(group.set, body)
        self.state = {**self.state, **self._decode(group, body)}

    # -- actions ----------------------------------------------------------------

    async def _press(self, action: Action) -> None:
        if action is Action.REBOOT:
            await self.call("restart")
        elif action is Action.OPEN_DOOR:
            await self.call("openDoor")
        elif action is Action.RESET_IMAGE:
            for group in self._groups:
                if group.get in ("getImageAdjustment", "getImageAdjustmentEx") and group.set:
                    await self.call(group.set, {"set_default": 1})
        elif action is Action.SYNC_TIME:
            await self._sync_time()
        elif action is Action.PTZ_STOP:
            await self.ptz_move(PtzMove.STOP)

    async def _sync_time(self) -> None:
        # setTime needs ntp_enable (Necessary = Y): the device's own mode, zone and
        # server go back unchanged with the current time (Unix seconds, 003 §10.2).
        current = payload(await self.call("getDeviceTime"))
        body = {k: v for k, v in current.items() if k != "deviceTime"}
        body.setdefault("ntp_enable", 0)
        body["CurTime"] = int(time.time())
        await self.call("setTime", body)

    async def read_clock(self) -> datetime | None:
        if Action.SYNC_TIME not in self.capabilities.actions:
            return None  # getDeviceTime did not answer at discovery
        raw: Any = payload(await self.call("getDeviceTime")).get("deviceTime")
        try:
            return datetime.fromtimestamp(int(raw), UTC)  # Unix seconds (003 §10.1)
        except (TypeError, ValueError, OverflowError, OSError) as err:
            raise ProtocolError(f"unreadable deviceTime {raw!r}") from err

    async def _ptz_move(self, move: PtzMove, speed: int) -> None:
        await self.call("setPtzControl", {"channel": 0, "speed_h": speed, "speed_v": speed,
                                          "ptz_cmd": PTZ_CODES[move]})

    async def _ptz_preset(self, op: PresetOp, preset: int) -> None:
        if op is PresetOp.REMOVE:
            raise NotSupported("the seed has no command to delete a preset")
        # speed_v carries the preset number for codes 19 and 20 (003 §9.1/§9.2).
        cmd = PTZ_SET_PRESET if op is PresetOp.SET else PTZ_GOTO_PRESET
        await self.call("setPtzControl", {"channel": 0, "speed_h": 50, "speed_v": preset,
                                          "ptz_cmd": cmd})

    # -- media ------------------------------------------------------------------

    async def _snapshot(self, stream: StreamKind) -> bytes:
        if not self._snapshot_b64:
            self._check_refused()
            # No credentials in the seed's example; JPEG unless fmt says otherwise.
            resp = await self.transport.get(SNAPSHOT_PATH, limit=SNAPSHOT_LIMIT)
            if resp.status == 200 and resp.body.startswith(JPEG_MAGIC):
                return resp.body
            _LOGGER.debug("%s: cgi_images gave no JPEG; using getFmtSnap from now on", self)
            self._snapshot_b64 = True
        data = payload(await self.call("getFmtSnap", limit=SNAPSHOT_LIMIT * 2))
        try:
            return base64.b64decode(str(data.get("image_base64") or ""), validate=False)
        except (binascii.Error, ValueError) as err:
            raise ProtocolError("getFmtSnap answered no base64 image") from err

    def rtsp_candidates(self, stream: StreamKind, port: int) -> list[str]:
        number = 0 if stream is StreamKind.MAIN else 1
        # The device's own rtsp_port wins over the default, a user-set port over both.
        rtsp_port = port if port != self.default_rtsp_port else (self._rtsp_port or port)
        base = f"rtsp://{self.transport.host}:{rtsp_port}"
        # stream_N per 003 §19; the av0_N aliases appear in its DESCRIBE/PLAY examples.
        return [f"{base}/stream_{number}", f"{base}/av0_{number}"]

    # -- alarms -------------------------------------------------------------------

    async def poll_alarms(self) -> dict[AlarmSource, bool]:
        if not self.capabilities.alarms:
            raise NotSupported("this device has no readable alarm state")
        data = payload(await self.call("getIOAlarmIn"))
        # The seed leaves "IO status" unexplained; non-zero is read as "in alarm".
        return {AlarmSource(AlarmKind.IO_INPUT, 1, 1): _int(data.get("status"), 0) != 0}


def _int(raw: Any, default: int) -> int:
    try:
        return int(float(str(raw).strip()))
    except (TypeError, ValueError):
        return default
