"""PTZ service (ONVIF ver20): presets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..limits import MAX_PRESETS, cap
from .const import PTZ
from .models import Preset
from .soap import element, expect
from .xmlutil import attr, child, children, text

if TYPE_CHECKING:
    from .client import OnvifClient


class PtzService:
    """``tptz:`` operations of one camera."""

    def __init__(self, client: OnvifClient) -> None:
        self._client = client

    async def get_presets(self, profile_token: str) -> list[Preset]:
        """The presets of a profile (capped at :data:`~..limits.MAX_PRESETS`)."""
        request = element(PTZ, "GetPresets", None, element(PTZ, "ProfileToken", profile_token))
        body = await self._client.call("GetPresets", request, service=PTZ)
        response = expect(body, "GetPresetsResponse", "GetPresets")
        presets = (
            Preset(token=attr(node, "token"), name=text(child(node, "Name")))
            for node in children(response, "Preset")
        )
        return cap(self._client, "PTZ presets", (p for p in presets if p.token), MAX_PRESETS)

    async def goto_preset(self, profile_token: str, preset_token: str) -> None:
        request = element(
            PTZ, "GotoPreset", None,
            element(PTZ, "ProfileToken", profile_token),
            element(PTZ, "PresetToken", preset_token),
        )
        await self._client.call("GotoPreset", request, service=PTZ)
