"""Every change to an entry reloads it exactly once, from one place (issue 11.4).

Home Assistant 2026.12 reports entries that keep an update listener while a config
flow reloads them: options reload through ``OptionsFlowWithReload`` where it exists
(2025.8+) and through an options-only listener before that; data changes reload
through the config flow's ``async_update_reload_and_abort``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from unittest.mock import patch

from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest

import custom_components.cgi_camera as integration
from custom_components.cgi_camera.compat import OPTIONS_FLOW_RELOADS
from custom_components.cgi_camera.const import CONF_SCAN_INTERVAL, DOMAIN
from tests.conftest import PASSWORD, USERNAME
from tests.helpers import settle, setup_entry, state_of_entry
from tests.sim.cgi_message import CgiMessageSim
from tests.sim.param_cgi import ParamCgiSim
from tests.sim.uid_xml import UidXmlSim


@pytest.fixture
def setups() -> Iterator[list[str]]:
    """The entry ids ``async_setup_entry`` ran for, in order."""
    calls: list[str] = []
    real = integration.async_setup_entry

    async def counting(hass: HomeAssistant, entry: Any) -> bool:
        calls.append(entry.entry_id)
        return await real(hass, entry)

    with patch.object(integration, "async_setup_entry", counting):
        yield calls


async def test_options_change_reloads_once(
    hass: HomeAssistant, uid_sim: UidXmlSim, setups: list[str]
) -> None:
    entry = await setup_entry(hass, uid_sim)
    assert setups == [entry.entry_id]
    # The options flow reloads by itself where it can; no listener next to it then.
    assert bool(entry.update_listeners) is not OPTIONS_FLOW_RELOADS

    result = await hass.config_entries.options.async_init(entry.entry_id)
    schema = result["data_schema"]
    assert schema is not None
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**schema({}), CONF_SCAN_INTERVAL: 30}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await settle(hass)

    assert setups == [entry.entry_id] * 2
    assert state_of_entry(entry) is config_entries.ConfigEntryState.LOADED


async def test_unchanged_options_do_not_reload(
    hass: HomeAssistant, uid_sim: UidXmlSim, setups: list[str]
) -> None:
    entry = await setup_entry(hass, uid_sim, options={CONF_SCAN_INTERVAL: 30})
    result = await hass.config_entries.options.async_init(entry.entry_id)
    schema = result["data_schema"]
    assert schema is not None
    current = schema({CONF_SCAN_INTERVAL: 30})
    hass.config_entries.async_update_entry(entry, options=current)  # the flow's end state
    await settle(hass)
    setups.clear()

    result = await hass.config_entries.options.async_configure(result["flow_id"], current)
    await settle(hass)

    assert setups == []


async def test_reauth_reloads_once(
    hass: HomeAssistant, uid_sim: UidXmlSim, setups: list[str]
) -> None:
    entry = await setup_entry(hass, uid_sim)
    uid_sim.set_password("new-secret")
    result = await entry.start_reauth_flow(hass)
    setups.clear()

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"username": USERNAME, "password": "new-secret"}
    )
    await settle(hass)

    assert result["reason"] == "reauth_successful"
    assert setups == [entry.entry_id]
    assert state_of_entry(entry) is config_entries.ConfigEntryState.LOADED


async def test_reconfigure_reloads_once(
    hass: HomeAssistant, uid_sim: UidXmlSim, setups: list[str]
) -> None:
    entry = await setup_entry(hass, uid_sim)
    result = await entry.start_reconfigure_flow(hass)
    setups.clear()

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"host": uid_sim.host, "port": uid_sim.port, "username": USERNAME,
         "password": PASSWORD, "ssl": False, "verify_ssl": True},
    )
    await settle(hass)

    assert result["reason"] == "reconfigure_successful"
    assert setups == [entry.entry_id]


async def test_learned_auth_scheme_is_kept_without_a_reload(
    hass: HomeAssistant, ipc_sim: ParamCgiSim, setups: list[str]
) -> None:
    """Set-up writes what it learned into the entry; that alone reloads nothing."""
    entry = await setup_entry(hass, ipc_sim, "param_cgi", unique_id="00:12:34:56:78:9a")
    assert entry.data["auth_scheme"] == "basic"
    assert setups == [entry.entry_id]
    assert state_of_entry(entry) is config_entries.ConfigEntryState.LOADED


async def test_a_camera_downgrading_to_basic_gets_no_password_until_reconfigured(
    hass: HomeAssistant,
) -> None:
    """Reauth keeps the learned scheme (downgrade protection) and says why it fails."""
    sim = CgiMessageSim(username=USERNAME, password=PASSWORD, auth="digest")
    async with sim:
        entry = await setup_entry(hass, sim, "cgi_message", unique_id="52:3e:42:02:bc:20")
        assert entry.data["auth_scheme"] == "digest"
        await hass.config_entries.async_unload(entry.entry_id)
        sim.auth = "basic"  # what answers there now wants the password in clear
        await hass.config_entries.async_setup(entry.entry_id)
        await settle(hass)
        assert state_of_entry(entry) is config_entries.ConfigEntryState.SETUP_ERROR
        flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        assert [f["context"]["source"] for f in flows] == ["reauth"]

        result = await hass.config_entries.flow.async_configure(
            flows[0]["flow_id"], {"username": USERNAME, "password": PASSWORD}
        )
        assert result["errors"] == {"base": "auth_downgrade"}

        # Reconfigure detects afresh: the user confirmed the address, Basic it is.
        result = await entry.start_reconfigure_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {"host": sim.host, "port": sim.port, "username": USERNAME, "password": PASSWORD,
             "ssl": False, "verify_ssl": True},
        )
        await settle(hass)
        assert result["reason"] == "reconfigure_successful"
        assert entry.data["auth_scheme"] == "basic"
        assert state_of_entry(entry) is config_entries.ConfigEntryState.LOADED
        await hass.config_entries.async_unload(entry.entry_id)
