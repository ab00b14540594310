"""Selects: every setting with a fixed set of options, and the camera's PTZ presets.

The preset select is the dashboard's one way to a preset: the camera's own list where it
has one (ONVIF may supply it later), else presets 1-5 by number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import PresetOp, Setting, SettingKey, SettingKind
from .coordinator import SettingsCoordinator
from .data import CgiCameraConfigEntry
from .entity import CgiCameraEntity, CgiSettingDescription, CgiSettingEntity, by_key
from .errors import raise_translated_error
from .platform_setup import async_add_as_found, async_add_setting_entities
from .ptz import unlisted_presets

PARALLEL_UPDATES = 1


def _enumerated(setting: Setting) -> bool:
    return setting.kind is SettingKind.ENUM


@dataclass(frozen=True, kw_only=True)
class CgiSelectDescription(CgiSettingDescription[str], SelectEntityDescription):
    """An enumerated configuration setting; its options are the vocabulary's, translated."""

    entity_category: EntityCategory | None = EntityCategory.CONFIG
    value_fn: Callable[[Any], str] = str
    supported_fn: Callable[[Setting], bool] = _enumerated


K = SettingKey
D = CgiSelectDescription

DESCRIPTIONS = by_key(
    D(key=K.DAY_NIGHT_MODE),
    D(key=K.POWER_FREQUENCY),
    D(key=K.EXPOSURE_MODE),
    D(key=K.SCENE_MODE),
    D(key=K.WHITE_BALANCE),
    D(key=K.IR_MODE),
    D(key=K.ANTI_FLICKER_MODE),
)
PRESET = SelectEntityDescription(key="ptz_preset", translation_key="ptz_preset")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CgiCameraConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a select per enumerated setting, and one of the PTZ head's presets."""
    async_add_setting_entities(entry, DESCRIPTIONS, CgiSelect, async_add_entities)
    coordinator = entry.runtime_data.coordinator
    caps = coordinator.camera.capabilities

    def _preset_list() -> list[str]:
        # A head the camera only reports at a later refresh gets it then.
        return [PRESET.key] if caps.ptz is not None else []

    async_add_as_found(
        entry, coordinator, async_add_entities, _preset_list,
        lambda _: PresetSelect(coordinator, PRESET),
    )


class PresetSelect(CgiCameraEntity, SelectEntity):
    """The head's presets; choosing one moves the camera there.

    Listed presets show as "<number>: <name>"; a head that cannot list them offers
    ``preset_<n>`` (translated "Preset n") for the first few numbers.
    """

    # The camera never says where it points: the choice shown is ours, not its.
    _attr_assumed_state = True

    def __init__(
        self, coordinator: SettingsCoordinator, description: SelectEntityDescription
    ) -> None:
        super().__init__(coordinator, description)
        self._choice: str | None = None

    def _presets(self) -> dict[str, int]:
        ptz = self.camera.capabilities.ptz
        if ptz is not None and ptz.presets is None:
            return {f"preset_{number}": number for number in unlisted_presets(ptz)}
        presets = (ptz.presets if ptz else None) or {}
        # Names may repeat or be empty: show the number with them.
        return {f"{number}: {name}": number for number, name in sorted(presets.items())}

    @property
    def options(self) -> list[str]:
        return list(self._presets())

    @property
    def current_option(self) -> str | None:
        # The camera does not report where it is; show the last choice while valid.
        return self._choice if self._choice in self._presets() else None

    @raise_translated_error("ptz_failed")
    async def async_select_option(self, option: str) -> None:
        await self.camera.ptz_preset(PresetOp.GOTO, self._presets()[option])
        self._choice = option
        self.async_write_ha_state()


class CgiSelect(CgiSettingEntity[str], SelectEntity):
    """An enumerated setting."""

    entity_description: CgiSelectDescription

    def __init__(
        self,
        coordinator: SettingsCoordinator,
        description: CgiSelectDescription,
        channel: int | None = None,
    ) -> None:
        super().__init__(coordinator, description, channel)
        self._attr_options = list(self.setting.options)

    @property
    def current_option(self) -> str | None:
        value = self.current
        return value if value in self._attr_options else None

    async def async_select_option(self, option: str) -> None:
        await self._write(option)
