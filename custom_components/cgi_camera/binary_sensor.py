"""Binary sensors: one per alarm source, plus the health of the alarm stream.

The alarm coordinator lists the sources: those the camera declares exist from set-up
(off, so automations can be written before anything happened), the rest from their
first report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .alarms import AlarmCoordinator
from .client.models import AlarmKind, AlarmSource
from .data import CgiCameraConfigEntry
from .devices import device_info, unique_id
from .platform_setup import async_add_as_found

PARALLEL_UPDATES = 0  # state comes from the alarm coordinator

K = AlarmKind
D = BinarySensorDeviceClass
DEVICE_CLASSES: dict[AlarmKind, BinarySensorDeviceClass | None] = {
    K.MOTION: D.MOTION,
    K.IO_INPUT: D.SAFETY,  # a wired alarm contact: on reads "Unsafe", off "Safe"
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



@dataclass(frozen=True, kw_only=True)
class FeedDescription(BinarySensorEntityDescription):
    """The connectivity of one live alarm feed, while the camera has the feed."""

    device_class: BinarySensorDeviceClass | None = D.CONNECTIVITY
    entity_category: EntityCategory | None = EntityCategory.DIAGNOSTIC
    supported_fn: Callable[[AlarmCoordinator], bool]
    value_fn: Callable[[AlarmCoordinator], bool]


FEEDS = {
    d.key: d
    for d in (
        FeedDescription(
            key="alarm_stream", translation_key="alarm_stream",
            supported_fn=lambda alarms: alarms.push,
            value_fn=lambda alarms: alarms.stream_connected,
        ),
        FeedDescription(
            key="onvif_events", translation_key="onvif_events",
            supported_fn=lambda alarms: alarms.has_onvif,
            value_fn=lambda alarms: alarms.onvif_connected,
        ),
    )
}


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

    def _found() -> list[AlarmSource | str]:
        # The coordinator's sources: capped, whatever the camera reports or pushes;
        # then a connectivity sensor per live feed, as feeds turn up (ONVIF after set-up).
        feeds = [key for key, feed in FEEDS.items() if feed.supported_fn(alarms)]
        return [*sorted(alarms.sources), *feeds]

    def _make(thing: AlarmSource | str) -> BinarySensorEntity:
        if isinstance(thing, AlarmSource):
            return AlarmSensor(alarms, thing)
        return FeedSensor(alarms, FEEDS[thing])

    async_add_as_found(entry, alarms, async_add_entities, _found, _make)
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

    entity_description: FeedDescription

    def __init__(self, coordinator: AlarmCoordinator, description: FeedDescription) -> None:
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
        return self.entity_description.value_fn(self.coordinator)
