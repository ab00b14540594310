"""Run ``rtsp_server.py`` (GStreamer, system Python) as a child process.

The test venv has no PyGObject, so the RTSP server runs under Debian's
``/usr/bin/python3``; this module only spawns it and waits for its
``READY <port>`` line. Both an asyncio API (tests) and a blocking API
(scripts) are provided.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
import contextlib
import functools
import os
from pathlib import Path
import selectors
import signal
import subprocess
import tempfile
import time
from types import TracebackType
from typing import IO, Self
from urllib.parse import quote

SYSTEM_PYTHON = "/usr/bin/python3"
SCRIPT = Path(__file__).with_name("rtsp_server.py")
DEFAULT_PATHS: tuple[str, ...] = ("/stream0", "/stream1")

# Run inside the system Python: maps each failing import/element to the Debian
# package that provides it, so a skipped test says exactly what to install.
_PROBE = r"""
import sys
try:
    import gi
except ImportError:
    print("python3-gi"); sys.exit(0)
try:
    gi.require_version("Gst", "1.0")
    from gi.repository import Gst
except (ImportError, ValueError):
    print("gir1.2-gstreamer-1.0"); sys.exit(0)
try:
    gi.require_version("GstRtspServer", "1.0")
    from gi.repository import GstRtspServer
except (ImportError, ValueError):
    print("gir1.2-gst-rtsp-server-1.0"); sys.exit(0)
Gst.init(None)
packages = {
    "videotestsrc": "gstreamer1.0-plugins-base",
    "videoconvert": "gstreamer1.0-plugins-base",
    "rtph264pay": "gstreamer1.0-plugins-good",
    "x264enc": "gstreamer1.0-plugins-ugly",
}
for element, package in packages.items():
    if Gst.ElementFactory.find(element) is None:
        print(package); sys.exit(0)
print("OK")
"""


@functools.cache
def gstreamer_available() -> str | None:
    """None if the RTSP server can run, else a human-readable reason."""
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        return f"{SYSTEM_PYTHON} not found (Debian package python3)"
    try:
        result = subprocess.run(
            [SYSTEM_PYTHON, "-c", _PROBE],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"could not probe GStreamer with {SYSTEM_PYTHON}: {err}"
    answer = result.stdout.strip().splitlines()[-1:] or [""]
    if answer[0] == "OK":
        return None
    if answer[0]:
        return f"Debian package {answer[0]} is not installed"
    return f"GStreamer probe failed: {result.stderr.strip()[-300:]}"


class RtspServer:
    """A GstRtspServer child process serving live H.264 test patterns."""

    def __init__(
        self,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        paths: Sequence[str] = DEFAULT_PATHS,
        username: str | None = None,
        password: str | None = None,
        ready_timeout: float = 20.0,
        python: str = SYSTEM_PYTHON,
    ) -> None:
        self.host = host
        self.requested_port = port
        self.paths = tuple(paths)
        self.username = username
        self.password = password
        self.ready_timeout = ready_timeout
        self.python = python
        self.port: int | None = None
        self._proc: asyncio.subprocess.Process | None = None
        self._popen: subprocess.Popen[bytes] | None = None
        # stderr goes to a temp file: a pipe nobody drains could block
        # GStreamer's logging, but we still want it in error messages.
        self._stderr: IO[bytes] | None = None

    # ----------------------------------------------------------------- helpers

    @property
    def running(self) -> bool:
        if self._proc is not None:
            return self._proc.returncode is None
        return self._popen is not None and self._popen.poll() is None

    def url(self, path: str | None = None, *, with_credentials: bool = False) -> str:
        """rtsp:// URL of a mount (credentials percent-encoded if requested)."""
        if self.port is None:
            raise RuntimeError("RTSP server is not running")
        mount = path or self.paths[0]
        auth = ""
        if with_credentials and self.username is not None:
            user = quote(self.username, safe="")
            auth = f"{user}:{quote(self.password or '', safe='')}@"
        return f"rtsp://{auth}{self.host}:{self.port}{mount}"

    def _argv(self) -> list[str]:
        argv = [self.python, str(SCRIPT), "--host", self.host]
        argv += ["--port", str(self.requested_port)]
        for path in self.paths:
            argv += ["--path", path]
        if self.username is not None:
            argv += ["--username", self.username, "--password", self.password or ""]
        return argv

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read()[-2000:].decode(errors="replace").strip()

    def _close_stderr(self) -> None:
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def _failed(self, why: str) -> RuntimeError:
        return RuntimeError(f"RTSP server {why}; stderr: {self._stderr_tail()!r}")

    @staticmethod
    def _parse_ready(line: bytes) -> int | None:
        parts = line.decode(errors="replace").split()
        if len(parts) == 2 and parts[0] == "READY" and parts[1].isdigit():
            return int(parts[1])
        return None

    # -------------------------------------------------------------- asyncio API

    async def start(self) -> None:
        """Spawn the server and wait until it listens (raises on failure)."""
        if self.running:
            return
        # Lives as long as the child, closed in stop(): no context manager.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115
        self._proc = await asyncio.create_subprocess_exec(
            *self._argv(),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=self._stderr,
        )
        assert self._proc.stdout is not None
        try:
            async with asyncio.timeout(self.ready_timeout):
                while True:
                    line = await self._proc.stdout.readline()
                    if not line:
                        raise self._failed(f"exited with {await self._proc.wait()}")
                    port = self._parse_ready(line)
                    if port is not None:
                        self.port = port
                        return
        except TimeoutError as err:
            error = self._failed(f"not ready after {self.ready_timeout}s")
            await self.stop()
            raise error from err
        except BaseException:
            await self.stop()  # also on cancellation: never leak the child
            raise

    async def stop(self) -> None:
        """SIGTERM the child, SIGKILL it if it does not exit within 5 s."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(5):
                    await proc.wait()
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await proc.wait()
        self.port = None
        self._close_stderr()

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

    # ------------------------------------------------------------- blocking API

    def start_sync(self) -> None:
        """Blocking variant of :meth:`start` for scripts."""
        if self.running:
            return
        # Lives as long as the child, closed in stop(): no context manager.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115
        self._popen = subprocess.Popen(
            self._argv(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        assert self._popen.stdout is not None
        deadline = time.monotonic() + self.ready_timeout
        buffer = b""
        with selectors.DefaultSelector() as selector:
            selector.register(self._popen.stdout, selectors.EVENT_READ)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self.stop_sync()
                    raise self._failed(f"not ready after {self.ready_timeout}s")
                if not selector.select(remaining):
                    continue
                chunk = os.read(self._popen.stdout.fileno(), 4096)
                if not chunk:
                    code = self._popen.wait()
                    error = self._failed(f"exited with {code}")
                    self.stop_sync()
                    raise error
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    port = self._parse_ready(line)
                    if port is not None:
                        self.port = port
                        return

    def stop_sync(self) -> None:
        """Blocking variant of :meth:`stop`."""
        popen, self._popen = self._popen, None
        if popen is not None:
            if popen.poll() is None:
                popen.terminate()
                try:
                    popen.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    popen.kill()
                    popen.wait()
            if popen.stdout is not None:
                popen.stdout.close()
        self.port = None
        self._close_stderr()
