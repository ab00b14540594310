"""Sensors: the read-only values the camera reports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, UnitOfInformation

from .client import Setting, SettingKey, SettingKind
from .coordinator import SettingsCoordinator
from .entity import CgiSettingDescription, CgiSettingEntity, by_key
from .platform_setup import setting_platform

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
MEASUREMENT = SensorStateClass.MEASUREMENT

DESCRIPTIONS = by_key(
    D(key=K.BOOT_TIME, device_class=SensorDeviceClass.TIMESTAMP),
    D(key=K.SD_CARD_STATUS),
    D(key=K.SD_CARD_2_STATUS, entity_registry_enabled_default=False),
    D(key=K.MEMORY_FREE, device_class=SIZE, state_class=MEASUREMENT,
      suggested_unit_of_measurement=UnitOfInformation.MEGABYTES,
      entity_registry_enabled_default=False),
    D(key=K.SD_TOTAL, device_class=SIZE,
      suggested_unit_of_measurement=UnitOfInformation.GIGABYTES,
      entity_registry_enabled_default=False),
    D(key=K.SD_FREE, device_class=SIZE, state_class=MEASUREMENT,
      suggested_unit_of_measurement=UnitOfInformation.GIGABYTES),
    # No known scale fits the values cameras report: raw, unitless.
    D(key=K.WIFI_SIGNAL, entity_registry_enabled_default=False),
    D(key=K.WIFI_STATUS, device_class=SensorDeviceClass.ENUM,
      options=["not_enabled", "connected", "disabled", "not_connected", "unknown"]),
    D(key=K.FIRMWARE_VERSION),
    D(key=K.PLATFORM_VERSION, entity_registry_enabled_default=False),
    D(key=K.KERNEL_VERSION, entity_registry_enabled_default=False),
    # Where the device pushes events (payload undocumented): shown, never written.
    D(key=K.MQTT_SERVER),
    D(key=K.MQTT_TOPIC),
    D(key=K.PLATFORM_SERVER),
    D(key=K.PLATFORM_WS_SERVER, entity_registry_enabled_default=False),
)


class CgiSensor(CgiSettingEntity[Native], SensorEntity):
    """A read-only value."""

    entity_description: CgiSensorDescription

    def __init__(
        self,
        coordinator: SettingsCoordinator,
        description: CgiSensorDescription,
        channel: int | None = None,
    ) -> None:
        super().__init__(coordinator, description, channel)
        self._attr_native_unit_of_measurement = (
            self.setting.unit or description.native_unit_of_measurement
        )

    @property
    def native_value(self) -> Native | None:
        return self.current


async_setup_entry = setting_platform(DESCRIPTIONS, CgiSensor)
