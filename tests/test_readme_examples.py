"""The README's automation examples are valid automations, and the alarm one works."""

from __future__ import annotations

from pathlib import Path
import re
from typing import Any

from homeassistant.components.automation.config import async_validate_config_item
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import yaml

from tests.helpers import entity_id, setup_entry, until
from tests.sim.param_cgi import ParamCgiSim

IPC = "00:12:34:56:78:9a"
README = Path(__file__).parent.parent / "README.md"


def _examples() -> list[dict[str, Any]]:
    text = README.read_text()
    section = text.split("## Automation examples", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```yaml\n(.*?)```", section, re.S)
    return [yaml.safe_load(block) for block in blocks]


async def test_every_example_is_a_valid_automation(hass: HomeAssistant) -> None:
    examples = _examples()
    assert len(examples) == 3
    for number, example in enumerate(examples):
        checked = await async_validate_config_item(
            hass, f"example {number}", {"id": str(number), "alias": f"ex {number}", **example}
        )
        assert checked is not None and checked.validation_error is None, (
            number, checked and checked.validation_error)


async def test_alarm_input_example_turns_the_camera(
    hass: HomeAssistant, ipc_sim: ParamCgiSim
) -> None:
    await setup_entry(hass, ipc_sim, "param_cgi", unique_id=IPC)
    example = _examples()[1]
    # The README's camera.yard is this simulator's camera.
    example["actions"][0]["target"]["entity_id"] = entity_id(hass, "camera", "camera", IPC)
    assert await async_setup_component(
        hass, "automation", {"automation": [{"alias": "gate", **example}]}
    )
    ipc_sim.raise_alarm(1, 1, 1)  # alarm input 1 starts (pushed over the attach stream)
    await until(lambda: bool(ipc_sim.ptz_log)
                and ipc_sim.ptz_log[-1].get("action") == "presetInvoke")
    assert ipc_sim.ptz_log[-1]["presetID"] == "2"
