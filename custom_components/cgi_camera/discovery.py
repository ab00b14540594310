"""Finding cameras without a login: fingerprints, WS-Discovery, configured MACs.

Nothing here sends a credential. A host is "a camera" when a dialect's fingerprint
(the same requests detection starts with) recognises it; the login comes only with
the user's answer to the form.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from ipaddress import IPv4Address, ip_address
import logging

from homeassistant.components import network
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .client import CameraError, ConnectError, Transport
from .client.camera import Fingerprint
from .client.dialects import DIALECTS
from .client.onvif.ws_discovery import MULTICAST, DiscoveredDevice, probe
from .client.transport import DETECT_TIMEOUT
from .const import DEFAULT_PORT, DOMAIN

_LOGGER = logging.getLogger(__name__)

# Where a discovered host's web interface is looked for (DHCP tells no port; ONVIF
# names its own, which may be another). Tests point these at simulators.
WEB_PORTS: tuple[int, ...] = (DEFAULT_PORT,)
# None: multicast on every network interface Home Assistant uses. Tests set unicast
# targets on 127.0.0.1 here, so nothing leaves the machine.
PROBE_TARGETS: tuple[tuple[str, int], ...] | None = None
PROBE_SECONDS = 2.5
# Fingerprints of probe results run this many at a time, each bounded.
_PARALLEL = 4
_FINGERPRINT_BUDGET = 15.0


@dataclass(frozen=True, slots=True)
class Fingerprints:
    """What each dialect's fingerprint said of one host:port (in detection order,
    up to the first sure one)."""

    verdicts: dict[str, Fingerprint]

    @property
    def dialect(self) -> str | None:
        """The dialect that is sure, else the only one that may be; else None."""
        sure = [d for d, v in self.verdicts.items() if v is Fingerprint.YES]
        maybe = [d for d, v in self.verdicts.items() if v is Fingerprint.MAYBE]
        if sure:
            return sure[0]
        return maybe[0] if len(maybe) == 1 else None

    @property
    def recognised(self) -> bool:
        """Whether any dialect could be the one (sure, or wanting a login first)."""
        return any(v is not Fingerprint.NO for v in self.verdicts.values())

    def answers(self, dialect: str) -> bool:
        """Whether the host answers like ``dialect``: it is sure, or it may be and no
        other dialect is sure."""
        verdict = self.verdicts.get(dialect, Fingerprint.NO)
        others_sure = any(v is Fingerprint.YES for d, v in self.verdicts.items()
                          if d != dialect)
        return verdict is Fingerprint.YES or (verdict is Fingerprint.MAYBE
                                              and not others_sure)


@dataclass(frozen=True, slots=True)
class FoundCamera:
    """A host whose web interface one of the dialects recognised, without a login."""

    host: str
    port: int
    dialect: str | None  # None: it wants a login before it tells
    name: str = ""
    model: str = ""
    mac: str | None = None  # claimed by the device (WS-Discovery), never proof


async def async_fingerprint(
    hass: HomeAssistant, host: str, port: int, *, https: bool = False,
    verify_ssl: bool = True,
) -> Fingerprints | None:
    """Every dialect's fingerprint of ``host:port``, no credentials; None when the
    host does not answer HTTP at all."""
    session = async_get_clientsession(hass, verify_ssl=verify_ssl)
    transport = Transport(session, host, port, https=https, timeout=DETECT_TIMEOUT,
                          verify_ssl=verify_ssl)
    verdicts: dict[str, Fingerprint] = {}
    for cls in DIALECTS:
        try:
            verdict = await cls.fingerprint(transport)
        except CameraError as err:
            if isinstance(err, ConnectError) and not verdicts:
                _LOGGER.debug("Nothing answers at %s:%s: %s", host, port, err)
                return None
            _LOGGER.debug("%s fingerprint of %s:%s: %s", cls.dialect, host, port, err)
            verdict = Fingerprint.NO
        verdicts[cls.dialect] = verdict
        if verdict is Fingerprint.YES:
            break
    return Fingerprints(verdicts)


async def async_find_at(
    hass: HomeAssistant, host: str, ports: tuple[int, ...]
) -> FoundCamera | None:
    """The first of ``ports`` on ``host`` (over HTTP) where a dialect answers."""
    for port in dict.fromkeys(ports):
        found = await async_fingerprint(hass, host, port)
        if found is not None and found.recognised:
            return FoundCamera(host, port, found.dialect)
    _LOGGER.debug("No camera dialect answers on %s (ports %s)", host, ports)
    return None


async def async_probe_network(hass: HomeAssistant) -> list[FoundCamera]:
    """Cameras that answer a WS-Discovery probe and a dialect's fingerprint.

    Empty when the probe cannot be sent (no interface, no permission): the flow
    then offers manual entry only.
    """
    try:
        devices = await _probe(hass)
    except (CameraError, OSError) as err:
        _LOGGER.debug("WS-Discovery probe failed: %s", err)
        return []
    gate = asyncio.Semaphore(_PARALLEL)

    async def check(device: DiscoveredDevice) -> FoundCamera | None:
        async with gate:
            try:
                async with asyncio.timeout(_FINGERPRINT_BUDGET):
                    found = await async_find_at(hass, device.host,
                                                (device.port, *WEB_PORTS))
            except TimeoutError:
                return None
        if found is None:
            return None
        return FoundCamera(found.host, found.port, found.dialect,
                           device.name, device.hardware, device.mac)

    results = await asyncio.gather(*(check(device) for device in devices))
    unique: dict[tuple[str, int], FoundCamera] = {}
    for camera in results:
        if camera is not None:
            unique.setdefault((camera.host, camera.port), camera)
    return list(unique.values())


async def _probe(hass: HomeAssistant) -> list[DiscoveredDevice]:
    if PROBE_TARGETS is not None:
        if not PROBE_TARGETS:
            return []  # probing turned off
        return await probe(PROBE_TARGETS, sources=("127.0.0.1",), timeout=PROBE_SECONDS)
    sources = [str(ip) for ip in await network.async_get_enabled_source_ips(hass)
               if isinstance(ip, IPv4Address) and not ip.is_loopback]
    if not sources:
        return []
    return await probe((MULTICAST,), sources=sources, timeout=PROBE_SECONDS)


def entry_for_mac(hass: HomeAssistant, mac: str) -> ConfigEntry | None:
    """The entry of the camera with ``mac``: by unique id, or (cgi_action cameras
    are identified by deviceID) by its device's MAC connection. Ignored entries too."""
    entry = hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, mac)
    if entry is not None:
        return entry
    # Our own entries' devices, not a registry-wide lookup: connections are unique
    # per config entry only on newer releases.
    registry = dr.async_get(hass)
    connection = (dr.CONNECTION_NETWORK_MAC, mac)
    for entry in hass.config_entries.async_entries(DOMAIN, include_ignore=True):
        devices = dr.async_entries_for_config_entry(registry, entry.entry_id)
        if any(connection in device.connections for device in devices):
            return entry
    return None


def is_ip_address(host: str) -> bool:
    """Whether ``host`` is an IP literal (a host name follows the camera by itself)."""
    try:
        ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True
