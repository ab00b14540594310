"""Sensors: the read-only values the camera reports, and values computed from them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, EntityCategory, Platform, UnitOfInformation
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util.unit_conversion import InformationConverter

from .client import Setting, SettingKey, SettingKind
from .client.models import UNKNOWN_STATE
from .coordinator import SettingsCoordinator
from .data import CgiCameraConfigEntry
from .devices import registered
from .entity import CgiCameraEntity, CgiSettingDescription, CgiSettingEntity, by_key
from .platform_setup import async_add_as_found, async_add_setting_entities

PARALLEL_UPDATES = 0  # read-only: the coordinator does all the talking

type Native = str | int | float | datetime


def _native(value: Any) -> Native:
    return value if isinstance(value, str | int | float | datetime) else str(value)


def _read_only(setting: Setting) -> bool:
    return setting.kind is SettingKind.VALUE


@dataclass(frozen=True, kw_only=True)
class CgiSensorDescription(CgiSettingDescription[Native], SensorEntityDescription):
    """A read-only value, diagnostic unless said otherwise.

    The unit is the vocabulary's (``Setting.unit``) where it gives one, else this one.
    """

    entity_category: EntityCategory | None = EntityCategory.DIAGNOSTIC
    value_fn: Callable[[Any], Native] = _native
    supported_fn: Callable[[Setting], bool] = _read_only


K = SettingKey
D = CgiSensorDescription
SIZE = SensorDeviceClass.DATA_SIZE
ENUM = SensorDeviceClass.ENUM  # the options are the setting's (see CgiSensor)
MEASUREMENT = SensorStateClass.MEASUREMENT

DESCRIPTIONS = by_key(
    D(key=K.BOOT_TIME, device_class=SensorDeviceClass.TIMESTAMP),
    D(key=K.SD_CARD_STATUS, device_class=ENUM),
    D(key=K.SD_CARD_2_STATUS, device_class=ENUM, entity_registry_enabled_default=False),
    # Sizes: shown in the unit their first value reads best in (see _size_unit).
    D(key=K.MEMORY_FREE, device_class=SIZE, state_class=MEASUREMENT,
      entity_registry_enabled_default=False),
    D(key=K.SD_TOTAL, device_class=SIZE, entity_registry_enabled_default=False),
    D(key=K.SD_FREE, device_class=SIZE, state_class=MEASUREMENT),
    # No known scale fits the values cameras report: raw, unitless.
    D(key=K.WIFI_SIGNAL, entity_registry_enabled_default=False),
    D(key=K.WIFI_STATUS, device_class=ENUM),
    D(key=K.PLATFORM_VERSION, entity_registry_enabled_default=False),
    D(key=K.KERNEL_VERSION, entity_registry_enabled_default=False),
    # Where the device pushes events (payload undocumented): shown, never written.
    D(key=K.MQTT_SERVER),
    D(key=K.MQTT_TOPIC),
    D(key=K.PLATFORM_SERVER),
    D(key=K.PLATFORM_WS_SERVER, entity_registry_enabled_default=False),
)




def _used_percent(values: Sequence[Any]) -> float | None:
    """How full the card is, from its size and free space (None: no card, or unknown)."""
    total, free = values
    if not isinstance(total, int | float) or not isinstance(free, int | float) or total <= 0:
        return None
    return round(max(0.0, min(100.0, (total - free) * 100 / total)), 2)


@dataclass(frozen=True, kw_only=True)
class CgiDerivedDescription(SensorEntityDescription):
    """A value computed from settings the camera reports, at each read of them.

    ``needs``: the device's settings it is computed from (it exists where all do);
    ``value_fn`` gets their current values in that order, any of them maybe None.
    """

    entity_category: EntityCategory | None = EntityCategory.DIAGNOSTIC
    needs: tuple[SettingKey, ...]
    value_fn: Callable[[Sequence[Any]], Native | None]


DERIVED = {
    description.key: description
    for description in (
        CgiDerivedDescription(
            key="sd_used", translation_key="sd_used", needs=(K.SD_TOTAL, K.SD_FREE),
            value_fn=_used_percent, native_unit_of_measurement=PERCENTAGE,
            state_class=MEASUREMENT, suggested_display_precision=1,
        ),
    )
}
# Sensors earlier versions made that are no more (the firmware version is in the
# device info): removed from the registry rather than left unavailable.
# A size is shown in the largest of these units its first value reaches, with the
# precision that unit reads well in: 64 MB stays "64 MB", 12000 MB reads "12.0 GB".
_SIZE_UNITS: tuple[tuple[str, int], ...] = (
    (UnitOfInformation.TERABYTES, 1),
    (UnitOfInformation.GIGABYTES, 1),
    (UnitOfInformation.MEGABYTES, 0),
    (UnitOfInformation.KILOBYTES, 0),
)
_SIZE_PRECISION = dict(_SIZE_UNITS)


def _size_unit(native: str, first: Any) -> str:
    """The unit a size reads best in: ``first`` (unknown or 0: a thousand ``native``
    units, a card not read yet is most likely gigabytes) is at least 1 of it."""
    value = first if isinstance(first, int | float) and first > 0 else 1000
    return next((unit for unit, _ in _SIZE_UNITS
                 if InformationConverter.convert(value, native, unit) >= 1), native)


class CgiSensor(CgiSettingEntity[Native], SensorEntity):
    """A read-only value; an enum of the setting's options where it has them."""

    entity_description: CgiSensorDescription

    def __init__(
        self,
        coordinator: SettingsCoordinator,
        description: CgiSensorDescription,
        channel: int | None = None,
    ) -> None:
        super().__init__(coordinator, description, channel)
        native = self.setting.unit or description.native_unit_of_measurement
        self._attr_native_unit_of_measurement = native
        if self.setting.options:
            self._attr_device_class = SensorDeviceClass.ENUM
            # Wire values may share a state; a wire value the dialect does not know
            # reads as unknown.
            self._attr_options = list(dict.fromkeys((*self.setting.options, UNKNOWN_STATE)))
        if description.device_class is SIZE and native in _SIZE_PRECISION:
            # Home Assistant keeps the unit an entity was first shown in (its registry
            # entry): the precision must be that unit's, so it is asked first.
            unit = self._registered_unit() or _size_unit(native, self.current)
            self._attr_suggested_unit_of_measurement = unit
            self._attr_suggested_display_precision = _SIZE_PRECISION.get(unit)

    def _registered_unit(self) -> str | None:
        found = registered(self.coordinator.hass, Platform.SENSOR, self.unique_id or "")
        if found is None or (private := found.options.get(f"{Platform.SENSOR}.private")) is None:
            return None
        unit = private.get("suggested_unit_of_measurement")
        return unit if isinstance(unit, str) else None

    @property
    def native_value(self) -> Native | None:
        value = self.current
        options = self.options
        # Never a state outside the options (Home Assistant would refuse the update).
        if options is not None and value is not None and value not in options:
            return UNKNOWN_STATE
        return value


class CgiDerivedSensor(CgiCameraEntity, SensorEntity):
    """A value of the device computed from the coordinator's data (which owns the
    values it is computed from: nothing is kept here)."""

    entity_description: CgiDerivedDescription

    @property
    def available(self) -> bool:
        data = self.coordinator.data
        return super().available and all(key in data for key in self.entity_description.needs)

    @property
    def native_value(self) -> Native | None:
        data = self.coordinator.data
        return self.entity_description.value_fn(
            [data.get(key) for key in self.entity_description.needs])


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CgiCameraConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """A sensor per read-only setting, and per value computed from the device's."""
    async_add_setting_entities(entry, DESCRIPTIONS, CgiSensor, async_add_entities)
    coordinator = entry.runtime_data.coordinator
    caps = coordinator.camera.capabilities

    def _derived() -> list[str]:
        return [key for key, description in DERIVED.items()
                if all(need in caps.settings for need in description.needs)]

    def _make(key: str) -> CgiDerivedSensor:
        return CgiDerivedSensor(coordinator, DERIVED[key])

    async_add_as_found(entry, coordinator, async_add_entities, _derived, _make)
