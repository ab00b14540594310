"""What the integration uses ONVIF for, on a camera whose CGI it already speaks.

:meth:`OnvifSideChannel.open` finds the camera's ONVIF device service (no login
until one answers), logs in with the camera's clock offset, and checks that it is
the same device as the CGI one (MAC or serial); then the side channel offers the
three things the CGIs lack: stream URIs, presets with their names, and events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
import logging
import re
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from ..errors import CameraError, CommandError, NotSupported, ProtocolError
from ..latch import LoginLatch
from ..limits import MAX_PRESETS, cap
from ..models import AlarmKind, StreamKind
from ..transport import Credentials, Transport
from .client import OnvifClient
from .const import MEDIA, PTZ
from .discovery import USUAL_PORTS, find_onvif, same_device
from .feed import OnvifFeed
from .models import OnvifEndpoint, Preset, Profile, Subscription
from .pullpoint import PullPointSubscription
from .topics import TopicMapper, announced_kinds

_LOGGER = logging.getLogger(__name__)


class NotTheSameDevice(NotSupported):
    """ONVIF answers at the camera's address, but as another device: not used."""


@dataclass(slots=True)
class OnvifSideChannel:
    """The ONVIF services of one camera the integration already knows by its CGI."""

    client: OnvifClient
    endpoint: OnvifEndpoint
    profiles: list[Profile]

    @classmethod
    async def open(
        cls,
        session: aiohttp.ClientSession,
        host: str,
        credentials: Credentials,
        *,
        mac: str | None,
        serial: str | None,
        ports: Iterable[int] = (),
        https: bool = False,
        usual_ports: Iterable[int] = USUAL_PORTS,
        latch: LoginLatch | None = None,
    ) -> OnvifSideChannel:
        """Find, log in, check the identity and read the media profiles.

        ``latch`` is the camera's refused-login latch (its CGI's): nothing is sent once
        it tripped, and a refusal of credentials ONVIF had accepted trips it.
        Raises :class:`NotSupported` (no ONVIF, or :class:`NotTheSameDevice`),
        :class:`AuthError` (ONVIF refused the login) and the transport's errors.
        """
        if latch is not None:
            latch.check()
        endpoint = await find_onvif(session, host, ports, https=https, usual_ports=usual_ports)
        client = OnvifClient(
            Transport(session, host, endpoint.port, https=https), credentials,
            device_url=endpoint.url, time_offset=endpoint.time_offset, latch=latch,
        )
        await client.connect()
        if not await same_device(client, mac=mac, serial=serial):
            raise NotTheSameDevice(f"the ONVIF device on port {endpoint.port} is another device")
        profiles: list[Profile] = []
        if client.has_service(MEDIA):
            try:
                profiles = await client.media.get_profiles()
            except (NotSupported, CommandError, ProtocolError) as err:
                _LOGGER.debug("%r lists no media profiles: %s", client, err)
        return cls(client, endpoint, profiles)

    # -- streams ----------------------------------------------------------------------

    def profile(self, stream: StreamKind) -> Profile | None:
        """The profile of the main (most pixels) or sub (fewest) stream."""
        video = [p for p in self.profiles if p.encoding.upper() != "JPEG"] or self.profiles
        if not video:
            return None
        ranked = sorted(video, key=lambda p: p.pixels, reverse=True)
        return ranked[0] if stream is StreamKind.MAIN else ranked[-1]

    async def stream_url(self, stream: StreamKind, host: str) -> str | None:
        """The profile's RTSP URL, on ``host`` (the camera's address as configured;
        cameras report their own idea of it) and without any login in it."""
        profile = self.profile(stream)
        if profile is None:
            return None
        try:
            uri = await self.client.media.get_stream_uri(profile.token)
        except (NotSupported, CommandError, ProtocolError) as err:
            _LOGGER.debug("%r gave no stream URI for %s: %s", self.client, stream, err)
            return None
        return _on_host(uri.uri, host)

    # -- presets ----------------------------------------------------------------------

    def _ptz_profile(self) -> Profile | None:
        return next((p for p in self.profiles if p.ptz), None) or (
            self.profiles[0] if self.profiles else None
        )

    async def presets(self) -> list[Preset]:
        """The PTZ presets with their names; empty without a PTZ service."""
        profile = self._ptz_profile()
        if profile is None or not self.client.has_service(PTZ):
            return []
        try:
            return await self.client.ptz.get_presets(profile.token)
        except (NotSupported, CommandError, ProtocolError) as err:
            _LOGGER.debug("%r lists no presets: %s", self.client, err)
            return []

    async def goto_preset(self, token: str) -> None:
        profile = self._ptz_profile()
        if profile is None:
            raise NotSupported("no ONVIF profile to move")
        await self.client.ptz.goto_preset(profile.token, token)

    # -- events ---------------------------------------------------------------------

    async def event_feed(
        self,
        *,
        channels: dict[str, int] | None = None,
        on_subscription: Callable[[Subscription | None], None] | None = None,
    ) -> tuple[OnvifFeed, frozenset[AlarmKind]]:
        """The pull-point feed, and the alarm kinds the camera announces.

        Announced kinds come from GetEventProperties (firmware without it announces
        nothing: its alarms appear when first reported).
        """
        kinds: frozenset[AlarmKind] = frozenset()
        try:
            kinds = frozenset(announced_kinds(await self.client.events.get_event_properties()))
        except (NotSupported, CommandError, ProtocolError) as err:
            _LOGGER.debug("%r announces no event topics: %s", self.client, err)
        mapper = TopicMapper(self.client, channels)
        feed = OnvifFeed(
            PullPointSubscription(self.client, mapper=mapper), kinds,
            on_subscription=on_subscription,
        )
        return feed, kinds

    async def release(self, stale: Subscription) -> None:
        """Unsubscribe one a previous run left behind (best effort: it may be gone)."""
        try:
            await self.client.events.unsubscribe(stale, timeout=5)
        except CameraError as err:
            _LOGGER.debug("%r: the stale subscription is gone already (%s)", self.client, err)


def _on_host(uri: str, host: str) -> str | None:
    """``uri`` with its host replaced by ``host`` (port and path kept), no userinfo."""
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("rtsp", "rtsps") or not parts.path:
        return None
    shown = f"[{host}]" if ":" in host else host
    netloc = f"{shown}:{port}" if port else shown
    return urlunsplit(parts._replace(netloc=netloc))


_NUMBER = re.compile(r"[0-9]{1,5}")


def numbered_presets(presets: Iterable[Preset], owner: object) -> dict[int, tuple[str, str]]:
    """Numbers for ONVIF presets, ``number -> (token, name)``: their own token where
    every token is a number (most firmware, so the CGI's numbers agree), else 1..n in
    the camera's order. At most :data:`~..limits.MAX_PRESETS`."""
    kept = cap(owner, "ONVIF presets", presets, MAX_PRESETS)
    if all(_NUMBER.fullmatch(p.token) and int(p.token) > 0 for p in kept):
        return {int(p.token): (p.token, p.name or p.token) for p in kept}
    return {number: (p.token, p.name or p.token) for number, p in enumerate(kept, 1)}
