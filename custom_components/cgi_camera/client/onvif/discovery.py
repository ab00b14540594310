"""Finding a camera's ONVIF device service, and telling whether it is the same device.

The probe is GetSystemDateAndTime, which ONVIF serves without a login: no
credentials leave until a device service has answered, and the answer gives the
clock offset the login then needs. Ports are tried one at a time: the ones the
caller knows (the camera's HTTP port, the ONVIF port a dialect reports), then the
usual ones of cheap cameras.
"""

from __future__ import annotations

from collections.abc import Iterable
import logging

import aiohttp

from ..errors import CameraError, CommandError, ConnectError, NotSupported, ProtocolError
from ..models import normalize_mac
from ..transport import Transport
from .client import OnvifClient
from .errors import NotAuthorized, SoapFault
from .models import OnvifEndpoint

_LOGGER = logging.getLogger(__name__)

# 80: most firmware (and Hikvision/Dahua OEMs); 8899: XMEye/Sofia boards; 8000 and
# 8080: common alternatives; 2020: TP-Link Tapo.
USUAL_PORTS = (80, 8899, 8000, 8080, 2020)
PROBE_TIMEOUT = 3.0


async def find_onvif(
    session: aiohttp.ClientSession,
    host: str,
    ports: Iterable[int] = (),
    *,
    https: bool = False,
    usual_ports: Iterable[int] = USUAL_PORTS,
    timeout: float = PROBE_TIMEOUT,
) -> OnvifEndpoint:
    """The first port (``ports`` first, then ``usual_ports``) whose device service
    answers GetSystemDateAndTime, with the camera's clock offset.

    One unauthenticated request per port at most. Raises :class:`NotSupported` when
    something answered but no device service did, :class:`ConnectError` when
    nothing answered at all.
    """
    candidates = list(dict.fromkeys(p for p in (*ports, *usual_ports) if 0 < p < 65536))
    answered = False
    last: CameraError | None = None
    for port in candidates:
        transport = Transport(session, host, port, https=https, timeout=timeout)
        client = OnvifClient(transport, None)
        try:
            offset = await client.read_clock()
        except ConnectError as err:  # Timeout included: nothing listens there
            last = err
            continue
        except (NotAuthorized, SoapFault) as err:
            if isinstance(err, SoapFault) or err.soap:
                # A device service that wants a login even for its clock: found, with
                # the offset unknown (tokens are then signed with ours).
                _LOGGER.debug("ONVIF on %s:%d will not tell its time: %s", host, port, err)
                return OnvifEndpoint(str(client.device_url), port, None)
            answered, last = True, err
            continue
        except CameraError as err:
            answered, last = True, err
            _LOGGER.debug("%s:%d is no ONVIF device service: %s", host, port, err)
            continue
        _LOGGER.debug("ONVIF device service of %s on port %d", host, port)
        return OnvifEndpoint(str(client.device_url), port, offset)
    if answered or last is None:
        raise NotSupported(f"no ONVIF device service on {host} (ports {candidates})") from last
    raise ConnectError(f"{host} answered on none of the ONVIF ports {candidates}") from last


async def same_device(client: OnvifClient, *, mac: str | None, serial: str | None) -> bool:
    """Whether the ONVIF device is the CGI device: its MAC (GetNetworkInterfaces)
    or else its serial (GetDeviceInformation) matches.

    False when neither matches, neither is known, or the camera will not tell;
    refused logins and connection errors propagate.
    """
    wanted_mac = normalize_mac(mac)
    if wanted_mac is not None:
        try:
            interfaces = await client.device.get_network_interfaces()
        except (NotSupported, CommandError, ProtocolError) as err:
            _LOGGER.debug("%r has no readable MAC: %s", client, err)
            interfaces = []
        if any(i.mac == wanted_mac for i in interfaces):
            return True
    wanted_serial = (serial or "").strip().lower()
    if not wanted_serial:
        return False
    try:
        info = await client.device.get_device_information()
    except (NotSupported, CommandError, ProtocolError) as err:
        _LOGGER.debug("%r has no readable serial: %s", client, err)
        return False
    return info.serial.strip().lower() == wanted_serial
