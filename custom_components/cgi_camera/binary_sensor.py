"""Binary sensors: one per alarm source, plus the health of the alarm stream."""

from __future__ import annotations

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .alarms import AlarmCoordinator
from .client.models import AlarmKind, AlarmSource
from .data import CgiCameraConfigEntry
from .entity import device_info, unique_id

PARALLEL_UPDATES = 0  # state comes from the alarm coordinator

K = AlarmKind
D = BinarySensorDeviceClass
DEVICE_CLASSES: dict[AlarmKind, BinarySensorDeviceClass | None] = {
    K.MOTION: D.MOTION,
    K.IO_INPUT: None,
    K.TAMPER: D.TAMPER,
    K.VIDEO_LOSS: D.PROBLEM,
    K.PIR: D.MOTION,
    K.AUDIO: D.SOUND,
    K.NETWORK: D.PROBLEM,
    K.DAY_NIGHT: None,
    K.SMART_MOTION: D.MOTION,
    K.PERSON: D.OCCUPANCY,
    K.VEHICLE: D.MOTION,
    K.LINE_CROSSING: D.MOTION,
    K.INTRUSION: D.MOTION,
    K.LOITERING: D.OCCUPANCY,
    K.OBJECT_LEFT: D.PROBLEM,
    K.OBJECT_REMOVED: D.PROBLEM,
    K.FIRE: D.SMOKE,
    K.TEMPERATURE: D.HEAT,
    K.DISK: D.PROBLEM,
    K.RECORDING: D.RUNNING,
}
# Noisy or rarely wanted ones start disabled.
DISABLED = {K.DAY_NIGHT, K.NETWORK}

STREAM = BinarySensorEntityDescription(
    key="alarm_stream",
    translation_key="alarm_stream",
    device_class=D.CONNECTIVITY,
    entity_category=EntityCategory.DIAGNOSTIC,
)
ONVIF_EVENTS = BinarySensorEntityDescription(
    key="onvif_events",
    translation_key="onvif_events",
    device_class=D.CONNECTIVITY,
    entity_category=EntityCategory.DIAGNOSTIC,
)


def description(source: AlarmSource) -> BinarySensorEntityDescription:
    """The entity description of an alarm source."""
    return BinarySensorEntityDescription(
        key=source.key,
        translation_key=str(source.kind),
        translation_placeholders={"index": str(source.index)},
        device_class=DEVICE_CLASSES[source.kind],
        entity_registry_enabled_default=source.kind not in DISABLED,
    )


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CgiCameraConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add alarm sensors, and more whenever the camera reports a new source."""
    alarms = entry.runtime_data.alarms
    if alarms is None:
        return
    known: set[AlarmSource] = set()
    feeds: set[str] = set()

    @callback
    def _add_new() -> None:
        # The coordinator's sources: capped, whatever the camera reports or pushes.
        new = sorted(alarms.sources - known)
        if new:
            known.update(new)
            async_add_entities(AlarmSensor(alarms, source) for source in new)
        # A connectivity sensor per live feed, as feeds turn up (ONVIF after set-up).
        for description, present in ((STREAM, alarms.push), (ONVIF_EVENTS, alarms.has_onvif)):
            if present and description.key not in feeds:
                feeds.add(description.key)
                async_add_entities([FeedSensor(alarms, description)])

    _add_new()
    entry.async_on_unload(alarms.async_add_listener(_add_new))
    alarms.async_start()


class AlarmSensor(CoordinatorEntity[AlarmCoordinator], BinarySensorEntity):
    """On while the camera reports this alarm."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: AlarmCoordinator, source: AlarmSource) -> None:
        super().__init__(coordinator)
        entry = coordinator.config_entry
        self.source = source
        self.entity_description = description(source)
        self._attr_unique_id = unique_id(entry, f"alarm_{source.key}")
        self._attr_device_info = device_info(entry, coordinator.camera, source.channel)

    @property
    def available(self) -> bool:
        # Live states stay valid while a live feed is up, whatever polling did.
        return self.coordinator.states_available

    @property
    def is_on(self) -> bool:
        return bool((self.coordinator.data or {}).get(self.source, False))


class FeedSensor(CoordinatorEntity[AlarmCoordinator], BinarySensorEntity):
    """Connected while a live alarm feed (the camera's push stream, ONVIF) is up."""

    _attr_has_entity_name = True

    def __init__(
        self, coordinator: AlarmCoordinator, description: BinarySensorEntityDescription
    ) -> None:
        super().__init__(coordinator)
        entry = coordinator.config_entry
        self.entity_description = description
        self._attr_unique_id = unique_id(entry, description.key)
        self._attr_device_info = device_info(entry, coordinator.camera)

    @property
    def available(self) -> bool:
        return True

    @property
    def is_on(self) -> bool:
        if self.entity_description.key == ONVIF_EVENTS.key:
            return self.coordinator.onvif_connected
        return self.coordinator.stream_connected
