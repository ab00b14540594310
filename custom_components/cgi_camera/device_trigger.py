"""Device triggers: "<alarm> started/stopped" for every alarm a camera reports or
declares (the alarm coordinator's sources: the same as the binary sensors')."""

from __future__ import annotations

from homeassistant.components.device_automation import DEVICE_TRIGGER_BASE_SCHEMA
from homeassistant.components.device_automation.exceptions import InvalidDeviceAutomationConfig
from homeassistant.components.homeassistant.triggers import event as event_trigger
from homeassistant.const import CONF_DEVICE_ID, CONF_DOMAIN, CONF_PLATFORM, CONF_TYPE
from homeassistant.core import CALLBACK_TYPE, HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.trigger import TriggerActionType, TriggerInfo
from homeassistant.helpers.typing import ConfigType
import voluptuous as vol

from .client.models import AlarmKind
from .const import DOMAIN, EVENT_ALARM
from .data import ready
from .devices import device_identifier

CONF_SUBTYPE = "subtype"
STARTED = "_started"
STOPPED = "_stopped"
TRIGGER_TYPES = {f"{kind}{edge}" for kind in AlarmKind for edge in (STARTED, STOPPED)}

TRIGGER_SCHEMA = DEVICE_TRIGGER_BASE_SCHEMA.extend(
    {
        vol.Required(CONF_TYPE): vol.In(TRIGGER_TYPES),
        vol.Optional(CONF_SUBTYPE, default="1"): str,
    }
)


def _sources(hass: HomeAssistant, device_id: str) -> list[tuple[str, int]]:
    """(kind, index) of every alarm source of the camera or channel ``device_id``."""
    device = dr.async_get(hass).async_get(device_id)
    if device is None:
        raise InvalidDeviceAutomationConfig(
            translation_domain=DOMAIN,
            translation_key="unknown_device",
            translation_placeholders={"device_id": device_id},
        )
    found: list[tuple[str, int]] = []
    # An entry's devices are told apart by identifier alone: each carries the entry's
    # own unique id, so no ownership lookup is needed (``DeviceEntry.config_entries``
    # is deprecated for ``config_entry_id`` on newer Home Assistant; 2027.10 drops it).
    for entry in hass.config_entries.async_entries(DOMAIN):
        if not ready(entry):
            continue
        alarms = entry.runtime_data.alarms
        if alarms is None:
            continue
        camera = alarms.camera
        # The coordinator's admitted sources: capped, like the binary sensors.
        for source in alarms.sources:
            if device_identifier(entry, camera, source.channel) in device.identifiers:
                found.append((str(source.kind), source.index))
    return sorted(set(found))


async def async_get_triggers(hass: HomeAssistant, device_id: str) -> list[dict[str, str]]:
    """The triggers a camera (or recorder channel) offers."""
    return [
        {
            CONF_PLATFORM: "device",
            CONF_DEVICE_ID: device_id,
            CONF_DOMAIN: DOMAIN,
            CONF_TYPE: f"{kind}{edge}",
            CONF_SUBTYPE: str(index),
        }
        for kind, index in _sources(hass, device_id)
        for edge in (STARTED, STOPPED)
    ]


async def async_attach_trigger(
    hass: HomeAssistant,
    config: ConfigType,
    action: TriggerActionType,
    trigger_info: TriggerInfo,
) -> CALLBACK_TYPE:
    """Listen for the matching ``cgi_camera_alarm`` events."""
    trigger_type: str = config[CONF_TYPE]
    active = trigger_type.endswith(STARTED)
    kind = trigger_type.removesuffix(STARTED if active else STOPPED)
    event_config = event_trigger.TRIGGER_SCHEMA(
        {
            CONF_PLATFORM: "event",
            "event_type": EVENT_ALARM,
            "event_data": {
                "device_id": config[CONF_DEVICE_ID],
                "kind": kind,
                "index": int(config.get(CONF_SUBTYPE, "1")),
                "active": active,
            },
        }
    )
    return await event_trigger.async_attach_trigger(
        hass, event_config, action, trigger_info, platform_type="device"
    )
