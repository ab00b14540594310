"""The cgi_action dialect in Home Assistant: flow, platforms, PTZ, IO alarm polling, safety."""

from __future__ import annotations

from collections.abc import AsyncIterator
import contextlib
from datetime import timedelta
from typing import Any

from homeassistant import config_entries
from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.cgi_camera.client import PresetOp, PtzMove
from custom_components.cgi_camera.const import CONF_RTSP_PORT, DOMAIN, EVENT_ALARM
from tests.conftest import PASSWORD, USERNAME
from tests.helpers import entities_of, entity_id, settle, setup_entry, state_of, until
from tests.sim.cgi_action import CgiActionSim

DEVICE_ID = "CBT000114010100010238"


@pytest.fixture
async def sim() -> AsyncIterator[CgiActionSim]:
    camera = CgiActionSim(username=USERNAME, password=PASSWORD)
    await camera.start()
    try:
        yield camera
    finally:
        await camera.stop()


async def _load(hass: HomeAssistant, sim: CgiActionSim, **options: Any) -> MockConfigEntry:
    """Set up with every entity enabled (several are disabled by default)."""
    entry = await setup_entry(hass, sim, "cgi_action", DEVICE_ID,
                              options={CONF_RTSP_PORT: 1, **options})
    registry = er.async_get(hass)
    for ent in er.async_entries_for_config_entry(registry, entry.entry_id):
        if ent.disabled_by is not None:
            registry.async_update_entity(ent.entity_id, disabled_by=None)
    await hass.config_entries.async_reload(entry.entry_id)
    await settle(hass)
    return entry


def _eid(hass: HomeAssistant, platform: str, key: str) -> str:
    return entity_id(hass, platform, key, DEVICE_ID)


def _state(hass: HomeAssistant, platform: str, key: str) -> str:
    return state_of(hass, _eid(hass, platform, key)).state


async def _call(hass: HomeAssistant, domain: str, service: str, target: str, **data: Any) -> None:
    await hass.services.async_call(domain, service, {ATTR_ENTITY_ID: target, **data},
                                   blocking=True)


async def test_flow_detects_with_one_failed_login(
    hass: HomeAssistant, sim: CgiActionSim
) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    data = {"host": sim.host, "port": sim.port, "username": USERNAME, "password": "wrong",
            "ssl": False, "verify_ssl": True}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], data)
    assert result["errors"] == {"base": "invalid_auth"}
    assert sim.failed_logins == 1
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**data, "password": PASSWORD}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["dialect"] == "cgi_action"
    assert result["result"].unique_id == DEVICE_ID
    assert sim.failed_logins == 1
    await hass.async_block_till_done()
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, DEVICE_ID)})
    assert device is not None
    assert (dr.CONNECTION_NETWORK_MAC, "88:07:cb:00:02:be") in device.connections
    assert device.sw_version == "14.030.19.3_MAIN_V3(221114)"


@pytest.mark.parametrize(
    ("key", "group", "name"),
    [
        ("motion_detection", "MotionDetConf", "md_enable"),
        ("alarm_input", "AlarmInConf", "alarm_enable"),
        ("occlusion_detection", "ODAlarmConf", "alarm_enable"),
        ("region_detection", "RegInvConf", "md_enable"),
        ("fire_detection", "IVSConf", "enable"),
        ("audio", "AencConf", "enable"),
        ("mirror", "ImageAdjustmentEx", "mirror"),
        ("flip", "ImageAdjustmentEx", "flip"),
        ("wdr", "ImageAdjustmentEx", "wdr_sensor"),
        ("highlight_compensation_enabled", "ImageAdjustmentEx", "hlc_enable"),
        ("defog", "ImageAdjustment", "antiFog"),
        ("privacy_mask", "ViMask", "mask_enable"),
    ],
)
async def test_switches(
    hass: HomeAssistant, sim: CgiActionSim, key: str, group: str, name: str
) -> None:
    await _load(hass, sim)
    switch = _eid(hass, "switch", key)
    before = state_of(hass, switch).state
    assert before == (STATE_ON if sim.groups[group][name] else STATE_OFF)
    await _call(hass, "switch", "turn_off" if before == STATE_ON else "turn_on", switch)
    after = 0 if before == STATE_ON else 1
    assert sim.groups[group][name] == after
    assert state_of(hass, switch).state == (STATE_ON if after else STATE_OFF)


@pytest.mark.parametrize(
    ("key", "group", "name", "value", "maximum"),
    [
        ("hue", "ImageAdjustment", "hue", 10, 255),
        ("brightness", "ImageAdjustment", "brightness", 200, 255),
        ("contrast", "ImageAdjustment", "contrast", 20, 255),
        ("saturation", "ImageAdjustment", "saturation", 30, 255),
        ("sharpness", "ImageAdjustment", "sharpness", 40, 255),
        ("gamma", "ImageAdjustment", "gamma", 50, 255),
        ("backlight_compensation", "ImageAdjustment", "blc_level", 60, 255),
        ("wdr_level", "ImageAdjustmentEx", "wdr_level", 70, 255),
        ("ir_brightness", "ImageAdjustmentEx", "ir_level", 80, 255),
        ("white_light_brightness", "ImageAdjustmentEx", "led_level", 90, 255),
        ("noise_reduction_3d", "ImageAdjustmentEx", "noiseReduction", 3, 3),
        ("noise_reduction_2d", "ImageAdjustmentEx", "_2DNR_level", 0, 2),
        ("microphone_volume", "AencConf", "volume_in", 5, 15),
        ("volume", "AencConf", "volume_out", 6, 15),
        ("motion_sensitivity", "MotionDetConf", "md_sensitivity", 5, 5),
        ("region_sensitivity", "RegInvConf", "md_sensitivity", 1, 5),
        ("fire_sensitivity", "IVSConf", "sensitivity", 4, 5),
    ],
)
async def test_numbers(
    hass: HomeAssistant, sim: CgiActionSim, key: str, group: str, name: str, value: int,
    maximum: int,
) -> None:
    await _load(hass, sim)
    number = _eid(hass, "number", key)
    assert state_of(hass, number).attributes["max"] == maximum
    await _call(hass, "number", "set_value", number, value=value)
    assert sim.groups[group][name] == value
    assert float(state_of(hass, number).state) == value


@pytest.mark.parametrize(
    ("key", "option", "name", "wire"),
    [
        ("day_night_mode", "night", "color_black", 2),
        ("day_night_mode", "day", "color_black", 0),
        ("ir_mode", "on", "led_control", 1),
        ("anti_flicker_mode", "60hz", "anti_flicker", 3),
        ("anti_flicker_mode", "off", "anti_flicker", 0),
    ],
)
async def test_selects(
    hass: HomeAssistant, sim: CgiActionSim, key: str, option: str, name: str, wire: int
) -> None:
    await _load(hass, sim)
    select = _eid(hass, "select", key)
    await _call(hass, "select", "select_option", select, option=option)
    assert sim.groups["ImageAdjustmentEx"][name] == wire
    assert state_of(hass, select).state == option


async def test_sensors_buttons_and_camera(hass: HomeAssistant, sim: CgiActionSim) -> None:
    await _load(hass, sim)
    assert _state(hass, "sensor", "sd_card_status") == "normal"
    assert float(_state(hass, "sensor", "sd_total")) == pytest.approx(30.436, rel=1e-3)
    assert _state(hass, "sensor", "wifi_status") == "connected"
    assert _state(hass, "sensor", "wifi_signal") == "72"
    # The firmware version is the device's (sw_version), not also a sensor.
    assert er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{DEVICE_ID}_firmware_version") is None
    assert _state(hass, "sensor", "platform_version") == "platform_8hours v4.7.1D"
    assert _state(hass, "sensor", "mqtt_server") == "192.168.1.91:1883"
    assert _state(hass, "sensor", "mqtt_topic") == "camera/alarm"
    assert _state(hass, "sensor", "platform_server") == "192.168.1.91:80"
    # Push settings are shown, never writable: no other platform carries them.
    registry = er.async_get(hass)
    for key in ("mqtt_server", "mqtt_topic", "platform_server", "platform_ws_server"):
        for platform in ("switch", "number", "select", "text"):
            assert registry.async_get_entity_id(platform, DOMAIN, f"{DEVICE_ID}_{key}") is None
    # The MQTT password is read along with them but shown nowhere.
    for state in hass.states.async_all():
        assert "mqtt-secret" not in str(state.as_dict())
    await _call(hass, "button", "press", _eid(hass, "button", "open_door"))
    await _call(hass, "button", "press", _eid(hass, "button", "reboot"))
    assert (sim.door_opens, sim.reboots) == (1, 1)
    await _call(hass, "button", "press", _eid(hass, "button", "sync_time"))
    assert sim.time_sets
    sim.groups["ImageAdjustmentEx"]["mirror"] = 1
    await _call(hass, "button", "press", _eid(hass, "button", "reset_image"))
    assert sim.groups["ImageAdjustmentEx"]["mirror"] == 0
    camera = _eid(hass, "camera", "camera")
    from homeassistant.components.camera import async_get_image

    image = await async_get_image(hass, camera)
    assert image.content == sim.snapshot_jpeg


async def test_ptz_service_and_preset_buttons(hass: HomeAssistant, sim: CgiActionSim) -> None:
    await _load(hass, sim)
    camera = _eid(hass, "camera", "camera")
    await hass.services.async_call(
        DOMAIN, "ptz", {ATTR_ENTITY_ID: camera, "movement": "up_right", "speed": 100,
                        "duration": 0.01}, blocking=True,
    )
    # Moves run until stopped (003 §9): the service stops after its duration.
    assert sim.ptz_log[-2:] == [
        {"channel": 0, "speed_h": 100, "speed_v": 100, "ptz_cmd": 73},
        {"channel": 0, "speed_h": 50, "speed_v": 50, "ptz_cmd": 21},
    ]
    await _call(hass, "button", "press", _eid(hass, "button", "ptz_preset_3"))
    assert sim.ptz_log[-1] == {"channel": 0, "speed_h": 50, "speed_v": 3, "ptz_cmd": 20}
    await hass.services.async_call(
        DOMAIN, "ptz_preset", {ATTR_ENTITY_ID: camera, "action": "set", "preset": 7},
        blocking=True,
    )
    assert sim.ptz_log[-1]["ptz_cmd"] == 19 and sim.ptz_log[-1]["speed_v"] == 7
    with pytest.raises(HomeAssistantError):
        await hass.services.async_call(
            DOMAIN, "ptz_preset", {ATTR_ENTITY_ID: camera, "action": "remove", "preset": 7},
            blocking=True,
        )


async def test_io_alarm_polling_events_and_triggers(
    hass: HomeAssistant, sim: CgiActionSim
) -> None:
    entry = await _load(hass, sim, alarm_interval=1)
    alarms = entry.runtime_data.alarms
    assert alarms is not None and not alarms.push
    sensor = _eid(hass, "binary_sensor", "alarm_io_input_1")
    assert state_of(hass, sensor).state == STATE_OFF
    events: list[Event] = []
    hass.bus.async_listen(EVENT_ALARM, callback(lambda event: events.append(event)))
    polls = len([r for r in sim.requests if r.query.get("action") == "getIOAlarmIn"])
    sim.io_status = 1
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=2))
    await until(lambda: state_of(hass, sensor).state == STATE_ON)
    sim.io_status = 0
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=4))
    await until(lambda: state_of(hass, sensor).state == STATE_OFF)
    assert len([r for r in sim.requests if r.query.get("action") == "getIOAlarmIn"]) > polls
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, DEVICE_ID)})
    assert device is not None
    assert [(e.data["kind"], e.data["index"], e.data["active"], e.data["device_id"])
            for e in events] == [("io_input", 1, True, device.id),
                                 ("io_input", 1, False, device.id)]
    from custom_components.cgi_camera.device_trigger import async_get_triggers

    triggers = await async_get_triggers(hass, device.id)
    assert {"io_input_started", "io_input_stopped"} <= {t["type"] for t in triggers}


async def test_post_only_device_in_home_assistant(hass: HomeAssistant) -> None:
    async with CgiActionSim(variant="post", username=USERNAME, password=PASSWORD,
                            rtsp_port=1) as sim:
        entry = await setup_entry(hass, sim, "cgi_action", DEVICE_ID,
                                  options={CONF_RTSP_PORT: 1})
        assert entry.state is config_entries.ConfigEntryState.LOADED
        await _call(hass, "switch", "turn_on", _eid(hass, "switch", "motion_detection"))
        assert sim.groups["MotionDetConf"]["md_enable"] == 1
        assert sim.get_refusals == 0  # the credential-less POST went first: no GET at all
        assert "setMotionDetConf" in sim.posts
        await hass.config_entries.async_unload(entry.entry_id)


async def test_nothing_reaches_a_dangerous_action(hass: HomeAssistant, sim: CgiActionSim) -> None:
    """Every entity, every button, every service: telnet, files, reset, format stay unsent."""
    entry = await _load(hass, sim)
    for ent in entities_of(hass, entry):
        entity = ent.entity_id
        state = hass.states.get(entity)
        assert state is not None, entity
        domain = entity.split(".")[0]
        if domain == "switch":
            await _call(hass, "switch", "turn_on", entity)
            await _call(hass, "switch", "turn_off", entity)
        elif domain == "number":
            low = state.attributes["min"]
            await _call(hass, "number", "set_value", entity, value=low)
            await _call(hass, "number", "set_value", entity, value=state.attributes["max"])
        elif domain == "select":
            for option in state.attributes["options"]:
                await _call(hass, "select", "select_option", entity, option=option)
        elif domain == "button":
            await _call(hass, "button", "press", entity)
        elif domain == "camera":
            for movement in PtzMove:
                with contextlib.suppress(HomeAssistantError):  # iris: not offered here
                    await hass.services.async_call(
                        DOMAIN, "ptz", {ATTR_ENTITY_ID: entity, "movement": movement.value,
                                        "duration": 0}, blocking=True)
            for op in PresetOp:
                with contextlib.suppress(HomeAssistantError):  # remove: no such command
                    await hass.services.async_call(
                        DOMAIN, "ptz_preset", {ATTR_ENTITY_ID: entity, "action": op.value,
                                               "preset": 1}, blocking=True)
    # Every service the integration registered was called above.
    assert set(hass.services.async_services_for_domain(DOMAIN)) == {"ptz", "ptz_preset"}
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=120))
    await hass.async_block_till_done()
    assert sim.dangerous_calls == []
    assert sim.count("/action/telnet") == 0
    sent = {r.query.get("action") for r in sim.requests} | {
        r.path.removeprefix("/action/") for r in sim.requests if r.method == "POST"}
    assert not sent & {"reset", "devsFormat", "setPasswd", "getPlatformConfFile",
                       "setPlatformConfFile", "telnet"}


async def test_flow_finds_a_post_only_camera(hass: HomeAssistant) -> None:
    """Firmware whose GET path does not exist (404) is found and set up over POST."""
    from homeassistant import config_entries
    from homeassistant.data_entry_flow import FlowResultType

    async with CgiActionSim(variant="post", username=USERNAME, password=PASSWORD,
                            rtsp_auth="digest") as sim:
        sim.get_form = False
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": config_entries.SOURCE_USER}
        )
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {
            "host": sim.host, "port": sim.port, "username": USERNAME, "password": PASSWORD,
            "ssl": False, "verify_ssl": True,
        })
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["data"]["dialect"] == "cgi_action"
        await hass.async_block_till_done()
        entry = result["result"]
        assert entry.runtime_data.camera.post_form
        assert entry.runtime_data.camera.login_verified  # by the RTSP server
        assert sim.posts and sim.failed_logins == 0
        brightness = entity_id(hass, "number", "brightness", DEVICE_ID)
        assert state_of(hass, brightness).state != "unavailable"
