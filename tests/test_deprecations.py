"""The deprecation plugin (tests/deprecations.py) catches what it promises to."""

from __future__ import annotations

import logging
import os
from pathlib import Path
import subprocess
import sys
import textwrap

from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.helpers.frame import report_usage
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cgi_camera.config_flow import CgiCameraConfigFlow
from custom_components.cgi_camera.const import DOMAIN
from tests import deprecations

ROOT = Path(__file__).resolve().parent.parent
# Code compiled under this name runs as if it were a module of the integration.
OURS = deprecations.OUR_CODE + "deliberately_deprecated.py"


def _from_our_code(source: str) -> None:
    exec(compile(source, OURS, "exec"), {"report_usage": report_usage})


async def test_report_usage_of_ours_is_caught(hass: HomeAssistant) -> None:
    for _ in range(2):  # the second one Home Assistant would not log again
        _from_our_code(
            "report_usage('uses a thing on purpose', breaks_in_ha_version='2099.1.0')"
        )
    found = deprecations.take()
    assert found == [
        "report_usage at custom_components/cgi_camera/deliberately_deprecated.py:1: uses a "
        "thing on purpose (breaks in Home Assistant 2099.1.0)"
    ]


async def test_deprecation_helper_log_naming_us_is_caught(hass: HomeAssistant) -> None:
    logging.getLogger("homeassistant.helpers.deprecation").warning(
        "The deprecated constant %s was used from %s. Use %s instead", "FOO", DOMAIN, "BAR"
    )
    logging.getLogger("homeassistant.helpers.deprecation").warning(
        "The deprecated constant FOO was used from another_integration"
    )
    found = deprecations.take()
    assert found == [
        "log homeassistant.helpers.deprecation: The deprecated constant FOO was used from "
        "cgi_camera. Use BAR instead"
    ]


@pytest.mark.skipif(not hasattr(config_entries, "OptionsFlowWithReload"),
                    reason="before OptionsFlowWithReload an update listener is the only way")
async def test_reload_with_an_update_listener_is_reported_before_2026_11(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The backport of 2026.11's report (it breaks in 2026.12) on 2026.2."""
    monkeypatch.setattr(hass.config_entries, "async_schedule_reload", lambda entry_id: None)
    entry = MockConfigEntry(domain=DOMAIN, data={"host": "a"})
    entry.add_to_hass(hass)
    flow = CgiCameraConfigFlow()
    flow.hass = hass
    flow.handler = DOMAIN
    flow.context = {"source": config_entries.SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    flow.async_update_reload_and_abort(entry, data_updates={"host": "b"})
    assert deprecations.take() == []  # no listener: nothing to report

    async def _listener(hass: HomeAssistant, entry: config_entries.ConfigEntry) -> None:
        """An update listener that does nothing."""

    entry.add_update_listener(_listener)
    flow.async_update_reload_and_abort(entry, data_updates={"host": "c"})
    found = deprecations.take()
    assert len(found) == 1 and "should use it for scheduling a reload" in found[0]


DELIBERATE = f'''
import warnings

from homeassistant.helpers.frame import report_usage

OURS = {OURS!r}


def _from_our_code(source):
    exec(compile(source, OURS, "exec"), {{"report_usage": report_usage, "warnings": warnings}})


async def test_report(hass):
    _from_our_code("report_usage('does a deprecated thing', breaks_in_ha_version='2099.1.0')")


def test_warning():
    _from_our_code("warnings.warn('an old API', DeprecationWarning)")


async def test_clean(hass):
    pass
'''


def test_an_offending_test_fails_at_its_end_with_the_message(tmp_path: Path) -> None:
    """End to end, in a pytest of its own: the two offending tests fail, the clean passes."""
    (tmp_path / "test_deliberate.py").write_text(textwrap.dedent(DELIBERATE))
    env = {k: v for k, v in os.environ.items() if not k.startswith("COV_CORE")}
    env["PYTHONPATH"] = str(ROOT)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", str(tmp_path / "test_deliberate.py"),
         "-p", "tests.deprecations", "-p", "no:cacheprovider", "-p", "no:sugar",
         "-o", "asyncio_mode=auto", "-o", "asyncio_default_fixture_loop_scope=function",
         "--rootdir", str(tmp_path), "-q", "-rf"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    out = run.stdout
    assert run.returncode == 1, out + run.stderr
    assert "2 failed, 1 passed" in out, out
    failures = out.split("= FAILURES =", 1)[1]
    report, warning = failures.split("_ test_warning _", 1)
    assert "_ test_report _" in report
    assert (
        "Home Assistant reported deprecations of cgi_camera during setup and the test:\n"
        "  - report_usage at custom_components/cgi_camera/deliberately_deprecated.py:1: does a "
        "deprecated thing (breaks in Home Assistant 2099.1.0)\n"
    ) in report, out
    assert (
        "  - DeprecationWarning at custom_components/cgi_camera/deliberately_deprecated.py:1: "
        "an old API\n"
    ) in warning, out
    assert "test_clean" not in failures
