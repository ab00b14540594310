"""Compressed answers: the body cap holds for inflated bytes, on every request path.

A hostile camera answering a 256 KiB gzip body that inflates to 256 MiB used to
cost well over 100 MiB of memory per request, because aiohttp inflated it before
our cap was checked. Now aiohttp never inflates: we ask for ``identity``, inflate
whole-body answers ourselves within the cap, and refuse compressed streams.
Memory is measured with tracemalloc (everything Python allocates, zlib's output
included) around the request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
import contextlib
from dataclasses import dataclass
from datetime import datetime, time
import tracemalloc
from typing import Any
import zlib

import aiohttp
from aiohttp import web
import pytest

from custom_components.cgi_camera.client.camera import Camera
from custom_components.cgi_camera.client.detect import connect
from custom_components.cgi_camera.client.errors import ProtocolError
from custom_components.cgi_camera.client.models import StreamKind
from custom_components.cgi_camera.client.transport import BODY_LIMIT, Credentials, Transport
from tests.conftest import PASSWORD, USERNAME
from tests.helpers import serve
from tests.sim.base import compress
from tests.sim.uid_xml import UidXmlSim

BOMB = 256 * 1024 * 1024  # inflated size; about 256 KiB on the wire
MIB = 1024 * 1024
XML = b'<?xml version="1.0"?><info oem="x" mac_address="f0:00:00:29:06:9f"/>' * 50


@dataclass
class Peak:
    bytes: int = 0


@contextlib.contextmanager
def allocation_peak() -> Iterator[Peak]:
    """The most memory Python held at once inside the block, above what it held before."""
    peak = Peak()
    tracemalloc.start()
    try:
        yield peak
    finally:
        _current, peak.bytes = tracemalloc.get_traced_memory()
        tracemalloc.stop()



@pytest.fixture
async def sim() -> AsyncIterator[UidXmlSim]:
    compress(BOMB, "gzip")  # built (and cached) before anything is measured
    async with UidXmlSim(username=USERNAME, password=PASSWORD) as server:
        yield server


@pytest.fixture
async def camera(session: aiohttp.ClientSession, sim: UidXmlSim) -> AsyncIterator[Camera]:
    cam = await connect(session, "uid_xml", sim.host, sim.port, Credentials(USERNAME, PASSWORD))
    yield cam
    await cam.close()


def _transport(session: aiohttp.ClientSession, sim: UidXmlSim) -> Transport:
    return Transport(session, sim.host, sim.port, timeout=30)


async def test_request_bomb_is_refused_within_the_cap(
    session: aiohttp.ClientSession, sim: UidXmlSim
) -> None:
    sim.compressed("/cgi-bin/getinfo", BOMB)
    with allocation_peak() as peak, pytest.raises(ProtocolError, match="exceeds"):
        await _transport(session, sim).get("/cgi-bin/getinfo")
    assert peak.bytes < 2 * MIB, f"{peak.bytes / MIB:.1f} MiB allocated"
    assert sim.requests[-1].headers["Accept-Encoding"] == "identity"


async def test_stream_bomb_is_refused(session: aiohttp.ClientSession, sim: UidXmlSim) -> None:
    sim.compressed("/cgi-bin/getinfo", BOMB)
    transport = _transport(session, sim)
    with allocation_peak() as peak, pytest.raises(ProtocolError, match="compressed"):
        resp = await transport.open_stream(transport.url("/cgi-bin/getinfo"))
        resp.close()
    assert peak.bytes < 2 * MIB, f"{peak.bytes / MIB:.1f} MiB allocated"
    assert sim.requests[-1].headers["Accept-Encoding"] == "identity"


async def _snapshot(camera: Camera, sim: UidXmlSim) -> Any:
    sim.compressed("/cgi-bin/snapshot.cgi", BOMB, content_type="image/jpeg")
    return await camera.snapshot(StreamKind.MAIN)


async def _snapshot_override(camera: Camera, sim: UidXmlSim) -> Any:
    sim.compressed("/override.jpg", BOMB, content_type="image/jpeg")
    return await camera.snapshot(StreamKind.MAIN, url=f"{sim.base_url}/override.jpg")


async def _recording(camera: Camera, sim: UidXmlSim) -> Any:
    today = camera.today()
    sim.add_recording(datetime.combine(today, time(8, 0, 0)))
    (recording,) = await camera.list_recordings(today)
    sim.compressed(f"/playback{recording.path}", BOMB, content_type="video/mp4")
    resp = await camera.open_recording(recording.path)
    resp.close()


async def _mjpeg(camera: Camera, sim: UidXmlSim) -> Any:
    sim.compressed("/live.mjpg", BOMB, content_type="multipart/x-mixed-replace")
    resp = await camera.transport.open_stream(camera.transport.url("/live.mjpg"))
    resp.close()


PATHS: dict[str, Callable[[Camera, UidXmlSim], Awaitable[Any]]] = {
    "snapshot": _snapshot,
    "snapshot URL override": _snapshot_override,
    "recording": _recording,
    "mjpeg": _mjpeg,
}


@pytest.mark.parametrize("path", list(PATHS))
async def test_every_camera_path_refuses_a_bomb(
    camera: Camera, sim: UidXmlSim, path: str
) -> None:
    with allocation_peak() as peak, pytest.raises(ProtocolError):
        await PATHS[path](camera, sim)
    # A snapshot may hold up to its 4 MiB cap, never more than a piece beyond it.
    assert peak.bytes < 6 * MIB, f"{peak.bytes / MIB:.1f} MiB allocated"


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_honest_compressed_answers_are_read(
    session: aiohttp.ClientSession, sim: UidXmlSim, encoding: str
) -> None:
    """A camera that compresses although asked not to still works, within the cap."""
    sim.compressed("/cgi-bin/getinfo", XML, encoding=encoding)
    resp = await _transport(session, sim).get("/cgi-bin/getinfo")
    assert resp.status == 200 and resp.body == XML


async def test_answer_just_over_the_cap_is_refused(
    session: aiohttp.ClientSession, sim: UidXmlSim
) -> None:
    transport = _transport(session, sim)
    sim.compressed("/cgi-bin/getinfo", BODY_LIMIT)
    assert len((await transport.get("/cgi-bin/getinfo")).body) == BODY_LIMIT
    sim.compressed("/cgi-bin/getinfo", BODY_LIMIT + 1)
    with pytest.raises(ProtocolError, match="exceeds"):
        await transport.get("/cgi-bin/getinfo")


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        ("br", b"\x1b\x03\x00\xf8"),  # an encoding we do not inflate
        ("gzip, deflate", XML),  # stacked encodings
        ("gzip", b"not gzip at all"),  # corrupt
        ("gzip", compress(XML, "gzip")[:40]),  # truncated
        ("deflate", zlib.compress(XML)[:-6]),
    ],
    ids=["brotli", "stacked", "corrupt", "truncated gzip", "truncated deflate"],
)
async def test_bad_compressed_answers_are_protocol_errors(
    session: aiohttp.ClientSession, encoding: str, body: bytes
) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(body=body, headers={"Content-Encoding": encoding})

    async with serve(handler) as port:
        transport = Transport(session, "127.0.0.1", port, timeout=5)
        with pytest.raises(ProtocolError):
            await transport.get("/x")
