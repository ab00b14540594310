"""A device claiming a configured camera's identity cannot take over its entry (issue 17.1).

The identity (MAC, deviceID) is the device's own word. An entry, and the password
stored with it, moves to a new address only when the user typed that very login
and the device checked it there; otherwise the flow aborts and points at
Reconfigure.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest

from custom_components.cgi_camera.const import DOMAIN
from tests.conftest import PASSWORD, SECRETS, USERNAME
from tests.helpers import settle, setup_entry, state_of_entry
from tests.sim.uid_xml import UidXmlSim

ROGUE_PASSWORD = "rogue-says-anything"


@pytest.fixture
async def rogue() -> AsyncIterator[UidXmlSim]:
    """Another device reporting the MAC of the ``uid_sim`` camera, with its own login."""
    sim = UidXmlSim(variant="000", username=USERNAME, password=ROGUE_PASSWORD, ptz=True)
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()


async def _add(hass: HomeAssistant, host: str, port: int, password: str) -> dict[str, object]:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"host": host, "port": port, "username": USERNAME, "password": password,
         "ssl": False, "verify_ssl": True},
    )
    await settle(hass)
    return dict(result)


def _saw_secret(sim: UidXmlSim) -> bool:
    """Whether any request the device received carried the stored password."""
    for record in sim.requests:
        values = " ".join(record.query.values())
        if any(secret in values for secret in SECRETS):
            return True
    return False


async def test_rogue_with_its_own_login_cannot_move_the_entry(
    hass: HomeAssistant, uid_sim: UidXmlSim, rogue: UidXmlSim
) -> None:
    entry = await setup_entry(hass, uid_sim)
    before = dict(entry.data)
    rogue.requests.clear()

    result = await _add(hass, rogue.host, rogue.port, ROGUE_PASSWORD)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured_elsewhere"
    assert result["description_placeholders"] == {"name": entry.title, "host": uid_sim.host}
    assert dict(entry.data) == before
    assert state_of_entry(entry) is config_entries.ConfigEntryState.LOADED
    # Reloading (a restart) still talks to the real camera, never the rogue.
    await hass.config_entries.async_reload(entry.entry_id)
    await settle(hass)
    assert state_of_entry(entry) is config_entries.ConfigEntryState.LOADED
    assert not _saw_secret(rogue)
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


async def test_typing_the_stored_login_moves_a_camera_that_really_moved(
    hass: HomeAssistant, uid_sim: UidXmlSim
) -> None:
    entry = await setup_entry(hass, uid_sim, port=1)  # the camera used to be elsewhere

    result = await _add(hass, uid_sim.host, uid_sim.port, PASSWORD)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "address_updated"
    assert entry.data["port"] == uid_sim.port
    assert state_of_entry(entry) is config_entries.ConfigEntryState.LOADED


async def test_a_different_login_at_a_new_address_does_not_move_it(
    hass: HomeAssistant, uid_sim: UidXmlSim
) -> None:
    """Even the real camera: a login other than the stored one means Reconfigure."""
    entry = await setup_entry(hass, uid_sim, port=1, password="old-password")

    result = await _add(hass, uid_sim.host, uid_sim.port, PASSWORD)

    assert result["reason"] == "already_configured_elsewhere"
    assert entry.data["port"] == 1
    assert entry.data["password"] == "old-password"


async def test_same_address_is_already_configured(
    hass: HomeAssistant, uid_sim: UidXmlSim
) -> None:
    entry = await setup_entry(hass, uid_sim)
    before = dict(entry.data)

    result = await _add(hass, uid_sim.host, uid_sim.port, PASSWORD)

    assert result["reason"] == "already_configured"
    assert dict(entry.data) == before
