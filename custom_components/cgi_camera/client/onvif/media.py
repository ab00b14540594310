"""Media service (ONVIF ver10): profiles, stream and snapshot URIs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import ProtocolError
from ..safe_xml import Element
from .const import MAX_PROFILES, MEDIA, TT, URI_LIMIT
from .models import MediaUri, Profile
from .soap import element, expect
from .xmlutil import attr, child, children, parse_bool, parse_duration, parse_int, path, text

if TYPE_CHECKING:
    from .client import OnvifClient

_STREAM_SCHEMES = ("rtsp://", "rtsps://")
_SNAPSHOT_SCHEMES = ("http://", "https://")


class MediaService:
    """``trt:`` operations of one camera."""

    def __init__(self, client: OnvifClient) -> None:
        self._client = client

    async def get_profiles(self) -> list[Profile]:
        """The media profiles, in the camera's order (usually main stream first)."""
        body = await self._client.call("GetProfiles", element(MEDIA, "GetProfiles"), service=MEDIA)
        response = expect(body, "GetProfilesResponse", "GetProfiles")
        profiles = [_profile(p) for p in children(response, "Profiles")[:MAX_PROFILES]]
        return [p for p in profiles if p.token]

    async def get_stream_uri(self, profile_token: str, protocol: str = "RTSP") -> MediaUri:
        """The RTP-Unicast stream of a profile over ``protocol`` (RTSP, or HTTP tunnel)."""
        setup = element(
            MEDIA, "StreamSetup", None,
            element(TT, "Stream", "RTP-Unicast"),
            element(TT, "Transport", None, element(TT, "Protocol", protocol)),
        )
        request = element(
            MEDIA, "GetStreamUri", None, setup, element(MEDIA, "ProfileToken", profile_token)
        )
        body = await self._client.call("GetStreamUri", request, service=MEDIA)
        return _media_uri(expect(body, "GetStreamUriResponse", "GetStreamUri"), _STREAM_SCHEMES,
                          "GetStreamUri")

    async def get_snapshot_uri(self, profile_token: str) -> MediaUri:
        request = element(
            MEDIA, "GetSnapshotUri", None, element(MEDIA, "ProfileToken", profile_token)
        )
        body = await self._client.call("GetSnapshotUri", request, service=MEDIA)
        return _media_uri(expect(body, "GetSnapshotUriResponse", "GetSnapshotUri"),
                          _SNAPSHOT_SCHEMES, "GetSnapshotUri")


def _profile(node: Element) -> Profile:
    encoder = child(node, "VideoEncoderConfiguration")
    resolution = child(encoder, "Resolution")
    return Profile(
        token=attr(node, "token"),
        name=text(child(node, "Name")),
        encoding=text(child(encoder, "Encoding")),
        width=parse_int(text(child(resolution, "Width")), low=1, high=65535),
        height=parse_int(text(child(resolution, "Height")), low=1, high=65535),
        video_source_token=text(path(node, "VideoSourceConfiguration", "SourceToken")),
        ptz=child(node, "PTZConfiguration") is not None,
    )


def _media_uri(response: Element, schemes: tuple[str, ...], what: str) -> MediaUri:
    media = child(response, "MediaUri")
    uri = text(child(media, "Uri"), URI_LIMIT + 1)
    if not uri.lower().startswith(schemes) or len(uri) > URI_LIMIT or " " in uri:
        raise ProtocolError(f"{what}: the camera sent no usable URI")
    return MediaUri(
        uri=uri,
        invalid_after_connect=parse_bool(text(child(media, "InvalidAfterConnect"))) is True,
        invalid_after_reboot=parse_bool(text(child(media, "InvalidAfterReboot"))) is True,
        timeout=parse_duration(text(child(media, "Timeout"))),
    )
