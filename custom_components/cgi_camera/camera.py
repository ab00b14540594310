"""Camera entities: snapshots, the RTSP stream, and the PTZ entity services.

A camera gets one entity; a recorder one per channel, on the channel's device, with
channels that appear later added without a reload.

The camera's own MJPEG is served from Home Assistant's origin, so nothing of it is
passed on as it came: only a ``multipart/x-mixed-replace`` stream is accepted, and
each part is re-framed as ``image/jpeg`` after checking that it is a JPEG.
"""

from __future__ import annotations

import logging
import re

import aiohttp
from aiohttp import web
from homeassistant.components.camera import Camera, CameraEntityFeature
from homeassistant.components.ffmpeg import async_get_image as ffmpeg_image
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from yarl import URL

from .client import CameraError, NotSupported, PresetOp, PtzMove
from .client.camera import JPEG_MAGIC
from .client.errors import ProtocolError
from .client.transport import SNAPSHOT_LIMIT, redact_url
from .const import DOMAIN
from .data import CgiCameraConfigEntry
from .devices import device_info
from .entity import CgiCameraEntity
from .errors import raise_translated_error
from .platform_setup import async_add_as_found
from .ptz import STEP_LENGTH, STEP_SPEED, async_step
from .services import async_register_platform_services
from .stream_finder import async_find_streams, signal_streams_found

_LOGGER = logging.getLogger(__name__)

PARALLEL_UPDATES = 0  # snapshots are bounded by the client's own request slots

MJPEG = "multipart/x-mixed-replace"
# RFC 2046 boundary characters (space aside): nothing that could end the header.
_BOUNDARY = re.compile(r"[0-9A-Za-z'()+_,\-./:=?]{1,70}")
_PART_HEADERS_LIMIT = 4096
_READ_CHUNK = 64 * 1024


class _RedactCredentials(logging.Filter):
    """Masks credentials in URLs of a library's log records.

    Home Assistant's ffmpeg helper (haffmpeg) logs its whole command line at debug,
    and the still image of a camera without a snapshot endpoint needs the RTSP URL
    with the login on that command line: ffmpeg takes RTSP credentials no other way.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True  # logging itself reports a record it cannot format
        if "@" in message:
            record.msg, record.args = redact_url(message), None
        return True


def _redact_ffmpeg_logs() -> None:
    logger = logging.getLogger("haffmpeg.core")
    if not any(isinstance(f, _RedactCredentials) for f in logger.filters):
        logger.addFilter(_RedactCredentials())


_redact_ffmpeg_logs()


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CgiCameraConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the camera entity, or one per recorder channel."""
    async_register_platform_services()
    data = entry.runtime_data
    camera = data.camera
    recorder = bool(camera.capabilities.channels)

    def _channels() -> list[int]:
        # A camera keeps its one entity; a recorder gets one per channel it lists.
        listed = set(camera.capabilities.channels) if recorder else set()
        return sorted(set(data.stream_urls) | listed)

    async def _find_streams(channels: list[int]) -> None:
        data.stream_urls.update(await async_find_streams(camera, entry, data.stream, channels))
        data.stream_finder.async_schedule()

    async_add_as_found(
        entry, data.coordinator, async_add_entities, _channels,
        lambda channel: CgiCamera(entry, channel), prepare=_find_streams,
    )


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
        transport = self.camera.transport
        try:
            resp = await transport.open_stream(URL(url, encoded=True))
        except CameraError as err:
            _LOGGER.debug("MJPEG stream of %s failed: %s", self.entity_id, err)
            return await super().handle_async_mjpeg_stream(request)
        try:
            boundary = mjpeg_boundary(resp.headers.get("Content-Type"))
            if resp.status != 200 or boundary is None:
                _LOGGER.debug("MJPEG stream of %s refused: HTTP %s, %s", self.entity_id,
                              resp.status, resp.headers.get("Content-Type"))
                return await super().handle_async_mjpeg_stream(request)
            frames = MjpegFrames(resp.content, boundary)
            try:
                with transport.errors():
                    first = await frames.next()
            except CameraError as err:
                first = None
                _LOGGER.debug("MJPEG stream of %s refused: %s", self.entity_id, err)
            if first is None:
                return await super().handle_async_mjpeg_stream(request)
            return await self._relay_mjpeg(request, frames, first)
        finally:
            resp.close()

    async def _relay_mjpeg(
        self, request: web.Request, frames: MjpegFrames, frame: bytes | None
    ) -> web.StreamResponse:
        """Pass on JPEG after JPEG, re-framed, until the camera stops or sends another type."""
        response = web.StreamResponse()
        response.headers["Content-Type"] = f"{MJPEG}; boundary={frames.boundary}"
        response.headers["X-Content-Type-Options"] = "nosniff"
        await response.prepare(request)
        try:
            while frame is not None and self.hass.is_running:
                await response.write(frames.part(frame))
                with self.camera.transport.errors():
                    frame = await frames.next()
        except CameraError as err:
            _LOGGER.debug("MJPEG stream of %s ended: %s", self.entity_id, err)
        except ConnectionError:
            pass  # the viewer went away
        return response

    # -- PTZ entity services --------------------------------------------------------

    def _ptz(self) -> None:
        caps = self.camera.capabilities
        if caps.ptz is None or self.channel in caps.channels:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="ptz_not_supported",
                translation_placeholders={"entity": self.entity_id},
            )

    @raise_translated_error("ptz_failed")
    async def async_ptz(
        self, movement: str, speed: int = STEP_SPEED, duration: float = STEP_LENGTH
    ) -> None:
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
        await async_step(self.camera, move, speed, duration)

    @raise_translated_error("ptz_failed")
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
        await self.camera.ptz_preset(PresetOp(action), preset)
        # Saving or deleting changes the preset list the preset select shows.
        self.coordinator.async_update_listeners()


def mjpeg_boundary(content_type: str | None) -> str | None:
    """The boundary of a ``multipart/x-mixed-replace`` type; None for anything else.

    A leading ``--`` (some cameras put the delimiter in the header) is dropped.
    """
    kind, _, params = (content_type or "").partition(";")
    if kind.strip().lower() != MJPEG:
        return None
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "boundary":
            boundary = value.strip().strip('"').removeprefix("--")
            return boundary if _BOUNDARY.fullmatch(boundary) else None
    return None


class MjpegFrames:
    """The JPEG frames of a camera's multipart stream, one at a time, bounded.

    A part must be a JPEG (by its ``Content-Type``, if it has one, and its first
    bytes); anything else raises :class:`ProtocolError`, which ends the stream.
    """

    def __init__(self, content: aiohttp.StreamReader, boundary: str) -> None:
        self.boundary = boundary
        self._delimiter = f"--{boundary}".encode()
        self._content = content
        self._buffer = bytearray()
        self._ended = False

    def part(self, frame: bytes) -> bytes:
        """``frame`` as one part of the stream passed on, with headers of our own."""
        head = f"--{self.boundary}\r\nContent-Type: image/jpeg\r\n"
        return f"{head}Content-Length: {len(frame)}\r\n\r\n".encode() + frame + b"\r\n"

    async def _more(self) -> bool:
        """Read on; False at the end of the stream."""
        if not self._ended:
            chunk = await self._content.read(_READ_CHUNK)
            self._ended = not chunk
            self._buffer += chunk
        return not self._ended

    async def _find(self, needle: bytes, start: int, limit: int) -> int:
        """Index of ``needle`` at or after ``start``; -1 at the end of the stream."""
        while (found := self._buffer.find(needle, start)) < 0:
            if len(self._buffer) > limit:
                raise ProtocolError(f"MJPEG part over {limit} bytes")
            start = max(start, len(self._buffer) - len(needle))
            if not await self._more():
                return -1
        return found

    async def next(self) -> bytes | None:
        """The next frame; None when the stream ends."""
        at = await self._find(self._delimiter, 0, SNAPSHOT_LIMIT)
        if at < 0:
            return None
        headers_end = await self._find(b"\r\n\r\n", at, at + _PART_HEADERS_LIMIT)
        if headers_end < 0:
            return None
        head = bytes(self._buffer[at + len(self._delimiter):headers_end])
        if head.startswith(b"--"):
            return None  # the closing delimiter
        length = _part_length(head)
        body_start = headers_end + 4
        if length is not None:
            while len(self._buffer) < body_start + length:
                if not await self._more():
                    return None
            frame = bytes(self._buffer[body_start:body_start + length])
            del self._buffer[:body_start + length]
        else:
            end = await self._find(self._delimiter, body_start, body_start + SNAPSHOT_LIMIT)
            end = len(self._buffer) if end < 0 else end
            frame = bytes(self._buffer[body_start:end]).rstrip(b"\r\n")
            del self._buffer[:end]
        if not frame.startswith(JPEG_MAGIC):
            raise ProtocolError("MJPEG part is not a JPEG image")
        return frame


def _part_length(head: bytes) -> int | None:
    """The part's Content-Length, checking that its Content-Type is JPEG."""
    length = None
    for line in head.decode("latin-1").split("\r\n"):
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == "content-type" and value.split(";")[0].strip() != "image/jpeg":
            raise ProtocolError(f"MJPEG part of type {value[:40]!r}, not JPEG")
        if name == "content-length":
            if not value.isdigit() or int(value) > SNAPSHOT_LIMIT:
                raise ProtocolError("MJPEG part with a bad length")
            length = int(value)
    return length
