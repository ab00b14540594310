"""A cgi_message camera in Home Assistant: flow, every platform, ranges, PTZ, MJPEG."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from homeassistant import config_entries
from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.cgi_camera.const import CONF_RTSP_PORT, DOMAIN
from tests.conftest import PASSWORD, USERNAME
from tests.helpers import entity_id, settle, setup_entry, state_of
from tests.sim.cgi_message import CgiMessageSim
from tests.sim.uid_xml import UidXmlSim

MAC = "52:3e:42:02:bc:20"
# What this camera's _query reports differs from the seed's tables on purpose:
# the entities must show the device's ranges, not the documented ones.
RANGES = {
    "Brightness": "0 ... 100",
    "AudioVolume": "0 ... 5",
    "MDSensitivity": "1 ... 10",
    "ICRSwitch": "1, 2, 3",
    "ScenceSelect": "0, 1",
}


@pytest.fixture
async def msg_sim() -> AsyncIterator[CgiMessageSim]:
    sim = CgiMessageSim(username=USERNAME, password=PASSWORD, auth="digest", ranges=RANGES)
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()


async def _load(hass: HomeAssistant, sim: CgiMessageSim) -> None:
    """Set up with every entity enabled (several are disabled by default)."""
    await setup_entry(hass, sim, "cgi_message", MAC, options={CONF_RTSP_PORT: 1})
    registry = er.async_get(hass)
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    for ent in er.async_entries_for_config_entry(registry, entry.entry_id):
        if ent.disabled_by is not None:
            registry.async_update_entity(ent.entity_id, disabled_by=None)
    await hass.config_entries.async_reload(entry.entry_id)
    await settle(hass)


@pytest.fixture
async def loaded(hass: HomeAssistant, msg_sim: CgiMessageSim) -> CgiMessageSim:
    await _load(hass, msg_sim)
    return msg_sim


async def _call(hass: HomeAssistant, domain: str, service: str, target: str, **data: Any) -> None:
    await hass.services.async_call(domain, service, {ATTR_ENTITY_ID: target, **data},
                                   blocking=True)


def _eid(hass: HomeAssistant, platform: str, key: str) -> str:
    return entity_id(hass, platform, key, MAC)


async def test_user_flow_detects_the_dialect(
    hass: HomeAssistant, msg_sim: CgiMessageSim
) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"host": msg_sim.host, "port": msg_sim.port, "username": USERNAME,
         "password": PASSWORD, "ssl": False, "verify_ssl": True},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["dialect"] == "cgi_message"
    assert result["result"].unique_id == MAC  # the MAC, never the writable serial
    assert result["title"] == "V6202IR-AR0237"
    assert msg_sim.failed_logins == 0
    await hass.async_block_till_done()


@pytest.mark.parametrize(
    ("key", "group", "param"),
    [
        ("mirror", "BasicInfo", "MirrorHor"),
        ("flip", "BasicInfo", "MirrorVer"),
        ("wdr", "BasicInfo", "WDRSwitch"),
        ("defog", "BasicInfo", "AFGSwitch"),
        ("stabilization", "BasicInfo", "DISSwitch"),
        ("backlight_compensation_enabled", "ExposureInfo", "BLCSwitch"),
        ("audio", "AudioInfo", "AudioEnable"),
        ("motion_detection", "MDInfo", "MDEnable"),
        ("recording", "RecordControl", "Mode"),
    ],
)
async def test_switches(
    hass: HomeAssistant, loaded: CgiMessageSim, key: str, group: str, param: str
) -> None:
    switch = _eid(hass, "switch", key)
    before = state_of(hass, switch).state
    assert before in (STATE_ON, STATE_OFF)
    await _call(hass, "switch", "turn_off" if before == STATE_ON else "turn_on", switch)
    after = STATE_OFF if before == STATE_ON else STATE_ON
    assert state_of(hass, switch).state == after
    assert loaded.set_calls[-1][1] == group
    assert loaded.set_calls[-1][2][param] == ("1" if after == STATE_ON else "0")
    assert loaded.value(group, param) == ("1" if after == STATE_ON else "0")


@pytest.mark.parametrize(
    ("key", "value", "param", "bounds"),
    [
        ("brightness", 90, "Brightness", (0, 100)),
        ("contrast", 200, "Contrast", (0, 255)),
        ("saturation", 1, "Saturation", (0, 255)),
        ("sharpness", 3, "Sharpness", (0, 255)),
        ("hue", 250, "Hue", (0, 255)),
        ("noise_reduction", 17, "Denoise", (0, 255)),
        ("wdr_level", 99, "WDRLevel", (0, 255)),
        ("volume", 4, "AudioVolume", (0, 5)),
        ("motion_sensitivity", 7, "MDSensitivity", (1, 10)),
    ],
)
async def test_numbers_use_the_queried_ranges(
    hass: HomeAssistant, loaded: CgiMessageSim, key: str, value: int, param: str,
    bounds: tuple[int, int],
) -> None:
    number = _eid(hass, "number", key)
    state = state_of(hass, number)
    assert (state.attributes["min"], state.attributes["max"]) == bounds
    await _call(hass, "number", "set_value", number, value=value)
    assert float(state_of(hass, number).state) == value
    assert loaded.set_calls[-1][2][param] == str(value)


async def test_volume_is_no_percentage(hass: HomeAssistant, loaded: CgiMessageSim) -> None:
    state = state_of(hass, _eid(hass, "number", "volume"))
    assert "unit_of_measurement" not in state.attributes
    with pytest.raises(Exception):  # noqa: B017 - HA validates the queried range first
        await _call(hass, "number", "set_value", _eid(hass, "number", "volume"), value=9)


@pytest.mark.parametrize(
    ("key", "options", "option", "param", "wire"),
    [
        ("day_night_mode", ["night", "day", "auto"], "night", "ICRSwitch", "1"),
        ("exposure_mode", ["auto", "shutter_priority", "manual"], "manual", "ExposureMode",
         "2"),
        ("scene_mode", ["outdoor", "indoor"], "indoor", "ScenceSelect", "1"),
        ("white_balance", ["auto", "manual"], "manual", "WBMode", "1"),
        ("power_frequency", ["50hz", "60hz"], "60hz", "Format", "1"),
    ],
)
async def test_selects(
    hass: HomeAssistant, loaded: CgiMessageSim, key: str, options: list[str], option: str,
    param: str, wire: str,
) -> None:
    select = _eid(hass, "select", key)
    assert state_of(hass, select).attributes["options"] == options
    await _call(hass, "select", "select_option", select, option=option)
    assert state_of(hass, select).state == option
    assert loaded.set_calls[-1][2][param] == wire


async def test_sensors(hass: HomeAssistant, loaded: CgiMessageSim) -> None:
    assert state_of(hass, _eid(hass, "sensor", "sd_card_status")).state == "mounted"
    free = state_of(hass, _eid(hass, "sensor", "sd_free"))
    assert free.attributes["device_class"] == "data_size"
    assert float(free.state) == pytest.approx((30436 - 1024) / 1000, rel=0.01)
    assert float(state_of(hass, _eid(hass, "sensor", "sd_total")).state) > 0
    assert state_of(hass, _eid(hass, "sensor", "wifi_signal")).state == "808663348"
    boot = state_of(hass, _eid(hass, "sensor", "boot_time"))
    assert boot.attributes["device_class"] == "timestamp"


async def test_buttons_and_ptz(hass: HomeAssistant, loaded: CgiMessageSim) -> None:
    await _call(hass, "button", "press", _eid(hass, "button", "reboot"))
    assert loaded.reboots == 1
    await _call(hass, "button", "press", _eid(hass, "button", "sync_time"))
    assert loaded.time_sets
    await _call(hass, "button", "press", _eid(hass, "button", "reset_image"))
    assert loaded.image_resets == 1
    await _call(hass, "button", "press", _eid(hass, "button", "ptz_auto_scan"))
    assert loaded.ptz_log[-1] == {"AutoScan": "1"}
    await _call(hass, "button", "press", _eid(hass, "button", "ptz_preset_2"))
    assert loaded.ptz_log[-1] == {"PresetNumber": "2", "Preset": "1"}
    await _call(hass, "button", "press", _eid(hass, "button", "ptz_stop"))
    assert loaded.ptz_log[-1] == {"Stop": "0"}

    camera = _eid(hass, "camera", "camera")
    await hass.services.async_call(
        DOMAIN, "ptz", {ATTR_ENTITY_ID: camera, "movement": "left", "speed": 100,
                        "duration": 0.01}, blocking=True,
    )
    assert loaded.ptz_log[-2:] == [
        {"Direction": "3", "PanSpeed": "63", "TiltSpeed": "63"}, {"Stop": "0"}
    ]
    await hass.services.async_call(
        DOMAIN, "ptz_preset", {ATTR_ENTITY_ID: camera, "action": "set", "preset": 9},
        blocking=True,
    )
    assert loaded.ptz_log[-1] == {"PresetNumber": "9", "Preset": "0"}
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN, "ptz_preset", {ATTR_ENTITY_ID: camera, "action": "remove", "preset": 9},
            blocking=True,
        )
    assert err.value.translation_key == "not_supported"
    # Everything above, set-up and polling never touched a dangerous endpoint.
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    await entry.runtime_data.coordinator.async_refresh()
    assert loaded.dangerous_calls == []
    assert loaded.failed_logins == 0


async def test_failed_write_is_translated(hass: HomeAssistant, loaded: CgiMessageSim) -> None:
    loaded.groups[("image", "ImageInfo")]["Contrast"].query = "0 ... 10"
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "number", "set_value", _eid(hass, "number", "contrast"), value=50)
    assert err.value.translation_key == "write_failed"


async def _proxy_stream(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, camera: str
) -> tuple[int, str, bytes]:
    await async_setup_component(hass, "http", {})
    client = await hass_client()
    resp = await client.get(f"/api/camera_proxy_stream/{camera}")
    body = await resp.content.read(200_000)
    return resp.status, resp.headers.get("Content-Type", ""), body


async def test_mjpeg_fallback_stream(
    hass: HomeAssistant, msg_sim: CgiMessageSim, hass_client: ClientSessionGenerator
) -> None:
    await setup_entry(hass, msg_sim, "cgi_message", MAC, options={CONF_RTSP_PORT: 1})
    status, content_type, body = await _proxy_stream(hass, hass_client, _eid(hass, "camera",
                                                                            "camera"))
    assert status == 200
    assert content_type.startswith("multipart/x-mixed-replace")
    assert body.count(b"--ipcamera") == msg_sim.mjpeg_frames
    assert b"\xff\xd8" in body
    assert msg_sim.mjpeg_streams == 1
    assert "digest" in msg_sim.auth_log  # signed like every other request


async def test_mjpeg_refused_falls_back_to_stills(
    hass: HomeAssistant, msg_sim: CgiMessageSim, hass_client: ClientSessionGenerator
) -> None:
    await setup_entry(hass, msg_sim, "cgi_message", MAC, options={CONF_RTSP_PORT: 1})
    camera = _eid(hass, "camera", "camera")
    msg_sim.fail("/mjpgstreamreq/1/image.jpg", 404)
    await async_setup_component(hass, "http", {})
    client = await hass_client()
    resp = await client.get(f"/api/camera_proxy_stream/{camera}")
    assert resp.status == 200
    # HA's own still-image stream: one snapshot is enough to prove it.
    chunk = await resp.content.read(4096)
    assert b"--frameboundary" in chunk
    resp.close()
    assert msg_sim.mjpeg_streams == 0
    await msg_sim.go_offline()
    resp = await client.get(f"/api/camera_proxy_stream/{camera}")
    resp.close()


async def test_cameras_without_mjpeg_serve_stills(
    hass: HomeAssistant, uid_sim: UidXmlSim, hass_client: ClientSessionGenerator
) -> None:
    await setup_entry(hass, uid_sim, options={CONF_RTSP_PORT: 1})
    await async_setup_component(hass, "http", {})
    client = await hass_client()
    resp = await client.get(f"/api/camera_proxy_stream/{entity_id(hass, 'camera', 'camera')}")
    assert resp.status == 200
    assert b"--frameboundary" in await resp.content.read(4096)
    resp.close()


async def test_ptz_query_refused_still_gives_ptz(hass: HomeAssistant) -> None:
    """Issue 11: ptz_query answers 402 while ptz_get works: the camera has PTZ."""
    async with CgiMessageSim(username=USERNAME, password=PASSWORD, auth="digest",
                             overrides={"ptz_query": "402"}) as sim:
        await setup_entry(hass, sim, "cgi_message", MAC, options={CONF_RTSP_PORT: 1})
        await _call(hass, "button", "press", _eid(hass, "button", "ptz_stop"))
        assert sim.ptz_log[-1] == {"Stop": "0"}
        await hass.services.async_call(
            DOMAIN, "ptz", {ATTR_ENTITY_ID: _eid(hass, "camera", "camera"),
                            "movement": "up", "speed": 100, "duration": 0.01},
            blocking=True,
        )
        # No query range: SpeedInfo's documented 1 ... 8 bounds the speed.
        assert sim.ptz_log[-2:] == [
            {"Direction": "1", "PanSpeed": "8", "TiltSpeed": "8"}, {"Stop": "0"}
        ]
