"""A camera on which nothing checks the password is flagged, never silently trusted.

Issue 11 part 1: cgi_action firmware that answers ``POST /action/<action>`` without
any login, next to an RTSP server that asks for none, cannot prove a password. The
entry works, and a warning repair issue says that the camera takes commands from
anyone on the network; every set-up checks again, so it clears once the firmware
checks the password.
"""

from __future__ import annotations

from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir

from custom_components.cgi_camera.const import DOMAIN
from tests.conftest import PASSWORD, USERNAME
from tests.helpers import settle, state_of_entry
from tests.sim.cgi_action import CgiActionSim


async def _add(hass: HomeAssistant, sim: CgiActionSim, password: str) -> dict[str, object]:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"host": sim.host, "port": sim.port, "username": USERNAME, "password": password,
         "ssl": False, "verify_ssl": True},
    )
    await settle(hass)
    return dict(result)


def _issue(hass: HomeAssistant, entry_id: str) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"unauthenticated_{entry_id}")


async def test_open_camera_gets_a_warning_that_clears_when_fixed(hass: HomeAssistant) -> None:
    sim = CgiActionSim(variant="post", username=USERNAME, password=PASSWORD, rtsp_auth="open")
    async with sim:
        # Any password gets in: nothing on this camera can tell.
        result = await _add(hass, sim, "whatever-the-user-typed")
        assert result["type"] is FlowResultType.CREATE_ENTRY
        entry = hass.config_entries.async_entries(DOMAIN)[0]
        assert state_of_entry(entry) is config_entries.ConfigEntryState.LOADED
        assert entry.data["auth_scheme"] == "post"
        issue = _issue(hass, entry.entry_id)
        assert issue is not None
        assert issue.severity is ir.IssueSeverity.WARNING
        assert issue.translation_key == "unauthenticated_camera"
        assert issue.translation_placeholders == {"name": entry.title}
        assert not issue.is_fixable

        # A firmware update makes the RTSP server check the login: the next set-up
        # proves the password and the warning goes.
        sim.rtsp_auth = "digest"
        hass.config_entries.async_update_entry(entry, data={**entry.data, "password": PASSWORD})
        await hass.config_entries.async_reload(entry.entry_id)
        await settle(hass)
        assert state_of_entry(entry) is config_entries.ConfigEntryState.LOADED
        assert _issue(hass, entry.entry_id) is None

        await hass.config_entries.async_remove(entry.entry_id)
        await settle(hass)


async def test_checked_camera_gets_no_warning(hass: HomeAssistant) -> None:
    sim = CgiActionSim(variant="post", username=USERNAME, password=PASSWORD,
                       rtsp_auth="digest")
    async with sim:
        result = await _add(hass, sim, PASSWORD)
        assert result["type"] is FlowResultType.CREATE_ENTRY
        entry = hass.config_entries.async_entries(DOMAIN)[0]
        assert _issue(hass, entry.entry_id) is None
        await hass.config_entries.async_unload(entry.entry_id)
        await settle(hass)


async def test_removing_the_camera_removes_the_warning(hass: HomeAssistant) -> None:
    sim = CgiActionSim(variant="post", username=USERNAME, password=PASSWORD, rtsp_auth="open")
    async with sim:
        await _add(hass, sim, PASSWORD)
        entry = hass.config_entries.async_entries(DOMAIN)[0]
        assert _issue(hass, entry.entry_id) is not None
        await hass.config_entries.async_remove(entry.entry_id)
        await settle(hass)
        assert _issue(hass, entry.entry_id) is None
