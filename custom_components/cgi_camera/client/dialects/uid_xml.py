"""The ``uid_xml`` dialect (seeds 000 v1.0.10 and 002): ``/cgi-bin/getuid`` sessions, XML.

Wire facts this module relies on (all from the seeds):
- ``getuid?username=&password=`` returns ``<uid>``; every other call carries ``uid=``
  last; the uid expires after 60 s idle, each successful call slides it, and
  ``keep_alive`` refreshes it; an expired or unknown uid is HTTP 400 ``uid error``.
- Every failure is HTTP 400 with ``<fault><value/><reason/></fault>``, often malformed.
- Get and set share one URL: no parameters besides ``uid`` reads, parameters write
  and the answer is the effective configuration.
- Seed 002 devices lack every endpoint from 000 §3.17 on; those are probed, and a
  missing one means "not supported", never an error.
- Only a clear answer ends a capability probe (HTTP 404, ``ptz="0"``); an ambiguous
  one (timeout, 5xx, garbage, a fault) asks the seed's next documented probe, and
  with none left the capability is missing until the next set-up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import Enum
import logging
import re
import time
from typing import Any

import aiohttp

from ..camera import Camera, Fingerprint
from ..clock import utc_offset, wall_clock
from ..contract import Clock, PtzControl, Recordings, declare_detections
from ..errors import AuthError, CommandError, NotSupported, ProtocolError, Timeout
from ..models import (
    UNKNOWN_STATE,
    Action,
    DeviceInfo,
    PresetOp,
    PtzCapabilities,
    PtzMove,
    Recording,
    RecordingKind,
    Setting,
    SettingKey,
    SettingKind,
    State,
    StreamKind,
    normalize_mac,
)
from ..numbers import leading_int
from ..safe_xml import Element, attrs, parse_xml, text
from ..tables import Cadence, Codec, Field, Group, Partners, Table, table_settings
from ..transport import SNAPSHOT_LIMIT, Params, Transport

_LOGGER = logging.getLogger(__name__)

DIALECT = "uid_xml"
UID_TTL = 60.0
# Refresh the uid when it has been idle this long (well before the 60 s expiry).
KEEPALIVE_AFTER = 40.0
_SESSION_REASONS = ("uid error", "error, parse uid")
_RELAY_RE = re.compile(r"status\s*=\s*(\d)")
_TZ_RE = re.compile(r"GMT\s*([+-])(\d{1,2}):?(\d{2})?")
# A number a camera may report: bounded, so nothing it sends can become inf.
_UPTIME_RE = re.compile(r"[0-9]{1,9}(?:-[0-9]{1,9}){0,3}")
_SIZE_RE = re.compile(r"[0-9]{1,18}")


def _bool(raw: str) -> bool:
    return raw.strip() == "1"




def _kib(raw: str) -> int:
    """``"125620 kB "`` -> 125620."""
    return leading_int(raw)


def _uptime(raw: str) -> timedelta:
    """``run_time="0-2-56-40"``: days-hours-minutes-seconds (the seed's example)."""
    if not _UPTIME_RE.fullmatch(raw.strip()):
        raise ValueError(f"not an uptime: {raw[:20]!r}")
    parts = [int(p) for p in raw.strip().split("-")]
    while len(parts) < 4:
        parts.insert(0, 0)
    days, hours, minutes, seconds = parts[-4:]
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


class _Codec(Codec):
    """Values as attributes: ``1``/``0`` switches, leading-digit numbers, option keys."""

    def plain_decode(self, fld: Field, raw: str) -> Any:
        if fld.kind is SettingKind.BOOL:
            return _bool(raw)
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
        if fld.kind is SettingKind.NUMBER:
            return str(round(float(value)))
        return str(value)


def _root_attrs(root: Element) -> dict[str, str]:
    return attrs(root)


def _relay_attrs(root: Element) -> dict[str, str]:
    match = _RELAY_RE.search(text(root))
    if match is None:
        raise ProtocolError("relay answer without status")
    return {"status": match.group(1)}


@dataclass(frozen=True, slots=True, kw_only=True)
class _Group(Group):
    """One get/set endpoint; a set sends every setting of the group back."""

    path: str
    set_path: str | None = None  # when the set URL differs from the get URL
    parse: Callable[[Element], dict[str, str]] = _root_attrs
    partners: Partners = Partners.FIELDS  # the seed never says a set may omit siblings


def _group(path: str, fields: tuple[Field, ...], **extra: Any) -> _Group:
    return _Group(path=path, fields=fields, **extra)


def _num(key: SettingKey, attr: str, lo: int, hi: int, param: str | None = None) -> Field:
    return Field(key=key, name=attr, set_name=param, kind=SettingKind.NUMBER, minimum=lo,
                 maximum=hi)


def _sw(key: SettingKey, attr: str, param: str | None = None) -> Field:
    return Field(key=key, name=attr, set_name=param, kind=SettingKind.BOOL)


def _value(key: SettingKey, attr: str, parse: Callable[[str], Any] | None = None,
           unit: str | None = None, options: Mapping[str, str] | None = None) -> Field:
    return Field(key=key, name=attr, kind=SettingKind.VALUE, decode=parse, unit=unit,
                 options=options)


# getDevState sd1/sd2 -> the shared SD card states. GUESS: 000 §3.25 shows only "0" and
# documents no meaning; read as 0 = no card, 1 = a card in use (the simulator's
# reading too). Any other value is unknown rather than guessed.
SD_STATE = {"0": "no_card", "1": "normal"}


def _sd_state(raw: str) -> str:
    return SD_STATE.get(raw.strip(), UNKNOWN_STATE)


K = SettingKey
GROUPS: tuple[_Group, ...] = (
    _group(
        "/cgi-bin/image",
        (
            _num(K.BRIGHTNESS, "brightness", 0, 255),
            _num(K.CONTRAST, "contrast", 0, 255),
            _num(K.SATURATION, "saturation", 0, 255),
            _num(K.SHARPNESS, "sharpness", 0, 255),
            _num(K.HIGHLIGHT_COMPENSATION, "hlc", 0, 255),
            _num(K.BACKLIGHT_COMPENSATION, "blc", 0, 255),
            _num(K.NOISE_REDUCTION_2D, "nr2d", 0, 255),
            _num(K.NOISE_REDUCTION_3D, "nr3d", 0, 255),
            Field(key=K.POWER_FREQUENCY, name="tvsystem", kind=SettingKind.ENUM,
                  options={"50": "50hz", "60": "60hz"}),
            _sw(K.ANTI_FLICKER, "antificker"),  # sic, the API's spelling
        ),
    ),
    _group(
        "/cgi-bin/motion",
        (
            _sw(K.MOTION_DETECTION, "enable"),
            _num(K.MOTION_SENSITIVITY, "sensitivity", 1, 100),
            _num(K.MOTION_THRESHOLD, "alarmthreshold", 1, 100),
            _sw(K.NIGHT_MOTION_DETECTION, "enable_nighttime"),
            _num(K.NIGHT_MOTION_SENSITIVITY, "night_sensitivity", 1, 100),
            _num(K.NIGHT_MOTION_THRESHOLD, "night_alarmthreshold", 1, 100),
        ),
    ),
    _group(
        "/cgi-bin/audioencoder",
        (
            _sw(K.AUDIO, "enable"),
            _sw(K.AUDIO_AMPLIFIER, "amplify"),
            _num(K.MICROPHONE_VOLUME, "input_volume", 1, 100),
            _num(K.VOLUME, "output_volume", 1, 100),
        ),
    ),
    # The overlay and the mounting: set up once (configuration, read every 5th refresh).
    _group("/cgi-bin/osd", (_sw(K.OSD, "enable"), _sw(K.OSD_WEEKDAY, "show_week")),
           cadence=Cadence.CONFIG),
    _group(
        "/cgi-bin/set_wdr",
        (_sw(K.WDR, "WDRMode", "enable"), _num(K.WDR_LEVEL, "WDRVValue", 0, 255, "wdr_value")),
    ),
    _group(
        "/cgi-bin/setBrightness_InfraredLamp",
        (
            _sw(K.IR_LIGHT, "infrared_lamp"),
            _num(K.IR_BRIGHTNESS, "led_Brightness", 0, 100, "setbrightness"),
        ),
    ),
    _group("/cgi-bin/set_flip", (_sw(K.FLIP, "vertical_flip"), _sw(K.MIRROR, "horizon_flip")),
           cadence=Cadence.CONFIG),
    _group(
        "/cgi-bin/getRelayStatus",
        (_sw(K.RELAY, "status"),),
        set_path="/cgi-bin/setRelayStatus",
        parse=_relay_attrs,
    ),
    _group(
        "/cgi-bin/getDevState",
        (
            _value(K.SD_CARD_STATUS, "sd1", _sd_state, options=SD_STATE),
            _value(K.SD_CARD_2_STATUS, "sd2", _sd_state, options=SD_STATE),
            _value(K.MEMORY_FREE, "MemFree", _kib, unit="kB"),
            _value(K.BOOT_TIME, "run_time", _uptime),
        ),
        cadence=Cadence.CONFIG,
    ),
)

# Write-only settings (no read form in the seed): the last written value is assumed.
_WHITE_LIGHT = Setting(K.WHITE_LIGHT, SettingKind.BOOL, assumed_state=True)
_WHITE_LIGHT_BRIGHTNESS = Setting(
    K.WHITE_LIGHT_BRIGHTNESS, SettingKind.NUMBER, 0, 100, assumed_state=True
)
_DAY_NIGHT = Setting(K.DAY_NIGHT_MODE, SettingKind.ENUM, options=("day", "night"),
                     assumed_state=True)

_MOVES: dict[PtzMove, tuple[tuple[str, str], ...]] = {
    PtzMove.LEFT: (("move_x", "-1"), ("move_y", "0")),
    PtzMove.RIGHT: (("move_x", "1"), ("move_y", "0")),
    PtzMove.UP: (("move_x", "0"), ("move_y", "1")),
    PtzMove.DOWN: (("move_x", "0"), ("move_y", "-1")),
    PtzMove.UP_LEFT: (("move_x", "-1"), ("move_y", "1")),
    PtzMove.UP_RIGHT: (("move_x", "1"), ("move_y", "1")),
    PtzMove.DOWN_LEFT: (("move_x", "-1"), ("move_y", "-1")),
    PtzMove.DOWN_RIGHT: (("move_x", "1"), ("move_y", "-1")),
}
_LENS: dict[PtzMove, tuple[str, str]] = {
    PtzMove.ZOOM_IN: ("zoom", "1"),
    PtzMove.ZOOM_OUT: ("zoom", "-1"),
    PtzMove.FOCUS_NEAR: ("focus", "1"),
    PtzMove.FOCUS_FAR: ("focus", "-1"),
    PtzMove.IRIS_OPEN: ("iris", "1"),
    PtzMove.IRIS_CLOSE: ("iris", "-1"),
}
_PRESET_PARAM = {PresetOp.GOTO: "call_preset", PresetOp.SET: "add_preset",
                 PresetOp.REMOVE: "delete_preset"}


def _fault(root: Element) -> str:
    """The reason of a ``<fault>`` (or the text of a fault-less error body)."""
    reason = root.find("reason")
    if reason is not None:
        return text(reason)[:200]
    return text(root)[:200] or str(root.tag)[:40]


class _Probe(Enum):
    """How a discovery probe ended when it brought no document to read."""

    ABSENT = "not on this firmware"  # HTTP 404: the chain ends here
    FAULT = "refused"  # the CGI's own <fault>: it exists, but said no
    UNCLEAR = "no clear answer"  # timeout, 5xx, garbage, HTTP 401/403: ask on


def _failed(answer: Element | _Probe) -> bool:
    """A probe that neither answered nor said "not here" (404)."""
    return answer is _Probe.FAULT or answer is _Probe.UNCLEAR


def _device_time(text_: str, zone: tzinfo) -> datetime:
    """A device wall-clock time (in ``zone``) as an aware UTC time."""
    try:
        return wall_clock(text_).replace(tzinfo=zone).astimezone(UTC)
    except (ValueError, ArithmeticError) as err:  # year 10**20, or year 1 minus 8 h
        raise ProtocolError(f"impossible device time {text_[:40]!r}") from err


class UidXmlCamera(Camera, PtzControl, Recordings, Clock):
    """A camera speaking the uid_xml dialect."""

    dialect = DIALECT
    family = "XML CGI camera"  # what sets it apart: XML answers to /cgi-bin/ with a uid

    def __init__(
        self, transport: Transport, credentials: Any, *, auth_hint: str | None = None
    ) -> None:
        super().__init__(transport, credentials, auth_hint=auth_hint)
        self._uid: str | None = None
        self._generation = 0  # bumps on every login, so concurrent retries log in once
        self._last_ok = 0.0
        self._login_lock = asyncio.Lock()
        self._table: Table[_Group] = Table(self, self.capabilities, _Codec(),
                                           self._fetch, self._store)
        self._gen000 = False
        self._listed: dict[str, None] = {}  # recording paths listed (an ordered set)
        self._probe_timeout: Timeout | None = None

    # -- detection ------------------------------------------------------------

    # One request, a sure answer either way (the open getinfo, or 002's fault).
    fingerprint_rank = 10

    @classmethod
    async def fingerprint(cls, transport: Transport) -> Fingerprint:
        # 000 firmware answers <info oem mac_address/> without login; 002 answers a
        # <fault> naming the CGI path. Both prove the dialect, neither is a login.
        resp = await transport.get("/cgi-bin/getinfo")
        try:
            root = parse_xml(resp.body)
        except ProtocolError:
            return Fingerprint.NO
        if resp.status == 200 and root.tag == "info":
            return Fingerprint.YES
        value = root.find("value")
        if resp.status == 400 and root.tag == "fault" and text(value).startswith("/cgi-bin/"):
            return Fingerprint.YES
        return Fingerprint.NO

    # -- session ----------------------------------------------------------------

    async def _login(self) -> None:
        resp = await self.transport.get(
            "/cgi-bin/getuid",
            (("username", self.credentials.username), ("password", self.credentials.password)),
        )
        if resp.status in (400, 401, 403):
            reason = _fault(parse_xml(resp.body)) if resp.body.strip() else ""
            raise self._refused(f"login refused: {reason or resp.status}")
        root = self._document(resp.status, resp.body)
        uid = text(root) if root.tag == "uid" else ""
        if not uid:
            raise ProtocolError("getuid answered without a uid")
        self._uid = uid
        self._generation += 1
        self._last_ok = time.monotonic()

    async def _relogin(self, generation: int) -> None:
        async with self._login_lock:
            if generation == self._generation:
                _LOGGER.debug("Session of %s expired; logging in again", self)
                await self.login()

    async def close(self) -> None:
        self._uid = None

    async def housekeeping(self) -> None:
        """Keep the uid alive when idle near its expiry (cheap no-op otherwise)."""
        if self._uid is None or time.monotonic() - self._last_ok < KEEPALIVE_AFTER:
            return
        await self._call("/cgi-bin/keep_alive")

    def _document(self, status: int, body: bytes) -> Element:
        if status == 404:
            raise NotSupported("endpoint not available on this firmware")
        if status in (401, 403):
            raise AuthError(f"HTTP {status}")
        if status >= 500:
            raise ProtocolError(f"HTTP {status}")
        if not body.strip():
            raise ProtocolError(f"empty answer (HTTP {status})")
        root = parse_xml(body)
        if status == 400 or root.tag == "fault":
            raise CommandError(f"camera refused: {_fault(root)}", reason=_fault(root))
        if status != 200:
            raise ProtocolError(f"HTTP {status}")
        return root

    async def _call(
        self, path: str, params: Sequence[tuple[str, str]] = (), *, limit: int | None = None
    ) -> Element:
        """One CGI call with the session uid; re-login once on ``uid error``."""
        body = await self._call_raw(path, params, limit=limit)
        return self._document(*body)

    async def _call_raw(
        self, path: str, params: Sequence[tuple[str, str]] = (), *, limit: int | None = None
    ) -> tuple[int, bytes]:
        for attempt in (1, 2):
            if self._uid is None:
                await self._relogin(self._generation)
            generation = self._generation
            query: Params = (*params, ("uid", self._uid or ""))
            resp = await (
                self.transport.get(path, query, limit=limit)
                if limit
                else self.transport.get(path, query)
            )
            if resp.status == 400 and attempt == 1 and self._session_fault(resp.body):
                await self._relogin(generation)
                continue
            if resp.status < 400:
                self._last_ok = time.monotonic()
            return resp.status, resp.body
        raise AuthError("session refused right after login")  # pragma: no cover

    @staticmethod
    def _session_fault(body: bytes) -> bool:
        try:
            reason = _fault(parse_xml(body)).lower()
        except ProtocolError:
            return False
        return reason in _SESSION_REASONS

    # -- discovery --------------------------------------------------------------

    async def _probe(
        self, path: str, params: Sequence[tuple[str, str]] = ()
    ) -> Element | _Probe:
        """One discovery request: its document, or how it failed (see :class:`_Probe`).

        A refused login (the session's, latched) and connection failures other than
        a timeout raise: the camera went away, and the set-up is retried.
        """
        try:
            return await self._call(path, params)
        except NotSupported as err:
            verdict, reason = _Probe.ABSENT, str(err)
        except CommandError as err:
            verdict, reason = _Probe.FAULT, str(err)
        except AuthError as err:
            if self.auth_refused is not None:
                raise
            verdict, reason = _Probe.UNCLEAR, str(err)  # HTTP 401/403: not the uid's
        except Timeout as err:
            self._probe_timeout = err
            verdict, reason = _Probe.UNCLEAR, str(err)
        except ProtocolError as err:
            verdict, reason = _Probe.UNCLEAR, str(err)
        _LOGGER.debug("%s: %s: %s (%s)", self, path, verdict.value, reason)
        return verdict

    async def _identify(self) -> None:
        info = await self._probe("/cgi-bin/getinfo")
        values = attrs(info) if isinstance(info, Element) else {}
        if "oem" in values or "mac_address" in values:
            self._gen000 = True  # 000 §3.3 added them; 002's getinfo has neither
        model = values.get("oem")
        found = await self._probe("/cgi-bin/getmodel")
        if isinstance(found, Element):
            model = text(found)[:64] or model
            self._gen000 = True
        self.info = DeviceInfo(
            dialect=DIALECT,
            mac=await self._mac(values, unclear=_failed(info)),
            serial=values.get("sn") or None,
            model=model or None,
            manufacturer=None,
            firmware=values.get("filesystem") or None,
            extra={"kernel": values.get("kernel", "")},
        )

    async def _discover(self) -> None:
        await self._discover_settings()
        if not self._table.groups() and self._probe_timeout is not None:
            # Nothing answered in time: the camera is busy or gone, not featureless.
            raise self._probe_timeout
        await self._discover_extras()
        # Only ONVIF reports them (no alarm state in this CGI): entities once it does.
        declare_detections(self.capabilities)

    async def _mac(self, info: Mapping[str, str], *, unclear: bool) -> str | None:
        """The MAC: getinfo's (000), else the network settings' (002), else the
        getinfo 000 answers without a session.

        Raises when every probe failed and one of them ambiguously: the identity
        must not change because a probe failed (the set-up is retried instead).
        """
        mac = normalize_mac(info.get("mac_address"))
        if mac is not None:
            return mac
        network = await self._probe("/cgi-bin/network")
        if isinstance(network, Element):
            mac = normalize_mac(attrs(network).get("macaddr"))
        unclear = unclear or _failed(network)
        if mac is None:
            mac, unanswered = await self._mac_without_session()
            if mac is None and (unclear or unanswered):
                raise self._probe_timeout or ProtocolError(
                    "the camera's MAC address could not be read")
        return mac

    async def _mac_without_session(self) -> tuple[str | None, bool]:
        """000 §3.3: getinfo without uid shows oem and MAC. (MAC, whether unclear)."""
        try:
            resp = await self.transport.get("/cgi-bin/getinfo")
            root = self._document(resp.status, resp.body)
        except NotSupported:
            return None, False
        except CommandError:
            return None, False  # 002: "error, parse uid"
        except Timeout as err:
            self._probe_timeout = err
            return None, True
        except (ProtocolError, AuthError) as err:
            _LOGGER.debug("%s: getinfo without a session: %s", self, err)
            return None, True
        if root.tag == "info":
            self._gen000 = True
        return normalize_mac(attrs(root).get("mac_address")), False

    async def _discover_settings(self) -> None:
        for group in GROUPS:
            answer = await self._probe(group.path)
            if not isinstance(answer, Element):
                continue  # one read form each: nothing else to ask
            try:
                values = group.parse(answer)
            except ProtocolError as err:
                _LOGGER.debug("%s: %s unreadable (%s)", self, group.path, err)
                continue
            if not self._table.adopt(group, table_settings(
                    [f for f in group.fields if f.name in values]), values=values):
                continue
            if group.path == "/cgi-bin/getDevState":
                self._gen000 = True

    async def _discover_extras(self) -> None:
        c = self.capabilities
        c.actions.add(Action.REBOOT)
        clock = await self._probe("/cgi-bin/time")
        if isinstance(clock, Element):  # syncing and recordings need the zone it reports
            self._utc_offset = _tz_offset(attrs(clock))
            c.actions.add(Action.SYNC_TIME)
        if self._gen000:
            # setManualInputAlarm has no harmless read form; 000-era firmware has it.
            c.actions.add(Action.TRIGGER_ALARM)
            # Asked without its date it only complains: proof enough that it exists.
            c.recordings = await self._exists("/cgi-bin/get_record_query")
        # Probing with no parameters is safe: the seed says both demand parameters.
        if await self._exists("/cgi-bin/set_led"):
            c.add(_WHITE_LIGHT)
            c.add(_WHITE_LIGHT_BRIGHTNESS)
            self._table.assumed[K.WHITE_LIGHT_BRIGHTNESS] = 100
        if await self._exists("/cgi-bin/set_ircut"):
            c.add(_DAY_NIGHT)
        if await self._has_ptz():
            c.ptz = PtzCapabilities(
                moves=frozenset(_MOVES) | frozenset(_LENS) | {PtzMove.STOP},
                speed_min=1,
                speed_max=10,
                preset_min=1,
                preset_max=255,
            )
            c.actions.add(Action.PTZ_STOP)

    async def _has_ptz(self) -> bool:
        """getcapabilities' ``ptz`` flag (000/002 §3.4); when it cannot say, whether the
        head takes ``stop`` (§3.15: the one PTZ command that moves nothing)."""
        caps = await self._probe("/cgi-bin/getcapabilities")
        if caps is _Probe.ABSENT:
            return False
        flag = attrs(caps).get("ptz") if isinstance(caps, Element) else None
        if flag in ("0", "1"):
            return flag == "1"
        stop = await self._probe("/cgi-bin/ptz_ctrl", (("stop", "1"),))
        return isinstance(stop, Element) and stop.tag == "ptz_ctrl" and text(stop) == "true"

    async def _exists(self, path: str) -> bool:
        """Whether ``path`` is there: anything but a 404 says so (these CGIs have no
        harmless read, and complain without their parameters)."""
        return await self._probe(path) is not _Probe.ABSENT

    # -- settings -----------------------------------------------------------------

    async def _fetch(self, group: _Group, channel: int | None) -> dict[str, str]:
        return group.parse(await self._call(group.path))

    async def _store(self, group: _Group, channel: int | None,
                     params: list[tuple[str, str]]) -> dict[str, str] | None:
        answer = await self._call(group.set_path or group.path, params)
        try:  # the answer is the effective configuration
            return group.parse(answer)
        except ProtocolError:  # an unparseable echo: keep what we sent
            return None

    async def _read_clock(self) -> datetime | None:
        if Action.SYNC_TIME not in self.capabilities.actions:
            return None  # no /cgi-bin/time on this firmware
        values = attrs(await self._call("/cgi-bin/time"))
        # The zone may have changed since discovery: both come from the same answer.
        self._utc_offset = _tz_offset(values)
        return _device_time(values.get("current_time", ""), self.zone.tz)

    async def _write(self, key: SettingKey, value: Any, channel: int | None) -> State:
        if channel is None and key in (K.WHITE_LIGHT, K.WHITE_LIGHT_BRIGHTNESS,
                                       K.DAY_NIGHT_MODE):
            return await self._write_assumed(key, value)
        return await self._table.write(key, value, channel)

    async def _write_assumed(self, key: SettingKey, value: Any) -> State:
        if key not in self.capabilities.settings:
            raise NotSupported(f"{key} is not supported by this device")
        if key is K.DAY_NIGHT_MODE:
            if value not in _DAY_NIGHT.options:
                raise CommandError(f"{value!r} is not a day/night mode")
            # Mode 3 is the only documented one: manual, with time=day|night.
            await self._call("/cgi-bin/set_ircut", (("ircutmode", "3"), ("time", str(value))))
        else:
            assumed = self._table.assumed
            on = bool(value) if key is K.WHITE_LIGHT else bool(assumed.get(K.WHITE_LIGHT))
            level = (
                int(value) if key is K.WHITE_LIGHT_BRIGHTNESS
                else int(assumed.get(K.WHITE_LIGHT_BRIGHTNESS, 100))
            )
            if not 0 <= level <= 100:
                raise CommandError("brightness must be 0-100")
            # All three parameters are required (fault "not find param brightness").
            await self._call(
                "/cgi-bin/set_led",
                (("brightness", str(level)), ("ledstatus", "1" if on else "0"), ("ledmode", "2")),
            )
        return self._table.assume(key, value)

    # -- actions ----------------------------------------------------------------

    async def _press(self, action: Action) -> None:
        if action is Action.REBOOT:
            await self._call("/cgi-bin/reboot")
            self._uid = None  # the reboot drops every session
        elif action is Action.TRIGGER_ALARM:
            await self._call("/cgi-bin/setManualInputAlarm")
        elif action is Action.SYNC_TIME:
            now = datetime.now(self.zone.tz)
            await self._call(
                "/cgi-bin/time",
                (
                    ("update_method", "MANUAL"),
                    ("year", str(now.year)),
                    ("month", str(now.month)),
                    ("day", str(now.day)),
                    ("hour", str(now.hour)),
                    ("min", str(now.minute)),
                    ("sec", str(now.second)),
                ),
            )
        elif action is Action.PTZ_STOP:
            await self.ptz_move(PtzMove.STOP)

    async def _ptz_move(self, move: PtzMove, speed: int) -> None:
        if move is PtzMove.STOP:
            params: tuple[tuple[str, str], ...] = (("stop", "1"),)
        elif move in _MOVES:
            params = (*_MOVES[move], ("speed", str(speed)))
        else:
            params = (_LENS[move],)
        await self._call("/cgi-bin/ptz_ctrl", params)

    async def _ptz_preset(self, op: PresetOp, preset: int) -> None:
        await self._call("/cgi-bin/ptz_ctrl", ((_PRESET_PARAM[op], str(preset)),))

    # -- media --------------------------------------------------------------------

    async def _snapshot(self, stream: StreamKind) -> bytes:
        # snapshot.cgi numbers streams the other way round: 1 = main, 0 = sub.
        number = "1" if stream is StreamKind.MAIN else "0"
        status, body = await self._call_raw(
            "/cgi-bin/snapshot.cgi", (("stream", number),), limit=SNAPSHOT_LIMIT
        )
        if status == 200 and body.startswith(b"\xff\xd8"):
            return body
        self._document(status, body)
        raise ProtocolError("snapshot answered without an image")

    async def _list_recordings(self, day: date) -> list[Recording]:
        root = await self._call("/cgi-bin/get_record_query", (
            ("year", str(day.year)), ("month", str(day.month)), ("day", str(day.day)),
        ))
        found: list[Recording] = []
        for item in root.iter("items"):
            values = attrs(item)
            path = values.get("filepath", "")  # attrs() strips the seed's trailing space
            try:
                start = _device_time(values.get("start_time", ""), self.zone.tz)
            except ProtocolError:
                continue
            if not _RECORDING_PATH.fullmatch(path) or ".." in path:
                continue  # never handed back to /playback/
            self._listed[path] = None
            size = values.get("filesize", "")
            found.append(Recording(
                start=start,
                path=path,
                kind=_RECORD_MODES.get(values.get("record_mode", ""), RecordingKind.OTHER),
                size=int(size) if _SIZE_RE.fullmatch(size) else None,
            ))
        while len(self._listed) > _LISTED_MAX:  # oldest listings go first
            del self._listed[next(iter(self._listed))]
        return sorted(found, key=lambda rec: rec.start)

    async def _open_recording(
        self, path: str, headers: Mapping[str, str] | None = None
    ) -> aiohttp.ClientResponse:
        if path not in self._listed:
            # Only what the camera itself listed goes back to it: /playback/ would
            # serve other files of its filesystem as well.
            raise NotSupported("not a recording this camera listed")
        # 000 §3.20: URL = address + /playback/ + filepath; the session id goes along
        # like everywhere else (the seed leaves the playback login undocumented).
        for attempt in (1, 2):
            if self._uid is None:
                await self._relogin(self._generation)
            generation = self._generation
            url = self.transport.url(f"/playback{path}", (("uid", self._uid or ""),))
            resp = await self.transport.open_stream(url, headers=headers)
            if resp.status != 400 or attempt == 2:
                return resp
            body = await resp.content.read(4096)
            resp.close()
            if not self._session_fault(body):
                raise ProtocolError("the camera refused the recording (HTTP 400)")
            await self._relogin(generation)
        raise AuthError("session refused right after login")  # pragma: no cover

    def rtsp_candidates(self, stream: StreamKind, port: int) -> list[str]:
        # The seeds document no live path; these are what devices of this family use.
        base = f"rtsp://{self.transport.host}:{port}"
        if stream is StreamKind.SUB:
            return [f"{base}/stream1", f"{base}/stream0"]
        return [f"{base}/stream0", f"{base}/video1"]


# Paths get_record_query hands out (000 §3.20): /mnt/mmc0/<folder>/<day>/<file>.
_RECORDING_PATH = re.compile(r"/[A-Za-z0-9_./-]+\.(?:mp4|avi|h264|h265|jpg)")
_LISTED_MAX = 10_000  # recording paths remembered for playback
_RECORD_MODES = {"2": RecordingKind.SCHEDULED, "4": RecordingKind.MOTION,
                 "8": RecordingKind.ALARM}


def _tz_offset(values: Mapping[str, str]) -> timedelta | None:
    """``GMT+08:00`` -> +8 h (read as UTC+8, the way these firmwares label China);
    None when the answer names no zone (then the owner's is assumed)."""
    match = _TZ_RE.search(values.get("timezone", ""))
    if match is None:
        return None
    sign = -1 if match.group(1) == "-" else 1
    return utc_offset(sign * (int(match.group(2)) * 60 + int(match.group(3) or 0)))

