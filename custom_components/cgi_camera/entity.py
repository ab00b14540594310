"""Base entity: device info, unique id, availability, translated write errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import CONNECTION_NETWORK_MAC, DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .client import AuthError, Camera, CameraError, NotSupported, SettingKey
from .client.models import SettingKind, StateKey
from .const import DOMAIN
from .coordinator import SettingsCoordinator
from .names import clean_name, entry_name

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


def device_info(
    entry: CgiCameraConfigEntry, camera: Camera, channel: int | None = None
) -> DeviceInfo:
    """Device registry data: the camera itself (None), or one channel of a recorder."""
    identifier = device_identifier(entry, camera, channel)
    info = camera.info
    if channel is not None and (ch := camera.capabilities.channels.get(channel)) is not None:
        return _new_device_info(
            identifiers={identifier},
            name=clean_name(ch.name) or f"{entry_name(entry)} channel {channel}",
            manufacturer=info.manufacturer or "OEM",
            model=ch.model,
            sw_version=ch.firmware,
            hw_version=ch.hardware,
            **_parent_link(entry),
        )
    scheme = "https" if camera.transport.https else "http"
    return DeviceInfo(
        identifiers={identifier},
        connections={(CONNECTION_NETWORK_MAC, info.mac)} if info.mac else set(),
        name=entry_name(entry),
        manufacturer=info.manufacturer or "OEM",
        model=info.model,
        serial_number=info.serial,
        sw_version=info.firmware,
        hw_version=info.hardware,
        configuration_url=f"{scheme}://{camera.transport.host}:{camera.transport.port}",
    )


def unique_id(entry: CgiCameraConfigEntry, key: str) -> str:
    """``<mac>_<key>``: stable across hosts, reloads and dialect changes."""
    return f"{_uid(entry)}_{key}"


class CgiCameraEntity(CoordinatorEntity[SettingsCoordinator]):
    """An entity of one camera."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: SettingsCoordinator, description: EntityDescription) -> None:
        super().__init__(coordinator)
        self.entity_description = description
        self.camera = coordinator.camera
        entry = coordinator.config_entry
        self._attr_unique_id = unique_id(entry, description.key)
        self._attr_device_info = device_info(entry, self.camera)

    async def _device_call(self, call: Awaitable[Any], translation_key: str) -> None:
        """Run a call on the camera; failures become translated errors."""
        try:
            await call
        except AuthError as err:
            self.coordinator.config_entry.async_start_reauth(self.hass)
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="invalid_auth"
            ) from err
        except NotSupported as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="not_supported",
                translation_placeholders={"error": str(err)},
            ) from err
        except CameraError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key=translation_key,
                translation_placeholders={"entity": self.entity_id, "error": str(err)},
            ) from err


class CgiSettingEntity(CgiCameraEntity):
    """An entity showing (and maybe changing) one setting of the shared vocabulary.

    ``channel`` set: the setting of one recorder channel, on that channel's device.
    """

    def __init__(
        self,
        coordinator: SettingsCoordinator,
        description: EntityDescription,
        channel: int | None = None,
    ) -> None:
        super().__init__(coordinator, description)
        self.key = SettingKey(description.key)
        self.channel = channel
        caps = coordinator.camera.capabilities
        if channel is None:
            self.setting = caps.settings[self.key]
            self.state_key: StateKey = self.key
        else:
            self.setting = caps.channel_settings[channel][self.key]
            self.state_key = (self.key, channel)
            entry = coordinator.config_entry
            self._attr_unique_id = unique_id(entry, f"{description.key}_ch{channel}")
            self._attr_device_info = device_info(entry, coordinator.camera, channel)
        self._attr_assumed_state = self.setting.assumed_state

    @property
    def available(self) -> bool:
        # A setting whose endpoint failed this cycle is unavailable on its own.
        return super().available and (
            self.setting.assumed_state or self.state_key in self.coordinator.data
        )

    @property
    def current(self) -> Any:
        return self.coordinator.data.get(self.state_key)

    async def _write(self, value: Any) -> None:
        call = (
            self.camera.write(self.key, value)
            if self.channel is None
            else self.camera.write_channel(self.channel, self.key, value)
        )
        try:
            await self._device_call(call, "write_failed")
        except HomeAssistantError:
            # Show the device's truth again rather than the value that failed.
            await self.coordinator.async_request_refresh()
            raise
        self.coordinator.async_set_updated_data(dict(self.camera.state))


@callback
def async_setup_setting_entities(
    entry: CgiCameraConfigEntry,
    kind: SettingKind,
    descriptions: Mapping[SettingKey, EntityDescription],
    factory: Callable[[SettingsCoordinator, EntityDescription, int | None], Entity],
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add an entity per setting of ``kind``: the device's, then every channel's.

    Settings and channels the camera reveals later get theirs at the refresh that
    finds them.
    """
    coordinator = entry.runtime_data.coordinator
    caps = coordinator.camera.capabilities
    done: set[tuple[int | None, SettingKey]] = set()

    @callback
    def _add_new() -> None:
        found: list[tuple[int | None, SettingKey]] = [
            (None, key) for key, setting in caps.settings.items()
            if setting.kind is kind and key in descriptions
        ]
        found += [
            (channel, key)
            for channel in sorted(caps.channel_settings)
            for key, setting in caps.channel_settings[channel].items()
            if setting.kind is kind and key in descriptions
        ]
        new = [pair for pair in found if pair not in done]
        done.update(new)
        if new:
            async_add_entities(
                factory(coordinator, descriptions[key], channel) for channel, key in new
            )

    _add_new()
    # A setting whose probe failed ambiguously at set-up may be found at a later
    # refresh, and a recorder may gain channels: their entities come then.
    entry.async_on_unload(coordinator.async_add_listener(_add_new))
