"""The ``cgi_camera.ptz`` and ``cgi_camera.ptz_preset`` entity services."""

from __future__ import annotations

from typing import Any

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import (
    config_validation as cv,
    entity_platform,
    service as service_helper,
)
import voluptuous as vol

from .client import PresetOp, PtzMove
from .const import (
    ATTR_ACTION,
    ATTR_DURATION,
    ATTR_MOVEMENT,
    ATTR_PRESET,
    ATTR_SPEED,
    DOMAIN,
    SERVICE_PTZ,
    SERVICE_PTZ_PRESET,
)

PTZ_SCHEMA: dict[Any, Any] = {
    vol.Required(ATTR_MOVEMENT): vol.In([m.value for m in PtzMove]),
    vol.Optional(ATTR_SPEED, default=50): vol.All(vol.Coerce(int), vol.Range(min=1, max=100)),
    vol.Optional(ATTR_DURATION, default=0.5): vol.All(
        vol.Coerce(float), vol.Range(min=0, max=300)
    ),
}
PRESET_SCHEMA: dict[Any, Any] = {
    vol.Required(ATTR_ACTION, default=PresetOp.GOTO.value): vol.In([p.value for p in PresetOp]),
    vol.Required(ATTR_PRESET): vol.All(vol.Coerce(int), vol.Range(min=0, max=65535)),
}
SERVICES = ((SERVICE_PTZ, PTZ_SCHEMA, "async_ptz"), (SERVICE_PTZ_PRESET, PRESET_SCHEMA,
                                                      "async_ptz_preset"))

# Newer Home Assistant versions register entity services once, in async_setup.
_REGISTER_IN_SETUP = hasattr(service_helper, "async_register_platform_entity_service")


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the entity services where Home Assistant supports it (2025.x+)."""
    # Each HA version runs one of the two registrations (tests cover both, per version).
    if _REGISTER_IN_SETUP:  # pragma: no cover
        register = getattr(service_helper, "async_register_platform_entity_service")  # noqa: B009
        for name, schema, method in SERVICES:
            register(hass, DOMAIN, name, entity_domain=Platform.CAMERA, schema=schema,
                     func=method)


@callback
def async_register_platform_services() -> None:
    """Fallback for older versions: register on the camera platform being set up."""
    if not _REGISTER_IN_SETUP:  # pragma: no cover
        platform = entity_platform.async_get_current_platform()
        for name, schema, method in SERVICES:
            platform.async_register_entity_service(
                name, cv.make_entity_service_schema(schema), method
            )
