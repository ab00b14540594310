"""Device management service: clock, service list, identity, network interfaces."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import re
from typing import TYPE_CHECKING

from ..models import normalize_mac
from ..safe_xml import Element
from .const import DEVICE, EVENTS, MAX_INTERFACES, MAX_PROFILES, MEDIA, PTZ, URI_LIMIT
from .models import NetworkInterface, OnvifDeviceInfo, Service
from .soap import element, expect
from .xmlutil import attr, child, children, first, parse_bool, parse_int, path, text

if TYPE_CHECKING:
    from .client import OnvifClient

# GetCapabilities names services by element; GetServices by namespace.
_CAPABILITY_SERVICES = {"Device": DEVICE, "Media": MEDIA, "Events": EVENTS, "PTZ": PTZ}


class DeviceService:
    """``tds:`` operations of one camera."""

    def __init__(self, client: OnvifClient) -> None:
        self._client = client

    async def get_system_date_and_time(self) -> datetime | None:
        """The camera's UTC clock (unauthenticated); None when it does not say."""
        body = await self._client.call(
            "GetSystemDateAndTime", element(DEVICE, "GetSystemDateAndTime"),
        )
        return parse_system_time(body)

    async def get_services(self) -> list[Service]:
        """GetServices: every service's namespace and address (rebased)."""
        request = element(
            DEVICE, "GetServices", None, element(DEVICE, "IncludeCapability", "false")
        )
        body = await self._client.call("GetServices", request)
        response = expect(body, "GetServicesResponse", "GetServices")
        found: list[Service] = []
        for item in children(response, "Service")[:MAX_PROFILES]:
            url = self._client.rebase(text(child(item, "XAddr"), URI_LIMIT))
            namespace = text(child(item, "Namespace"), URI_LIMIT)
            if url is None or not namespace:
                continue
            version = child(item, "Version")
            major, minor = text(child(version, "Major")), text(child(version, "Minor"))
            found.append(Service(namespace, str(url), f"{major}.{minor}" if major else ""))
        return found

    async def get_capabilities(self) -> list[Service]:
        """GetCapabilities (ONVIF 1.x): the service addresses it lists."""
        request = element(DEVICE, "GetCapabilities", None, element(DEVICE, "Category", "All"))
        body = await self._client.call("GetCapabilities", request)
        capabilities = child(expect(body, "GetCapabilitiesResponse", "GetCapabilities"),
                             "Capabilities")
        found: list[Service] = []
        for name, namespace in _CAPABILITY_SERVICES.items():
            url = self._client.rebase(text(path(capabilities, name, "XAddr"), URI_LIMIT))
            if url is not None:
                found.append(Service(namespace, str(url)))
        return found

    async def get_device_information(self) -> OnvifDeviceInfo:
        body = await self._client.call(
            "GetDeviceInformation", element(DEVICE, "GetDeviceInformation"),
        )
        response = expect(body, "GetDeviceInformationResponse", "GetDeviceInformation")
        return OnvifDeviceInfo(
            manufacturer=text(child(response, "Manufacturer")),
            model=text(child(response, "Model")),
            firmware=text(child(response, "FirmwareVersion")),
            serial=text(child(response, "SerialNumber")),
            hardware_id=text(child(response, "HardwareId")),
        )

    async def get_network_interfaces(self) -> list[NetworkInterface]:
        body = await self._client.call(
            "GetNetworkInterfaces", element(DEVICE, "GetNetworkInterfaces"),
        )
        response = expect(body, "GetNetworkInterfacesResponse", "GetNetworkInterfaces")
        found: list[NetworkInterface] = []
        for item in children(response, "NetworkInterfaces")[:MAX_INTERFACES]:
            info = child(item, "Info")
            found.append(NetworkInterface(
                token=attr(item, "token"),
                name=text(child(info, "Name")),
                mac=normalize_mac(text(child(info, "HwAddress"))),
                enabled=parse_bool(text(child(item, "Enabled"))) is not False,
            ))
        return found


def parse_system_time(body: Element) -> datetime | None:
    """The camera's clock from a GetSystemDateAndTime answer, as aware UTC.

    ``UTCDateTime`` when present, else ``LocalDateTime`` shifted by the POSIX
    ``TimeZone`` (``CST-8`` is UTC+8); None when neither is readable.
    """
    response = expect(body, "GetSystemDateAndTimeResponse", "GetSystemDateAndTime")
    system = first(response, "SystemDateAndTime")
    utc = _date_time(child(system, "UTCDateTime"))
    if utc is not None:
        return utc
    local = _date_time(child(system, "LocalDateTime"))
    if local is None:
        return None
    zone = _posix_offset(
        text(path(system, "TimeZone", "TZ")),
        daylight=parse_bool(text(child(system, "DaylightSavings"))) is True,
    )
    try:
        return local - zone
    except OverflowError:
        return None


def _date_time(node: Element | None) -> datetime | None:
    if node is None:
        return None
    date, clock = child(node, "Date"), child(node, "Time")
    numbers = [
        parse_int(text(child(date, "Year")), high=9999),
        parse_int(text(child(date, "Month")), high=12),
        parse_int(text(child(date, "Day")), high=31),
        parse_int(text(child(clock, "Hour")), high=24),
        parse_int(text(child(clock, "Minute")), high=59),
        parse_int(text(child(clock, "Second")), high=61),
    ]
    if any(n is None for n in numbers):
        return None
    year, month, day, hour, minute, second = (int(n or 0) for n in numbers)
    try:
        # Some firmware prints 24:00:00 or a leap second: clamp rather than fail.
        return datetime(year, month, day, min(hour, 23), minute, min(second, 59), tzinfo=UTC)
    except ValueError:
        return None


_POSIX_TZ_RE = re.compile(
    r"^\s*(?:<[^>]{1,16}>|[A-Za-z]{3,16})(?P<sign>[+-])?(?P<h>\d{1,2})(?::(?P<m>\d{2}))?"
    r"(?::\d{2})?(?P<dst>(?:<[^>]{1,16}>|[A-Za-z]{3,16}))?"
)


def _posix_offset(zone: str, *, daylight: bool) -> timedelta:
    """UTC offset of a POSIX TZ string (sign inverted: ``CST-8`` = +8 h); 0 if junk."""
    match = _POSIX_TZ_RE.match(zone)
    if match is None:
        return timedelta()
    west = timedelta(hours=int(match["h"]), minutes=int(match["m"] or 0))
    offset = west if match["sign"] == "-" else -west
    if daylight and match["dst"]:
        offset += timedelta(hours=1)
    return offset

