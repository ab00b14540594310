"""scripts/browser_check.py: the pure parts (no browser in the default test run)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scripts.browser_check import (
    CLOCK_STATED,
    Camera,
    attach_devices,
    chromium_problem,
    missing_texts,
    sim_cameras,
    slug,
    text_problems,
    tools_problem,
)

SIM_OUTPUT = [
    '{"dialect": "uid_xml", "variant": "000", "host": "127.0.0.1", "port": 4001}',
    '{"dialect": "param_cgi", "variant": "nvr", "host": "127.0.0.1", "port": 4002}',
    "{not json at all",
    '{"dialect": "cgi_action"}',
    "READY",
]


def test_sim_cameras_reads_the_json_lines_and_skips_the_rest() -> None:
    assert sim_cameras(SIM_OUTPUT) == [
        Camera("uid_xml", "000", "127.0.0.1", 4001),
        Camera("param_cgi", "nvr", "127.0.0.1", 4002),
    ]


def test_attach_devices_matches_by_configuration_url_and_adds_channels() -> None:
    devices: list[dict[str, Any]] = [
        {"id": "d1", "name": "MC400L", "configuration_url": "http://127.0.0.1:4001/",
         "config_entries": ["e1"]},
        {"id": "d2", "name": "NVR", "name_by_user": "Shed NVR",
         "configuration_url": "http://127.0.0.1:4002", "config_entries": ["e2"]},
        {"id": "d3", "name": "Channel01", "via_device_id": "d2", "config_entries": ["e2"]},
        {"id": "d4", "name": "Backup", "configuration_url": "homeassistant://config/backup"},
    ]
    cams = attach_devices(sim_cameras(SIM_OUTPUT), devices)
    assert [(c.device_id, c.name, c.entry_id, c.parent) for c in cams] == [
        ("d1", "MC400L", "e1", ""),
        ("d2", "Shed NVR", "e2", ""),
        ("d3", "Channel01", "e2", "Shed NVR"),
    ]
    assert cams[2].url == "http://127.0.0.1:4002"


def test_attach_devices_leaves_out_cameras_without_a_device() -> None:
    assert attach_devices(sim_cameras(SIM_OUTPUT), []) == []


def test_text_problems_flags_raw_keys_device_names_and_unavailable() -> None:
    texts = [
        "Motion", "Devices & services", "Device info",
        "component.cgi_camera.entity.switch.ir.name",
        "[%key:common::state::on%]",
        "Device", "Device",  # reported once
        "Unavailable",
        "IPCamera", "Camera 127.0.0.1", "Camera 10.0.0.7 (front)", "JSON CGI camera 127.0.0.1",
        "no_card", "Not formatted", "1.2.3_build", "by IPCamera", "by OEM",
        "0.064 GB", "12.000 GB", "64 MB", "14.9 GB",
    ]
    assert text_problems(texts) == [
        "raw translation key: 'component.cgi_camera.entity.switch.ir.name'",
        "raw translation key: '[%key:common::state::on%]'",
        '"Device" shown as a name (a device or entity named exactly that)',
        '"Unavailable" shown on a healthy camera',
        "a name that says nothing: 'IPCamera'",
        "a name that says nothing: 'Camera 127.0.0.1'",
        "raw state or key shown: 'no_card'",
        "a name that says nothing: 'by IPCamera'",
        "a size in the wrong unit or precision: '0.064 GB'",
        "a size in the wrong unit or precision: '12.000 GB'",
    ]


def test_text_problems_accepts_unavailable_on_a_camera_that_is_down() -> None:
    assert text_problems(["Unavailable", "Motion"], healthy=False) == []


def test_slug_is_file_name_safe() -> None:
    assert slug("IPV57/41CLDR/Z/13") == "ipv57-41cldr-z-13"
    assert slug("Camera 127.0.0.1") == "camera-127-0-0-1"
    assert slug("///") == "device"


def test_chromium_problem_says_what_to_install(tmp_path: Path) -> None:
    missing = chromium_problem(tmp_path / "chromium")
    assert missing is not None
    assert "apt-get install chromium" in missing
    present = tmp_path / "chromium-here"
    present.write_text("#!/bin/sh\n")
    assert chromium_problem(present) is None


def test_tools_problem_names_what_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chromium = tmp_path / "chromium"
    assert "apt-get install chromium" in (tools_problem(chromium) or "")
    chromium.write_text("#!/bin/sh\n")
    # The default test venv need not have playwright: decide its presence here.
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    assert "requirements/browser.txt" in (tools_problem(chromium) or "")
    monkeypatch.setattr("importlib.util.find_spec", lambda name: object())
    assert tools_problem(chromium) is None


def test_missing_texts_names_what_a_page_lacks() -> None:
    missing = missing_texts(["PTZ left", "Motion"], ("PTZ left", "Sound"))
    assert missing == ["no 'Sound' on the page"]


def test_the_clock_statement_is_recognised() -> None:
    assert CLOCK_STATED.search("MC400L 2026-12-02 (camera time, UTC+08:00)")
    assert CLOCK_STATED.search("Cam 2026-12-02 (Home Assistant time, UTC: the camera …)")
    assert not CLOCK_STATED.search("MC400L 2026-12-02")
