"""The settings coordinator: the one owner of what the camera's settings are.

It reads them in one batch per cycle (the controls every cycle, the configuration
every few, so it is never more than CONFIG_MAX_AGE old) and takes in what each write
changed; the entities only ever read its data.

It also answers for the camera's login: when any channel had it refused (its own
refresh, an alarm feed, ONVIF, a command), the camera's latch stops every channel
from sending it again, and this coordinator's refresh then fails at once, without a
request, as a refused login: Home Assistant asks for re-authentication (once), and the
alarm coordinator, which follows this one, stops its feeds.
"""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from .client import AuthError, Camera, CameraError, SettingKey, State
from .const import CONF_SCAN_INTERVAL, CONFIG_MAX_AGE, DEFAULT_SCAN_INTERVAL, DOMAIN
from .errors import update_errors
from .names import entry_name

if TYPE_CHECKING:
    from .data import CgiCameraConfigEntry

_LOGGER = logging.getLogger(__name__)


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
        # Configuration (storage, network, versions, schedules) at most CONFIG_MAX_AGE
        # old: a cheap camera's web server survives the requests saved.
        interval = self.update_interval.total_seconds() if self.update_interval else 0
        self._config_every = max(1, int(CONFIG_MAX_AGE // interval)) if interval else 1
        self._refreshing = False
        self._unlisten = camera.latch.listen(self._login_refused)

    @callback
    def _login_refused(self, why: str) -> None:
        """Another channel had the login refused: report it now (see the module)."""
        if self._refreshing or isinstance(self.last_exception, ConfigEntryAuthFailed):
            return  # this refresh (or the last one) reports it already
        _LOGGER.debug("%s: the login was refused (%s)", self.name, why)
        self.config_entry.async_create_background_task(
            self.hass, self.async_refresh(), f"{DOMAIN} login refused {self.name}"
        )

    async def async_shutdown(self) -> None:
        self._unlisten()
        await super().async_shutdown()

    async def _async_update_data(self) -> State:
        self._refreshing = True
        try:
            with update_errors():
                self.camera.latch.check()  # refused elsewhere: nothing is sent
                state = dict(await self.camera.read_state(config_every=self._config_every))
        finally:
            self._refreshing = False
        if (channels := set(self.camera.capabilities.channels)) != self._channels:
            # A recorder gained channels: the platforms add their entities now, even
            # when no setting changed.
            self._channels = channels
            self.async_update_listeners()
        return state

    async def async_write(
        self, key: SettingKey, value: Any, channel: int | None = None
    ) -> None:
        """Change a setting (of recorder ``channel``) and take in what the write changed.

        Raises the client's error; the device's truth is read again first, so no entity
        keeps showing the value that failed.
        """
        try:
            changed = await self.camera.write(key, value, channel=channel)
        except CameraError:
            await self.async_request_refresh()
            raise
        self.async_set_updated_data({**self.data, **changed})

    async def async_housekeeping(self) -> None:
        """Let the client keep its session alive while the camera is healthy."""
        if not self.last_update_success:
            return
        try:
            await self.camera.housekeeping()
        except AuthError as err:
            self.camera.latch.trip(str(err))  # a refused keep-alive is a refused login
            _LOGGER.debug("Housekeeping of %s: login refused: %s", self.name, err)
        except CameraError as err:
            _LOGGER.debug("Housekeeping of %s failed: %s", self.name, err)
