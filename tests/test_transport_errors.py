"""Every way a read can fail ends in the client's error taxonomy, never a bare exception.

A scripted raw-socket server on 127.0.0.1 answers with cut, reset and malformed
HTTP; whole-body requests and streamed reads wrapped in :meth:`Transport.errors`
must raise a :class:`ConnectError` (the connection failed: retry later) or a
:class:`ProtocolError` (the answer cannot be read), nothing else — an alarm
listener that sees anything else stops for good.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
from dataclasses import dataclass
import socket
import struct

import aiohttp
from aiohttp import web
import pytest

from custom_components.cgi_camera.client.errors import ConnectError, ProtocolError
from custom_components.cgi_camera.client.transport import Transport
from tests.helpers import serve, until

CHUNKED = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"


@dataclass(frozen=True)
class Script:
    """What the server writes after reading the request head, then how it ends."""

    answer: bytes
    end: str = "close"  # "close", "reset" (RST) or "hang" (until the test ends)


SCRIPTS: dict[str, tuple[Script, type[Exception]]] = {
    "closed before answering": (Script(b""), ConnectError),
    "reset before answering": (Script(b"", "reset"), ConnectError),
    "cut chunked body": (Script(CHUNKED + b"10\r\nabc"), ConnectError),
    "reset during body": (Script(CHUNKED + b"10\r\nabc", "reset"), ConnectError),
    "short Content-Length": (
        Script(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten.."), ConnectError
    ),
    "bad chunk size": (Script(CHUNKED + b"zz\r\nabc\r\n0\r\n\r\n"), ProtocolError),
    "bad status line": (Script(b"HTTP/1.1 abc OK\r\n\r\n"), ProtocolError),
    "not HTTP at all": (Script(b"\x00\x01garbage\r\n\r\n"), ProtocolError),
    "header line too long": (
        Script(b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 20_000 + b"\r\n\r\n"), ProtocolError
    ),
    "header without colon": (
        Script(b"HTTP/1.1 200 OK\r\nno colon here\r\nContent-Length: 0\r\n\r\n"), ProtocolError
    ),
    "bad Content-Length": (
        Script(b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n"), ProtocolError
    ),
}


class RawServer:
    def __init__(self) -> None:
        self.script = Script(b"")
        self.port = 0
        self._server: asyncio.Server | None = None
        self._release = asyncio.Event()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        script = self.script
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            await reader.readuntil(b"\r\n\r\n")
            writer.write(script.answer)
            await writer.drain()
            if script.end == "hang":
                await self._release.wait()
            if script.end == "reset":
                sock = writer.get_extra_info("socket")
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.transport.abort()
                return
        writer.close()

    async def __aenter__(self) -> RawServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._release.set()
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()


@pytest.fixture
async def server() -> AsyncIterator[RawServer]:
    async with RawServer() as raw:
        yield raw


@pytest.fixture
async def transport(server: RawServer) -> AsyncIterator[Transport]:
    async with aiohttp.ClientSession() as session:
        yield Transport(session, "127.0.0.1", server.port, timeout=5)


@pytest.mark.parametrize("name", list(SCRIPTS))
async def test_whole_body_reads(server: RawServer, transport: Transport, name: str) -> None:
    server.script, expected = SCRIPTS[name]
    with pytest.raises(expected):
        await transport.get("/x")


@pytest.mark.parametrize("name", list(SCRIPTS))
async def test_stream_reads(server: RawServer, transport: Transport, name: str) -> None:
    """What a stream consumer does: open, then read inside ``errors()``."""
    server.script, expected = SCRIPTS[name]
    with pytest.raises(expected):
        resp = await transport.open_stream(transport.url("/x"))
        try:
            with transport.errors():
                while await resp.content.readline():
                    pass
                raise ConnectError("stream ended")  # what a consumer makes of the end
        finally:
            resp.close()


Read = Callable[[aiohttp.StreamReader], Awaitable[object]]

STREAM_READS: dict[str, tuple[bytes, Read, type[Exception]]] = {
    # The body ends before the bytes a consumer waits for: asyncio.IncompleteReadError.
    "readexactly past the end": (
        b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd", lambda c: c.readexactly(10),
        ConnectError,
    ),
    # aiohttp's readline gives up on a line longer than its buffer: ValueError.
    "line longer than the buffer": (
        b"HTTP/1.1 200 OK\r\n\r\n" + b"a" * 300_000 + b"\n", lambda c: c.readline(),
        ProtocolError,
    ),
    "readuntil without separator": (
        b"HTTP/1.1 200 OK\r\n\r\n" + b"a" * 300_000 + b"\n", lambda c: c.readuntil(b"--x"),
        ProtocolError,
    ),
}


@pytest.mark.parametrize("name", list(STREAM_READS))
async def test_stream_read_helpers(server: RawServer, transport: Transport, name: str) -> None:
    answer, read, expected = STREAM_READS[name]
    server.script = Script(answer, "hang" if "buffer" in name else "close")
    resp = await transport.open_stream(transport.url("/x"))
    try:
        with pytest.raises(expected), transport.errors():
            await read(resp.content)
    finally:
        resp.close()


async def test_reading_a_closed_response(server: RawServer, transport: Transport) -> None:
    """A listener reading after its response was closed under it (unload)."""
    server.script = Script(CHUNKED + b"3\r\nabc\r\n", "hang")
    resp = await transport.open_stream(transport.url("/x"))
    resp.close()
    with pytest.raises(ConnectError), transport.errors():
        while await resp.content.read(1024):
            pass
        raise ConnectError("stream ended")


async def test_a_body_made_by_a_function_is_made_once_the_request_has_its_slot(
    session: aiohttp.ClientSession,
) -> None:
    """ONVIF signs each request with a timestamp: made in the queue, it would age there."""
    release = asyncio.Event()
    held = 0
    bodies: list[bytes] = []

    async def handler(request: web.Request) -> web.Response:
        nonlocal held
        bodies.append(await request.read())
        if request.path == "/slow":
            held += 1
            await release.wait()
        return web.Response(text="ok")

    async with serve(handler) as port:
        transport = Transport(session, "127.0.0.1", port, max_concurrent=1)
        slow = asyncio.create_task(transport.request("GET", "/slow"))
        await until(lambda: held == 1)  # the only slot is taken
        made: list[str] = []

        def body() -> bytes:
            made.append("made")
            return b"signed now"

        queued = asyncio.create_task(transport.send("POST", transport.url("/fast"), data=body))
        for _ in range(20):  # let it run up to the slot it waits for
            await asyncio.sleep(0)
        assert made == []  # waiting for the slot: not made yet
        release.set()
        await slow
        response = await queued
    assert response.status == 200
    assert made == ["made"] and bodies[-1] == b"signed now"
