"""Stateful simulator of the "cgi_action" dialect (seed 003, ``/action/cgi_action``).

Built from ``shared/seeds/003_*.txt`` (digested in ``shared/dialects/cgi-action.md``):
the get answers are the seed's examples, plus the documented keys its examples lack
(``wdr_sensor``, ``noiseReduction``, ``_2DNR_level``, ``anti_flicker``, ``signal``,
one SD card). What the seed leaves open is marked ``# GUESS``.

Wire behaviour: every answer is HTTP 200, chunked, without a Content-Type, with the
seed's ``X-Frame-Options``; failures are ``error user/pwd`` / ``error json`` text.
Envelopes follow the seed: ``log`` in most answers, ``message: "NULL"`` and no
``device_id`` for getDeviceTime / getWifiStatus / getViMask, ``sign_tby`` on the
``h01`` family; getImageAdjustmentEx repeats ``led_control_avail`` (duplicate key).

Variants: ``cbt`` (the seed's CBT… device), ``h01`` (the H01… family: ``sign_tby``,
no ``/action/cgi_images`` JPEG, so snapshots come from getFmtSnap) and ``post`` (GET
answers ``error user/pwd`` whatever the credentials -- a wrong password still counts
as a failed login; ``POST /action/<action>`` with a JSON body works, without
credentials, as some RadCam firmware does).

``rtsp_auth`` adds the camera's RTSP server, DESCRIBE only (:class:`RtspLogin`):
``"digest"`` / ``"basic"`` demand the camera's current login (a wrong one counts in
``failed_logins`` too: the account is one), ``"open"`` asks for none; its port is the
one getRtspConf reports.

Knobs (plain attributes): ``ptz``, ``strict_set`` (a set resets every key it does not
carry to the seed default: proves read-modify-write), ``gb_duplicate`` (every answer
starts with ``"device_id": ""``, like getGb28181), ``io_status``, ``next_code`` (the
next JSON answer carries this ``code``), ``missing`` (get actions answering
``error json``), ``serves_jpeg``; per action, in either form: ``codes`` (answer with
this ``code``), ``answers`` (this raw HTTP status and body instead), ``json_refused``
(``error json`` while a ``json`` parameter is sent: firmware taking only the seed's
example form), ``stalled`` (never answered).
Records: ``failed_logins``, ``set_calls`` [(action, json)], ``ptz_log``, ``reboots``,
``door_opens``, ``time_sets``, ``dangerous_calls``, ``posts``, ``get_refusals``,
``rtsp_failed_logins``, ``rtsp_requests`` [(path, authorization sent)].

ONVIF (:class:`~.onvif.OnvifCamera`: ``onvif``, ``onvif_port``, ``onvif_password``):
getWiredNetwork reports the port it really listens on as ``onvifPort`` (003 §11.1's
example prints 8080 beside ``webPort`` 80); without ONVIF the key is absent.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
import contextlib
import copy
import hashlib
import json
import re
import secrets
import time
from typing import Any, Literal

from aiohttp import web

from .onvif import OnvifCamera, OnvifFacts, OnvifPortMode

Variant = Literal["cbt", "h01", "post"]
RtspAuth = Literal["digest", "basic", "open"]

AUTH_BODY = "error user/pwd\r\n"
JSON_BODY = "error json\r\n"
# Never to be reached by the integration: each call is recorded.
DANGEROUS = frozenset({"reset", "devsFormat", "setPasswd", "getPlatformConfFile",
                       "setPlatformConfFile", "ioSendData"})
# Answers printed with the "message": "NULL" envelope in the seed (003 §10.1, §14.3, §25.1).
MESSAGE_ENVELOPE = frozenset({"getDeviceTime", "getWifiStatus", "getViMask"})
# Valid ptz_cmd codes (003 §9).
PTZ_CODES = frozenset({1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 13, 19, 20, 21, 69, 71, 72, 73, 74})

_LINKAGE: dict[str, Any] = {
    "alarm_out_type": 0, "schedule_enable": 1, "sch_start_hour": 0, "sch_start_min": 0,
    "sch_end_hour": 23, "sch_end_min": 59, "alarm_handle_email": 0,
    "alarm_handle_alarmout": 0, "alarm_handle_alarmout_time": 10, "alarm_handle_rec": 0,
    "alarm_handle_rec_ftp": 0, "alarm_handle_rec_email": 0, "alarm_handle_rec_time": 60,
    "alarm_handle_snap": 0, "alarm_handle_snap_email": 0, "alarm_handle_snap_ftp": 0,
    "alarm_handle_snap_num": 1, "alarm_handle_snap_interval": 1000,
}
_AREAS = [{"area_x": 0, "area_y": 0, "area_w": 704, "area_h": 576} for _ in range(9)]


def _defaults() -> dict[str, dict[str, Any]]:
    """Every settings group, as the seed's get examples print it."""
    return {
        "SysConfig": {
            "version": "14.030.19.3_MAIN_V3(221114)", "ai_version": "", "ui_version": "",
            "pf_version": "platform_8hours v4.7.1D", "dev_name": "IPCamera", "language": 0,
            "webPort": 80, "dev_type": 1, "ivs_mask": 1, "dev_mask": 0,
            "update_type": 268828701,
        },
        "MotionDetConf": {"md_enable": 0, "alarm_type": 0, "alarm_audio": 0,
                          "md_sensitivity": 3, **_LINKAGE, "area_list": _AREAS},
        "RegInvConf": {"md_enable": 0, "alarm_type": 0, "alarm_audio": 0,
                       "md_sensitivity": 3, **_LINKAGE, "area_list": _AREAS},
        "IVSConf": {"enable": 0, "alarm_type": 0, "alarm_audio": 0, "sensitivity": 3,
                    **_LINKAGE, "area_list": _AREAS},
        "AlarmInConf": {"alarm_name": "alarmIn", "alarm_enable": 1, "alarm_type": 0,
                        **_LINKAGE, "alarm_handle_alarmout": 1, "alarm_handle_rec": 1,
                        "alarm_handle_snap": 1},
        "ODAlarmConf": {"alarm_name": "alarmIn", "alarm_enable": 0, **_LINKAGE},
        "AencConf": {"enable": 1, "line_in": 0, "volume_in": 12, "volume_out": 15,
                     "sample_rate": 8000, "encode_type": 7, "bitrate": 16000,
                     "output_type": 0},
        "ImageAdjustment": {"hue": 128, "brightness": 128, "sharpness": 128, "contrast": 128,
                            "saturation": 128, "gamma": 137, "blc_level": 142,
                            "max_exposure": 12, "max_a_gain": 36, "antiFog": 0},
        "ImageAdjustmentEx": {
            "flip": 0, "mirror": 0, "color_black": 1, "lens_correction": 0, "wdr_level": 128,
            "power_freq": 1, "ircut_level": 0, "ldr_level": 1, "led_control": 0,
            "led_control_avail": 1, "led_level": 48, "white_control": 0, "ir_level": 48,
            "night2day_level": 0, "day2night_level": 0, "lamp_type": 0,
            "led_control_mode": 0, "infr_detect_mode": 0, "infr_day_h": 7, "infr_day_m": 0,
            "infr_night_h": 18, "infr_night_m": 0, "sens_day_to_night": 255,
            "sens_night_to_day": 160, "led_open_level": 0, "led_close_level": 0,
            "hlc_enable": 0,
            # Documented in the §23.3 table, absent from its example.
            "wdr_sensor": 0, "noiseReduction": 2, "_2DNR_level": 1, "anti_flicker": 1,
        },
        "ViMask": {"mask_enable": 0, **{f"mask_{n}_{c}": 0 for n in range(9) for c in "xywh"}},
        "DeviceTime": {"deviceTime": 1669272654, "ntp_enable": 1, "ntpServer": "pool.ntp.org",
                       "timeInterval": 60, "timeZone": 26},
        "RtspConf": {"enable": 1, "auth": 0, "rtsp_port": 554, "audio_main": 1,
                     "audio_sub": 0, "audio_thr": 0},
        "PlatformServer": {
            "serverAddr": "192.168.1.91:80", "serverPort": 0, "wsServerAddr": "",
            "wsServerPort": 0, "resumeTransf": 0, "uploadtype": 0, "uploadInterval": 0,
            "platform": "HF", "platformCode": 0, "platformSubCode": 21, "snap_camera1": "",
            "snap_camera2": "", "mqtt_server": "192.168.1.91:1883", "mqtt_user": "test",
            "mqtt_passwd": "mqtt-secret", "mqtt_topic": "camera/alarm", "gat_enable": 0,
            "heartbeat_interval": 0, "status_gat1400": 0, "gat_uri": "", "gat_pwd": "",
            "gat_devid": "", "gat_user": "", "ftpServer": "", "ftpPort": 21, "ftpUser": "",
            "ftpPasswd": "ftp-secret", "ftpPath": "/",
        },
        "PeripheralConf": {"PTZ_Lock": 0, "baudrate": 9600, "dataBits": 8, "stopBits": 1,
                           "parity": 0, "flowControl": 0},
    }


def md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


class CgiActionSim(OnvifCamera):
    """A cgi_action camera on 127.0.0.1."""

    def __init__(
        self,
        *,
        variant: Variant = "cbt",
        username: str = "admin",
        password: str = "123456",
        mac: str | None = None,
        device_id: str | None = None,
        ptz: bool = True,
        rtsp_port: int = 554,
        rtsp_auth: RtspAuth | None = None,
        onvif: bool = True,
        onvif_port: OnvifPortMode = "http",
        onvif_password: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.variant = variant
        self.username = username
        self.password = password
        self.mac = mac or ("ac-07-18-00-05-a3" if variant == "h01" else "88-07-cb-00-02-be")
        self.device_id = device_id or (
            "H01000171410100010156" if variant == "h01" else "CBT000114010100010238"
        )
        self.model = "cgi_action " + variant
        self.ptz = ptz
        self.strict_set = True
        self.get_form = True  # False: GET /action/cgi_action is 404 (POST-only firmware)
        self.gb_duplicate = False
        self.serves_jpeg = variant != "h01"
        self.io_status = 0
        self.next_code: int | None = None
        self.missing: set[str] = set()
        self.codes: dict[str, int] = {}
        self.answers: dict[str, tuple[int, str | bytes]] = {}
        self.json_refused: set[str] = set()
        self.stalled: set[str] = set()
        self.rtsp_auth = rtsp_auth
        self.rtsp: RtspLogin | None = None
        self.rtsp_failed_logins = 0
        self.groups = _defaults()
        self.groups["RtspConf"]["rtsp_port"] = rtsp_port
        self.storage: list[dict[str, Any]] = [
            {"id": "mmcblk0", "type": 5, "total_storage": 30436, "remaining_storage": 12000,
             "status": 1},
        ]
        self.wifi = {"status": 2, "freq": 6, "signal": 72, "mac_address": "00:00:00:00:00:00",
                     "ssid": "home", "bssid": "00:00:00:00:00:00", "wifi_ip": 0,
                     "wifi_gateway": 0, "online_time": 0}
        self.failed_logins = 0
        self.get_refusals = 0
        self.set_calls: list[tuple[str, dict[str, Any]]] = []
        self.ptz_log: list[dict[str, Any]] = []
        self.clock_offset = 0.0  # seconds the device clock runs ahead
        self.door_opens = 0
        self.time_sets: list[dict[str, Any]] = []
        self.dangerous_calls: list[str] = []
        self.posts: list[str] = []
        self.init_onvif(
            enabled=onvif, port=onvif_port, password=onvif_password,
            manufacturer="IPCamera", model=self.model,
            firmware=self.groups["SysConfig"]["version"],
            stream_paths=("stream_0", "stream_1"),
        )

    def onvif_facts(self) -> OnvifFacts:
        return OnvifFacts(
            username=self.username, password=self.password, mac=self.mac.replace("-", ":"),
            serial=self.device_id, rtsp_port=int(self.groups["RtspConf"]["rtsp_port"]),
            ptz=self.ptz, clock_offset=self.clock_offset,
        )

    # ================================================================ RTSP

    async def start(self) -> None:
        if self.rtsp_auth is not None and self.rtsp is None:
            self.rtsp = RtspLogin(self)
            await self.rtsp.start()
            self.groups["RtspConf"]["rtsp_port"] = self.rtsp.port
            # 003 §19.7: "enable" is "RTSP Certification" (0 close, 1 open).
            self.groups["RtspConf"]["enable"] = 0 if self.rtsp_auth == "open" else 1
        await super().start()

    async def stop(self) -> None:
        await super().stop()
        if self.rtsp is not None:
            await self.rtsp.stop()
            self.rtsp = None

    @property
    def rtsp_requests(self) -> list[tuple[str, bool]]:
        return self.rtsp.requests if self.rtsp is not None else []

    # ================================================================ routing

    def setup_routes(self, app: web.Application) -> None:
        self.mount_onvif(app)
        app.on_response_prepare.append(self._strip_headers)  # type: ignore[arg-type]  # aiohttp's Signal typing
        app.router.add_get("/action/cgi_action", self._get)
        app.router.add_get("/action/cgi_images", self._images)
        app.router.add_route("*", "/action/telnet", self._telnet)
        app.router.add_post("/action/{action}", self._post)
        app.router.add_route("*", "/{tail:.*}", self._not_found)

    async def _strip_headers(self, request: web.Request, response: web.StreamResponse) -> None:
        # The seed's headers: no Content-Type on action answers, no Server header.
        action = request.path.startswith("/action/") and request.path != "/action/cgi_images"
        if action and response.status == 200:
            response.headers.popall("Content-Type", None)
        response.headers.popall("Server", None)

    async def _not_found(self, request: web.Request) -> web.Response:
        # GUESS: the embedded server's plain 404 for anything outside /action/.
        return web.Response(status=404, text="404 Not Found")

    async def _telnet(self, request: web.Request) -> web.StreamResponse:
        self.dangerous_calls.append("telnet")
        oper = request.query.get("action", "")
        return await self._chunked(request, f"<html><body><h2> oper: {oper}</h2></body></html>")

    async def _images(self, request: web.Request) -> web.Response:
        if not self.serves_jpeg or request.query.get("fmt", "jpg") not in ("jpg", "jpeg"):
            return web.Response(body=b"failed", content_type="text/plain")
        return web.Response(body=self.snapshot_jpeg, content_type="image/jpeg")

    async def _get(self, request: web.Request) -> web.StreamResponse:
        if not self.get_form:
            raise web.HTTPNotFound()  # firmware without the GET path at all
        query = request.query
        user, pwd = query.get("user"), query.get("pwd")
        if user is None or pwd is None:
            # GUESS: no credentials at all judge no password: refused, not counted.
            return await self._chunked(request, AUTH_BODY)
        if user != self.username or pwd != md5(self.password):
            self.failed_logins += 1
            return await self._chunked(request, AUTH_BODY)
        if self.variant == "post":
            # The firmware whose GET form always refuses (see the module docstring).
            self.get_refusals += 1
            return await self._chunked(request, AUTH_BODY)
        action = query.get("action", "")
        if action in self.json_refused and "json" in query:
            return await self._chunked(request, JSON_BODY)
        return await self._run(request, action, query.get("json", "{}"))

    async def _post(self, request: web.Request) -> web.StreamResponse:
        action = request.match_info["action"]
        if self.variant != "post":
            return await self._not_found(request)
        self.posts.append(action)
        return await self._run(request, action, await request.text() or "{}")

    # ================================================================ actions

    async def _run(self, request: web.Request, action: str, raw: str) -> web.StreamResponse:
        if action in self.stalled:
            return await self._stall(request)
        if action in self.answers:
            status, body = self.answers[action]
            raw_body = body.encode() if isinstance(body, str) else body
            return web.Response(status=status, body=raw_body)
        if action in self.codes:
            return await self._answer(request, action, self._code(self.codes[action]))
        try:
            params = json.loads(raw)
        except ValueError:
            return await self._chunked(request, JSON_BODY)
        if not isinstance(params, dict):
            return await self._chunked(request, JSON_BODY)
        if action in DANGEROUS:
            self.dangerous_calls.append(action)
            return await self._answer(request, action, [])
        result = self._dispatch(action, params)
        if result is None:
            return await self._chunked(request, JSON_BODY)
        return await self._answer(request, action, result)

    def _dispatch(self, action: str, params: dict[str, Any]) -> list[tuple[str, Any]] | None:
        if action in self.missing:
            return None
        group = action[3:] if action[:3] in ("get", "set") else ""
        if action == "getPeripheralConf" and not self.ptz:
            return None
        if action.startswith("get") and group in self.groups:
            items = list(self.groups[group].items())
            if action == "getImageAdjustmentEx":
                # The seed's answer repeats this key (003 §23.3).
                items.insert(10, ("led_control_avail", self.groups[group]["led_control_avail"]))
            if group == "DeviceTime":  # a running clock (the seed's value is an example)
                items = [(k, int(time.time() + self.clock_offset) if k == "deviceTime" else v)
                         for k, v in items]
            return items
        if action.startswith("set") and group in self.groups and group not in (
            "SysConfig", "DeviceTime", "PlatformServer"
        ):
            return self._set(action, group, params)
        handlers: dict[str, Callable[[], list[tuple[str, Any]] | None]] = {
            "getStorageInfo": lambda: [("devs", copy.deepcopy(self.storage))],
            "getWifiStatus": lambda: list(self.wifi.items()),
            "getIOAlarmIn": lambda: [("status", self.io_status)],
            "getWiredNetwork": self._wired_network,
            "getFmtSnap": self._fmt_snap,
            "restart": self._restart,
            "openDoor": self._open_door,
            "setPtzControl": lambda: self._ptz(params),
            "setTime": lambda: self._set_time(params),
        }
        handler = handlers.get(action)
        return handler() if handler is not None else None

    async def _stall(self, request: web.Request) -> web.StreamResponse:
        """Never answer (until the simulator stops, which drops the connection)."""
        event = self._waiters.new("*")
        try:
            await event.wait()
        finally:
            self._waiters.discard(event)
        return self._drop_connection(request)

    def _set(self, action: str, group: str, params: dict[str, Any]) -> list[tuple[str, Any]]:
        self.set_calls.append((action, params))
        defaults = _defaults()[group]
        if params.get("set_default") == 1:
            self.groups[group] = defaults
            return []
        unknown = set(params) - set(defaults)
        if unknown:
            return self._code(201)  # GUESS: "parameter does not exist"
        # GUESS (strict_set): firmware that rebuilds the group from the set alone.
        base = defaults if self.strict_set else self.groups[group]
        self.groups[group] = {**base, **params}
        return []

    def _ptz(self, params: dict[str, Any]) -> list[tuple[str, Any]]:
        self.ptz_log.append(params)
        cmd = params.get("ptz_cmd")
        speed = params.get("speed_v")
        if not self.ptz or params.get("channel") != 0 or cmd not in PTZ_CODES:
            return self._code(205)
        if not isinstance(speed, int) or not 1 <= speed <= 100:
            return self._code(205)
        return []

    def _set_time(self, params: dict[str, Any]) -> list[tuple[str, Any]]:
        if "ntp_enable" not in params:  # Necessary = Y (003 §10.2)
            return self._code(205)
        self.time_sets.append(params)
        for key in ("ntp_enable", "ntpServer", "timeInterval", "timeZone"):
            if key in params:
                self.groups["DeviceTime"][key] = params[key]
        if "CurTime" in params:
            self.clock_offset = int(params["CurTime"]) - time.time()
        return []

    def _wired_network(self) -> list[tuple[str, Any]]:
        # 003 §11.1's example, with the ports this device really listens on.
        items: list[tuple[str, Any]] = [("DHCP", 0), ("manual_dns", 0), ("webPort", self.port)]
        if self.onvif_listen_port is not None:
            items.append(("onvifPort", self.onvif_listen_port))
        items += [("IP", self.host), ("gateway", "192.168.1.1"),
                  ("subnet_mask", "255.255.255.0"), ("DNS", "1.2.4.8"), ("DNS2", "8.8.8.8")]
        return items

    def _restart(self) -> list[tuple[str, Any]]:
        self.simulate_reboot()
        return []

    def _open_door(self) -> list[tuple[str, Any]]:
        self.door_opens += 1
        return []

    def _fmt_snap(self) -> list[tuple[str, Any]]:
        encoded = base64.b64encode(self.snapshot_jpeg).decode()
        return [("image_base64", encoded), ("image_length", len(encoded))]

    @staticmethod
    def _code(code: int) -> list[tuple[str, Any]]:
        return [("__code__", code)]

    # ================================================================ rendering

    async def _answer(
        self, request: web.Request, action: str, items: list[tuple[str, Any]]
    ) -> web.StreamResponse:
        code = 0
        if items and items[0][0] == "__code__":
            code, items = items[0][1], []
        if self.next_code is not None:
            code, self.next_code = self.next_code, None
        pairs: list[tuple[str, Any]] = [("device_id", "")] if self.gb_duplicate else []
        pairs += items
        ip = request.transport.get_extra_info("sockname")[0] if request.transport else "0.0.0.0"
        if action in MESSAGE_ENVELOPE:
            pairs += [("code", code), ("message", "NULL"), ("deviceID", self.device_id),
                      ("device_mac", self.mac), ("device_ip", ip)]
        else:
            pairs += [("code", code), ("device_mac", self.mac), ("deviceID", self.device_id),
                      ("device_id", self.device_id), ("log", ""), ("device_ip", ip)]
        if self.variant == "h01":
            pairs.append(("sign_tby", secrets.token_hex(16)))
        # Written by hand so duplicate keys survive, pretty-printed like the seed.
        body = "{\n" + ",\n".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in pairs)
        return await self._chunked(request, body + "\n}")

    async def _chunked(self, request: web.Request, text: str) -> web.StreamResponse:
        response = web.StreamResponse(status=200)
        response.enable_chunked_encoding()
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        response.headers["Connection"] = "keep-alive"
        await response.prepare(request)
        data = text.encode()
        middle = len(data) // 2
        # Two chunks at least: a client reading only the first gets half an object.
        await response.write(data[:middle])
        await response.write(data[middle:])
        await response.write_eof()
        return response


class RtspLogin:
    """The camera's RTSP server, as far as a login check goes: DESCRIBE only.

    Serves ``paths`` (``/stream_0``, ``/stream_1`` and the ``av0_N`` aliases, 003 §19)
    with a tiny SDP. In ``digest``/``basic`` mode a request without Authorization is
    challenged (uncounted, as on any server), a wrong login counts as a failed login
    of the camera's one account and is answered ``refusal`` (401, or 403 as some
    servers do), and only then is the path looked up (404 past the login).
    """

    REALM = "myipc"
    _PARAM = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')

    def __init__(self, camera: CgiActionSim) -> None:
        self.camera = camera
        self.port = 0
        self.paths = {"/stream_0", "/stream_1", "/av0_0", "/av0_1"}
        self.refusal = "401 Unauthorized"
        self.requests: list[tuple[str, bool]] = []
        self._nonce = secrets.token_hex(16)
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
                writer.write(self._answer(head).encode("latin-1"))
                await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    def _answer(self, head: str) -> str:
        lines = head.split("\r\n")
        method, _, rest = lines[0].partition(" ")
        url = rest.rpartition(" ")[0]
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        cseq = headers.get("cseq", "0")
        path = "/" + url.split("://", 1)[-1].partition("/")[2]
        authorization = headers.get("authorization")
        self.requests.append((path, authorization is not None))
        if method != "DESCRIBE":
            return self._status(cseq, "405 Method Not Allowed")
        mode = self.camera.rtsp_auth
        if mode in ("digest", "basic"):
            if authorization is None:
                return self._status(cseq, "401 Unauthorized", self._challenge())
            if not self._accepts(authorization, url):
                self.camera.failed_logins += 1
                self.camera.rtsp_failed_logins += 1
                challenge = self._challenge() if self.refusal.startswith("401") else ""
                return self._status(cseq, self.refusal, challenge)
        if path not in self.paths:
            return self._status(cseq, "404 Not Found")
        sdp = "v=0\r\ns=myipc\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
        return self._status(cseq, "200 OK", f"Content-Type: application/sdp\r\n"
                            f"Content-Length: {len(sdp)}\r\n", sdp)

    def _challenge(self) -> str:
        if self.camera.rtsp_auth == "basic":
            return f'WWW-Authenticate: Basic realm="{self.REALM}"\r\n'
        return (f'WWW-Authenticate: Digest realm="{self.REALM}", nonce="{self._nonce}", '
                'qop="auth", algorithm=MD5\r\n')

    @staticmethod
    def _status(cseq: str, status: str, extra: str = "", body: str = "") -> str:
        return (f"RTSP/1.0 {status}\r\nCSeq: {cseq}\r\nServer: myipc/1.0.0\r\n"
                f"{extra}\r\n{body}")

    def _accepts(self, authorization: str, url: str) -> bool:
        user, password = self.camera.username, self.camera.password
        scheme, _, rest = authorization.partition(" ")
        if scheme.lower() == "basic" and self.camera.rtsp_auth == "basic":
            try:
                decoded = base64.b64decode(rest.strip()).decode()
            except (ValueError, UnicodeDecodeError):
                return False
            return decoded == f"{user}:{password}"
        if scheme.lower() != "digest" or self.camera.rtsp_auth != "digest":
            return False
        got = {m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
               for m in self._PARAM.finditer(rest)}
        if got.get("username") != user or got.get("nonce") != self._nonce:
            return False
        ha1 = md5(f"{user}:{self.REALM}:{password}")
        ha2 = md5(f"DESCRIBE:{got.get('uri', url)}")
        if got.get("qop") == "auth":
            expected = md5(f"{ha1}:{self._nonce}:{got.get('nc')}:{got.get('cnonce')}:auth:{ha2}")
        else:
            expected = md5(f"{ha1}:{self._nonce}:{ha2}")
        return got.get("response") == expected
