"""A camera cannot choose what Home Assistant's origin serves (issue 17, defect 4).

Before: the recording view passed the camera's Content-Type on for every file but
``.mp4``, and the MJPEG proxy passed the camera's stream on as it came, so a camera
answering ``text/html`` with a script had it run in Home Assistant's origin (the
recording through a signed link valid for a day).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, time
from http import HTTPStatus
from typing import Any

from homeassistant.components import media_source
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.cgi_camera.camera import MjpegFrames, mjpeg_boundary
from custom_components.cgi_camera.client.errors import ProtocolError
from custom_components.cgi_camera.const import CONF_RTSP_PORT, DOMAIN
from custom_components.cgi_camera.recording_view import encode_path, mime_type
from tests.conftest import PASSWORD, USERNAME
from tests.helpers import entity_id, setup_entry
from tests.sim.cgi_message import CgiMessageSim
from tests.sim.uid_xml import UidXmlSim

SCRIPT = b"<html><script>fetch('/api/states')</script></html>"
MSG_MAC = "52:3e:42:02:bc:20"
MJPEG_PATH = "/mjpgstreamreq/1/image.jpg"


@pytest.fixture
async def recordings(
    hass: HomeAssistant, uid_sim: UidXmlSim
) -> AsyncIterator[tuple[MockConfigEntry, dict[str, str]]]:
    """A camera that listed an AVI and an MP4 recording; path -> playback path."""
    assert await async_setup_component(hass, "media_source", {})
    entry = await setup_entry(hass, uid_sim, options={CONF_RTSP_PORT: 1})
    camera = entry.runtime_data.camera
    today = camera.today()
    uid_sim.add_recording(datetime.combine(today, time(8, 0, 0)))
    avi = dict(uid_sim.recordings[0])
    avi["filepath"] = avi["filepath"].replace(".mp4", ".avi")
    uid_sim.recordings.append(avi)
    listed = await camera.list_recordings(today)
    yield entry, {rec.path: f"/playback{rec.path}" for rec in listed}


async def _get(client: Any, entry: MockConfigEntry, path: str) -> tuple[Any, bytes]:
    resp = await client.get(f"/api/cgi_camera/recording/{entry.entry_id}/{encode_path(path)}")
    return resp, await resp.read()


async def test_a_recording_answered_as_html_is_a_download(
    hass: HomeAssistant, uid_sim: UidXmlSim, hass_client: ClientSessionGenerator,
    recordings: tuple[MockConfigEntry, dict[str, str]],
) -> None:
    entry, playback = recordings
    client = await hass_client()
    for path, camera_path in sorted(playback.items()):  # the AVI first
        uid_sim.garbage(camera_path, SCRIPT, content_type="text/html")
        resp, _ = await _get(client, entry, path)
        assert resp.status == HTTPStatus.OK
        headers = resp.headers
        assert "html" not in headers["Content-Type"]
        assert headers.get("X-Content-Type-Options") == "nosniff"
        if path.endswith(".mp4"):
            assert headers["Content-Type"] == "video/mp4"
            assert "Content-Disposition" not in headers
        else:
            assert headers["Content-Type"] == "application/octet-stream"
            assert headers["Content-Disposition"] == (
                f'attachment; filename="{path.rsplit("/", 1)[1]}"'
            )


async def test_the_media_browser_offers_the_same_types(
    hass: HomeAssistant, recordings: tuple[MockConfigEntry, dict[str, str]],
) -> None:
    entry, playback = recordings
    day = entry.runtime_data.camera.today().isoformat()
    node = await media_source.async_browse_media(
        hass, f"media-source://{DOMAIN}/{entry.entry_id}/{day}"
    )
    assert node.children is not None
    assert sorted(child.media_content_type for child in node.children) == sorted(
        mime_type(path) for path in playback
    ) == ["application/octet-stream", "video/mp4"]


async def test_the_camera_s_seek_headers_are_passed_on(
    hass: HomeAssistant, uid_sim: UidXmlSim, hass_client: ClientSessionGenerator,
    recordings: tuple[MockConfigEntry, dict[str, str]],
) -> None:
    entry, playback = recordings
    client = await hass_client()
    path = next(p for p in playback if p.endswith(".mp4"))
    resp, body = await _get(client, entry, path)
    headers = resp.headers
    assert headers["Accept-Ranges"] == "bytes"
    assert int(headers["Content-Length"]) == len(body) == len(uid_sim.recording_bytes)


@pytest.fixture
async def msg_sim() -> AsyncIterator[CgiMessageSim]:
    async with CgiMessageSim(username=USERNAME, password=PASSWORD, auth="digest") as sim:
        yield sim


async def _proxy(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, sim: CgiMessageSim
) -> tuple[int, str, bytes]:
    await setup_entry(hass, sim, "cgi_message", MSG_MAC, options={CONF_RTSP_PORT: 1})
    camera = entity_id(hass, "camera", "camera", MSG_MAC)
    client = await hass_client()
    resp = await client.get(f"/api/camera_proxy_stream/{camera}")
    body = await resp.content.read(100_000)
    resp.close()
    return resp.status, resp.headers.get("Content-Type", ""), body


async def test_mjpeg_answered_as_html_is_not_passed_on(
    hass: HomeAssistant, msg_sim: CgiMessageSim, hass_client: ClientSessionGenerator
) -> None:
    msg_sim.garbage(MJPEG_PATH, SCRIPT, content_type="text/html")
    status, content_type, body = await _proxy(hass, hass_client, msg_sim)
    # Home Assistant's own stream of stills instead.
    assert status == HTTPStatus.OK
    assert content_type.startswith("multipart/x-mixed-replace")
    assert b"--frameboundary" in body
    assert b"<script>" not in body


async def test_a_part_that_is_not_jpeg_ends_the_stream(
    hass: HomeAssistant, msg_sim: CgiMessageSim, hass_client: ClientSessionGenerator
) -> None:
    jpeg = msg_sim.snapshot_jpeg
    stream = (
        b"--cam\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % len(jpeg)
        + jpeg + b"\r\n--cam\r\nContent-Type: text/html\r\n\r\n" + SCRIPT + b"\r\n--cam--\r\n"
    )
    msg_sim.garbage(MJPEG_PATH, stream, content_type="multipart/x-mixed-replace; boundary=cam")
    status, content_type, body = await _proxy(hass, hass_client, msg_sim)
    assert status == HTTPStatus.OK
    assert content_type == "multipart/x-mixed-replace; boundary=cam"
    assert body.count(b"--cam\r\nContent-Type: image/jpeg\r\n") == 1
    assert jpeg in body
    assert b"<script>" not in body and b"text/html" not in body


@pytest.mark.parametrize(
    ("header", "boundary"),
    [
        ("multipart/x-mixed-replace; boundary=ipcamera", "ipcamera"),
        ('Multipart/X-Mixed-Replace;boundary="--myboundary"', "myboundary"),
        ("multipart/x-mixed-replace", None),
        ("multipart/x-mixed-replace; boundary=a\tb", None),
        ("multipart/x-mixed-replace; boundary=" + "x" * 71, None),
        ("text/html; boundary=ipcamera", None),
        (None, None),
    ],
)
def test_mjpeg_boundary(header: str | None, boundary: str | None) -> None:
    assert mjpeg_boundary(header) == boundary


class _Reader:
    """Feeds a byte string in small chunks, as a socket would."""

    def __init__(self, data: bytes, chunk: int = 7) -> None:
        self._data = data
        self._chunk = chunk

    async def read(self, size: int) -> bytes:
        piece, self._data = self._data[:self._chunk], self._data[self._chunk:]
        return piece


async def _frames(data: bytes, boundary: str = "b") -> list[bytes]:
    frames = MjpegFrames(_Reader(data), boundary)  # type: ignore[arg-type]
    found = []
    while (frame := await frames.next()) is not None:
        found.append(frame)
    return found


async def test_frames_with_and_without_lengths() -> None:
    one, two = b"\xff\xd8one\r\n--bx", b"\xff\xd8two"
    data = (b"preamble\r\n--b\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n"
            % len(one) + one + b"\r\n--b\r\nContent-Type: image/jpeg\r\n\r\n" + two
            + b"\r\n--b--\r\n")
    assert await _frames(data) == [one, two]
    # Without lengths, a frame ends at the next delimiter, or at the end of the stream.
    assert await _frames(b"--b\r\n\r\n" + two + b"\r\n--b\r\n\r\n" + two) == [two, two]


@pytest.mark.parametrize(
    "data",
    [
        b"--b\r\nContent-Type: text/html\r\n\r\n<script>",
        b"--b\r\nContent-Type: image/jpeg\r\n\r\n<script>",  # says JPEG, is not
        b"--b\r\nContent-Length: 99999999999\r\n\r\n\xff\xd8",
        b"--b\r\nContent-Length: -1\r\n\r\n\xff\xd8",
        b"--b\r\n" + b"X-Pad: y\r\n" * 1000 + b"\r\n\xff\xd8",  # endless part headers
    ],
)
async def test_bad_parts_are_refused(data: bytes) -> None:
    with pytest.raises(ProtocolError):
        await _frames(data)
