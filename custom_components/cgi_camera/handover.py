"""The config flow's connected camera, handed to the set-up of the entry it creates.

Detection has just logged in and identified the camera (the rest of discovery is
left to the set-up, so the flow ends sooner); the set-up that follows at once takes
that camera instead of logging in again, and discovers the rest on it. On a camera
that answers one request at a time in a few hundred milliseconds, a second login and
identity round would be a good part of the entry's time.

Only the entry the flow created takes it, only for the very address and login that
connected, and only for a short while; a camera nobody took is closed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.const import (
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_SSL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
)
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later

from .client import Camera
from .const import CONF_DIALECT, DOMAIN

# Seconds a parked camera waits for its entry's set-up (which normally starts at once).
HANDOVER_WAIT = 60.0

_DATA = f"{DOMAIN}_handover"
# What must be the same for the camera to be the entry's.
_SAME = (CONF_HOST, CONF_PORT, CONF_SSL, CONF_VERIFY_SSL, CONF_USERNAME, CONF_PASSWORD,
         CONF_DIALECT)


@dataclass(slots=True)
class _Parked:
    camera: Camera
    connection: tuple[Any, ...]
    expire: CALLBACK_TYPE


def _connection(data: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(data.get(key) for key in _SAME)


def _parked(hass: HomeAssistant) -> dict[str, _Parked]:
    found: dict[str, _Parked] = hass.data.setdefault(_DATA, {})
    return found


@callback
def async_park(
    hass: HomeAssistant, unique_id: str, camera: Camera, data: Mapping[str, Any]
) -> None:
    """Keep ``camera`` for the set-up of the entry with ``unique_id`` and ``data``."""
    parked = _parked(hass)
    if (previous := parked.pop(unique_id, None)) is not None:
        _release(hass, previous)

    @callback
    def expire(_now: datetime) -> None:
        if (left := parked.get(unique_id)) is not None and left.camera is camera:
            del parked[unique_id]
            hass.async_create_task(camera.close(), eager_start=True)

    parked[unique_id] = _Parked(camera, _connection(data), async_call_later(
        hass, HANDOVER_WAIT, expire))


@callback
def async_take(
    hass: HomeAssistant, unique_id: str | None, data: Mapping[str, Any]
) -> Camera | None:
    """The camera the flow parked for this entry, if it connected with ``data``."""
    found = _parked(hass).pop(unique_id, None) if unique_id else None
    if found is None:
        return None
    found.expire()
    if found.connection != _connection(data):
        _release(hass, found)
        return None
    return found.camera


@callback
def _release(hass: HomeAssistant, parked: _Parked) -> None:
    parked.expire()
    hass.async_create_task(parked.camera.close(), eager_start=True)
