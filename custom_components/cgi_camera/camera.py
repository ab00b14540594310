"""The camera entity: snapshots, the RTSP stream, and the PTZ entity services."""

from __future__ import annotations

import asyncio
import logging

from homeassistant.components.camera import Camera, CameraEntityFeature
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .client import CameraError, PresetOp, PtzMove
from .const import DOMAIN
from .data import CgiCameraConfigEntry
from .entity import CgiCameraEntity
from .services import async_register_platform_services

_LOGGER = logging.getLogger(__name__)

PARALLEL_UPDATES = 0  # snapshots are bounded by the client's own request slots

DESCRIPTION = EntityDescription(key="camera", name=None)


async def async_setup_entry(
    hass: HomeAssistant, entry: CgiCameraConfigEntry, async_add_entities: AddEntitiesCallback
) -> None:
    """Add the camera entity."""
    async_register_platform_services()
    async_add_entities([CgiCamera(entry)])


class CgiCamera(CgiCameraEntity, Camera):
    """The camera itself."""

    _attr_name = None  # the device's main feature takes the device name

    def __init__(self, entry: CgiCameraConfigEntry) -> None:
        data = entry.runtime_data
        CgiCameraEntity.__init__(self, data.coordinator, DESCRIPTION)
        Camera.__init__(self)
        self._data = data
        self._snapshot_failed = False
        if data.stream_url:
            self._attr_supported_features = CameraEntityFeature.STREAM

    @property
    def extra_state_attributes(self) -> dict[str, str]:
        return {"dialect": self.camera.dialect}

    async def stream_source(self) -> str | None:
        url = self._data.stream_url
        return self.camera.authenticated_url(url) if url else None

    async def async_camera_image(
        self, width: int | None = None, height: int | None = None
    ) -> bytes | None:
        try:
            image = await self.camera.snapshot(self._data.stream, url=self._data.snapshot_url)
        except CameraError as err:
            if not self._snapshot_failed:
                _LOGGER.warning("Snapshot of %s failed: %s", self.entity_id, err)
                self._snapshot_failed = True
            return None
        if self._snapshot_failed:
            _LOGGER.info("Snapshots of %s work again", self.entity_id)
            self._snapshot_failed = False
        return image

    # -- PTZ entity services --------------------------------------------------------

    def _ptz(self) -> None:
        if self.camera.capabilities.ptz is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="ptz_not_supported",
                translation_placeholders={"entity": self.entity_id},
            )

    async def async_ptz(self, movement: str, speed: int = 50, duration: float = 0.5) -> None:
        """Move, wait ``duration`` seconds, stop; 0 keeps moving."""
        self._ptz()
        ptz = self.camera.capabilities.ptz
        move = PtzMove(movement)
        if ptz is None or move not in ptz.moves:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="ptz_move_not_supported",
                translation_placeholders={"entity": self.entity_id, "movement": movement},
            )
        await self._device_call(self.camera.ptz_move(move, speed), "ptz_failed")
        if move is not PtzMove.STOP and duration > 0:
            await asyncio.sleep(duration)
            await self._device_call(self.camera.ptz_move(PtzMove.STOP), "ptz_failed")

    async def async_ptz_preset(self, action: str, preset: int) -> None:
        """Go to, save or delete a preset."""
        self._ptz()
        ptz = self.camera.capabilities.ptz
        if ptz is None or not ptz.preset_min <= preset <= ptz.preset_max:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="preset_out_of_range",
                translation_placeholders={
                    "preset": str(preset),
                    "min": str(ptz.preset_min if ptz else 1),
                    "max": str(ptz.preset_max if ptz else 1),
                },
            )
        await self._device_call(self.camera.ptz_preset(PresetOp(action), preset), "ptz_failed")
