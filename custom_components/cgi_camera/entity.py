"""Base entity: device info, unique id, availability, translated write errors."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.device_registry import CONNECTION_NETWORK_MAC, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .client import AuthError, CameraError, NotSupported, SettingKey
from .const import DOMAIN
from .coordinator import SettingsCoordinator


class CgiCameraEntity(CoordinatorEntity[SettingsCoordinator]):
    """An entity of one camera."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: SettingsCoordinator, description: EntityDescription) -> None:
        super().__init__(coordinator)
        self.entity_description = description
        camera = coordinator.camera
        entry = coordinator.config_entry
        uid = entry.unique_id or entry.entry_id
        self.camera = camera
        self._attr_unique_id = f"{uid}_{description.key}"
        info = camera.info
        scheme = "https" if camera.transport.https else "http"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, uid)},
            connections={(CONNECTION_NETWORK_MAC, info.mac)} if info.mac else set(),
            name=entry.title,
            manufacturer=info.manufacturer or "OEM",
            model=info.model,
            serial_number=info.serial,
            sw_version=info.firmware,
            hw_version=info.hardware,
            configuration_url=f"{scheme}://{camera.transport.host}:{camera.transport.port}",
        )

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
    """An entity showing (and maybe changing) one setting of the shared vocabulary."""

    def __init__(self, coordinator: SettingsCoordinator, description: EntityDescription) -> None:
        super().__init__(coordinator, description)
        self.key = SettingKey(description.key)
        self.setting = coordinator.camera.capabilities.settings[self.key]
        self._attr_assumed_state = self.setting.assumed_state

    @property
    def available(self) -> bool:
        # A setting whose endpoint failed this cycle is unavailable on its own.
        return super().available and (
            self.setting.assumed_state or self.key in self.coordinator.data
        )

    @property
    def current(self) -> Any:
        return self.coordinator.data.get(self.key)

    async def _write(self, value: Any) -> None:
        try:
            await self._device_call(self.camera.write(self.key, value), "write_failed")
        except HomeAssistantError:
            # Show the device's truth again rather than the value that failed.
            await self.coordinator.async_request_refresh()
            raise
        self.coordinator.async_set_updated_data(dict(self.camera.state))
