"""Entity bases: an entity of one camera, and one showing a setting of the vocabulary."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .client import Setting, SettingKey
from .client.models import StateKey
from .coordinator import SettingsCoordinator
from .devices import device_info, unique_id
from .errors import command_errors, raise_translated_error


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

    def command_errors(self, failed: str) -> AbstractContextManager[None]:
        """Client errors of a command on this entity as the user sees them."""
        return command_errors(
            self.hass, self.coordinator.config_entry, failed, entity=self.entity_id
        )


@dataclass(frozen=True, kw_only=True)
class CgiSettingDescription[V](EntityDescription):
    """An entity for one setting of the shared vocabulary.

    The translation key is the setting's own unless given; platforms set the defaults
    of ``value_fn`` (device value -> entity value, never given None) and
    ``supported_fn`` (which settings the camera reports get the entity).
    """

    key: SettingKey
    value_fn: Callable[[Any], V]
    supported_fn: Callable[[Setting], bool]

    def __post_init__(self) -> None:
        if self.translation_key is None:
            # Frozen: the one moment the default can still be filled in.
            object.__setattr__(self, "translation_key", self.key)


def by_key[D: CgiSettingDescription[Any]](*descriptions: D) -> dict[SettingKey, D]:
    """A platform's descriptions, by the setting each shows."""
    return {description.key: description for description in descriptions}


class CgiSettingEntity[V](CgiCameraEntity):
    """An entity showing (and maybe changing) one setting of the shared vocabulary.

    ``channel`` set: the setting of one recorder channel, on that channel's device.
    """

    entity_description: CgiSettingDescription[V]

    def __init__(
        self,
        coordinator: SettingsCoordinator,
        description: CgiSettingDescription[V],
        channel: int | None = None,
    ) -> None:
        super().__init__(coordinator, description)
        self.key = description.key
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
    def current(self) -> V | None:
        """The entity's value of the setting (None: unknown)."""
        raw = self.coordinator.data.get(self.state_key)
        return None if raw is None else self.entity_description.value_fn(raw)

    @raise_translated_error("write_failed")
    async def _write(self, value: Any) -> None:
        await self.coordinator.async_write(self.key, value, self.channel)
