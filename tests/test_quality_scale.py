"""The Integration Quality Scale self-assessment is complete, and its claims hold."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
import re
from typing import Any

from homeassistant.components import media_source
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.setup import async_setup_component
import pytest
import yaml

from custom_components.cgi_camera.client.models import AlarmKind
from custom_components.cgi_camera.const import CONF_RTSP_PORT, DOMAIN, PLATFORMS
from custom_components.cgi_camera.device_trigger import STARTED, STOPPED, async_get_triggers
from tests.helpers import setup_entry
from tests.sim.uid_xml import UidXmlSim

ROOT = Path(__file__).parent.parent
COMPONENT = ROOT / "custom_components" / "cgi_camera"

# Every rule of the Integration Quality Scale, by tier. Source: developers.home-assistant
# docs/core/integration-quality-scale/_includes/tiers.json at 186ad06 (2026-08-19; the
# triggers and conditions rules joined bronze in c6ac27b, 2026-07-01), the same set as
# hassfest's script/hassfest/quality_scale.py and as every quality_scale.yaml in the
# Home Assistant 2026.11.0 wheel (54 rules each). Checked 2026-12-01.
RULES: dict[str, tuple[str, ...]] = {
    "bronze": (
        "action-setup", "appropriate-polling", "brands", "common-modules",
        "config-flow-test-coverage", "config-flow", "dependency-transparency",
        "docs-actions", "docs-triggers", "docs-conditions", "docs-high-level-description",
        "docs-installation-instructions", "docs-removal-instructions",
        "entity-event-setup", "entity-unique-id", "has-entity-name", "runtime-data",
        "test-before-configure", "test-before-setup", "unique-config-entry",
    ),
    "silver": (
        "action-exceptions", "config-entry-unloading", "docs-configuration-parameters",
        "docs-installation-parameters", "entity-unavailable", "integration-owner",
        "log-when-unavailable", "parallel-updates", "reauthentication-flow",
        "test-coverage",
    ),
    "gold": (
        "devices", "diagnostics", "discovery-update-info", "discovery", "docs-data-update",
        "docs-examples", "docs-known-limitations", "docs-supported-devices",
        "docs-supported-functions", "docs-troubleshooting", "docs-use-cases",
        "dynamic-devices", "entity-category", "entity-device-class",
        "entity-disabled-by-default", "entity-translations", "exception-translations",
        "icon-translations", "reconfiguration-flow", "repair-issues", "stale-devices",
    ),
    "platinum": ("async-dependency", "inject-websession", "strict-typing"),
}
ALL_RULES = {rule for rules in RULES.values() for rule in rules}
# The issue allows no "todo": a rule is met, or it does not apply (and the comment says why).
STATUSES = {"done", "exempt"}


def _assessment() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((COMPONENT / "quality_scale.yaml").read_text())
    rules: dict[str, Any] = loaded["rules"]
    return rules


def test_rule_list_is_the_current_scale() -> None:
    assert len(ALL_RULES) == sum(len(rules) for rules in RULES.values()) == 54


def test_every_rule_is_assessed() -> None:
    rules = _assessment()
    assert sorted(ALL_RULES - set(rules)) == [], "rules missing from quality_scale.yaml"
    assert sorted(set(rules) - ALL_RULES) == [], "not rules of the current scale"


@pytest.mark.parametrize("rule", sorted(ALL_RULES))
def test_rule_is_done_or_exempt_with_a_reason(rule: str) -> None:
    assessed = _assessment().get(rule)
    assert isinstance(assessed, dict), f"{rule}: needs a status and a comment"
    assert assessed.get("status") in STATUSES, f"{rule}: status must be done or exempt"
    comment = assessed.get("comment")
    assert isinstance(comment, str) and comment.strip(), f"{rule}: says nothing about why"
    assert "\n" not in comment.strip(), f"{rule}: the reason is one line"


# -- claims the assessment makes, checked ------------------------------------------------

def _raised_class(module: object, func: ast.expr) -> object:
    """The class a ``raise X(...)`` names, looked up in the module it is raised in."""
    value: object = module
    for part in ast.unparse(func).split("."):
        value = getattr(value, part, None)
    return value


def _untranslated_raises() -> list[str]:
    """Every Home Assistant error the integration raises without a translation key.

    (The client's own taxonomy, raised and caught inside, is no user-facing message.)
    """
    found = []
    for path in sorted(COMPONENT.glob("*.py")):
        module = importlib.import_module(f"custom_components.cgi_camera.{path.stem}")
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Raise) or not isinstance(node.exc, ast.Call):
                continue
            raised = _raised_class(module, node.exc.func)
            user_facing = not isinstance(raised, type) or issubclass(raised, HomeAssistantError)
            keywords = {kw.arg for kw in node.exc.keywords}
            if user_facing and not {"translation_domain", "translation_key"} <= keywords:
                found.append(f"{path.name}:{node.lineno} {ast.unparse(node.exc.func)}")
    return found


def test_exception_translations_every_raise_has_a_key() -> None:
    assert _untranslated_raises() == []


def test_parallel_updates_every_platform_sets_it() -> None:
    missing = [
        str(platform) for platform in PLATFORMS
        if not isinstance(
            getattr(importlib.import_module(f"custom_components.cgi_camera.{platform}"),
                    "PARALLEL_UPDATES", None),
            int,
        )
    ]
    assert missing == []


def test_docs_triggers_every_trigger_type_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    section = re.search(r"^#+ Device triggers$(.*?)(?=^#+ )", readme, re.M | re.S)
    assert section, "README has no 'Device triggers' section"
    text = section.group(1)
    assert "subtype" in text
    missing = [
        f"{kind}{edge}" for kind in AlarmKind for edge in (STARTED, STOPPED)
        if f"`{kind}{edge}`" not in text
    ]
    assert missing == []


async def test_exception_translations_render(hass: HomeAssistant, uid_sim: UidXmlSim) -> None:
    """The translated messages reach the user (Home Assistant drops the final stop)."""
    assert await async_setup_component(hass, "media_source", {})
    entry = await setup_entry(hass, uid_sim, options={CONF_RTSP_PORT: 1})
    root = f"media-source://{DOMAIN}"
    expected = {
        f"{root}/nope": "No loaded camera with recordings has the entry id nope",
        f"{root}/{entry.entry_id}/someday": "someday is not a day of the recordings calendar",
    }
    for content_id, message in expected.items():
        with pytest.raises(media_source.Unresolvable) as err:
            await media_source.async_browse_media(hass, content_id)
        assert str(err.value) == message
    with pytest.raises(media_source.Unresolvable) as err:
        await media_source.async_resolve_media(hass, f"{root}/{entry.entry_id}/day", None)
    assert str(err.value) == f"{entry.entry_id}/day is not a recording"
    with pytest.raises(HomeAssistantError) as failed:
        await async_get_triggers(hass, "no-such-device")
    assert str(failed.value) == "There is no device with the id no-such-device"
