"""cgi_action capability probes, hostile values and camera-controlled counts.

Issue 11 part 2: an ambiguous failure (``error json``, 5xx, garbage, another code, a
timeout) is followed by the next documented probe; only 209/201/404 end a capability.
Issue 17 defects 8 and 3: bad values never raise outside the client's errors and spoil
only their own group; nothing the camera lists multiplies entities or requests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
import contextlib
from datetime import timedelta
import logging

import aiohttp
from homeassistant.const import STATE_OFF, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.cgi_camera.client import (
    Action,
    CameraError,
    Credentials,
    ProtocolError,
    SettingKey,
    StreamKind,
    Timeout,
    UnsupportedDevice,
)
from custom_components.cgi_camera.client.dialects.cgi_action import CgiActionCamera
from custom_components.cgi_camera.client.transport import Transport
from custom_components.cgi_camera.const import CONF_RTSP_PORT
from tests.conftest import PASSWORD, USERNAME
from tests.helpers import entities_of, entity_id, settle, setup_entry, state_of
from tests.sim.cgi_action import CgiActionSim

K = SettingKey
DEVICE_ID = "CBT000114010100010238"
IMAGE = (K.HUE, K.BRIGHTNESS, K.CONTRAST, K.SATURATION, K.SHARPNESS, K.GAMMA,
         K.BACKLIGHT_COMPENSATION, K.DEFOG)



@pytest.fixture
async def sim() -> AsyncIterator[CgiActionSim]:
    async with CgiActionSim(username=USERNAME, password=PASSWORD, rtsp_port=1) as camera:
        yield camera


async def _connect(session: aiohttp.ClientSession, sim: CgiActionSim,
                   timeout: float = 10.0) -> CgiActionCamera:
    transport = Transport(session, sim.host, sim.port, timeout=timeout)
    return await CgiActionCamera.connect(transport, Credentials(USERNAME, PASSWORD),
                                         rtsp_port=1)


def _asked(sim: CgiActionSim, action: str) -> list[bool]:
    """Each request for ``action``: whether it carried the json parameter."""
    return [("json" in r.query) for r in sim.requests if r.query.get("action") == action]


def _envelope(body: str) -> str:
    return ('{' + body + ', "code": 0, "device_mac": "88-07-cb-00-02-be", '
            '"deviceID": "CBT000114010100010238", "log": "", "device_ip": "127.0.0.1"}')


# -- capability probes -------------------------------------------------------------


async def test_every_get_falls_back_to_the_example_form(
    session: aiohttp.ClientSession, sim: CgiActionSim
) -> None:
    """Firmware that answers ``error json`` to ``&json={}``: the seed's examples omit it."""
    actions = {"getSysConfig", "getMotionDetConf", "getImageAdjustment", "getStorageInfo",
               "getIOAlarmIn", "getDeviceTime", "getPeripheralConf", "getRtspConf"}
    sim.json_refused = set(actions)
    sim.groups["RtspConf"]["rtsp_port"] = 8554
    camera = await _connect(session, sim)
    caps = camera.capabilities
    assert camera.info.firmware == "14.030.19.3_MAIN_V3(221114)"
    assert {K.MOTION_DETECTION, K.BRIGHTNESS, K.SD_CARD_STATUS} <= set(caps.settings)
    assert {Action.SYNC_TIME, Action.OPEN_DOOR, Action.PTZ_STOP} <= caps.actions
    assert caps.ptz is not None and caps.alarms
    assert camera.rtsp_candidates(StreamKind.MAIN, 554)[0].endswith(":8554/stream_0")
    assert sim.ptz_log == []  # getPeripheralConf answered: no PTZ probe needed
    # Each asked once in each form, and the form that worked is kept (the first
    # state read at the end of discovery takes discovery's answer: no third request).
    assert _asked(sim, "getMotionDetConf") == [True, False]
    await camera.read_state()
    await camera.poll_alarms()
    assert _asked(sim, "getMotionDetConf") == [True, False, False]
    assert _asked(sim, "getIOAlarmIn")[-1] is False


@pytest.mark.parametrize(
    ("answer", "second_form"),
    [
        ((500, ""), True),  # 5xx
        ((200, "<html>oops</html>"), True),  # garbage
        ((200, "error json\r\n"), True),  # bad request or unknown action
        ((200, _envelope('"x": 1').replace('"code": 0', '"code": 555')), True),  # undocumented
        ((200, _envelope('"x": 1').replace('"code": 0', '"code": 204')), True),  # busy
        ((200, _envelope('"x": 1').replace('"code": 0', '"code": 209')), False),  # not supported
        ((200, _envelope('"x": 1').replace('"code": 0', '"code": 201')), False),
        ((404, ""), False),
    ],
    ids=["5xx", "garbage", "error_json", "code_555", "busy", "code_209", "code_201", "404"],
)
async def test_a_group_ends_only_on_a_clear_no(
    session: aiohttp.ClientSession, sim: CgiActionSim,
    answer: tuple[int, str], second_form: bool,
) -> None:
    sim.answers["getImageAdjustment"] = answer
    camera = await _connect(session, sim)
    assert not set(IMAGE) & set(camera.capabilities.settings)
    assert K.MIRROR in camera.capabilities.settings  # the other groups are untouched
    assert _asked(sim, "getImageAdjustment") == ([True, False] if second_form else [True])


@pytest.mark.parametrize(
    "answer",
    [(500, ""), (200, "<html>oops</html>"), (200, "error json\r\n")],
    ids=["5xx", "garbage", "error_json"],
)
async def test_ptz_falls_back_to_a_stop_command(
    session: aiohttp.ClientSession, sim: CgiActionSim, answer: tuple[int, str]
) -> None:
    sim.answers["getPeripheralConf"] = answer
    camera = await _connect(session, sim)
    assert camera.capabilities.ptz is not None
    assert Action.PTZ_STOP in camera.capabilities.actions
    # The seed's one other PTZ action, with the one command that moves nothing.
    assert sim.ptz_log == [{"channel": 0, "speed_h": 50, "speed_v": 50, "ptz_cmd": 21}]


async def test_ptz_stop_probe_refused_means_no_ptz(
    session: aiohttp.ClientSession, sim: CgiActionSim
) -> None:
    sim.ptz = False  # getPeripheralConf: error json; setPtzControl: code 205
    camera = await _connect(session, sim)
    assert camera.capabilities.ptz is None
    assert [p["ptz_cmd"] for p in sim.ptz_log] == [21]


@pytest.mark.parametrize(
    "answer",
    [(404, ""), (200, _envelope('"x": 1').replace('"code": 0', '"code": 209')),
     (200, _envelope('"baudrate": 9600, "parity": 0'))],
    ids=["404", "code_209", "no_ptz_lock"],
)
async def test_ptz_ends_on_a_clear_answer(
    session: aiohttp.ClientSession, sim: CgiActionSim, answer: tuple[int, str]
) -> None:
    sim.answers["getPeripheralConf"] = answer
    camera = await _connect(session, sim)
    assert camera.capabilities.ptz is None
    assert sim.ptz_log == []  # no PTZ command sent


async def test_one_timeout_moves_on_two_fail_the_set_up(
    session: aiohttp.ClientSession, sim: CgiActionSim
) -> None:
    sim.stalled = {"getPeripheralConf"}
    # The timeout only has to fire for the stalled request; a loaded machine still
    # answers the others well within it.
    camera = await _connect(session, sim, timeout=3.0)
    assert camera.capabilities.ptz is not None  # from the stop probe
    assert Action.SYNC_TIME in camera.capabilities.actions
    sim.stalled = {"getDeviceTime", "getIOAlarmIn"}
    with pytest.raises(Timeout):
        await _connect(session, sim, timeout=3.0)


async def test_unclear_single_probes_and_a_bad_port(
    session: aiohttp.ClientSession, sim: CgiActionSim
) -> None:
    """Nothing else documents the clock, the IO input or the RTSP port: missing."""
    sim.answers["getDeviceTime"] = (500, "")
    sim.missing = {"getIOAlarmIn"}
    sim.groups["RtspConf"]["rtsp_port"] = 99_999_999
    camera = await _connect(session, sim)
    assert Action.SYNC_TIME not in camera.capabilities.actions
    assert not camera.capabilities.alarms
    assert _asked(sim, "getDeviceTime") == [True, False]
    assert camera.rtsp_candidates(StreamKind.MAIN, 554)[0].endswith(":554/stream_0")


async def test_login_falls_back_to_another_read(
    session: aiohttp.ClientSession, sim: CgiActionSim
) -> None:
    """getSysConfig refused in both forms: getRtspConf proves the login (digest §2)."""
    sim.missing = {"getSysConfig"}
    camera = await _connect(session, sim)
    assert camera.login_verified and camera.info.unique_id == DEVICE_ID
    assert camera.info.firmware is None
    assert K.BRIGHTNESS in camera.capabilities.settings
    sim.missing = {"getSysConfig", "getRtspConf"}
    with pytest.raises(UnsupportedDevice):
        await _connect(session, sim)
    assert sim.failed_logins == 0


async def test_snapshot_falls_back_per_answer(
    session: aiohttp.ClientSession, sim: CgiActionSim
) -> None:
    camera = await _connect(session, sim)
    sim.fail("/action/cgi_images", 500, times=1)  # a bad moment: getFmtSnap this once
    assert await camera.snapshot() == sim.snapshot_jpeg
    assert _asked(sim, "getFmtSnap")
    images = sim.count("/action/cgi_images")
    assert await camera.snapshot() == sim.snapshot_jpeg
    assert sim.count("/action/cgi_images") == images + 1  # asked again
    sim.fail("/action/cgi_images", 200, b"null", times=1)  # not the seed's "no format"
    assert await camera.snapshot() == sim.snapshot_jpeg
    assert await camera.snapshot() == sim.snapshot_jpeg
    assert sim.count("/action/cgi_images") == images + 3
    sim.serves_jpeg = False  # "failed": this device has no JPEG there, stop asking
    assert await camera.snapshot() == sim.snapshot_jpeg
    assert await camera.snapshot() == sim.snapshot_jpeg
    assert sim.count("/action/cgi_images") == images + 4


# -- hostile values ----------------------------------------------------------------

HOSTILE_NUMBERS = {
    "1e999": "1e999", "-1e999": "-1e999", "nan": "NaN", "infinity": "Infinity",
    "400_digits": "1" * 400, "inf_text": '"inf"', "1e999_text": '"1e999"', "list": "[1]",
    "object": '{"a": 1}', "null": "null", "5000_digit_text": '"' + "9" * 5000 + '"',
}


@pytest.mark.parametrize("raw", list(HOSTILE_NUMBERS.values()), ids=list(HOSTILE_NUMBERS))
async def test_hostile_numbers_read_as_unknown(
    session: aiohttp.ClientSession, sim: CgiActionSim, raw: str
) -> None:
    camera = await _connect(session, sim)
    body = _envelope(f'"brightness": {raw}, "contrast": {raw}, "antiFog": {raw}, '
                     '"hue": 7')
    sim.answers["getImageAdjustment"] = (200, body)
    sim.answers["getIOAlarmIn"] = (200, _envelope(f'"status": {raw}'))
    sim.answers["getStorageInfo"] = (200, _envelope(
        f'"devs": [{{"type": 5, "total_storage": {raw}, "remaining_storage": {raw}, '
        f'"status": {raw}}}]'))
    state = await camera.read_state()
    assert state[K.BRIGHTNESS] is None and state[K.CONTRAST] is None
    assert state[K.DEFOG] is None and state[K.HUE] == 7
    assert state[K.SD_TOTAL] is None and state[K.SD_CARD_STATUS] == "unknown"
    assert state[K.MIRROR] is False  # other groups as before
    assert list((await camera.poll_alarms()).values()) == [False]
    sim.answers["getDeviceTime"] = (200, _envelope(f'"deviceTime": {raw}'))
    with pytest.raises(ProtocolError):
        await camera.read_clock()


@pytest.mark.parametrize(
    "body",
    [
        _envelope('"brightness": ' + "[" * 100_000 + "]" * 100_000),  # RecursionError
        _envelope('"brightness": ' + "[" * 40 + "]" * 40),  # deeper than any documented
        "[" * 100_000 + "]" * 100_000,
        '["not", "an", "object"]', '"text"', "123", "null", "{}", "",
        '{"code": 0, "brightness": 1',  # cut off
    ],
    ids=["recursion", "deep", "deep_list", "list", "string", "number", "null", "no_code",
         "empty", "truncated"],
)
async def test_hostile_bodies_spoil_only_their_group(
    session: aiohttp.ClientSession, sim: CgiActionSim, body: str
) -> None:
    camera = await _connect(session, sim)
    sim.answers["getImageAdjustment"] = (200, body)
    state = await camera.read_state()
    assert K.BRIGHTNESS not in state and state[K.MIRROR] is False
    with pytest.raises(ProtocolError):
        await camera.write(K.BRIGHTNESS, 3)
    assert not [c for c in sim.set_calls if c[0] == "setImageAdjustment"]
    # At set-up the same answer just means no image settings.
    again = await _connect(session, sim)
    assert K.BRIGHTNESS not in again.capabilities.settings
    assert K.MIRROR in again.capabilities.settings


@pytest.mark.parametrize(
    "body",
    [_envelope('"dev_name": {"a": 1}, "version": ["x"]').replace(
        '"deviceID": "CBT000114010100010238"', '"deviceID": {"id": 1}').replace(
        '"device_mac": "88-07-cb-00-02-be"', '"device_mac": [1, 2]'),
     _envelope('"dev_name": "' + "N" * 5000 + '", "version": 1e999')],
    ids=["wrong_types", "huge"],
)
async def test_hostile_identity(
    session: aiohttp.ClientSession, sim: CgiActionSim, body: str
) -> None:
    sim.answers["getSysConfig"] = (200, body)
    camera = await _connect(session, sim)
    info = camera.info
    assert info.firmware is None
    assert info.name is None or len(info.name) <= 255
    assert info.serial in (None, DEVICE_ID)
    assert info.mac in (None, "88:07:cb:00:02:be")


@pytest.mark.parametrize("devs", ["5", '"x"', "[1, 2, null]", '{"type": 5}', "null"])
async def test_hostile_storage_lists(
    session: aiohttp.ClientSession, sim: CgiActionSim, devs: str
) -> None:
    camera = await _connect(session, sim)
    sim.answers["getStorageInfo"] = (200, _envelope(f'"devs": {devs}'))
    state = await camera.read_state()
    assert state[K.SD_CARD_STATUS] == "no_card" and state[K.SD_TOTAL] is None


async def test_hostile_snapshot_json(session: aiohttp.ClientSession, sim: CgiActionSim) -> None:
    camera = await _connect(session, sim)
    sim.serves_jpeg = False
    for value in ('{"a": 1}', "1e999", '"ünïcode"', "null"):
        sim.answers["getFmtSnap"] = (200, _envelope(f'"image_base64": {value}'))
        with pytest.raises(ProtocolError):
            await camera.snapshot()


async def test_hostile_rtsp_ports(session: aiohttp.ClientSession, sim: CgiActionSim) -> None:
    for port in ("1e999", '"abc"', "-5", "0", "65536", "[554]"):
        sim.answers["getRtspConf"] = (200, _envelope(f'"rtsp_port": {port}'))
        camera = await _connect(session, sim)
        assert camera.rtsp_candidates(StreamKind.MAIN, 554)[0].endswith(":554/stream_0")


async def test_hostile_values_in_home_assistant(
    hass: HomeAssistant, sim: CgiActionSim, caplog: pytest.LogCaptureFixture
) -> None:
    await setup_entry(hass, sim, "cgi_action", DEVICE_ID, options={CONF_RTSP_PORT: 1})
    brightness = entity_id(hass, "number", "brightness", DEVICE_ID)
    mirror = entity_id(hass, "switch", "mirror", DEVICE_ID)
    motion = entity_id(hass, "switch", "motion_detection", DEVICE_ID)
    sim.answers["getImageAdjustment"] = (200, _envelope('"brightness": 1e999'))
    sim.answers["getImageAdjustmentEx"] = (200, _envelope('"mirror": ' + "[" * 100_000
                                                          + "]" * 100_000))
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=61))
    await settle(hass)
    assert state_of(hass, brightness).state == STATE_UNKNOWN
    assert state_of(hass, mirror).state == STATE_UNAVAILABLE
    assert state_of(hass, motion).state == STATE_OFF
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# -- camera-controlled counts ------------------------------------------------------


async def test_camera_lists_make_no_more_entities(
    hass: HomeAssistant, sim: CgiActionSim
) -> None:
    """Storage devices, areas and titles never become entities or requests; presets
    are the seed's fixed 1-100 whatever the camera does."""
    async with CgiActionSim(username=USERNAME, password=PASSWORD, rtsp_port=1) as plain:
        entry = await setup_entry(hass, plain, "cgi_action", DEVICE_ID,
                                  options={CONF_RTSP_PORT: 1})
        baseline = len(entities_of(hass, entry))
        await hass.config_entries.async_remove(entry.entry_id)
    sim.storage = [{"id": f"d{n}", "type": 1, "total_storage": n, "remaining_storage": 0,
                    "status": 1} for n in range(2000)]
    sim.groups["MotionDetConf"]["area_list"] = [{"area_x": 0}] * 3000
    entry = await setup_entry(hass, sim, "cgi_action", DEVICE_ID, options={CONF_RTSP_PORT: 1})
    assert len(entities_of(hass, entry)) == baseline
    camera = entry.runtime_data.camera
    assert camera.capabilities.ptz is not None and camera.capabilities.ptz.preset_max == 100
    assert len(camera.capabilities.alarms) == 1
    requests = len(sim.requests)
    for _ in range(5):  # storage is configuration: read at one refresh in five
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=61))
        await settle(hass)
    polls = [r.query.get("action") for r in sim.requests[requests:]]
    assert polls.count("getStorageInfo") == 1  # one read however many devices


async def test_no_error_escapes_the_taxonomy(
    session: aiohttp.ClientSession, sim: CgiActionSim
) -> None:
    """Every reader of camera input, fed every hostile body, raises CameraError at most."""
    camera = await _connect(session, sim)
    bodies = ["[" * 100_000, _envelope('"x": ' + "{" * 50 + "}" * 50), "\xff\xfe",
              _envelope('"deviceTime": 1e999, "status": NaN, "image_base64": 5')]
    for body in bodies:
        for action in ("getImageAdjustment", "getIOAlarmIn", "getDeviceTime", "getFmtSnap",
                       "getStorageInfo"):
            sim.answers[action] = (200, body)
        for call in (camera.read_state, camera.poll_alarms, camera.read_clock,
                     camera.snapshot):
            with contextlib.suppress(CameraError):
                await call()
        with contextlib.suppress(CameraError):
            await camera.write(K.BRIGHTNESS, 5)
