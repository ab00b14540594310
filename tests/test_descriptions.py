"""Platform descriptions and set-up: typed, frozen, one helper, units from the vocabulary."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

from homeassistant.core import HomeAssistant
import pytest

from custom_components.cgi_camera import button, number, select, sensor, switch
from custom_components.cgi_camera.entity import CgiSettingDescription
from tests.helpers import entity_id, setup_entry, state_of
from tests.sim.param_cgi import ParamCgiSim
from tests.sim.uid_xml import UidXmlSim

COMPONENT = Path(__file__).parents[1] / "custom_components" / "cgi_camera"
SETTING_PLATFORMS = (switch, number, select, sensor)
PLATFORM_FILES = ("binary_sensor", "button", "camera", "number", "select", "sensor", "switch")
DIALECTS = ("uid_xml", "param_cgi", "cgi_action", "cgi_message")


@pytest.mark.parametrize("platform", SETTING_PLATFORMS, ids=lambda p: p.__name__)
def test_setting_descriptions_are_typed_and_frozen(platform: object) -> None:
    descriptions = platform.DESCRIPTIONS  # type: ignore[attr-defined]
    for key, description in descriptions.items():
        assert isinstance(description, CgiSettingDescription)
        assert description.key is key
        # The setting's own name unless a description says otherwise.
        assert description.translation_key == key
        with pytest.raises(dataclasses.FrozenInstanceError):
            description.key = key  # type: ignore[misc]


def test_button_descriptions_are_keyed_by_action() -> None:
    for action, description in button.DESCRIPTIONS.items():
        assert description.key == action == description.translation_key


@pytest.mark.parametrize("name", PLATFORM_FILES)
def test_platform_files_know_no_dialect_and_ignore_no_types(name: str) -> None:
    text = (COMPONENT / f"{name}.py").read_text()
    assert "type: ignore" not in text
    assert not [dialect for dialect in DIALECTS if dialect in text]


@pytest.mark.parametrize("name", PLATFORM_FILES)
def test_platforms_add_entities_through_the_shared_helper(name: str) -> None:
    """No platform keeps its own add-entities-later listener."""
    tree = ast.parse((COMPONENT / f"{name}.py").read_text())
    listeners = [
        node for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "async_add_listener"
    ]
    assert listeners == []


def _runtime_imports(path: Path) -> set[str]:
    """The integration modules ``path`` imports when it runs (not only for typing)."""
    tree = ast.parse(path.read_text())
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
        for inner in ast.walk(node)
    }
    return {
        node.module or ""
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 1 and id(node) not in typing_only
    }


def test_runtime_data_imports_no_coordinator() -> None:
    """data.py names the coordinators for typing only, so they may import it freely."""
    assert _runtime_imports(COMPONENT / "data.py") <= {"client"}
    for name in ("coordinator", "alarms", "errors", "devices"):
        assert "data" not in _runtime_imports(COMPONENT / f"{name}.py"), name


def test_alarms_do_not_import_the_entity_base() -> None:
    assert "entity" not in _runtime_imports(COMPONENT / "alarms.py")
    assert "entity" not in _runtime_imports(COMPONENT / "device_trigger.py")


async def test_units_come_from_the_vocabulary(hass: HomeAssistant, ipc_sim: ParamCgiSim) -> None:
    entry = await setup_entry(hass, ipc_sim, "param_cgi")
    setting = entry.runtime_data.camera.capabilities.settings["sd_free"]
    assert setting.unit == "MB"
    free = state_of(hass, entity_id(hass, "sensor", "sd_free"))
    # Megabytes from the camera; 64 of them read best as megabytes.
    assert free.attributes["unit_of_measurement"] == "MB"
    assert free.attributes["device_class"] == "data_size"


async def test_percentages_only_on_a_0_to_100_scale(
    hass: HomeAssistant, uid_sim: UidXmlSim
) -> None:
    await setup_entry(hass, uid_sim)
    ir = state_of(hass, entity_id(hass, "number", "ir_brightness"))
    assert (ir.attributes["min"], ir.attributes["max"]) == (0, 100)
    assert ir.attributes["unit_of_measurement"] == "%"
    assert "unit_of_measurement" not in state_of(
        hass, entity_id(hass, "number", "brightness")
    ).attributes
