"""Fix flows for the repair issues that Home Assistant can fix itself."""

from __future__ import annotations

from typing import Any

from homeassistant.components.repairs import RepairsFlow
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResult
from homeassistant.helpers import issue_registry as ir
import voluptuous as vol

from .client import Action, CameraError
from .clock_watch import TOLERANCE
from .data import CgiCameraConfigEntry, ready
from .names import entry_name


class ClockSyncFlow(RepairsFlow):
    """Sets the camera's clock from Home Assistant's after the user confirms."""

    def __init__(self, entry_id: str) -> None:
        self._entry_id = entry_id

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> FlowResult:
        return await self.async_step_confirm()

    async def async_step_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> FlowResult:
        entry: CgiCameraConfigEntry | None = self.hass.config_entries.async_get_entry(
            self._entry_id
        )
        if entry is None or not ready(entry):
            return self.async_abort(reason="not_loaded")
        if user_input is None:
            issue = ir.async_get(self.hass).async_get_issue(self.handler, self.issue_id)
            return self.async_show_form(
                step_id="confirm",
                data_schema=vol.Schema({}),
                description_placeholders=(issue.translation_placeholders if issue else None)
                or {"name": entry_name(entry), "difference": "?"},
            )
        data = entry.runtime_data
        try:
            await data.camera.press(Action.SYNC_TIME)
        except CameraError as err:
            return self.async_abort(reason="sync_failed",
                                    description_placeholders={"error": str(err)})
        await data.clock.async_check()
        if data.clock.offset is not None and abs(data.clock.offset) > TOLERANCE:
            # The camera accepted the time but did not keep it (NTP overriding it,
            # say): the issue stays, and says so on the next attempt.
            return self.async_abort(reason="sync_ignored")
        return self.async_create_entry(data={})


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """The flow behind a fixable issue (only the clock issue is fixable)."""
    assert data is not None
    return ClockSyncFlow(str(data["entry_id"]))
