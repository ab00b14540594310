"""Numbers: every ranged setting, with the range the device (or its spec) gives."""

from __future__ import annotations

from homeassistant.components.number import NumberEntity, NumberEntityDescription, NumberMode
from homeassistant.const import PERCENTAGE, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import SettingKey, SettingKind
from .data import CgiCameraConfigEntry
from .entity import CgiSettingEntity, async_setup_setting_entities

PARALLEL_UPDATES = 1

K = SettingKey


def _d(
    key: SettingKey, *, enabled: bool = True, unit: str | None = None
) -> NumberEntityDescription:
    return NumberEntityDescription(
        key=key, translation_key=key, entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=enabled, mode=NumberMode.SLIDER,
        native_unit_of_measurement=unit,
    )


DESCRIPTIONS: dict[SettingKey, NumberEntityDescription] = {
    d.key: d  # type: ignore[misc]
    for d in (
        _d(K.BRIGHTNESS),
        _d(K.CONTRAST),
        _d(K.SATURATION),
        _d(K.SHARPNESS),
        _d(K.HUE),
        _d(K.HIGHLIGHT_COMPENSATION, enabled=False),
        _d(K.BACKLIGHT_COMPENSATION, enabled=False),
        _d(K.NOISE_REDUCTION_2D, enabled=False),
        _d(K.NOISE_REDUCTION_3D, enabled=False),
        _d(K.WDR_LEVEL, enabled=False),
        _d(K.IR_BRIGHTNESS, unit=PERCENTAGE),
        _d(K.WHITE_LIGHT_BRIGHTNESS, unit=PERCENTAGE),
        _d(K.MICROPHONE_VOLUME, unit=PERCENTAGE),
        _d(K.VOLUME, unit=PERCENTAGE),
        _d(K.MOTION_SENSITIVITY),
        _d(K.MOTION_THRESHOLD, enabled=False),
        _d(K.NIGHT_MOTION_SENSITIVITY, enabled=False),
        _d(K.NIGHT_MOTION_THRESHOLD, enabled=False),
        _d(K.NOISE_REDUCTION, enabled=False),
        # cgi_action
        _d(K.GAMMA, enabled=False),
        _d(K.REGION_SENSITIVITY),
        _d(K.FIRE_SENSITIVITY),
    )
}


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CgiCameraConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a number per ranged setting."""
    async_setup_setting_entities(
        entry, SettingKind.NUMBER, DESCRIPTIONS, CgiNumber, async_add_entities
    )


class CgiNumber(CgiSettingEntity, NumberEntity):
    """A ranged setting."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if self.setting.minimum is not None:
            self._attr_native_min_value = self.setting.minimum
        if self.setting.maximum is not None:
            self._attr_native_max_value = self.setting.maximum
        self._attr_native_step = self.setting.step
        if (
            self.entity_description.native_unit_of_measurement == PERCENTAGE
            and self.setting.maximum is not None
            and self.setting.maximum != 100
        ):
            # A 0-9 volume is no percentage: show the device's own scale unitless.
            self._attr_native_unit_of_measurement = None

    @property
    def native_value(self) -> float | None:
        value = self.current
        if value is None or isinstance(value, int | float):
            return value
        return float(value)

    async def async_set_native_value(self, value: float) -> None:
        await self._write(int(value) if float(value).is_integer() else value)
