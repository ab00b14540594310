"""The one translation of client errors into Home Assistant's (errors.py)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
import json
from pathlib import Path

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    ConfigEntryNotReady,
    HomeAssistantError,
)
from homeassistant.helpers.update_coordinator import UpdateFailed
import pytest

from custom_components.cgi_camera.client.errors import (
    AuthDowngrade,
    AuthError,
    CameraError,
    CommandError,
    NotSupported,
    ProtocolError,
    Timeout,
)
from custom_components.cgi_camera.const import DOMAIN
from custom_components.cgi_camera.errors import (
    FLOW_ERRORS,
    setup_errors,
    update_errors,
)
from tests.helpers import entity_id, settle, setup_entry
from tests.sim.param_cgi import ParamCgiSim

type Translator = Callable[[], AbstractContextManager[None]]

STRINGS = json.loads(
    (Path(__file__).parents[1] / "custom_components/cgi_camera/strings.json").read_text()
)


def test_every_flow_error_key_is_translated() -> None:
    assert {key for _, key in FLOW_ERRORS} <= set(STRINGS["config"]["error"])


@pytest.mark.parametrize(
    ("translator", "error", "raised", "key"),
    [
        (setup_errors, AuthError("refused"), ConfigEntryAuthFailed, "invalid_auth"),
        (setup_errors, Timeout("slow"), ConfigEntryNotReady, "cannot_connect"),
        (setup_errors, NotSupported("no"), ConfigEntryNotReady, "cannot_connect"),
        (update_errors, AuthDowngrade("basic"), ConfigEntryAuthFailed, "invalid_auth"),
        (update_errors, CommandError("no"), UpdateFailed, "update_failed"),
        (update_errors, ProtocolError("garbage"), UpdateFailed, "update_failed"),
    ],
)
def test_entry_errors(
    translator: Translator, error: CameraError, raised: type[HomeAssistantError], key: str
) -> None:
    with pytest.raises(raised) as caught, translator():
        raise error
    assert caught.value.translation_key == key
    assert caught.value.__cause__ is error
    assert key in STRINGS["exceptions"]
    if key != "invalid_auth":
        assert caught.value.translation_placeholders == {"error": str(error)}


@pytest.mark.parametrize("translator", [setup_errors, update_errors])
def test_other_errors_pass_through(translator: Translator) -> None:
    with pytest.raises(KeyError), translator():
        raise KeyError("a bug is no camera failure")


async def test_refused_login_on_a_command_asks_for_reauth(
    hass: HomeAssistant, ipc_sim: ParamCgiSim
) -> None:
    entry = await setup_entry(hass, ipc_sim, "param_cgi")
    number = entity_id(hass, "number", "brightness")
    ipc_sim.password = "changed-on-the-camera"
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            "number", "set_value", {"entity_id": number, "value": 3}, blocking=True
        )
    assert err.value.translation_key == "invalid_auth"
    assert type(err.value) is HomeAssistantError
    await settle(hass)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == ["reauth"]
    assert entry.state is ConfigEntryState.LOADED
