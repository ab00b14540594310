"""A WS-Discovery probe responder for the simulated cameras (ONVIF Core §7.3).

Listens on UDP (127.0.0.1 and a random port unless told otherwise; a multicast
group can be joined where a test runs it inside its own network namespace) and
answers every ``Probe`` for ``dn:NetworkVideoTransmitter`` (or for no type) with
one ``ProbeMatches`` datagram per device, as each real camera would. The
answers' ``RelatesTo`` is the probe's ``MessageID``.

Knobs for hostile-answer tests: :attr:`extra` (raw datagrams sent after the real
answers), :attr:`copies` (each answer sent that many times), :attr:`silent`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
import socket
import struct
from typing import Any
import uuid
from xml.sax.saxutils import escape

from lxml import etree

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
WSA = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
WSD = "http://schemas.xmlsoap.org/ws/2005/04/discovery"
DN = "http://www.onvif.org/ver10/network/wsdl"
TDS = "http://www.onvif.org/ver10/device/wsdl"
MULTICAST_GROUP = "239.255.255.250"
WSD_PORT = 3702


@dataclass
class Device:
    """What one camera announces."""

    xaddr: str
    mac: str
    name: str = "IPCamera"
    hardware: str = "IPC"
    endpoint: str = field(default="")

    def __post_init__(self) -> None:
        if not self.endpoint:
            # As param_cgi firmware builds onvifUuid (seed 001): a fixed head, the MAC.
            self.endpoint = "urn:uuid:4e043800-d3d9-122f-b19a-" + self.mac.replace(
                ":", "").replace("-", "").lower()


def device_of(sim: Any, *, name: str | None = None) -> Device:
    """The announcement of a dialect simulator (an OnvifCamera with ONVIF on)."""
    port = sim.onvif_listen_port or sim.port
    model = str(getattr(sim, "model", "IPCamera"))
    return Device(
        xaddr=f"http://{sim.host}:{port}{sim.onvif.base_path}/device_service",
        mac=str(sim.onvif_facts().mac),
        name=name or model,
        hardware=model,
    )


def probe_matches(devices: list[Device], relates_to: str | None) -> bytes:
    """One ProbeMatches answer announcing ``devices`` (``relates_to`` None: a sloppy
    answer without RelatesTo)."""
    matches = "".join(
        "<d:ProbeMatch>"
        f"<a:EndpointReference><a:Address>{escape(d.endpoint)}</a:Address>"
        "</a:EndpointReference>"
        "<d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types>"
        "<d:Scopes>onvif://www.onvif.org/type/video_encoder "
        "onvif://www.onvif.org/Profile/Streaming "
        f"onvif://www.onvif.org/hardware/{escape(_scope(d.hardware))} "
        f"onvif://www.onvif.org/name/{escape(_scope(d.name))} "
        "onvif://www.onvif.org/location/country/china</d:Scopes>"
        f"<d:XAddrs>{escape(d.xaddr)}</d:XAddrs>"
        "<d:MetadataVersion>1</d:MetadataVersion>"
        "</d:ProbeMatch>"
        for d in devices
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<s:Envelope xmlns:s="{SOAP12}" xmlns:a="{WSA}" xmlns:d="{WSD}" xmlns:dn="{DN}"'
        f' xmlns:tds="{TDS}">'
        "<s:Header>"
        f"<a:MessageID>urn:uuid:{uuid.uuid4()}</a:MessageID>"
        + (f"<a:RelatesTo>{escape(relates_to)}</a:RelatesTo>" if relates_to else "")
        + f"<a:To>{WSA}/role/anonymous</a:To>"
        f"<a:Action>{WSD}/ProbeMatches</a:Action>"
        '<d:AppSequence InstanceId="1" MessageNumber="1"/>'
        "</s:Header>"
        f"<s:Body><d:ProbeMatches>{matches}</d:ProbeMatches></s:Body>"
        "</s:Envelope>"
    ).encode()


def _scope(value: str) -> str:
    # Scope values are URI segments: spaces are percent-encoded.
    return value.replace("%", "%25").replace(" ", "%20")


def probe_id(data: bytes) -> str | None:
    """The MessageID of a Probe for video transmitters; None for anything else."""
    try:
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False,
                                                      no_network=True))
    except etree.XMLSyntaxError:
        return None
    body = root.find(f"{{{SOAP12}}}Body")
    probe = body.find(f"{{{WSD}}}Probe") if body is not None else None
    if probe is None:
        return None
    types = probe.findtext(f"{{{WSD}}}Types") or ""
    if types and not any(t.endswith("NetworkVideoTransmitter") for t in types.split()):
        return None
    return root.findtext(f"{{{SOAP12}}}Header/{{{WSA}}}MessageID")


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, responder: WsDiscoveryResponder) -> None:
        self.responder = responder
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.DatagramTransport)
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        self.responder.probes.append((data, (str(addr[0]), int(addr[1]))))
        message_id = probe_id(data)
        if message_id is None or self.responder.silent or self.transport is None:
            return
        for _ in range(self.responder.copies):
            for device in self.responder.devices:
                self.transport.sendto(probe_matches([device], message_id), addr)
        for datagram in self.responder.extra:
            self.transport.sendto(datagram, addr)


class WsDiscoveryResponder:
    """Answers WS-Discovery probes on behalf of ``devices``."""

    def __init__(self, devices: list[Device] | None = None, *, host: str = "127.0.0.1",
                 port: int = 0, group: str | None = None) -> None:
        self.devices = list(devices or [])
        self.host = host
        self.port = port
        self.group = group  # join this multicast group (bound to all addresses then)
        self.extra: list[bytes] = []
        self.copies = 1
        self.silent = False
        self.probes: list[tuple[bytes, tuple[str, int]]] = []
        self._transport: asyncio.DatagramTransport | None = None

    async def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setblocking(False)
        if self.group:
            sock.bind(("", self.port or WSD_PORT))
            membership = struct.pack("4s4s", socket.inet_aton(self.group),
                                     socket.inet_aton(self.host))
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, membership)
        else:
            sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: _Protocol(self), sock=sock)
        self._transport = transport

    async def stop(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    @property
    def target(self) -> tuple[str, int]:
        """Where a unicast probe reaches this responder."""
        return (self.host, self.port)
