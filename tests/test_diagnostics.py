"""Diagnostics and logs never carry a secret."""

from __future__ import annotations

import json
import logging

from homeassistant.core import HomeAssistant
import pytest

from custom_components.cgi_camera.diagnostics import async_get_config_entry_diagnostics
from tests.conftest import PASSWORD
from tests.helpers import setup_entry
from tests.sim.uid_xml import UidXmlSim


async def test_diagnostics_are_redacted(hass: HomeAssistant, uid_sim: UidXmlSim) -> None:
    entry = await setup_entry(hass, uid_sim)
    diag = await async_get_config_entry_diagnostics(hass, entry)
    dumped = json.dumps(diag, default=str)
    assert PASSWORD not in dumped
    assert "f0:00:00:29:06:9f" not in dumped
    assert diag["entry"]["data"]["password"] == "**REDACTED**"
    assert diag["entry"]["data"]["dialect"] == "uid_xml"
    assert "brightness" in diag["capabilities"]["settings"]
    assert diag["capabilities"]["ptz"]["speed"] == [1, 10]
    assert diag["last_update_success"] is True
    assert diag["login_verified"] is True
    assert diag["alarm_events_dropped"] == 0
    assert diag["alarm_feeds"] == {}  # uid_xml: no alarm state in its CGI, ONVIF off here
    assert diag["onvif"] == "off"


async def test_override_urls_in_diagnostics_carry_no_login(
    hass: HomeAssistant, uid_sim: UidXmlSim
) -> None:
    """A user may paste a URL with the login into the options: it is masked."""
    entry = await setup_entry(
        hass, uid_sim,
        options={"rtsp_url": f"rtsp://admin:{PASSWORD}@127.0.0.1:1/live",
                 "snapshot_url": f"http://127.0.0.1:1/snap.jpg?user=admin&pwd={PASSWORD}"},
    )
    diag = await async_get_config_entry_diagnostics(hass, entry)
    dumped = json.dumps(diag, default=str)
    assert PASSWORD not in dumped
    assert diag["entry"]["options"]["rtsp_url"] == "rtsp://***:***@127.0.0.1:1/live"
    assert diag["entry"]["options"]["snapshot_url"].endswith("pwd=***")


async def test_debug_logs_carry_no_secret(
    hass: HomeAssistant, uid_sim: UidXmlSim, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        entry = await setup_entry(hass, uid_sim)
        await entry.runtime_data.coordinator.async_refresh()
    uids = {q["uid"] for q in (r.query for r in uid_sim.requests) if q.get("uid")}
    assert uids
    text = caplog.text
    assert "GET http" in text  # the client did log its requests
    assert PASSWORD not in text
    for uid in uids:
        assert uid not in text
