"""HTTP transport shared by every dialect.

One injected aiohttp session, a timeout on every request, a cap on body size and at
most a couple of requests in flight per camera (these cameras have tiny web servers
that fall over under concurrency). Query strings are built here, byte for byte, so
dialects control exactly what the camera sees.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
import logging
import re
from typing import Any
from urllib.parse import quote

import aiohttp
from multidict import CIMultiDictProxy
from yarl import URL

from .errors import ConnectError, ProtocolError, SSLVerifyError, Timeout

_LOGGER = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
DETECT_TIMEOUT = 5.0
MAX_CONCURRENT = 2
BODY_LIMIT = 256 * 1024
SNAPSHOT_LIMIT = 4 * 1024 * 1024
_CHUNK = 16 * 1024

Params = Mapping[str, Any] | Iterable[tuple[str, Any]] | None

# Query parameters whose values are secrets; redacted wherever a URL is logged.
SECRET_PARAMS = frozenset(
    {"password", "pwd", "passwd", "pass", "uid", "token", "newpasswd", "auth", "session"}
)
_SECRET_RE = re.compile(
    r"(?i)(?P<key>(?:^|[?&;])(?:" + "|".join(sorted(SECRET_PARAMS)) + r")=)[^&#\s]*"
)
_USERINFO_RE = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@\s]*@", re.IGNORECASE)


def redact_url(url: str | URL) -> str:
    """Return ``url`` with credentials and session tokens masked."""
    text = str(url)
    text = _USERINFO_RE.sub(r"\g<scheme>***:***@", text)
    return _SECRET_RE.sub(r"\g<key>***", text)


def encode_query(params: Params) -> str:
    """Percent-encode ``params`` in order; every reserved character is escaped."""
    if params is None:
        return ""
    items = params.items() if isinstance(params, Mapping) else params
    return "&".join(f"{quote(str(k), safe='')}={quote(_text(v), safe='')}" for k, v in items)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


@dataclass(frozen=True, slots=True)
class Credentials:
    """Login of a camera; the password never shows in reprs."""

    username: str
    password: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class Response:
    """A fully read HTTP response."""

    status: int
    headers: CIMultiDictProxy[str]
    body: bytes
    url: str  # redacted

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower()

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class Transport:
    """Requests to one camera over an injected :class:`aiohttp.ClientSession`."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        host: str,
        port: int,
        *,
        https: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
        max_concurrent: int = MAX_CONCURRENT,
    ) -> None:
        self.session = session
        self.host = host
        self.port = port
        self.https = https
        self.timeout = timeout
        self._slots = asyncio.Semaphore(max_concurrent)

    @property
    def base_url(self) -> str:
        scheme = "https" if self.https else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"

    def url(self, path: str, params: Params = None) -> URL:
        """The exact URL for ``path`` and ``params`` (already encoded)."""
        query = encode_query(params)
        return URL(f"{self.base_url}{path}{'?' + query if query else ''}", encoded=True)

    async def get(
        self,
        path: str,
        params: Params = None,
        *,
        limit: int = BODY_LIMIT,
        timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
        auth: aiohttp.BasicAuth | None = None,
    ) -> Response:
        """GET ``path``; see :meth:`request`."""
        return await self.request(
            "GET", path, params, limit=limit, timeout=timeout, headers=headers, auth=auth
        )

    async def request(
        self,
        method: str,
        path: str,
        params: Params = None,
        *,
        data: bytes | str | None = None,
        limit: int = BODY_LIMIT,
        timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
        auth: aiohttp.BasicAuth | None = None,
    ) -> Response:
        """Send one request and read the whole body (at most ``limit`` bytes).

        Raises :class:`ConnectError`, :class:`Timeout` or :class:`ProtocolError`;
        HTTP error statuses are returned, the dialect decides what they mean.
        """
        return await self.send(
            method, self.url(path, params), data=data, limit=limit, timeout=timeout,
            headers=headers, auth=auth,
        )

    async def send(
        self,
        method: str,
        url: URL,
        *,
        data: bytes | str | None = None,
        limit: int = BODY_LIMIT,
        timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
        auth: aiohttp.BasicAuth | None = None,
    ) -> Response:
        """Send one request to an absolute ``url``, within this camera's limits."""
        shown = redact_url(url)
        budget = aiohttp.ClientTimeout(total=timeout if timeout is not None else self.timeout)
        async with self._slots:
            try:
                async with self.session.request(
                    method,
                    url,
                    data=data,
                    headers=headers,
                    auth=auth,
                    timeout=budget,
                    allow_redirects=False,
                ) as resp:
                    body = await _read_capped(resp, limit, shown)
                    result = Response(resp.status, resp.headers, body, shown)
            except ProtocolError:
                raise
            except TimeoutError as err:
                raise Timeout(f"{self.host}:{self.port} did not answer in time") from err
            except aiohttp.ClientConnectorCertificateError as err:
                raise SSLVerifyError(
                    f"TLS certificate of {self.host}:{self.port} failed verification"
                ) from err
            except aiohttp.ClientSSLError as err:
                raise ConnectError(f"TLS error talking to {self.host}:{self.port}") from err
            except (aiohttp.ClientError, OSError, ValueError) as err:
                raise ConnectError(
                    f"cannot reach {self.host}:{self.port} ({type(err).__name__})"
                ) from err
        _LOGGER.debug("%s %s -> %s (%d bytes)", method, shown, result.status, len(body))
        return result


async def _read_capped(resp: aiohttp.ClientResponse, limit: int, shown: str) -> bytes:
    """Read the body in chunks; close the connection as soon as it exceeds ``limit``."""
    declared = resp.content_length
    if declared is not None and declared > limit:
        resp.close()
        raise ProtocolError(f"response of {shown} is {declared} bytes, over {limit}")
    chunks: list[bytes] = []
    size = 0
    while chunk := await resp.content.read(_CHUNK):
        size += len(chunk)
        if size > limit:
            # Closing (not releasing) drops the socket instead of draining an endless body.
            resp.close()
            raise ProtocolError(f"response of {shown} exceeds {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
