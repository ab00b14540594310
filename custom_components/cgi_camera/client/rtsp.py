"""A minimal RTSP client: ``DESCRIBE`` a URL to learn whether a stream exists.

Used before offering a stream URL to Home Assistant, because most of these dialects
do not document their live paths and a wrong guess shows a broken player.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from enum import Enum
import logging
from urllib.parse import quote, urlsplit, urlunsplit

from .digest import DigestAuth, parse_challenge
from .errors import AuthError, ConnectError, ProtocolError, Timeout
from .transport import redact_url

_LOGGER = logging.getLogger(__name__)
_MAX_HEADER = 64 * 1024


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


async def describe(url: str, username: str, password: str, *, timeout: float = 5.0) -> bool:
    """True when ``url`` answers DESCRIBE with 200, False for 404 and friends.

    Raises :class:`AuthError` when the credentials are refused, and
    :class:`ConnectError` / :class:`Timeout` when nothing usable answers.
    """
    found, _challenged = await _timed(url, username, password, timeout)
    return found


async def probe_login(
    url: str, username: str, password: str, *, timeout: float = 5.0
) -> LoginProbe:
    """Whether the RTSP server at ``url`` checks the password, and accepts ours.

    One DESCRIBE (two when challenged): a refusal raises :class:`AuthError` and is
    the single failed login this costs. :class:`ConnectError`/:class:`Timeout` as
    for :func:`describe`.
    """
    found, challenged = await _timed(url, username, password, timeout)
    if not found:
        return LoginProbe.MISSING
    return LoginProbe.VERIFIED if challenged else LoginProbe.OPEN


async def _timed(url: str, username: str, password: str, timeout: float) -> tuple[bool, bool]:
    try:
        return await asyncio.wait_for(_describe(url, username, password), timeout)
    except TimeoutError as err:
        raise Timeout(f"RTSP {redact_url(url)} did not answer in time") from err


async def _describe(url: str, username: str, password: str) -> tuple[bool, bool]:
    """(found, challenged): a 200, and whether a 401 challenge came before it."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or 554
    clean = urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError as err:
        raise ConnectError(f"RTSP {redact_url(clean)}: {type(err).__name__}") from err
    try:
        status, headers = await _exchange(reader, writer, clean, 1, None)
        challenged = status == 401
        if status == 401 and username:
            authorization = _authorization(headers, username, password, clean)
            status, headers = await _exchange(reader, writer, clean, 2, authorization)
        if status == 401:
            raise AuthError(f"RTSP {redact_url(clean)} refused the credentials")
        _LOGGER.debug("RTSP DESCRIBE %s -> %s", redact_url(clean), status)
        return status == 200, challenged
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


def _authorization(headers: dict[str, list[str]], username: str, password: str, url: str) -> str:
    challenges = [parse_challenge(v) for v in headers.get("www-authenticate", [])]
    for challenge in challenges:
        if challenge.scheme == "digest":
            return DigestAuth(challenge, username, password).header("DESCRIBE", url)
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return f"Basic {token}"


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
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    await writer.drain()
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError) as err:
        raise ConnectError(f"RTSP {redact_url(url)} closed the connection") from err
    if len(raw) > _MAX_HEADER:
        raise ProtocolError("RTSP header too large")
    head = raw.decode("latin-1").split("\r\n")
    status_parts = head[0].split(" ", 2)
    if len(status_parts) < 2 or not status_parts[0].startswith("RTSP/"):
        raise ProtocolError(f"not an RTSP server at {redact_url(url)}")
    headers: dict[str, list[str]] = {}
    for line in head[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers.setdefault(name.strip().lower(), []).append(value.strip())
    length = int(headers.get("content-length", ["0"])[0] or 0)
    if 0 < length <= _MAX_HEADER:
        await reader.readexactly(length)
    return int(status_parts[1]), headers
