"""No logger at all, ours or a library's, logs the camera's password (issue 17 hardening).

A camera without a snapshot endpoint gets its still image from a frame of the RTSP
stream through Home Assistant's ffmpeg helper, which needs the credentialed URL on
ffmpeg's command line and logs that command line at debug. The autouse
``no_secret_in_logs`` fixture scans every logger; this test also checks the line
itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import logging
import socket

from homeassistant.components.camera import async_get_image
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest

from custom_components.cgi_camera.const import CONF_RTSP_PORT
from tests.conftest import PASSWORD, SECRETS, USERNAME
from tests.helpers import entity_id, setup_entry
from tests.sim.uid_xml import UidXmlSim

MAC = "f0:00:00:aa:bb:cc"


class _DescribeOnly:
    """An RTSP server that answers DESCRIBE (so the stream is found) and nothing more."""

    def __init__(self) -> None:
        self.server: asyncio.Server | None = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            sdp = b"v=0\r\nm=video 0 RTP/AVP 96\r\n"
            writer.write(b"RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Type: application/sdp\r\n"
                         b"Content-Length: %d\r\n\r\n" % len(sdp) + sdp)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def start(self) -> int:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.server = await asyncio.start_server(self._handle, sock=sock)
        port: int = sock.getsockname()[1]
        return port

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()


@pytest.fixture
async def rtsp_port() -> AsyncIterator[int]:
    server = _DescribeOnly()
    port = await server.start()
    try:
        yield port
    finally:
        await server.stop()


async def test_the_ffmpeg_still_path_logs_no_password(
    hass: HomeAssistant, rtsp_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    async with UidXmlSim(variant="002", username=USERNAME, password=PASSWORD, ptz=False,
                         mac=MAC.upper(), rtsp_port=rtsp_port) as sim:
        await setup_entry(hass, sim, unique_id=MAC, options={CONF_RTSP_PORT: rtsp_port})
        camera = entity_id(hass, "camera", "camera", MAC)
        # Seed-002 firmware has no snapshot.cgi: the still comes from ffmpeg, which
        # gets nothing from this server (or is not installed at all).
        with pytest.raises(HomeAssistantError):
            await async_get_image(hass, camera, timeout=30)
    started = [r.getMessage() for r in caplog.records
               if r.name == "haffmpeg.core" and "Start FFmpeg" in r.getMessage()
               and "rtsp://" in r.getMessage()]
    assert started, "ffmpeg was not asked for a frame"
    assert all("rtsp://***:***@127.0.0.1" in line for line in started), started
    leaked = [s for s in SECRETS if any(s in line for line in started)]
    assert not leaked


def test_records_of_other_libraries_are_redacted_too() -> None:
    """The filter works on the formatted message, whatever the library put in its args."""
    from custom_components.cgi_camera.camera import _RedactCredentials

    record = logging.LogRecord("haffmpeg.core", logging.DEBUG, __file__, 1,
                               "Start FFmpeg with %s", (["-i", "rtsp://u:p%40@h/x"],), None)
    assert _RedactCredentials().filter(record)
    assert record.getMessage() == "Start FFmpeg with ['-i', 'rtsp://***:***@h/x']"
