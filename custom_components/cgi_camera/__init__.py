"""The CGI Camera integration: OEM IP cameras speaking one of four HTTP CGI dialects."""

from __future__ import annotations

from datetime import timedelta
import logging

from homeassistant.const import (
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_SSL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
)
from homeassistant.core import HassJob, HomeAssistant
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    issue_registry as ir,
)
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.typing import ConfigType
from homeassistant.util import dt as dt_util

from . import background_setup, handover, password_check
from .alarms import AlarmCoordinator, alarm_issue_id
from .client import Camera, Credentials, StreamKind, connect
from .clock_watch import ClockWatch, issue_id as clock_issue_id
from .compat import OPTIONS_FLOW_RELOADS
from .const import (
    CONF_ALARM_AUTO_OFF,
    CONF_ALARM_IDLE_TIMEOUT,
    CONF_ALARM_INTERVAL,
    CONF_AUTH_SCHEME,
    CONF_DIALECT,
    CONF_RTSP_PORT,
    CONF_SNAPSHOT_URL,
    CONF_STREAM,
    DEFAULT_ALARM_AUTO_OFF,
    DEFAULT_ALARM_IDLE_TIMEOUT,
    DEFAULT_ALARM_INTERVAL,
    DEFAULT_STREAM,
    DOMAIN,
    HOUSEKEEPING_INTERVAL,
    PLATFORMS,
)
from .coordinator import SettingsCoordinator
from .data import CgiCameraConfigEntry, CgiCameraData, ready
from .devices import device_identifier, device_info
from .errors import setup_errors
from .migrate import async_migrate_entry as async_migrate_entry
from .names import entry_name
from .onvif_link import OnvifLink, auth_issue_id as onvif_auth_issue_id
from .ptz import StepSettings
from .recording_view import RecordingView
from .services import async_setup_services
from .stream_finder import (
    StreamFinder,
    async_find_streams,
    async_update_override_issue,
    override_issue_id,
)

_LOGGER = logging.getLogger(__name__)

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's services and its recording view once."""
    async_setup_services(hass)
    hass.http.register_view(RecordingView(hass))
    return True


async def async_setup_entry(hass: HomeAssistant, entry: CgiCameraConfigEntry) -> bool:
    """Connect to the camera and set up its entities.

    The camera a config flow has just identified is discovered in the background
    (background_setup.py): the flow, which Home Assistant answers only once this
    returns, then waits for no more than its login and the camera's identity.
    """
    data = entry.data
    # The camera the config flow just connected, when this is the entry it created.
    camera = handover.async_take(hass, entry.unique_id, data)
    if camera is not None and not camera.discovered:
        # Its device at once, so the user sees the camera the flow just added.
        dr.async_get(hass).async_get_or_create(
            config_entry_id=entry.entry_id, **device_info(entry, camera)
        )
        background_setup.async_start(hass, entry, camera, _async_finish_setup)
        return True
    session = async_get_clientsession(hass, verify_ssl=data.get(CONF_VERIFY_SSL, True))
    with setup_errors():
        camera = camera or await connect(
            session,
            data[CONF_DIALECT],
            data[CONF_HOST],
            data[CONF_PORT],
            Credentials(data[CONF_USERNAME], data[CONF_PASSWORD]),
            https=data.get(CONF_SSL, False),
            verify_ssl=data.get(CONF_VERIFY_SSL, True),
            auth_hint=data.get(CONF_AUTH_SCHEME),
            rtsp_port=entry.options.get(CONF_RTSP_PORT),
        )
    await _async_finish_setup(hass, entry, camera)
    return True


async def _async_finish_setup(
    hass: HomeAssistant, entry: CgiCameraConfigEntry, camera: Camera
) -> None:
    """Set up the entry's coordinators and entities on its discovered ``camera``."""
    data = entry.data
    options = entry.options
    if camera.auth_scheme != data.get(CONF_AUTH_SCHEME):
        # Learned anew (firmware changed, or an entry older than the key): keep it.
        hass.config_entries.async_update_entry(
            entry, data={**data, CONF_AUTH_SCHEME: camera.auth_scheme}
        )
    password_check.async_update_issue(hass, entry, camera)
    # A clock kept as bare local time is read and set in the zone of this home.
    camera.time_zone = dt_util.get_default_time_zone()
    stream = StreamKind(options.get(CONF_STREAM, DEFAULT_STREAM))
    stream_urls = await async_find_streams(
        camera, entry, stream, sorted(camera.capabilities.channels) or [1]
    )
    if not any(stream_urls.values()):
        _LOGGER.info("No RTSP stream found for %s yet; showing snapshots", entry_name(entry))
    async_update_override_issue(hass, entry, stream_urls)

    coordinator = SettingsCoordinator(hass, entry, camera)
    with setup_errors():
        # Discovery has just read every setting: no second round trip for the first data.
        coordinator.async_set_updated_data(await camera.read_state(reuse_discovery=True))
    # Every camera gets one, even without a readable alarm state: ONVIF may bring one.
    alarms = AlarmCoordinator(
        hass,
        entry,
        camera,
        poll_interval=options.get(CONF_ALARM_INTERVAL, DEFAULT_ALARM_INTERVAL),
        idle_timeout=options.get(CONF_ALARM_IDLE_TIMEOUT, DEFAULT_ALARM_IDLE_TIMEOUT),
        auto_off=options.get(CONF_ALARM_AUTO_OFF, DEFAULT_ALARM_AUTO_OFF),
    )
    # The initial state; a failure leaves the alarm sensors unavailable until
    # the stream connects or the next poll works.
    await alarms.async_refresh()
    entry.async_on_unload(alarms.async_stop)
    # Home Assistant does not unload entries when it stops: free the camera's ONVIF
    # subscription (one of its few slots) while the shared session still works.
    entry.async_on_unload(hass.async_add_shutdown_job(HassJob(alarms.async_stop)))
    onvif = OnvifLink(hass, entry, camera)
    entry.async_on_unload(onvif.async_stop)
    entry.runtime_data = CgiCameraData(
        camera=camera,
        coordinator=coordinator,
        stream=stream,
        stream_urls=stream_urls,
        snapshot_url=options.get(CONF_SNAPSHOT_URL) or None,
        clock=ClockWatch(hass, entry, camera),
        stream_finder=StreamFinder(hass, entry),
        ptz_step=StepSettings(),
        alarms=alarms,
        onvif=onvif,
        options=dict(options),
    )

    async def _housekeeping(_now: object) -> None:
        await coordinator.async_housekeeping()

    entry.async_on_unload(
        async_track_time_interval(
            hass, _housekeeping, timedelta(seconds=HOUSEKEEPING_INTERVAL),
            name=f"{DOMAIN} housekeeping",
        )
    )
    if not OPTIONS_FLOW_RELOADS:
        entry.async_on_unload(entry.add_update_listener(_async_options_updated))
    # The device first, so recorder channels can name it as their via_device.
    dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, **device_info(entry, camera)
    )
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    entry.runtime_data.clock.async_start()
    entry.runtime_data.stream_finder.async_schedule()
    onvif.async_start()
    entry.async_on_unload(entry.runtime_data.stream_finder.async_stop)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: CgiCameraConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let the user delete a recorder channel the recorder no longer reports."""
    if not ready(entry):
        return False  # what it reports is not known yet
    camera = entry.runtime_data.camera
    current = {device_identifier(entry, camera, None)} | {
        device_identifier(entry, camera, channel) for channel in camera.capabilities.channels
    }
    return not device.identifiers & current


async def async_remove_entry(hass: HomeAssistant, entry: CgiCameraConfigEntry) -> None:
    """A deleted camera leaves no repair issue behind."""
    for issue in (clock_issue_id(entry), alarm_issue_id(entry), override_issue_id(entry),
                  password_check.issue_id(entry), onvif_auth_issue_id(entry)):
        ir.async_delete_issue(hass, DOMAIN, issue)


async def _async_options_updated(hass: HomeAssistant, entry: CgiCameraConfigEntry) -> None:
    """Reload for changed options, on releases whose options flow cannot (before 2025.8).

    Only options: a config flow that changes the data reloads the entry itself
    (``async_update_reload_and_abort``), so reloads never come twice.
    """
    if entry.options != entry.runtime_data.options:
        await hass.config_entries.async_reload(entry.entry_id)


async def async_unload_entry(hass: HomeAssistant, entry: CgiCameraConfigEntry) -> bool:
    """Unload the entities and drop the camera session."""
    if await background_setup.async_cancel(hass, entry):
        return True  # its set-up never got to the entities, and closed the camera
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await entry.runtime_data.camera.close()
    return unloaded
