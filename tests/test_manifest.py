"""Packaging: manifest, translations, services and icons stay consistent."""

from __future__ import annotations

from collections.abc import Mapping
import json
from pathlib import Path
import re
from typing import Any

import yaml

from custom_components.cgi_camera import button, number, select, sensor, switch
from custom_components.cgi_camera.client import Action, SettingKey, SettingKind
from custom_components.cgi_camera.client.dialects import DIALECTS

COMPONENT = Path(__file__).parent.parent / "custom_components" / "cgi_camera"


def _load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((COMPONENT / name).read_text())
    return loaded


def test_manifest_shape() -> None:
    manifest = _load("manifest.json")
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    assert manifest["domain"] == "cgi_camera"
    assert manifest["config_flow"] is True
    assert manifest["integration_type"] == "device"
    assert manifest["documentation"].startswith("https://")
    assert manifest["issue_tracker"].startswith("https://")
    assert manifest["version"]
    hacs = json.loads((COMPONENT.parent.parent / "hacs.json").read_text())
    assert hacs["name"] and hacs["homeassistant"] and "render_readme" in hacs


# What HACS' repository validation accepts (hacs/integration, utils/validate.py
# HACS_MANIFEST_JSON_SCHEMA, extra keys refused; checked 2026-12-01) and requires of an
# integration's manifest (INTEGRATION_MANIFEST_JSON_SCHEMA).
HACS_JSON_KEYS = {
    "content_in_root", "country", "filename", "hacs", "hide_default_branch",
    "homeassistant", "name", "persistent_directory", "render_readme", "zip_release",
}
HACS_MANIFEST_KEYS = {"codeowners", "documentation", "domain", "issue_tracker", "name",
                      "version"}


def test_hacs_repository_validation() -> None:
    root = COMPONENT.parent.parent
    hacs = json.loads((root / "hacs.json").read_text())
    assert set(hacs) <= HACS_JSON_KEYS, set(hacs) - HACS_JSON_KEYS
    assert isinstance(hacs["name"], str)
    assert not hacs.get("zip_release") or hacs.get("filename")
    manifest = _load("manifest.json")
    assert set(manifest) >= HACS_MANIFEST_KEYS
    assert manifest["codeowners"]
    assert (COMPONENT / "brand" / "icon.png").is_file()
    # The one integration HACS manages: the only folder under custom_components/.
    assert [p.name for p in (root / "custom_components").iterdir() if p.is_dir()
            and not p.name.startswith("__")] == [manifest["domain"]]


def test_licence_is_mit_and_named_in_the_readme() -> None:
    root = COMPONENT.parent.parent
    licence = (root / "LICENSE").read_text()
    # The standard text, so GitHub (and HACS through it) identifies it as SPDX "MIT".
    assert licence.startswith("MIT License\n\nCopyright (c) ")
    assert "Permission is hereby granted, free of charge" in licence
    readme = (root / "README.md").read_text()
    assert re.search(r"\bMIT\b", readme) and "LICENSE" in readme


def test_strings_mirror_translations() -> None:
    assert _load("strings.json") == _load("translations/en.json")


def test_every_vocabulary_key_has_an_entity_and_a_name() -> None:
    strings = _load("strings.json")["entity"]
    platforms: dict[SettingKind, tuple[str, Mapping[SettingKey, object]]] = {
        SettingKind.BOOL: ("switch", switch.DESCRIPTIONS),
        SettingKind.NUMBER: ("number", number.DESCRIPTIONS),
        SettingKind.ENUM: ("select", select.DESCRIPTIONS),
        SettingKind.VALUE: ("sensor", sensor.DESCRIPTIONS),
    }
    described = {key for _, descs in platforms.values() for key in descs}
    assert set(SettingKey) == described
    for platform, descs in platforms.values():
        for key in descs:
            assert key in strings[platform], f"{platform}.{key} has no name"
    for action in Action:
        assert action in button.DESCRIPTIONS
        assert action in strings["button"]


def test_services_yaml_matches_strings() -> None:
    services = yaml.safe_load((COMPONENT / "services.yaml").read_text())
    strings = _load("strings.json")["services"]
    icons = _load("icons.json")["services"]
    assert set(services) == set(strings) == set(icons)
    for name, spec in services.items():
        assert set(spec["fields"]) == set(strings[name]["fields"])


def test_dialects_are_registered_once() -> None:
    names = [cls.dialect for cls in DIALECTS]
    assert len(names) == len(set(names))


def test_every_translation_key_in_code_is_translated() -> None:
    strings = _load("strings.json")
    code = "\n".join(p.read_text() for p in COMPONENT.glob("*.py"))
    exceptions = set(
        re.findall(r'translation_domain=DOMAIN,\s*translation_key="([a-z_]+)"', code)
    )
    # Keys passed through a variable (raise_translated_error's argument).
    exceptions |= set(re.findall(r'"(\w+_failed)"\)', code))
    assert exceptions
    assert exceptions <= set(strings["exceptions"]), exceptions - set(strings["exceptions"])
    flow_errors = set(re.findall(r'return "([a-z_]+)"', code))
    assert flow_errors <= set(strings["config"]["error"]), flow_errors
    option_errors = set(re.findall(r'\{CONF_\w+: "([a-z_]+)"\}', code))
    assert option_errors <= set(strings["options"]["error"]), option_errors


def test_alarm_kinds_have_names_device_classes_and_triggers() -> None:
    from custom_components.cgi_camera.binary_sensor import DEVICE_CLASSES
    from custom_components.cgi_camera.client.models import AlarmKind

    strings = _load("strings.json")
    assert set(DEVICE_CLASSES) == set(AlarmKind)
    for kind in AlarmKind:
        assert kind in strings["entity"]["binary_sensor"]
        for edge in ("started", "stopped"):
            assert f"{kind}_{edge}" in strings["device_automation"]["trigger_type"]
