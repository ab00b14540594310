"""Hostile values from a cgi_message camera stay inside the client's error taxonomy.

Issue 17 defects 8 (``inf``, ``1e999``, ``nan``, huge integers, deep nesting must not
raise OverflowError/ValueError/RecursionError out of the client, and a bad value costs
only itself) and 3 (camera-controlled counts are capped, see client/limits.py).
"""

from __future__ import annotations

import logging
import math
from typing import Any

import aiohttp
import pytest

from custom_components.cgi_camera.client import (
    Credentials,
    PresetOp,
    ProtocolError,
    SettingKey,
    detect,
)
from custom_components.cgi_camera.client.dialects.cgi_message import CgiMessageCamera
from custom_components.cgi_camera.client.limits import MAX_PRESETS
from tests.conftest import PASSWORD, USERNAME
from tests.sim.cgi_message import CgiMessageSim

CREDS = Credentials(USERNAME, PASSWORD)
K = SettingKey
HUGE = "9" * 400  # float() of it is inf
HOSTILE = ("inf", "-inf", "nan", "1e999", HUGE, "123456789012345678901234567890", "0x10")
IDS = ["inf", "-inf", "nan", "1e999", "400_digits", "30_digits", "hex"]



def _sim(**kwargs: Any) -> CgiMessageSim:
    return CgiMessageSim(username=USERNAME, password=PASSWORD, **kwargs)


async def _camera(session: aiohttp.ClientSession, sim: CgiMessageSim) -> CgiMessageCamera:
    camera = await detect(session, sim.host, sim.port, CREDS)
    assert isinstance(camera, CgiMessageCamera)
    return camera


def _set(sim: CgiMessageSim, area: str, group: str, name: str, value: str) -> None:
    sim.groups[(area, group)][name].value = value


def _time_info(value: str) -> bytes:
    return (
        '<?xml version="1.0"?><Message><Header class="sys_get"></Header>'
        '<result code="200">Successfully</result><TimeInfo>'
        f"<CameraTime><int>{value}</int></CameraTime><UpTime><int>{value}</int></UpTime>"
        "</TimeInfo></Message>"
    ).encode()


@pytest.mark.parametrize("value", HOSTILE, ids=IDS)
async def test_hostile_numbers_cost_only_their_own_value(
    session: aiohttp.ClientSession, value: str
) -> None:
    async with _sim() as sim:
        # Hostile from the start: the set-up's own read survives them too.
        _set(sim, "image", "ImageInfo", "Brightness", value)
        sim.overrides["sys_get?Group=TimeInfo"] = _time_info(value)
        _set(sim, "record", "RecordDevice", "TotalSpace", value)
        camera = await _camera(session, sim)
        state = await camera.read_state(reuse_discovery=True)
        assert K.BRIGHTNESS not in state and state[K.CONTRAST] == 128
        assert K.BOOT_TIME not in state and K.SD_FREE not in state and K.SD_TOTAL not in state
        assert state[K.SD_CARD_STATUS] == "mounted"
        _set(sim, "image", "ImageInfo", "Contrast", value)
        _set(sim, "audio", "AudioInfo", "AudioVolume", value)
        state = await camera.read_state()
        assert K.CONTRAST not in state and K.VOLUME not in state
        assert state[K.SATURATION] == 128 and state[K.AUDIO] is False


async def test_an_uptime_beyond_the_calendar_is_skipped(session: aiohttp.ClientSession) -> None:
    async with _sim() as sim:
        camera = await _camera(session, sim)
        assert K.BOOT_TIME in (await camera.read_state(reuse_discovery=True))
        sim.overrides["sys_get?Group=TimeInfo"] = _time_info("999999999999999")  # 31 My
        state = await camera.read_state()
        assert K.BOOT_TIME not in state and K.BRIGHTNESS in state


@pytest.mark.parametrize("value", [*HOSTILE, "99999999999999", "-99999999999999"],
                         ids=[*IDS, "year_3e6", "year_-3e6"])
async def test_hostile_camera_time_is_a_protocol_error(
    session: aiohttp.ClientSession, value: str
) -> None:
    async with _sim() as sim:
        camera = await _camera(session, sim)
        sim.overrides["sys_get?Group=TimeInfo"] = _time_info(value)
        with pytest.raises(ProtocolError):
            await camera.read_clock()


RANGES = {
    "Brightness": "1 ... 1e999",
    "Contrast": f"0 ... {HUGE}",
    "Saturation": "-inf ... inf",
    "Sharpness": "nan ... 7",
    "AudioVolume": "nan, inf, 1e999",
    "WDRLevel": f"{HUGE}, {HUGE}",
    "PanSpeed": f"1 ... {HUGE}",
    "TiltSpeed": "1 ... inf",
    "PresetNumber": "1 ... 1e999",
}


async def test_hostile_ranges_fall_back_to_the_seed(session: aiohttp.ClientSession) -> None:
    async with _sim(ranges=RANGES) as sim:
        camera = await _camera(session, sim)
        settings = camera.capabilities.settings
        for key in (K.BRIGHTNESS, K.CONTRAST, K.SATURATION, K.SHARPNESS):
            setting = settings[key]
            assert (setting.minimum, setting.maximum) == (0, 255), key  # 004 §3.3.4
        for setting in settings.values():
            for bound in (setting.minimum, setting.maximum, setting.step):
                assert bound is None or math.isfinite(bound), setting
        ptz = camera.capabilities.ptz
        assert ptz is not None
        assert (ptz.speed_min, ptz.speed_max) == (1, 8)  # nothing usable: SpeedInfo's
        assert (ptz.preset_min, ptz.preset_max) == (1, 255)


async def test_a_repeated_choice_is_no_step(session: aiohttp.ClientSession) -> None:
    async with _sim(ranges={"AudioVolume": "5, 5"}) as sim:
        camera = await _camera(session, sim)
        assert camera.capabilities.settings[K.VOLUME].step == 1


async def test_oversized_preset_range_is_capped(
    session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    async with _sim(ranges={"PresetNumber": "1 ... 100000"}) as sim:
        with caplog.at_level(logging.WARNING):
            camera = await _camera(session, sim)
            await camera.read_state()
        ptz = camera.capabilities.ptz
        assert ptz is not None and (ptz.preset_min, ptz.preset_max) == (1, MAX_PRESETS)
        warnings = [r for r in caplog.records if "PTZ presets" in r.getMessage()]
        assert len(warnings) == 1
        await camera.ptz_preset(PresetOp.GOTO, MAX_PRESETS)
        assert sim.ptz_log[-1] == {"PresetNumber": str(MAX_PRESETS), "Preset": "1"}


async def test_a_preset_range_from_zero_or_upside_down(session: aiohttp.ClientSession) -> None:
    async with _sim(ranges={"PresetNumber": "0 ... 0"}) as sim:
        camera = await _camera(session, sim)
        ptz = camera.capabilities.ptz
        assert ptz is not None and (ptz.preset_min, ptz.preset_max) == (1, 255)


def _message(block: str) -> bytes:
    return ('<?xml version="1.0" encoding="utf-8"?><Message><Header class="image_get">'
            f'</Header><result code="200">Successfully</result>{block}</Message>').encode()


BODIES = {
    "deep_nesting": _message(
        "<ImageInfo><Brightness>" + "<int>" * 50_000 + "1" + "</int>" * 50_000
        + "</Brightness></ImageInfo>"),
    "deep_group": _message("<ImageInfo>" + "<a>" * 50_000 + "</a>" * 50_000 + "</ImageInfo>"),
    "many_values": _message("<ImageInfo>" + "<X><int>1</int></X>" * 12_000 + "</ImageInfo>"),
    "huge_result_code": _message("").replace(b'code="200"', b'code="2' + b"0" * 5000 + b'"'),
    "odd_result_code": _message("").replace(b'code="200"', b'code="inf"'),
    "entity_names": _message("<ImageInfo><Brightness>&amp;&#0;</Brightness></ImageInfo>"),
}


@pytest.mark.parametrize("kind", list(BODIES))
async def test_hostile_documents_cost_only_their_group(
    session: aiohttp.ClientSession, kind: str
) -> None:
    async with _sim() as sim:
        camera = await _camera(session, sim)
        sim.overrides["image_get"] = BODIES[kind]
        try:
            state = await camera.read_state()
        except ProtocolError:  # pragma: no cover - only if every group failed
            pytest.fail("one group's answer failed the whole read")
        assert state[K.MIRROR] is False and state[K.AUDIO] is False
        assert state.get(K.BRIGHTNESS) in (None, 1)  # never junk
        del sim.overrides["image_get"]
        assert (await camera.read_state())[K.BRIGHTNESS] == 128


@pytest.mark.parametrize("kind", list(BODIES))
async def test_hostile_documents_at_set_up(session: aiohttp.ClientSession, kind: str) -> None:
    async with _sim(overrides={"image_get": BODIES[kind], "image_query": BODIES[kind]}) as sim:
        camera = await _camera(session, sim)
        assert K.MIRROR in camera.capabilities.settings
        assert (await camera.read_state(reuse_discovery=True)).get(K.BRIGHTNESS) in (None, 1)
