"""Switches: every boolean setting the camera reports (or accepts, assumed)."""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import SettingKey, SettingKind
from .data import CgiCameraConfigEntry
from .entity import CgiSettingEntity, async_setup_setting_entities

PARALLEL_UPDATES = 1

K = SettingKey
CONFIG = EntityCategory.CONFIG


def _d(key: SettingKey, *, category: EntityCategory | None = CONFIG,
       enabled: bool = True) -> SwitchEntityDescription:
    return SwitchEntityDescription(
        key=key, translation_key=key, entity_category=category,
        entity_registry_enabled_default=enabled,
    )


DESCRIPTIONS: dict[SettingKey, SwitchEntityDescription] = {
    d.key: d  # type: ignore[misc]
    for d in (
        _d(K.MOTION_DETECTION, category=None),
        _d(K.NIGHT_MOTION_DETECTION),
        _d(K.AUDIO),
        _d(K.AUDIO_AMPLIFIER, enabled=False),
        _d(K.OSD, enabled=False),
        _d(K.OSD_WEEKDAY, enabled=False),
        _d(K.IR_LIGHT, category=None),
        _d(K.WHITE_LIGHT, category=None),
        _d(K.FLIP),
        _d(K.MIRROR),
        _d(K.WDR),
        _d(K.ANTI_FLICKER),
        _d(K.RELAY, category=None),
        _d(K.HIGHLIGHT_COMPENSATION_ENABLED),
        _d(K.RECORD_SCHEDULE),
        _d(K.SPEAKER),
        _d(K.DEFOG),
        _d(K.STABILIZATION),
        _d(K.BACKLIGHT_COMPENSATION_ENABLED),
        _d(K.RECORDING, category=None),
        # cgi_action
        _d(K.ALARM_INPUT),
        _d(K.OCCLUSION_DETECTION),
        _d(K.REGION_DETECTION),
        _d(K.FIRE_DETECTION),
        _d(K.PRIVACY_MASK),
    )
}


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CgiCameraConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a switch per boolean setting."""
    async_setup_setting_entities(
        entry, SettingKind.BOOL, DESCRIPTIONS, CgiSwitch, async_add_entities
    )


class CgiSwitch(CgiSettingEntity, SwitchEntity):
    """A boolean setting."""

    @property
    def is_on(self) -> bool | None:
        value = self.current
        return None if value is None else bool(value)

    async def async_turn_on(self, **kwargs: Any) -> None:
        await self._write(True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        await self._write(False)
