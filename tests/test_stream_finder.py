"""A camera whose RTSP server comes up after Home Assistant set it up gets its stream."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
import socket

from homeassistant.components.camera import CameraEntityFeature, async_get_stream_source
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.cgi_camera.const import CONF_RTSP_PORT, CONF_RTSP_URL, DOMAIN
from tests.helpers import entity_id, settle, setup_entry, state_of
from tests.sim.uid_xml import UidXmlSim


class DescribeServer:
    """Answers RTSP DESCRIBE on a fixed port: 200 with a tiny SDP, or 404 when told."""

    def __init__(self, port: int, *, status: str = "200 OK") -> None:
        self.port = port
        self.status = status
        self.paths: list[str] = []
        self._server: asyncio.Server | None = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = (await reader.readuntil(b"\r\n\r\n")).decode()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
            return
        self.paths.append(request.split(" ")[1])
        sdp = b"v=0\r\nm=video 0 RTP/AVP 96\r\n"
        writer.write(f"RTSP/1.0 {self.status}\r\nCSeq: 1\r\nContent-Type: application/sdp\r\n"
                     f"Content-Length: {len(sdp)}\r\n\r\n".encode() + sdp)
        await writer.drain()
        writer.close()

    async def __aenter__(self) -> DescribeServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def _after(hass: HomeAssistant, seconds: float) -> None:
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds))
    await settle(hass)


@pytest.fixture
def rtsp_port() -> int:
    return _free_port()


@pytest.fixture
async def sim(rtsp_port: int) -> AsyncIterator[UidXmlSim]:
    from tests.conftest import PASSWORD, USERNAME

    async with UidXmlSim(username=USERNAME, password=PASSWORD, rtsp_port=rtsp_port) as server:
        yield server


async def test_stream_found_when_the_rtsp_server_comes_up_later(
    hass: HomeAssistant, sim: UidXmlSim, rtsp_port: int
) -> None:
    await setup_entry(hass, sim, options={CONF_RTSP_PORT: rtsp_port})
    camera = entity_id(hass, "camera", "camera")
    assert not state_of(hass, camera).attributes["supported_features"] & CameraEntityFeature.STREAM
    assert await async_get_stream_source(hass, camera) is None

    async with DescribeServer(rtsp_port):
        await _after(hass, 61)
        features = state_of(hass, camera).attributes["supported_features"]
        assert features & CameraEntityFeature.STREAM
        source = await async_get_stream_source(hass, camera)
        assert source is not None and source.endswith(f"127.0.0.1:{rtsp_port}/stream0")


async def test_retries_back_off(hass: HomeAssistant, sim: UidXmlSim, rtsp_port: int) -> None:
    async with DescribeServer(rtsp_port, status="404 Not Found") as server:
        await setup_entry(hass, sim, options={CONF_RTSP_PORT: rtsp_port})
        at_setup = len(server.paths)
        assert at_setup  # the candidates were asked once at set-up
        await _after(hass, 61)  # first retry after a minute
        first = len(server.paths)
        assert first > at_setup
        # Fired times count from the (unmoved) real clock: the next retry is 120 s out.
        await _after(hass, 100)  # not yet: the delay doubled to two minutes
        assert len(server.paths) == first
        await _after(hass, 121)
        assert len(server.paths) > first
        # Unloading cancels the pending look.
        entry = hass.config_entries.async_entries(DOMAIN)[0]
        assert await hass.config_entries.async_unload(entry.entry_id)
        asked = len(server.paths)
        await _after(hass, 4000)
        assert len(server.paths) == asked


async def test_override_issue_clears_when_the_url_answers(
    hass: HomeAssistant, sim: UidXmlSim, rtsp_port: int
) -> None:
    url = f"rtsp://127.0.0.1:{rtsp_port}/live"
    entry = await setup_entry(hass, sim, options={CONF_RTSP_URL: url})
    registry = ir.async_get(hass)
    assert registry.async_get_issue(DOMAIN, f"rtsp_override_{entry.entry_id}") is not None
    async with DescribeServer(rtsp_port):
        await _after(hass, 61)
    assert registry.async_get_issue(DOMAIN, f"rtsp_override_{entry.entry_id}") is None
    source = await async_get_stream_source(hass, entity_id(hass, "camera", "camera"))
    assert source is not None and source.endswith("/live")
