"""Secrets never leak, and nothing dangerous is exposed, in every dialect.

Uses the dialect table of :mod:`tests.dialects` and the fixtures of :mod:`tests.test_faults`.
"""

from __future__ import annotations

import base64
from datetime import timedelta
import hashlib
import json
import logging
import re
from urllib.parse import quote, quote_plus

from homeassistant.components.camera import async_get_image
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
import pytest

from custom_components.cgi_camera.client.transport import SECRET_PARAMS
from custom_components.cgi_camera.const import DOMAIN
from custom_components.cgi_camera.diagnostics import async_get_config_entry_diagnostics
from tests.conftest import PASSWORD, USERNAME
from tests.dialects import Dialect
from tests.helpers import entities_of, entity_id, settle
from tests.sim.base import SimServer
from tests.test_faults import _setup, dialect, sim  # noqa: F401 - fixtures

# A URL that carries a user info part, unless it is the redacted "***:***@".
CREDENTIAL_URL = re.compile(r"://(?!\*\*\*:\*\*\*@)[^\s/@\"']+:[^\s/@\"']*@")

FORBIDDEN = ("telnet", "reset", "format", "upgrade", "firmware", "user", "passwd",
             "password", "file")
ALLOWED = {
    "reset_image",  # resets the picture settings only
}


def _secrets(server: SimServer) -> set[str]:
    """Everything that must never show: the password in its encodings, and tokens."""
    found = {
        PASSWORD,
        hashlib.md5(PASSWORD.encode()).hexdigest(),
        quote(PASSWORD, safe=""),
        quote_plus(PASSWORD),
        quote(PASSWORD),
        base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode(),
    }
    # Whatever the camera saw in a secret query parameter (session uids, md5 pwd...).
    for record in server.requests:
        for key, value in record.query.items():
            if key.lower() in SECRET_PARAMS and len(value) >= 4:
                found.add(value)
    for uid in getattr(server, "sessions", {}):
        found.add(uid)
    return found


def _leaks(text: str, secrets: set[str]) -> list[str]:
    leaks = [s for s in secrets if s in text]
    leaks += CREDENTIAL_URL.findall(text)
    return leaks


async def test_secrets_never_leak(
    hass: HomeAssistant,
    sim: SimServer,  # noqa: F811
    dialect: Dialect,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    dialect.skew_clock(sim, timedelta(hours=1))  # so a repair issue exists to inspect
    entry = await _setup(hass, sim, dialect)
    # Every entity, including those disabled by default, so their attributes show.
    registry = er.async_get(hass)
    for ent in entities_of(hass, entry):
        if ent.disabled_by is not None:
            registry.async_update_entity(ent.entity_id, disabled_by=None)
    await hass.config_entries.async_reload(entry.entry_id)
    await settle(hass)
    data = entry.runtime_data
    await data.coordinator.async_refresh()
    camera = entity_id(hass, "camera", "camera", dialect.unique_id)
    await async_get_image(hass, camera)

    texts: dict[str, str] = {"log": caplog.text}
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    texts["diagnostics"] = json.dumps(diagnostics, default=str)
    for ent in entities_of(hass, entry):
        state = hass.states.get(ent.entity_id)
        if state is not None:
            attributes = json.dumps(dict(state.attributes), default=str)
            texts[ent.entity_id] = f"{state.state} {attributes}"

    # Errors the user sees: a write and a snapshot against a camera that went away.
    await sim.go_offline()
    errors: list[HomeAssistantError] = []
    brightness = entity_id(hass, "number", "brightness", dialect.unique_id)
    try:
        await hass.services.async_call(
            "number", "set_value", {ATTR_ENTITY_ID: brightness, "value": 3}, blocking=True
        )
    except HomeAssistantError as err:
        errors.append(err)
    try:
        await async_get_image(hass, camera, timeout=2)
    except HomeAssistantError as err:
        errors.append(err)
    await data.coordinator.async_refresh()
    assert errors, "no error was provoked"
    for number, error in enumerate(errors):
        texts[f"error {number}"] = " ".join(
            [str(error), repr(error),
             json.dumps(error.translation_placeholders or {}, default=str),
             repr(error.__cause__)]
        )
    issues = [i for i in ir.async_get(hass).issues.values() if i.domain == DOMAIN]
    assert issues, "no repair issue was raised"
    for issue in issues:
        texts[f"issue {issue.issue_id}"] = json.dumps(
            [issue.issue_id, issue.translation_placeholders, issue.data], default=str
        )
    texts["log after errors"] = caplog.text
    texts["diagnostics offline"] = json.dumps(
        await async_get_config_entry_diagnostics(hass, entry), default=str
    )

    secrets = _secrets(sim)
    leaked = {where: found for where, text in texts.items() if (found := _leaks(text, secrets))}
    assert not leaked, leaked


async def test_no_dangerous_surface(
    hass: HomeAssistant,
    sim: SimServer,  # noqa: F811
    dialect: Dialect,  # noqa: F811
) -> None:
    entry = await _setup(hass, sim, dialect)
    assert set(hass.services.async_services_for_domain(DOMAIN)) == {"ptz", "ptz_preset"}
    bad = []
    for ent in entities_of(hass, entry):
        key = ent.unique_id.removeprefix(f"{dialect.unique_id}_")
        for name in {key, ent.translation_key or ""}:
            lowered = name.lower()
            if lowered in ALLOWED:
                continue
            # Whole words only: "ptz_preset" is not a reset.
            if set(re.split(r"[^a-z]+", lowered)) & set(FORBIDDEN):
                bad.append(f"{ent.entity_id} ({name})")
    assert not bad, bad
    assert not getattr(sim, "dangerous_calls", [])
