"""The config flow against simulated cameras: detection, errors, reauth, reconfigure, options."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import socket

from aiohttp import web
from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest

from custom_components.cgi_camera.const import (
    CONF_RTSP_PORT,
    CONF_RTSP_URL,
    CONF_SCAN_INTERVAL,
    CONF_SNAPSHOT_URL,
    CONF_STREAM,
    DOMAIN,
)
from tests.conftest import PASSWORD, USERNAME
from tests.helpers import serve, setup_entry
from tests.sim.uid_xml import UidXmlSim


def _user_input(host: str, port: int, password: str = PASSWORD) -> dict[str, object]:
    return {
        "host": host,
        "port": port,
        "username": USERNAME,
        "password": password,
        "ssl": False,
        "verify_ssl": True,
    }


async def _start(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    return str(result["flow_id"])


@pytest.fixture
async def not_a_camera() -> AsyncIterator[int]:
    """An HTTP server that is no camera (answers every path with an HTML page)."""

    async def page(request: web.Request) -> web.Response:
        return web.Response(text="<html><body>Router login</body></html>",
                            content_type="text/html")

    async with serve(page) as port:
        yield port


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_user_flow_detects_uid_xml_000(hass: HomeAssistant, uid_sim: UidXmlSim) -> None:
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, _user_input(uid_sim.host, uid_sim.port)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["dialect"] == "uid_xml"
    assert result["result"].unique_id == "f0:00:00:29:06:9f"
    assert result["title"]
    await hass.async_block_till_done()
    # One login: the entry's set-up takes the camera the flow connected; nothing failed.
    assert uid_sim.count("/cgi-bin/getuid") == 1
    assert uid_sim.failed_logins == 0
    assert result["result"].state is config_entries.ConfigEntryState.LOADED


async def test_user_flow_detects_uid_xml_002(
    hass: HomeAssistant, uid_sim_002: UidXmlSim
) -> None:
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, _user_input(uid_sim_002.host, uid_sim_002.port)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # 002 firmware has no MAC in getinfo: it comes from /cgi-bin/network.
    assert result["result"].unique_id == "f0:00:00:aa:bb:cc"
    await hass.async_block_till_done()


async def test_wrong_password_is_one_failed_login(
    hass: HomeAssistant, uid_sim: UidXmlSim
) -> None:
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, _user_input(uid_sim.host, uid_sim.port, "wrong")
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}
    assert uid_sim.failed_logins == 1
    # The password is never echoed back into the form.
    schema = result["data_schema"]
    assert schema is not None
    schema_defaults = {
        str(k): k.description for k in schema.schema if k.description
    }
    assert "wrong" not in str(schema_defaults)
    # Fixing it in the same flow works.
    result = await hass.config_entries.flow.async_configure(
        flow_id, _user_input(uid_sim.host, uid_sim.port)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()


async def test_closed_port_cannot_connect(hass: HomeAssistant) -> None:
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, _user_input("127.0.0.1", _closed_port())
    )
    assert result["errors"] == {"base": "cannot_connect"}


async def test_http_server_that_is_no_camera(hass: HomeAssistant, not_a_camera: int) -> None:
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, _user_input("127.0.0.1", not_a_camera)
    )
    assert result["errors"] == {"base": "unsupported_device"}


async def test_silent_camera_times_out(hass: HomeAssistant, uid_sim: UidXmlSim) -> None:
    uid_sim.hang("*")
    flow_id = await _start(hass)
    task = asyncio.create_task(
        hass.config_entries.flow.async_configure(
            flow_id, _user_input(uid_sim.host, uid_sim.port)
        )
    )
    result = await asyncio.wait_for(task, 30)
    assert result["errors"] == {"base": "cannot_connect"}
    uid_sim.clear_faults()


async def test_garbage_login_answer_is_protocol_error(
    hass: HomeAssistant, uid_sim: UidXmlSim
) -> None:
    uid_sim.garbage("/cgi-bin/getuid", b"\x00\x01 not xml", content_type="text/xml")
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, _user_input(uid_sim.host, uid_sim.port)
    )
    assert result["errors"] == {"base": "protocol_error"}


async def test_already_configured_updates_host(
    hass: HomeAssistant, uid_sim: UidXmlSim
) -> None:
    entry = await setup_entry(hass, uid_sim, port=1)  # stored with a stale port
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, _user_input(uid_sim.host, uid_sim.port)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "address_updated"
    assert entry.data["port"] == uid_sim.port
    await hass.async_block_till_done()


async def test_reauth_flow(hass: HomeAssistant, uid_sim: UidXmlSim) -> None:
    entry = await setup_entry(hass, uid_sim)
    uid_sim.set_password("new-secret")
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"username": USERNAME, "password": "still-wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"username": USERNAME, "password": "new-secret"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data["password"] == "new-secret"
    await hass.async_block_till_done()
    assert entry.state is config_entries.ConfigEntryState.LOADED


async def test_reconfigure_flow(
    hass: HomeAssistant, uid_sim: UidXmlSim, uid_sim_002: UidXmlSim
) -> None:
    entry = await setup_entry(hass, uid_sim)
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    # Another camera at the new address is refused.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _user_input(uid_sim_002.host, uid_sim_002.port)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_device"
    # The same camera on a new port is accepted.
    await uid_sim.go_offline()
    moved = UidXmlSim(variant="000", username=USERNAME, password=PASSWORD)
    await moved.start()
    try:
        result = await entry.start_reconfigure_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], _user_input(moved.host, moved.port)
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "reconfigure_successful"
        assert entry.data["port"] == moved.port
        await hass.async_block_till_done()
        assert entry.state is config_entries.ConfigEntryState.LOADED
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await moved.stop()


async def test_options_flow(hass: HomeAssistant, uid_sim: UidXmlSim) -> None:
    entry = await setup_entry(hass, uid_sim)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    base = {CONF_SCAN_INTERVAL: 30, "alarm_interval": 2.0, CONF_STREAM: "sub",
            CONF_RTSP_PORT: 8554}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**base, CONF_RTSP_URL: "http://nope/x"}
    )
    assert result["errors"] == {CONF_RTSP_URL: "invalid_rtsp_url"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**base, CONF_SNAPSHOT_URL: "ftp://x"}
    )
    assert result["errors"] == {CONF_SNAPSHOT_URL: "invalid_snapshot_url"}
    # The camera's login goes with the DESCRIBE: never to another host.
    with socket.socket() as other:  # something listening, so only the host can refuse it
        other.bind(("127.0.0.2", 0))
        other.listen()
        result = await hass.config_entries.options.async_configure(
            result["flow_id"],
            {**base, CONF_RTSP_URL: f"rtsp://127.0.0.2:{other.getsockname()[1]}/live"},
        )
        assert result["errors"] == {CONF_RTSP_URL: "rtsp_url_other_host"}
        other.settimeout(0)
        with pytest.raises(BlockingIOError):
            other.accept()  # no connection was ever made to it
    closed = _closed_port()
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**base, CONF_RTSP_URL: f"rtsp://127.0.0.1:{closed}/stream0"}
    )
    assert result["errors"] == {CONF_RTSP_URL: "stream_unreachable"}
    result = await hass.config_entries.options.async_configure(result["flow_id"], base)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options[CONF_SCAN_INTERVAL] == 30
    assert entry.options[CONF_STREAM] == "sub"
    assert entry.state is config_entries.ConfigEntryState.LOADED
    assert entry.runtime_data.coordinator.update_interval.total_seconds() == 30
