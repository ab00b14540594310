"""The cgi_message client against its simulator: formats, ranges, codes, PTZ, safety."""

from __future__ import annotations

import time
from typing import Any

import aiohttp
import pytest

from custom_components.cgi_camera.client import (
    Action,
    AuthError,
    CommandError,
    Credentials,
    NotSupported,
    PresetOp,
    ProtocolError,
    PtzMove,
    SettingKey,
    StreamKind,
    UnsupportedDevice,
    connect,
    detect,
)
from custom_components.cgi_camera.client.camera import Camera, Fingerprint
from custom_components.cgi_camera.client.dialects.cgi_message import (
    CgiMessageCamera,
    Range,
    decode,
    lookup,
)
from custom_components.cgi_camera.client.transport import Transport
from tests.conftest import PASSWORD, USERNAME
from tests.sim.cgi_message import CgiMessageSim

CREDS = Credentials(USERNAME, PASSWORD)
K = SettingKey



def _sim(**kwargs: Any) -> CgiMessageSim:
    return CgiMessageSim(username=USERNAME, password=PASSWORD, **kwargs)


async def _camera(session: aiohttp.ClientSession, sim: CgiMessageSim) -> Camera:
    camera = await detect(session, sim.host, sim.port, CREDS)
    assert isinstance(camera, CgiMessageCamera)
    return camera


# -- wire format --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", Range(read_only=True)),
        ("1 ... 30", Range(low=1, high=30)),
        ("0, 1, 2 ... 240", Range(low=0, high=240)),
        ("1000, 2000, 4000", Range(low=1000, high=4000, choices=("1000", "2000", "4000"))),
        ('"G711U", "G711A"', Range(choices=("G711U", "G711A"))),
        ("valid string", Range()),
        ("1 ...", Range()),
        ("8", Range(low=8, high=8, choices=("8",))),
    ],
)
def test_range_forms(raw: str, expected: Range) -> None:
    assert Range.parse(raw) == expected


def _message(code: str, body: str = "", close: bool = True) -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><Message><Header class="x_get"></Header>'
        f'<result code="{code}">text</result>{body}{"</Message>" if close else ""}'
    ).encode()


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (401, b"", AuthError),  # HTTP 401: the login
        (404, b"404 File Not Found", NotSupported),
        (500, b"", ProtocolError),
        (200, b"", ProtocolError),
        (200, b"  \n ", ProtocolError),
        (200, b"<html><body>login</body></html>", ProtocolError),
        (200, _message("401"), CommandError),  # application 401: a bad channel, not auth
        (200, _message("402"), CommandError),
        (200, _message("502"), CommandError),
        (200, _message("503"), CommandError),
        (200, _message("501"), NotSupported),
        (200, b"Invalid parameter value.\n", CommandError),
        (200, b"Successfully\n1\n", ProtocolError),  # plain, but no documented order
    ],
)
def test_answers_map_onto_the_taxonomy(status: int, body: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        decode(status, body, "Grp", None)


def test_decode_tolerates_the_seeds_shapes() -> None:
    block = "<ImageInfo><Hue><int>7</int></Hue><Hue><int>9</int></Hue><Odd>x</Odd></ImageInfo>"
    # Missing </Message>, the group named in another case, a repeated name.
    reply = decode(200, _message("200", block, close=False), "imageinfo", None)
    assert reply.values == {"Hue": "7", "Odd": "x"} and reply.xml
    assert decode(200, _message("200"), "ImageInfo", None).values == {}
    no_result = b"<Message><Header class='x'/><G><macaddress><string>m</string></macaddress>"
    values = decode(200, no_result + b"</G></Message>", "G", None).values
    assert lookup(values, "Mac") == "m"  # another spelling, another case
    assert lookup(values, "SerialNum") is None
    with pytest.raises(ProtocolError):
        decode(200, b"---> status only\n", "G", ())
    plain = b"Successfully      --->status\n5 --->a\n\n6 ---> b\n"
    assert decode(200, plain, "G", ("a", "b", "c")).values == {"a": "5", "b": "6"}


# -- detection and identity ---------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"auth": "digest"}, {"fmt": "truncated"}, {"fmt": "plain"}, {"auth": "none"}],
)
async def test_detect_every_variant(session: aiohttp.ClientSession, kwargs: dict[str, Any]) -> None:
    async with _sim(**kwargs) as sim:
        camera = await _camera(session, sim)
        assert camera.info.mac == "52:3e:42:02:bc:20"
        assert camera.info.unique_id == "52:3e:42:02:bc:20"
        assert camera.info.model == "V6202IR-AR0237"
        assert camera.info.firmware == "V1.04.10-161208"
        state = await camera.read_state(reuse_discovery=True)
        assert state[K.AUDIO] is False
        assert state[K.VOLUME] == 5  # read as "Volume", written as AudioVolume
        assert state[K.SD_CARD_STATUS] == "mounted"
        assert state[K.SD_FREE] == 30436 - 1024
        assert sim.failed_logins == 0
        assert sim.dangerous_calls == []


async def test_plain_firmware_offers_only_what_the_seed_orders(
    session: aiohttp.ClientSession,
) -> None:
    async with _sim(fmt="plain") as sim:
        camera = await _camera(session, sim)
        settings = camera.capabilities.settings
        # Image/camera groups have no printed value order: not guessed.
        assert K.BRIGHTNESS not in settings and K.MIRROR not in settings
        assert {K.AUDIO, K.MOTION_DETECTION, K.RECORDING, K.BOOT_TIME} <= set(settings)
        # Queries are run-on lines: the seed's tables give the ranges.
        assert (settings[K.VOLUME].minimum, settings[K.VOLUME].maximum) == (0, 9)
        # ptz_query is unreadable; SpeedInfo proves the head, with its 1 ... 8.
        ptz = camera.capabilities.ptz
        assert ptz is not None and (ptz.speed_min, ptz.speed_max) == (1, 8)
        assert await camera.write(K.VOLUME, 7) == {K.VOLUME: 7}
        assert sim.value("AudioInfo", "AudioVolume") == "7"


async def test_fingerprint_rejects_html_and_other_servers(
    session: aiohttp.ClientSession,
) -> None:
    async with _sim(auth="none") as sim:
        transport = Transport(session, sim.host, sim.port, timeout=5)
        assert await CgiMessageCamera.fingerprint(transport) is Fingerprint.YES
        sim.garbage("/cgi/sys_get", b"<html><body>Router</body></html>", "text/html")
        assert await CgiMessageCamera.fingerprint(transport) is Fingerprint.NO
        sim.garbage("/cgi/sys_get", b"<<<", "text/html")
        assert await CgiMessageCamera.fingerprint(transport) is Fingerprint.NO
        sim.garbage("/cgi/sys_get", b"", "text/html")
        assert await CgiMessageCamera.fingerprint(transport) is Fingerprint.NO
        sim.fail("/cgi/sys_get", 404)
        assert await CgiMessageCamera.fingerprint(transport) is Fingerprint.NO


@pytest.mark.parametrize("auth", ["basic", "digest"])
async def test_wrong_password_is_one_failed_login(
    session: aiohttp.ClientSession, auth: str
) -> None:
    async with CgiMessageSim(username=USERNAME, password="other", auth=auth) as sim:  # type: ignore[arg-type]
        with pytest.raises(AuthError):
            await detect(session, sim.host, sim.port, CREDS)
        assert sim.failed_logins == 1


async def test_a_non_camera_login_is_not_an_auth_error(session: aiohttp.ClientSession) -> None:
    # A MAYBE that turns out to be another server: detection moves on.
    async with _sim() as sim:
        sim.fail("/cgi/sys_get", 404)
        with pytest.raises(UnsupportedDevice):
            await CgiMessageCamera.connect(Transport(session, sim.host, sim.port), CREDS)


async def test_without_mac_the_serial_is_not_the_identity(
    session: aiohttp.ClientSession,
) -> None:
    async with _sim() as sim:
        del sim.groups[("sys", "DeviceInfo")]["Mac"]
        camera = await connect(session, "cgi_message", sim.host, sim.port, CREDS)
        assert camera.info.unique_id is None
        assert camera.info.extra == {"serial": "5509560FBF2D"}


# -- ranges -------------------------------------------------------------------------


async def test_ranges_come_from_the_query(session: aiohttp.ClientSession) -> None:
    ranges = {
        "Brightness": "0 ... 100",
        "AudioVolume": "2, 4, 6",
        "ICRSwitch": "1, 2, 3",
        "ExposureMode": "0 ... 1",
        "WDRLevel": "",  # read-only on this device
        "WBMode": "valid string",  # says nothing about the options: all of them
    }
    async with _sim(ranges=ranges) as sim:
        camera = await _camera(session, sim)
        settings = camera.capabilities.settings
        assert (settings[K.BRIGHTNESS].minimum, settings[K.BRIGHTNESS].maximum) == (0, 100)
        volume = settings[K.VOLUME]
        assert (volume.minimum, volume.maximum, volume.step) == (2, 6, 2)
        assert settings[K.DAY_NIGHT_MODE].options == ("night", "day", "auto")
        assert settings[K.EXPOSURE_MODE].options == ("auto", "shutter_priority")
        assert K.WDR_LEVEL not in settings
        assert settings[K.WHITE_BALANCE].options == ("auto", "manual")
        with pytest.raises(CommandError):
            await camera.write(K.BRIGHTNESS, 101)
        with pytest.raises(NotSupported):
            await camera.write(K.WDR_LEVEL, 3)
        # One query per group at set-up, none afterwards.
        queries = sim.count("/cgi/camera_query") + sim.count("/cgi/image_query")
        await camera.read_state()
        assert sim.count("/cgi/camera_query") + sim.count("/cgi/image_query") == queries == 3


async def test_failed_queries_fall_back_to_the_seed(session: aiohttp.ClientSession) -> None:
    async with _sim(queries=False) as sim:
        camera = await _camera(session, sim)
        settings = camera.capabilities.settings
        assert (settings[K.BRIGHTNESS].minimum, settings[K.BRIGHTNESS].maximum) == (0, 255)
        assert (settings[K.MOTION_SENSITIVITY].minimum,
                settings[K.MOTION_SENSITIVITY].maximum) == (1, 100)
        assert settings[K.DAY_NIGHT_MODE].options == ("external", "night", "day", "auto")
        assert camera.capabilities.ptz is not None
        assert camera.capabilities.ptz.speed_max == 8


async def test_a_query_without_the_parameter_hides_it(session: aiohttp.ClientSession) -> None:
    async with _sim() as sim:
        del sim.groups[("camera", "BasicInfo")]["DISSwitch"]  # not even in _get
        sim.query_omits = {"AFGSwitch"}  # in _get, but _query says "not supported"
        camera = await _camera(session, sim)
        assert K.STABILIZATION not in camera.capabilities.settings
        assert K.DEFOG not in camera.capabilities.settings
        assert K.MIRROR in camera.capabilities.settings


async def test_unreadable_values_are_skipped(session: aiohttp.ClientSession) -> None:
    async with _sim() as sim:
        camera = await _camera(session, sim)
        sim.groups[("image", "ImageInfo")]["Brightness"].value = "bright"
        state = await camera.read_state()
        assert K.BRIGHTNESS not in state and K.CONTRAST in state


@pytest.mark.parametrize("ptz_group", [None, {}])
async def test_ptz_query_edge_cases(
    session: aiohttp.ClientSession, ptz_group: dict[str, Any] | None
) -> None:
    async with _sim() as sim:
        if ptz_group is None:
            del sim.groups[("ptz", "PTZCtrlInfo")]  # 402 "Invalid parameter name"
        else:
            sim.groups[("ptz", "PTZCtrlInfo")] = ptz_group  # an empty answer
        camera = await _camera(session, sim)
        # 402 (no such group) or nothing to read ranges from is not "no head":
        # SpeedInfo answers, so there is one, with the seed's defaults.
        assert camera.capabilities.ptz is not None
        assert camera.capabilities.ptz.speed_max == 8


# -- writes ---------------------------------------------------------------------------


async def test_writes_send_one_parameter_and_its_partner(
    session: aiohttp.ClientSession,
) -> None:
    async with _sim() as sim:
        camera = await _camera(session, sim)
        await camera.write(K.BRIGHTNESS, 200)
        assert sim.set_calls[-1] == ("image_set", "ImageInfo", {"Brightness": "200"})
        await camera.write(K.DAY_NIGHT_MODE, "night")
        assert sim.set_calls[-1][2] == {"ICRSwitch": "1", "ICRTimer": "5"}
        await camera.write(K.SCENE_MODE, "indoor")
        assert sim.set_calls[-1][2] == {"ScenceSelect": "1", "ExposureMode": "0"}
        await camera.write(K.BACKLIGHT_COMPENSATION_ENABLED, True)
        # The URL template's spelling is sent; the device reads it as BLCLevel.
        assert sim.set_calls[-1][2] == {"BLCSwitch": "1", "BLCLLevel": "0"}
        await camera.write(K.POWER_FREQUENCY, "60hz")
        assert sim.value("ImageInfo", "Format") == "1"
        state = await camera.read_state()
        assert state[K.DAY_NIGHT_MODE] == "night" and state[K.SCENE_MODE] == "indoor"
        assert state[K.BACKLIGHT_COMPENSATION_ENABLED] is True
        with pytest.raises(CommandError):
            await camera.write(K.WHITE_BALANCE, "sunny")
        with pytest.raises(NotSupported):
            await camera.write(K.SD_TOTAL, 1)
        with pytest.raises(NotSupported):
            await camera.write(K.IR_LIGHT, True)


async def test_device_refusals_are_command_errors(session: aiohttp.ClientSession) -> None:
    async with _sim() as sim:
        camera = await _camera(session, sim)
        sim.groups[("image", "ImageInfo")]["Contrast"].query = "0 ... 10"  # device narrowed
        with pytest.raises(CommandError, match="402"):
            await camera.write(K.CONTRAST, 50)


async def test_read_state_survives_one_group_and_fails_on_all(
    session: aiohttp.ClientSession,
) -> None:
    async with _sim() as sim:
        camera = await _camera(session, sim)
        sim.fail("/cgi/image_get", 500)
        state = await camera.read_state()
        assert K.BRIGHTNESS not in state and K.MIRROR in state
        sim.garbage("/cgi/sys_get", b"Successfully\nx\nnot-a-number\n", "text/html")
        state = await camera.read_state()
        assert K.BOOT_TIME not in state
        sim.clear_faults()
        sim.fail("*", 500)
        with pytest.raises(ProtocolError):
            await camera.read_state()


async def test_boot_time_is_steady(session: aiohttp.ClientSession) -> None:
    async with _sim() as sim:
        camera = await _camera(session, sim)
        first = (await camera.read_state(reuse_discovery=True))[K.BOOT_TIME]
        assert (await camera.read_state())[K.BOOT_TIME] == first


# -- actions, PTZ, media -----------------------------------------------------------------


async def test_actions(session: aiohttp.ClientSession) -> None:
    async with _sim() as sim:
        camera = await _camera(session, sim)
        await camera.press(Action.REBOOT)
        assert sim.reboots == 1
        reboot = [r.query for r in sim.requests if r.path == "/cgi/sys_set"][-1]
        assert (reboot["ResetFlag"], reboot["IPkeep"]) == ("0", "1")
        await camera.press(Action.SYNC_TIME)
        assert abs(sim.time_sets[-1] - time.time()) < 5
        await camera.write(K.MIRROR, True)
        await camera.press(Action.RESET_IMAGE)
        assert sim.image_resets == 1 and sim.value("BasicInfo", "MirrorHor") == "0"
        await camera.press(Action.PTZ_AUTO_SCAN)
        assert sim.ptz_log[-1] == {"AutoScan": "1"}
        await camera.press(Action.PTZ_STOP)
        assert sim.ptz_log[-1] == {"Stop": "0"}
        with pytest.raises(NotSupported):
            await camera.press(Action.TRIGGER_ALARM)
        assert sim.dangerous_calls == []


async def test_ptz(session: aiohttp.ClientSession) -> None:
    async with _sim(ranges={"PanSpeed": "1 ... 8", "PresetNumber": "1 ... 16"}) as sim:
        camera = await _camera(session, sim)
        ptz = camera.capabilities.ptz
        assert ptz is not None
        assert (ptz.speed_min, ptz.speed_max, ptz.preset_max) == (1, 8, 16)
        await camera.ptz_move(PtzMove.DOWN_LEFT, 100)
        assert sim.ptz_log[-1] == {"Direction": "6", "PanSpeed": "8", "TiltSpeed": "8"}
        await camera.ptz_move(PtzMove.UP_RIGHT, 1)
        assert sim.ptz_log[-1] == {"Direction": "7", "PanSpeed": "1", "TiltSpeed": "1"}
        lens = ((PtzMove.ZOOM_IN, {"Zoom": "1"}), (PtzMove.FOCUS_FAR, {"Focus": "0"}),
                (PtzMove.IRIS_OPEN, {"Iris": "1"}), (PtzMove.STOP, {"Stop": "0"}))
        for move, expected in lens:
            await camera.ptz_move(move)
            assert sim.ptz_log[-1] == expected
        await camera.ptz_preset(PresetOp.SET, 3)
        assert sim.ptz_log[-1] == {"PresetNumber": "3", "Preset": "0"}
        await camera.ptz_preset(PresetOp.GOTO, 3)
        assert sim.ptz_log[-1] == {"PresetNumber": "3", "Preset": "1"}
        with pytest.raises(NotSupported):
            await camera.ptz_preset(PresetOp.REMOVE, 3)
        with pytest.raises(NotSupported):
            await camera.ptz_preset(PresetOp.GOTO, 17)


async def test_ptz_speed_from_the_wide_range(session: aiohttp.ClientSession) -> None:
    # PTZCtrlInfo's own 0 ... 63: 0 would not move, so 1 is the slowest.
    async with _sim() as sim:
        camera = await _camera(session, sim)
        ptz = camera.capabilities.ptz
        assert ptz is not None and (ptz.speed_min, ptz.speed_max) == (1, 63)


async def test_ptz_query_limits_the_moves(session: aiohttp.ClientSession) -> None:
    async with _sim() as sim:
        for name in ("Zoom", "Focus", "Iris", "AutoScan"):
            del sim.groups[("ptz", "PTZCtrlInfo")][name]
        camera = await _camera(session, sim)
        ptz = camera.capabilities.ptz
        assert ptz is not None and PtzMove.ZOOM_IN not in ptz.moves and PtzMove.UP in ptz.moves
        assert Action.PTZ_AUTO_SCAN not in camera.capabilities.actions


async def test_no_ptz(session: aiohttp.ClientSession) -> None:
    async with _sim(ptz=False, wifi=False, sd_card=False) as sim:
        camera = await _camera(session, sim)
        assert camera.capabilities.ptz is None
        assert Action.PTZ_STOP not in camera.capabilities.actions
        assert K.WIFI_SIGNAL not in camera.capabilities.settings
        assert (await camera.read_state(reuse_discovery=True))[K.SD_CARD_STATUS] == "removed"
        with pytest.raises(NotSupported):
            await camera.ptz_move(PtzMove.LEFT)


async def test_plain_without_ptz(session: aiohttp.ClientSession) -> None:
    async with _sim(fmt="plain", ptz=False) as sim:
        camera = await _camera(session, sim)
        assert camera.capabilities.ptz is None


async def test_media(session: aiohttp.ClientSession) -> None:
    async with _sim(auth="digest") as sim:
        camera = await _camera(session, sim)
        assert (await camera.snapshot()).startswith(b"\xff\xd8")
        assert camera.mjpeg_url(StreamKind.MAIN) == (
            f"http://{sim.host}:{sim.port}/mjpgstreamreq/1/image.jpg"
        )
        assert camera.rtsp_candidates(StreamKind.MAIN, 554)[0].endswith(":554/1/h264major")
        assert camera.rtsp_candidates(StreamKind.SUB, 554)[0].endswith(":554/1/h264minor")
        sim.fail("/jpgimage/1/image.jpg", 404)
        sim.fail("/mjpgstreamreq/1/image.jpg", 404)
        with pytest.raises(NotSupported):
            await camera.snapshot()
