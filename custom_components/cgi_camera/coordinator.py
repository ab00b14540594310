"""The settings coordinator: one batched read of everything the camera reports."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
import logging
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .client import AuthError, Camera, CameraError, State
from .const import CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL, DOMAIN
from .names import entry_name

if TYPE_CHECKING:
    from .data import CgiCameraConfigEntry

_LOGGER = logging.getLogger(__name__)


@contextmanager
def update_errors() -> Iterator[None]:
    """Client errors as the coordinator wants them (translated, reauth on refusal)."""
    try:
        yield
    except AuthError as err:
        # Polling stops until reauth succeeds: no login storm against lockouts.
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="invalid_auth"
        ) from err
    except CameraError as err:
        raise UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="update_failed",
            translation_placeholders={"error": str(err)},
        ) from err


class SettingsCoordinator(DataUpdateCoordinator[State]):
    """Polls the camera's settings and read-only values.

    The base class logs once when the camera is lost and once when it is back, and
    marks every entity unavailable in between.
    """

    config_entry: CgiCameraConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: CgiCameraConfigEntry, camera: Camera
    ) -> None:
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry_name(entry)}",
            update_interval=timedelta(
                seconds=entry.options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL)
            ),
            always_update=False,
        )
        self.camera = camera
        self._channels = set(camera.capabilities.channels)

    async def _async_update_data(self) -> State:
        with update_errors():
            state = dict(await self.camera.read_state())
        if (channels := set(self.camera.capabilities.channels)) != self._channels:
            # A recorder gained channels: the platforms add their entities now, even
            # when no setting changed.
            self._channels = channels
            self.async_update_listeners()
        return state

    async def async_housekeeping(self) -> None:
        """Let the client keep its session alive while the camera is healthy."""
        if not self.last_update_success:
            return
        try:
            await self.camera.housekeeping()
        except CameraError as err:
            _LOGGER.debug("Housekeeping of %s failed: %s", self.name, err)
