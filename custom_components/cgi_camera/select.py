"""Selects: every setting with a fixed set of options."""

from __future__ import annotations

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .client import SettingKey, SettingKind
from .data import CgiCameraConfigEntry
from .entity import CgiSettingEntity

PARALLEL_UPDATES = 1

K = SettingKey

DESCRIPTIONS: dict[SettingKey, SelectEntityDescription] = {
    d.key: d  # type: ignore[misc]
    for d in (
        SelectEntityDescription(key=K.DAY_NIGHT_MODE, translation_key=K.DAY_NIGHT_MODE,
                                entity_category=EntityCategory.CONFIG),
        SelectEntityDescription(key=K.POWER_FREQUENCY, translation_key=K.POWER_FREQUENCY,
                                entity_category=EntityCategory.CONFIG),
    )
}


async def async_setup_entry(
    hass: HomeAssistant, entry: CgiCameraConfigEntry, async_add_entities: AddEntitiesCallback
) -> None:
    """Add a select per enumerated setting."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(
        CgiSelect(coordinator, DESCRIPTIONS[key])
        for key, setting in coordinator.camera.capabilities.settings.items()
        if setting.kind is SettingKind.ENUM and key in DESCRIPTIONS
    )


class CgiSelect(CgiSettingEntity, SelectEntity):
    """An enumerated setting; options are the shared vocabulary's, translated."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._attr_options = list(self.setting.options)

    @property
    def current_option(self) -> str | None:
        value = self.current
        return value if value in self._attr_options else None

    async def async_select_option(self, option: str) -> None:
        await self._write(option)
