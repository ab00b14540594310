"""cgi_message capability probes: an ambiguous answer asks the next documented probe.

Only a clear "not supported" (result 501, HTTP 404) ends a chain early. Each case is a
firmware quirk of the simulator (``overrides``) seen through the real client.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from custom_components.cgi_camera.client import (
    AuthError,
    Credentials,
    NotSupported,
    ProtocolError,
    PtzMove,
    SettingKey,
    Timeout,
    detect,
)
from custom_components.cgi_camera.client.camera import Camera
from custom_components.cgi_camera.client.dialects import cgi_message
from custom_components.cgi_camera.client.dialects.cgi_message import CgiMessageCamera
from custom_components.cgi_camera.client.transport import Transport
from tests.conftest import PASSWORD, USERNAME
from tests.sim.cgi_message import CgiMessageSim

CREDS = Credentials(USERNAME, PASSWORD)
K = SettingKey



def _sim(**kwargs: Any) -> CgiMessageSim:
    return CgiMessageSim(username=USERNAME, password=PASSWORD, auth="digest", **kwargs)


async def _camera(session: aiohttp.ClientSession, sim: CgiMessageSim) -> Camera:
    camera = await detect(session, sim.host, sim.port, CREDS)
    assert isinstance(camera, CgiMessageCamera)
    return camera


def _asked(sim: CgiMessageSim, cgi: str) -> list[str]:
    """The Group= of every request to ``/cgi/<cgi>``, in order."""
    return [r.query.get("Group", "") for r in sim.requests if r.path == f"/cgi/{cgi}"]


# -- PTZ: ptz_query -> ptz_query All -> ptz_get of the documented groups -----------------


async def test_ptz_query_refused_with_402_falls_back_to_the_all_query(
    session: aiohttp.ClientSession,
) -> None:
    # The camera: ptz_query?Group=PTZCtrlInfo answers 402; the area's All works.
    async with _sim(overrides={"ptz_query?Group=PTZCtrlInfo": "402"}) as sim:
        camera = await _camera(session, sim)
        ptz = camera.capabilities.ptz
        assert ptz is not None
        assert (ptz.speed_min, ptz.speed_max) == (1, 63)  # PTZCtrlInfo's block of All
        assert _asked(sim, "ptz_query") == ["PTZCtrlInfo", "All"]
        await camera.ptz_move(PtzMove.LEFT)
        assert sim.ptz_log[-1]["Direction"] == "3"


AMBIGUOUS: dict[str, str | int | bytes] = {
    "invalid_parameter": "402",
    "invalid_channel": "401",
    "not_available_now": "502",
    "server_failed": "503",
    "undocumented_code": "999",
    "http_500": 500,
    "http_403": 403,
    "garbage": b"<html><body>busy</body></html>",
    "truncated": b'<?xml version="1.0"?><Message><result code="200">Succ',
}


@pytest.mark.parametrize("kind", list(AMBIGUOUS))
async def test_unreadable_ptz_queries_fall_back_to_ptz_get(
    session: aiohttp.ClientSession, kind: str
) -> None:
    async with _sim(overrides={"ptz_query": AMBIGUOUS[kind]}) as sim:
        camera = await _camera(session, sim)
        ptz = camera.capabilities.ptz
        assert ptz is not None, sim.paths()
        # Nothing reports ranges: every move, and SpeedInfo's 1 ... 8.
        assert (ptz.speed_min, ptz.speed_max) == (1, 8)
        assert PtzMove.ZOOM_IN in ptz.moves and PtzMove.DOWN_RIGHT in ptz.moves
        assert _asked(sim, "ptz_query") == ["PTZCtrlInfo", "All"]
        assert _asked(sim, "ptz_get") == ["SpeedInfo"]


async def test_ptz_get_groups_are_asked_in_turn(session: aiohttp.ClientSession) -> None:
    overrides: dict[str, str | int | bytes] = {
        "ptz_query": "402", "ptz_get?Group=SpeedInfo": "503",
    }
    async with _sim(overrides=overrides) as sim:
        camera = await _camera(session, sim)
        assert camera.capabilities.ptz is not None
        assert _asked(sim, "ptz_get") == ["SpeedInfo", "PTZCtrlInfo"]


async def test_ptz_absent_when_no_documented_probe_answers(
    session: aiohttp.ClientSession,
) -> None:
    async with _sim(overrides={"ptz_query": "402", "ptz_get": "402"}) as sim:
        camera = await _camera(session, sim)
        assert camera.capabilities.ptz is None
        # Every documented proof was asked, except ProtocolInfo (an RS-485 link).
        assert _asked(sim, "ptz_get") == ["SpeedInfo", "PTZCtrlInfo", "PresetNameInfo",
                                         "TourInfo"]
        with pytest.raises(NotSupported):
            await camera.ptz_move(PtzMove.UP)


@pytest.mark.parametrize("answer", ["501", 404], ids=["result_501", "http_404"])
async def test_a_clear_not_supported_ends_the_ptz_chain(
    session: aiohttp.ClientSession, answer: str | int
) -> None:
    async with _sim(overrides={"ptz_query": answer}) as sim:
        camera = await _camera(session, sim)
        assert camera.capabilities.ptz is None
        assert _asked(sim, "ptz_query") == ["PTZCtrlInfo"]
        assert _asked(sim, "ptz_get") == []


async def test_a_clear_not_supported_from_ptz_get_ends_it_too(
    session: aiohttp.ClientSession,
) -> None:
    async with _sim(overrides={"ptz_query": "503", "ptz_get": "501"}) as sim:
        camera = await _camera(session, sim)
        assert camera.capabilities.ptz is None
        assert _asked(sim, "ptz_get") == ["SpeedInfo"]


# -- settings groups: _get -> _query?Group=<group> -> _query?Group=All -> the seed ----------


async def test_a_failing_get_is_vouched_for_by_its_query(
    session: aiohttp.ClientSession,
) -> None:
    async with _sim(overrides={"camera_get?Group=BasicInfo": "503"}) as sim:
        camera = await _camera(session, sim)
        # BasicInfo's query names its parameters: the settings exist.
        assert {K.MIRROR, K.FLIP, K.WDR_LEVEL} <= set(camera.capabilities.settings)
        # No value until a read succeeds.
        assert K.MIRROR not in (await camera.read_state(reuse_discovery=True))
        del sim.overrides["camera_get?Group=BasicInfo"]
        state = await camera.read_state()
        assert state[K.MIRROR] is False
        await camera.write(K.MIRROR, True)
        assert sim.value("BasicInfo", "MirrorHor") == "1"


async def test_a_group_query_refused_falls_back_to_all(
    session: aiohttp.ClientSession,
) -> None:
    ranges = {"Brightness": "0 ... 100"}
    async with _sim(ranges=ranges, overrides={"image_query?Group=ImageInfo": "402"}) as sim:
        camera = await _camera(session, sim)
        brightness = camera.capabilities.settings[K.BRIGHTNESS]
        assert (brightness.minimum, brightness.maximum) == (0, 100)  # from All
        assert _asked(sim, "image_query") == ["ImageInfo", "All"]


async def test_all_queries_failing_leave_the_seeds_ranges(
    session: aiohttp.ClientSession,
) -> None:
    async with _sim(ranges={"Brightness": "0 ... 100"},
                    overrides={"image_query": b"not xml at all"}) as sim:
        camera = await _camera(session, sim)
        brightness = camera.capabilities.settings[K.BRIGHTNESS]
        assert (brightness.minimum, brightness.maximum) == (0, 255)  # 004 §3.3.4
        assert _asked(sim, "image_query") == ["ImageInfo", "All"]


async def test_an_empty_query_answer_is_no_answer(session: aiohttp.ClientSession) -> None:
    # A 200 without the group's block must not hide every setting as "omitted".
    empty = (b'<?xml version="1.0"?><Message><Header class="image_query"></Header>'
             b'<result code="200">Successfully</result></Message>')
    async with _sim(overrides={"image_query?Group=ImageInfo": empty}) as sim:
        camera = await _camera(session, sim)
        assert K.BRIGHTNESS in camera.capabilities.settings
        assert _asked(sim, "image_query") == ["ImageInfo", "All"]


async def test_a_query_not_supported_keeps_the_settings_with_the_seeds_ranges(
    session: aiohttp.ClientSession,
) -> None:
    async with _sim(ranges={"Brightness": "0 ... 100"}, overrides={"image_query": "501"}) as sim:
        camera = await _camera(session, sim)
        brightness = camera.capabilities.settings[K.BRIGHTNESS]
        assert (brightness.minimum, brightness.maximum) == (0, 255)
        assert _asked(sim, "image_query") == ["ImageInfo"]  # 501 ends the chain


@pytest.mark.parametrize("answer", ["501", 404], ids=["result_501", "http_404"])
async def test_a_group_not_supported_is_not_queried(
    session: aiohttp.ClientSession, answer: str | int
) -> None:
    async with _sim(overrides={"camera_get?Group=BasicInfo": answer}) as sim:
        camera = await _camera(session, sim)
        assert K.MIRROR not in camera.capabilities.settings
        assert "BasicInfo" not in _asked(sim, "camera_query")
        assert K.EXPOSURE_MODE in camera.capabilities.settings


async def test_a_refused_group_is_left_out_without_a_reauth(
    session: aiohttp.ClientSession,
) -> None:
    # HTTP 403 after a good login: another privilege, not a wrong password.
    async with _sim(overrides={"audio_get": 403}) as sim:
        camera = await _camera(session, sim)
        assert K.AUDIO not in camera.capabilities.settings
        assert K.BRIGHTNESS in (await camera.read_state(reuse_discovery=True))
        await camera.read_state()
        assert _asked(sim, "audio_get") == ["AudioInfo"]  # never read again


async def test_refusals_beyond_the_budget_are_the_logins(
    session: aiohttp.ClientSession,
) -> None:
    # Every probe refused: after two, the device refuses us, not one group.
    overrides: dict[str, str | int | bytes] = {
        name: 401 for name in ("camera_get", "image_get", "audio_get", "alarm_get")
    }
    async with _sim(overrides=overrides) as sim:
        with pytest.raises(AuthError):
            await _camera(session, sim)
        assert len(_asked(sim, "camera_get")) + len(_asked(sim, "image_get")) == 3


async def test_a_hanging_group_is_left_out_after_its_probes(
    session: aiohttp.ClientSession,
) -> None:
    async with _sim(overrides={"wifi_get": "hang"}) as sim:
        transport = Transport(session, sim.host, sim.port, timeout=10)
        camera = CgiMessageCamera(transport, CREDS)
        await camera.login()
        transport.timeout = 1.0  # only the hanging request waits for it
        await camera.discover()
        assert K.WIFI_SIGNAL not in camera.capabilities.settings
        assert K.BRIGHTNESS in (await camera.read_state(reuse_discovery=True))
        assert [r.query.get("Group") for r in sim.requests
                if r.path == "/cgi/wifi_query"] == [None]  # its documented next probe


async def test_nothing_answering_in_time_is_a_timeout_not_a_featureless_camera(
    session: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    image = next(g for g in cgi_message.GROUPS if g.name == "ImageInfo")
    monkeypatch.setattr(cgi_message, "GROUPS", (image,))
    async with _sim() as sim:
        transport = Transport(session, sim.host, sim.port, timeout=10)
        camera = CgiMessageCamera(transport, CREDS)
        await camera.login()
        transport.timeout = 0.5
        sim.hang("*")
        with pytest.raises(Timeout):
            await camera.discover()
        # The get and both documented queries were each given their chance.
        assert [r.path for r in sim.requests][-3:] == [
            "/cgi/image_get", "/cgi/image_query", "/cgi/image_query"]


# -- snapshot: /jpgimage -> the first frame of the MJPEG stream ---------------------------


async def test_snapshot_falls_back_to_the_mjpeg_stream(session: aiohttp.ClientSession) -> None:
    async with _sim() as sim:
        camera = await _camera(session, sim)
        sim.fail("/jpgimage/1/image.jpg", 404)
        image = await camera.snapshot()
        assert image == sim.snapshot_jpeg
        assert sim.mjpeg_streams == 1
        await camera.snapshot()
        assert sim.count("/jpgimage/") == 1  # 404 once: not asked again
        sim.fail("/mjpgstreamreq/1/image.jpg", 404)
        with pytest.raises(NotSupported):
            await camera.snapshot()


async def test_snapshot_error_tries_the_stream_and_asks_again_later(
    session: aiohttp.ClientSession,
) -> None:
    async with _sim() as sim:
        camera = await _camera(session, sim)
        sim.fail("/jpgimage/1/image.jpg", 500, times=1)
        assert (await camera.snapshot()) == sim.snapshot_jpeg
        assert sim.mjpeg_streams == 1
        assert (await camera.snapshot()) == sim.snapshot_jpeg
        assert sim.count("/jpgimage/") == 2 and sim.mjpeg_streams == 1


@pytest.mark.parametrize("body", [
    b"--ipcamera\r\nContent-Type: image/jpeg\r\n\r\n" + b"\xff" * 100_000,  # no SOI at all
    b"--ipcamera\r\n\r\n\xff\xd8" + b"\x00" * 100_000,  # a frame that never ends
], ids=["no_frame", "unfinished_frame"])
async def test_a_stream_without_a_whole_frame_is_a_protocol_error(
    session: aiohttp.ClientSession, body: bytes
) -> None:
    async with _sim() as sim:
        camera = await _camera(session, sim)
        sim.fail("/jpgimage/1/image.jpg", 404)
        sim.garbage("/mjpgstreamreq/1/image.jpg", body, "multipart/x-mixed-replace")
        with pytest.raises(ProtocolError):
            await camera.snapshot()
