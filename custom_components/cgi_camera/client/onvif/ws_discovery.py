"""ONVIF WS-Discovery: one Probe over UDP, the ProbeMatches that answer it.

The wire format is WS-Discovery 2005/04 as ONVIF Core (§7.3) profiles it: a SOAP
1.2 ``Probe`` for ``dn:NetworkVideoTransmitter`` sent to 239.255.255.250:3702,
answered by unicast ``ProbeMatches`` carrying the device's endpoint reference,
scopes and service addresses (XAddrs).

Everything in an answer is the device's own word, from anyone on the LAN: sizes and
counts are bounded, a malformed datagram is dropped, and the address a device is
reached at is the one its answer came from, never the one it names.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
import logging
import socket
from typing import Final
from urllib.parse import unquote, urlsplit
import uuid

from ..errors import ConnectError, ProtocolError
from ..models import normalize_mac
from ..safe_xml import Element, parse_xml
from .const import SOAP12
from .xmlutil import child, clean, first, local, text

_LOGGER = logging.getLogger(__name__)

WSD: Final = "http://schemas.xmlsoap.org/ws/2005/04/discovery"
WSA_2004: Final = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
DN: Final = "http://www.onvif.org/ver10/network/wsdl"
PROBE_ACTION: Final = f"{WSD}/Probe"
MATCHES_ACTION: Final = f"{WSD}/ProbeMatches"
MULTICAST: Final = ("239.255.255.250", 3702)

# Bounds on what answers may cost: a real ProbeMatches is 1-3 KiB with one match.
MAX_DATAGRAM = 16 * 1024
MAX_DATAGRAMS = 256  # per probe; a flood beyond that is ignored
MAX_DEVICES = 64
MAX_MATCHES = 4  # ProbeMatch elements read from one datagram
MAX_XADDRS = 8
MAX_SCOPES = 32
SCOPE_TEXT = 64  # name/hardware scopes are shown in a form, cleaned and cut

_SCOPE_PREFIX = "onvif://www.onvif.org/"


@dataclass(frozen=True, slots=True)
class DiscoveredDevice:
    """One device that answered the probe."""

    host: str  # where its answer came from
    port: int  # of its device service (the XAddr on ``host``), 80 when it named none
    endpoint: str  # its endpoint reference (urn:uuid:...), cleaned
    name: str
    hardware: str
    # The MAC it claims: a MAC scope, or the MAC that ends its urn:uuid (param_cgi
    # firmware derives onvifUuid from it, seed 001). Only a claim.
    mac: str | None


def build_probe(message_id: str) -> bytes:
    """The Probe for ONVIF video transmitters, with ``message_id`` (urn:uuid:...)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<s:Envelope xmlns:s="{SOAP12}" xmlns:a="{WSA_2004}" xmlns:d="{WSD}"'
        f' xmlns:dn="{DN}">'
        "<s:Header>"
        f'<a:Action s:mustUnderstand="1">{PROBE_ACTION}</a:Action>'
        f"<a:MessageID>{message_id}</a:MessageID>"
        f"<a:ReplyTo><a:Address>{WSA_2004}/role/anonymous</a:Address></a:ReplyTo>"
        '<a:To s:mustUnderstand="1">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>'
        "</s:Header>"
        "<s:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe></s:Body>"
        "</s:Envelope>"
    ).encode()


def parse_probe_matches(
    data: bytes, source: str, message_id: str | None = None
) -> list[DiscoveredDevice]:
    """The devices a ProbeMatches datagram from ``source`` announces.

    Raises :class:`ProtocolError` for anything that is not a ProbeMatches (too big,
    not XML, another action, an answer to another probe).
    """
    if len(data) > MAX_DATAGRAM:
        raise ProtocolError(f"WS-Discovery answer of {len(data)} bytes")
    root = parse_xml(data)
    if local(root) != "Envelope":
        raise ProtocolError("WS-Discovery answer is no SOAP envelope")
    header = child(root, "Header")
    action = text(child(header, "Action"), 256)
    if action and action != MATCHES_ACTION:
        raise ProtocolError(f"WS-Discovery answer with action {action!r}")
    relates = text(child(header, "RelatesTo"), 256)
    if message_id is not None and relates and relates != message_id:
        raise ProtocolError("WS-Discovery answer to another probe")
    matches = first(child(root, "Body"), "ProbeMatches")
    if matches is None:
        raise ProtocolError("WS-Discovery answer without ProbeMatches")
    found: list[DiscoveredDevice] = []
    for match in [m for m in matches if local(m) == "ProbeMatch"][:MAX_MATCHES]:
        found.append(_device(match, source))
    return found


def _device(match: Element, source: str) -> DiscoveredDevice:
    endpoint = text(first(child(match, "EndpointReference"), "Address"), 128)
    scopes = text(child(match, "Scopes"), 4096).split()[:MAX_SCOPES]
    xaddrs = text(child(match, "XAddrs"), 2048).split()[:MAX_XADDRS]
    return DiscoveredDevice(
        host=source,
        port=_device_port(xaddrs, source),
        endpoint=endpoint,
        name=_scope(scopes, "name"),
        hardware=_scope(scopes, "hardware"),
        mac=normalize_mac(_scope(scopes, "mac")) or _uuid_mac(endpoint),
    )


def _device_port(xaddrs: Iterable[str], source: str) -> int:
    """The port of the XAddr on the answering host (else of the first XAddr)."""
    ports: list[tuple[bool, int]] = []
    for xaddr in xaddrs:
        try:
            url = urlsplit(xaddr)
            port = url.port or (443 if url.scheme == "https" else 80)
        except ValueError:
            continue
        if url.scheme in ("http", "https"):
            ports.append((url.hostname == source, port))
    on_source = [port for same, port in ports if same]
    return (on_source or [port for _, port in ports] or [80])[0]


def _scope(scopes: Iterable[str], kind: str) -> str:
    """The value of ``onvif://www.onvif.org/<kind>/<value>`` (case of kind ignored)."""
    for scope in scopes:
        if scope[: len(_SCOPE_PREFIX)].lower() != _SCOPE_PREFIX:
            continue
        key, _, value = scope[len(_SCOPE_PREFIX):].partition("/")
        if key.lower() == kind and value:
            return clean(unquote(value), SCOPE_TEXT)
    return ""


def _uuid_mac(endpoint: str) -> str | None:
    tail = endpoint.rpartition("-")[2] if endpoint.lower().startswith("urn:uuid:") else ""
    return normalize_mac(tail) if len(tail) == 12 else None


class _Collector(asyncio.DatagramProtocol):
    """Collects the answers to one probe, bounded in count and size."""

    def __init__(self, message_id: str) -> None:
        self.message_id = message_id
        self.devices: dict[tuple[str, int], DiscoveredDevice] = {}
        self.datagrams = 0

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        self.datagrams += 1
        if self.datagrams > MAX_DATAGRAMS or len(self.devices) >= MAX_DEVICES:
            return
        source = str(addr[0])
        try:
            devices = parse_probe_matches(data, source, self.message_id)
        except ProtocolError as err:
            _LOGGER.debug("Ignoring a WS-Discovery datagram from %s: %s", source, err)
            return
        for device in devices:
            # One entry per address: devices answer each copy of the probe, and
            # per interface.
            self.devices.setdefault((device.host, device.port), device)
            if len(self.devices) >= MAX_DEVICES:
                return

    def error_received(self, exc: Exception) -> None:
        _LOGGER.debug("WS-Discovery socket error: %s", exc)


async def probe(
    targets: Sequence[tuple[str, int]] = (MULTICAST,),
    *,
    sources: Sequence[str] = ("0.0.0.0",),
    timeout: float = 2.5,
    repeat: int = 2,
) -> list[DiscoveredDevice]:
    """Send one Probe to each target from each source address; collect answers for
    ``timeout`` seconds.

    Multicast goes out of the source's interface with TTL 1 (the LAN only). Raises
    :class:`ConnectError` when no source could send at all; answers are deduplicated
    by (host, port) and at most :data:`MAX_DEVICES` are kept.
    """
    message_id = f"urn:uuid:{uuid.uuid4()}"
    payload = build_probe(message_id)
    loop = asyncio.get_running_loop()
    collector = _Collector(message_id)
    transports: list[asyncio.DatagramTransport] = []
    try:
        for source in sources:
            transport = await _open(loop, collector, source)
            if transport is not None:
                _send(transport, payload, targets)
                transports.append(transport)
        if not transports:
            raise ConnectError("WS-Discovery probe could not be sent")
        for _ in range(repeat - 1):
            # UDP may be lost; the spec repeats multicast (duplicates are merged).
            await asyncio.sleep(min(0.25, timeout / 4))
            for transport in transports:
                _send(transport, payload, targets)
        await asyncio.sleep(timeout)
    finally:
        for transport in transports:
            transport.close()
    return list(collector.devices.values())


async def _open(
    loop: asyncio.AbstractEventLoop, collector: _Collector, source: str
) -> asyncio.DatagramTransport | None:
    try:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    except OSError as err:  # pragma: no cover - no IPv4 sockets at all
        _LOGGER.debug("No UDP socket for WS-Discovery: %s", err)
        return None
    try:
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
        if source != "0.0.0.0":
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                            socket.inet_aton(source))
        sock.bind((source, 0))
        transport, _ = await loop.create_datagram_endpoint(lambda: collector, sock=sock)
    except OSError as err:
        sock.close()
        _LOGGER.debug("WS-Discovery cannot send from %s: %s", source, err)
        return None
    return transport


def _send(
    transport: asyncio.DatagramTransport, payload: bytes, targets: Sequence[tuple[str, int]]
) -> None:
    # A refused send (no route, bad address) reaches error_received: logged, no raise.
    for target in targets:
        transport.sendto(payload, target)
