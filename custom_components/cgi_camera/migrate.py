"""Config entries from earlier versions, brought up to date once.

Minor version 2: the *Firmware version* sensor is gone (firmware is in the device
info); its registry entry is removed, so it is not left unavailable forever.
"""

from __future__ import annotations

import logging

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from .data import CgiCameraConfigEntry
from .devices import registered, unique_id

_LOGGER = logging.getLogger(__name__)

VERSION = 1
MINOR_VERSION = 2

# Entities earlier versions made that nothing makes now.
_RETIRED_IN_2 = ((Platform.SENSOR, "firmware_version"),)


async def async_migrate_entry(hass: HomeAssistant, entry: CgiCameraConfigEntry) -> bool:
    """Bring ``entry`` to :data:`MINOR_VERSION`; an entry from a newer version fails."""
    if entry.version > VERSION:
        _LOGGER.error("%s was made by a newer version of this integration", entry.title)
        return False
    if entry.minor_version < 2:
        registry = er.async_get(hass)
        for platform, key in _RETIRED_IN_2:
            if (gone := registered(hass, platform, unique_id(entry, key))) is not None:
                registry.async_remove(gone.entity_id)
    hass.config_entries.async_update_entry(entry, minor_version=MINOR_VERSION)
    return True
