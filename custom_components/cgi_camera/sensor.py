"""Sensors: the read-only values the camera reports."""

from __future__ import annotations

from datetime import datetime

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, UnitOfInformation
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import SettingKey, SettingKind
from .data import CgiCameraConfigEntry
from .entity import CgiSettingEntity, async_setup_setting_entities

PARALLEL_UPDATES = 0  # read-only: the coordinator does all the talking

K = SettingKey
DIAGNOSTIC = EntityCategory.DIAGNOSTIC

DESCRIPTIONS: dict[SettingKey, SensorEntityDescription] = {
    d.key: d  # type: ignore[misc]
    for d in (
        SensorEntityDescription(
            key=K.BOOT_TIME, translation_key=K.BOOT_TIME, entity_category=DIAGNOSTIC,
            device_class=SensorDeviceClass.TIMESTAMP,
        ),
        SensorEntityDescription(
            key=K.SD_CARD_STATUS, translation_key=K.SD_CARD_STATUS, entity_category=DIAGNOSTIC,
        ),
        SensorEntityDescription(
            key=K.SD_CARD_2_STATUS, translation_key=K.SD_CARD_2_STATUS,
            entity_category=DIAGNOSTIC, entity_registry_enabled_default=False,
        ),
        SensorEntityDescription(
            key=K.MEMORY_FREE, translation_key=K.MEMORY_FREE, entity_category=DIAGNOSTIC,
            device_class=SensorDeviceClass.DATA_SIZE,
            native_unit_of_measurement=UnitOfInformation.KILOBYTES,
            suggested_unit_of_measurement=UnitOfInformation.MEGABYTES,
            state_class=SensorStateClass.MEASUREMENT,
            entity_registry_enabled_default=False,
        ),
        SensorEntityDescription(
            key=K.SD_TOTAL, translation_key=K.SD_TOTAL, entity_category=DIAGNOSTIC,
            device_class=SensorDeviceClass.DATA_SIZE,
            native_unit_of_measurement=UnitOfInformation.MEGABYTES,
            suggested_unit_of_measurement=UnitOfInformation.GIGABYTES,
            entity_registry_enabled_default=False,
        ),
        SensorEntityDescription(
            key=K.SD_FREE, translation_key=K.SD_FREE, entity_category=DIAGNOSTIC,
            device_class=SensorDeviceClass.DATA_SIZE,
            native_unit_of_measurement=UnitOfInformation.MEGABYTES,
            suggested_unit_of_measurement=UnitOfInformation.GIGABYTES,
            state_class=SensorStateClass.MEASUREMENT,
        ),
        # The seed's example value (808663348) fits no known scale: raw, unitless.
        SensorEntityDescription(
            key=K.WIFI_SIGNAL, translation_key=K.WIFI_SIGNAL, entity_category=DIAGNOSTIC,
            entity_registry_enabled_default=False,
        ),
        # cgi_action
        SensorEntityDescription(
            key=K.WIFI_STATUS, translation_key=K.WIFI_STATUS, entity_category=DIAGNOSTIC,
            device_class=SensorDeviceClass.ENUM,
            options=["not_enabled", "connected", "disabled", "not_connected", "unknown"],
        ),
        SensorEntityDescription(
            key=K.FIRMWARE_VERSION, translation_key=K.FIRMWARE_VERSION,
            entity_category=DIAGNOSTIC,
        ),
        SensorEntityDescription(
            key=K.PLATFORM_VERSION, translation_key=K.PLATFORM_VERSION,
            entity_category=DIAGNOSTIC, entity_registry_enabled_default=False,
        ),
        SensorEntityDescription(
            key=K.KERNEL_VERSION, translation_key=K.KERNEL_VERSION,
            entity_category=DIAGNOSTIC, entity_registry_enabled_default=False,
        ),
        # Where the device pushes events (payload undocumented): shown, never written.
        SensorEntityDescription(
            key=K.MQTT_SERVER, translation_key=K.MQTT_SERVER, entity_category=DIAGNOSTIC,
        ),
        SensorEntityDescription(
            key=K.MQTT_TOPIC, translation_key=K.MQTT_TOPIC, entity_category=DIAGNOSTIC,
        ),
        SensorEntityDescription(
            key=K.PLATFORM_SERVER, translation_key=K.PLATFORM_SERVER,
            entity_category=DIAGNOSTIC,
        ),
        SensorEntityDescription(
            key=K.PLATFORM_WS_SERVER, translation_key=K.PLATFORM_WS_SERVER,
            entity_category=DIAGNOSTIC, entity_registry_enabled_default=False,
        ),
    )
}


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CgiCameraConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a sensor per read-only value."""
    async_setup_setting_entities(
        entry, SettingKind.VALUE, DESCRIPTIONS, CgiSensor, async_add_entities
    )


class CgiSensor(CgiSettingEntity, SensorEntity):
    """A read-only value."""

    @property
    def native_value(self) -> str | int | float | datetime | None:
        value = self.current
        if value is None or isinstance(value, str | int | float | datetime):
            return value
        return str(value)
