"""A minimal RTSP client: ``DESCRIBE`` a URL to learn whether a stream exists.

Used before offering a stream URL to Home Assistant, because most of these dialects
do not document their live paths and a wrong guess shows a broken player.

``rtsps://`` goes over TLS (default port 322). The login answers Digest whenever
the server offers it, and Basic only when the server offers no Digest at all or the
connection is encrypted: over plain RTSP a Basic-only server gets Basic, because the
player Home Assistant starts with the same URL would send exactly that anyway.
Everything the server sends is parsed defensively: bad input is a
:class:`ProtocolError`, never a ``ValueError``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from dataclasses import dataclass
from enum import Enum
import functools
import logging
import re
import ssl
from urllib.parse import SplitResult, quote, urlsplit, urlunsplit

from .digest import Challenge, DigestAuth, best_digest, parse_challenges
from .errors import AuthError, ConnectError, ProtocolError, SSLVerifyError, Timeout
from .transport import redact_url

_LOGGER = logging.getLogger(__name__)
_MAX_HEADER = 64 * 1024  # the whole status line and header block
_MAX_HEADERS = 64  # header lines; a real server sends about ten
_MAX_BODY = 64 * 1024  # an SDP is a few hundred bytes
_DEFAULT_PORTS = {"rtsp": 554, "rtsps": 322}
_STATUS_RE = re.compile(r"RTSP/\d\.\d (\d{3})(?: .*)?")
_LENGTH_RE = re.compile(r"[0-9]{1,9}")


class UnsupportedAuth(ProtocolError):
    """The RTSP server asks for a login we cannot (or will not) send.

    A protocol problem, not a wrong password: e.g. Digest with an algorithm we do
    not speak, or a 401 naming no scheme at all.
    """


def with_credentials(url: str, username: str, password: str) -> str:
    """``rtsp://host/p`` -> ``rtsp://user:pass@host/p`` with both parts percent-encoded."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    if not username:
        return urlunsplit(parts._replace(netloc=host))
    userinfo = f"{quote(username, safe='')}:{quote(password, safe='')}"
    return urlunsplit(parts._replace(netloc=f"{userinfo}@{host}"))


class LoginProbe(Enum):
    """What a DESCRIBE with credentials tells about the password."""

    VERIFIED = "verified"  # the server asked for a login and accepted ours
    OPEN = "open"  # the server answered without asking for any login
    MISSING = "missing"  # no stream at this path (404 and friends): nothing learned


async def describe(
    url: str, username: str, password: str, *, timeout: float = 5.0, verify_ssl: bool = True
) -> bool:
    """True when ``url`` answers DESCRIBE with 200, False for 404 and friends.

    Raises :class:`AuthError` when the credentials are refused,
    :class:`UnsupportedAuth` (a :class:`ProtocolError`) when the server asks for a
    login we cannot send, and :class:`ConnectError` / :class:`Timeout` when
    nothing usable answers. ``verify_ssl`` applies to ``rtsps://`` URLs.
    """
    status, _challenged = await _timed(url, username, password, timeout, verify_ssl)
    return status == 200


async def probe_login(
    url: str, username: str, password: str, *, timeout: float = 5.0, verify_ssl: bool = True
) -> LoginProbe:
    """Whether the RTSP server at ``url`` checks the password, and accepts ours.

    One DESCRIBE (two when challenged): a refusal raises :class:`AuthError` and is
    the single failed login this costs. Once our login was sent, the answer decides
    (the caller must not try another URL): 401/403 refuse it, 200/404 let it past
    (404: no stream behind a login that passed), anything else is a
    :class:`ProtocolError`. Other errors as for :func:`describe`.
    """
    status, challenged = await _timed(url, username, password, timeout, verify_ssl)
    if not challenged:
        return LoginProbe.OPEN if status == 200 else LoginProbe.MISSING
    if status == 403:  # some servers refuse a wrong login with 403 rather than 401
        raise AuthError(f"RTSP {redact_url(url)} refused the credentials (403)")
    if status in (200, 404):
        return LoginProbe.VERIFIED
    raise ProtocolError(f"RTSP {redact_url(url)} answered {status} to the login")


async def _timed(
    url: str, username: str, password: str, timeout: float, verify_ssl: bool
) -> tuple[int, bool]:
    try:
        return await asyncio.wait_for(_describe(url, username, password, verify_ssl), timeout)
    except TimeoutError as err:
        raise Timeout(f"RTSP {redact_url(url)} did not answer in time") from err


@dataclass(frozen=True, slots=True)
class _Target:
    host: str
    port: int
    tls: bool
    url: str  # without credentials


def _target(url: str) -> _Target:
    """Where ``url`` points; :class:`ConnectError` for a URL that points nowhere."""
    try:
        parts: SplitResult = urlsplit(url)
        port = parts.port
    except ValueError as err:  # e.g. a port out of range
        raise ConnectError(f"invalid RTSP URL {redact_url(url)}") from err
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ConnectError(f"not an RTSP URL: {redact_url(url)}")
    clean = urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    return _Target(parts.hostname, port or _DEFAULT_PORTS[scheme], scheme == "rtsps", clean)


@functools.cache
def _tls_context(verify: bool) -> ssl.SSLContext:
    # Loading the CA store reads files: built once, off the event loop (see _open).
    context = ssl.create_default_context()
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


async def _open(
    target: _Target, verify_ssl: bool
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    shown = redact_url(target.url)
    context = None
    if target.tls:
        context = await asyncio.get_running_loop().run_in_executor(
            None, _tls_context, verify_ssl
        )
    try:
        return await asyncio.open_connection(
            target.host, target.port, ssl=context, limit=_MAX_HEADER
        )
    except ssl.SSLCertVerificationError as err:
        raise SSLVerifyError(f"RTSP {shown}: TLS certificate failed verification") from err
    except ssl.SSLError as err:
        raise ConnectError(f"RTSP {shown}: TLS error ({err.reason})") from err
    except OSError as err:
        raise ConnectError(f"RTSP {shown}: {type(err).__name__}") from err


async def _describe(
    url: str, username: str, password: str, verify_ssl: bool
) -> tuple[int, bool]:
    """(status, challenged): the last status, and whether a 401 challenge came first."""
    target = _target(url)
    reader, writer = await _open(target, verify_ssl)
    try:
        status, headers = await _exchange(reader, writer, target.url, 1, None)
        challenged = status == 401
        if status == 401 and username:
            authorization = _authorization(headers, username, password, target)
            status, headers = await _exchange(reader, writer, target.url, 2, authorization)
        if status == 401:
            raise AuthError(f"RTSP {redact_url(target.url)} refused the credentials")
        _LOGGER.debug("RTSP DESCRIBE %s -> %s", redact_url(target.url), status)
        return status, challenged
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


def _authorization(
    headers: dict[str, list[str]], username: str, password: str, target: _Target
) -> str:
    """Answer the strongest challenge we can; never Basic in clear to a Digest server."""
    challenges: list[Challenge] = [
        c for value in headers.get("www-authenticate", []) for c in parse_challenges(value)
    ]
    digest = best_digest(challenges)
    if digest is not None:
        return DigestAuth(digest, username, password).header("DESCRIBE", target.url)
    offers_digest = any(c.scheme == "digest" for c in challenges)
    if any(c.scheme == "basic" for c in challenges) and (target.tls or not offers_digest):
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        return f"Basic {token}"
    shown = redact_url(target.url)
    if offers_digest:
        raise UnsupportedAuth(
            f"RTSP {shown} asks for a Digest login this integration cannot answer "
            "(unsupported algorithm or no nonce)"
        )
    raise UnsupportedAuth(f"RTSP {shown} asks for a login without a scheme we speak")


async def _exchange(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    url: str,
    cseq: int,
    authorization: str | None,
) -> tuple[int, dict[str, list[str]]]:
    lines = [f"DESCRIBE {url} RTSP/1.0", f"CSeq: {cseq}", "Accept: application/sdp",
             "User-Agent: cgi_camera"]
    if authorization:
        lines.append(f"Authorization: {authorization}")
    shown = redact_url(url)
    try:
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await writer.drain()
        raw = await reader.readuntil(b"\r\n\r\n")
    except asyncio.LimitOverrunError as err:
        raise ProtocolError(f"RTSP {shown}: header over {_MAX_HEADER} bytes") from err
    except (asyncio.IncompleteReadError, OSError) as err:
        raise ConnectError(f"RTSP {shown} closed the connection") from err
    status, headers = _parse_head(raw, shown)
    length = _content_length(headers, shown)
    if length:
        try:
            await reader.readexactly(length)  # so a second request starts clean
        except (asyncio.IncompleteReadError, OSError) as err:
            raise ConnectError(f"RTSP {shown} closed the connection") from err
    return status, headers


def _parse_head(raw: bytes, shown: str) -> tuple[int, dict[str, list[str]]]:
    """Status code and headers (lower-case names) of one answer."""
    head = raw.decode("latin-1").split("\r\n")
    match = _STATUS_RE.fullmatch(head[0])
    if match is None:
        raise ProtocolError(f"not an RTSP answer from {shown}")
    lines = [line for line in head[1:] if line]
    if len(lines) > _MAX_HEADERS:
        raise ProtocolError(f"RTSP {shown} sent {len(lines)} header lines")
    headers: dict[str, list[str]] = {}
    for line in lines:
        name, sep, value = line.partition(":")
        if sep:
            headers.setdefault(name.strip().lower(), []).append(value.strip())
    return int(match.group(1)), headers


def _content_length(headers: dict[str, list[str]], shown: str) -> int:
    values = set(headers.get("content-length", []))
    if not values:
        return 0
    value = values.pop()
    if values or not _LENGTH_RE.fullmatch(value):
        raise ProtocolError(f"RTSP {shown}: bad Content-Length")
    length = int(value)
    if length > _MAX_BODY:
        raise ProtocolError(f"RTSP {shown}: body of {length} bytes, over {_MAX_BODY}")
    return length
