"""Tell the user when nothing on a camera checks its password.

Some firmware (``cgi_action`` that takes ``POST /action/<action>`` without any
login, devices that never ask for one) accepts commands from anyone on the network.
The client then could not prove the password either; the entry still works, and
this warning says so until a set-up finds the password checked again (a firmware
update, a login turned on).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .client import Camera
from .const import DOMAIN
from .names import entry_name

if TYPE_CHECKING:
    from .data import CgiCameraConfigEntry


def issue_id(entry: CgiCameraConfigEntry) -> str:
    """The repair issue of a camera whose password nothing checks."""
    return f"unauthenticated_{entry.entry_id}"


@callback
def async_update_issue(hass: HomeAssistant, entry: CgiCameraConfigEntry, camera: Camera) -> None:
    """Raise or clear the warning, from what this set-up's login found."""
    if camera.login_verified:
        ir.async_delete_issue(hass, DOMAIN, issue_id(entry))
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(entry),
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="unauthenticated_camera",
        translation_placeholders={"name": entry_name(entry)},
    )
