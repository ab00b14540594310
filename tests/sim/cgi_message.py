"""Stateful simulator of the "cgi_message" dialect (seed 004, ``/cgi/<area>_get|_set|_query``).

Built from ``shared/seeds/004_*.txt`` (digested in ``shared/dialects/cgi-message.md``).
The seed prints most answers as value lines only; element names it never prints are
marked ``# ASSUMED`` (the set parameter's name, else the label without spaces).

Knobs:
- ``auth``: ``"basic"`` (HTTP Basic), ``"digest"`` (RFC 7616 MD5, qop=auth, with
  nonce expiry and nc replay checks) or ``"none"`` (an open device: it answers
  everything without ever asking for credentials).
- ``fmt``: ``"xml"`` (the ``<Message>`` envelope), ``"truncated"`` (the same without
  ``</Message>``, like 004 §2.3.1.2 example 2) or ``"plain"`` (value lines, as §3
  prints them; queries as one run-on line).
- ``ptz``, ``wifi``, ``sd_card``, ``queries`` (False: every ``_query`` answers 503),
  ``ranges`` (override what ``_query`` reports, and what sets accept, per parameter),
  ``nonce_uses`` (a Digest nonce goes stale after this many requests),
  ``mjpeg_frames`` (frames per MJPEG connection before it closes),
  ``overrides`` (firmware quirks per ``"<cgi>"`` or ``"<cgi>?Group=<group>"``, checked
  after the login: a result code such as ``"402"`` answered inside HTTP 200, an int
  HTTP status, raw ``bytes`` served as a 200 body, or ``"hang"``).
- ONVIF (:class:`~.onvif.OnvifCamera`): ``onvif``, ``onvif_port``, ``onvif_password``;
  ``netport_get`` NetPortInfo reports the port it really listens on as ``OnvifPort``
  (004 §3.10.1), 0 without ONVIF.

Records: ``set_calls``, ``ptz_log``, ``dangerous_calls`` (factory reset, SD
operations, user_*, rs485_*, serial/network writes), ``failed_logins``, ``reboots``,
``image_resets``, ``time_sets``, ``auth_log`` (scheme of every request),
``digest_uses`` ((nonce, nc) pairs), ``mjpeg_streams``.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
import hashlib
import re
import secrets
import ssl
import time
from typing import Literal
from xml.sax.saxutils import escape

from aiohttp import web

from custom_components.cgi_camera.client.digest import parse_challenge

from .onvif import OnvifCamera, OnvifFacts, OnvifPortMode

AuthMode = Literal["basic", "digest", "none"]
Format = Literal["xml", "truncated", "plain"]
REALM = "IPCamera"  # ASSUMED: the seed documents no realm

CODES = {
    "200": "Successfully",
    "401": "Invalid Channel number.",
    "402": "Invalid parameter value.",
    "402n": "Invalid parameter name.",
    "501": "Feature does not support by server.",
    "502": "Feature supported by server but not available in current mode.",
    "503": "Server failed.",
}


@dataclass(slots=True)
class Param:
    """One parameter: its wire type, current value and what ``_query`` says of it."""

    kind: Literal["int", "string"]
    value: str
    query: str  # '' = read-only, 'a ... b', 'a, b', 'valid string'


def _i(value: object, query: str = "0, 1") -> Param:
    return Param("int", str(value), query)


def _s(value: str, query: str = "valid string") -> Param:
    return Param("string", value, query)


class _Answer(Exception):
    """An application result code inside HTTP 200."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class CgiMessageSim(OnvifCamera):
    """A cgi_message camera on 127.0.0.1."""

    def __init__(
        self,
        *,
        username: str = "admin",
        password: str = "admin",
        auth: AuthMode = "basic",
        fmt: Format = "xml",
        mac: str = "52:3e:42:02:bc:20",
        model: str = "V6202IR-AR0237",
        ptz: bool = True,
        wifi: bool = True,
        sd_card: bool = True,
        queries: bool = True,
        ranges: dict[str, str] | None = None,
        nonce_uses: int | None = None,
        mjpeg_frames: int = 3,
        overrides: dict[str, str | int | bytes] | None = None,
        rtsp_port: int = 554,
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
        onvif: bool = True,
        onvif_port: OnvifPortMode = "http",
        onvif_password: str | None = None,
    ) -> None:
        super().__init__(port=port, ssl_context=ssl_context)
        self.username = username
        self.password = password
        self.auth = auth
        self.fmt = fmt
        self.mac = mac
        self.model = model
        self.ptz = ptz
        self.wifi = wifi
        self.sd_card = sd_card
        self.queries = queries
        self.nonce_uses = nonce_uses
        self.mjpeg_frames = mjpeg_frames
        self.overrides: dict[str, str | int | bytes] = dict(overrides or {})
        self.rtsp_port = rtsp_port
        self.started = time.monotonic()
        self.clock_offset = 0.0
        self.groups = self._defaults()
        for name, text in (ranges or {}).items():
            for params in self.groups.values():
                if name in params:
                    params[name].query = text
        # Parameters _query leaves out although _get reports them ("not supported").
        self.query_omits: set[str] = set()
        self.set_calls: list[tuple[str, str, dict[str, str]]] = []
        self.ptz_log: list[dict[str, str]] = []
        self.dangerous_calls: list[str] = []
        self.failed_logins = 0
        self.image_resets = 0
        self.time_sets: list[int] = []
        self.auth_log: list[str] = []
        self.digest_uses: list[tuple[str, int]] = []
        self.mjpeg_streams = 0
        self._nonces: dict[str, int] = {}  # live nonce -> uses left (or -1 = no limit)
        self._expired: set[str] = set()
        self._last_nc: dict[str, int] = {}
        self.init_onvif(
            enabled=onvif, port=onvif_port, password=onvif_password,
            manufacturer="IPCamera", model=model,
            firmware=self.value("DeviceInfo", "SoftwareVersion"),
            inputs=0, stream_paths=("1/h264major", "1/h264minor"),
        )

    # ------------------------------------------------------------------ state

    def _defaults(self) -> dict[tuple[str, str], dict[str, Param]]:
        sd = self.sd_card
        return {
            ("sys", "DeviceInfo"): {  # 004 §3.1.1; names ASSUMED except DeviceID
                "DeviceID": _s(self.model, ""),
                "SoftwareVersion": _s("V1.04.10-161208", ""),
                "SerialNum": _s("5509560FBF2D"),
                "Mac": _s(self.mac, ""),
            },
            ("sys", "TimeInfo"): {
                "TimeMethod": _i(0),
                "CameraTime": _i(0, "valid string"),  # filled in on read
                "UpTime": _i(0, ""),  # filled in on read
                "DaylightEnable": _i(0),
                "TimeZone": _i(480, "-720 ... 780"),
                "NTPServerIP": _s("192.168.1.100"),
            },
            ("image", "ImageInfo"): {  # 004 §3.3.4
                "Format": _i(0),
                "Hue": _i(128, "0 ... 255"),
                "Brightness": _i(128, "0 ... 255"),
                "Sharpness": _i(128, "0 ... 255"),
                "Saturation": _i(128, "0 ... 255"),
                "Contrast": _i(128, "0 ... 255"),
                "Denoise": _i(128, "0 ... 255"),
                "Gamma": _i(4, "1 ... 8"),  # ASSUMED range: the seed gives none
            },
            ("audio", "AudioInfo"): {  # 004 §3.4
                "AudioCodec": _s("G711U", '"G711U", "G711A", "PCM", "G726", "AAC"'),
                "AudioEnable": _i(0),
                "AudioVolume": _i(5, "0 ... 9"),
                "SampleRate": _i(8, "8, 44"),
            },
            ("alarm", "MDInfo"): {  # 004 §3.13.1.2
                "Channel": _i(1, "1"),
                "MDEnable": _i(1),
                "MDSensitivity": _i(50, "1 ... 100"),
                "MDArea": _s("/".join([";;;f"] * 18), "string"),
            },
            ("record", "RecordControl"): {  # 004 §3.5.1
                "Loop": _i(1),
                "Mode": _i(0),
                "StreamType": _i(0),
                "Event": _i(0),
                "Lenght": _i(600, "10 ... 3600"),  # sic
            },
            ("record", "RecordDevice"): {  # 004 §3.5.1; names ASSUMED
                "Channel": _i(1, ""),
                "TotalSpace": _i(30436 if sd else 0, ""),
                "UsedSpace": _i(1024 if sd else 0, ""),
                "SDStatus": _i(4 if sd else 2, ""),
                "WriteProtect": _i(0, ""),
            },
            ("camera", "BasicInfo"): {  # 004 §3.8.4
                "MirrorHor": _i(0),
                "MirrorVer": _i(0),
                "WDRSwitch": _i(0),
                "WDRLevel": _i(128, "0 ... 255"),
                "AFCSwitch": _i(0),
                "AFGSwitch": _i(0),
                "LSCSwitch": _i(0),
                "LDCSwitch": _i(0),
                "DISSwitch": _i(0),
                "WBMode": _i(0),
                "WBRGain": _i(128, "0 ... 255"),
                "WBBGain": _i(128, "0 ... 255"),
                "LDCLevel": _i(0, "0 ... 255"),
            },
            ("camera", "ExposureInfo"): {  # 004 §3.8.5
                "ExposureMode": _i(0, "0, 1, 2"),
                "ScenceSelect": _i(0),  # sic
                "AGCMax": _i(16, "2, 4, 8, 16, 32, 64"),
                "AGCManual": _i(1, "1, 2, 4, 8, 16, 32, 64"),
                "ShutterMax": _i(30, "25 ... 8000"),
                "ShutterManual": _i(30, "25 ... 8000"),
                "ICRSwitch": _i(3, "0, 1, 2, 3"),
                "ICREnable": _i(1),
                "ICRTimer": _i(5, "0, 3, 5, 10"),
                "ICRC2BThr": _i(128, "0 ... 255"),
                "ICRB2CThr": _i(128, "0 ... 255"),
                "BLCSwitch": _i(0),
                "ColorMode": _i(0, "0, 1, 2"),
                "BLCLevel": _i(0, "0 ... 240"),  # the table's spelling; sets use BLCLLevel
                "HLCSwitch": _i(0),
                "ELCLevel": _i(128, "0 ... 255"),
            },
            ("wifi", "WifiInfo"): {  # 004 §3.12.1; names ASSUMED from the set template
                "enable": _i(1),
                "Mode": _i(0),
                "SSID": _s("Hkvision"),
                "password": _s("53T0A"),
                "Signal": _i(808663348, ""),
                "AutoMode": _i(1),
                "WifiChannel": _i(6, "1 ... 14"),
                "Protocol": _s("n", '"b", "g", "n"'),
            },
            ("ptz", "PTZCtrlInfo"): {  # 004 §3.6.4
                "Stop": _i(0, "0"),
                "Direction": _i(0, "1 ... 8"),
                "PanSpeed": _i(6, "0 ... 63"),
                "TiltSpeed": _i(6, "0 ... 63"),
                "Iris": _i(0),
                "Zoom": _i(0),
                "Focus": _i(0),
                "AutoScan": _i(0, "1"),
                "Preset": _i(0),
                "PresetNumber": _i(1, "1 ... 255"),
                "PresetTitle": _s(""),
            },
            ("netport", "NetPortInfo"): {  # 004 §3.10.1; names from the §3.10.2 set
                "HttpPort": _i(80, "1 ... 65535"),  # filled in on read
                "VideoPort": _i(90, "1 ... 65535"),
                "RtspPort": _i(554, "1 ... 65535"),  # filled in on read
                "OnvifPort": _i(8999, "1 ... 65535"),  # filled in on read
                "RecordPort": _i(8088, "1 ... 65535"),
            },
            ("ptz", "SpeedInfo"): {
                "PanSpeed": _i(6, "1 ... 8"),
                "TiltSpeed": _i(6, "1 ... 8"),
                "ZoomSpeed": _i(2, "0 ... 2"),
                "FocusSpeed": _i(2, "0 ... 2"),
            },
        }

    def onvif_facts(self) -> OnvifFacts:
        return OnvifFacts(
            username=self.username, password=self.password, mac=self.mac,
            serial=self.value("DeviceInfo", "SerialNum"), rtsp_port=self.rtsp_port,
            ptz=self.ptz, clock_offset=self.clock_offset,
        )

    def _forget_on_reboot(self) -> None:
        super()._forget_on_reboot()
        # A restarted server knows none of its nonces: they come back as unknown
        # (stale=false), the case a client must not take for a wrong password.
        self._nonces.clear()

    def expire_nonces(self) -> None:
        """Every live Digest nonce goes stale (the next request gets stale=true)."""
        self._expired |= set(self._nonces)
        self._nonces.clear()

    def value(self, group: str, name: str) -> str:
        for (_area, grp), params in self.groups.items():
            if grp == group and name in params:
                return params[name].value
        raise KeyError(name)

    # ---------------------------------------------------------------- routing

    def setup_routes(self, app: web.Application) -> None:
        self.mount_onvif(app)
        app.router.add_route("*", "/cgi/{name}", self._cgi)
        app.router.add_get("/jpgimage/{channel}/image.jpg", self._jpeg)
        app.router.add_get("/mjpgstreamreq/{channel}/image.jpg", self._mjpeg)

    async def _cgi(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        query = request.query
        group = query.get("Group", "")
        area, _, verb = name.rpartition("_")
        if area in ("user", "rs485", "net", "netport") and verb in ("get", "set", "query") and (
            (area, verb) != ("netport", "get")  # ports only (004 §3.10.1): a harmless read
        ):
            # Never to be touched by the integration: logged before auth on purpose.
            self.dangerous_calls.append(f"{name}?Group={group}")
        if verb not in ("get", "set", "query") or area not in {
            "sys", "image", "audio", "alarm", "record", "camera", "wifi", "ptz", "user",
            "rs485", "net", "netport", "major_stream", "minor_stream", "mjpeg",
        }:
            return web.Response(status=404, text="404 File Not Found")
        refused = self._authenticate(request)
        if refused is not None:
            return refused
        override = self.overrides.get(f"{name}?Group={group}", self.overrides.get(name))
        if override is not None:
            return await self._override(request, name, override)
        try:
            if query.get("Channel", "1") != "1":
                raise _Answer("401")
            if verb == "query":
                return self._query(name, area, group)
            if verb == "get":
                return self._get(name, area, group)
            return self._set(name, area, group, request)
        except _Answer as answer:
            return self._error(name, answer.code)

    async def _override(
        self, request: web.Request, name: str, override: str | int | bytes
    ) -> web.StreamResponse:
        if isinstance(override, bytes):
            return web.Response(body=override, content_type="text/html")
        if isinstance(override, int):
            return web.Response(status=override, text=f"{override} Error")
        if override == "hang":
            event = self._waiters.new(request.path)
            try:
                await event.wait()  # released by stop() or clear_fault()
            finally:
                self._waiters.discard(event)
            return self._drop_connection(request)
        return self._error(name, override)

    # ------------------------------------------------------------------ auth

    def _authenticate(self, request: web.Request) -> web.Response | None:
        header = request.headers.get("Authorization", "")
        scheme = header.split(" ", 1)[0].lower() if header else "none"
        self.auth_log.append(scheme)
        if self.auth == "none":
            return None
        if self.auth == "basic":
            if scheme == "basic":
                try:
                    user, _, pwd = base64.b64decode(header[6:]).decode().partition(":")
                except (ValueError, UnicodeDecodeError):
                    user = pwd = ""
                if (user, pwd) == (self.username, self.password):
                    return None
                self.failed_logins += 1
            return self._challenge(f'Basic realm="{REALM}"')
        if scheme != "digest":
            return self._challenge(self._digest_challenge(stale=False))
        params = parse_challenge(header).params
        nonce = params.get("nonce", "")
        if nonce not in self._nonces:
            # Unknown or expired nonce: a fresh one, stale=true when it was ours.
            return self._challenge(self._digest_challenge(stale=nonce in self._expired))
        nc = int(params.get("nc", "0"), 16)
        if nc <= self._last_nc.get(nonce, 0) or params.get("uri") != request.raw_path:
            return self._challenge(self._digest_challenge(stale=False))  # replay / wrong uri
        self._last_nc[nonce] = nc
        if not self._digest_ok(request.method, params):
            self.failed_logins += 1
            return self._challenge(self._digest_challenge(stale=False, nonce=nonce))
        self.digest_uses.append((nonce, nc))
        left = self._nonces[nonce]
        if left > 0:
            self._nonces[nonce] = left - 1
            if left == 1:
                del self._nonces[nonce]
                self._expired.add(nonce)
        return None

    def _digest_ok(self, method: str, params: dict[str, str]) -> bool:
        def h(data: str) -> str:
            return hashlib.md5(data.encode()).hexdigest()

        if params.get("username") != self.username or params.get("qop") != "auth":
            return False
        ha1 = h(f"{self.username}:{REALM}:{self.password}")
        ha2 = h(f"{method}:{params.get('uri', '')}")
        expected = h(
            f"{ha1}:{params.get('nonce')}:{params.get('nc')}:{params.get('cnonce')}:auth:{ha2}"
        )
        return secrets.compare_digest(expected, params.get("response", ""))

    def _digest_challenge(self, *, stale: bool, nonce: str | None = None) -> str:
        if nonce is None:
            nonce = secrets.token_hex(16)
            self._nonces[nonce] = self.nonce_uses if self.nonce_uses else -1
        value = f'Digest realm="{REALM}", qop="auth", nonce="{nonce}", algorithm=MD5'
        return value + (", stale=true" if stale else "")

    @staticmethod
    def _challenge(value: str) -> web.Response:
        return web.Response(
            status=401, text="401 Unauthorized", headers={"WWW-Authenticate": value}
        )

    # -------------------------------------------------------------- handlers

    def _params(self, area: str, group: str) -> dict[str, Param]:
        if area == "ptz" and not self.ptz:
            raise _Answer("501")
        if area == "wifi" and not self.wifi:
            raise _Answer("501")
        params = self.groups.get((area, group))
        if params is None:
            raise _Answer("402n")
        if (area, group) == ("netport", "NetPortInfo"):  # the ports really listened on
            params["HttpPort"].value = str(self.port)
            params["RtspPort"].value = str(self.rtsp_port)
            params["OnvifPort"].value = str(self.onvif_listen_port or 0)
        if (area, group) == ("sys", "TimeInfo"):
            params["CameraTime"].value = str(int(time.time() + self.clock_offset))
            params["UpTime"].value = str(int(661 + time.monotonic() - self.started))
        return params

    def _get(self, name: str, area: str, group: str) -> web.Response:
        params = self._params(area, group)
        values = [(n, p.kind, p.value) for n, p in params.items()]
        if (area, group) == ("audio", "AudioInfo"):
            # 004 §3.4.1 labels it "Volume" on get; sets use AudioVolume.
            values = [("Volume" if n == "AudioVolume" else n, k, v) for n, k, v in values]
        return self._ok(name, [(group, values)])

    def _query(self, name: str, area: str, group: str) -> web.Response:
        if not self.queries:
            raise _Answer("503")
        if area in ("sys", "record", "wifi") and group in ("TimeInfo", "RecordDevice",
                                                           "WifiInfo"):
            raise _Answer("402n")  # not in the seed's query lists
        groups = (
            [g for (a, g) in self.groups if a == area] if group == "All" else [group]
        )
        blocks = [
            (g, [(n, p.kind, p.query) for n, p in self._params(area, g).items()
                 if n not in self.query_omits])
            for g in groups
        ]
        if self.fmt == "plain":
            # As 004 §3.2.1.3 prints it: everything on one line, no names at all.
            flat = " ".join(v for _g, vals in blocks for _n, _k, v in vals if v)
            return self._text(f"Successfully {flat}")
        return self._ok(name, blocks)

    def _set(self, name: str, area: str, group: str, request: web.Request) -> web.Response:
        changes = {k: v for k, v in request.query.items() if k not in ("Channel", "Group")}
        if area == "sys" and group in ("SystemInfo", "DeviceInfo", "HardwareV", "RmTemplate",
                                       "RmSerialnum"):
            if group != "SystemInfo" or changes.get("ResetFlag") != "0" or "Aging" in changes:
                self.dangerous_calls.append(f"{name}?Group={group}")
                return self._ok(name, [(group, [])])
            self.simulate_reboot()
            return self._ok(name, [(group, [(k, "int", v) for k, v in changes.items()])])
        if area == "record" and group == "RecordDevice":
            self.dangerous_calls.append(f"{name}?Group={group}")  # mount/unmount/format
            return self._ok(name, [(group, [])])
        if area == "wifi":
            self.dangerous_calls.append(f"{name}?Group={group}")
            raise _Answer("502")
        if (area, group) == ("camera", "ResetInfo"):
            self.image_resets += 1
            fresh = self._defaults()
            for pair in (("camera", "BasicInfo"), ("camera", "ExposureInfo")):
                self.groups[pair] = fresh[pair]
            return self._ok(name, [(group, [])])
        params = self._params(area, group)
        if (area, group) == ("sys", "TimeInfo"):
            if "TimeMethod" not in changes:
                raise _Answer("402n")  # "others be must"
            if changes["TimeMethod"] == "0" and "CameraTime" in changes:
                self.time_sets.append(int(changes["CameraTime"]))
                self.clock_offset = int(changes["CameraTime"]) - time.time()
        aliases = {"BLCLLevel": "BLCLevel"}  # 004 §3.8.2.2's spelling of the table's name
        echo: list[tuple[str, str, str]] = []
        for key, raw in changes.items():
            target = aliases.get(key, key)
            if target not in params:
                raise _Answer("402n")
            param = params[target]
            if key in ("CameraTime",):
                continue
            if not _allowed(param.query, raw):
                raise _Answer("402")
            echo.append((key, param.kind, raw))
        if area == "ptz":
            self.ptz_log.append(changes)
        else:
            for key, _kind, raw in echo:
                params[aliases.get(key, key)].value = raw
            self.set_calls.append((name, group, changes))
        return self._ok(name, [(group, echo)])

    # ------------------------------------------------------------- rendering

    def _ok(
        self, name: str, blocks: Sequence[tuple[str, Sequence[tuple[str, str, str]]]]
    ) -> web.Response:
        if self.fmt == "plain":
            lines = ["Successfully", *(v for _g, vals in blocks for _n, _k, v in vals)]
            return self._text("\n".join(lines) + "\n")
        body = "".join(
            f"  <{g}>\n"
            + "".join(f"    <{n}><{k}>{escape(v)}</{k}></{n}>\n" for n, k, v in vals)
            + f"  </{g}>\n"
            for g, vals in blocks
        )
        return self._xml(name, "200", body)

    def _error(self, name: str, code: str) -> web.Response:
        if self.fmt == "plain":
            return self._text(CODES.get(code, "Unknown error.") + "\n")
        return self._xml(name, code, "")

    def _xml(self, name: str, code: str, body: str) -> web.Response:
        # "402n" is the seed's second 402 ("Invalid parameter name."): same code.
        text = (
            '<?xml version="1.0" encoding="utf-8"?>\n<Message>\n'
            f'  <Header class="{name}"></Header>\n'
            f'  <result code="{code[:3]}">{CODES.get(code, "Unknown error.")}</result>\n'
            f"{body}"
            + ("" if self.fmt == "truncated" else "</Message>\n")
        )
        return self._text(text)

    @staticmethod
    def _text(text: str) -> web.Response:
        # 004 §2.3.1.2: served as text/html, even the XML.
        return web.Response(body=text.encode(), content_type="text/html")

    # ----------------------------------------------------------------- media

    async def _jpeg(self, request: web.Request) -> web.StreamResponse:
        refused = self._authenticate(request)
        if refused is not None:
            return refused
        return web.Response(body=self.snapshot_jpeg, content_type="image/jpeg")

    async def _mjpeg(self, request: web.Request) -> web.StreamResponse:
        refused = self._authenticate(request)
        if refused is not None:
            return refused
        self.mjpeg_streams += 1
        response = web.StreamResponse(
            headers={"Content-Type": "multipart/x-mixed-replace; boundary=ipcamera"}
        )
        await response.prepare(request)
        frame = self.snapshot_jpeg
        for _ in range(self.mjpeg_frames):
            await response.write(
                b"--ipcamera\r\nContent-Type: image/jpeg\r\n"
                + f"Content-Length: {len(frame)}\r\n\r\n".encode()
                + frame
                + b"\r\n"
            )
        await response.write_eof()
        return response


def _allowed(query: str, raw: str) -> bool:
    """Whether ``raw`` fits a ``_query`` range text (the device's own truth)."""
    spec = query.strip()
    if spec in ("", "valid string", "string"):
        return spec != ""
    match = re.fullmatch(r"(-?\d+)\s*\.\.\.\s*(-?\d+)", spec)
    if match:
        return bool(re.fullmatch(r"-?\d+", raw)) and int(match[1]) <= int(raw) <= int(match[2])
    choices = [c.strip().strip('"') for c in spec.split(",")]
    return raw in choices
