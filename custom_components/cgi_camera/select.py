"""Selects: every setting with a fixed set of options."""

from __future__ import annotations

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import PresetOp, SettingKey, SettingKind
from .data import CgiCameraConfigEntry
from .entity import CgiCameraEntity, CgiSettingEntity, async_setup_setting_entities

PARALLEL_UPDATES = 1

K = SettingKey

DESCRIPTIONS: dict[SettingKey, SelectEntityDescription] = {
    d.key: d  # type: ignore[misc]
    for d in (
        SelectEntityDescription(key=K.DAY_NIGHT_MODE, translation_key=K.DAY_NIGHT_MODE,
                                entity_category=EntityCategory.CONFIG),
        SelectEntityDescription(key=K.POWER_FREQUENCY, translation_key=K.POWER_FREQUENCY,
                                entity_category=EntityCategory.CONFIG),
        SelectEntityDescription(key=K.EXPOSURE_MODE, translation_key=K.EXPOSURE_MODE,
                                entity_category=EntityCategory.CONFIG),
        SelectEntityDescription(key=K.SCENE_MODE, translation_key=K.SCENE_MODE,
                                entity_category=EntityCategory.CONFIG),
        SelectEntityDescription(key=K.WHITE_BALANCE, translation_key=K.WHITE_BALANCE,
                                entity_category=EntityCategory.CONFIG),
        # cgi_action
        SelectEntityDescription(key=K.IR_MODE, translation_key=K.IR_MODE,
                                entity_category=EntityCategory.CONFIG),
        SelectEntityDescription(key=K.ANTI_FLICKER_MODE, translation_key=K.ANTI_FLICKER_MODE,
                                entity_category=EntityCategory.CONFIG),
    )
}


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CgiCameraConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a select per enumerated setting."""
    async_setup_setting_entities(
        entry, SettingKind.ENUM, DESCRIPTIONS, CgiSelect, async_add_entities
    )
    coordinator = entry.runtime_data.coordinator
    caps = coordinator.camera.capabilities
    added = False

    @callback
    def _add_preset_select() -> None:
        # A preset list the camera only answers at a later refresh gets it then.
        nonlocal added
        if not added and caps.ptz is not None and caps.ptz.presets is not None:
            added = True
            async_add_entities([PresetSelect(coordinator, PRESET)])

    _add_preset_select()
    entry.async_on_unload(coordinator.async_add_listener(_add_preset_select))


PRESET = SelectEntityDescription(key="ptz_preset", translation_key="ptz_preset")


class PresetSelect(CgiCameraEntity, SelectEntity):
    """The presets the camera lists; choosing one moves the camera there."""

    # The camera never says where it points: the choice shown is ours, not its.
    _attr_assumed_state = True

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._choice: str | None = None

    def _presets(self) -> dict[str, int]:
        ptz = self.camera.capabilities.ptz
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

    async def async_select_option(self, option: str) -> None:
        number = self._presets()[option]
        await self._device_call(self.camera.ptz_preset(PresetOp.GOTO, number), "ptz_failed")
        self._choice = option
        self.async_write_ha_state()


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
