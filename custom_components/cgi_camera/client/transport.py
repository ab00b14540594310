"""HTTP transport shared by every dialect.

One injected aiohttp session, a timeout on every request, a cap on body size and at
most a couple of requests in flight per camera (these cameras have tiny web servers
that fall over under concurrency). Query strings are built here, byte for byte, so
dialects control exactly what the camera sees.

Bodies are never decompressed by aiohttp: a small gzip answer can inflate to
gigabytes inside its parser before any cap is checked. Requests ask for
``identity``; a camera that compresses anyway is inflated here within the cap
(whole-body reads) or refused (streams).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator, Mapping
import contextlib
from dataclasses import dataclass, field
import logging
import re
from typing import Any, Literal
from urllib.parse import quote
import zlib

import aiohttp
from aiohttp.http_exceptions import HttpProcessingError
from multidict import CIMultiDictProxy
from yarl import URL

from .digest import Challenge, DigestAuth, answerable, best_digest, parse_challenges
from .errors import CameraError, ConnectError, ProtocolError, SSLVerifyError, Timeout
from .latch import LoginLatch

# A request body, or a function making it when the request is sent (see Transport.send).
Body = bytes | str | Callable[[], bytes | str] | None
_LOGGER = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
DETECT_TIMEOUT = 5.0
MAX_CONCURRENT = 2
BODY_LIMIT = 256 * 1024
SNAPSHOT_LIMIT = 4 * 1024 * 1024
_CHUNK = 16 * 1024
_IDENTITY = ("", "identity")

Params = Mapping[str, Any] | Iterable[tuple[str, Any]] | None
# How the transport itself authenticates (None: the dialect does it, e.g. in the URL).
#   "basic":  preemptive Basic; switches to Digest for good once challenged with Digest.
#   "digest": never sends Basic; answers Digest challenges (then signs preemptively).
AuthMode = Literal["basic", "digest"]

# Query parameters whose values are secrets; redacted wherever a URL is logged.
SECRET_PARAMS = frozenset(
    {"password", "pwd", "passwd", "pass", "uid", "token", "newpasswd", "auth", "session"}
)
# A secret's value runs to the next parameter (or the end of the line): a password
# typed raw into an override URL may hold spaces, "#" or a lone "&".
_SECRET_RE = re.compile(
    r"(?i)(?P<key>(?:^|[?&;])(?:" + "|".join(sorted(SECRET_PARAMS)) + r")=)"
    r"[^\n]*?(?=&[a-z_][\w.\-]*=|\n|$)"
)
# Userinfo runs to the last "@" that a host follows: a raw password may hold "/", "@"
# or spaces (ours are percent-encoded; one typed into an override URL may not be).
_USERINFO_RE = re.compile(
    r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^\n]*@(?=[^/@\s?#]+(?:[/?#\s]|$))", re.IGNORECASE
)


def redact_url(url: str | URL) -> str:
    """Return ``url`` with credentials and session tokens masked."""
    text = str(url)
    # Secrets in the query first: their raw values may hold an "@" of their own.
    text = _SECRET_RE.sub(r"\g<key>***", text)
    return _USERINFO_RE.sub(r"\g<scheme>***:***@", text)


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
        verify_ssl: bool = True,
    ) -> None:
        self.session = session
        self.host = host
        self.port = port
        self.https = https
        # What the entry says about certificates; the HTTP session already obeys it,
        # and the RTSP checks (rtsps://) of this camera follow it too.
        self.verify_ssl = verify_ssl
        self.timeout = timeout
        self._slots = asyncio.Semaphore(max_concurrent)
        self.credentials: Credentials | None = None
        self.auth_mode: AuthMode | None = None
        self._digest: DigestAuth | None = None
        # The last Digest challenge seen, even before credentials were known: an
        # unauthenticated fingerprint's 401 saves the login a Basic round trip.
        self._challenge: Challenge | None = None
        # Whether the host is known to speak the dialect about to log in: True after
        # a fingerprint said so or when the dialect comes from a config entry, False
        # when detection only guesses ("maybe"). Credentials that would land in the
        # host's access log (query strings) go only to identified hosts.
        self.identified = True
        # The camera's refused-login latch (set by its owner): once tripped, nothing
        # more is sent to this host, from any channel (see latch.py).
        self.latch: LoginLatch | None = None

    def use_auth(self, credentials: Credentials, mode: AuthMode = "basic") -> None:
        """Authenticate every later request with ``credentials`` (HTTP Basic/Digest)."""
        self.credentials = credentials
        self.auth_mode = mode
        self._digest = None
        if self._challenge is not None:
            self._digest = self._digest_for(self._challenge, credentials)

    @property
    def auth_scheme(self) -> str | None:
        """The HTTP auth scheme in use: ``digest`` once challenged, else the mode."""
        if self.credentials is None or self.auth_mode is None:
            return None
        return "digest" if self._digest is not None else self.auth_mode

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
        data: Body = None,
        limit: int = BODY_LIMIT,
        timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
        auth: aiohttp.BasicAuth | None = None,
    ) -> Response:
        """Send one request to an absolute ``url``, within this camera's limits.

        An explicit ``auth`` wins; otherwise the transport's own auth (see
        :meth:`use_auth`) signs the request and answers one 401 challenge at most.
        ``data`` may be a function making the body: it is called once the request
        has its slot, so a timestamp in it (ONVIF's WS-Security) does not age in
        the queue. Nothing is sent once the camera's login latch tripped.
        """
        if self.latch is not None:
            self.latch.check()
        if auth is not None or self.auth_mode is None:
            return await self._send_once(method, url, data, limit, timeout, headers, auth)
        sent = self._authorization(method, url)
        result = await self._send_once(
            method, url, data, limit, timeout, _with_auth(headers, sent), None
        )
        retry = self._answer(result.status, result.headers, sent, method, url)
        if retry is None:
            return result
        return await self._send_once(
            method, url, data, limit, timeout, _with_auth(headers, retry), None
        )

    async def _send_once(
        self,
        method: str,
        url: URL,
        data: Body,
        limit: int,
        timeout: float | None,
        headers: Mapping[str, str] | None,
        auth: aiohttp.BasicAuth | None,
    ) -> Response:
        shown = redact_url(url)
        budget = aiohttp.ClientTimeout(total=timeout if timeout is not None else self.timeout)
        async with self._slots:
            with self.errors():
                async with self.session.request(
                    method,
                    url,
                    data=data() if callable(data) else data,
                    headers=_uncompressed(headers),
                    auth=auth,
                    timeout=budget,
                    allow_redirects=False,
                    auto_decompress=False,
                ) as resp:
                    body = await _read_capped(resp, limit, shown)
                    result = Response(resp.status, resp.headers, body, shown)
        self._remember(result.status, result.headers)
        _LOGGER.debug("%s %s -> %s (%d bytes)", method, shown, result.status, len(body))
        return result

    async def open_stream(
        self, url: URL, *, timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> aiohttp.ClientResponse:
        """Start an endless GET (MJPEG) with the transport's auth; the caller closes it.

        It takes no request slot, since a stream would hold one for as long as it
        is watched; ``timeout`` bounds connecting and each read, not the whole.
        A compressed answer is refused (:class:`ProtocolError`): an endless stream
        has no size to cap, so every byte read must be a byte received.
        """
        if self.latch is not None:
            self.latch.check()
        limit = timeout if timeout is not None else self.timeout
        budget = aiohttp.ClientTimeout(total=None, sock_connect=limit, sock_read=limit)
        sent = self._authorization("GET", url) if self.auth_mode else None
        resp = await self._open(url, sent, budget, headers)
        retry = self._answer(resp.status, resp.headers, sent, "GET", url)
        if retry is not None:
            resp.close()
            resp = await self._open(url, retry, budget, headers)
        encoding = _content_encoding(resp.headers)
        if encoding not in _IDENTITY:
            resp.close()
            raise ProtocolError(
                f"stream {redact_url(url)} is compressed ({encoding[:32]!r}), which is refused"
            )
        return resp

    async def _open(
        self, url: URL, authorization: str | None, budget: aiohttp.ClientTimeout,
        headers: Mapping[str, str] | None = None,
    ) -> aiohttp.ClientResponse:
        with self.errors():
            resp = await self.session.get(
                url, headers=_uncompressed(_with_auth(headers, authorization)),
                timeout=budget, allow_redirects=False, auto_decompress=False,
            )
        self._remember(resp.status, resp.headers)
        _LOGGER.debug("GET %s -> %s (stream)", redact_url(url), resp.status)
        return resp

    @contextlib.contextmanager
    def errors(self) -> Iterator[None]:
        """Translate aiohttp's and the socket's exceptions into the client's taxonomy.

        Wrap every read of a response obtained outside :meth:`request` (streams).
        A cut or reset connection is a :class:`ConnectError`; an answer aiohttp's
        parser cannot read (bad status line, header line too long, a line longer
        than the read buffer) is a :class:`ProtocolError`.
        """
        where = f"{self.host}:{self.port}"
        try:
            yield
        except CameraError:
            raise
        except TimeoutError as err:
            raise Timeout(f"{where} did not answer in time") from err
        except aiohttp.ClientConnectorCertificateError as err:
            raise SSLVerifyError(f"TLS certificate of {where} failed verification") from err
        except aiohttp.ClientSSLError as err:
            raise ConnectError(f"TLS error talking to {where}") from err
        except aiohttp.InvalidURL as err:
            raise ConnectError(f"invalid URL for {where}") from err
        except (aiohttp.ClientResponseError, HttpProcessingError, asyncio.LimitOverrunError,
                ValueError) as err:
            raise ProtocolError(f"{where} sent a malformed answer ({type(err).__name__})") from err
        except (aiohttp.ClientError, OSError, EOFError) as err:
            # ClientPayloadError, ServerDisconnectedError, ClientConnectionResetError,
            # asyncio.IncompleteReadError (an EOFError): the connection was cut.
            raise ConnectError(f"cannot reach {where} ({type(err).__name__})") from err
        except RuntimeError as err:
            # Home Assistant closes the shared session on shutdown while a refresh
            # may still be reading: that is "unreachable", not a crash.
            if not self.session.closed:
                raise
            raise ConnectError("the HTTP session is closed") from err

    # -- HTTP authentication ------------------------------------------------------

    @staticmethod
    def _digest_for(challenge: Challenge, credentials: Credentials) -> DigestAuth | None:
        if not answerable(challenge):  # e.g. an algorithm we do not speak: no Digest
            return None
        return DigestAuth(challenge, credentials.username, credentials.password)

    def _authorization(self, method: str, url: URL) -> str | None:
        """The preemptive ``Authorization`` value for a request, if any."""
        if self.credentials is None:
            return None
        if self._digest is not None:
            return self._digest.header(method, url.raw_path_qs)
        if self.auth_mode == "basic":
            creds = self.credentials
            return aiohttp.BasicAuth(creds.username, creds.password, "utf-8").encode()
        return None

    def _remember(self, status: int, headers: Mapping[str, str]) -> None:
        if status == 401 and (challenge := _digest_challenge(headers)) is not None:
            self._challenge = challenge

    def _answer(
        self, status: int, headers: Mapping[str, str], sent: str | None, method: str, url: URL
    ) -> str | None:
        """The ``Authorization`` for the one retry a 401 deserves; None = no retry.

        A Digest we signed with the very nonce the server challenges again (and not
        ``stale``) means the password is wrong: retrying would only add a failed
        login on a device that may lock the account.
        """
        if status != 401 or self.credentials is None:
            return None
        challenge = _digest_challenge(headers)
        if challenge is None:
            return None  # Basic was refused, or a scheme we do not answer
        previous = self._digest
        if (
            previous is not None
            and sent is not None
            and sent.startswith("Digest ")
            and challenge.params.get("nonce", "") == previous.nonce
            and challenge.params.get("stale", "").lower() != "true"
        ):
            return None
        self._digest = self._digest_for(challenge, self.credentials)
        if self._digest is None:
            return None
        return self._digest.header(method, url.raw_path_qs)


def _digest_challenge(headers: Mapping[str, str]) -> Challenge | None:
    """The Digest challenge to answer among all offered (several headers, or several
    challenges in one), preferring the strongest algorithm; None when none fits."""
    values = (
        headers.getall("WWW-Authenticate", [])
        if isinstance(headers, CIMultiDictProxy)
        else [headers.get("WWW-Authenticate", "")]
    )
    return best_digest(c for value in values for c in parse_challenges(value))


def _uncompressed(headers: Mapping[str, str] | None) -> dict[str, str]:
    """``headers`` asking for an uncompressed answer (the caller cannot override it)."""
    merged = {k: v for k, v in (headers or {}).items() if k.lower() != "accept-encoding"}
    merged["Accept-Encoding"] = "identity"
    return merged


def _content_encoding(headers: Mapping[str, str]) -> str:
    return headers.get("Content-Encoding", "").strip().lower()


def _with_auth(headers: Mapping[str, str] | None, authorization: str | None) -> dict[str, str]:
    merged = dict(headers or {})
    if authorization is not None:
        merged["Authorization"] = authorization
    return merged


async def _read_capped(resp: aiohttp.ClientResponse, limit: int, shown: str) -> bytes:
    """Read the body in chunks; close the connection as soon as it exceeds ``limit``.

    The cap holds for the bytes received and, for a compressed answer, for the
    bytes it inflates to, which are never produced past ``limit``.
    """
    declared = resp.content_length
    if declared is not None and declared > limit:
        resp.close()
        raise ProtocolError(f"response of {shown} is {declared} bytes, over {limit}")
    try:
        inflate = _Inflater(_content_encoding(resp.headers), limit)
        chunks: list[bytes] = []
        received = 0
        while chunk := await resp.content.read(_CHUNK):
            received += len(chunk)
            if received > limit:
                raise _TooLarge
            if inflate.active:
                chunks += inflate.feed(chunk)
            else:
                chunks.append(chunk)
        inflate.finish()
    except _TooLarge:
        # Closing (not releasing) drops the socket instead of draining an endless body.
        resp.close()
        raise ProtocolError(f"response of {shown} exceeds {limit} bytes") from None
    except ProtocolError as err:
        resp.close()
        raise ProtocolError(f"response of {shown}: {err}") from None
    return b"".join(chunks)


class _TooLarge(Exception):
    """Internal: a body went over its cap."""


class _Inflater:
    """Inflates a gzip/deflate body without ever producing more than ``limit`` bytes."""

    def __init__(self, encoding: str, limit: int) -> None:
        if encoding not in (*_IDENTITY, "gzip", "x-gzip", "deflate"):
            raise ProtocolError(f"unsupported Content-Encoding {encoding[:32]!r}")
        self.active = encoding not in _IDENTITY
        self._encoding = encoding
        self._room = limit
        self._zlib: Any = None

    def feed(self, chunk: bytes) -> list[bytes]:
        """The inflated pieces of ``chunk``, produced a little at a time, so that
        memory never exceeds the cap by more than one piece."""
        if self._zlib is None:
            self._zlib = zlib.decompressobj(self._wbits(chunk))
        pieces: list[bytes] = []
        data = chunk
        while True:
            try:
                out: bytes = self._zlib.decompress(data, _CHUNK)
            except zlib.error as err:
                raise ProtocolError(f"corrupt {self._encoding} body") from err
            self._room -= len(out)
            if self._room < 0:
                raise _TooLarge
            pieces.append(out)
            data = self._zlib.unconsumed_tail
            # A full piece may leave output pending inside zlib even without input.
            if not data and len(out) < _CHUNK:
                return pieces

    def finish(self) -> None:
        # An empty body (a 401, a 204) is fine; a stream that stops midway is not.
        if self._zlib is not None and not self._zlib.eof:
            raise ProtocolError(f"truncated {self._encoding} body")

    def _wbits(self, first: bytes) -> int:
        if self._encoding != "deflate":
            return 16 + zlib.MAX_WBITS  # gzip header and trailer
        # RFC 9110 says zlib-wrapped; some servers send a raw deflate stream instead.
        return zlib.MAX_WBITS if first[0] & 0x0F == 8 else -zlib.MAX_WBITS
