"""Diagnostics: what the camera reported, with every secret redacted."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant

from .client import redact_url
from .const import CONF_RTSP_URL, CONF_SNAPSHOT_URL
from .data import CgiCameraConfigEntry, ready

TO_REDACT = {CONF_PASSWORD, CONF_USERNAME, "mac", "serial", "unique_id", "title"}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: CgiCameraConfigEntry
) -> dict[str, Any]:
    """Entry, device identity, capabilities and the last state."""
    options = dict(entry.options)
    for key in (CONF_RTSP_URL, CONF_SNAPSHOT_URL):
        if options.get(key):
            options[key] = redact_url(options[key])
    described = async_redact_data(
        {"title": entry.title, "unique_id": entry.unique_id, "data": dict(entry.data),
         "options": options},
        TO_REDACT,
    )
    if not ready(entry):
        return {"entry": described, "state": str(entry.state), "ready": False}
    data = entry.runtime_data
    camera = data.camera
    caps = camera.capabilities
    return {
        "entry": described,
        "device": async_redact_data(
            {name: getattr(camera.info, name) for name in camera.info.__slots__}, TO_REDACT
        ),
        "capabilities": {
            "settings": {
                str(k): {"kind": str(s.kind), "min": s.minimum, "max": s.maximum,
                         "options": list(s.options), "assumed_state": s.assumed_state}
                for k, s in caps.settings.items()
            },
            "actions": sorted(str(a) for a in caps.actions),
            "ptz": None if caps.ptz is None else {
                "moves": sorted(str(m) for m in caps.ptz.moves),
                "speed": [caps.ptz.speed_min, caps.ptz.speed_max],
                "presets": [caps.ptz.preset_min, caps.ptz.preset_max],
            },
            "alarms": sorted(a.key for a in caps.alarms),
            "alarm_push": caps.alarm_push,
            "recordings": caps.recordings,
        },
        "stream_urls": {
            str(channel): redact_url(url) if url else None
            for channel, url in data.stream_urls.items()
        },
        "state": {
            k if isinstance(k, str) else f"{k[0]}@channel{k[1]}": str(v)
            for k, v in data.coordinator.data.items()
        },
        "last_update_success": data.coordinator.last_update_success,
        "clock_offset_seconds": None if data.clock.offset is None
        else round(data.clock.offset.total_seconds()),
        "login_verified": camera.login_verified,
        "auth_scheme": camera.auth_scheme,
        "alarm_events_dropped": None if data.alarms is None else data.alarms.events_dropped,
        "alarm_feeds": {} if data.alarms is None else {
            live.name: {"connected": live.connected, "drops": live.drops}
            for live in data.alarms.live
        },
        "onvif": None if data.onvif is None else data.onvif.status,
    }
