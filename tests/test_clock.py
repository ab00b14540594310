"""The device clock: a fixable repair issue while it is far off, in every dialect."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from http import HTTPStatus
import logging
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.cgi_camera.clock_watch import CHECK_INTERVAL, describe
from custom_components.cgi_camera.const import CONF_RTSP_PORT, DOMAIN
from custom_components.cgi_camera.diagnostics import async_get_config_entry_diagnostics
from tests.conftest import PASSWORD, USERNAME
from tests.dialects import DIALECTS, Dialect
from tests.helpers import entity_id, settle, setup_entry
from tests.sim.base import SimServer
from tests.sim.uid_xml import UidXmlSim


@pytest.fixture(params=DIALECTS, ids=str)
def dialect(request: pytest.FixtureRequest) -> Dialect:
    chosen: Dialect = request.param
    return chosen


@pytest.fixture
async def sim(hass: HomeAssistant, dialect: Dialect) -> AsyncIterator[SimServer]:
    server = dialect.make()
    # param_cgi keeps bare local time: its owner set the zone this home is in.
    server.time_zone = dt_util.get_default_time_zone()  # type: ignore[attr-defined]
    async with server:
        yield server


async def _setup(hass: HomeAssistant, sim: SimServer, dialect: Dialect) -> MockConfigEntry:
    return await setup_entry(hass, sim, dialect.name, dialect.unique_id,
                             options={CONF_RTSP_PORT: 1})


def _issue(hass: HomeAssistant, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"clock_off_{entry.entry_id}")


async def _next_check(hass: HomeAssistant) -> None:
    async_fire_time_changed(hass, dt_util.utcnow() + CHECK_INTERVAL + timedelta(seconds=1))
    await settle(hass)


def test_describe() -> None:
    assert describe(timedelta(hours=-2)) == "2 h"
    assert describe(timedelta(days=400, minutes=3)) == "400 d 3 min"
    assert describe(timedelta(seconds=20)) == "0 min"
    assert describe(timedelta(hours=1, minutes=30)) == "1 h 30 min"


async def test_clock_ahead_is_fixed_from_the_repair(
    hass: HomeAssistant, sim: SimServer, dialect: Dialect, hass_client: ClientSessionGenerator
) -> None:
    dialect.skew_clock(sim, timedelta(hours=2))
    assert await async_setup_component(hass, "repairs", {})
    entry = await _setup(hass, sim, dialect)
    issue = _issue(hass, entry)
    assert issue is not None
    assert issue.translation_key == "clock_ahead"
    assert issue.is_fixable
    assert issue.translation_placeholders == {"name": entry.title, "difference": "2 h"}
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert abs(diagnostics["clock_offset_seconds"] - 7200) <= 5

    client = await hass_client()
    resp = await client.post("/api/repairs/issues/fix",
                             json={"handler": DOMAIN, "issue_id": issue.issue_id})
    assert resp.status == HTTPStatus.OK
    flow = await resp.json()
    assert flow["step_id"] == "confirm"
    assert flow["description_placeholders"]["difference"] == "2 h"
    resp = await client.post(f"/api/repairs/issues/fix/{flow['flow_id']}", json={})
    assert resp.status == HTTPStatus.OK
    assert (await resp.json())["type"] == "create_entry"
    assert _issue(hass, entry) is None
    offset = entry.runtime_data.clock.offset
    assert offset is not None and abs(offset) < timedelta(seconds=5), offset


async def test_clock_behind_clears_after_the_sync_button(
    hass: HomeAssistant, sim: SimServer, dialect: Dialect
) -> None:
    dialect.skew_clock(sim, timedelta(minutes=-10))
    entry = await _setup(hass, sim, dialect)
    issue = _issue(hass, entry)
    assert issue is not None and issue.translation_key == "clock_behind"
    assert issue.translation_placeholders["difference"] == "10 min"  # type: ignore[index]

    button = entity_id(hass, "button", "sync_time", dialect.unique_id)
    er.async_get(hass).async_update_entity(button, disabled_by=None)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await settle(hass)
    assert _issue(hass, entry) is not None  # still off after the reload
    await hass.services.async_call("button", "press", {"entity_id": button}, blocking=True)
    assert _issue(hass, entry) is None  # the press checks again at once


async def test_clock_checked_hourly(
    hass: HomeAssistant, sim: SimServer, dialect: Dialect
) -> None:
    entry = await _setup(hass, sim, dialect)
    assert _issue(hass, entry) is None  # a clock within minutes is fine
    dialect.skew_clock(sim, timedelta(minutes=7))
    await _next_check(hass)
    assert _issue(hass, entry) is not None
    dialect.skew_clock(sim, timedelta(seconds=30))  # the camera's NTP caught up
    await _next_check(hass)
    assert _issue(hass, entry) is None


async def test_unreadable_clock_stays_quiet(
    hass: HomeAssistant, sim: SimServer, dialect: Dialect, caplog: pytest.LogCaptureFixture
) -> None:
    dialect.skew_clock(sim, timedelta(hours=3))
    entry = await _setup(hass, sim, dialect)
    ir.async_delete_issue(hass, DOMAIN, f"clock_off_{entry.entry_id}")
    path, _, action = dialect.clock_key.partition("?action=")
    if action:
        sim.keyed = {dialect.clock_key: (200, b"<html>junk</html>", "text/html")}  # type: ignore[attr-defined]
    else:
        sim.garbage(path, b"<html>junk</html>", "text/html")
    caplog.clear()
    await entry.runtime_data.clock.async_check()
    assert _issue(hass, entry) is None  # nothing known, nothing claimed
    assert not [r for r in caplog.records
                if r.name.endswith("clock_watch") and r.levelno >= logging.WARNING]


async def _fix(client: Any, issue_id: str) -> dict[str, Any]:
    resp = await client.post("/api/repairs/issues/fix",
                             json={"handler": DOMAIN, "issue_id": issue_id})
    flow: dict[str, Any] = await resp.json()
    if flow["type"] == "abort":
        return flow
    resp = await client.post(f"/api/repairs/issues/fix/{flow['flow_id']}", json={})
    assert resp.status == HTTPStatus.OK
    result: dict[str, Any] = await resp.json()
    return result


@pytest.mark.parametrize("dialect", DIALECTS[:1], ids=str, indirect=True)
async def test_fix_that_does_not_take_keeps_the_issue(
    hass: HomeAssistant, sim: SimServer, dialect: Dialect, hass_client: ClientSessionGenerator
) -> None:
    dialect.skew_clock(sim, timedelta(hours=-5))
    assert await async_setup_component(hass, "repairs", {})
    entry = await _setup(hass, sim, dialect)
    issue = _issue(hass, entry)
    assert issue is not None
    client = await hass_client()

    sim.fail("/cgi-bin/time", 500)  # the camera refuses the time
    result = await _fix(client, issue.issue_id)
    assert (result["type"], result["reason"]) == ("abort", "sync_failed")
    assert _issue(hass, entry) is not None
    sim.clear_faults()

    sim.clock_stuck = True  # type: ignore[attr-defined]  # says OK, keeps its time
    result = await _fix(client, issue.issue_id)
    assert (result["type"], result["reason"]) == ("abort", "sync_ignored")
    assert _issue(hass, entry) is not None

    await hass.config_entries.async_unload(entry.entry_id)
    result = await _fix(client, issue.issue_id)
    assert (result["type"], result["reason"]) == ("abort", "not_loaded")


async def test_firmware_without_a_clock_is_not_checked(hass: HomeAssistant) -> None:
    from custom_components.cgi_camera.client.clock import wall_clock
    from custom_components.cgi_camera.client.errors import ProtocolError

    async with UidXmlSim(username=USERNAME, password=PASSWORD) as sim:
        sim.fail("/cgi-bin/time", 404)
        entry = await setup_entry(hass, sim, "uid_xml", options={CONF_RTSP_PORT: 1})
        assert await entry.runtime_data.camera.read_clock() is None
        await entry.runtime_data.clock.async_check()
        assert entry.runtime_data.clock.offset is None
    assert wall_clock("2020-1-16-12-12-43").day == 16
    with pytest.raises(ProtocolError):
        wall_clock("2020-13-40 25:00:00")
    with pytest.raises(ProtocolError):
        wall_clock("yesterday")


@pytest.mark.parametrize("dialect", DIALECTS[:1], ids=str, indirect=True)
async def test_deleting_the_camera_deletes_its_issues(
    hass: HomeAssistant, sim: SimServer, dialect: Dialect
) -> None:
    dialect.skew_clock(sim, timedelta(hours=3))
    entry = await _setup(hass, sim, dialect)
    assert _issue(hass, entry) is not None
    await hass.config_entries.async_remove(entry.entry_id)
    await settle(hass)
    assert _issue(hass, entry) is None
