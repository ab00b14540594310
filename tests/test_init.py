"""Set-up, unload, and the camera coming and going while Home Assistant runs."""

from __future__ import annotations

from datetime import timedelta
import logging

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.cgi_camera.const import DOMAIN
from tests.helpers import entities_of, entity_id, setup_entry, state_of, state_of_entry
from tests.sim.uid_xml import UidXmlSim


async def _tick(hass: HomeAssistant, seconds: float = 61) -> None:
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds))
    # Coordinator refreshes and config entry retries run as background tasks.
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_setup_and_unload(hass: HomeAssistant, uid_sim: UidXmlSim) -> None:
    entry = await setup_entry(hass, uid_sim)
    assert entry.state is ConfigEntryState.LOADED
    assert len(entities_of(hass, entry)) > 20
    assert uid_sim.count("/cgi-bin/getuid") == 1
    assert not uid_sim.dangerous_calls
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert state_of_entry(entry) is ConfigEntryState.NOT_LOADED


async def test_unreachable_at_setup_retries(hass: HomeAssistant, uid_sim: UidXmlSim) -> None:
    await uid_sim.go_offline()
    entry = await setup_entry(hass, uid_sim)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    await uid_sim.go_online()
    await _tick(hass, 120)
    assert state_of_entry(entry) is ConfigEntryState.LOADED


async def test_wrong_password_at_setup_starts_reauth(
    hass: HomeAssistant, uid_sim: UidXmlSim
) -> None:
    uid_sim.set_password("changed")
    entry = await setup_entry(hass, uid_sim)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == ["reauth"]
    assert uid_sim.failed_logins == 1


async def test_camera_lost_and_back(
    hass: HomeAssistant, uid_sim: UidXmlSim, caplog: pytest.LogCaptureFixture
) -> None:
    entry = await setup_entry(hass, uid_sim)
    brightness = entity_id(hass, "number", "brightness")
    assert state_of(hass, brightness).state == "128"

    await uid_sim.go_offline()
    caplog.clear()
    with caplog.at_level(logging.INFO):
        await _tick(hass)
        assert state_of(hass, brightness).state == STATE_UNAVAILABLE
        await _tick(hass, 122)
        await _tick(hass, 183)
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert not any(r.exc_info for r in caplog.records)

    await uid_sim.go_online()
    caplog.clear()
    with caplog.at_level(logging.INFO):
        await _tick(hass, 244)
    assert state_of(hass, brightness).state == "128"
    assert any("recovered" in r.getMessage() for r in caplog.records)
    assert entry.state is ConfigEntryState.LOADED


async def test_session_expiry_relogs_in_once(hass: HomeAssistant, uid_sim: UidXmlSim) -> None:
    await setup_entry(hass, uid_sim)
    uid_sim.expire_all_uids()
    await _tick(hass)
    assert uid_sim.count("/cgi-bin/getuid") == 2
    assert state_of(hass, entity_id(hass, "number", "brightness")).state == "128"


async def test_keep_alive_only_when_idle(hass: HomeAssistant, uid_sim: UidXmlSim) -> None:
    entry = await setup_entry(hass, uid_sim)
    camera = entry.runtime_data.camera
    await _tick(hass, 10)
    assert uid_sim.count("/cgi-bin/keep_alive") == 0  # just talked to it
    camera._last_ok -= 45
    await _tick(hass, 20)
    assert uid_sim.count("/cgi-bin/keep_alive") == 1
    await _tick(hass, 30)
    assert uid_sim.count("/cgi-bin/keep_alive") == 1


async def test_password_changed_while_running(hass: HomeAssistant, uid_sim: UidXmlSim) -> None:
    entry = await setup_entry(hass, uid_sim)
    uid_sim.set_password("changed")
    uid_sim.expire_all_uids()
    await _tick(hass)
    await _tick(hass, 122)
    await _tick(hass, 183)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == ["reauth"]
    # Polling stopped after the refusal: one failed login, no storm.
    assert uid_sim.failed_logins == 1
    assert entry.state is ConfigEntryState.LOADED


async def test_single_endpoint_failing_only_hides_its_entities(
    hass: HomeAssistant, uid_sim: UidXmlSim
) -> None:
    await setup_entry(hass, uid_sim)
    uid_sim.fail("/cgi-bin/image", 500)
    await _tick(hass)
    assert state_of(hass, entity_id(hass, "number", "brightness")).state == STATE_UNAVAILABLE
    assert state_of(hass, entity_id(hass, "switch", "motion_detection")).state == "on"
    uid_sim.clear_faults()
    await _tick(hass, 122)
    assert state_of(hass, entity_id(hass, "number", "brightness")).state == "128"


async def test_002_camera_has_only_its_endpoints(
    hass: HomeAssistant, uid_sim_002: UidXmlSim
) -> None:
    entry = await setup_entry(hass, uid_sim_002, unique_id="f0:00:00:aa:bb:cc")
    keys = {e.unique_id.removeprefix("f0:00:00:aa:bb:cc_") for e in entities_of(hass, entry)}
    assert {"camera", "brightness", "motion_detection", "audio", "reboot"} <= keys
    # 000-only endpoints are absent, not errors.
    assert not keys & {"wdr", "ir_light", "flip", "relay", "boot_time", "trigger_alarm",
                       "ptz_stop", "white_light", "day_night_mode", "power_frequency"}
    assert entry.state is ConfigEntryState.LOADED
