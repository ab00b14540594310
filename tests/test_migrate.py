"""Entries of earlier versions are brought up to date once (migrate.py)."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cgi_camera import migrate
from custom_components.cgi_camera.const import DOMAIN
from tests.helpers import entry_data, settle
from tests.sim.uid_xml import UidXmlSim

UID = "f0:00:00:29:06:9f"


def _entry(sim: UidXmlSim, version: int, minor_version: int) -> MockConfigEntry:
    return MockConfigEntry(domain=DOMAIN, title="Old camera", unique_id=UID,
                           data=entry_data(sim, "uid_xml"), version=version,
                           minor_version=minor_version)


async def test_an_entry_of_minor_version_1_loses_its_retired_sensor_once(
    hass: HomeAssistant, uid_sim: UidXmlSim
) -> None:
    entry = _entry(uid_sim, 1, 1)
    entry.add_to_hass(hass)
    registry = er.async_get(hass)
    retired = registry.async_get_or_create("sensor", DOMAIN, f"{UID}_firmware_version",
                                           config_entry=entry)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await settle(hass)
    assert entry.state is ConfigEntryState.LOADED
    assert (entry.version, entry.minor_version) == (migrate.VERSION, migrate.MINOR_VERSION)
    assert registry.async_get(retired.entity_id) is None
    # Migrated entries are not looked at again: a sensor of that id is left alone now.
    again = registry.async_get_or_create("sensor", DOMAIN, f"{UID}_firmware_version",
                                         config_entry=entry)
    await hass.config_entries.async_reload(entry.entry_id)
    await settle(hass)
    assert registry.async_get(again.entity_id) is not None
    await hass.config_entries.async_unload(entry.entry_id)
    await settle(hass)


async def test_an_entry_of_a_newer_version_is_not_touched(
    hass: HomeAssistant, uid_sim: UidXmlSim
) -> None:
    entry = _entry(uid_sim, migrate.VERSION + 1, 1)
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.MIGRATION_ERROR
    assert entry.version == migrate.VERSION + 1
    assert not uid_sim.requests  # not even a login
