"""Every platform read and written through the simulated uid_xml camera."""

from __future__ import annotations

from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
import pytest

from tests.helpers import entity_id, settle, setup_entry, state_of, until
from tests.sim.uid_xml import UidXmlSim


@pytest.fixture
async def loaded(hass: HomeAssistant, uid_sim: UidXmlSim) -> UidXmlSim:
    # Enable everything that is disabled by default, then load.
    await setup_entry(hass, uid_sim)
    registry = er.async_get(hass)
    entry = hass.config_entries.async_entries("cgi_camera")[0]
    for ent in er.async_entries_for_config_entry(registry, entry.entry_id):
        if ent.disabled_by is not None:
            registry.async_update_entity(ent.entity_id, disabled_by=None)
    await hass.config_entries.async_reload(entry.entry_id)
    # The set-up's clock check runs in the background: done before the test counts.
    await settle(hass)
    return uid_sim


async def _call(
    hass: HomeAssistant, domain: str, service: str, target: str, **data: object
) -> None:
    await hass.services.async_call(
        domain, service, {ATTR_ENTITY_ID: target, **data}, blocking=True
    )


@pytest.mark.parametrize(
    ("key", "path", "attr"),
    [
        ("motion_detection", "/cgi-bin/motion", "enable"),
        ("audio", "/cgi-bin/audioencoder", "enable"),
        ("ir_light", "/cgi-bin/setBrightness_InfraredLamp", "infrared_lamp"),
        ("flip", "/cgi-bin/set_flip", "vertical_flip"),
        ("mirror", "/cgi-bin/set_flip", "horizon_flip"),
        ("wdr", "/cgi-bin/set_wdr", "enable"),
        ("relay", "/cgi-bin/setRelayStatus", "status"),
        ("osd", "/cgi-bin/osd", "enable"),
        ("anti_flicker", "/cgi-bin/image", "antificker"),
    ],
)
async def test_switches(
    hass: HomeAssistant, loaded: UidXmlSim, key: str, path: str, attr: str
) -> None:
    switch = entity_id(hass, "switch", key)
    before = state_of(hass, switch).state
    assert before in (STATE_ON, STATE_OFF)
    target = "turn_off" if before == STATE_ON else "turn_on"
    await _call(hass, "switch", target, switch)
    after = STATE_OFF if before == STATE_ON else STATE_ON
    assert state_of(hass, switch).state == after
    sets = [q for p, q in loaded.set_calls if p == path]
    assert sets, f"no set sent to {path}"
    assert sets[-1][attr] == ("1" if after == STATE_ON else "0")


async def test_switch_write_keeps_siblings(hass: HomeAssistant, loaded: UidXmlSim) -> None:
    # Read-modify-write: changing flip must resend mirror's current value.
    await _call(hass, "switch", "turn_off", entity_id(hass, "switch", "flip"))
    path, query = loaded.set_calls[-1]
    assert path == "/cgi-bin/set_flip"
    assert query["vertical_flip"] == "0"
    assert "horizon_flip" in query


@pytest.mark.parametrize(
    ("key", "value", "path", "param"),
    [
        ("brightness", 200, "/cgi-bin/image", "brightness"),
        ("sharpness", 3, "/cgi-bin/image", "sharpness"),
        ("motion_sensitivity", 42, "/cgi-bin/motion", "sensitivity"),
        ("volume", 55, "/cgi-bin/audioencoder", "output_volume"),
        ("ir_brightness", 40, "/cgi-bin/setBrightness_InfraredLamp", "setbrightness"),
        ("wdr_level", 99, "/cgi-bin/set_wdr", "wdr_value"),
    ],
)
async def test_numbers(
    hass: HomeAssistant, loaded: UidXmlSim, key: str, value: int, path: str, param: str
) -> None:
    number = entity_id(hass, "number", key)
    await _call(hass, "number", "set_value", number, value=value)
    assert float(state_of(hass, number).state) == value
    path_sent, query = loaded.set_calls[-1]
    assert (path_sent, query[param]) == (path, str(value))


async def test_number_range_from_spec(hass: HomeAssistant, loaded: UidXmlSim) -> None:
    state = state_of(hass, entity_id(hass, "number", "brightness"))
    assert (state.attributes["min"], state.attributes["max"]) == (0, 255)
    state = state_of(hass, entity_id(hass, "number", "motion_sensitivity"))
    assert (state.attributes["min"], state.attributes["max"]) == (1, 100)
    with pytest.raises(Exception):  # noqa: B017 - HA validates the range first
        await _call(hass, "number", "set_value", entity_id(hass, "number", "brightness"),
                    value=300)


async def test_power_frequency_select(hass: HomeAssistant, loaded: UidXmlSim) -> None:
    select = entity_id(hass, "select", "power_frequency")
    assert state_of(hass, select).attributes["options"] == ["50hz", "60hz"]
    await _call(hass, "select", "select_option", select, option="60hz")
    assert state_of(hass, select).state == "60hz"
    assert loaded.set_calls[-1] == ("/cgi-bin/image", loaded.set_calls[-1][1])
    assert loaded.set_calls[-1][1]["tvsystem"] == "60"


async def test_write_only_settings_are_assumed(hass: HomeAssistant, loaded: UidXmlSim) -> None:
    light = entity_id(hass, "switch", "white_light")
    state = state_of(hass, light)
    assert state.attributes.get("assumed_state") is True
    assert state.state == STATE_UNKNOWN
    await _call(hass, "switch", "turn_on", light)
    assert state_of(hass, light).state == STATE_ON
    path, query = loaded.set_calls[-1]
    assert path == "/cgi-bin/set_led"
    assert (query["ledstatus"], query["ledmode"], query["brightness"]) == ("1", "2", "100")
    level = entity_id(hass, "number", "white_light_brightness")
    await _call(hass, "number", "set_value", level, value=30)
    assert loaded.set_calls[-1][1]["brightness"] == "30"
    assert loaded.set_calls[-1][1]["ledstatus"] == "1"

    mode = entity_id(hass, "select", "day_night_mode")
    await _call(hass, "select", "select_option", mode, option="night")
    assert state_of(hass, mode).state == "night"
    path, query = loaded.set_calls[-1]
    assert (path, query["ircutmode"], query["time"]) == ("/cgi-bin/set_ircut", "3", "night")


async def test_failed_write_raises_and_reverts(hass: HomeAssistant, loaded: UidXmlSim) -> None:
    switch = entity_id(hass, "switch", "motion_detection")
    assert state_of(hass, switch).state == STATE_ON
    loaded.fail("/cgi-bin/motion", 500)
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "switch", "turn_off", switch)
    assert err.value.translation_key == "write_failed"
    loaded.clear_faults()
    # The next refresh shows the device's truth again.
    entry = hass.config_entries.async_entries("cgi_camera")[0]
    await entry.runtime_data.coordinator.async_refresh()
    assert state_of(hass, switch).state == STATE_ON


async def test_sensors(hass: HomeAssistant, loaded: UidXmlSim) -> None:
    boot = state_of(hass, entity_id(hass, "sensor", "boot_time"))
    assert boot.attributes["device_class"] == "timestamp"
    assert boot.state not in ("unknown", "unavailable")
    sd_card = state_of(hass, entity_id(hass, "sensor", "sd_card_status"))
    # A word of the shared vocabulary, not the raw sd1="1".
    assert sd_card.state == ("normal" if loaded.sd_card else "no_card")
    assert sd_card.attributes["device_class"] == "enum"
    assert {"normal", "no_card", "unknown"} <= set(sd_card.attributes["options"])
    memory = state_of(hass, entity_id(hass, "sensor", "memory_free"))
    assert float(memory.state) > 0


async def test_buttons(hass: HomeAssistant, loaded: UidXmlSim) -> None:
    await _call(hass, "button", "press", entity_id(hass, "button", "trigger_alarm"))
    assert loaded.manual_alarms == 1
    await _call(hass, "button", "press", entity_id(hass, "button", "sync_time"))
    path, query = loaded.set_calls[-1]
    assert path == "/cgi-bin/time" and query["update_method"].upper() == "MANUAL"
    await _call(hass, "button", "press", entity_id(hass, "button", "ptz_preset_2"))
    assert loaded.ptz_log[-1] == {"call_preset": "2"}
    await _call(hass, "button", "press", entity_id(hass, "button", "ptz_stop"))
    assert loaded.ptz_log[-1] == {"stop": "1"}
    await _call(hass, "button", "press", entity_id(hass, "button", "reboot"))
    assert loaded.reboots == 1
    # The camera answers first and then restarts, dropping every session; a read
    # before that would log in on the old boot and need a second login.
    await until(lambda: loaded.reboots_done == 1)
    assert not loaded.sessions
    # The next read logs in again, once, and works.
    logins = loaded.count("/cgi-bin/getuid")
    entry = hass.config_entries.async_entries("cgi_camera")[0]
    await entry.runtime_data.coordinator.async_refresh()
    assert loaded.count("/cgi-bin/getuid") == logins + 1
    assert entry.runtime_data.coordinator.last_update_success


async def test_button_failure_is_translated(hass: HomeAssistant, loaded: UidXmlSim) -> None:
    loaded.fail("/cgi-bin/reboot", 500)
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "button", "press", entity_id(hass, "button", "reboot"))
    assert err.value.translation_key == "action_failed"
