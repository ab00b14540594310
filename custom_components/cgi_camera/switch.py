"""Switches: every boolean setting the camera reports (or accepts, assumed)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory

from .client import Setting, SettingKey, SettingKind
from .entity import CgiSettingDescription, CgiSettingEntity, by_key
from .platform_setup import setting_platform

PARALLEL_UPDATES = 1


def _boolean(setting: Setting) -> bool:
    return setting.kind is SettingKind.BOOL


@dataclass(frozen=True, kw_only=True)
class CgiSwitchDescription(CgiSettingDescription[bool], SwitchEntityDescription):
    """A boolean setting; a configuration switch unless said otherwise."""

    entity_category: EntityCategory | None = EntityCategory.CONFIG
    value_fn: Callable[[Any], bool] = bool
    supported_fn: Callable[[Setting], bool] = _boolean


K = SettingKey
D = CgiSwitchDescription

DESCRIPTIONS = by_key(
    D(key=K.MOTION_DETECTION, entity_category=None),
    D(key=K.NIGHT_MOTION_DETECTION),
    D(key=K.AUDIO),
    D(key=K.AUDIO_AMPLIFIER, entity_registry_enabled_default=False),
    D(key=K.OSD, entity_registry_enabled_default=False),
    D(key=K.OSD_WEEKDAY, entity_registry_enabled_default=False),
    D(key=K.IR_LIGHT, entity_category=None),
    D(key=K.WHITE_LIGHT, entity_category=None),
    D(key=K.FLIP),
    D(key=K.MIRROR),
    D(key=K.WDR),
    D(key=K.ANTI_FLICKER),
    D(key=K.RELAY, entity_category=None),
    D(key=K.HIGHLIGHT_COMPENSATION_ENABLED),
    D(key=K.RECORD_SCHEDULE),
    D(key=K.SPEAKER),
    D(key=K.DEFOG),
    D(key=K.STABILIZATION),
    D(key=K.BACKLIGHT_COMPENSATION_ENABLED),
    D(key=K.RECORDING, entity_category=None),
    D(key=K.ALARM_INPUT),
    D(key=K.OCCLUSION_DETECTION),
    D(key=K.REGION_DETECTION),
    D(key=K.FIRE_DETECTION),
    D(key=K.PRIVACY_MASK),
)


class CgiSwitch(CgiSettingEntity[bool], SwitchEntity):
    """A boolean setting."""

    entity_description: CgiSwitchDescription

    @property
    def is_on(self) -> bool | None:
        return self.current

    async def async_turn_on(self, **kwargs: Any) -> None:
        await self._write(True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        await self._write(False)


async_setup_entry = setting_platform(DESCRIPTIONS, CgiSwitch)
