"""Numbers: every ranged setting, with the range the device (or its spec) gives.

A camera with PTZ moves also gets the step length and speed of its direction buttons:
settings of Home Assistant's, not the camera's, kept across restarts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
    RestoreNumber,
)
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import Setting, SettingKey, SettingKind
from .coordinator import SettingsCoordinator
from .data import CgiCameraConfigEntry
from .entity import CgiCameraEntity, CgiSettingDescription, CgiSettingEntity, by_key
from .platform_setup import async_add_as_found, async_add_setting_entities
from .ptz import (
    STEP_LENGTH_MAX,
    STEP_LENGTH_MIN,
    StepSettings,
    nudges,
)

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


@dataclass(frozen=True, kw_only=True)
class PtzStepDescription(NumberEntityDescription):
    """One of the PTZ step settings, read from and written to the entry's one copy."""

    entity_category: EntityCategory | None = EntityCategory.CONFIG
    get: Callable[[StepSettings], float]
    put: Callable[[StepSettings, float], None]


def _put_length(settings: StepSettings, value: float) -> None:
    settings.length = value


def _put_speed(settings: StepSettings, value: float) -> None:
    settings.speed = round(value)


PTZ_STEP: dict[str, PtzStepDescription] = {
    d.key: d
    for d in (
        PtzStepDescription(
            key="ptz_step_length", translation_key="ptz_step_length",
            device_class=NumberDeviceClass.DURATION,
            native_unit_of_measurement=UnitOfTime.SECONDS,
            native_min_value=STEP_LENGTH_MIN, native_max_value=STEP_LENGTH_MAX,
            native_step=0.1, get=lambda s: s.length, put=_put_length,
        ),
        PtzStepDescription(
            key="ptz_step_speed", translation_key="ptz_step_speed",
            native_unit_of_measurement=PERCENTAGE,
            native_min_value=1, native_max_value=100, native_step=1,
            get=lambda s: s.speed, put=_put_speed,
        ),
    )
}


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CgiCameraConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a number per ranged setting, and the PTZ step's on a head that moves."""
    async_add_setting_entities(entry, DESCRIPTIONS, CgiNumber, async_add_entities)
    coordinator = entry.runtime_data.coordinator
    settings = entry.runtime_data.ptz_step

    def _step_keys() -> list[str]:
        return list(PTZ_STEP) if nudges(coordinator.camera.capabilities.ptz) else []

    async_add_as_found(
        entry, coordinator, async_add_entities, _step_keys,
        lambda key: PtzStepNumber(coordinator, PTZ_STEP[key], settings),
    )


class PtzStepNumber(CgiCameraEntity, RestoreNumber):
    """A PTZ step setting; the value is the entry's, restored after a restart."""

    entity_description: PtzStepDescription

    def __init__(
        self,
        coordinator: SettingsCoordinator,
        description: PtzStepDescription,
        settings: StepSettings,
    ) -> None:
        super().__init__(coordinator, description)
        self._settings = settings

    @property
    def available(self) -> bool:
        return True  # kept by Home Assistant: there even while the camera is away

    @property
    def native_value(self) -> float:
        return self.entity_description.get(self._settings)

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        last = await self.async_get_last_number_data()
        value = None if last is None else last.native_value
        # Out of range (or NaN): the default stays.
        if value is not None and self.native_min_value <= value <= self.native_max_value:
            self.entity_description.put(self._settings, value)

    async def async_set_native_value(self, value: float) -> None:
        self.entity_description.put(self._settings, value)
        self.async_write_ha_state()
