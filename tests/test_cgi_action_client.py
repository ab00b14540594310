"""The cgi_action client against its simulator: auth, envelopes, codes, POST fallback."""

from __future__ import annotations

import logging
from pathlib import Path
import re

import aiohttp
from multidict import CIMultiDict, CIMultiDictProxy
import pytest

from custom_components.cgi_camera.client import Credentials, connect, detect
from custom_components.cgi_camera.client.camera import Fingerprint
from custom_components.cgi_camera.client.dialects import cgi_action
from custom_components.cgi_camera.client.dialects.cgi_action import (
    CgiActionCamera,
    code_error,
    decode,
    md5_password,
)
from custom_components.cgi_camera.client.errors import (
    AuthError,
    CommandError,
    NotSupported,
    ProtocolError,
    UnsupportedDevice,
)
from custom_components.cgi_camera.client.models import (
    Action,
    AlarmKind,
    AlarmSource,
    PresetOp,
    PtzMove,
    SettingKey,
    SettingKind,
    StreamKind,
)
from custom_components.cgi_camera.client.tables import Field
from custom_components.cgi_camera.client.transport import Response, Transport
from tests.conftest import PASSWORD, USERNAME
from tests.sim.cgi_action import CgiActionSim, md5

K = SettingKey



async def _camera(session: aiohttp.ClientSession, sim: CgiActionSim,
                  password: str = PASSWORD) -> CgiActionCamera:
    camera = await connect(session, "cgi_action", sim.host, sim.port,
                           Credentials(USERNAME, password))
    assert isinstance(camera, CgiActionCamera)
    return camera


def _resp(body: bytes | str, status: int = 200) -> Response:
    raw = body.encode() if isinstance(body, str) else body
    return Response(status, CIMultiDictProxy(CIMultiDict()), raw, "http://x/")


def test_md5_is_lower_case_hex_of_utf8() -> None:
    assert md5_password("123456") == "e10adc3949ba59abbe56e057f20f883e"  # the seed's value
    assert md5_password("ü") == md5("ü") and md5_password("ü").islower()


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ("error user/pwd\r\n", 200, AuthError),
        ("error json\r\n", 200, ProtocolError),
        ("<html>nope</html>", 200, ProtocolError),
        ('["no", "envelope"]', 200, ProtocolError),
        ('{"status": 1}', 200, ProtocolError),
        ("", 404, NotSupported),
        ("", 500, ProtocolError),
        ('{"code": 206, "log": ""}', 200, AuthError),
        ('{"code": 209, "log": ""}', 200, NotSupported),
        ('{"code": 201, "log": ""}', 200, NotSupported),
        ('{"code": 204, "message": "NULL"}', 200, CommandError),
        ('{"code": -117}', 200, CommandError),
        ('{"code": 7}', 200, CommandError),
        ('{"code": "x"}', 200, CommandError),
    ],
)
def test_decode_maps_every_failure(body: str, status: int, error: type[Exception]) -> None:
    with pytest.raises(error):
        decode(_resp(body, status))


def test_every_documented_code_has_a_meaning() -> None:
    for code in (*range(-123, -100), *range(201, 211), 299):
        err = code_error(code)
        assert "undocumented" not in str(err), code
    busy, curl = code_error(-117), code_error(55)
    assert isinstance(busy, CommandError) and busy.reason == "busy"
    assert isinstance(curl, CommandError) and curl.reason == "55"  # libcurl range
    assert "undocumented" in str(code_error(555))


def test_decode_takes_the_last_duplicate_and_both_envelopes() -> None:
    data = decode(_resp('{"device_id": "", "a": 1, "a": 2, "code": 0, "message": "NULL", '
                        '"deviceID": "X", "device_id": "X"}'))
    assert data["a"] == 2 and data["device_id"] == "X"
    assert cgi_action.payload(data) == {"a": 2}


async def test_detect_connects_without_a_failed_login(
    session: aiohttp.ClientSession,
) -> None:
    async with CgiActionSim(username=USERNAME, password=PASSWORD) as sim:
        camera = await detect(session, sim.host, sim.port, Credentials(USERNAME, PASSWORD))
        assert isinstance(camera, CgiActionCamera)
        assert sim.failed_logins == 0
        # Identity: deviceID is the unique id, the dashed MAC still a connection.
        assert camera.info.unique_id == "CBT000114010100010238"
        assert camera.info.mac == "88:07:cb:00:02:be"
        assert camera.info.firmware == "14.030.19.3_MAIN_V3(221114)"
        assert camera.info.name == "IPCamera"
        # The md5 went out in lower case, the JSON percent-encoded, in the seed's order.
        get = next(r for r in sim.requests if r.query.get("pwd"))
        assert get.query["pwd"] == md5(PASSWORD)
        assert list(get.query) == ["user", "pwd", "action", "json"]
        assert camera.capabilities.alarms == {AlarmSource(AlarmKind.IO_INPUT, 1, 1)}
        assert not camera.capabilities.alarm_push


async def test_wrong_password_is_one_failed_login_then_latched(
    session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with CgiActionSim(username=USERNAME, password=PASSWORD) as sim:
        with pytest.raises(AuthError):
            await detect(session, sim.host, sim.port, Credentials(USERNAME, "wrong"))
        assert sim.failed_logins == 1
        # The POST form was tried once, without any credentials.
        assert sim.count("/action/getSysConfig") == 1
        camera = await _camera(session, sim)
        sim.password = "changed"
        with pytest.raises(AuthError):
            await camera.read_state()
        failed = sim.failed_logins
        with pytest.raises(AuthError):
            await camera.poll_alarms()
        assert sim.failed_logins == failed  # nothing is sent after a refusal
    # Neither the password nor its md5 ever reaches a log.
    for secret in (PASSWORD, md5(PASSWORD), md5("wrong")):
        assert secret not in caplog.text


async def test_post_only_device_is_remembered(session: aiohttp.ClientSession) -> None:
    # Its RTSP port (from getRtspConf) has no server: nothing checks the password.
    async with CgiActionSim(variant="post", username=USERNAME, password=PASSWORD,
                            rtsp_port=1) as sim:
        camera = await _camera(session, sim)
        assert camera.post_form and camera.auth_scheme == "post"
        # The credential-less POST went first: no GET that is refused whatever the
        # password. Nothing checked the password (no RTSP server here).
        refusals = sim.get_refusals
        assert refusals == 0 and not camera.login_verified
        await camera.write(K.BRIGHTNESS, 90)
        await camera.ptz_move(PtzMove.LEFT, 100)
        assert await camera.read_state()
        assert sim.get_refusals == refusals  # no GET since
        assert sim.groups["ImageAdjustment"]["brightness"] == 90
        assert sim.posts[-1] == "getPlatformServer"
        assert sim.ptz_log[-1] == {"channel": 0, "speed_h": 100, "speed_v": 100, "ptz_cmd": 3}


async def test_not_a_cgi_action_host(session: aiohttp.ClientSession) -> None:
    async with CgiActionSim(username=USERNAME, password=PASSWORD) as sim:
        sim.fail("/action/cgi_action", 404)
        with pytest.raises(UnsupportedDevice):
            await _camera(session, sim)


async def test_read_modify_write_keeps_siblings(session: aiohttp.ClientSession) -> None:
    async with CgiActionSim(username=USERNAME, password=PASSWORD) as sim:
        camera = await _camera(session, sim)
        # Values the firmware would reset if a set omitted them (strict_set).
        sim.groups["MotionDetConf"]["md_sensitivity"] = 5
        sim.groups["MotionDetConf"]["alarm_handle_snap"] = 1
        changed = await camera.write(K.MOTION_DETECTION, True)
        action, sent = sim.set_calls[-1]
        assert action == "setMotionDetConf"
        assert sent["md_enable"] == 1 and sent["md_sensitivity"] == 5
        assert len(sent["area_list"]) == 9
        assert sim.groups["MotionDetConf"]["alarm_handle_snap"] == 1
        assert changed[K.MOTION_DETECTION] is True
        # The read-only section name never goes back.
        await camera.write(K.ALARM_INPUT, False)
        assert "alarm_name" not in sim.set_calls[-1][1]
        # Enumerations and ranges.
        await camera.write(K.DAY_NIGHT_MODE, "night")
        assert sim.groups["ImageAdjustmentEx"]["color_black"] == 2
        assert sim.groups["ImageAdjustmentEx"]["hlc_enable"] == 0
        await camera.write(K.IR_MODE, "off")
        await camera.write(K.ANTI_FLICKER_MODE, "50hz")
        ex = sim.groups["ImageAdjustmentEx"]
        assert (ex["led_control"], ex["anti_flicker"], ex["color_black"]) == (2, 2, 2)
        with pytest.raises(CommandError):
            await camera.write(K.IR_MODE, "sometimes")
        with pytest.raises(CommandError):
            await camera.write(K.MICROPHONE_VOLUME, 16)
        with pytest.raises(NotSupported):
            await camera.write(K.SD_FREE, 1)
        with pytest.raises(NotSupported):
            await camera.write(K.RELAY, True)
        state = await camera.read_state()
        assert state[K.DAY_NIGHT_MODE] == "night" and state[K.IR_MODE] == "off"
        assert state[K.SD_CARD_STATUS] == "normal" and state[K.SD_FREE] == 12000
        assert state[K.WIFI_STATUS] == "connected" and state[K.WIFI_SIGNAL] == 72
        assert state[K.MQTT_TOPIC] == "camera/alarm"
        assert state[K.PLATFORM_WS_SERVER] is None  # unset address
        assert sim.dangerous_calls == []


async def test_variants_sensors_and_storage(session: aiohttp.ClientSession) -> None:
    async with CgiActionSim(variant="h01", username=USERNAME, password=PASSWORD) as sim:
        sim.gb_duplicate = True  # '"device_id": ""' first in every answer
        sim.storage = []
        sim.wifi = {"status": 0}
        camera = await _camera(session, sim)
        assert camera.info.unique_id == "H01000171410100010156"
        state = await camera.read_state(reuse_discovery=True)
        assert state[K.SD_CARD_STATUS] == "no_card" and state[K.SD_TOTAL] is None
        assert state[K.WIFI_STATUS] == "unknown"
        assert K.WIFI_SIGNAL not in camera.capabilities.settings
        sim.storage = [{"id": "usb", "type": 1, "total_storage": 5, "remaining_storage": 4,
                        "status": 9}]
        state = await camera.read_state()
        assert (state[K.SD_TOTAL], state[K.SD_CARD_STATUS]) == (5, "unknown")


async def test_missing_groups_make_no_entities(session: aiohttp.ClientSession) -> None:
    async with CgiActionSim(username=USERNAME, password=PASSWORD, ptz=False) as sim:
        sim.missing = {"getIVSConf", "getIOAlarmIn", "getDeviceTime", "getRtspConf",
                       "getImageAdjustment", "getImageAdjustmentEx"}
        camera = await _camera(session, sim)
        caps = camera.capabilities
        assert K.FIRE_DETECTION not in caps.settings and K.BRIGHTNESS not in caps.settings
        assert caps.ptz is None and not caps.alarms
        assert caps.actions == {Action.REBOOT}
        with pytest.raises(NotSupported):
            await camera.poll_alarms()
        with pytest.raises(NotSupported):
            await camera.ptz_move(PtzMove.UP)
        # A group failing in one poll keeps the others; all failing is an error.
        sim.missing.add("getMotionDetConf")
        state = await camera.read_state()
        assert K.MOTION_DETECTION not in state and K.AUDIO in state
        sim.fail("*", 200, b"error json")
        with pytest.raises(ProtocolError):
            await camera.read_state()


async def test_codes_on_the_wire(session: aiohttp.ClientSession) -> None:
    async with CgiActionSim(username=USERNAME, password=PASSWORD) as sim:
        camera = await _camera(session, sim)
        sim.next_code = 204
        with pytest.raises(CommandError) as busy:
            await camera.press(Action.REBOOT)
        assert busy.value.reason == "busy"
        sim.next_code = 206
        with pytest.raises(AuthError):
            await camera.read_state()
        assert camera.auth_refused is not None


async def test_ptz_codes_and_presets(session: aiohttp.ClientSession) -> None:
    async with CgiActionSim(username=USERNAME, password=PASSWORD) as sim:
        camera = await _camera(session, sim)
        expected = {PtzMove.UP: 1, PtzMove.DOWN: 2, PtzMove.LEFT: 3, PtzMove.RIGHT: 4,
                    PtzMove.UP_LEFT: 71, PtzMove.DOWN_LEFT: 72, PtzMove.UP_RIGHT: 73,
                    PtzMove.DOWN_RIGHT: 74, PtzMove.ZOOM_IN: 9, PtzMove.ZOOM_OUT: 10,
                    PtzMove.FOCUS_NEAR: 5, PtzMove.FOCUS_FAR: 6, PtzMove.STOP: 21}
        for move, code in expected.items():
            await camera.ptz_move(move, 1)
            assert sim.ptz_log[-1] == {"channel": 0, "speed_h": 1, "speed_v": 1,
                                       "ptz_cmd": code}
        await camera.ptz_preset(PresetOp.SET, 10)
        assert sim.ptz_log[-1]["ptz_cmd"] == 19 and sim.ptz_log[-1]["speed_v"] == 10
        await camera.ptz_preset(PresetOp.GOTO, 10)
        assert sim.ptz_log[-1]["ptz_cmd"] == 20
        with pytest.raises(NotSupported):
            await camera.ptz_preset(PresetOp.REMOVE, 10)
        with pytest.raises(NotSupported):
            await camera.ptz_preset(PresetOp.GOTO, 101)
        await camera.press(Action.PTZ_STOP)
        assert sim.ptz_log[-1]["ptz_cmd"] == 21


async def test_actions(session: aiohttp.ClientSession) -> None:
    async with CgiActionSim(username=USERNAME, password=PASSWORD) as sim:
        camera = await _camera(session, sim)
        await camera.press(Action.OPEN_DOOR)
        await camera.press(Action.REBOOT)
        assert (sim.door_opens, sim.reboots) == (1, 1)
        sim.groups["ImageAdjustment"]["hue"] = 3
        await camera.press(Action.RESET_IMAGE)
        assert sim.groups["ImageAdjustment"]["hue"] == 128
        assert [a for a, _ in sim.set_calls[-2:]] == ["setImageAdjustment",
                                                      "setImageAdjustmentEx"]
        await camera.press(Action.SYNC_TIME)
        sent = sim.time_sets[-1]
        assert sent["ntp_enable"] == 1 and sent["timeZone"] == 26  # kept as they were
        assert sent["CurTime"] > 1_700_000_000 and "deviceTime" not in sent
        with pytest.raises(NotSupported):
            await camera.press(Action.TRIGGER_ALARM)
        assert sim.dangerous_calls == []


async def test_snapshot_and_fallback(session: aiohttp.ClientSession) -> None:
    async with CgiActionSim(username=USERNAME, password=PASSWORD) as sim:
        camera = await _camera(session, sim)
        assert await camera.snapshot() == sim.snapshot_jpeg
        sim.serves_jpeg = False  # "failed": base64 JSON from now on
        assert await camera.snapshot() == sim.snapshot_jpeg
        images = sim.count("/action/cgi_images")
        assert await camera.snapshot(StreamKind.SUB) == sim.snapshot_jpeg
        assert sim.count("/action/cgi_images") == images
        sim.snapshot_jpeg = b"not a jpeg"
        with pytest.raises(ProtocolError):
            await camera.snapshot()


async def test_rtsp_candidates(session: aiohttp.ClientSession) -> None:
    async with CgiActionSim(username=USERNAME, password=PASSWORD, rtsp_port=8554) as sim:
        camera = await _camera(session, sim)
        host = sim.host
        assert camera.rtsp_candidates(StreamKind.MAIN, 554) == [
            f"rtsp://{host}:8554/stream_0", f"rtsp://{host}:8554/av0_0"]
        assert camera.rtsp_candidates(StreamKind.SUB, 1554)[0] == f"rtsp://{host}:1554/stream_1"


async def test_io_alarm_poll(session: aiohttp.ClientSession) -> None:
    async with CgiActionSim(username=USERNAME, password=PASSWORD) as sim:
        camera = await _camera(session, sim)
        source = AlarmSource(AlarmKind.IO_INPUT, 1, 1)
        assert await camera.poll_alarms() == {source: False}
        sim.io_status = 1
        assert await camera.poll_alarms() == {source: True}


async def test_forbidden_actions_are_never_sent(session: aiohttp.ClientSession) -> None:
    async with CgiActionSim(username=USERNAME, password=PASSWORD) as sim:
        camera = await _camera(session, sim)
        before = len(sim.requests)
        for name in sorted(cgi_action.FORBIDDEN):
            with pytest.raises(NotSupported):
                await camera.call(name, {"netReset": 1, "userReset": 1})
        assert len(sim.requests) == before
        assert sim.dangerous_calls == []


def test_driver_never_spells_a_dangerous_action() -> None:
    # Outside the guard list itself, the driver never spells these names.
    source = Path(cgi_action.__file__).read_text()
    source = re.sub(r"FORBIDDEN = frozenset\(\{.*?\}\)", "", source, flags=re.DOTALL)
    for name in ("telnet", "reset", "devsFormat", "setPasswd", "getPlatformConfFile",
                 "setPlatformConfFile"):
        assert f'"{name}"' not in source and f"'{name}'" not in source, name


def test_field_edge_cases() -> None:
    codec = cgi_action._Codec()
    fld = cgi_action._num(K.BRIGHTNESS, "brightness", 0, 255)
    assert codec.decode(fld, None, {}) is None and codec.decode(fld, "7.0", {}) == 7
    text = Field(key=K.MQTT_SERVER, name="x", kind=SettingKind.VALUE)
    assert codec.decode(text, "raw", {}) == "raw"
    assert cgi_action._text("  ") is None and cgi_action._text(None) is None
    assert cgi_action._int(None, 4) == 4


async def test_snapshot_garbage(session: aiohttp.ClientSession) -> None:
    async with CgiActionSim(username=USERNAME, password=PASSWORD) as sim:
        camera = await _camera(session, sim)
        sim.serves_jpeg = False
        sim.snapshot_jpeg = b""
        with pytest.raises(ProtocolError):
            await camera.snapshot()
        sim.fail("/action/cgi_action", 200, b'{"image_base64": "abc", "code": 0}')
        with pytest.raises(ProtocolError, match="base64"):
            await camera.snapshot()


@pytest.mark.parametrize(
    ("body", "verdict"),
    [
        (b'{"code": 0, "deviceID": "X", "version": "1"}', Fingerprint.YES),
        (b'{"code": 0}', Fingerprint.NO),
        (b"OK", Fingerprint.NO),
        (b"[" * 100_000 + b"]" * 100_000, Fingerprint.NO),  # RecursionError in json
    ],
    ids=["envelope", "no_identity", "text", "deep"],
)
async def test_fingerprint_bodies(
    session: aiohttp.ClientSession, body: bytes, verdict: Fingerprint
) -> None:
    async with CgiActionSim(username=USERNAME, password=PASSWORD) as sim:
        sim.fail("/action/cgi_action", 200, body)
        transport = Transport(session, sim.host, sim.port)
        assert await CgiActionCamera.fingerprint(transport) is verdict
