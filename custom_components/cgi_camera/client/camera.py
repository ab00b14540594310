"""The camera every dialect implements, and what they share."""

from __future__ import annotations

from abc import ABC, abstractmethod
import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
import dataclasses
from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import Enum
import functools
import logging
from typing import Any, ClassVar, Concatenate, Self

import aiohttp
from yarl import URL

from . import rtsp
from .clock import DeviceZone
from .contract import (
    AlarmPoll,
    AlarmPush,
    Channels,
    Clock,
    PtzControl,
    PtzRoutines,
    Recordings,
    violations,
)
from .errors import AuthError, CameraError, NotSupported, ProtocolError
from .latch import LoginLatch
from .models import (
    Action,
    AlarmEvent,
    AlarmSource,
    Capabilities,
    DeviceInfo,
    Heartbeat,
    PresetOp,
    PtzMove,
    Recording,
    SettingKey,
    State,
    StreamKind,
)
from .tables import Table
from .transport import SNAPSHOT_LIMIT, Credentials, Transport

_LOGGER = logging.getLogger(__name__)

JPEG_MAGIC = b"\xff\xd8"


class Fingerprint(Enum):
    """What a dialect's fingerprint concluded about a host."""

    NO = 0  # certainly another kind of server
    MAYBE = 1  # it could be, but the host wants a login before it says more
    YES = 2  # certainly this dialect
    # Only from quick_fingerprint: the first probe could not tell, a second one might
    # (asked when no other dialect claimed the host).
    LATER = 3


def _latching[S: Camera, **P, R](
    method: Callable[Concatenate[S, P], Awaitable[R]],
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, R]]:
    """A public call whose refused login trips the camera's latch (see latch.py)."""

    @functools.wraps(method)
    async def latched(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await method(self, *args, **kwargs)
        except AuthError as err:
            self.latch.trip(str(err))
            raise

    return latched


class Camera(ABC):
    """One connected camera.

    Created by :meth:`connect` (or :func:`..detect`), which logs in exactly once and
    discovers identity, capabilities and the first state. Afterwards the owner calls
    :meth:`read_state` periodically and the action methods on demand.
    """

    dialect: ClassVar[str]
    # What a person may call a camera of this dialect that names itself nothing better
    # (a neutral description of its API, never a brand): "<family> <host>".
    family: ClassVar[str]
    default_rtsp_port: ClassVar[int] = 554
    # The dialect's settings (its tables on its wire), set up in its __init__.
    _table: Table[Any]

    def __init__(
        self, transport: Transport, credentials: Credentials, *, auth_hint: str | None = None
    ) -> None:
        self.transport = transport
        self.credentials = credentials
        # How this device authenticated last time (:attr:`auth_scheme` of an earlier
        # connection, kept by the owner): a dialect starts with it instead of trying.
        self.auth_hint = auth_hint
        # Whether something on the device checked the password and accepted it. A
        # dialect whose login path would have accepted any password (a request that
        # works without credentials) sets this False in :meth:`login`; then
        # :meth:`verify_login` asks the device's other services.
        self.login_verified = True
        self.info = DeviceInfo(dialect=self.dialect)
        self.capabilities = Capabilities()
        # Discovery's read, handed to the first read_state() (no second round trip).
        self._handover: State | None = None
        # identify() ran / discover() completed (connect does both, or only the first).
        self._identified = False
        self._discovered = False
        # Once the device refused our login, nothing is sent again, by any channel
        # (settings, alarm poll, alarm stream, ONVIF: the owner hands it the latch):
        # each would otherwise spend a failed login, and some devices lock the account
        # after five. The transport checks it before every request.
        self.latch = LoginLatch()
        transport.latch = self.latch
        # Zone of a clock the device keeps as bare local time (param_cgi): the
        # owner sets the zone its user lives in; reading and syncing use it.
        self.time_zone: tzinfo = UTC
        # The device's own UTC offset as its last clock or configuration read said
        # (set by the dialect that read it); None while it has not said. See zone.
        self._utc_offset: timedelta | None = None
        self._rtsp_refusal_logged = False
        # Stream URLs the device reports through another service (ONVIF), tried first.
        self.preferred_rtsp: dict[StreamKind, str] = {}
        # Presets listed by another service: number -> its token, and how to go there.
        self._preset_tokens: dict[int, str] = {}
        self._preset_goto: Callable[[str], Awaitable[None]] | None = None
        self._snapshots: dict[tuple[StreamKind, str | None, int], asyncio.Future[bytes]] = {}

    @property
    def auth_refused(self) -> str | None:
        """Why the device refused our login (the latch); None while it did not."""
        return self.latch.refused

    def _refused(self, why: str, kind: type[AuthError] = AuthError) -> AuthError:
        """Latch a refused login and return the error to raise."""
        self.latch.trip(why)
        return kind(why)

    def _check_refused(self) -> None:
        self.latch.check()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.transport.host}:{self.transport.port}>"

    # -- detection and set-up -------------------------------------------------

    @classmethod
    @abstractmethod
    async def fingerprint(cls, transport: Transport) -> Fingerprint:
        """Whether the host speaks this dialect. Must not attempt a login."""

    # Where detection asks this dialect's quick fingerprint (lowest first): the ones
    # whose single request usually gives a sure answer first, the ones whose hosts
    # often only ask for a login (HTTP 401: "maybe") last.
    fingerprint_rank: ClassVar[int] = 100

    @classmethod
    async def quick_fingerprint(cls, transport: Transport) -> Fingerprint:
        """Detection's first round: :meth:`fingerprint` in one request at most, or
        :attr:`Fingerprint.LATER` where a second request would be needed (then
        :meth:`late_fingerprint` is asked, if no other dialect claims the host)."""
        return await cls.fingerprint(transport)

    @classmethod
    async def late_fingerprint(cls, transport: Transport) -> Fingerprint:
        """The second request a LATER from :meth:`quick_fingerprint` put off: YES or
        NO (a host that only asks for a login is told apart in the first round)."""
        return Fingerprint.NO

    @classmethod
    async def connect(
        cls,
        transport: Transport,
        credentials: Credentials,
        *,
        auth_hint: str | None = None,
        rtsp_port: int | None = None,
        identify_only: bool = False,
    ) -> Self:
        """Log in once, then discover the device. Never retries a failed login.

        ``identify_only``: stop after the identity (a config flow, which needs no
        more); whoever keeps the camera calls :meth:`discover` for the rest.

        When the login did not prove the password (:attr:`login_verified`), the
        device's RTSP server is asked to check it; a refusal there raises
        :class:`AuthError` like a refused login.
        """
        camera = cls(transport, credentials, auth_hint=auth_hint)
        await camera.login()
        if identify_only:
            await camera.identify()
        # A dialect only guessed (detection's last round) proves itself by an identity
        # in its own format, else by its whole discovery (one that does not fit fails
        # there, and the next one is tried).
        if not identify_only or (not transport.identified and camera.info.unique_id is None):
            await camera.discover()
        if not camera.login_verified:
            await camera.verify_login(rtsp_port)
        return camera

    @property
    def auth_scheme(self) -> str | None:
        """How the device authenticated this time, for :attr:`auth_hint` next time.

        The default reports the transport's HTTP scheme (``basic``/``digest``);
        dialects with their own login mechanisms override it.
        """
        return self.transport.auth_scheme

    async def verify_login(self, rtsp_port: int | None = None) -> None:
        """Prove the password against the device's RTSP server.

        At most one refusal: the first server that refuses ends it with
        :class:`AuthError`. A server that answers without asking for a login proves
        nothing; :attr:`login_verified` then stays False and the owner tells the
        user that the device takes commands without a password.
        """
        self._check_refused()
        port = rtsp_port or self.default_rtsp_port
        candidates = self.rtsp_candidates(StreamKind.MAIN, port) + self.rtsp_candidates(
            StreamKind.SUB, port
        )
        user, password = self.credentials.username, self.credentials.password
        for url in dict.fromkeys(candidates):
            try:
                probe = await rtsp.probe_login(
                    url, user, password, verify_ssl=self.transport.verify_ssl
                )
            except AuthError as err:
                raise self._refused(f"the RTSP server refused the login: {err}") from err
            except CameraError as err:
                _LOGGER.debug("Password check of %s over RTSP failed: %s", self, err)
                return  # no RTSP server to ask: unverified
            if probe is rtsp.LoginProbe.VERIFIED:
                _LOGGER.debug("The RTSP server of %s checked the password", self)
                self.login_verified = True
                return
            if probe is rtsp.LoginProbe.OPEN:
                _LOGGER.debug("The RTSP server of %s asks for no password", self)
                return

    async def login(self) -> None:
        """Authenticate once (:meth:`_login`); raise :class:`AuthError` when refused.

        The latch: a refused login is never retried, by this call or any other loop
        (settings, alarm poll, alarm stream): some devices lock the account after
        five failures. Every AuthError out of a login latches.
        """
        self._check_refused()
        try:
            await self._login()
        except AuthError as err:
            self.latch.trip(str(err))
            raise

    @abstractmethod
    async def _login(self) -> None:
        """The dialect's login. Set :attr:`login_verified` False when it would have
        accepted any password (then :meth:`verify_login` asks the RTSP server)."""

    @_latching
    async def identify(self) -> None:
        """Find out the identity (:meth:`_identify`) and what :meth:`verify_login`
        needs; nothing else. Once: :meth:`discover` does not ask again."""
        if not self._identified:
            await self._identify()
            self._identified = True

    async def _identify(self) -> None:  # noqa: B027 - optional hook
        """Fill :attr:`info` (default: :meth:`_discover` does it with the rest)."""

    @_latching
    async def discover(self) -> None:
        """Find out identity and capabilities (:meth:`_discover`), then read every setting.

        The capability flags found must be ones the class implements (contract.py).
        """
        await self.identify()
        await self._discover()
        broken = violations(self, self.capabilities)
        if broken:
            raise TypeError("; ".join(broken))
        self._handover = await self._table.read()
        self._discovered = True

    @property
    def discovered(self) -> bool:
        """:meth:`discover` completed (a config flow's camera is only identified)."""
        return self._discovered

    @abstractmethod
    async def _discover(self) -> None:
        """Fill :attr:`capabilities` and the setting table (and :attr:`info`, unless
        :meth:`_identify` did)."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release what the session holds on the device (default: nothing)."""

    async def housekeeping(self) -> None:  # noqa: B027 - optional hook
        """Called every few seconds by the owner: keep sessions alive and the like.

        Must be cheap when there is nothing to do; the default does nothing.
        """

    # -- capability gates: the flag found at set-up, and the class's interface ----

    @_latching
    async def list_recordings(self, day: date) -> list[Recording]:
        """The files recorded on ``day`` (the device's own calendar day), oldest first."""
        if not isinstance(self, Recordings) or not self.capabilities.recordings:
            raise NotSupported("this device lists no recordings")
        return await self._list_recordings(day)

    @_latching
    async def open_recording(
        self, path: str, headers: Mapping[str, str] | None = None
    ) -> aiohttp.ClientResponse:
        """Start downloading a file :meth:`list_recordings` named; the caller closes it.

        ``headers`` may carry a ``Range`` for seeking.
        """
        if not isinstance(self, Recordings) or not self.capabilities.recordings:
            raise NotSupported("this device serves no recordings")
        return await self._open_recording(path, headers)

    @property
    def zone(self) -> DeviceZone:
        """The zone the device's clock and calendar run in, as far as it said.

        Its own offset where its clock or configuration reads reported one (no
        request of its own: the last read's word); else :attr:`time_zone`, its
        owner's, marked as not reported.
        """
        if self._utc_offset is None:
            return DeviceZone(self.time_zone, reported=False)
        return DeviceZone.fixed(self._utc_offset)

    def today(self) -> date:
        """Today on the device's calendar (recordings are filed by it)."""
        return datetime.now(self.zone.tz).date()

    @_latching
    async def read_clock(self) -> datetime | None:
        """The device's clock as an aware time, or None where it cannot be read."""
        return await self._read_clock() if isinstance(self, Clock) else None

    # -- settings -------------------------------------------------------------

    @_latching
    async def read_state(self, *, reuse_discovery: bool = False, config_every: int = 1) -> State:
        """Every setting and value, in as few requests as possible.

        With ``reuse_discovery``, the read :meth:`discover` just made is handed over
        (once) instead of repeating it: the owner's first data costs no round trip.
        ``config_every`` > 1: the configuration groups (storage, network, versions,
        schedules, mounting) are asked only at every that many reads, each in its own
        turn, the control groups every time; the values not asked are the last ones read.
        """
        handed, self._handover = self._handover, None
        if reuse_discovery and handed is not None:
            return handed
        await self._refresh()
        return await self._table.read(config_every)

    async def _refresh(self) -> None:  # noqa: B027 - optional hook
        """Between two reads: re-ask what set-up could not decide (default: nothing)."""

    @_latching
    async def write(self, key: SettingKey, value: Any, *, channel: int | None = None) -> State:
        """Change one setting (of recorder ``channel``, or of the device when None).

        Returns what the write changed: the written key (``key``, or ``(key, channel)``)
        with its new value, and every partner value the same request changed.
        """
        changed = await self._write(key, value, channel)
        if self._handover is not None:
            self._handover.update(changed)
        return changed

    async def _write(self, key: SettingKey, value: Any, channel: int | None) -> State:
        """The table's read-modify-write; dialects with write-only settings add theirs."""
        return await self._table.write(key, value, channel)

    @_latching
    async def press(self, action: Action) -> None:
        """Run a one-shot action."""
        if action not in self.capabilities.actions:
            raise NotSupported(f"{action} is not supported by this device")
        await self._press(action)

    @abstractmethod
    async def _press(self, action: Action) -> None: ...

    # -- alarms -------------------------------------------------------------------

    @_latching
    async def poll_alarms(self) -> dict[AlarmSource, bool]:
        """The current state of every alarm source (missing sources are off)."""
        if not isinstance(self, AlarmPoll) or not self.capabilities.alarms:
            raise NotSupported("this device has no readable alarm state")
        return await self._poll_alarms()

    def alarm_stream(self, idle_timeout: float) -> AsyncIterator[AlarmEvent | Heartbeat]:
        """Alarm events pushed by the device, as they happen.

        Yields a :class:`Heartbeat` once connected and on every keep-alive; raises a
        :class:`CameraError` when the stream drops, and :class:`Timeout` when nothing
        at all arrives for ``idle_timeout`` seconds.
        """
        if not isinstance(self, AlarmPush) or not self.capabilities.alarm_push:
            raise NotSupported("this device pushes no alarms")
        return self._latched_stream(self._alarm_stream(idle_timeout))

    async def _latched_stream(
        self, stream: AsyncIterator[AlarmEvent | Heartbeat]
    ) -> AsyncIterator[AlarmEvent | Heartbeat]:
        try:
            async for item in stream:
                yield item
        except AuthError as err:
            self.latch.trip(str(err))
            raise

    # -- PTZ --------------------------------------------------------------------

    @_latching
    async def ptz_move(self, move: PtzMove, speed: int = 50) -> None:
        """Start a continuous movement (speed 1-100) or stop."""
        ptz = self.capabilities.ptz
        if not isinstance(self, PtzControl) or ptz is None or move not in ptz.moves:
            raise NotSupported(f"PTZ {move} is not supported by this device")
        await self._ptz_move(move, ptz.native_speed(speed))

    @_latching
    async def ptz_preset(self, op: PresetOp, preset: int) -> None:
        """Go to, save or delete a preset."""
        ptz = self.capabilities.ptz
        if not isinstance(self, PtzControl) or ptz is None:
            raise NotSupported("this device has no PTZ")
        if not ptz.preset_min <= preset <= ptz.preset_max:
            raise NotSupported(f"preset {preset} is outside {ptz.preset_min}-{ptz.preset_max}")
        if op is PresetOp.GOTO and self._preset_goto is not None and preset in self._preset_tokens:
            await self._preset_goto(self._preset_tokens[preset])
            return
        await self._ptz_preset(op, preset)

    def adopt_presets(
        self, presets: Mapping[int, tuple[str, str]], goto: Callable[[str], Awaitable[None]]
    ) -> None:
        """Presets another service of the device lists (ONVIF), where the CGI cannot.

        ``presets`` maps the number shown to ``(token, name)``; going to one of them
        goes through ``goto(token)``. Saving and deleting stay with the dialect.
        """
        ptz = self.capabilities.ptz
        if ptz is None or not presets:
            return
        self._preset_tokens = {number: token for number, (token, _name) in presets.items()}
        self._preset_goto = goto
        self.capabilities.ptz = dataclasses.replace(
            ptz,
            presets={number: name for number, (_token, name) in presets.items()},
            preset_min=min(ptz.preset_min, *presets),
            preset_max=max(ptz.preset_max, *presets),
        )

    @_latching
    async def ptz_routine(self, key: str) -> None:
        """Run a stored tour, scan or pattern (keys from ``PtzCapabilities.routines``)."""
        ptz = self.capabilities.ptz
        if not isinstance(self, PtzRoutines) or ptz is None or key not in ptz.routines:
            raise NotSupported(f"no PTZ routine {key}")
        await self._ptz_routine(key)

    # -- media ----------------------------------------------------------------

    @abstractmethod
    async def _snapshot(self, stream: StreamKind) -> bytes: ...

    @_latching
    async def snapshot(
        self, stream: StreamKind = StreamKind.MAIN, url: str | None = None, channel: int = 1
    ) -> bytes:
        """A JPEG still image; from ``url`` when the user set one (signed like the
        camera's own requests, and only ever sent to the camera's host).

        Viewers asking at the same time share one request: ten dashboards must not
        queue ten captures behind the camera's two request slots (and the alarm poll).
        """
        key = (stream, url, channel)
        pending = self._snapshots.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._take_snapshot(stream, url, channel))
            self._snapshots[key] = pending
            pending.add_done_callback(lambda done: self._snapshot_done(key, done))
        # Shielded: one viewer giving up must not cancel the capture for the others.
        return await asyncio.shield(pending)

    def _snapshot_done(self, key: tuple[StreamKind, str | None, int], done: Any) -> None:
        self._snapshots.pop(key, None)
        if not done.cancelled():
            done.exception()  # retrieved here, so an unwatched failure is not "lost"

    async def _take_snapshot(self, stream: StreamKind, url: str | None, channel: int) -> bytes:
        if isinstance(self, Channels) and channel in self.capabilities.channels:
            image = await self._channel_snapshot(stream, channel)
        elif url:
            image = await self._snapshot_from_url(URL(url))
        else:
            image = await self._snapshot(stream)
        if not image.startswith(JPEG_MAGIC):
            raise ProtocolError("snapshot is not a JPEG image")
        return image

    async def _snapshot_from_url(self, url: URL) -> bytes:
        """The user's snapshot URL, signed with the login: only ever on this camera's host.

        Signed the way the transport signs everything (Digest once the camera asked
        for it, never Basic to a Digest camera); dialects whose login goes in the
        query string have no HTTP auth of their own, so Basic goes along.
        """
        if (url.host or "").lower() != self.transport.host.strip("[]").lower():
            raise ProtocolError("the snapshot URL is not on the camera's host: "
                                "the camera's login is not sent there")
        creds = self.credentials
        auth = (None if self.transport.auth_mode is not None
                else aiohttp.BasicAuth(creds.username, creds.password))
        resp = await self.transport.send("GET", url, limit=SNAPSHOT_LIMIT, auth=auth)
        if resp.status in (401, 403):
            raise AuthError(f"snapshot URL refused the credentials ({resp.status})")
        if resp.status != 200:
            raise ProtocolError(f"snapshot URL answered HTTP {resp.status}")
        return resp.body

    def mjpeg_url(self, stream: StreamKind) -> str | None:
        """An MJPEG (multipart JPEG) stream URL without credentials; None if none.

        Fetch it with :meth:`Transport.open_stream`, which signs it like every
        other request; shown when no RTSP stream answers.
        """
        return None

    def rtsp_candidates(self, stream: StreamKind, port: int) -> list[str]:
        """Possible RTSP URLs (without credentials), most likely first."""
        return []

    async def find_stream(
        self,
        stream: StreamKind,
        port: int | None = None,
        override: str | None = None,
        channel: int = 1,
    ) -> str | None:
        """The first RTSP URL that answers DESCRIBE, without credentials; None if none."""
        if self.auth_refused is not None:
            return None  # the login was refused elsewhere: no DESCRIBE carries it
        port = port or self.default_rtsp_port
        if override:
            candidates = [override]
        elif isinstance(self, Channels) and channel in self.capabilities.channels:
            candidates = self.channel_rtsp_candidates(stream, port, channel)
        else:
            # What the device itself says (ONVIF GetStreamUri) before our guesses.
            preferred = self.preferred_rtsp.get(stream)
            candidates = [*([preferred] if preferred else []),
                          *self.rtsp_candidates(stream, port)]
        for url in candidates:
            try:
                if await rtsp.describe(
                    url, self.credentials.username, self.credentials.password,
                    verify_ssl=self.transport.verify_ssl,
                ):
                    return url
            except AuthError:
                # Stream lookups are retried while none is found: say it once.
                log = _LOGGER.debug if self._rtsp_refusal_logged else _LOGGER.warning
                log("The RTSP server of %s refused the credentials", self)
                self._rtsp_refusal_logged = True
                return None
            except CameraError as err:
                _LOGGER.debug("RTSP candidate of %s failed: %s", self, err)
        return None

    def authenticated_url(self, url: str) -> str:
        """``url`` with this camera's credentials, percent-encoded (without them once
        the login was refused: a stream player must not retry the old password)."""
        if self.auth_refused is not None:
            return url
        return rtsp.with_credentials(url, self.credentials.username, self.credentials.password)
