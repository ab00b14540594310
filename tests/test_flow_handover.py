"""The config flow's camera is the entry's: no second login and discovery (issue 16).

Detection logs in once and reads the whole camera; the entry the flow creates is set
up from that very camera. On a camera that answers one request at a time in a few
hundred milliseconds, the second round used to be half the flow's time.
"""

from __future__ import annotations

from datetime import timedelta

import aiohttp
from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components import cgi_camera
from custom_components.cgi_camera import handover
from custom_components.cgi_camera.client import Credentials, detect
from custom_components.cgi_camera.const import DOMAIN
from tests.conftest import PASSWORD, USERNAME
from tests.dialects import DIALECTS, Dialect
from tests.helpers import settle
from tests.sim.onvif import OnvifCamera

# What the set-up may still ask after the flow's detection (the first alarm poll).
SETUP_EXTRA = 2


def _cgi(sim: OnvifCamera) -> int:
    """Requests to the camera's CGI (its ONVIF paths apart: looked for in the background)."""
    return sum(1 for r in sim.requests if not r.path.startswith(sim.onvif.base_path + "/"))


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
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": config_entries.SOURCE_USER})
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {
            "host": sim.host, "port": sim.port, "username": USERNAME, "password": PASSWORD,
            "ssl": False, "verify_ssl": True})
        assert result["type"] is FlowResultType.CREATE_ENTRY
        entry = result["result"]
        assert entry.state is config_entries.ConfigEntryState.LOADED
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
