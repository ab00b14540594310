"""Live RTSP in every dialect with passwords full of URL-special characters.

A real GStreamer RTSP server demands the same login as the simulated camera;
ffprobe then opens the URL Home Assistant's stream component would get.
"""

from __future__ import annotations

import asyncio
import shutil

from homeassistant.components.camera import async_get_stream_source
from homeassistant.core import HomeAssistant
import pytest

from custom_components.cgi_camera.const import CONF_RTSP_PORT
from tests.conftest import PASSWORD, USERNAME
from tests.dialects import DIALECTS, Dialect
from tests.helpers import entity_id, setup_entry
from tests.sim.rtsp import RtspServer, gstreamer_available

pytestmark = [
    pytest.mark.skipif(
        gstreamer_available() is not None,
        reason=f"needs Debian's GStreamer RTSP server: {gstreamer_available()}",
    ),
    pytest.mark.skipif(shutil.which("ffprobe") is None, reason="needs ffprobe (Debian ffmpeg)"),
]

PASSWORDS = {
    "conftest": PASSWORD,
    "every_special": "%&?#@:/ +\"'<>=;,[]ü€",
}


@pytest.mark.parametrize("password", list(PASSWORDS))
@pytest.mark.parametrize("dialect", DIALECTS, ids=str)
async def test_stream_plays_with_special_password(
    hass: HomeAssistant, dialect: Dialect, password: str
) -> None:
    secret = PASSWORDS[password]
    async with RtspServer(username=USERNAME, password=secret,
                          paths=(dialect.rtsp_path,)) as rtsp:
        assert rtsp.port is not None
        async with dialect.make(secret, rtsp_port=rtsp.port) as sim:
            await setup_entry(hass, sim, dialect.name, dialect.unique_id,
                              options={CONF_RTSP_PORT: rtsp.port}, password=secret)
            camera = entity_id(hass, "camera", "camera", dialect.unique_id)
            source = await async_get_stream_source(hass, camera)
            assert source is not None, "no RTSP URL answered DESCRIBE"
            assert source.endswith(f"127.0.0.1:{rtsp.port}{dialect.rtsp_path}")
            assert secret not in source  # percent-encoded, never raw
            proc = await asyncio.create_subprocess_exec(
                "ffprobe", "-v", "error", "-rtsp_transport", "tcp", "-select_streams", "v:0",
                "-show_entries", "stream=codec_name", "-of", "csv=p=0", source,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )
            out, err = await asyncio.wait_for(proc.communicate(), 60)
            assert proc.returncode == 0, err.decode()
            assert out.decode().strip() == "h264"
