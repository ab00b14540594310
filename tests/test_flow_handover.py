"""The config flow's camera is the entry's: no second login and discovery (issue 16).

Detection logs in once and identifies the camera; the entry the flow creates is set
up from that very camera, discovered in the background, so the flow does not wait for
it. On a camera that answers one request at a time in a few hundred milliseconds,
discovery is most of the time a new camera takes.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import aiohttp
from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components import cgi_camera
from custom_components.cgi_camera import async_remove_config_entry_device, handover
from custom_components.cgi_camera.client import Credentials, detect
from custom_components.cgi_camera.const import DOMAIN, PLATFORMS
from custom_components.cgi_camera.data import ready
from custom_components.cgi_camera.diagnostics import async_get_config_entry_diagnostics
from tests.conftest import PASSWORD, USERNAME
from tests.dialects import DIALECTS, Dialect
from tests.helpers import settle, until
from tests.sim.onvif import OnvifCamera

# What the set-up may still ask after the flow's detection (the first alarm poll).
SETUP_EXTRA = 2
# uid_xml (DIALECTS[0]): the first request of discovery after the identity.
DISCOVERY_PATH = "/cgi-bin/image"


def _cgi(sim: OnvifCamera) -> int:
    """Requests to the camera's CGI (its ONVIF paths apart: looked for in the background)."""
    return sum(1 for r in sim.requests if not r.path.startswith(sim.onvif.base_path + "/"))


async def _add(hass: HomeAssistant, sim: OnvifCamera) -> config_entries.ConfigEntry[Any]:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {
        "host": sim.host, "port": sim.port, "username": USERNAME, "password": PASSWORD,
        "ssl": False, "verify_ssl": True})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry: config_entries.ConfigEntry[Any] = result["result"]
    return entry


@pytest.mark.parametrize("dialect", DIALECTS, ids=str)
async def test_the_entry_is_set_up_from_the_flows_camera(
    hass: HomeAssistant, dialect: Dialect, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One alarm poll only: on a busy machine the flow can outlast the 1 s poll interval.
    monkeypatch.setattr(cgi_camera, "DEFAULT_ALARM_INTERVAL", 3600.0)
    # What detection alone costs on this simulator.
    async with dialect.make() as reference, aiohttp.ClientSession() as session:
        await detect(session, reference.host, reference.port, Credentials(USERNAME, PASSWORD))
        detection = _cgi(reference)
    async with dialect.make() as sim:
        entry = await _add(hass, sim)
        # The flow waited for the login and the identity only.
        assert _cgi(sim) < detection, sim.paths()
        assert entry.state is config_entries.ConfigEntryState.LOADED
        await hass.async_block_till_done()  # the set-up finishing in the background
        assert _cgi(sim) <= detection + SETUP_EXTRA, sim.paths()
        assert entry.runtime_data.coordinator.data  # the first data: discovery's read
        assert getattr(sim, "failed_logins", 0) == 0
        await hass.config_entries.async_unload(entry.entry_id)
        await settle(hass)


async def test_a_camera_nobody_takes_is_closed(hass: HomeAssistant) -> None:
    dialect = DIALECTS[0]
    async with dialect.make() as sim, aiohttp.ClientSession() as session:
        camera = await detect(session, sim.host, sim.port, Credentials(USERNAME, PASSWORD))
        data = {"host": sim.host, "port": sim.port, "ssl": False, "verify_ssl": True,
                "username": USERNAME, "password": PASSWORD, "dialect": camera.dialect}
        handover.async_park(hass, "a", camera, data)
        # Another address or login is not the camera's entry: nothing handed over.
        assert handover.async_take(hass, "a", {**data, "password": "other"}) is None
        assert handover.async_take(hass, "a", data) is None  # and it is gone
        handover.async_park(hass, "b", camera, data)
        handover.async_park(hass, "b", camera, data)  # parked again: one kept
        assert handover.async_take(hass, "b", data) is camera
        handover.async_park(hass, "c", camera, data)
        async_fire_time_changed(
            hass, dt_util.utcnow() + timedelta(seconds=handover.HANDOVER_WAIT + 1))
        await settle(hass)
        assert handover.async_take(hass, "c", data) is None  # waited in vain: closed
        assert handover.async_take(hass, None, data) is None


async def _add_held_in_discovery(
    hass: HomeAssistant, sim: OnvifCamera
) -> config_entries.ConfigEntry[Any]:
    """Add the camera through the flow; its discovery waits at its first read."""
    sim.hang(DISCOVERY_PATH)
    entry = await _add(hass, sim)
    await until(lambda: DISCOVERY_PATH in sim.paths())
    return entry


async def _set_up_then_unload(hass: HomeAssistant, entry: config_entries.ConfigEntry[Any]) -> None:
    """The set-up finishes with the entities; then the entry is unloaded."""
    await hass.async_block_till_done()
    assert ready(entry)
    assert er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    await hass.config_entries.async_unload(entry.entry_id)
    await settle(hass)


async def test_a_new_camera_shows_as_a_device_while_its_set_up_finishes(
    hass: HomeAssistant,
) -> None:
    async with DIALECTS[0].make() as sim:
        entry = await _add_held_in_discovery(hass, sim)
        assert entry.state is config_entries.ConfigEntryState.LOADED
        devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
        assert [d.model for d in devices] == [sim.model]
        assert not er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        assert not ready(entry)
        diagnostics = await async_get_config_entry_diagnostics(hass, entry)
        assert diagnostics["ready"] is False
        assert PASSWORD not in str(diagnostics)
        assert await async_remove_config_entry_device(hass, entry, devices[0]) is False
        sim.clear_faults()
        await _set_up_then_unload(hass, entry)


async def test_unloading_a_camera_still_being_set_up_stops_its_set_up(
    hass: HomeAssistant,
) -> None:
    async with DIALECTS[0].make() as sim:
        entry = await _add_held_in_discovery(hass, sim)
        assert await hass.config_entries.async_unload(entry.entry_id)
        assert entry.state is config_entries.ConfigEntryState.NOT_LOADED
        asked = len(sim.requests)
        sim.clear_faults()
        await settle(hass)
        # Nothing discovers, polls or sets up entities after the unload.
        assert not er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        assert [r.path for r in sim.requests[asked:]
                if r.path != "/cgi-bin/logout"] == [], sim.paths()
        # And it can be set up again, in the ordinary way.
        assert await hass.config_entries.async_setup(entry.entry_id)
        await _set_up_then_unload(hass, entry)


async def test_a_camera_lost_while_its_set_up_finishes_is_retried(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    # Other integrations' entities are there, as in any real home: the reload's unload
    # must not ask these platforms to unload entities this entry never set up.
    for platform in PLATFORMS:
        assert await async_setup_component(hass, platform, {})
    async with DIALECTS[0].make() as sim:
        entry = await _add_held_in_discovery(hass, sim)
        await sim.go_offline()  # the hung request fails, and so does the reload's login
        await until(lambda: entry.state is config_entries.ConfigEntryState.SETUP_RETRY)
        assert "Could not finish setting up" in caplog.text
        assert "Traceback" not in caplog.text
        assert "never loaded" not in caplog.text
        sim.clear_faults()
        await sim.go_online()
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=5))
        await until(lambda: entry.state is config_entries.ConfigEntryState.LOADED)
        await _set_up_then_unload(hass, entry)
