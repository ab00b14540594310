"""DHCP discovery (issue 15): a camera offers itself; a configured camera is followed.

Home Assistant's own DhcpServiceInfo (imported where 2025.4 and 2026.x both have it)
is fed to the flow. A discovered host is fingerprinted without a login; the login
goes only with the user's answer. A configured camera's MAC, seen by Home
Assistant in a DHCP packet at a new address, moves its entry when its dialect
answers there.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
import logging
from typing import Any

from aiohttp import web
from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from homeassistant.loader import async_get_dhcp
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cgi_camera import discovery
from custom_components.cgi_camera.const import CONF_DIALECT, DOMAIN
from tests.conftest import PASSWORD, SECRETS, USERNAME
from tests.dialects import DIALECTS, Dialect
from tests.helpers import serve, settle, setup_entry, state_of_entry
from tests.sim.base import SimServer
from tests.sim.onvif import OnvifCamera

OLD_HOST = "192.0.2.10"  # TEST-NET: the address a camera had; never contacted


@pytest.fixture(params=DIALECTS, ids=str)
def dialect(request: pytest.FixtureRequest) -> Dialect:
    param: Dialect = request.param
    return param


@pytest.fixture
async def sim(dialect: Dialect) -> AsyncIterator[OnvifCamera]:
    camera = dialect.make()
    await camera.start()
    try:
        yield camera
    finally:
        await camera.stop()


@pytest.fixture
def web_ports(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The ports a DHCP-discovered host is looked at (the simulators' random ones)."""
    ports: list[int] = []
    monkeypatch.setattr(discovery, "WEB_PORTS", ports)
    yield ports


def credentialed(sim: SimServer) -> list[str]:
    """Requests the simulator received that carried a login (header or query)."""
    found = []
    for record in sim.requests:
        values = " ".join(record.query.values())
        keys = {k.lower() for k in record.query}
        if ("authorization" in {h.lower() for h in record.headers}
                or keys & {"user", "pwd", "password", "username", "usr"}
                or any(secret in values for secret in SECRETS)):
            found.append(f"{record.method} {record.path}")
    return found


def loud(caplog: pytest.LogCaptureFixture) -> list[str]:
    """What the integration and the flow machinery logged above debug (Home
    Assistant's own start-up in the test logs at info, unrelated)."""
    return [r.getMessage() for r in caplog.records if r.levelno > logging.DEBUG
            and r.name.startswith(("custom_components.cgi_camera",
                                   "homeassistant.config_entries",
                                   "homeassistant.data_entry_flow"))]


def dhcp(ip: str, mac: str, hostname: str = "ipcam") -> DhcpServiceInfo:
    return DhcpServiceInfo(ip=ip, hostname=hostname,
                           macaddress=mac.replace(":", "").replace("-", "").lower())


async def _discover(hass: HomeAssistant, info: DhcpServiceInfo) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_DHCP}, data=info
    )
    return dict(result)


def _mac_of(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    macs = [value for device in devices for kind, value in device.connections
            if kind == dr.CONNECTION_NETWORK_MAC]
    assert macs, "the camera's device has no MAC connection"
    return macs[0]


async def test_dhcp_offers_the_camera_with_a_login_form(
    hass: HomeAssistant, sim: OnvifCamera, dialect: Dialect, web_ports: list[int]
) -> None:
    web_ports.append(sim.port)

    result = await _discover(hass, dhcp(sim.host, "00:1c:27:15:93:56", "cam-hall"))

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "discovery_confirm"
    assert result["description_placeholders"]["dialect"] == dialect.name
    assert result["description_placeholders"]["host"] == f"{sim.host}:{sim.port}"
    flow = hass.config_entries.flow.async_get(result["flow_id"])
    assert flow["context"]["title_placeholders"] == {"name": "cam-hall"}
    assert sim.requests, "the host was fingerprinted"
    assert credentialed(sim) == [], "a login went to a host before the user submitted"

    result = dict(await hass.config_entries.flow.async_configure(
        result["flow_id"], {"username": USERNAME, "password": PASSWORD}
    ))
    await settle(hass)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["host"] == sim.host
    assert result["data"]["port"] == sim.port
    assert result["data"][CONF_DIALECT] == dialect.name
    assert result["result"].unique_id == dialect.unique_id


async def test_dhcp_wrong_password_asks_again(
    hass: HomeAssistant, web_ports: list[int]
) -> None:
    sim = DIALECTS[0].make()
    await sim.start()
    try:
        web_ports.append(sim.port)
        result = await _discover(hass, dhcp(sim.host, "00:1c:27:15:93:56"))
        result = dict(await hass.config_entries.flow.async_configure(
            result["flow_id"], {"username": USERNAME, "password": "wrong"}
        ))
    finally:
        await sim.stop()

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "discovery_confirm"
    assert result["errors"] == {"base": "invalid_auth"}


async def test_dhcp_host_that_is_no_camera_aborts_quietly(
    hass: HomeAssistant, web_ports: list[int], caplog: pytest.LogCaptureFixture
) -> None:
    async def page(request: web.Request) -> web.Response:
        return web.Response(status=404, text="Not Found")

    async with serve(page) as port:
        web_ports.append(port)
        result = await _discover(hass, dhcp("127.0.0.1", "00:1c:27:00:00:01"))

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_supported"
    assert loud(caplog) == []


async def test_dhcp_host_that_does_not_answer_aborts_quietly(
    hass: HomeAssistant, web_ports: list[int], caplog: pytest.LogCaptureFixture
) -> None:
    async def page(request: web.Request) -> web.Response:
        return web.Response(status=404)

    async with serve(page) as port:
        pass  # closed again: nothing listens there now
    web_ports.append(port)

    result = await _discover(hass, dhcp("127.0.0.1", "00:1c:27:00:00:02"))

    assert result["reason"] == "not_supported"
    assert loud(caplog) == []


async def _moved_entry(hass: HomeAssistant, sim: OnvifCamera, dialect: Dialect,
                       **data: Any) -> tuple[MockConfigEntry, str]:
    """A configured camera (device and MAC known), then off line at its old address."""
    entry = await setup_entry(hass, sim, dialect.name, unique_id=dialect.unique_id)
    assert state_of_entry(entry) is config_entries.ConfigEntryState.LOADED
    mac = _mac_of(hass, entry)
    await hass.config_entries.async_unload(entry.entry_id)
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, "host": OLD_HOST, **data})
    sim.requests.clear()
    return entry, mac


async def test_dhcp_follows_a_configured_camera_to_its_new_address(
    hass: HomeAssistant, sim: OnvifCamera, dialect: Dialect
) -> None:
    entry, mac = await _moved_entry(hass, sim, dialect)

    result = await _discover(hass, dhcp(sim.host, mac))
    fingerprints_only = credentialed(sim)
    await settle(hass)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "address_updated"
    assert fingerprints_only == [], "the address was checked with a login"
    assert entry.data["host"] == sim.host
    assert state_of_entry(entry) is config_entries.ConfigEntryState.LOADED
    assert hass.config_entries.flow.async_progress() == []
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


async def test_dhcp_does_not_move_an_entry_to_another_dialect(
    hass: HomeAssistant, uid_sim: OnvifCamera
) -> None:
    """The MAC is at the new address, but what answers there is no uid_xml camera."""
    other = DIALECTS[1].make()  # param_cgi
    await other.start()
    try:
        entry, mac = await _moved_entry(hass, uid_sim, DIALECTS[0], port=other.port)
        result = await _discover(hass, dhcp(other.host, mac))
    finally:
        await other.stop()

    assert result["reason"] == "not_supported"
    assert entry.data["host"] == OLD_HOST
    assert credentialed(other) == []


async def test_dhcp_leaves_a_host_name_and_an_unchanged_address(
    hass: HomeAssistant, uid_sim: OnvifCamera
) -> None:
    entry, mac = await _moved_entry(hass, uid_sim, DIALECTS[0], host="cam.example")

    result = await _discover(hass, dhcp("127.0.0.1", mac))
    assert result["reason"] == "already_configured"
    assert entry.data["host"] == "cam.example"

    hass.config_entries.async_update_entry(entry, data={**entry.data, "host": "127.0.0.1"})
    result = await _discover(hass, dhcp("127.0.0.1", mac))
    assert result["reason"] == "already_configured"
    assert uid_sim.requests == []


async def test_dhcp_host_whose_answers_are_junk_aborts(
    hass: HomeAssistant, web_ports: list[int]
) -> None:
    """Answers over the body cap are protocol errors: no dialect, no flow."""
    async def huge(request: web.Request) -> web.Response:
        return web.Response(body=b"x" * (1024 * 1024))

    async with serve(huge) as port:
        web_ports.append(port)
        result = await _discover(hass, dhcp("127.0.0.1", "00:1c:27:00:00:04"))

    assert result["reason"] == "not_supported"


async def test_another_integrations_device_with_the_mac_is_not_ours(
    hass: HomeAssistant, web_ports: list[int]
) -> None:
    other = MockConfigEntry(domain="other_integration", data={})
    other.add_to_hass(hass)
    dr.async_get(hass).async_get_or_create(
        config_entry_id=other.entry_id,
        connections={(dr.CONNECTION_NETWORK_MAC, "00:1c:27:00:00:05")},
    )
    async with serve(_not_found) as port:
        web_ports.append(port)
        result = await _discover(hass, dhcp("127.0.0.1", "00:1c:27:00:00:05"))

    assert result["reason"] == "not_supported"  # fingerprinted as a new host


async def _not_found(request: web.Request) -> web.Response:
    return web.Response(status=404)


async def test_dhcp_of_an_ignored_camera_aborts(hass: HomeAssistant) -> None:
    MockConfigEntry(domain=DOMAIN, unique_id="00:1c:27:00:00:03",
                    source=config_entries.SOURCE_IGNORE, data={}).add_to_hass(hass)

    result = await _discover(hass, dhcp("127.0.0.1", "00:1c:27:00:00:03"))

    assert result["reason"] == "already_configured"


async def test_manifest_dhcp_matchers_reach_home_assistant(hass: HomeAssistant) -> None:
    """The MAC prefixes the seeds show, and registered devices (address follow)."""
    matchers = [m for m in await async_get_dhcp(hass) if m["domain"] == DOMAIN]
    prefixes = {m.get("macaddress") for m in matchers}
    assert {"001C27*", "BC0718*", "AC0718*", "8807CB*"} <= prefixes
    assert any(m.get("registered_devices") for m in matchers)
