"""Stateful simulator of the "uid_xml" dialect (``/cgi-bin/getuid`` + XML ``<fault>``).

Behaviour follows seeds 000 (IPC HTTP CGI spec 1.0.10) and 002 (the older,
§1-§3.16-only document) as digested in ``shared/dialects/uid-xml.md``.
Response bodies reproduce the spec's verbatim examples (§14 pairs); anything
the spec leaves undocumented is marked ``# INVENTED`` or ``# GUESS`` below.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import ipaddress
import re
import secrets
import ssl
import time
from typing import Literal
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from aiohttp import web
from multidict import MultiDict, MultiMapping

from .onvif import OnvifCamera, OnvifFacts, OnvifPortMode

Variant = Literal["000", "002"]
AuthMode = Literal["none", "uid", "uid_or_creds", "info", "getuid"]

XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>'
XML_CT = "text/xml"
# Query keys that never count as "configuration parameters": the session
# itself and the web UI's cache-busters (seed 000 §4 `timestamp`/`xtamp`).
_NON_CONFIG_KEYS = frozenset({"uid", "username", "password", "timestamp", "xtamp"})

TIMEZONES: tuple[str, ...] = (
    "GMT+00:00",
    "GMT+01:00",
    "GMT+02:00",
    "GMT+03:00",
    "GMT+03:30",
    "GMT+04:00",
    "GMT+04:30",
    "GMT+05:00",
    "GMT+05:30",
    "GMT+05:45",
    "GMT+06:00",
    "GMT+06:30",
    "GMT+07:00",
    "GMT+08:00",
    "GMT+09:00",
    "GMT+09:30",
    "GMT+10:00",
    "GMT+11:00",
    "GMT+12:00",
    "GMT+13:00",
    "GMT-01:00",
    "GMT-02:00",
    "GMT-03:00",
    "GMT-03:30",
    "GMT-04:00",
    "GMT-04:30",
    "GMT-05:00",
    "GMT-06:00",
    "GMT-07:00",
    "GMT-08:00",
    "GMT-09:00",
    "GMT-10:00",
    "GMT-11:00",
    "GMT-12:00",
)
TIME_FORMATS: tuple[str, ...] = (
    "yyyy-mm-dd hh:mm:ss",
    "yyyy/mm/dd hh:mm:ss",
    "yy-mm-dd hh:mm:ss",
    "yy/mm/dd hh:mm:ss",
    "hh:mm:ss dd/mm/yyyy",
    "hh:mm:ss dd-mm-yyyy",
    "hh:mm:ss mm/dd/yyyy",
    "hh:mm:ss mm-dd-yyyy",
    "mm/dd/yyyy hh:mm:ss",
    "mm-dd-yyyy hh:mm:ss",
)

# Video capabilities exactly as the clean 002 §3.9 rendering:
# stream -> encode_mode -> resolution -> (framerate range, bitrate range).
VIDEO_CAPS: dict[str, dict[str, dict[str, tuple[tuple[int, int], tuple[int, int]]]]] = {
    "stream1": {
        "H264": {"2592X1944": ((1, 15), (500, 8000)), "1080P": ((1, 30), (500, 6000))},
        "H265": {"2592X1944": ((1, 15), (500, 6000)), "1080P": ((1, 30), (500, 4000))},
    },
    "stream2": {
        "H264": {"VGA": ((1, 30), (50, 2000)), "480X360": ((1, 30), (50, 2000))},
        "H265": {"VGA": ((1, 30), (50, 2000)), "480X360": ((1, 30), (50, 2000))},
    },
}
# encode_type -> (samplerate, bitrate), seed §3.11.
AUDIO_CAPS: dict[str, tuple[str, str]] = {
    "G.711": ("8000", "64000"),
    "G.711A": ("8000", "64000"),
    "AAC": ("16000", "16000"),
}

KERNEL = "Linux 3.18.30 #15 PREEMPT Fri Mar 30 15:27:46 CST 2018 armv7l"


class CgiFault(Exception):
    """A 400 ``<fault>`` answer. ``malformed_*`` hold the seed's sloppy spelling."""

    def __init__(
        self,
        value: str,
        reason: str,
        *,
        malformed_value: str | None = None,
        malformed_reason: str | None = None,
        malformed_after_value: str = "",
    ) -> None:
        super().__init__(f"{value}: {reason}")
        self.value = value
        self.reason = reason
        self.malformed_value = malformed_value if malformed_value is not None else value
        self.malformed_reason = (
            malformed_reason if malformed_reason is not None else reason
        )
        self.malformed_after_value = malformed_after_value


class _Invalid(Exception):
    """Raised by validators; the caller wraps it into a CgiFault for its path."""

    def __init__(self, reason: str, malformed_reason: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.malformed_reason = malformed_reason


Validator = Callable[[str, str], str]
_QUOT = {'"': "&quot;"}


def _parse_int(raw: str) -> int | None:
    return int(raw) if re.fullmatch(r"[+-]?\d+", raw.strip()) else None


def v_bool(fmt: str = "{name}: 0 or 1", malformed: str | None = None) -> Validator:
    def check(name: str, raw: str) -> str:
        if raw.strip() not in ("0", "1"):
            raise _Invalid(
                fmt.format(name=name),
                malformed.format(name=name) if malformed else None,
            )
        return raw.strip()

    return check


def v_range(
    lo: int, hi: int, fmt: str = "{name} range: {lo}-{hi}", malformed: str | None = None
) -> Validator:
    def check(name: str, raw: str) -> str:
        value = _parse_int(raw)
        if value is None or not lo <= value <= hi:
            kw = {"name": name, "lo": lo, "hi": hi}
            raise _Invalid(
                fmt.format(**kw), malformed.format(**kw) if malformed else None
            )
        return str(value)

    return check


def v_choice(
    options: Iterable[str], fmt: str = "{name} error", *, fold_case: bool = False
) -> Validator:
    allowed = tuple(options)

    def check(name: str, raw: str) -> str:
        for option in allowed:
            if raw == option or (fold_case and raw.lower() == option.lower()):
                return option
        raise _Invalid(fmt.format(name=name))

    return check


def v_str(fmt: str = "{name} is NULL") -> Validator:
    def check(name: str, raw: str) -> str:
        if raw == "":
            raise _Invalid(fmt.format(name=name))
        return raw

    return check


def v_ipv4(fmt: str = "{name} error") -> Validator:
    def check(name: str, raw: str) -> str:
        try:
            return str(ipaddress.IPv4Address(raw))
        except ValueError:
            raise _Invalid(fmt.format(name=name)) from None

    return check


def v_timezone(name: str, raw: str) -> str:
    # A raw "+" arrives as a space after form decoding; the seed writes
    # "GMT+08:00" unencoded, so accept both spellings (the firmware's own
    # decoding is undocumented).
    candidate = re.sub(r"^GMT (\d)", r"GMT+\1", raw)
    if candidate not in TIMEZONES:
        raise _Invalid(f"{name} error")
    return candidate


def v_net_port(name: str, raw: str) -> str:
    # Seed §3.7: "80 or from 1000 to 65535".
    value = _parse_int(raw)
    if value is None or not (value == 80 or 1000 <= value <= 65535):
        raise _Invalid(f"{name} range: 80,1000-65535")  # GUESS at the wording
    return str(value)


def _attrs(pairs: Mapping[str, object] | Iterable[tuple[str, object]]) -> str:
    items = pairs.items() if isinstance(pairs, Mapping) else pairs
    # Always double quotes (escaping " inside), as every seed example does;
    # quoteattr() would switch to single quotes and surprise regex fallbacks.
    return " ".join(f'{key}="{escape(str(value), _QUOT)}"' for key, value in items)


def mac_dash(mac: str) -> str:
    return mac.upper().replace(":", "-")


@dataclass(slots=True)
class Session:
    uid: str
    username: str
    ttl: float
    last_used: float = field(default_factory=time.monotonic)

    def expired(self, now: float) -> bool:
        return now - self.last_used > self.ttl


@dataclass(slots=True)
class _Ctx:
    request: web.Request
    path: str
    query: MultiMapping[str]
    params: dict[str, str]  # configuration parameters only (no uid/credentials)
    session: Session | None
    # What a set changed; logged in set_calls only if the answer is a 200.
    changes: dict[str, str] = field(default_factory=dict)


Handler = Callable[[_Ctx], web.StreamResponse]


@dataclass(frozen=True, slots=True)
class _Endpoint:
    handler: Handler
    auth: AuthMode = "uid"
    only_000: bool = False
    dangerous: bool = False


class UidXmlSim(OnvifCamera):
    """A camera speaking the uid_xml dialect, variant "000" (1.0.10) or "002" (old).

    It speaks ONVIF too (:class:`~.onvif.OnvifCamera`: ``onvif``, ``onvif_port``,
    ``onvif_password``); its CGI documents no ONVIF port (000 §3.31, §3.41).
    """

    def __init__(
        self,
        *,
        variant: Variant = "000",
        username: str = "admin",
        password: str = "123456",
        mac: str = "F0:00:00:29:06:9F",
        ptz: bool = True,
        uid_ttl: float = 60.0,
        rtsp_port: int = 554,
        snapshot_jpeg: bytes | None = None,
        model: str = "MC400L",
        sd_card: bool = True,
        malformed: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
        onvif: bool = True,
        onvif_port: OnvifPortMode = "http",
        onvif_password: str | None = None,
    ) -> None:
        super().__init__(host=host, port=port, ssl_context=ssl_context)
        if variant not in ("000", "002"):
            raise ValueError(f"unknown uid_xml variant {variant!r}")
        self.variant: Variant = variant
        self.username = username
        self.password = password
        self.mac = mac.upper()
        self.ptz = ptz
        self.uid_ttl = uid_ttl
        self.rtsp_port = rtsp_port
        self.model = model
        self.sd_card = sd_card
        self.malformed = malformed
        self._snapshot_jpeg = snapshot_jpeg

        # --- knobs tests may flip at runtime
        self.ftp_deployed = (
            False  # snapshot upload=1 fails with "Ftp not deploy" unless True
        )
        self.nfs_mounted = (
            False  # snapshot upload=3 fails with "NFS Server not mounted" unless True
        )
        self.relay_get_fails = False  # getRelayStatus answers its 400 non-fault body
        self.onvif_auth = "1"  # "0" makes snapshot.cgi open (seed 000 §3.19 note 1)
        self.rtsp_auth = "1"

        # --- observable counters/logs for assertions
        self.sessions: dict[str, Session] = {}
        self.logins = 0
        self.failed_logins = 0
        self.uid_errors = 0
        self.manual_alarms = 0
        self.snapshots = 0
        self.uploads: list[int] = []
        self.ptz_log: list[dict[str, str]] = []
        self.presets: set[int] = set()
        self.dangerous_calls: list[str] = []
        self.network_changes: list[dict[str, str]] = []
        self.set_calls: list[tuple[str, dict[str, str]]] = []  # every successful set

        # --- device state (attribute order = response attribute order)
        self._boot = time.monotonic()
        self.clock_offset = timedelta()
        self.clock_stuck = False  # True: time sets answer OK but change nothing
        # What /playback/ serves for any listed recording (an MP4 file header + filler).
        self.recording_bytes = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(4096)
        self.playbacks: list[str] = []
        self.network: dict[str, str] = {
            "dhcp": "0",
            "ipaddr": host,
            "netmask": "255.255.255.0",
            "gateway": "192.168.0.1",
            "dns1": "114.114.114.114",
            "dns2": "8.8.8.8",
        }
        self.network_port: str | None = None  # None = report the real listening port
        self.time_cfg: dict[str, str] = {
            "timezone": "GMT+08:00",
            "update_method": "ntp",
            "ntpaddr": "pool.ntp.org",
            "port": "123",
        }
        self.update_period = "60"
        self.video: dict[str, dict[str, str]] = {
            "stream1": {
                "encode_mode": "H265",
                "resolution": "1080P",
                "framerate": "25",
                "govlength": "100",
                "bitrate": "2500",
                "bitrate_control": "CBR",
            },
            "stream2": {
                "encode_mode": "H265",
                "resolution": "480X360",
                "framerate": "25",
                "govlength": "100",
                "bitrate": "200",
                "bitrate_control": "CBR",
            },
        }
        self.video_profile = "0"
        self.audio: dict[str, str] = {
            "enable": "1",
            "encode_type": "G.711",
            "samplerate": "8000",
            "bitrate": "64000",
            "input_volume": "60",
            "output_volume": "80",
            "amplify": "1",
        }
        self.osd: dict[str, str] = {
            "enable": "1",
            "color": "1",
            "fontsize": "1",
            "title_pos_type": "1",
            "title_pos_x": "1",
            "title_pos_y": "0",
            "show_res_bit": "0",
            "time_pos_type": "1",
            "time_pos_x": "1",
            "time_pos_y": "0",
            "show_week": "1",
            "time_format": "yyyy-mm-dd hh:mm:ss",
            "title_utf8": model,
        }
        self.image: dict[str, str] = {
            "brightness": "128",
            "contrast": "128",
            "saturation": "128",
            "sharpness": "128",
        }
        if variant == "000":
            self.image.update(
                hlc="128",
                blc="128",
                nr2d="128",
                nr3d="128",
                tvsystem="50",
                antificker="0",
            )
        self.motion: dict[str, str] = {
            "enable": "1",
            "sensitivity": "80",
            "alarmthreshold": "20",
            "enable_nighttime": "1",
            "night_sensitivity": "80",
            "night_alarmthreshold": "22",
            "blockcount": "22x18",
            # 22x18 = 396 blocks, packed 8 per byte with zero padding: 49.5 bytes.
            "areavalue": "ff" * 49 + "f0",
        }
        self.alarm_inputs: dict[int, str] = {0: "1", 1: "1", 2: "1", 3: "1"}
        self.wdr: dict[str, str] = {"enable": "1", "wdr_value": "53"}
        self.noise: dict[str, str] = {"y_2D_value": "128", "y_3D_value": "128"}
        self.codec: dict[str, str] = {"stream0_enable": "1", "stream1_enable": "1"}
        self.ir_lamp: dict[str, str] = {"setbrightness": "100", "infrared_lamp": "1"}
        self.flip: dict[str, str] = {"vertical_flip": "0", "horizon_flip": "0"}
        self.led: dict[str, str] = {
            "brightness": "50",
            "ledstatus": "0",
            "ledmode": "1",
        }
        self.ircut: dict[str, str] = {"ircutmode": "0", "time": "day"}
        self.relay = "0"
        self.shutter: dict[str, str] = {
            "dayShutterMode": "0",
            "dayShutterSpeed": "100",
            "nightShutterMode": "0",
            "nightShutterSpeed": "100",
        }
        self.send_alarm = "0"
        self.service_ports: dict[str, str] = {
            "enable_web": "1",
            "webport": "80",
            "enable_control": "1",
            "controlport": "8091",
            "enable_rtsp": "1",
            "rtspport": str(rtsp_port),
            "enable_hik": "1",
            "hikport": "8000",
        }
        self.privacy_masks: dict[str, str] = {}
        self.rtmp: dict[str, str] = {
            "enable": "0",
            "streamno": "0",
            "server": "192.168.2.12",
            "port": "1935",
            "appname": "live",
            "streamid": "stream",
            "type": "0",
        }
        self.schedule_storage: dict[str, str] = {
            "enable": "1",
            "localEnable": "1",
            "remoteEnable": "0",
            "remote_nfs_server": "",
            "nfs_server_path": "",
            "recordFileSize": "10",
            "stream": "1",
            "JpegInterval": "1",
        }
        self.event_storage: dict[str, str] = {
            "trigger_recording": "1",
            "stream": "1",
            "record_ftp_upload": "0",
            "record_email_upload": "0",
            "trigger_capture": "1",
            "capture_ftp_upload": "1",
            "capture_email_upload": "0",
            "capture_motionDetectAlarm": "1",
        }
        self.recordings: list[dict[str, str]] = []

        self._endpoints = self._build_endpoints()
        self.init_onvif(
            enabled=onvif, port=onvif_port, password=onvif_password,
            manufacturer="IPCamera", model=model,
            inputs=len(self.alarm_inputs), stream_paths=("stream0", "stream1"),
        )

    # ================================================================ controls

    @property
    def active_uids(self) -> list[str]:
        now = time.monotonic()
        return [uid for uid, s in self.sessions.items() if not s.expired(now)]

    def expire_all_uids(self) -> None:
        """Invalidate every session, as if all uids had timed out."""
        self.sessions.clear()

    def set_password(self, new: str) -> None:
        """Change the password (existing uids stay valid, like a real device)."""
        self.password = new

    def _forget_on_reboot(self) -> None:
        super()._forget_on_reboot()
        self.sessions.clear()
        self._boot = time.monotonic()

    @property
    def serial(self) -> str:
        # The example sn ends with the MAC's last three octets (seed 000 §3.3).
        return "EF00000000" + self.mac.replace(":", "")[-6:]

    def onvif_facts(self) -> OnvifFacts:
        return OnvifFacts(
            username=self.username, password=self.password, mac=self.mac,
            serial=self.serial, rtsp_port=self.rtsp_port, ptz=self.ptz,
            clock_offset=self.clock_offset.total_seconds(),
        )

    def add_recording(
        self,
        start: datetime,
        *,
        record_mode: int = 2,
        stream: int = 1,
        filesize: int = 32276556,
    ) -> None:
        """Add an SD recording that get_record_query will report."""
        folder = {2: "schedule", 4: "motion", 8: "alarm"}.get(record_mode, "schedule")
        self.recordings.append(
            {
                # Trailing space inside filepath is verbatim from seed 000 §3.20.
                "filepath": (
                    f"/mnt/mmc0/{folder}/{start:%Y%m%d}/{start:%H%M%S}-av-{stream}.mp4 "
                ),
                "filesize": str(filesize),
                "record_mode": str(record_mode),
                "media_type": "3",
                "stream_index": str(stream),
                "start_time": f"{start:%Y-%m-%d %H:%M:%S}",
            }
        )

    def device_time(self) -> datetime:
        """Naive device-local wall clock (UTC + timezone + manual offset)."""
        return (
            datetime.now(UTC).replace(tzinfo=None)
            + _tz_offset(self.time_cfg["timezone"])
            + self.clock_offset
        )

    # ================================================================ routing

    def setup_routes(self, app: web.Application) -> None:
        self.mount_onvif(app)
        # One catch-all route: lets us answer unknown paths like the firmware
        # (404) and parse the seed's "snapshot.cgi&username=..." URL quirk.
        app.router.add_route("*", "/{tail:.*}", self._dispatch)

    def _build_endpoints(self) -> dict[str, _Endpoint]:
        e = _Endpoint
        return {
            "/cgi-bin/getuid": e(self._getuid, auth="getuid"),
            "/cgi-bin/keep_alive": e(self._keep_alive),
            "/cgi-bin/getinfo": e(self._getinfo, auth="info"),
            "/cgi-bin/getcapabilities": e(self._getcapabilities),
            "/cgi-bin/reboot": e(self._reboot),
            "/cgi-bin/factory_reset": e(self._factory_reset, dangerous=True),
            "/cgi-bin/network": e(self._network),
            "/cgi-bin/time": e(self._time),
            "/cgi-bin/videoencoder": e(self._videoencoder),
            "/cgi-bin/videoencoder/getcapabilities": e(self._video_caps),
            "/cgi-bin/videoencoder/stream1": e(self._videoencoder),
            "/cgi-bin/videoencoder/stream2": e(self._videoencoder),
            "/cgi-bin/audioencoder": e(self._audioencoder),
            "/cgi-bin/audioencoder/getcapabilities": e(self._audio_caps),
            "/cgi-bin/osd": e(self._osd),
            "/cgi-bin/image": e(self._image),
            "/cgi-bin/ptz_ctrl": e(self._ptz_ctrl),
            "/cgi-bin/motion": e(self._motion),
            # --- seed 000 only (1.0.2 .. 1.0.10)
            "/cgi-bin/getmodel": e(self._getmodel, only_000=True),
            "/cgi-bin/user_management": e(
                self._user_management, only_000=True, dangerous=True
            ),
            "/cgi-bin/snapshot.cgi": e(
                self._snapshot, auth="uid_or_creds", only_000=True
            ),
            "/cgi-bin/get_record_query": e(
                self._record_query, auth="uid_or_creds", only_000=True
            ),
            # 000 §3.20: address + /playback/ + filepath (login undocumented: uid here).
            "/playback": e(self._playback, only_000=True),
            "/OnvifFirmwareUpgrade": e(
                self._firmware, auth="none", only_000=True, dangerous=True
            ),
            "/cgi-bin/OnvifFirmwareUpgrade": e(
                self._firmware, auth="none", only_000=True, dangerous=True
            ),
            "/cgi-bin/rtmp": e(self._rtmp, only_000=True),
            "/cgi-bin/setScheduleStorage": e(
                self._schedule_storage, auth="uid_or_creds", only_000=True
            ),
            "/cgi-bin/setEventStorage": e(
                self._event_storage, auth="uid_or_creds", only_000=True
            ),
            "/cgi-bin/getDevState": e(self._dev_state, only_000=True),
            "/cgi-bin/setAlarmState": e(self._alarm_state, only_000=True),
            "/cgi-bin/set_wdr": e(self._set_wdr, only_000=True),
            "/cgi-bin/set_noise_reduction": e(self._set_noise_reduction, only_000=True),
            "/cgi-bin/set_start_codec": e(self._set_start_codec, only_000=True),
            "/cgi-bin/setBrightness_InfraredLamp": e(self._ir_lamp, only_000=True),
            "/cgi-bin/set_service_port": e(
                self._service_port, only_000=True, dangerous=True
            ),
            "/cgi-bin/set_privacy_zone": e(self._privacy_zone, only_000=True),
            "/cgi-bin/set_flip": e(self._set_flip, only_000=True),
            "/cgi-bin/set_led": e(self._set_led, only_000=True),
            "/cgi-bin/set_ircut": e(self._set_ircut, only_000=True),
            "/cgi-bin/setUidValidTime": e(self._uid_valid_time, only_000=True),
            "/cgi-bin/setManualInputAlarm": e(self._manual_alarm, only_000=True),
            "/cgi-bin/onvif": e(self._onvif, only_000=True),
            "/cgi-bin/rtsp": e(self._rtsp, only_000=True),
            "/cgi-bin/getRelayStatus": e(self._get_relay, only_000=True),
            "/cgi-bin/setRelayStatus": e(self._set_relay, only_000=True),
            "/cgi-bin/setShutterSpeed": e(self._shutter, only_000=True),
            "/cgi-bin/setDeviceName": e(self._device_name, only_000=True),
            "/cgi-bin/getCurrentUserAccount": e(
                self._current_account, auth="none", only_000=True, dangerous=True
            ),
            "/cgi-bin/setSendAlarmMsgEnable": e(self._send_alarm, only_000=True),
            "/cgi-bin/focus_slight_ctrl": e(self._focus_slight, only_000=True),
        }

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        query: MultiMapping[str] = request.query
        if path.startswith("/cgi-bin/snapshot.cgi&"):
            # Seed 000 §3.19 example 1: "/cgi-bin/snapshot.cgi&username=..&password=.."
            merged: MultiDict[str] = MultiDict(
                parse_qsl(path.split("&", 1)[1], keep_blank_values=True)
            )
            merged.extend(request.query)
            path, query = "/cgi-bin/snapshot.cgi", merged
        endpoint = self._endpoints.get("/playback" if path.startswith("/playback/") else path)
        if endpoint is not None and endpoint.dangerous:
            self.dangerous_calls.append(path)
        if endpoint is None or (endpoint.only_000 and self.variant != "000"):
            return _not_found()
        try:
            session = self._authenticate(path, endpoint, query)
            if endpoint.auth == "info" and session is None and "uid" not in query:
                return self._info_unauthenticated()
            skip = _NON_CONFIG_KEYS if endpoint.auth != "getuid" else frozenset()
            params = {k: v for k, v in query.items() if k not in skip}
            ctx = _Ctx(
                request=request, path=path, query=query, params=params, session=session
            )
            response = endpoint.handler(ctx)
        except CgiFault as fault:
            return self._fault_response(fault)
        if response.status == 200:
            if session is not None:
                # Sliding expiry: "After each successful request ...
                # recalculate the timeout".
                session.last_used = time.monotonic()
            if ctx.changes:
                self.set_calls.append((path, dict(ctx.changes)))
        return response

    def _authenticate(
        self, path: str, endpoint: _Endpoint, query: Mapping[str, str]
    ) -> Session | None:
        if endpoint.auth in ("none", "getuid"):
            return None
        value = _fault_value(path)
        uid = query.get("uid")
        if uid is None:
            if endpoint.auth == "info" and self.variant == "000":
                return None  # unauthenticated getinfo: oem + mac only
            if endpoint.auth == "uid_or_creds":
                if "username" in query or "password" in query:
                    if (
                        query.get("username") == self.username
                        and query.get("password") == self.password
                    ):
                        return None
                    self.failed_logins += 1
                    raise CgiFault(
                        value, "password error"
                    )  # GUESS: reuse getuid's reason
                if path == "/cgi-bin/snapshot.cgi" and self.onvif_auth == "0":
                    # "needs username/password only after onvif auth is enabled"
                    return None
            raise CgiFault(value, "error, parse uid")
        session = self.sessions.get(uid)
        now = time.monotonic()
        if session is not None and session.expired(now):
            del self.sessions[uid]
            session = None
        if session is None:
            self.uid_errors += 1
            raise CgiFault(value, "uid error")
        return session

    # ================================================================ rendering

    def _doc(self, root: str, *, compact: bool | None = None) -> str:
        # Clean mode: declaration, newline, root (002's layout). Malformed mode:
        # the one-line "<?xml ...?> <root>" layout of 000's PDF tables.
        compact = self.malformed if compact is None else compact
        return f"{XML_DECL}{' ' if compact else chr(10)}{root}"

    def _ok(self, root: str, *, status: int = 200) -> web.Response:
        return web.Response(
            status=status, body=self._doc(root).encode(), content_type=XML_CT
        )

    def _ok_raw(self, body: str, *, status: int = 200) -> web.Response:
        return web.Response(status=status, body=body.encode(), content_type=XML_CT)

    def _fault_response(self, fault: CgiFault) -> web.Response:
        if self.malformed:
            # Seed 000 §3.36b-§3.45 shapes: one line, stray spaces, no </fault>.
            body = (
                f"{XML_DECL} <fault> <value>{escape(fault.malformed_value)}</value>"
                f"{fault.malformed_after_value}"
                f" <reason>{escape(fault.malformed_reason)}</reason>"
            )
        else:
            body = (
                f"{XML_DECL}\n<fault>\n<value>{escape(fault.value)}</value>\n"
                f"<reason>{escape(fault.reason)}</reason>\n</fault>"
            )
        return web.Response(status=400, body=body.encode(), content_type=XML_CT)

    def _apply(
        self,
        ctx: _Ctx,
        spec: Mapping[str, Validator],
        state: dict[str, str],
        *,
        fault: Callable[[_Invalid], CgiFault] | None = None,
    ) -> bool:
        """Validate all known params, then store them. Returns True for a set.

        All-or-nothing: one bad value rejects the whole request, so state never
        ends up half-applied (what a test would expect from a real device).
        """
        new: dict[str, str] = {}
        for key, raw in ctx.params.items():
            if key not in spec:
                # Unknown parameters are ignored (the firmware tolerates cache-busters).
                continue
            try:
                new[key] = spec[key](key, raw)
            except _Invalid as err:
                if fault is not None:
                    raise fault(err) from None
                raise CgiFault(
                    _fault_value(ctx.path),
                    err.reason,
                    malformed_reason=err.malformed_reason,
                ) from None
        if not new:
            return False
        state.update(new)
        ctx.changes.update(new)
        return True

    # ================================================================ session

    def _getuid(self, ctx: _Ctx) -> web.StreamResponse:
        value = "/cgi-bin/getuid"
        if not ctx.query:
            raise CgiFault(value, "error, parse parameters")
        if "username" not in ctx.query:
            raise CgiFault(value, "error, parse username")
        if "password" not in ctx.query:
            raise CgiFault(value, "error, parse password")
        # aiohttp has already percent-decoded the values, so a client that
        # encodes special characters correctly gets an exact comparison.
        if (
            ctx.query["username"] != self.username
            or ctx.query["password"] != self.password
        ):
            self.failed_logins += 1
            raise CgiFault(
                value, "password error"
            )  # unknown user: undocumented, GUESS same reason
        uid = secrets.token_hex(4)
        while uid in self.sessions:
            uid = secrets.token_hex(4)
        self.sessions[uid] = Session(uid=uid, username=self.username, ttl=self.uid_ttl)
        self.logins += 1
        return self._ok(f"<uid>{uid}</uid>")

    def _keep_alive(self, ctx: _Ctx) -> web.StreamResponse:
        return self._ok("<keep_alive>true</keep_alive>")

    def _uid_valid_time(self, ctx: _Ctx) -> web.StreamResponse:
        raw = ctx.params.get("validTime")
        if raw is None:
            raise CgiFault(
                "/cgi-bin/setUidValidTime", "not find param validTime"
            )  # GUESS (set_led pattern)
        seconds = _parse_int(raw)
        if seconds is None or seconds <= 0:
            raise CgiFault("/cgi-bin/setUidValidTime", "validTime: >0")  # GUESS
        # "effective time of the current uid"; GUESS: also the default for new uids.
        if ctx.session is not None:
            ctx.session.ttl = float(seconds)
        self.uid_ttl = float(seconds)
        ctx.changes["validTime"] = str(seconds)
        # Seed prints declaration and root on one line with no separator (P36).
        text = f"Uid valid time is {seconds} sec"
        return self._ok_raw(f"{XML_DECL}<SetUidValidTime>{text}</SetUidValidTime>")

    # ================================================================ identity

    def _info_unauthenticated(self) -> web.StreamResponse:
        return self._ok(
            f"<info {_attrs({'oem': self.model, 'mac_address': self.mac})}/>"
        )

    def _getinfo(self, ctx: _Ctx) -> web.StreamResponse:
        attrs: dict[str, str] = {"kernel": KERNEL, "filesystem": self.model, "sn": self.serial}
        if self.variant == "000":
            attrs.update(oem=self.model, mac_address=self.mac)
        return self._ok(f"<info {_attrs(attrs)}/>")

    def _getcapabilities(self, ctx: _Ctx) -> web.StreamResponse:
        caps = {"video": "1", "audio": "1", "ptz": "1" if self.ptz else "0"}
        return self._ok(f"<capabilities {_attrs(caps)}/>")

    def _getmodel(self, ctx: _Ctx) -> web.StreamResponse:
        return self._ok(f"<model>{escape(self.model)}</model>")

    def _device_name(self, ctx: _Ctx) -> web.StreamResponse:
        name = ctx.params.get("deviceName", "")
        if not name:
            raise CgiFault(
                "/cgi-bin/setDeviceName",
                "set device name failed!",
                malformed_value="/cgi-bin/setDeviceName ",
                malformed_reason="set device name failed! ",
            )
        self.model = name
        ctx.changes["deviceName"] = name
        text = f"Set device name({escape(name)}) successful!"
        return self._ok(f"<setDeviceName>{text}</setDeviceName>")

    # ================================================================ system

    def _reboot(self, ctx: _Ctx) -> web.StreamResponse:
        response = self._ok("<reboot>true</reboot>")
        self.simulate_reboot()
        return response

    def _factory_reset(self, ctx: _Ctx) -> web.StreamResponse:
        # Recorded in dangerous_calls by the dispatcher; state is left alone.
        if self.variant == "000" and "retain_network" in ctx.params:
            raw = ctx.params["retain_network"]
            if raw == "":
                raise CgiFault("/cgi-bin/factory_reset", "retain_network: NULL")
            if raw != "1":
                raise CgiFault("/cgi-bin/factory_reset", "retain_network 0 or 1")
        return self._ok("<factory_reset>true</factory_reset>")

    def _network(self, ctx: _Ctx) -> web.StreamResponse:
        spec: dict[str, Validator] = {
            "dhcp": v_bool(),
            "ipaddr": v_ipv4(),
            "netmask": v_ipv4(),
            "gateway": v_ipv4(),
            "dns1": v_ipv4(),
            "dns2": v_ipv4(),
            "port": v_net_port,
        }
        staged = dict(self.network, port=self.network_port or "")
        if self._apply(ctx, spec, staged):
            # Recorded, echoed, but never acted on: the sim keeps its socket.
            self.network_changes.append(
                {k: v for k, v in ctx.params.items() if k in spec}
            )
            self.network_port = staged.pop("port") or None
            self.network.update(staged)
        attrs = {
            "macaddr": mac_dash(self.mac),
            **self.network,
            "port": self.network_port or str(self.port),
        }
        return self._ok(f"<network {_attrs(attrs)}/>")

    def _time(self, ctx: _Ctx) -> web.StreamResponse:
        value = "/cgi-bin/time"
        spec: dict[str, Validator] = {
            "timezone": v_timezone,
            "update_method": v_choice(("manual", "ntp", "p2p"), fold_case=True),
            "ntpaddr": v_str("{name} error"),
            # Seed says "80 or 1000-65535" yet its own example uses 123: be lenient.
            "port": v_range(1, 65535, "{name} error"),
        }
        if self.variant == "000":
            spec["update_period"] = v_range(60, 999999, "{name} error")
        clock = ("year", "month", "day", "hour", "min", "sec")
        staged = dict(self.time_cfg, update_period=self.update_period)
        self._apply(ctx, spec, staged)
        manual_fields = [k for k in clock if k in ctx.params]
        if manual_fields:
            if staged["update_method"] != "manual":
                raise CgiFault(
                    value, "update_method error"
                )  # GUESS: clock fields need MANUAL
            # Validate before committing anything, so a bad date changes nothing.
            target = self._parse_manual_time(ctx.params)
            now_local = datetime.now(UTC).replace(tzinfo=None) + _tz_offset(
                staged["timezone"]
            )
            if not self.clock_stuck:
                self.clock_offset = target - now_local
            ctx.changes.update({k: ctx.params[k] for k in manual_fields})
        self.update_period = staged.pop("update_period")
        self.time_cfg.update(staged)
        attrs = {
            **self.time_cfg,
            "current_time": f"{self.device_time():%Y-%m-%d %H:%M:%S}",
        }
        return self._ok(f"<time {_attrs(attrs)}/>")

    @staticmethod
    def _parse_manual_time(params: Mapping[str, str]) -> datetime:
        limits = {
            "year": (1970, 2099),
            "month": (1, 12),
            "day": (1, 31),
            "hour": (0, 23),
            "min": (0, 59),
            "sec": (0, 59),
        }
        values: dict[str, int] = {}
        for key, (lo, hi) in limits.items():
            parsed = _parse_int(params.get(key, ""))
            if parsed is None or not lo <= parsed <= hi:
                raise CgiFault(
                    "/cgi-bin/time", f"{key} error"
                )  # GUESS: "timezone error" pattern
            values[key] = parsed
        try:
            return datetime(
                values["year"],
                values["month"],
                values["day"],
                values["hour"],
                values["min"],
                values["sec"],
            )
        except ValueError:
            raise CgiFault("/cgi-bin/time", "day error") from None

    def _dev_state(self, ctx: _Ctx) -> web.StreamResponse:
        now = self.device_time()
        up = int(time.monotonic() - self._boot)
        days, rem = divmod(up, 86400)
        hours, rem = divmod(rem, 3600)
        minutes, seconds = divmod(rem, 60)
        attrs = {
            # GUESS: meaning of sd1/sd2 is undocumented; 1 = card present here.
            "sd1": "1" if self.sd_card else "0",
            "sd2": "0",
            # Not zero-padded, Y-M-D-h-m-s, exactly like the seed's example.
            "system_time": "-".join(
                str(v)
                for v in (
                    now.year,
                    now.month,
                    now.day,
                    now.hour,
                    now.minute,
                    now.second,
                )
            ),
            "run_time": f"{days}-{hours}-{minutes}-{seconds}",
            "MemTotal": "125620 kB ",  # trailing space verbatim (seed 000 §3.25)
            "MemFree": "24384 kB",
        }
        return self._ok(f"<DevState {_attrs(attrs)}/>")

    # ================================================================ media

    def _video_caps(self, ctx: _Ctx) -> web.StreamResponse:
        lines = ["<video_capabilities>"]
        for stream, modes in VIDEO_CAPS.items():
            lines.append(f"<{stream}>")
            for mode, resolutions in modes.items():
                lines.append(f'<encode_mode name="{mode}">')
                for res, ((f_lo, f_hi), (b_lo, b_hi)) in resolutions.items():
                    lines.append(
                        f'<resolution name="{res}">'
                        f"<framerate_range>{f_lo}-{f_hi}</framerate_range>"
                        f"<bitrate_range>{b_lo}-{b_hi}</bitrate_range></resolution>"
                    )
                lines.append("</encode_mode>")
            lines.append(f"</{stream}>")
        lines.append("</video_capabilities>")
        return self._ok("\n".join(lines))

    def _render_video(self) -> web.StreamResponse:
        inner = "\n".join(
            f"<{stream} {_attrs(cfg)}/>" for stream, cfg in self.video.items()
        )
        return self._ok(f"<videoencoder>\n{inner}\n</videoencoder>")

    def _videoencoder(self, ctx: _Ctx) -> web.StreamResponse:
        if ctx.path == "/cgi-bin/videoencoder":
            return self._render_video()  # the set goes to the per-stream path
        stream = ctx.path.rsplit("/", 1)[1]
        caps = VIDEO_CAPS[stream]
        err = "{name} error"
        spec: dict[str, Validator] = {
            "encode_mode": v_choice(caps, err),
            "resolution": v_str(err),
            "framerate": v_range(1, 60, err),
            "govlength": v_range(1, 1000, err),
            "bitrate": v_range(1, 100000, err),
            "bitrate_control": v_choice(("CBR", "VBR"), err),
        }
        if self.variant == "000":
            spec["AdvanceEncodeConfig/profile"] = v_range(0, 1, err)
        staged = dict(
            self.video[stream], **{"AdvanceEncodeConfig/profile": self.video_profile}
        )
        if self._apply(ctx, spec, staged):
            # Cross-check the merged config against the capabilities.
            ranges = caps[staged["encode_mode"]].get(staged["resolution"])
            value = f"/cgi-bin/videoencoder/{stream}"
            if ranges is None:
                raise CgiFault(value, "resolution error")
            (f_lo, f_hi), (b_lo, b_hi) = ranges
            if not f_lo <= int(staged["framerate"]) <= f_hi:
                raise CgiFault(value, "framerate error")
            if not b_lo <= int(staged["bitrate"]) <= b_hi:
                raise CgiFault(value, "bitrate error")
            self.video_profile = staged.pop("AdvanceEncodeConfig/profile")
            self.video[stream] = staged
        return self._render_video()

    def _audio_caps(self, ctx: _Ctx) -> web.StreamResponse:
        parts = [
            f'<encode_type name="{name}">\n<samplerate name="{rate}">\n'
            f"<bitrate>{bits}</bitrate>\n</samplerate>\n</encode_type>"
            for name, (rate, bits) in AUDIO_CAPS.items()
        ]
        return self._ok(
            "<audio_capabilities>\n" + "\n".join(parts) + "\n</audio_capabilities>"
        )

    def _audioencoder(self, ctx: _Ctx) -> web.StreamResponse:
        spec: dict[str, Validator] = {
            "enable": v_bool(),
            "encode_type": v_choice(AUDIO_CAPS),
            "samplerate": v_str("{name} error"),
            "bitrate": v_str("{name} error"),
            "input_volume": v_range(1, 100),
            "output_volume": v_range(1, 100),
            "amplify": v_bool(),
        }
        staged = dict(self.audio)
        if self._apply(ctx, spec, staged):
            rate, bits = AUDIO_CAPS[staged["encode_type"]]
            if "encode_type" in ctx.params:
                # Each codec has exactly one rate/bitrate: fill in what was omitted.
                staged["samplerate"] = ctx.params.get("samplerate", rate)
                staged["bitrate"] = ctx.params.get("bitrate", bits)
            if staged["samplerate"] != rate:
                raise CgiFault("/cgi-bin/audioencoder", "samplerate error")
            if staged["bitrate"] != bits:
                raise CgiFault("/cgi-bin/audioencoder", "bitrate error")
            self.audio = staged
        return self._ok(f"<audioencoder {_attrs(self.audio)}/>")

    def _osd(self, ctx: _Ctx) -> web.StreamResponse:
        def time_format(name: str, raw: str) -> str:
            # Set form uses "_" for the space; the response uses the space.
            candidate = raw.replace("_", " ")
            if candidate not in TIME_FORMATS:
                raise _Invalid(f"{name} error")
            return candidate

        spec: dict[str, Validator] = {
            "enable": v_bool(),
            "color": v_range(0, 3),
            "fontsize": v_range(0, 2),
            "title_pos_type": v_bool(),
            "title_pos_x": v_range(0, 100),
            "title_pos_y": v_range(0, 100),
            "show_res_bit": v_range(0, 3),
            "time_pos_type": v_bool(),
            "time_pos_x": v_range(0, 100),
            "time_pos_y": v_range(0, 100),
            "show_week": v_bool(),
            "time_format": time_format,
            "title_utf8": lambda name, raw: raw,
        }
        self._apply(ctx, spec, self.osd)
        return self._ok(f"<osd {_attrs(self.osd)}/>")

    def _image(self, ctx: _Ctx) -> web.StreamResponse:
        spec: dict[str, Validator] = {
            k: v_range(0, 255)
            for k in ("brightness", "contrast", "saturation", "sharpness")
        }
        if self.variant == "000":
            spec.update({k: v_range(0, 255) for k in ("hlc", "blc", "nr2d", "nr3d")})
            spec["tvsystem"] = v_choice(("50", "60"), "{name}: 50 or 60")
            spec["antificker"] = v_bool()
        self._apply(ctx, spec, self.image)
        return self._ok(f"<image {_attrs(self.image)}/>")

    def _snapshot(self, ctx: _Ctx) -> web.StreamResponse:
        value = "/cgi-bin/snapshot"  # sic: the fault value has no ".cgi"
        stream = ctx.params.get("stream", "0")  # "default is stream0" (0 = sub stream)
        if stream not in ("0", "1"):
            raise CgiFault(
                value, "stream 0 or 1"
            )  # GUESS, modelled on the upload reason
        if "upload" not in ctx.params:
            self.snapshots += 1
            # Undocumented in the spec; public clients show plain image bytes.
            return web.Response(body=self.snapshot_jpeg, content_type="image/jpeg")
        upload = ctx.params["upload"]
        if upload not in ("0", "1", "2", "3"):
            raise CgiFault(value, "upload 0 or 1 or 2 or 3")
        if upload == "0" and not self.sd_card:
            raise CgiFault(value, "sd not mount")
        if upload == "1" and not self.ftp_deployed:
            raise CgiFault(value, "Ftp not deploy")
        if upload == "3" and not self.nfs_mounted:
            raise CgiFault(value, "NFS Server not mounted")
        self.uploads.append(int(upload))
        return self._ok("<upload>OK</upload>")

    def _set_start_codec(self, ctx: _Ctx) -> web.StreamResponse:
        self._apply(
            ctx, {"stream0_enable": v_bool(), "stream1_enable": v_bool()}, self.codec
        )
        s0, s1 = self.codec["stream0_enable"], self.codec["stream1_enable"]
        # Response numbers the streams from 1 while the params count from 0 (verbatim).
        return self._ok(
            f'<Encode><EncodeConfig Stream="1" Enable="{s0}"/> '
            f'<EncodeConfig Stream="2" Enable="{s1}"/></Encode>'
        )

    def _rtmp(self, ctx: _Ctx) -> web.StreamResponse:
        spec: dict[str, Validator] = {
            "enable": v_bool(),
            "server": v_str(),
            "port": v_range(0, 65535),
            "streamno": v_range(0, 1),
            "appname": v_str(),
            "streamid": v_str(),
            "type": v_range(0, 1),
        }
        self._apply(ctx, spec, self.rtmp)
        r = self.rtmp
        attrs = {
            "Enable": r["enable"],
            "Streamno": r["streamno"],
            "Server": r["server"],
            "Port": r["port"],
            "Appname": r["appname"],
            "Streamid": r["streamid"],
            "Type": r["type"],
        }
        return self._ok(f"<RtmpConfig {_attrs(attrs)}/>")

    # ================================================================ PTZ

    def _ptz_ctrl(self, ctx: _Ctx) -> web.StreamResponse:
        tri = v_choice(("-1", "0", "1"), "{name} range: -1,0,1")
        pm1 = v_choice(("-1", "1"), "{name} range: -1,1")  # GUESS at the wording
        preset = v_range(1, 255)  # GUESS: preset range undocumented
        spec: dict[str, Validator] = {
            "stop": v_choice(("1",), "{name} range: 1"),
            "move_x": tri,
            "move_y": tri,
            "speed": v_range(1, 10),
            "zoom": pm1,
            "focus": pm1,
            "iris": pm1,
            "call_preset": preset,
            "add_preset": preset,
            "delete_preset": preset,
        }
        command: dict[str, str] = {}
        if not self._apply(ctx, spec, command):
            raise CgiFault("/cgi-bin/ptz_ctrl", "error, parse parameters")
        if not self.ptz:
            # GUESS: a fixed camera's firmware refuses head commands (undocumented).
            raise CgiFault("/cgi-bin/ptz_ctrl", "ptz not support")
        if "add_preset" in command:
            self.presets.add(int(command["add_preset"]))
        if "delete_preset" in command:
            self.presets.discard(int(command["delete_preset"]))
        self.ptz_log.append(command)
        return self._ok("<ptz_ctrl>true</ptz_ctrl>")

    def _focus_slight(self, ctx: _Ctx) -> web.StreamResponse:
        step = ctx.params.get("setfocus")
        if step not in ("-1", "1"):
            raise CgiFault(
                "/cgi-bin/focus_slight_ctrl",
                "error, parse parameters",
                malformed_value="/cgi-bin/focus_slight_ctrl ",
                malformed_reason=" error, parse parameters ",
            )
        self.ptz_log.append({"setfocus": step})
        return self._ok("<ptz_ctrl>true</ptz_ctrl>")

    # ================================================================ detection / IO

    def _motion(self, ctx: _Ctx) -> web.StreamResponse:
        def blockcount(name: str, raw: str) -> str:
            if not re.fullmatch(r"\d+x\d+", raw.strip()):
                raise _Invalid(f"{name} error")
            return raw.strip()

        def areavalue(name: str, raw: str) -> str:
            if not re.fullmatch(r"[0-9a-fA-F]*", raw.strip()):
                raise _Invalid(f"{name} error")
            return raw.strip()

        spec: dict[str, Validator] = {
            "enable": v_bool(),
            "sensitivity": v_range(1, 100),
            "alarmthreshold": v_range(1, 100),
            "enable_nighttime": v_bool(),
            "night_sensitivity": v_range(1, 100),
            "night_alarmthreshold": v_range(1, 100),
            "blockcount": blockcount,
            "areavalue": areavalue,
        }
        self._apply(ctx, spec, self.motion)
        # Trailing space in blockcount is verbatim in both seeds (P20).
        attrs = dict(self.motion, blockcount=self.motion["blockcount"] + " ")
        return self._ok(f"<motion {_attrs(attrs)}/>")

    def _alarm_state(self, ctx: _Ctx) -> web.StreamResponse:
        spec: dict[str, Validator] = {
            "position": v_range(0, 3, "{name}: {lo} ~ {hi}"),
            "logicalstate": v_range(0, 1, "{name}: {lo} ~ {hi}"),
        }
        staged: dict[str, str] = {}
        self._apply(ctx, spec, staged)
        position = int(staged.get("position", "0"))
        if "logicalstate" in staged:
            self.alarm_inputs[position] = staged["logicalstate"]
        # Echo the request (seed example echoes a different position: a typo).
        attrs = {"position": str(position), "logicalstate": self.alarm_inputs[position]}
        return self._ok(f"<setAlarmState {_attrs(attrs)}/>")

    def _manual_alarm(self, ctx: _Ctx) -> web.StreamResponse:
        self.manual_alarms += 1
        return self._ok("<ManualInputAlarm>successful</ManualInputAlarm>")

    def _get_relay(self, ctx: _Ctx) -> web.StreamResponse:
        if self.relay_get_fails:
            # A 400 without a <fault> envelope, verbatim from seed 000 §3.43.
            return self._ok("<RelayStatus>Get status(0) fail</RelayStatus>", status=400)
        return self._ok(f"<RelayStatus>status={self.relay}</RelayStatus>")

    def _set_relay(self, ctx: _Ctx) -> web.StreamResponse:
        if "status" not in ctx.params:
            raise CgiFault(
                "/cgi-bin/setRelayStatus", "not find param status"
            )  # GUESS, no get form
        staged: dict[str, str] = {}
        self._apply(ctx, {"status": v_bool()}, staged)
        self.relay = staged["status"]
        # Leading space inside the text is verbatim (seed 000 §3.44a).
        return self._ok(f"<RelayStatus> set status={self.relay}</RelayStatus>")

    def _send_alarm(self, ctx: _Ctx) -> web.StreamResponse:
        if "enable" not in ctx.params:
            raise CgiFault(
                "/cgi-bin/setSendAlarmMsgEnable", "not find param enable"
            )  # GUESS
        raw = ctx.params["enable"]
        if raw not in ("0", "1"):
            raise CgiFault(
                "/cgi-bin/setSendAlarmMsgEnable",
                "alarm enable: 0 or 1",
                malformed_value="/cgi-bin/setSendAlarmMsgEnable ",
                malformed_reason="alarm enable: 0 or 1 ",
            )
        self.send_alarm = raw
        ctx.changes.update({"enable": raw})
        if self.malformed:
            return self._ok(
                f'<SendAlarm enable={raw}"/>'
            )  # broken quote, verbatim (seed 000 §3.37b)
        return self._ok(f'<SendAlarm enable="{raw}"/>')

    # ================================================================ picture

    def _set_wdr(self, ctx: _Ctx) -> web.StreamResponse:
        spec: dict[str, Validator] = {
            "enable": v_bool(),
            "wdr_value": v_range(0, 255, "{name}: {lo} ~ {hi}"),
        }
        self._apply(ctx, spec, self.wdr)
        mode, level = self.wdr["enable"], self.wdr["wdr_value"]
        return self._ok(f'<Capture WDRMode="{mode}" WDRVValue="{level}"></Capture>')

    def _set_noise_reduction(self, ctx: _Ctx) -> web.StreamResponse:
        def fault(err: _Invalid) -> CgiFault:
            # Seed 000 §3.28 has a stray ">" after </value>.
            return CgiFault(
                "/cgi-bin/set_noise_reduction", err.reason, malformed_after_value=" >"
            )

        spec: dict[str, Validator] = {
            "y_2D_value": v_range(0, 255, "2D_value: {lo} ~ {hi}"),
            "y_3D_value": v_range(0, 255, "3D_value: {lo} ~ {hi}"),
        }
        self._apply(ctx, spec, self.noise, fault=fault)
        # GUESS at the mapping: TNF = temporal (3D), SNF = spatial (2D).
        tnf, snf = self.noise["y_3D_value"], self.noise["y_2D_value"]
        return self._ok(f'<Capture TNF="{tnf}" SNF="{snf}"></Capture>')

    def _ir_lamp(self, ctx: _Ctx) -> web.StreamResponse:
        spec: dict[str, Validator] = {
            "setbrightness": v_range(
                0, 100, "brightness: {lo} ~ {hi}"
            ),  # fault says "brightness"
            "infrared_lamp": v_range(0, 1, "{name}: {lo} ~ {hi}"),
        }
        self._apply(ctx, spec, self.ir_lamp)
        b, lamp = self.ir_lamp["setbrightness"], self.ir_lamp["infrared_lamp"]
        # The space before "=" is verbatim (seed 000 §3.30) and legal XML.
        return self._ok(
            f'<Capture led_Brightness ="{b}" infrared_lamp="{lamp}"></Capture>'
        )

    def _set_flip(self, ctx: _Ctx) -> web.StreamResponse:
        self._apply(
            ctx, {"vertical_flip": v_bool(), "horizon_flip": v_bool()}, self.flip
        )
        return self._ok(f"<Capture {_attrs(self.flip)}></Capture>")

    def _set_led(self, ctx: _Ctx) -> web.StreamResponse:
        for name in ("brightness", "ledstatus", "ledmode"):
            if name not in ctx.params:
                # All three are required, and there is no get form (seed 000 §3.36).
                raise CgiFault("/cgi-bin/set_led", f"not find param {name}")
        spec: dict[str, Validator] = {
            "brightness": v_range(0, 100, "{name}: {lo} ~ {hi}"),
            "ledstatus": v_bool(),
            "ledmode": v_choice(("1", "2"), "{name}: 1 or 2"),
        }
        self._apply(ctx, spec, self.led)
        return self._ok("<set_led>OK</set_led>")  # INVENTED: success body undocumented

    def _set_ircut(self, ctx: _Ctx) -> web.StreamResponse:
        # sic: IRCUT faults carry set_led's path (seed 000 §3.37).
        value = "/cgi-bin/set_led"
        if "ircutmode" not in ctx.params:
            raise CgiFault(value, "not find param ircutmode")  # GUESS, no get form
        mode = _parse_int(ctx.params["ircutmode"])
        if mode is None or not 0 <= mode <= 5:
            raise CgiFault(value, "ircutmode: 0 ~ 5")
        staged = {"ircutmode": str(mode), "time": self.ircut["time"]}
        if mode == 3:
            if "time" not in ctx.params:
                raise CgiFault(value, "not find param time")
            if ctx.params["time"] not in ("day", "night"):
                raise CgiFault(value, "error param time")
            staged["time"] = ctx.params["time"]
        self.ircut = staged
        ctx.changes.update(staged)
        return self._ok(
            "<set_ircut>OK</set_ircut>"
        )  # INVENTED: success body undocumented

    def _shutter(self, ctx: _Ctx) -> web.StreamResponse:
        if not any(k in ctx.params for k in self.shutter):
            raise CgiFault(
                "/cgi-bin/setShutterSpeed", "not find param dayShutterMode"
            )  # GUESS, no get form

        def fault(err: _Invalid) -> CgiFault:
            return CgiFault(
                "/cgi-bin/setShutterSpeed",
                err.reason,
                malformed_value="/cgi-bin/setShutterSpeed ",
                malformed_reason=err.malformed_reason,
            )

        spec: dict[str, Validator] = {
            "dayShutterMode": v_bool(malformed=" {name}: 0 or 1 "),
            # "10 or 10000" (sic) for a 10-10000 range, verbatim.
            "dayShutterSpeed": v_range(10, 10000, "{name}: {lo} or {hi}"),
            "nightShutterMode": v_bool(malformed="{name}: 0 or 1 "),
            "nightShutterSpeed": v_range(
                10, 10000, "{name}: {lo} or {hi}", malformed=" {name}: : {lo} or {hi} "
            ),
        }
        self._apply(ctx, spec, self.shutter, fault=fault)
        text = ", ".join(f"{k}={v}" for k, v in self.shutter.items())
        return self._ok(f"<setShutterSpeed>Set {text}</setShutterSpeed>")

    def _privacy_zone(self, ctx: _Ctx) -> web.StreamResponse:
        spec: dict[str, Validator] = {}
        for n in range(1, 5):
            for suffix, label in (
                ("Height", "Height"),
                ("width", "Width"),
                ("xPos", "xPos"),
                ("yPos", "yPos"),
            ):
                spec[f"Mask{n}{suffix}"] = v_range(
                    0, 10000, f"mainStreamMask_{label} is none"
                )
        self._apply(ctx, spec, self.privacy_masks)
        return self._ok(
            "<Mask>OK</Mask>"
        )  # the get form's body is undocumented: GUESS same

    # ================================================================ auth toggles

    def _onvif(self, ctx: _Ctx) -> web.StreamResponse:
        if "onvif_auth" not in ctx.params:
            raise CgiFault(
                "/cgi-bin/onvif", "not find param onvif_auth"
            )  # GUESS, no get form
        raw = ctx.params["onvif_auth"]
        if raw not in ("0", "1"):
            raise CgiFault(
                "/cgi-bin/onvif",
                "onvif_auth: 0 or 1",
                malformed_value="/cgi-bin/onvif ",
                malformed_reason="onvif_auth: 0 or 1 ",
            )
        self.onvif_auth = raw
        ctx.changes.update({"onvif_auth": raw})
        return self._ok(f'<OnvifConfig onvif_auth="{raw}"/>')

    def _rtsp(self, ctx: _Ctx) -> web.StreamResponse:
        if "rtsp_auth" not in ctx.params:
            raise CgiFault(
                "/cgi-bin/rtsp", "not find param rtsp_auth"
            )  # GUESS, no get form
        raw = ctx.params["rtsp_auth"]
        if raw not in ("0", "1"):
            raise CgiFault(
                "/cgi-bin/rtsp",
                "rtsp_auth: 0 or 1",
                malformed_value="/cgi-bin/rtsp ",
                malformed_reason=" rtsp_auth: 0 or 1 ",
            )
        self.rtsp_auth = raw
        ctx.changes.update({"rtsp_auth": raw})
        return self._ok(f'<RtspConfig rtsp_auth="{raw}"/>')

    # ================================================================ storage

    def _schedule_storage(self, ctx: _Ctx) -> web.StreamResponse:
        spec: dict[str, Validator] = {
            "enable": v_bool("{name}: 0,1", malformed="{name}: 0,1 "),
            "localEnable": v_bool(),
            "remoteEnable": v_bool(),
            "remote_nfs_server": lambda name, raw: raw,
            "nfs_server_path": lambda name, raw: raw,
            "recordFileSize": v_choice(
                ("2", "5", "10", "20", "30"), "{name}: 2,5,10,20,30"
            ),
            "stream": v_choice(("0", "1", "2"), "{name}: 0,1,2"),
            "JpegInterval": v_bool("{name}: 0,1", malformed="{name}: 0,1 "),
        }
        self._apply(ctx, spec, self.schedule_storage)
        s = self.schedule_storage
        mount = (
            f"{s['remote_nfs_server']}:{s['nfs_server_path']}"
            if s["remote_nfs_server"]
            else ""
        )
        on = s["enable"] == "1"
        common = {
            "LocalEnable": s["localEnable"],
            "RemoteEnable": s["remoteEnable"],
            "MountParam": mount,
            "RecordFileSize": s["recordFileSize"],
        }
        # GUESS: LocalStore/RemoteStore = master enable AND the per-target enable.
        sched = {
            "Stream": s["stream"],
            "LocalStore": "1" if on and s["localEnable"] == "1" else "0",
            "RemoteStore": "1" if on and s["remoteEnable"] == "1" else "0",
            "JpegInterval": s["JpegInterval"],
        }
        return self._ok(
            f"<RecordConfig> <Common {_attrs(common)}/> "
            f"<ScheduleRecord {_attrs(sched)}/> </RecordConfig>"
        )

    def _event_storage(self, ctx: _Ctx) -> web.StreamResponse:
        spec: dict[str, Validator] = {
            k: v_bool() for k in self.event_storage if k != "stream"
        }
        spec["stream"] = v_choice(("1", "2"), "{name}: 1 or 2")
        self._apply(ctx, spec, self.event_storage)
        e = self.event_storage
        # GUESS at the request -> response attribute mapping (undocumented).
        record = {
            "Stream": e["stream"],
            "LocalStore": e["trigger_recording"],
            "RemoteStore": e["trigger_recording"],
            "FtpUpload": e["record_ftp_upload"],
            "EmailUpload": e["record_email_upload"],
        }
        capture = {
            "LocalStore": e["trigger_capture"],
            "RemoteStore": e["trigger_capture"],
            "FtpUpload": e["capture_ftp_upload"],
            "EmailUpload": e["capture_email_upload"],
            "OutputChannelAction_enable": e["capture_motionDetectAlarm"],
        }
        return self._ok(
            f"<RecordConfig> <MotionDetectRecord {_attrs(record)}/> "
            f"<MotionDetectCapture {_attrs(capture)}/> </RecordConfig>"
        )

    def _playback(self, ctx: _Ctx) -> web.StreamResponse:
        wanted = ctx.path.removeprefix("/playback")
        if not any(rec["filepath"].strip() == wanted for rec in self.recordings):
            return _not_found()
        self.playbacks.append(wanted)
        body = self.recording_bytes
        ranged = re.fullmatch(r"bytes=(\d+)-(\d*)", ctx.request.headers.get("Range", ""))
        if ranged is None:
            return web.Response(body=body, content_type="video/mp4",
                                headers={"Accept-Ranges": "bytes"})
        first = int(ranged[1])
        last = int(ranged[2]) if ranged[2] else len(body) - 1
        return web.Response(
            status=206, body=body[first:last + 1], content_type="video/mp4",
            headers={"Content-Range": f"bytes {first}-{last}/{len(body)}",
                     "Accept-Ranges": "bytes"},
        )

    def _record_query(self, ctx: _Ctx) -> web.StreamResponse:
        value = "/cgi-bin/get_record_query"
        p = ctx.params
        if not all(k in p for k in ("year", "month", "day")):
            raise CgiFault(
                value, "error, parse parameters"
            )  # GUESS: required params missing
        checks = {
            "month": (1, 12, "record_month must between 1-12"),
            "day": (1, 31, "record_day must between 1-31"),
            "start_hour": (0, 23, "start_hour must between 0-23"),
            "start_min": (0, 59, "start_min must between 0-59"),
            "start_sec": (0, 59, "start_sec must between 0-59"),
            "end_hour": (0, 23, "end_hour must between 0-23"),
            "end_min": (0, 59, "end_min must between 0-59"),
            "end_sec": (0, 59, "end_sec must between 0-59"),
        }
        defaults = {
            "start_hour": 0,
            "start_min": 0,
            "start_sec": 0,
            "end_hour": 23,
            "end_min": 59,
            "end_sec": 59,
        }
        values: dict[str, int] = {}
        for key, (lo, hi, reason) in checks.items():
            parsed = _parse_int(p[key]) if key in p else defaults.get(key)
            if parsed is None or not lo <= parsed <= hi:
                raise CgiFault(value, reason)
            values[key] = parsed
        year = _parse_int(p["year"]) or 0
        date = f"{year:04d}-{values['month']:02d}-{values['day']:02d}"
        start = ":".join(
            f"{values[k]:02d}" for k in ("start_hour", "start_min", "start_sec")
        )
        end = (
            f"{values['end_hour']:02d}:{values['end_min']:02d}:{values['end_sec']:02d}"
        )
        stream = p.get("stream", "-1")
        mode = p.get("record_mode", "-1")
        items = [
            rec
            for rec in self.recordings
            if rec["start_time"].startswith(date)
            and start <= rec["start_time"][11:] <= end
            and stream in ("-1", rec["stream_index"])
            and mode in ("-1", rec["record_mode"])
        ]
        inner = "".join(f"\n<items {_attrs(rec)}/>" for rec in items)
        return self._ok(f"<RecordQueryInfo>{inner}\n</RecordQueryInfo>")

    # ================================================================ dangerous

    def _service_port(self, ctx: _Ctx) -> web.StreamResponse:
        spec: dict[str, Validator] = {
            name: v_range(0, 1, "{name}: {lo} ~ {hi}")
            for name in ("enable_web", "enable_control", "enable_rtsp", "enable_hik")
        }
        spec.update(
            {
                name: v_range(1, 65535, "{name}: {lo} ~ {hi}")
                for name in ("webport", "controlport", "rtspport", "hikport")
            }
        )
        self._apply(ctx, spec, self.service_ports)
        s = self.service_ports
        access = {
            "enable_web": s["enable_web"],
            "enable_rtsp": s["enable_rtsp"],
            "enable_comm": s["enable_control"],  # renamed in the response, verbatim
            "enable_hik": s["enable_hik"],
        }
        inner = f"<StreamAccess {_attrs(access)} />"
        return self._ok(f"<MediaStreamConfig> {inner} </MediaStreamConfig>")

    def _user_management(self, ctx: _Ctx) -> web.StreamResponse:
        if ctx.params.get("action") not in ("add", "edit", "delete", "get_user"):
            raise CgiFault("/cgi-bin/user_management", "action: add or edit or delete")
        return self._ok(
            "<user_management>OK</user_management>"
        )  # INVENTED; nothing is changed

    def _current_account(self, ctx: _Ctx) -> web.StreamResponse:
        text = f"username={self.username}, password={self.password}"
        return self._ok(f"<UsernamePassword>{escape(text)}</UsernamePassword>")

    def _firmware(self, ctx: _Ctx) -> web.StreamResponse:
        return web.Response(
            status=200, body=b"", content_type="text/plain"
        )  # INVENTED: undocumented


def _fault_value(path: str) -> str:
    # The firmware drops ".cgi" from snapshot's fault value (seed 000 §3.19).
    return "/cgi-bin/snapshot" if path == "/cgi-bin/snapshot.cgi" else path


def _tz_offset(tz: str) -> timedelta:
    # GUESS: "GMT+08:00" means UTC+8 (sign convention undocumented).
    match = re.fullmatch(r"GMT([+-])(\d\d):(\d\d)", tz)
    if match is None:
        return timedelta()
    delta = timedelta(hours=int(match[2]), minutes=int(match[3]))
    return delta if match[1] == "+" else -delta


def _not_found() -> web.Response:
    # Old firmware / unknown path: the embedded web server's plain 404 page.
    body = (
        b"<html><head><title>404 Not Found</title></head>"
        b"<body><h1>404 Not Found</h1></body></html>"
    )
    return web.Response(status=404, body=body, content_type="text/html")
