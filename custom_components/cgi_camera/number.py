"""Numbers: every ranged setting, with the range the device (or its spec) gives."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.number import NumberEntity, NumberEntityDescription, NumberMode
from homeassistant.const import PERCENTAGE, EntityCategory

from .client import Setting, SettingKey, SettingKind
from .coordinator import SettingsCoordinator
from .entity import CgiSettingDescription, CgiSettingEntity, by_key
from .platform_setup import setting_platform

PARALLEL_UPDATES = 1


def _number(value: Any) -> float:
    return value if isinstance(value, int | float) else float(value)


def _ranged(setting: Setting) -> bool:
    return setting.kind is SettingKind.NUMBER


@dataclass(frozen=True, kw_only=True)
class CgiNumberDescription(CgiSettingDescription[float], NumberEntityDescription):
    """A ranged configuration setting, shown as a slider.

    The unit is the vocabulary's (``Setting.unit``) where it gives one, else this one.
    """

    entity_category: EntityCategory | None = EntityCategory.CONFIG
    mode: NumberMode = NumberMode.SLIDER
    value_fn: Callable[[Any], float] = _number
    supported_fn: Callable[[Setting], bool] = _ranged


K = SettingKey
D = CgiNumberDescription

DESCRIPTIONS = by_key(
    D(key=K.BRIGHTNESS),
    D(key=K.CONTRAST),
    D(key=K.SATURATION),
    D(key=K.SHARPNESS),
    D(key=K.HUE),
    D(key=K.HIGHLIGHT_COMPENSATION, entity_registry_enabled_default=False),
    D(key=K.BACKLIGHT_COMPENSATION, entity_registry_enabled_default=False),
    D(key=K.NOISE_REDUCTION_2D, entity_registry_enabled_default=False),
    D(key=K.NOISE_REDUCTION_3D, entity_registry_enabled_default=False),
    D(key=K.WDR_LEVEL, entity_registry_enabled_default=False),
    D(key=K.IR_BRIGHTNESS, native_unit_of_measurement=PERCENTAGE),
    D(key=K.WHITE_LIGHT_BRIGHTNESS, native_unit_of_measurement=PERCENTAGE),
    D(key=K.MICROPHONE_VOLUME, native_unit_of_measurement=PERCENTAGE),
    D(key=K.VOLUME, native_unit_of_measurement=PERCENTAGE),
    D(key=K.MOTION_SENSITIVITY),
    D(key=K.MOTION_THRESHOLD, entity_registry_enabled_default=False),
    D(key=K.NIGHT_MOTION_SENSITIVITY, entity_registry_enabled_default=False),
    D(key=K.NIGHT_MOTION_THRESHOLD, entity_registry_enabled_default=False),
    D(key=K.NOISE_REDUCTION, entity_registry_enabled_default=False),
    D(key=K.GAMMA, entity_registry_enabled_default=False),
    D(key=K.REGION_SENSITIVITY),
    D(key=K.FIRE_SENSITIVITY),
)


class CgiNumber(CgiSettingEntity[float], NumberEntity):
    """A ranged setting."""

    entity_description: CgiNumberDescription

    def __init__(
        self,
        coordinator: SettingsCoordinator,
        description: CgiNumberDescription,
        channel: int | None = None,
    ) -> None:
        super().__init__(coordinator, description, channel)
        setting = self.setting
        if setting.minimum is not None:
            self._attr_native_min_value = setting.minimum
        if setting.maximum is not None:
            self._attr_native_max_value = setting.maximum
        self._attr_native_step = setting.step
        unit = setting.unit or description.native_unit_of_measurement
        if unit == PERCENTAGE and setting.maximum is not None and setting.maximum != 100:
            # A 0-9 volume is no percentage: show the device's own scale unitless.
            unit = None
        self._attr_native_unit_of_measurement = unit

    @property
    def native_value(self) -> float | None:
        return self.current

    async def async_set_native_value(self, value: float) -> None:
        await self._write(int(value) if float(value).is_integer() else value)


async_setup_entry = setting_platform(DESCRIPTIONS, CgiNumber)
