"""ONVIF beside the CGI: the events, stream URLs and preset names a camera's CGI lacks.

Looked for after set-up, in the background, so a camera without ONVIF costs nothing
but a few unauthenticated requests (and logs nothing above debug). Where found, and
where it is the same device as the CGI one, it adds:

- a live alarm feed (PullPoint) to the alarm coordinator, with the alarms the camera
  announces as entities from the start;
- the camera's own stream URLs (GetStreamUri), tried before the guessed ones;
- the preset names (GetPresets) where the CGI cannot list them.

An ONVIF login refused at the start (ONVIF users are often kept apart from the web
login) is a repair issue, not a re-authentication of the entry: the CGI login works.
A refusal of the login ONVIF had accepted means the password changed on the camera:
it trips the camera's login latch, which ONVIF shares with the CGI, so no channel
sends the old password again and the entry asks for re-authentication once. The one
subscription the camera grants is released at unload; one a crash left behind is
released at the next start (the camera has only a few slots).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
from typing import TYPE_CHECKING, Any

from homeassistant.const import (
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_SSL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.storage import Store

from .client import AuthError, Camera, CameraError, Credentials, StreamKind
from .client.models import AlarmKind, AlarmSource
from .client.onvif import USUAL_PORTS, Subscription
from .client.onvif.side_channel import NotTheSameDevice, OnvifSideChannel, numbered_presets
from .const import (
    CONF_ONVIF,
    CONF_ONVIF_FOUND_PORT,
    CONF_ONVIF_PORT,
    DEFAULT_ONVIF,
    DOMAIN,
    ONVIF_OFF,
)
from .names import entry_name

if TYPE_CHECKING:
    from .data import CgiCameraConfigEntry

_LOGGER = logging.getLogger(__name__)

STORE_VERSION = 1
STORE_KEY = f"{DOMAIN}.onvif_subscriptions"
# Alarms announced by the camera that get an entity before their first event; the
# rest (inputs need their number) appear when first reported.
_ANNOUNCED = frozenset(AlarmKind) - {AlarmKind.IO_INPUT}


def auth_issue_id(entry: CgiCameraConfigEntry) -> str:
    """The repair issue of an ONVIF service that refuses the camera's login."""
    return f"onvif_auth_{entry.entry_id}"


class OnvifLink:
    """The ONVIF side channel of one loaded entry."""

    def __init__(self, hass: HomeAssistant, entry: CgiCameraConfigEntry, camera: Camera) -> None:
        self.hass = hass
        self.entry = entry
        self.camera = camera
        self.channel: OnvifSideChannel | None = None
        self.status = "off"  # what diagnostics show: off, searching, none, found...
        self._task: asyncio.Task[None] | None = None
        self._store: Store[dict[str, Any]] = Store(hass, STORE_VERSION, STORE_KEY)

    @property
    def enabled(self) -> bool:
        return bool(self.entry.options.get(CONF_ONVIF, DEFAULT_ONVIF) != ONVIF_OFF)

    @callback
    def async_start(self) -> None:
        """Look for ONVIF in the background (unless the options turn it off)."""
        if not self.enabled:
            ir.async_delete_issue(self.hass, DOMAIN, auth_issue_id(self.entry))
            return
        self.status = "searching"
        self._task = self.entry.async_create_background_task(
            self.hass, self._run(), f"{DOMAIN} onvif {entry_name(self.entry)}"
        )

    async def async_stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None

    def _ports(self) -> tuple[list[int], tuple[int, ...]]:
        """Where to look: the port the user set, else where it was, the CGI's, the
        camera's web port; then the usual ones (unless the user set one)."""
        data, options = self.entry.data, self.entry.options
        chosen = int(options.get(CONF_ONVIF_PORT) or 0)
        if chosen:
            return [chosen], ()
        ports = [int(data.get(CONF_ONVIF_FOUND_PORT) or 0),
                 *self.camera.capabilities.onvif_ports, int(data[CONF_PORT])]
        return [p for p in dict.fromkeys(ports) if p], USUAL_PORTS

    async def _run(self) -> None:
        data = self.entry.data
        ports, usual = self._ports()
        session = async_get_clientsession(self.hass, verify_ssl=data.get(CONF_VERIFY_SSL, True))
        try:
            channel = await OnvifSideChannel.open(
                session, data[CONF_HOST], Credentials(data[CONF_USERNAME], data[CONF_PASSWORD]),
                mac=self.camera.info.mac, serial=self.camera.info.serial,
                ports=ports, https=data.get(CONF_SSL, False), usual_ports=usual,
                latch=self.camera.latch,
            )
        except AuthError as err:
            _LOGGER.debug("ONVIF of %s refused the login: %s", entry_name(self.entry), err)
            self._login_refused()
            return
        except NotTheSameDevice as err:
            self.status = "another device"
            _LOGGER.debug("ONVIF near %s is not used: %s", entry_name(self.entry), err)
            return
        except CameraError as err:
            self.status = "none"
            _LOGGER.debug("%s has no ONVIF in reach: %s", entry_name(self.entry), err)
            return
        self.channel = channel
        self.status = f"port {channel.endpoint.port}"
        self._auth_issue(False)
        _LOGGER.debug("ONVIF of %s on port %d", entry_name(self.entry), channel.endpoint.port)
        if data.get(CONF_ONVIF_FOUND_PORT) != channel.endpoint.port:
            # Data only: nothing reloads (the entry's reloads follow its options).
            self.hass.config_entries.async_update_entry(
                self.entry, data={**data, CONF_ONVIF_FOUND_PORT: channel.endpoint.port}
            )
        try:
            await self._events(channel)
            await self._streams(channel)
            await self._presets(channel)
        except CameraError as err:  # the camera went away meanwhile: the next start retries
            _LOGGER.debug("ONVIF of %s stopped answering: %s", entry_name(self.entry), err)

    @callback
    def _login_refused(self) -> None:
        """ONVIF refused the login: its own account (a repair issue), or the camera's
        login, latched for every channel (the settings coordinator then asks for
        re-authentication, once)."""
        self.status = "login refused"
        if self.camera.auth_refused is None:
            self._auth_issue(True)

    @callback
    def _auth_issue(self, needed: bool) -> None:
        if not needed:
            ir.async_delete_issue(self.hass, DOMAIN, auth_issue_id(self.entry))
            return
        ir.async_create_issue(
            self.hass, DOMAIN, auth_issue_id(self.entry),
            is_fixable=False, severity=ir.IssueSeverity.WARNING,
            translation_key="onvif_auth", translation_placeholders={"name": entry_name(self.entry)},
        )

    # -- what ONVIF adds --------------------------------------------------------------

    async def _events(self, channel: OnvifSideChannel) -> None:
        alarms = self.entry.runtime_data.alarms
        if alarms is None:
            return
        # A pull point is tried whatever the camera's service list claims (firmware
        # often leaves the event service out of it and serves it anyway).
        await self._release_stale(channel)
        feed, kinds = await channel.event_feed(on_subscription=self._remember)
        announced = {AlarmSource(kind) for kind in kinds & _ANNOUNCED}

        async def refused() -> None:
            self._login_refused()

        alarms.async_add_feed(feed, sources=announced, on_auth_refused=refused)

    async def _streams(self, channel: OnvifSideChannel) -> None:
        if self.camera.capabilities.channels:
            return  # a recorder's channels have their own addresses
        host = self.entry.data[CONF_HOST]
        for stream in StreamKind:
            url = await channel.stream_url(stream, host)
            if url:
                self.camera.preferred_rtsp[stream] = url
        if self.camera.preferred_rtsp:
            await self.entry.runtime_data.stream_finder.async_look_again()

    async def _presets(self, channel: OnvifSideChannel) -> None:
        ptz = self.camera.capabilities.ptz
        if ptz is None or ptz.presets is not None:
            return  # no head, or the CGI lists its presets itself
        presets = numbered_presets(await channel.presets(), self.camera)
        if presets:
            self.camera.adopt_presets(presets, channel.goto_preset)
            # The preset select and the named buttons come with the next listeners' run.
            self.entry.runtime_data.coordinator.async_update_listeners()

    # -- a subscription a crash left behind -------------------------------------------

    async def _release_stale(self, channel: OnvifSideChannel) -> None:
        store = await _subscriptions(self.hass)
        stale = _subscription(store.get(self.entry.entry_id))
        if stale is not None:
            _LOGGER.debug("Releasing the ONVIF subscription a previous run of %s left",
                          entry_name(self.entry))
            await channel.release(stale)
            store.put(self.entry.entry_id, None)

    @callback
    def _remember(self, subscription: Subscription | None) -> None:
        """Keep the live subscription's address, so the next start can free it."""
        store = self.hass.data.get(_STORE_DATA)
        if isinstance(store, _SubscriptionStore):
            store.put(self.entry.entry_id, subscription)


_STORE_DATA = f"{DOMAIN}_onvif_subscriptions"
_STORE_LOCK = f"{DOMAIN}_onvif_subscriptions_lock"


class _SubscriptionStore:
    """Every entry's live ONVIF subscription, in one file (one writer for all)."""

    def __init__(self, hass: HomeAssistant, saved: dict[str, Any]) -> None:
        self._store: Store[dict[str, Any]] = Store(hass, STORE_VERSION, STORE_KEY)
        self._saved = saved

    @classmethod
    async def load(cls, hass: HomeAssistant) -> _SubscriptionStore:
        store: Store[dict[str, Any]] = Store(hass, STORE_VERSION, STORE_KEY)
        saved = await store.async_load()
        return cls(hass, saved if isinstance(saved, dict) else {})

    def get(self, entry_id: str) -> object:
        return self._saved.get(entry_id)

    @callback
    def put(self, entry_id: str, subscription: Subscription | None) -> None:
        if subscription is None:
            if self._saved.pop(entry_id, None) is None:
                return
        else:
            self._saved[entry_id] = {
                "address": subscription.address, "url": subscription.url,
                "references": [base64.b64encode(r).decode()
                               for r in subscription.reference_parameters],
            }
        self._store.async_delay_save(lambda: dict(self._saved), 1.0)


async def _subscriptions(hass: HomeAssistant) -> _SubscriptionStore:
    """The shared store, loaded once per Home Assistant run."""
    lock = hass.data.setdefault(_STORE_LOCK, asyncio.Lock())
    async with lock:
        store = hass.data.get(_STORE_DATA)
        if not isinstance(store, _SubscriptionStore):
            store = hass.data[_STORE_DATA] = await _SubscriptionStore.load(hass)
    return store


def _subscription(stored: object) -> Subscription | None:
    """A stored subscription reference, or None when there is none (or it is junk)."""
    if not isinstance(stored, dict):
        return None
    try:
        return Subscription(
            address=str(stored["address"]), url=str(stored["url"]),
            termination_time=None, current_time=None,
            reference_parameters=tuple(
                base64.b64decode(r, validate=True) for r in stored["references"]
            ),
        )
    except (KeyError, TypeError, ValueError):
        return None
