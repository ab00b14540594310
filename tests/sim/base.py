"""Reusable simulated-camera HTTP server with request logging and fault injection.

Dialect simulators subclass :class:`SimServer` and register their routes in
:meth:`SimServer.setup_routes`. Faults are applied by a middleware that runs
before any dialect handler, so every dialect gets the same failure modes
(errors, hangs, delays, garbage, huge bodies, compressed answers and gzip bombs,
connection refused) for free.

Slow cameras: :attr:`SimServer.latency` (plus :attr:`~SimServer.jitter`) delays every
answer, and :attr:`~SimServer.one_at_a_time` answers one request at a time while others
queue, as the single-threaded web servers of cheap cameras do. Long-lived requests (a
push stream, an ONVIF long poll: :meth:`SimServer.long_lived`) bypass the queue, since
those run in the firmware's own threads. All are off by default.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
import contextlib
import contextvars
from dataclasses import dataclass, field
from datetime import datetime
import functools
import io
import random
import ssl
import time
from types import TracebackType
from typing import Any, Literal, Self
import zlib

from aiohttp import web
from multidict import CIMultiDict, MultiDict

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

ALL_PATHS = "*"
# Set while a handler runs: a reboot it asks for waits until its answer is sent.
_IN_REQUEST: contextvars.ContextVar[bool] = contextvars.ContextVar("in_request", default=False)
FaultKind = Literal["fail", "hang", "delay", "garbage", "cut", "huge", "compressed"]

# Chunk size for "huge" bodies: big enough to be fast, small enough that a
# client enforcing a size limit notices long before the end.
_HUGE_CHUNK = 64 * 1024


@dataclass(slots=True)
class RequestRecord:
    """One request as seen by the simulator (before any fault is applied)."""

    method: str
    path: str
    query: MultiDict[str]
    time: float  # time.monotonic() at arrival; monotonic so tests can diff it
    remote: str | None = None
    headers: CIMultiDict[str] = field(default_factory=CIMultiDict)


@dataclass(slots=True)
class Fault:
    """A fault armed for one path (or ``"*"``)."""

    kind: FaultKind
    status: int = 500
    body: bytes = b""
    content_type: str = "text/plain"
    seconds: float = 0.0
    size: int = 0
    encoding: str = ""  # the Content-Encoding of a "compressed" answer
    # None = permanent; otherwise the fault disarms itself after N hits, which
    # is what retry/back-off tests need ("fail once, then succeed").
    remaining: int | None = None


@dataclass(slots=True)
class _Waiters:
    """Events that hung/delayed handlers wait on, so stop() can release them.

    Each event remembers the fault key (path or ``"*"``) that armed it, so
    clearing one path's fault does not release requests hung on another.
    """

    events: dict[asyncio.Event, str] = field(default_factory=dict)

    def new(self, key: str) -> asyncio.Event:
        event = asyncio.Event()
        self.events[event] = key
        return event

    def discard(self, event: asyncio.Event) -> None:
        self.events.pop(event, None)

    def release(self, key: str | None = None) -> None:
        for event, event_key in list(self.events.items()):
            if key is None or event_key == key:
                event.set()
                del self.events[event]


async def _cleanup(runners: list[web.AppRunner]) -> None:
    await asyncio.gather(*(runner.cleanup() for runner in runners))


@functools.cache
def compress(body: bytes | int, encoding: str) -> bytes:
    """``body`` (or that many zero bytes: a bomb) gzip- or deflate-compressed.

    Zeros are compressed piecewise, so a 1 GiB bomb never exists uncompressed.
    Any other ``encoding`` (``br``...) returns the body as it is, under that name.
    """
    if encoding not in ("gzip", "deflate"):
        return body if isinstance(body, bytes) else bytes(body)
    packer = zlib.compressobj(9, zlib.DEFLATED, 31 if encoding == "gzip" else 15)
    if isinstance(body, bytes):
        return packer.compress(body) + packer.flush()
    block = bytes(1 << 20)
    out: list[bytes] = []
    for start in range(0, body, len(block)):
        out.append(packer.compress(block[: min(len(block), body - start)]))
    out.append(packer.flush())
    return b"".join(out)


@functools.cache
def default_jpeg(model: str, width: int = 640, height: int = 360) -> bytes:
    """A small test-card JPEG, generated once per model (Pillow is slow-ish)."""
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("RGB", (width, height), (24, 48, 96))
    draw = ImageDraw.Draw(img)
    # Colour bars so the image is recognisably a test pattern, not blank.
    bars = [
        (192, 192, 192),
        (192, 192, 0),
        (0, 192, 192),
        (0, 192, 0),
        (192, 0, 192),
        (192, 0, 0),
        (0, 0, 192),
    ]
    bar_w = width // len(bars)
    for i, colour in enumerate(bars):
        draw.rectangle([i * bar_w, height // 2, (i + 1) * bar_w, height], fill=colour)
    try:
        font: ImageFont.FreeTypeFont | ImageFont.ImageFont = ImageFont.load_default(
            size=32
        )
    except (TypeError, OSError):  # Pillow without FreeType: bitmap font only
        font = ImageFont.load_default()
    draw.text((20, 30), f"CGI Camera {model}", fill=(255, 255, 255), font=font)
    draw.text(
        (20, 90),
        datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
        fill=(255, 255, 0),
        font=font,
    )
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=70)
    return buf.getvalue()


class SimServer:
    """aiohttp server on 127.0.0.1 with a request log and fault injection.

    Subclasses override :meth:`setup_routes`. The application is rebuilt on
    every (re)start, so :meth:`go_offline`/:meth:`go_online` can tear the
    listener down completely (connection refused) and bring it back on the
    same port.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._host = host
        self._requested_port = port
        self._port: int | None = None
        self._ssl_context = ssl_context
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        # The second listener (setup_side_routes), on a port of its own.
        self._side_runner: web.AppRunner | None = None
        self._side_port: int | None = None
        self._faults: dict[str, Fault] = {}
        self._waiters = _Waiters()
        self._bg_tasks: set[asyncio.Task[Any]] = set()
        self._cleanup_task: asyncio.Task[None] | None = None
        # True while the listener is being torn down: released hung requests
        # must then drop the connection instead of answering.
        self._closing = False
        self.requests: list[RequestRecord] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.reboots = 0
        self.reboots_done = 0
        # Most bytes one "huge" answer wrote: a client that stops early keeps it small.
        self.huge_bytes_sent = 0
        self.huge_active = 0  # "huge" answers still being written
        self._reboot_over = asyncio.Event()
        self._reboot_after_answer = False
        self.reboot_downtime = 0.0  # >0: a reboot takes the server offline that long
        # Slow-camera knobs (module docstring); seconds. Jitter is drawn from `rng`,
        # seeded so a run can be repeated.
        self.latency = 0.0
        self.jitter = 0.0
        self.one_at_a_time = False
        self.rng = random.Random(0)
        self._serial_gate = asyncio.Lock()
        # Requests being answered, long-lived ones excluded (one_at_a_time: never above 1),
        # and requests waiting for the serial gate.
        self.active = 0
        self.max_active = 0
        self.queued = 0
        self.max_queued = 0

    # What the test picture says; subclasses set their model name.
    model = "IPCamera"
    _snapshot_jpeg: bytes | None = None

    @property
    def snapshot_jpeg(self) -> bytes:
        """The JPEG this camera serves: a test card with its model, unless a test set one."""
        if self._snapshot_jpeg is None:
            self._snapshot_jpeg = default_jpeg(self.model)
        return self._snapshot_jpeg

    @snapshot_jpeg.setter
    def snapshot_jpeg(self, data: bytes) -> None:
        self._snapshot_jpeg = data

    # ------------------------------------------------------------------ hooks

    def setup_routes(self, app: web.Application) -> None:
        """Register the dialect's routes on a freshly built application."""

    def setup_side_routes(self, app: web.Application) -> bool:
        """Register the routes of a second listener (a service the device runs on a
        port of its own, e.g. ONVIF); False, the default, when it has none.

        Built and torn down with the main listener (offline, reboots), with the same
        request log, faults and TLS; :attr:`side_port` stays the same across restarts.
        """
        return False

    # ------------------------------------------------------------ properties

    @property
    def host(self) -> str:
        return self._host

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("server has not been started yet")
        return self._port

    @property
    def side_port(self) -> int | None:
        """The second listener's port; None when there is none (or before start)."""
        return self._side_port if self._side_runner is not None else None

    @property
    def scheme(self) -> str:
        return "https" if self._ssl_context is not None else "http"

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    @property
    def online(self) -> bool:
        return self._runner is not None

    # ------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Start listening (port 0 picks a free port on the first start)."""
        if self._runner is not None:
            return
        await self._listen(
            self._port if self._port is not None else self._requested_port
        )

    async def stop(self) -> None:
        """Stop listening, release hung requests and cancel background tasks."""
        tasks = [t for t in self._bg_tasks if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._bg_tasks.clear()
        await self._shutdown_listener()

    async def go_offline(self) -> None:
        """Close the listener and all connections: clients get ECONNREFUSED."""
        await self._shutdown_listener()

    async def go_online(self) -> None:
        """Listen again on the same port as before."""
        if self._runner is not None:
            return
        await self._listen(
            self._port if self._port is not None else self._requested_port
        )

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def _listen(self, port: int) -> None:
        app = web.Application(
            middlewares=[self._track_middleware, self._fault_middleware]
        )
        self.setup_routes(app)
        runner, site = await self._start_app(app, port)
        side = web.Application(middlewares=[self._track_middleware, self._fault_middleware])
        if self.setup_side_routes(side):
            try:
                side_runner, _site = await self._start_app(side, self._side_port or 0)
            except BaseException:
                await runner.cleanup()
                raise
            self._side_runner = side_runner
            self._side_port = side_runner.addresses[0][1]
        self._runner, self._site = runner, site
        self._closing = False
        self._port = runner.addresses[0][1]

    async def _start_app(
        self, app: web.Application, port: int
    ) -> tuple[web.AppRunner, web.TCPSite]:
        # Short shutdown timeout: hung handlers are released explicitly, this
        # is only a safety net so stop() can never block a test for a minute.
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(runner, self._host, port, ssl_context=self._ssl_context)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        return runner, site

    async def _shutdown_listener(self) -> None:
        runner = self._runner
        if runner is not None:
            runners = [runner] if self._side_runner is None else [runner, self._side_runner]
            self._runner = self._site = self._side_runner = None
            self._closing = True
            self._waiters.release()
            # Own task + shield: if the caller (e.g. a reboot task) is cancelled
            # mid-cleanup, the cleanup still finishes and stop() awaits it.
            self._cleanup_task = asyncio.get_running_loop().create_task(
                _cleanup(runners)
            )
        task = self._cleanup_task
        if task is None:
            return
        try:
            await asyncio.shield(task)
        finally:
            if task.done():
                self._cleanup_task = None
                self._closing = False

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run a background coroutine that stop() will cancel (no lingering tasks)."""
        task = asyncio.get_running_loop().create_task(coro)
        self._bg_tasks.add(task)
        task.add_done_callback(self._bg_tasks.discard)
        return task

    # ---------------------------------------------------------------- reboot

    def simulate_reboot(self) -> None:
        """What the dialect's reboot command does, callable from a test.

        Inside a request the answer to the command is written out first (the
        tracking middleware starts the restart once it has been sent, not after a
        guessed delay); then :meth:`_forget_on_reboot` drops what a restart loses,
        and the server is away for ``reboot_downtime``. ``reboots_done`` counts the
        restarts that completed, for tests to wait on.
        """
        self.reboots += 1
        if _IN_REQUEST.get():
            self._reboot_after_answer = True
        else:
            self.spawn(self._reboot_cycle())

    def _forget_on_reboot(self) -> None:
        """Drop sessions, streams and other volatile state (subclasses extend)."""

    # ---------------------------------------------------------- slow camera

    def long_lived(self, request: web.Request) -> bool:
        """Whether ``request`` is a stream or long poll, exempt from :attr:`one_at_a_time`
        (subclasses with such endpoints override this)."""
        return False

    def answer_delay(self) -> float:
        """Seconds the next answer waits: latency plus or minus up to ``jitter``."""
        if self.jitter <= 0:
            return self.latency
        return max(0.0, self.latency + self.rng.uniform(-self.jitter, self.jitter))

    @contextlib.asynccontextmanager
    async def _slot(self, request: web.Request) -> AsyncIterator[None]:
        """Hold the camera's one request slot (``one_at_a_time``) while answering."""
        if self.long_lived(request):
            yield
            return
        gated = self.one_at_a_time
        if gated:
            self.queued += 1
            self.max_queued = max(self.max_queued, self.queued)
            try:
                await self._serial_gate.acquire()
            finally:
                self.queued -= 1
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        try:
            yield
        finally:
            self.active -= 1
            if gated:
                self._serial_gate.release()

    async def _slow_answer(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        async with self._slot(request):
            delay = self.answer_delay()
            if delay > 0:
                await asyncio.sleep(delay)
                if self._closing or not self.online:
                    return self._drop_connection(request)
            return await handler(request)

    async def _reboot_cycle(self) -> None:
        self._forget_on_reboot()
        if self.reboot_downtime > 0 and self.online:
            self._reboot_over.clear()
            await self.go_offline()
            # Away for reboot_downtime, or until a test ends it (end_reboot()).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._reboot_over.wait(), self.reboot_downtime)
            await self.go_online()
        self.reboots_done += 1

    def end_reboot(self) -> None:
        """Bring a rebooting device back now (for ``reboot_downtime = math.inf``)."""
        self._reboot_over.set()

    # ---------------------------------------------------------- request log

    def count(self, path_prefix: str | None = None) -> int:
        """Number of logged requests whose path starts with ``path_prefix``."""
        if path_prefix is None:
            return len(self.requests)
        return sum(1 for r in self.requests if r.path.startswith(path_prefix))

    def paths(self) -> list[str]:
        """Logged request paths in arrival order (handy in assertion messages)."""
        return [r.path for r in self.requests]

    def clear_requests(self) -> None:
        self.requests.clear()
        self.max_in_flight = self.in_flight
        self.max_active = self.active
        self.max_queued = self.queued

    # -------------------------------------------------------- fault control

    def fail(
        self,
        path: str,
        status: int = 500,
        body: bytes = b"",
        content_type: str = "text/plain",
        *,
        times: int | None = None,
    ) -> None:
        """Answer ``path`` with ``status``/``body`` instead of the real handler."""
        self._faults[path] = Fault(
            "fail", status=status, body=body, content_type=content_type, remaining=times
        )

    def hang(self, path: str, *, times: int | None = None) -> None:
        """Accept requests to ``path`` but never answer (until cleared or stopped)."""
        self._faults[path] = Fault("hang", remaining=times)

    def delay(self, path: str, seconds: float, *, times: int | None = None) -> None:
        """Answer ``path`` normally, but only after ``seconds``."""
        self._faults[path] = Fault("delay", seconds=seconds, remaining=times)

    def garbage(
        self,
        path: str,
        body: bytes,
        content_type: str = "text/xml",
        *,
        status: int = 200,
        times: int | None = None,
    ) -> None:
        """Answer ``path`` with an arbitrary (usually unparsable) body."""
        self._faults[path] = Fault(
            "garbage",
            status=status,
            body=body,
            content_type=content_type,
            remaining=times,
        )

    def huge(
        self,
        path: str,
        size_bytes: int,
        content_type: str = "text/xml",
        *,
        times: int | None = None,
    ) -> None:
        """Stream ``size_bytes`` of filler in chunks (tests response size limits)."""
        self._faults[path] = Fault(
            "huge", size=size_bytes, content_type=content_type, remaining=times
        )

    def compressed(
        self,
        path: str,
        body: bytes | int,
        *,
        encoding: str = "gzip",
        content_type: str = "text/xml",
        status: int = 200,
        times: int | None = None,
    ) -> None:
        """Answer ``path`` with ``Content-Encoding: encoding``, chunked, whatever the
        client asked for (as a hostile camera would). An int ``body`` is that many
        zero bytes: ``compressed(path, 1 << 30)`` is a 1 GiB gzip bomb of about 1 MiB.
        """
        self._faults[path] = Fault(
            "compressed", status=status, body=compress(body, encoding),
            content_type=content_type, encoding=encoding, remaining=times,
        )

    def cut(self, path: str, body: bytes, content_type: str = "application/octet-stream",
            *, times: int | None = None) -> None:
        """Declare ``body`` in full, send half of it, then drop the connection."""
        self._faults[path] = Fault("cut", body=body, content_type=content_type,
                                   remaining=times)

    def clear_fault(self, path: str) -> None:
        """Disarm the fault on ``path``; requests it hung proceed normally."""
        self._faults.pop(path, None)
        self._waiters.release(path)

    def clear_faults(self) -> None:
        """Disarm every fault; requests hung so far proceed to the real handler."""
        self._faults.clear()
        self._waiters.release()

    def _take_fault(self, path: str) -> tuple[str, Fault] | None:
        key = (
            path
            if path in self._faults
            else ALL_PATHS
            if ALL_PATHS in self._faults
            else None
        )
        if key is None:
            return None
        fault = self._faults[key]
        if fault.remaining is not None:
            fault.remaining -= 1
            if fault.remaining <= 0:
                del self._faults[key]
        return key, fault

    # ----------------------------------------------------------- middleware

    @web.middleware
    async def _track_middleware(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        # Logged before faults so tests also see requests that were failed/hung.
        self.requests.append(
            RequestRecord(
                method=request.method,
                path=request.path,
                query=MultiDict(request.query),
                time=time.monotonic(),
                remote=request.remote,
                headers=CIMultiDict(request.headers),
            )
        )
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        token = _IN_REQUEST.set(True)
        try:
            response = await self._slow_answer(request, handler)
            if self._reboot_after_answer:
                # The command's answer goes out in full, then the device restarts.
                self._reboot_after_answer = False
                await response.prepare(request)
                await response.write_eof()
                self.spawn(self._reboot_cycle())
            return response
        finally:
            _IN_REQUEST.reset(token)
            self.in_flight -= 1

    @web.middleware
    async def _fault_middleware(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        taken = self._take_fault(request.path)
        if taken is None:
            return await handler(request)
        key, fault = taken
        if fault.kind == "fail":
            return web.Response(
                status=fault.status, body=fault.body, content_type=fault.content_type
            )
        if fault.kind == "garbage":
            return web.Response(
                status=fault.status, body=fault.body, content_type=fault.content_type
            )
        if fault.kind == "huge":
            return await self._stream_huge(request, fault)
        if fault.kind == "cut":
            response = web.StreamResponse(headers={"Content-Length": str(len(fault.body))})
            response.content_type = fault.content_type
            await response.prepare(request)
            await response.write(fault.body[: len(fault.body) // 2])
            if request.transport is not None:
                request.transport.close()
            return response
        if fault.kind == "compressed":
            return await self._stream_compressed(request, fault)
        # hang / delay: wait on an event that stop()/clear_faults() can set.
        event = self._waiters.new(key)
        timeout = fault.seconds if fault.kind == "delay" else None
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            pass  # delay elapsed normally
        finally:
            self._waiters.discard(event)
        if self._closing:
            return self._drop_connection(request)
        return await handler(request)

    def _drop_connection(self, request: web.Request) -> web.StreamResponse:
        # The server is going away: behave like a device that lost power, i.e.
        # close the socket without a response rather than answer late.
        if request.transport is not None:
            request.transport.abort()
        return web.Response(status=503)

    async def _stream_compressed(
        self, request: web.Request, fault: Fault
    ) -> web.StreamResponse:
        response = web.StreamResponse(
            status=fault.status,
            headers={"Content-Type": fault.content_type, "Content-Encoding": fault.encoding},
        )
        response.enable_chunked_encoding()
        await response.prepare(request)
        try:
            for start in range(0, len(fault.body), _HUGE_CHUNK):
                if self._closing:
                    break
                await response.write(fault.body[start : start + _HUGE_CHUNK])
            await response.write_eof()
        except (ConnectionResetError, ConnectionError):
            pass  # the client gave up on it: the expected outcome for a bomb
        return response

    async def _stream_huge(
        self, request: web.Request, fault: Fault
    ) -> web.StreamResponse:
        response = web.StreamResponse(status=200)
        response.content_type = fault.content_type
        response.content_length = fault.size
        await response.prepare(request)
        chunk = b"x" * _HUGE_CHUNK
        sent = 0
        self.huge_active += 1
        try:
            while sent < fault.size and not self._closing:
                piece = chunk[: min(_HUGE_CHUNK, fault.size - sent)]
                await response.write(piece)
                sent += len(piece)
                self.huge_bytes_sent = max(self.huge_bytes_sent, sent)
        except (ConnectionResetError, ConnectionError):
            return response  # client gave up early, which is the expected outcome
        finally:
            self.huge_active -= 1
        if self._closing:
            if request.transport is not None:
                request.transport.abort()
            return response
        await response.write_eof()
        return response
