"""Camera entities: snapshots, the RTSP stream, and the PTZ entity services.

A camera gets one entity; a recorder one per channel, on the channel's device, with
channels that appear later added without a reload.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from homeassistant.components.camera import Camera, CameraEntityFeature
from homeassistant.components.ffmpeg import async_get_image as ffmpeg_image
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.aiohttp_client import async_aiohttp_proxy_stream
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from yarl import URL

from .client import CameraError, NotSupported, PresetOp, PtzMove
from .const import DOMAIN
from .data import CgiCameraConfigEntry
from .entity import CgiCameraEntity, device_info
from .services import async_register_platform_services
from .stream_finder import async_find_streams, signal_streams_found

_LOGGER = logging.getLogger(__name__)

PARALLEL_UPDATES = 0  # snapshots are bounded by the client's own request slots


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CgiCameraConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the camera entity, or one per recorder channel."""
    async_register_platform_services()
    data = entry.runtime_data
    camera = data.camera
    known = set(data.stream_urls)
    async_add_entities(CgiCamera(entry, channel) for channel in sorted(known))

    async def _add(channels: list[int]) -> None:
        data.stream_urls.update(await async_find_streams(camera, entry, data.stream, channels))
        async_add_entities(CgiCamera(entry, channel) for channel in channels)
        data.stream_finder.async_schedule()

    @callback
    def _new_channels() -> None:
        new = sorted(set(camera.capabilities.channels) - known)
        if new:
            known.update(new)
            entry.async_create_background_task(hass, _add(new), f"{DOMAIN} new channels")

    if camera.capabilities.channels:
        entry.async_on_unload(data.coordinator.async_add_listener(_new_channels))


class CgiCamera(CgiCameraEntity, Camera):
    """The camera itself, or one channel of a recorder."""

    _attr_name = None  # the device's main feature takes the device name

    def __init__(self, entry: CgiCameraConfigEntry, channel: int = 1) -> None:
        data = entry.runtime_data
        on_channel = channel in data.camera.capabilities.channels
        key = f"camera_ch{channel}" if on_channel else "camera"
        CgiCameraEntity.__init__(self, data.coordinator, EntityDescription(key=key, name=None))
        Camera.__init__(self)
        self._attr_device_info = device_info(entry, data.camera, channel)
        self._data = data
        self._entry = entry
        self.channel = channel
        self._on_channel = on_channel
        self._snapshot_failed = False
        self._native_snapshot = True
        self._update_features()

    def _update_features(self) -> None:
        if self._data.stream_urls.get(self.channel):
            self._attr_supported_features = CameraEntityFeature.STREAM

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()

        @callback
        def _streams_found() -> None:
            self._update_features()
            self.async_write_ha_state()

        self.async_on_remove(async_dispatcher_connect(
            self.hass, signal_streams_found(self._entry), _streams_found))

    @property
    def available(self) -> bool:
        # A channel the recorder no longer lists is gone until it is bound again.
        return super().available and (
            not self._on_channel or self.channel in self.camera.capabilities.channels
        )

    @property
    def extra_state_attributes(self) -> dict[str, str]:
        return {"dialect": self.camera.dialect}

    async def stream_source(self) -> str | None:
        url = self._data.stream_urls.get(self.channel)
        return self.camera.authenticated_url(url) if url else None

    async def async_camera_image(
        self, width: int | None = None, height: int | None = None
    ) -> bytes | None:
        try:
            if self._native_snapshot:
                image: bytes | None = await self.camera.snapshot(
                    self._data.stream, url=self._data.snapshot_url, channel=self.channel
                )
            else:
                image = await self._frame_from_stream(width, height)
        except NotSupported:
            # No snapshot endpoint on this firmware: a frame of the live stream will do.
            self._native_snapshot = False
            image = await self._frame_from_stream(width, height)
        except CameraError as err:
            if not self._snapshot_failed:
                _LOGGER.warning("Snapshot of %s failed: %s", self.entity_id, err)
                self._snapshot_failed = True
            return None
        if self._snapshot_failed:
            _LOGGER.info("Snapshots of %s work again", self.entity_id)
            self._snapshot_failed = False
        return image

    async def _frame_from_stream(self, width: int | None, height: int | None) -> bytes | None:
        source = await self.stream_source()
        if source is None:
            return None
        return await ffmpeg_image(self.hass, source, width=width, height=height)

    async def handle_async_mjpeg_stream(
        self, request: web.Request
    ) -> web.StreamResponse | None:
        """Proxy the camera's own MJPEG when there is no RTSP stream to show.

        Without one (or when it fails to open) HA's default still-image stream
        is served, so the frontend always gets something moving.
        """
        url = None
        if not self._data.stream_urls.get(self.channel) and (
            self.channel not in self.camera.capabilities.channels
        ):
            url = self.camera.mjpeg_url(self._data.stream)
        if url is None:
            return await super().handle_async_mjpeg_stream(request)
        try:
            resp = await self.camera.transport.open_stream(URL(url, encoded=True))
        except CameraError as err:
            _LOGGER.debug("MJPEG stream of %s failed: %s", self.entity_id, err)
            return await super().handle_async_mjpeg_stream(request)
        try:
            if resp.status != 200:
                _LOGGER.debug("MJPEG stream of %s: HTTP %s", self.entity_id, resp.status)
                return await super().handle_async_mjpeg_stream(request)
            return await async_aiohttp_proxy_stream(
                self.hass, request, resp.content, resp.headers.get("Content-Type")
            )
        finally:
            resp.close()

    # -- PTZ entity services --------------------------------------------------------

    def _ptz(self) -> None:
        caps = self.camera.capabilities
        if caps.ptz is None or self.channel in caps.channels:
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
        # Saving or deleting changes the preset list the preset select shows.
        self.coordinator.async_update_listeners()
