"""The RTSP DESCRIBE check against a scripted, possibly hostile, in-process server.

``rtsps://`` goes over TLS; Digest is preferred whenever offered; Basic goes in clear
only to a server that offers nothing else; every malformed answer is a
:class:`ProtocolError` (never a ``ValueError`` that would end the stream search).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
import contextlib
from pathlib import Path
import ssl
from typing import Any

import aiohttp
import pytest

from custom_components.cgi_camera.client import rtsp
from custom_components.cgi_camera.client.detect import connect
from custom_components.cgi_camera.client.errors import (
    AuthError,
    ConnectError,
    ProtocolError,
    SSLVerifyError,
)
from custom_components.cgi_camera.client.models import StreamKind
from custom_components.cgi_camera.client.transport import Credentials
from tests.conftest import PASSWORD, USERNAME
from tests.sim.uid_xml import UidXmlSim
from tests.test_https import _self_signed

OK = (
    b"RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Type: application/sdp\r\n"
    b"Content-Length: 4\r\n\r\nv=0\n"
)


def _challenge(*values: str) -> bytes:
    headers = "".join(f"WWW-Authenticate: {value}\r\n" for value in values)
    return f"RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\n{headers}\r\n".encode()


class Responder:
    """Answers each request of a connection with the next scripted answer."""

    def __init__(self, *answers: bytes, tls: ssl.SSLContext | None = None) -> None:
        self.answers = answers
        self.tls = tls
        self.requests: list[str] = []
        self.port = 0
        self._server: asyncio.Server | None = None

    @property
    def authorizations(self) -> list[str]:
        return [
            line.partition(":")[2].strip()
            for request in self.requests
            for line in request.split("\r\n")
            if line.lower().startswith("authorization:")
        ]

    def url(self, path: str = "/live") -> str:
        scheme = "rtsps" if self.tls else "rtsp"
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError, ssl.SSLError):
            for answer in self.answers:
                self.requests.append((await reader.readuntil(b"\r\n\r\n")).decode("latin-1"))
                writer.write(answer)
                await writer.drain()
        writer.close()

    async def __aenter__(self) -> Responder:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.tls)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()


@contextlib.contextmanager
def _quiet_handshake_failures() -> Iterator[None]:
    """The server side sees the client hang up on its certificate: that is the test."""
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if str(context.get("message", "")).startswith("Error on transport creation"):
            return
        if previous is not None:
            previous(loop, context)

    loop.set_exception_handler(handler)
    try:
        yield
    finally:
        loop.set_exception_handler(previous)


@pytest.fixture
def tls(tmp_path: Path) -> ssl.SSLContext:
    return _self_signed(tmp_path)


# -- rtsps ----------------------------------------------------------------------------


async def test_rtsps_goes_over_tls(tls: ssl.SSLContext) -> None:
    async with Responder(_challenge('Basic realm="cam"'), OK, tls=tls) as server:
        assert await rtsp.describe(server.url(), USERNAME, PASSWORD, verify_ssl=False)
        assert (
            await rtsp.probe_login(server.url(), USERNAME, PASSWORD, verify_ssl=False)
            is rtsp.LoginProbe.VERIFIED
        )
    # The server speaks nothing but TLS: answering at all proves the channel.
    assert len(server.requests) == 4
    assert all(a.startswith("Basic ") for a in server.authorizations)


async def test_rtsps_verifies_the_certificate_by_default(tls: ssl.SSLContext) -> None:
    with _quiet_handshake_failures():
        async with Responder(_challenge('Basic realm="cam"'), OK, tls=tls) as server:
            with pytest.raises(SSLVerifyError):
                await rtsp.describe(server.url(), USERNAME, PASSWORD)
            with pytest.raises(SSLVerifyError):
                await rtsp.probe_login(server.url(), USERNAME, PASSWORD)
    assert server.requests == []  # nothing, let alone a password, before the handshake


async def test_rtsps_offering_basic_and_unknown_digest_gets_basic_over_tls(
    tls: ssl.SSLContext,
) -> None:
    offer = _challenge('Digest realm="cam", nonce="n", algorithm=SHA-512-256', 'Basic realm="c"')
    async with Responder(offer, OK, tls=tls) as server:
        assert await rtsp.describe(server.url(), USERNAME, PASSWORD, verify_ssl=False)
    assert [a.split()[0] for a in server.authorizations] == ["Basic"]


@pytest.mark.parametrize(
    ("url", "port", "tls"),
    [
        ("rtsps://cam.local/live", 322, True),
        ("RTSPS://cam.local:8322/live", 8322, True),
        ("rtsp://cam.local/live", 554, False),
        ("rtsp://u:p@cam.local:8554/live", 8554, False),
    ],
)
def test_default_ports(url: str, port: int, tls: bool) -> None:
    target = rtsp._target(url)
    assert (target.host, target.port, target.tls) == ("cam.local", port, tls)
    assert "u:p" not in target.url


@pytest.mark.parametrize(
    "url", ["http://cam/live", "rtsp:///live", "rtsp://cam:99999/live", "rtsp://[::1/x"]
)
async def test_urls_that_point_nowhere(url: str) -> None:
    with pytest.raises(ConnectError):
        await rtsp.describe(url, USERNAME, PASSWORD)


# -- which scheme answers -------------------------------------------------------------


@pytest.mark.parametrize(
    "offer",
    [
        _challenge('Basic realm="cam"', 'Digest realm="cam", nonce="n2", algorithm=SHA-256'),
        _challenge('Basic realm="cam", Digest realm="cam", nonce="n2", algorithm=SHA-256'),
        _challenge('Digest realm="cam", nonce="n1"', 'Digest realm="cam", nonce="n2", '
                   'algorithm=SHA-256, qop="auth"', 'Basic realm="cam"'),
    ],
    ids=["separate headers", "one header", "strongest digest"],
)
async def test_digest_is_preferred(offer: bytes) -> None:
    async with Responder(offer, OK) as server:
        assert await rtsp.describe(server.url(), USERNAME, PASSWORD)
    (sent,) = server.authorizations
    assert sent.startswith("Digest ") and 'nonce="n2"' in sent and "algorithm=SHA-256" in sent
    assert PASSWORD not in "".join(server.requests)


@pytest.mark.parametrize(
    "offer",
    [
        _challenge('Digest realm="cam", nonce="n", algorithm=SHA-512-256', 'Basic realm="c"'),
        _challenge('Basic realm="c", Digest realm="cam"'),  # a Digest without nonce
        _challenge("Bearer realm=cam"),
        b"RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\n\r\n",  # no challenge at all
    ],
    ids=["unknown algorithm", "digest without nonce", "unknown scheme", "bare 401"],
)
async def test_unanswerable_login_is_a_protocol_problem(offer: bytes) -> None:
    """Not a wrong password (AuthError would ask the user for a new one), and the
    password never goes in clear to a server that also speaks Digest."""
    async with Responder(offer, OK) as server:
        with pytest.raises(rtsp.UnsupportedAuth) as caught:
            await rtsp.describe(server.url(), USERNAME, PASSWORD)
        with pytest.raises(rtsp.UnsupportedAuth):
            await rtsp.probe_login(server.url(), USERNAME, PASSWORD)
    assert isinstance(caught.value, ProtocolError)
    assert server.authorizations == []


async def test_basic_only_server_gets_basic_in_clear() -> None:
    """What most of these cameras offer, and what the player would send anyway."""
    async with Responder(_challenge('Basic realm="cam"'), OK) as server:
        assert await rtsp.describe(server.url(), USERNAME, PASSWORD)
    (sent,) = server.authorizations
    assert sent.startswith("Basic ")


async def test_refusal_is_an_auth_error() -> None:
    refused = b"RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\nContent-Length: 0\r\n\r\n"
    async with Responder(_challenge('Digest realm="cam", nonce="n"'), refused) as server:
        with pytest.raises(AuthError):
            await rtsp.describe(server.url(), USERNAME, PASSWORD)


# -- hostile answers ------------------------------------------------------------------

HOSTILE: dict[str, bytes] = {
    "non-numeric status": b"RTSP/1.0 abc OK\r\nCSeq: 1\r\n\r\n",
    "four-digit status": b"RTSP/1.0 2000 OK\r\nCSeq: 1\r\n\r\n",
    "status without version": b"200 OK\r\nCSeq: 1\r\n\r\n",
    "version only": b"RTSP/1.0\r\nCSeq: 1\r\n\r\n",
    "unicode digits": "RTSP/1.0 ²⁰⁰ OK\r\nCSeq: 1\r\n\r\n".encode(),
    "http": b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    "content-length text": b"RTSP/1.0 200 OK\r\nContent-Length: abc\r\n\r\n",
    "content-length negative": b"RTSP/1.0 200 OK\r\nContent-Length: -5\r\n\r\n",
    "content-length huge": b"RTSP/1.0 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
    "content-length over cap": b"RTSP/1.0 200 OK\r\nContent-Length: 10000000\r\n\r\n",
    "content-length conflicting": b"RTSP/1.0 200 OK\r\nContent-Length: 4\r\n"
    b"Content-Length: 5\r\n\r\nv=0\n",
    "header flood": b"RTSP/1.0 200 OK\r\n" + b"X-Flood: 1\r\n" * 500 + b"\r\n",
    "header block over 64 KiB": b"RTSP/1.0 200 OK\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n",
    "nonce with a line break": b'RTSP/1.0 401 Unauthorized\r\nWWW-Authenticate: Digest '
    b'realm="cam", nonce="a\nInjected: 1"\r\n\r\n',
}


@pytest.mark.parametrize("name", list(HOSTILE))
async def test_hostile_answers_are_protocol_errors(name: str) -> None:
    async with Responder(HOSTILE[name], OK) as server:
        with pytest.raises(ProtocolError):
            await rtsp.describe(server.url(), USERNAME, PASSWORD)
        with pytest.raises(ProtocolError):
            await rtsp.probe_login(server.url(), USERNAME, PASSWORD)
    assert PASSWORD not in "".join(server.requests)


async def test_truncated_body_is_a_connect_error() -> None:
    cut = b"RTSP/1.0 200 OK\r\nContent-Length: 400\r\n\r\nv=0\n"
    async with Responder(cut) as server:
        with pytest.raises(ConnectError):
            await rtsp.describe(server.url(), USERNAME, PASSWORD)


@pytest.fixture
async def camera_factory() -> AsyncIterator[Callable[[], Any]]:
    async with UidXmlSim(username=USERNAME, password=PASSWORD) as sim, \
            aiohttp.ClientSession() as session:

        async def make() -> Any:
            return await connect(
                session, "uid_xml", sim.host, sim.port, Credentials(USERNAME, PASSWORD)
            )

        yield make


@pytest.mark.parametrize("name", ["non-numeric status", "content-length text"])
async def test_stream_search_survives_hostile_answers(
    camera_factory: Callable[[], Any], name: str
) -> None:
    """The search reports "no stream" (and is retried later), instead of crashing."""
    camera = await camera_factory()
    async with Responder(HOSTILE[name]) as server:
        assert await camera.find_stream(StreamKind.MAIN, override=server.url()) is None
    await camera.close()
