"""Find out which dialect a host speaks, then log in exactly once.

Every dialect's fingerprint runs first and none of them sends credentials. The
first sure one wins, so they are asked in the order of their ``fingerprint_rank``:
one request each that usually settles it (uid_xml, cgi_action) before the ones
whose hosts often answer only "log in first" (param_cgi, cgi_message); a probe that
would need a second request (cgi_action's POST form) waits for a second round, which
only a host nothing else recognised gets. On a camera that answers one request at a
time in a few hundred milliseconds each request is felt: most cameras are known after
one or two. Otherwise the dialects that could not tell without a login ("maybe": the
host answers HTTP 401) are tried in the dialects' order, until one fits or the host
refuses a login. A wrong password therefore costs one failed login on the device
(param_cgi devices lock the account after five).

A host no fingerprint recognised is not trusted with more than HTTP
authentication: while guessing, :attr:`Transport.identified` is False, so no
dialect puts the password in a query string (where it would land in the host's
access log), and the login is Digest when the host's 401 offered Digest.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import logging

import aiohttp

from .camera import Camera, Fingerprint
from .dialects import BY_NAME, DIALECTS
from .errors import AuthError, CameraError, ConnectError, UnsupportedDevice
from .transport import DEFAULT_TIMEOUT, DETECT_TIMEOUT, Credentials, Transport

_LOGGER = logging.getLogger(__name__)


async def detect(
    session: aiohttp.ClientSession,
    host: str,
    port: int,
    credentials: Credentials,
    *,
    https: bool = False,
    verify_ssl: bool = True,
    identify_only: bool = False,
) -> Camera:
    """Identify the dialect of ``host`` and return the connected camera.

    Raises :class:`ConnectError`/:class:`Timeout` when nothing answers,
    :class:`UnsupportedDevice` when HTTP answers but no dialect recognises it, and
    :class:`AuthError` when the dialect is known but the credentials are refused.
    ``verify_ssl`` is what the session does with certificates; the camera's
    ``rtsps://`` checks follow it; ``identify_only`` as for :meth:`Camera.connect`.
    """
    transport = Transport(
        session, host, port, https=https, timeout=DETECT_TIMEOUT, verify_ssl=verify_ssl
    )
    reached = False

    async def ask(cls: type[Camera],
                  probe: Callable[[Transport], Awaitable[Fingerprint]]) -> Fingerprint:
        nonlocal reached
        try:
            verdict = await probe(transport)
        except ConnectError:
            if not reached:
                raise  # the host itself is unreachable: no point asking further
            _LOGGER.debug("%s fingerprint of %s:%s failed to connect", cls.dialect, host, port)
            return Fingerprint.NO
        except CameraError as err:
            reached = True
            _LOGGER.debug("%s fingerprint of %s:%s: %s", cls.dialect, host, port, err)
            return Fingerprint.NO
        reached = True
        return verdict

    maybe: list[type[Camera]] = []
    later: list[type[Camera]] = []
    for cls in sorted(DIALECTS, key=lambda known: known.fingerprint_rank):
        verdict = await ask(cls, cls.quick_fingerprint)
        if verdict is Fingerprint.YES:
            _LOGGER.debug("%s:%s speaks %s", host, port, cls.dialect)
            return await _connect(cls, transport, credentials, identify_only)
        if verdict is Fingerprint.MAYBE:
            maybe.append(cls)
        elif verdict is Fingerprint.LATER:
            later.append(cls)
    if not maybe:
        # The second round is for hosts nothing recognised: one that asked for a
        # login on another dialect's path has that path.
        for cls in later:
            if await ask(cls, cls.late_fingerprint) is Fingerprint.YES:
                _LOGGER.debug("%s:%s speaks %s", host, port, cls.dialect)
                return await _connect(cls, transport, credentials, identify_only)
    # Guessing from here on: HTTP authentication only, never query-string credentials.
    transport.identified = False
    for cls in sorted(maybe, key=DIALECTS.index):
        _LOGGER.debug("%s:%s may speak %s; trying one login", host, port, cls.dialect)
        try:
            camera = await _connect(cls, transport, credentials, identify_only)
        except (AuthError, ConnectError):
            # A refused login is the answer (a second dialect would only add a failed
            # login); a host that stops answering has nothing more to say.
            raise
        except CameraError as err:
            _LOGGER.debug("%s login on %s:%s did not fit: %s", cls.dialect, host, port, err)
            continue
        transport.identified = True  # it accepted the dialect's login: no longer a guess
        return camera
    raise UnsupportedDevice(f"{host}:{port} speaks none of the known camera dialects")


async def _connect(
    cls: type[Camera], transport: Transport, credentials: Credentials, identify_only: bool
) -> Camera:
    camera = await cls.connect(transport, credentials, identify_only=identify_only)
    transport.timeout = DEFAULT_TIMEOUT
    return camera


async def connect(
    session: aiohttp.ClientSession,
    dialect: str,
    host: str,
    port: int,
    credentials: Credentials,
    *,
    https: bool = False,
    auth_hint: str | None = None,
    rtsp_port: int | None = None,
    verify_ssl: bool = True,
    identify_only: bool = False,
) -> Camera:
    """Connect to a camera whose dialect is already known (set-up after the flow).

    ``auth_hint`` is the :attr:`Camera.auth_scheme` of an earlier connection, so a
    Digest-only camera is never sent Basic; ``rtsp_port`` is where the RTSP server
    that may check the password listens (see :meth:`Camera.verify_login`);
    ``verify_ssl`` and ``identify_only`` as for :func:`detect`.
    """
    cls = BY_NAME.get(dialect)
    if cls is None:
        raise UnsupportedDevice(f"unknown dialect {dialect!r}")
    transport = Transport(
        session, host, port, https=https, timeout=DEFAULT_TIMEOUT, verify_ssl=verify_ssl
    )
    return await cls.connect(transport, credentials, auth_hint=auth_hint, rtsp_port=rtsp_port,
                             identify_only=identify_only)
