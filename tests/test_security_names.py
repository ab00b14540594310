"""Names a camera reports become one line of plain text (issue 17 hardening).

The name becomes the entry title, device names, log lines and the placeholders of
repair issues, which the frontend renders as Markdown.
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest

from custom_components.cgi_camera import alarms as alarms_module
from custom_components.cgi_camera.const import DOMAIN
from custom_components.cgi_camera.names import MAX_LENGTH, clean_name
from tests.helpers import setup_entry, until
from tests.sim.param_cgi import ParamCgiSim

# "Cam<b>[x]" in full-width look-alikes (U+FF01..U+FF5E mirror ASCII 0x21..0x7E).
FULL_WIDTH = "".join(chr(ord(ch) + 0xFEE0) for ch in "Cam<b>[x]")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Front door", "Front door"),
        ("  Garage & Yard (2)  ", "Garage & Yard (2)"),
        ("前门 摄像头", "前门 摄像头"),  # every script stays
        ("Café Nord-Ost, 1/2", "Café Nord-Ost, 1/2"),
        ("IPC 00:12:34", "IPC 00:12:34"),
        # Lines a log reader would take for log records of their own.
        ("Cam\nERROR Forged line", "Cam ERROR Forged line"),
        ("Cam\r\n\x1b[31mred\x1b[0m", "Cam 31mred 0m"),
        ("Cam\u2028two\u0085three", "Cam two three"),
        # Invisible text: bidi overrides, zero-width characters.
        ("\u202emac.exe\u202c", "mac.exe"),
        ("Ca\u200bm", "Cam"),
        # Markdown and HTML.
        ("[Fix it](http://evil.example)", "Fix it (http: evil.example)"),
        ("![x](http://evil.example/t.png)", "x (http: evil.example/t.png)"),
        ("<img src=x onerror=alert(1)>", "img src x onerror alert(1)"),
        ("**bold** _it_ `code` ~~s~~", "bold it code s"),
        ("# Heading", "Heading"),
        ("- list item", "list item"),
        ("| a | b |", "a b"),
        (FULL_WIDTH, "Cam b x"),
        ("http://evil.example/fix", "http: evil.example/fix"),
        # Nothing left.
        ("", None),
        ("   ", None),
        ("\x00\x01", None),
        ("<>", None),
        (None, None),
    ],
)
def test_clean_name(raw: str | None, clean: str | None) -> None:
    assert clean_name(raw) == clean


def test_clean_name_is_bounded() -> None:
    assert clean_name("a" * 1000) == "a" * MAX_LENGTH
    assert clean_name("ab " * 100, limit=10) == "ab ab ab a"
    assert clean_name("abcdefghi  x", limit=10) == "abcdefghi"  # no trailing space


def test_cleaning_twice_changes_nothing() -> None:
    for raw in ("[a](b) <c> d\ne", "  - x", FULL_WIDTH, "é" * 80):
        once = clean_name(raw)
        assert clean_name(once) == once


HOSTILE = "Cam\n[Click here](http://evil.example) <b>now</b>"


async def test_a_hostile_title_is_clean_in_logs_and_repair_issues(
    hass: HomeAssistant, ipc_sim: ParamCgiSim, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An entry titled by an older version, before titles were cleaned."""
    monkeypatch.setattr(alarms_module, "BACKOFF_MIN", 0.01)
    monkeypatch.setattr(alarms_module, "BACKOFF_MAX", 0.02)
    entry = await setup_entry(hass, ipc_sim, "param_cgi", unique_id="00:12:34:56:78:9a")
    hass.config_entries.async_update_entry(entry, title=HOSTILE)
    ipc_sim.fail("/cgi-bin/alarm.cgi", 503)  # the stream keeps failing: a repair issue
    ipc_sim.drop_streams()
    registry = ir.async_get(hass)
    issue_id = f"alarm_stream_{entry.entry_id}"
    await until(lambda: registry.async_get_issue(DOMAIN, issue_id) is not None)
    issue = registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None and issue.translation_placeholders is not None
    assert issue.translation_placeholders["name"] == "Cam Click here (http: evil.example) b now /b"
    # Any level: the stream's drops are debug lines (the settings coordinator speaks for
    # an outage), and they name the camera too.
    named = [r.getMessage() for r in caplog.records
             if r.name.startswith("custom_components.cgi_camera") and "Cam" in r.getMessage()]
    assert any("Cam Click here" in line for line in named), named
    assert not any("\n" in line or "](" in line or "<b>" in line for line in named), named
    ipc_sim.clear_faults()
