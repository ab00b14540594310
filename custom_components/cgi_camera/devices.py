"""Who is who in the registries: a camera's devices and its entities' unique ids.

Kept apart from the entity base so the alarm coordinator, device triggers and set-up
can name devices without importing any platform machinery.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from homeassistant.const import CONF_HOST, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.device_registry import CONNECTION_NETWORK_MAC, DeviceInfo

from .client import Camera
from .const import DOMAIN
from .names import camera_title, channel_name, meaningful_name

if TYPE_CHECKING:
    from .data import CgiCameraConfigEntry


# Newer Home Assistant (2026.11 does, 2026.2 does not) links a device to its parent by
# registry id, ``via_device_id``, and reports the (domain, identifier) form,
# ``via_device``, which 2027.8 removes. Detected by what DeviceInfo accepts.
VIA_DEVICE_ID = "via_device_id" in DeviceInfo.__optional_keys__
# Typed loosely: on the releases we type-check against, DeviceInfo has no
# ``via_device_id`` key.
_new_device_info: Callable[..., DeviceInfo] = DeviceInfo


def _uid(entry: CgiCameraConfigEntry) -> str:
    return entry.unique_id or entry.entry_id


def unique_id(entry: CgiCameraConfigEntry, key: str) -> str:
    """``<mac>_<key>``: stable across hosts, reloads and dialect changes."""
    return f"{_uid(entry)}_{key}"


def registered(hass: HomeAssistant, platform: Platform, uid: str) -> er.RegistryEntry | None:
    """The entity registry's entry of ours on ``platform`` with unique id ``uid``."""
    registry = er.async_get(hass)
    entity_id = registry.async_get_entity_id(platform, DOMAIN, uid)
    return registry.async_get(entity_id) if entity_id is not None else None


def find_device(
    hass: HomeAssistant, entry: CgiCameraConfigEntry, identifier: tuple[str, str]
) -> dr.DeviceEntry | None:
    """The registry device of ``entry`` with ``identifier``.

    Newer releases keep identifiers unique per config entry only and report the
    global ``async_get_device`` lookup (removed in 2027.8); older ones have only that.
    """
    registry = dr.async_get(hass)
    by_identifier = getattr(registry, "async_get_device_by_identifier", None)
    if by_identifier is not None:
        found: dr.DeviceEntry | None = by_identifier(identifier, entry.entry_id)
        return found
    # compat: only on releases without async_get_device_by_identifier (2026.2 and older)
    return registry.async_get_device(identifiers={identifier})


def _parent_link(entry: CgiCameraConfigEntry) -> dict[str, Any]:
    """The DeviceInfo field naming the recorder as a channel's parent device."""
    parent = (DOMAIN, _uid(entry))
    if not VIA_DEVICE_ID:
        return {"via_device": parent}
    # The recorder's device is registered before any platform builds its channels.
    device = find_device(entry.runtime_data.coordinator.hass, entry, parent)
    return {"via_device_id": device.id} if device is not None else {}


def device_identifier(
    entry: CgiCameraConfigEntry, camera: Camera, channel: int | None
) -> tuple[str, str]:
    """The registry identifier of the device itself (None), or of a recorder's channel."""
    if channel is not None and channel in camera.capabilities.channels:
        return (DOMAIN, f"{_uid(entry)}_ch{channel}")
    return (DOMAIN, _uid(entry))


def device_name(entry: CgiCameraConfigEntry, camera: Camera) -> str:
    """The camera's device name: the entry's title (the user may rename it), unless that
    is a firmware default or the "Camera <host>" older versions gave a nameless camera:
    then what :func:`camera_title` calls it."""
    title = meaningful_name(entry.title)
    if title is None or title == f"Camera {entry.data.get(CONF_HOST)}":
        info = camera.info
        return camera_title(info.name, info.model, camera.family, camera.transport.host)
    return title


def device_info(
    entry: CgiCameraConfigEntry, camera: Camera, channel: int | None = None
) -> DeviceInfo:
    """Device registry data: the camera itself (None), or one channel of a recorder."""
    identifier = device_identifier(entry, camera, channel)
    info = camera.info
    if channel is not None and (ch := camera.capabilities.channels.get(channel)) is not None:
        return _new_device_info(
            identifiers={identifier},
            name=channel_name(ch.name, device_name(entry, camera), channel),
            manufacturer=meaningful_name(info.manufacturer) or "OEM",
            model=ch.model,
            sw_version=ch.firmware,
            hw_version=ch.hardware,
            **_parent_link(entry),
        )
    scheme = "https" if camera.transport.https else "http"
    return DeviceInfo(
        identifiers={identifier},
        connections={(CONNECTION_NETWORK_MAC, info.mac)} if info.mac else set(),
        name=device_name(entry, camera),
        manufacturer=meaningful_name(info.manufacturer) or "OEM",
        model=info.model,
        serial_number=info.serial,
        sw_version=info.firmware,
        hw_version=info.hardware,
        configuration_url=f"{scheme}://{camera.transport.host}:{camera.transport.port}",
    )
