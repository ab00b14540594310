"""An ONVIF device (Profile S subset) for the simulated cameras, from the specifications.

Device management, media (ver10), PTZ presets (ver20) and events (real-time
pull-point, ONVIF Core 9.1), with WS-Security UsernameToken digest checked against
the camera's own clock (±5 s, settable offset) and optional HTTP Digest on top.

Mount it on a dialect simulator's application (before any catch-all route)::

    self.onvif = OnvifService(username=..., password=...)   # in __init__
    self.onvif.add_routes(app)                              # first in setup_routes
    self.onvif.reboot()                                     # in _forget_on_reboot

or run it alone: :class:`OnvifSim` (a :class:`SimServer`), ``python -m tests.sim.onvif``.
The dialect simulators do the above through :class:`OnvifCamera`, their base class:
one device, whose ONVIF face shares the camera's account, MAC, serial, clock and RTSP
server (:class:`CameraOnvif`), on its HTTP port or on a second listener.

The device is conformant where the specifications are clear: namespaces are
checked, SOAP 1.2 faults carry ONVIF subcodes (ter:NotAuthorized,
ter:ActionNotSupported...), PullMessages is a real long poll that answers the moment
a message is queued, subscriptions terminate unless renewed, a new subscription and
SetSynchronizationPoint send every property's state as ``Initialized``. Faults on
demand: :attr:`refuse_pullpoint`, :attr:`refuse_renew`, :meth:`expire_subscriptions`,
a separate ONVIF password, :attr:`clock_offset` changed while running,
:attr:`motion_stuck`, :meth:`huge_answer`, :meth:`malformed_answer`, :meth:`reboot`;
tolerance cases: :attr:`soap11`, :attr:`sloppy`, :attr:`long_poll`,
:attr:`max_pull_timeout`, :attr:`gone_as_404`, :attr:`advertised_host`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
import argparse
import asyncio
import base64
from collections.abc import Iterable, Mapping, Sequence
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import hashlib
import itertools
import re
import secrets
import time
from typing import Any, Literal, NoReturn, overload

from aiohttp import web
from lxml import etree

from .base import SimServer, default_jpeg

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
WSA = "http://www.w3.org/2005/08/addressing"
WSNT = "http://docs.oasis-open.org/wsn/b-2"
WSTOP = "http://docs.oasis-open.org/wsn/t-1"
WSRF_RW = "http://docs.oasis-open.org/wsrf/rw-2"
WSRF_BF = "http://docs.oasis-open.org/wsrf/bf-2"
DOM0 = "http://www.onvif-sim.invalid/subscription"  # a vendor's reference parameter
TT = "http://www.onvif.org/ver10/schema"
TDS = "http://www.onvif.org/ver10/device/wsdl"
TRT = "http://www.onvif.org/ver10/media/wsdl"
TPTZ = "http://www.onvif.org/ver20/ptz/wsdl"
TEV = "http://www.onvif.org/ver10/events/wsdl"
TNS1 = "http://www.onvif.org/ver10/topics"
TER = "http://www.onvif.org/ver10/error"
XS = "http://www.w3.org/2001/XMLSchema"
_NSMAP = {
    "tds": TDS, "trt": TRT, "tptz": TPTZ, "tev": TEV, "tt": TT, "wsnt": WSNT, "wsa": WSA,
    "wstop": WSTOP, "tns1": TNS1, "ter": TER, "wsrf-rw": WSRF_RW, "xs": XS,
}
CONCRETE_SET = "http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet"

# Topics (local paths) and the items the ONVIF Analytics/Core specs give them.
MOTION = "RuleEngine/CellMotionDetector/Motion"
MOTION_ALARM = "VideoSource/MotionAlarm"
DIGITAL_INPUT = "Device/Trigger/DigitalInput"
TAMPER = "RuleEngine/TamperDetector/Tamper"
FIELD = "RuleEngine/FieldDetector/ObjectsInside"
LINE = "RuleEngine/LineDetector/Crossed"
PEOPLE = "RuleEngine/MyRuleDetector/PeopleDetect"
VEHICLE = "RuleEngine/MyRuleDetector/VehicleDetect"


@dataclass(frozen=True, slots=True)
class TopicSpec:
    """A topic the device announces in GetEventProperties."""

    path: str
    source: tuple[str, ...]
    data: tuple[str, ...]
    is_property: bool = True


_ANALYTICS_SOURCE = ("VideoSourceConfigurationToken", "VideoAnalyticsConfigurationToken", "Rule")
DEFAULT_TOPICS = (
    TopicSpec(MOTION, _ANALYTICS_SOURCE, ("IsMotion",)),
    TopicSpec(MOTION_ALARM, ("Source",), ("State",)),
    TopicSpec(TAMPER, _ANALYTICS_SOURCE, ("IsTamper",)),
    TopicSpec(DIGITAL_INPUT, ("InputToken",), ("LogicalState",)),
)
ANALYTICS_TOPICS = (
    TopicSpec(FIELD, _ANALYTICS_SOURCE, ("IsInside",)),
    TopicSpec(LINE, _ANALYTICS_SOURCE, ("ObjectId",), is_property=False),
    TopicSpec(PEOPLE, ("Source", "Rule"), ("State",)),
    TopicSpec(VEHICLE, ("Source", "Rule"), ("State",)),
)

# Operations ONVIF serves without a login (Core, "default access policy": PRE_AUTH).
PRE_AUTH = frozenset({
    "GetSystemDateAndTime", "GetServices", "GetCapabilities", "GetServiceCapabilities",
    "GetWsdlUrl", "GetEndpointReference",
})
_SERVICE_OPS = {
    "device_service": (TDS, frozenset({
        "GetSystemDateAndTime", "GetServices", "GetCapabilities", "GetDeviceInformation",
        "GetNetworkInterfaces", "GetScopes", "GetHostname",
    })),
    "media_service": (TRT, frozenset({"GetProfiles", "GetStreamUri", "GetSnapshotUri"})),
    "ptz_service": (TPTZ, frozenset({"GetPresets", "GotoPreset"})),
    "event_service": (TEV, frozenset({
        "CreatePullPointSubscription", "GetEventProperties", "GetServiceCapabilities",
    })),
}
_SUBSCRIPTION_OPS = {
    "PullMessages": TEV, "SetSynchronizationPoint": TEV, "Renew": WSNT, "Unsubscribe": WSNT,
}
_HUGE_CHUNK = 256 * 1024
_BODY_LIMIT = 256 * 1024
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
REALM = "onvif"
_BY_REFERENCE = ""  # subscription id taken from the request's header


@dataclass(slots=True)
class OnvifRequest:
    """One SOAP request as the device saw it."""

    time: float  # time.monotonic()
    path: str
    operation: str
    signed: bool = False  # it carried a WS-Security UsernameToken (valid or not)
    authenticated: bool = False  # ... and the token was accepted
    fault: str | None = None  # the fault subcode (or HTTP status) answered


@dataclass(slots=True)
class _Message:
    topic: str
    utc: datetime
    source: dict[str, str]
    data: dict[str, str]
    operation: str | None  # Initialized / Changed / Deleted; None: not a property


@dataclass(slots=True)
class _Subscription:
    id: str
    expires: float  # monotonic
    queue: list[_Message] = field(default_factory=list)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    # None while alive; else why it ended ("unsubscribed", "expired", "reboot").
    ended: str | None = None


@dataclass(slots=True)
class _Canned:
    kind: Literal["huge", "malformed"]
    size: int = 0
    body: bytes = b""
    remaining: int | None = None


class _Fault(Exception):
    """A SOAP fault to answer: code (Sender/Receiver), ONVIF subcode(s), reason."""

    def __init__(
        self,
        code: str,
        subcodes: Sequence[str],
        reason: str,
        *,
        status: int | None = None,
        detail: etree._Element | None = None,
    ) -> None:
        super().__init__(reason)
        self.code = code
        self.subcodes = tuple(subcodes)
        self.reason = reason
        self.status = status if status is not None else (400 if code == "Sender" else 500)
        self.detail = detail


def E(namespace: str, name: str, *content: etree._Element | str, **attrs: str) -> etree._Element:
    """``<ns:name attrs>content</ns:name>``; strings become text."""
    node = etree.Element(f"{{{namespace}}}{name}" if namespace else name)
    for key, value in attrs.items():
        node.set(key, value)
    for item in content:
        if isinstance(item, str):
            node.text = (node.text or "") + item
        else:
            node.append(item)
    return node


def _q(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


class OnvifService:
    """The ONVIF services of one simulated camera (see the module docstring)."""

    def __init__(
        self,
        *,
        username: str = "admin",
        password: str = "admin",
        clock_offset: float = 0.0,
        max_subscriptions: int = 3,
        http_digest: bool = False,
        manufacturer: str = "CGI Camera",
        model: str = "IPC-ONVIF",
        firmware: str = "V5.0.0",
        serial: str = "SN0123456789",
        mac: str = "00:12:34:56:78:9a",
        inputs: int = 1,
        input_token_base: int = 0,
        ptz: bool = True,
        presets: Sequence[tuple[str, str]] = (("1", "Door"), ("2", "Gate"), ("3", "Yard")),
        topics: Sequence[TopicSpec] = DEFAULT_TOPICS,
        base_path: str = "/onvif",
        rtsp_port: int = 554,
        stream_paths: tuple[str, str] = ("stream1", "stream2"),
        window: float = 5.0,
    ) -> None:
        self.username = username
        self.password = password
        self.clock_offset = clock_offset  # seconds the camera's clock is ahead of real
        self.max_subscriptions = max_subscriptions
        self.http_digest = http_digest
        self.manufacturer, self.model, self.firmware = manufacturer, model, firmware
        self.serial, self.mac = serial, mac
        self.inputs, self.input_token_base = inputs, input_token_base
        self.ptz = ptz
        self.presets = list(presets)
        self.topics = list(topics)
        self.base_path = base_path.rstrip("/")
        self.rtsp_port = rtsp_port
        # RTSP paths of the main and the sub profile, as GetStreamUri gives them.
        self.stream_paths = stream_paths
        self.window = window
        # -- behaviour switches (faults and firmware quirks) ---------------------
        self.refuse_pullpoint = False
        # The next N tokens are checked as if the request had waited past the time
        # window (a server that held it): refused as outside the window.
        self.stale_tokens = 0
        self.refuse_renew = False
        self.motion_stuck = False  # motion never reports "off" once on
        self.soap11 = False  # answer (and fault) in SOAP 1.1
        self.sloppy = False  # BOM, whitespace, no namespaces at all in answers
        self.long_poll = True  # False: PullMessages answers at once, even empty
        self.max_pull_timeout: float | None = None  # longer Timeouts get a fault
        self.gone_as_404 = False  # unknown subscription: HTTP 404 instead of a fault
        self.pull_extends = False  # each PullMessages pushes the termination time
        self.get_services = True  # False: GetServices is ActionNotSupported
        self.services_extra: list[tuple[str, str]] = []  # (namespace, XAddr) also listed
        # Services served but left out of GetServices (e.g. "event_service"): firmware quirk.
        self.unlisted: set[str] = set()
        self.unsupported: set[str] = set()  # operations this firmware lacks
        self.clock_needs_login = False  # GetSystemDateAndTime wants a token too
        # One address for every subscription, told apart by a SubscriptionId the client
        # must echo in its header (WS-Addressing reference parameters).
        self.reference_parameters = False
        self.advertised_host: str | None = None  # host written in XAddrs (NAT, defaults)
        self.auth_fault_status = 400
        self.timezone = "UTC0"  # POSIX TZ of LocalDateTime
        self.report_utc = True  # False: GetSystemDateAndTime has LocalDateTime only
        # -- state ---------------------------------------------------------------
        self.requests: list[OnvifRequest] = []
        self.subscriptions: dict[str, _Subscription] = {}
        self.subscriptions_created = 0
        self.peak_subscriptions = 0  # most subscriptions alive at once
        self.waiting_pulls = 0  # PullMessages held open right now (long polls)
        self.failed_logins = 0
        self.last_preset: str | None = None
        self._ids = itertools.count(1)
        self._nonces: dict[str, float] = {}
        self._digest_nonce = secrets.token_hex(16)
        self._canned: dict[str, _Canned] = {}
        self._stopping = False
        self._properties: dict[tuple[str, tuple[tuple[str, str], ...]], _Message] = {}
        self._reset_properties()

    # ------------------------------------------------------------------ mounting

    def add_routes(self, app: web.Application) -> None:
        """Register the services on ``app`` (call before any catch-all route)."""
        for name in _SERVICE_OPS:
            app.router.add_post(f"{self.base_path}/{name}", self._service)
        app.router.add_post(f"{self.base_path}/subscription/{{sid}}", self._subscription)
        app.router.add_post(f"{self.base_path}/subscription", self._subscription)
        app.router.add_get(f"{self.base_path}/snapshot.jpg", self._snapshot)
        app.on_shutdown.append(self._on_shutdown)  # type: ignore[arg-type]
        self._stopping = False

    async def _on_shutdown(self, _app: web.Application) -> None:
        # A long poll must not hold the server's shutdown: wake them, they drop.
        self._stopping = True
        for sub in self.subscriptions.values():
            sub.wake.set()

    # ------------------------------------------------------------ camera clock

    def camera_now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.clock_offset)

    def _zulu(self, moment: datetime) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    # ---------------------------------------------------------------- events

    def set_motion(self, on: bool) -> None:
        """Cell motion detection on video source 1."""
        if self.motion_stuck and not on:
            return
        self.set_property(MOTION, self._analytics_source("MyMotionDetectorRule"),
                          {"IsMotion": _xs_bool(on)})

    def set_motion_alarm(self, on: bool) -> None:
        """The video source's MotionAlarm (the simpler motion topic)."""
        self.set_property(MOTION_ALARM, {"Source": "VideoSource_1"}, {"State": _xs_bool(on)})

    def set_input(self, number: int, on: bool) -> None:
        """Digital input ``number`` (1-based) goes active/inactive."""
        self.set_property(DIGITAL_INPUT, {"InputToken": self.input_token(number)},
                          {"LogicalState": _xs_bool(on)})

    def set_tamper(self, on: bool) -> None:
        self.set_property(TAMPER, self._analytics_source("MyTamperDetectorRule"),
                          {"IsTamper": _xs_bool(on)})

    def input_token(self, number: int) -> str:
        return f"DigitalInput_{number - 1 + self.input_token_base}"

    def set_property(
        self, topic: str, source: Mapping[str, str], data: Mapping[str, str]
    ) -> None:
        """A property changes (or appears): queued as ``Changed`` to every subscription."""
        key = (topic, tuple(sorted(source.items())))
        known = key in self._properties
        message = _Message(topic, self.camera_now(), dict(source), dict(data),
                           "Changed" if known else "Initialized")
        self._properties[key] = message
        self._publish(message)

    def send_event(
        self, topic: str, source: Mapping[str, str], data: Mapping[str, str]
    ) -> None:
        """A plain (non-property) event, e.g. a line crossing."""
        self._publish(_Message(topic, self.camera_now(), dict(source), dict(data), None))

    def _analytics_source(self, rule: str) -> dict[str, str]:
        return {"VideoSourceConfigurationToken": "VideoSourceConfig_1",
                "VideoAnalyticsConfigurationToken": "VideoAnalyticsConfig_1", "Rule": rule}

    def _reset_properties(self) -> None:
        self._properties.clear()
        initial = [
            (MOTION, self._analytics_source("MyMotionDetectorRule"), {"IsMotion": "false"}),
            (TAMPER, self._analytics_source("MyTamperDetectorRule"), {"IsTamper": "false"}),
        ]
        initial += [
            (DIGITAL_INPUT, {"InputToken": self.input_token(n)}, {"LogicalState": "false"})
            for n in range(1, self.inputs + 1)
        ]
        for topic, source, data in initial:
            key = (topic, tuple(sorted(source.items())))
            self._properties[key] = _Message(topic, self.camera_now(), source, data,
                                             "Initialized")

    def _publish(self, message: _Message) -> None:
        for sub in self._live_subscriptions():
            sub.queue.append(message)
            sub.wake.set()

    def _initial_states(self, sub: _Subscription) -> None:
        now = self.camera_now()
        for message in self._properties.values():
            sub.queue.append(_Message(message.topic, now, message.source, message.data,
                                      "Initialized"))
        sub.wake.set()

    # ------------------------------------------------------------ faults

    def expire_subscriptions(self) -> None:
        """Every subscription terminates now (as if nobody had renewed it)."""
        self._end_all("expired")

    def reboot(self) -> None:
        """What a restart loses: subscriptions, nonces, alarm states."""
        self._end_all("reboot")
        self._nonces.clear()
        self._digest_nonce = secrets.token_hex(16)
        self._reset_properties()

    def huge_answer(self, operation: str, size: int = 50 * 1024 * 1024,
                    *, times: int | None = None) -> None:
        """Answer ``operation`` with ``size`` bytes of XML-looking filler (chunked)."""
        self._canned[operation] = _Canned("huge", size=size, remaining=times)

    def malformed_answer(self, operation: str, body: bytes | None = None,
                         *, times: int | None = None) -> None:
        """Answer ``operation`` with broken SOAP (a truncated envelope by default)."""
        broken = body if body is not None else (
            b'<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="' + SOAP12.encode()
            + b'"><env:Body><tev:PullMessagesResponse xmlns:tev="' + TEV.encode()
            + b'"><tev:CurrentTime>2024-01-01T00:00:00Z</tev:CurrentTime><wsnt:Notifica'
        )
        self._canned[operation] = _Canned("malformed", body=broken, remaining=times)

    def clear_answers(self) -> None:
        self._canned.clear()

    def _end_all(self, why: str) -> None:
        for sub in list(self.subscriptions.values()):
            self._end(sub, why)

    def _end(self, sub: _Subscription, why: str) -> None:
        sub.ended = why
        sub.wake.set()
        self.subscriptions.pop(sub.id, None)

    # ----------------------------------------------------------- statistics

    @property
    def subscription_count(self) -> int:
        """Live subscriptions (terminated ones pruned)."""
        return len(self._live_subscriptions())

    def count(self, operation: str | None = None, *, since: float | None = None) -> int:
        """Requests for ``operation`` (all when None) since monotonic time ``since``."""
        return sum(
            1 for r in self.requests
            if (operation is None or r.operation == operation)
            and (since is None or r.time >= since)
        )

    def operations(self) -> list[str]:
        return [r.operation for r in self.requests]

    def _live_subscriptions(self) -> list[_Subscription]:
        now = time.monotonic()
        for sub in list(self.subscriptions.values()):
            if sub.expires <= now:
                self._end(sub, "expired")
        return list(self.subscriptions.values())

    # ------------------------------------------------------------- HTTP layer

    async def _snapshot(self, request: web.Request) -> web.StreamResponse:
        return web.Response(body=default_jpeg(self.model), content_type="image/jpeg")

    async def _service(self, request: web.Request) -> web.StreamResponse:
        service = request.path.rsplit("/", 1)[-1]
        namespace, operations = _SERVICE_OPS[service]
        return await self._handle(request, lambda op, ns: ns == namespace and op in operations,
                                  None)

    async def _subscription(self, request: web.Request) -> web.StreamResponse:
        # No id in the path: it comes back in the header, as a reference parameter.
        sid = request.match_info.get("sid", _BY_REFERENCE)
        return await self._handle(
            request, lambda op, ns: _SUBSCRIPTION_OPS.get(op) == ns, sid
        )

    async def _handle(
        self, request: web.Request, serves: Any, sid: str | None
    ) -> web.StreamResponse:
        record = OnvifRequest(time.monotonic(), request.path, "?")
        self.requests.append(record)
        raw = await request.content.read(_BODY_LIMIT + 1)
        try:
            envelope = self._parse(raw)
            body = envelope.find(_q(SOAP12, "Body"))
            operation_el = body[0] if body is not None and len(body) else None
            if operation_el is None:
                raise _Fault("Sender", ["ter:WellFormed"], "No operation in the body")
            qname = etree.QName(operation_el)
            record.operation = qname.localname
            if sid == _BY_REFERENCE:
                sid = (envelope.findtext(f"{_q(SOAP12, 'Header')}/{_q(DOM0, 'SubscriptionId')}")
                       or "").strip()
            record.signed = envelope.find(f".//{_q(WSSE, 'UsernameToken')}") is not None
            canned = self._take_canned(record.operation)
            if canned is not None:
                return await self._answer_canned(request, canned)
            if not serves(qname.localname, qname.namespace) or qname.localname in self.unsupported:
                raise _Fault("Receiver", ["ter:ActionNotSupported"],
                             "Optional Action Not Implemented")
            if qname.localname not in PRE_AUTH or (
                self.clock_needs_login and qname.localname == "GetSystemDateAndTime"
            ):
                challenge = self._http_auth(request)
                if challenge is not None:
                    record.fault = "HTTP 401"
                    return challenge
                self._check_token(envelope)
                record.authenticated = True
            answer = await self._dispatch(request, qname.localname, operation_el, sid)
        except _Fault as fault:
            record.fault = fault.subcodes[-1] if fault.subcodes else fault.code
            return self._fault_response(fault)
        if answer is None:  # the connection was dropped (reboot / shutdown)
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=503)
        if isinstance(answer, web.StreamResponse):
            record.fault = f"HTTP {answer.status}"
            return answer
        return self._respond(answer)

    def _parse(self, raw: bytes) -> etree._Element:
        if len(raw) > _BODY_LIMIT:
            raise _Fault("Sender", ["ter:WellFormed"], "Request too large")
        try:
            root = etree.fromstring(raw, _PARSER)
        except etree.XMLSyntaxError:
            raise _Fault("Sender", ["ter:WellFormed"], "Well-formed Error") from None
        if root.tag != _q(SOAP12, "Envelope"):
            # A SOAP 1.2 device answers other envelope versions with VersionMismatch.
            raise _Fault("VersionMismatch", [], "SOAP 1.2 envelope expected")
        return root

    def _take_canned(self, operation: str) -> _Canned | None:
        canned = self._canned.get(operation)
        if canned is not None and canned.remaining is not None:
            canned.remaining -= 1
            if canned.remaining <= 0:
                del self._canned[operation]
        return canned

    async def _answer_canned(self, request: web.Request, canned: _Canned) -> web.StreamResponse:
        if canned.kind == "malformed":
            return web.Response(body=canned.body, content_type="application/soap+xml")
        response = web.StreamResponse(status=200)
        response.content_type = "application/soap+xml"
        response.enable_chunked_encoding()
        await response.prepare(request)
        head = (b'<?xml version="1.0"?><env:Envelope xmlns:env="' + SOAP12.encode()
                + b'"><env:Body><x>')
        chunk = b"<y>" + b"x" * (_HUGE_CHUNK - 8) + b"</y>"
        sent = 0
        try:
            await response.write(head)
            while sent < canned.size and not self._stopping:
                await response.write(chunk)
                sent += len(chunk)
            await response.write(b"</x></env:Body></env:Envelope>")
        except (ConnectionResetError, ConnectionError):
            return response  # the client gave up early: what a size cap does
        await response.write_eof()
        return response

    # ---------------------------------------------------------- authentication

    def _check_token(self, envelope: etree._Element) -> None:
        token = envelope.find(
            f"{_q(SOAP12, 'Header')}/{_q(WSSE, 'Security')}/{_q(WSSE, 'UsernameToken')}"
        )
        if token is None:
            self._refuse("No WS-Security token", failed_login=False)
        username = (token.findtext(_q(WSSE, "Username")) or "").strip()
        digest = (token.findtext(_q(WSSE, "Password")) or "").strip()
        nonce_text = (token.findtext(_q(WSSE, "Nonce")) or "").strip()
        created = (token.findtext(_q(WSU, "Created")) or "").strip()
        try:
            nonce = base64.b64decode(nonce_text, validate=True)
            stamp = datetime.fromisoformat(created.replace("Z", "+00:00"))
        except ValueError:
            self._refuse("Malformed token")
        if stamp.tzinfo is None:
            self._refuse("Created is not UTC")
        if self.stale_tokens > 0:
            self.stale_tokens -= 1
            self._refuse("Created is outside the time window")
        if abs((stamp - self.camera_now()).total_seconds()) > self.window:
            self._refuse("Created is outside the time window")
        if nonce_text in self._nonces:
            self._refuse("Nonce replayed")
        expected = base64.b64encode(
            hashlib.sha1(nonce + created.encode() + self.password.encode()).digest()
        ).decode()
        if username != self.username or not secrets.compare_digest(expected, digest):
            self._refuse("Wrong username or password")
        now = time.monotonic()
        self._nonces = {n: t for n, t in self._nonces.items() if now - t < 4 * self.window}
        self._nonces[nonce_text] = now

    def _refuse(self, why: str, *, failed_login: bool = True) -> NoReturn:
        if failed_login:  # what a lockout would count: a login that was tried
            self.failed_logins += 1
        raise _Fault("Sender", ["ter:NotAuthorized"], f"Sender not Authorized ({why})",
                     status=self.auth_fault_status)

    def _http_auth(self, request: web.Request) -> web.StreamResponse | None:
        """HTTP Digest (RFC 7616, MD5, qop=auth) when the device demands it."""
        if not self.http_digest:
            return None
        header = request.headers.get("Authorization", "")
        params = dict(re.findall(r'(\w+)="?([^",]*)"?', header))
        if header.startswith("Digest ") and params.get("nonce") == self._digest_nonce:
            def h(text: str) -> str:
                return hashlib.md5(text.encode()).hexdigest()

            ha1 = h(f"{params.get('username', '')}:{REALM}:{self.password}")
            ha2 = h(f"{request.method}:{params.get('uri', '')}")
            expected = h(f"{ha1}:{self._digest_nonce}:{params.get('nc', '')}:"
                         f"{params.get('cnonce', '')}:auth:{ha2}")
            if params.get("username") == self.username and secrets.compare_digest(
                expected, params.get("response", "")
            ):
                return None
            self.failed_logins += 1
        challenge = f'Digest realm="{REALM}", qop="auth", nonce="{self._digest_nonce}", ' \
                    'algorithm=MD5'
        return web.Response(status=401, headers={"WWW-Authenticate": challenge})

    # ------------------------------------------------------------- operations

    async def _dispatch(
        self, request: web.Request, operation: str, body: etree._Element, sid: str | None
    ) -> etree._Element | web.StreamResponse | None:
        host = self.advertised_host or request.host
        if sid is not None:
            return await self._subscription_op(operation, body, sid)
        handlers: dict[str, Any] = {
            "GetSystemDateAndTime": lambda: self._system_date_and_time(),
            "GetServices": lambda: self._services(host),
            "GetCapabilities": lambda: self._capabilities(host),
            "GetDeviceInformation": lambda: self._device_information(),
            "GetNetworkInterfaces": lambda: self._network_interfaces(),
            "GetScopes": lambda: E(TDS, "GetScopesResponse"),
            "GetHostname": lambda: E(TDS, "GetHostnameResponse"),
            "GetProfiles": lambda: self._profiles(),
            "GetStreamUri": lambda: self._stream_uri(body, host),
            "GetSnapshotUri": lambda: self._snapshot_uri(body, host),
            "GetPresets": lambda: self._get_presets(body),
            "GotoPreset": lambda: self._goto_preset(body),
            "CreatePullPointSubscription": lambda: self._create(body, host),
            "GetEventProperties": lambda: self._event_properties(),
            "GetServiceCapabilities": lambda: E(TEV, "GetServiceCapabilitiesResponse", E(
                TEV, "Capabilities", WSPullPointSupport="true",
                MaxPullPoints=str(self.max_subscriptions))),
        }
        result: etree._Element = handlers[operation]()
        return result

    def _system_date_and_time(self) -> etree._Element:
        utc = self.camera_now()
        local = utc + _posix_offset(self.timezone)
        parts: list[etree._Element] = [
            E(TT, "DateTimeType", "Manual"),
            E(TT, "DaylightSavings", "false"),
            E(TT, "TimeZone", E(TT, "TZ", self.timezone)),
        ]
        if self.report_utc:
            parts.append(_date_time("UTCDateTime", utc))
        parts.append(_date_time("LocalDateTime", local))
        return E(TDS, "GetSystemDateAndTimeResponse", E(TDS, "SystemDateAndTime", *parts))

    def _xaddr(self, host: str, name: str) -> str:
        return f"http://{host}{self.base_path}/{name}"

    def _services(self, host: str) -> etree._Element:
        if not self.get_services:
            raise _Fault("Receiver", ["ter:ActionNotSupported"], "Optional Action Not Implemented")
        entries = [(TDS, "device_service", "2", "40"), (TRT, "media_service", "2", "40"),
                   (TEV, "event_service", "2", "60")]
        if self.ptz:
            entries.append((TPTZ, "ptz_service", "2", "50"))
        listed = [
            E(TDS, "Service", E(TDS, "Namespace", ns), E(TDS, "XAddr", self._xaddr(host, path)),
              E(TDS, "Version", E(TT, "Major", major), E(TT, "Minor", minor)))
            for ns, path, major, minor in entries if path not in self.unlisted
        ]
        # Firmware quirk: entries without a namespace or an address.
        listed += [E(TDS, "Service", E(TDS, "Namespace", ns), E(TDS, "XAddr", url))
                   for ns, url in self.services_extra]
        return E(TDS, "GetServicesResponse", *listed)

    def _capabilities(self, host: str) -> etree._Element:
        parts = [
            E(TT, "Device", E(TT, "XAddr", self._xaddr(host, "device_service"))),
            E(TT, "Events", E(TT, "XAddr", self._xaddr(host, "event_service")),
              E(TT, "WSSubscriptionPolicySupport", "false"), E(TT, "WSPullPointSupport", "true"),
              E(TT, "WSPausableSubscriptionManagerInterfaceSupport", "false")),
            E(TT, "Media", E(TT, "XAddr", self._xaddr(host, "media_service"))),
        ]
        if self.ptz:
            parts.append(E(TT, "PTZ", E(TT, "XAddr", self._xaddr(host, "ptz_service"))))
        return E(TDS, "GetCapabilitiesResponse", E(TDS, "Capabilities", *parts))

    def _device_information(self) -> etree._Element:
        return E(TDS, "GetDeviceInformationResponse",
                 E(TDS, "Manufacturer", self.manufacturer), E(TDS, "Model", self.model),
                 E(TDS, "FirmwareVersion", self.firmware), E(TDS, "SerialNumber", self.serial),
                 E(TDS, "HardwareId", "HW-1"))

    def _network_interfaces(self) -> etree._Element:
        return E(TDS, "GetNetworkInterfacesResponse", E(
            TDS, "NetworkInterfaces", E(TT, "Enabled", "true"),
            E(TT, "Info", E(TT, "Name", "eth0"), E(TT, "HwAddress", self.mac),
              E(TT, "MTU", "1500")),
            token="eth0",
        ))

    _PROFILES = (("Profile_1", "mainStream", 1920, 1080, 0),
                 ("Profile_2", "subStream", 640, 360, 1))

    def _profiles(self) -> etree._Element:
        profiles = []
        for token, name, width, height, _path in self._PROFILES:
            parts = [
                E(TT, "Name", name),
                E(TT, "VideoSourceConfiguration", E(TT, "Name", "VideoSource_1"),
                  E(TT, "UseCount", "2"), E(TT, "SourceToken", "VideoSource_1"),
                  token="VideoSourceConfig_1"),
                E(TT, "VideoEncoderConfiguration", E(TT, "Name", name), E(TT, "UseCount", "1"),
                  E(TT, "Encoding", "H264"),
                  E(TT, "Resolution", E(TT, "Width", str(width)), E(TT, "Height", str(height))),
                  E(TT, "Quality", "4"), token=f"VideoEncoder_{token[-1]}"),
            ]
            if self.ptz:
                parts.append(E(TT, "PTZConfiguration", E(TT, "Name", "PTZ"),
                               E(TT, "UseCount", "2"), E(TT, "NodeToken", "PTZNode_1"),
                               token="PTZConfig_1"))
            profiles.append(E(TRT, "Profiles", *parts, token=token, fixed="true"))
        return E(TRT, "GetProfilesResponse", *profiles)

    def _profile_path(self, body: etree._Element, namespace: str = TRT) -> str:
        token = (body.findtext(_q(namespace, "ProfileToken")) or "").strip()
        for known, _name, _w, _h, stream in self._PROFILES:
            if token == known:
                return self.stream_paths[stream].lstrip("/")
        raise _Fault("Sender", ["ter:InvalidArgVal", "ter:NoProfile"], "Profile token unknown")

    def _stream_uri(self, body: etree._Element, host: str) -> etree._Element:
        path = self._profile_path(body)
        setup = body.find(_q(TRT, "StreamSetup"))
        stream = setup.findtext(_q(TT, "Stream")) if setup is not None else None
        protocol = setup.findtext(f"{_q(TT, 'Transport')}/{_q(TT, 'Protocol')}") \
            if setup is not None else None
        if stream not in ("RTP-Unicast", "RTP-Multicast") or protocol not in (
            "UDP", "TCP", "RTSP", "HTTP"
        ):
            raise _Fault("Sender", ["ter:InvalidArgVal", "ter:InvalidStreamSetup"],
                         "StreamSetup is not valid")
        hostname = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return E(TRT, "GetStreamUriResponse", E(
            TRT, "MediaUri", E(TT, "Uri", f"rtsp://{hostname}:{self.rtsp_port}/{path}"),
            E(TT, "InvalidAfterConnect", "false"), E(TT, "InvalidAfterReboot", "false"),
            E(TT, "Timeout", "PT60S"),
        ))

    def _snapshot_uri(self, body: etree._Element, host: str) -> etree._Element:
        self._profile_path(body)
        return E(TRT, "GetSnapshotUriResponse", E(
            TRT, "MediaUri", E(TT, "Uri", f"http://{host}{self.base_path}/snapshot.jpg"),
            E(TT, "InvalidAfterConnect", "false"), E(TT, "InvalidAfterReboot", "false"),
            E(TT, "Timeout", "PT0S"),
        ))

    def _ptz_profile(self, body: etree._Element) -> None:
        if not self.ptz:
            raise _Fault("Receiver", ["ter:ActionNotSupported", "ter:PTZNotSupported"],
                         "PTZ is not supported")
        self._profile_path(body, TPTZ)

    def _get_presets(self, body: etree._Element) -> etree._Element:
        self._ptz_profile(body)
        return E(TPTZ, "GetPresetsResponse", *[
            E(TPTZ, "Preset", E(TT, "Name", name), token=token) for token, name in self.presets
        ])

    def _goto_preset(self, body: etree._Element) -> etree._Element:
        self._ptz_profile(body)
        token = (body.findtext(_q(TPTZ, "PresetToken")) or "").strip()
        if token not in {t for t, _n in self.presets}:
            raise _Fault("Sender", ["ter:InvalidArgVal", "ter:NoToken"], "Preset token unknown")
        self.last_preset = token
        return E(TPTZ, "GotoPresetResponse")

    # ------------------------------------------------------------------ events

    def _create(self, body: etree._Element, host: str) -> etree._Element:
        if self.refuse_pullpoint:
            raise _Fault("Receiver", ["ter:Action"], "Pull point refused",
                         detail=E(WSNT, "SubscribeCreationFailedFault",
                                  E(WSRF_BF, "Timestamp", self._zulu(self.camera_now()))))
        if self.subscription_count >= self.max_subscriptions:
            raise _Fault("Receiver", ["ter:Action", "ter:TooManySubscriptions"],
                         "Maximum number of subscriptions reached",
                         detail=E(WSNT, "SubscribeCreationFailedFault",
                                  E(WSRF_BF, "Timestamp", self._zulu(self.camera_now()))))
        lifetime = self._termination(body.findtext(_q(TEV, "InitialTerminationTime")), 60.0)
        sid = str(next(self._ids))
        sub = _Subscription(sid, time.monotonic() + lifetime)
        self.subscriptions[sid] = sub
        self.subscriptions_created += 1
        self.peak_subscriptions = max(self.peak_subscriptions, len(self.subscriptions))
        self._initial_states(sub)
        now = self.camera_now()
        if self.reference_parameters:
            reference = E(TEV, "SubscriptionReference",
                          E(WSA, "Address", f"http://{host}{self.base_path}/subscription"),
                          E(WSA, "ReferenceParameters", E(DOM0, "SubscriptionId", sid)))
        else:
            reference = E(TEV, "SubscriptionReference",
                          E(WSA, "Address", f"http://{host}{self.base_path}/subscription/{sid}"))
        return E(
            TEV, "CreatePullPointSubscriptionResponse",
            reference,
            E(WSNT, "CurrentTime", self._zulu(now)),
            E(WSNT, "TerminationTime", self._zulu(now + timedelta(seconds=lifetime))),
        )

    def _termination(self, value: str | None, default: float) -> float:
        """A relative (``PT600S``) or absolute (camera clock) termination, in seconds."""
        if value is None or not value.strip():
            return default
        text = value.strip()
        seconds = _duration(text)
        if seconds is None:
            try:
                moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise _Fault("Sender", ["ter:InvalidArgVal"], "Invalid termination time",
                             detail=E(WSNT, "UnacceptableTerminationTimeFault")) from None
            seconds = (moment - self.camera_now()).total_seconds()
        if seconds <= 0:
            raise _Fault("Sender", ["ter:InvalidArgVal"], "Termination time in the past",
                         detail=E(WSNT, "UnacceptableTerminationTimeFault"))
        return min(seconds, 3600.0)

    async def _subscription_op(
        self, operation: str, body: etree._Element, sid: str
    ) -> etree._Element | web.StreamResponse | None:
        sub = self._live(sid)
        if isinstance(sub, web.StreamResponse):
            return sub
        now = self.camera_now()
        if operation == "PullMessages":
            return await self._pull(sub, body)
        if operation == "Renew":
            if self.refuse_renew:
                raise _Fault("Receiver", ["ter:Action"], "Renew refused",
                             detail=E(WSNT, "UnacceptableTerminationTimeFault"))
            lifetime = self._termination(body.findtext(_q(WSNT, "TerminationTime")), 60.0)
            sub.expires = time.monotonic() + lifetime
            return E(WSNT, "RenewResponse",
                     E(WSNT, "TerminationTime", self._zulu(now + timedelta(seconds=lifetime))),
                     E(WSNT, "CurrentTime", self._zulu(now)))
        if operation == "Unsubscribe":
            self._end(sub, "unsubscribed")
            return E(WSNT, "UnsubscribeResponse")
        self._initial_states(sub)  # SetSynchronizationPoint
        return E(TEV, "SetSynchronizationPointResponse")

    def _live(self, sid: str) -> _Subscription | web.StreamResponse:
        self._live_subscriptions()
        sub = self.subscriptions.get(sid)
        if sub is not None:
            return sub
        if self.gone_as_404:
            return web.Response(status=404, text="Not Found")
        raise _Fault("Sender", ["ter:InvalidArgVal", "ter:ResourceUnknown"],
                     "The subscription does not exist", detail=E(WSRF_RW, "ResourceUnknownFault"))

    async def _pull(
        self, sub: _Subscription, body: etree._Element
    ) -> etree._Element | web.StreamResponse | None:
        timeout = _duration((body.findtext(_q(TEV, "Timeout")) or "").strip())
        limit_text = (body.findtext(_q(TEV, "MessageLimit")) or "").strip()
        if timeout is None or not limit_text.isdigit():
            raise _Fault("Sender", ["ter:InvalidArgVal"], "Timeout and MessageLimit required")
        limit = int(limit_text)
        if self.max_pull_timeout is not None and timeout > self.max_pull_timeout:
            raise _Fault("Sender", ["ter:InvalidArgVal"], "Timeout too long", detail=E(
                TEV, "PullMessagesFaultResponse",
                E(TEV, "MaxTimeout", f"PT{round(self.max_pull_timeout)}S"),
                E(TEV, "MaxMessageLimit", "100"),
            ))
        if not sub.queue and self.long_poll:
            sub.wake.clear()
            remaining = sub.expires - time.monotonic()
            self.waiting_pulls += 1
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(sub.wake.wait(), max(0.0, min(timeout, remaining)))
            finally:
                self.waiting_pulls -= 1
            if self._stopping or sub.ended == "reboot":
                return None  # the device went away mid-poll: the socket just drops
            self._live_subscriptions()
            if sub.ended is not None:
                gone = self._live(sub.id)
                return gone if isinstance(gone, web.StreamResponse) else None
        if self.pull_extends:
            sub.expires = max(sub.expires, time.monotonic() + 60.0)
        taken, sub.queue[:limit] = sub.queue[:limit], []
        now = self.camera_now()
        remaining = max(sub.expires - time.monotonic(), 0.0)
        return E(TEV, "PullMessagesResponse",
                 E(TEV, "CurrentTime", self._zulu(now)),
                 E(TEV, "TerminationTime", self._zulu(now + timedelta(seconds=remaining))),
                 *[self._notification(m) for m in taken])

    def _notification(self, message: _Message) -> etree._Element:
        attrs = {"UtcTime": message.utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
        if message.operation is not None:
            attrs["PropertyOperation"] = message.operation
        inner = E(TT, "Message",
                  E(TT, "Source", *_simple_items(message.source)),
                  E(TT, "Data", *_simple_items(message.data)), **attrs)
        return E(WSNT, "NotificationMessage",
                 E(WSNT, "Topic", f"tns1:{message.topic}", Dialect=CONCRETE_SET),
                 E(WSNT, "Message", inner))

    def _event_properties(self) -> etree._Element:
        topic_set = E(WSTOP, "TopicSet")
        for spec in self.topics:
            parent = topic_set
            segments = spec.path.split("/")
            for depth, segment in enumerate(segments):
                namespace = TNS1 if depth == 0 else ""
                tag = f"{{{namespace}}}{segment}" if namespace else segment
                found = parent.find(tag)
                if found is None:
                    found = etree.SubElement(parent, tag)
                parent = found
            parent.set(_q(WSTOP, "topic"), "true")
            parent.append(E(
                TT, "MessageDescription",
                E(TT, "Source", *[E(TT, "SimpleItemDescription", Name=n, Type="tt:ReferenceToken")
                                  for n in spec.source]),
                E(TT, "Data", *[E(TT, "SimpleItemDescription", Name=n, Type="xs:boolean")
                                for n in spec.data]),
                IsProperty=_xs_bool(spec.is_property),
            ))
        return E(
            TEV, "GetEventPropertiesResponse",
            E(TEV, "TopicNamespaceLocation", "http://www.onvif.org/onvif/ver10/topics/topicns.xml"),
            E(WSNT, "FixedTopicSet", "true"),
            topic_set,
            E(WSNT, "TopicExpressionDialect", CONCRETE_SET),
            E(TEV, "MessageContentFilterDialect",
              "http://www.onvif.org/ver10/tev/messageContentFilter/ItemFilter"),
            E(TEV, "MessageContentSchemaLocation",
              "http://www.onvif.org/onvif/ver10/schema/onvif.xsd"),
        )

    # --------------------------------------------------------------- rendering

    def _respond(self, payload: etree._Element) -> web.Response:
        return self._envelope(payload, 200)

    def _fault_response(self, fault: _Fault) -> web.Response:
        if self.soap11:
            legacy = {"Sender": "Client", "Receiver": "Server"}.get(fault.code, fault.code)
            parts: list[etree._Element] = [
                E("", "faultcode", fault.subcodes[-1] if fault.subcodes else f"env:{legacy}"),
                E("", "faultstring", fault.reason),
            ]
            if fault.detail is not None:
                parts.append(E("", "detail", fault.detail))
            return self._envelope(E(SOAP11, "Fault", *parts), fault.status)
        code = E(SOAP12, "Code", E(SOAP12, "Value", f"env:{fault.code}"))
        tail = code
        for subcode in fault.subcodes:
            nested = E(SOAP12, "Subcode", E(SOAP12, "Value", subcode))
            tail.append(nested)
            tail = nested
        reason = E(SOAP12, "Reason", E(SOAP12, "Text", fault.reason))
        reason[0].set("{http://www.w3.org/XML/1998/namespace}lang", "en")
        parts = [code, reason]
        if fault.detail is not None:
            parts.append(E(SOAP12, "Detail", fault.detail))
        return self._envelope(E(SOAP12, "Fault", *parts), fault.status)

    def _envelope(self, payload: etree._Element, status: int) -> web.Response:
        soap = SOAP11 if self.soap11 else SOAP12
        root = etree.Element(_q(soap, "Envelope"), nsmap={"env": soap, **_NSMAP})
        etree.SubElement(root, _q(soap, "Body")).append(payload)
        if self.sloppy:
            return web.Response(status=status, body=_sloppy(root),
                                content_type="text/xml", charset="utf-8")
        body = etree.tostring(root, xml_declaration=True, encoding="utf-8")
        content_type = "text/xml" if self.soap11 else "application/soap+xml"
        return web.Response(status=status, body=body, content_type=content_type,
                            charset="utf-8")


def _simple_items(items: Mapping[str, str]) -> list[etree._Element]:
    return [E(TT, "SimpleItem", Name=name, Value=value) for name, value in items.items()]


def _date_time(name: str, moment: datetime) -> etree._Element:
    return E(TT, name,
             E(TT, "Time", E(TT, "Hour", str(moment.hour)), E(TT, "Minute", str(moment.minute)),
               E(TT, "Second", str(moment.second))),
             E(TT, "Date", E(TT, "Year", str(moment.year)), E(TT, "Month", str(moment.month)),
               E(TT, "Day", str(moment.day))))


def _xs_bool(value: bool) -> str:
    return "true" if value else "false"


_DURATION_RE = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def _duration(text: str) -> float | None:
    match = _DURATION_RE.match(text)
    if match is None or text in ("P", "PT"):
        return None
    days, hours, minutes, seconds = match.groups()
    return (int(days or 0) * 86400 + int(hours or 0) * 3600 + int(minutes or 0) * 60
            + float(seconds or 0))


def _posix_offset(zone: str) -> timedelta:
    match = re.match(r"^[A-Za-z]+([+-]?)(\d+)", zone)
    if match is None:
        return timedelta()
    hours = int(match[2])
    return timedelta(hours=hours if match[1] == "-" else -hours)


def _sloppy(root: etree._Element) -> bytes:
    """What cheap firmware sends: a BOM, stray whitespace, and no namespaces at all."""
    for node in root.iter():
        if isinstance(node.tag, str):
            node.tag = etree.QName(node).localname
        for key in list(node.attrib):
            value = node.attrib.pop(key)
            node.set(etree.QName(key).localname, value)
    etree.cleanup_namespaces(root)
    return b"\xef\xbb\xbf\r\n  " + etree.tostring(root, pretty_print=True) + b"\n\n"


OnvifPortMode = Literal["http", "separate"]


@dataclass(frozen=True, slots=True)
class OnvifFacts:
    """What the ONVIF device of a dialect camera shares with its CGI, read live."""

    username: str
    password: str
    mac: str
    serial: str
    rtsp_port: int
    ptz: bool
    clock_offset: float  # seconds the camera's clock is ahead of the real time
    # (token, name) of the presets both sides know; None: the service's own list.
    presets: list[tuple[str, str]] | None = None


class _Live[T]:
    """A :class:`CameraOnvif` attribute that follows the camera (its login, clock...)
    until a test assigns it: ``sim.onvif.password = "other"`` is an ONVIF-only password."""

    def __init__(self, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: Any) -> _Live[T]: ...
    @overload
    def __get__(self, obj: CameraOnvif, owner: Any) -> T: ...
    def __get__(self, obj: CameraOnvif | None, owner: Any) -> T | _Live[T]:
        if obj is None:
            return self
        if self.name in obj.overrides:
            value: T = obj.overrides[self.name]
            return value
        live: T | None = getattr(obj.camera.onvif_facts(), self.name)
        if live is None:
            default: T = obj.defaults[self.name]
            return default
        return live

    def __set__(self, obj: CameraOnvif, value: T) -> None:
        obj.overrides[self.name] = value


class CameraOnvif(OnvifService):
    """The ONVIF services of a dialect camera: the same account, MAC, serial, clock and
    RTSP port as its CGI (read at each request), unless a test sets one here."""

    username = _Live[str]("username")
    password = _Live[str]("password")
    mac = _Live[str]("mac")
    serial = _Live[str]("serial")
    rtsp_port = _Live[int]("rtsp_port")
    ptz = _Live[bool]("ptz")
    clock_offset = _Live[float]("clock_offset")
    presets = _Live[list[tuple[str, str]]]("presets")

    def __init__(self, camera: OnvifCamera, **options: Any) -> None:
        self.camera = camera
        self.overrides: dict[str, Any] = {}
        super().__init__(**options)
        # What the constructor assigned are defaults: from now on the camera's facts.
        self.defaults, self.overrides = self.overrides, {}


class OnvifCamera(SimServer, ABC):
    """Base of the dialect simulators: the camera speaks ONVIF too (:attr:`onvif`).

    A subclass calls :meth:`init_onvif` in its constructor, :meth:`mount_onvif` first
    in ``setup_routes``, ``super()._forget_on_reboot()`` in its own, and tells the
    shared facts in :meth:`onvif_facts`. Knobs: ``onvif`` (False: no ONVIF at all, its
    paths answer like any unknown path of the firmware), ``onvif_port`` (``"http"``:
    on the camera's HTTP port; ``"separate"``: on a second listener,
    :attr:`~SimServer.side_port`), ``onvif_password`` (an ONVIF-only password).
    :attr:`onvif_listen_port` is what the camera's CGI reports as its ONVIF port.
    """

    onvif: CameraOnvif
    onvif_enabled: bool
    onvif_port_mode: OnvifPortMode

    def init_onvif(
        self,
        *,
        enabled: bool = True,
        port: OnvifPortMode = "http",
        password: str | None = None,
        **options: Any,
    ) -> None:
        """Create :attr:`onvif` (``options``: :class:`OnvifService` keywords)."""
        if port not in ("http", "separate"):
            raise ValueError(f"unknown ONVIF port mode {port!r}")
        self.onvif_enabled = enabled
        self.onvif_port_mode = port
        self.onvif = CameraOnvif(self, **options)
        if password is not None:
            self.onvif.password = password

    @abstractmethod
    def onvif_facts(self) -> OnvifFacts:
        """The camera's account, identity, clock and RTSP port (each dialect's own)."""

    def mount_onvif(self, app: web.Application) -> None:
        """The ONVIF routes on the HTTP port, when they are served there."""
        if self.onvif_enabled and self.onvif_port_mode == "http":
            self.onvif.add_routes(app)

    def setup_side_routes(self, app: web.Application) -> bool:
        if self.onvif_enabled and self.onvif_port_mode == "separate":
            self.onvif.add_routes(app)
            return True
        return False

    def _forget_on_reboot(self) -> None:
        self.onvif.reboot()

    def long_lived(self, request: web.Request) -> bool:
        # PullMessages (a long poll) goes to the subscription's address; a Renew there
        # is as short as any request, but telling them apart means reading the body.
        return self.onvif_enabled and request.path.startswith(
            f"{self.onvif.base_path}/subscription"
        )

    @property
    def onvif_listen_port(self) -> int | None:
        """The port ONVIF really listens on; None without ONVIF (or while offline)."""
        if not self.onvif_enabled or not self.online:
            return None
        return self.side_port if self.onvif_port_mode == "separate" else self.port


class OnvifSim(SimServer):
    """A camera that speaks only ONVIF: :class:`OnvifService` on its own server."""

    model = "ONVIF camera"

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, **options: Any) -> None:
        super().__init__(host=host, port=port)
        self.onvif = OnvifService(**options)

    def setup_routes(self, app: web.Application) -> None:
        self.onvif.add_routes(app)

    def _forget_on_reboot(self) -> None:
        self.onvif.reboot()


async def _serve(port: int, username: str, password: str, offset: float) -> None:
    sim = OnvifSim(port=port, username=username, password=password, clock_offset=offset)
    await sim.start()
    print(f"ONVIF simulator on {sim.base_url}{sim.onvif.base_path}/device_service", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await sim.stop()


def main(argv: Iterable[str] | None = None) -> None:
    """``python -m tests.sim.onvif --port 8899``: serve until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--port", type=int, default=8899)
    parser.add_argument("--username", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--clock-offset", type=float, default=0.0,
                        help="seconds the camera's clock is ahead")
    args = parser.parse_args(list(argv) if argv is not None else None)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.port, args.username, args.password, args.clock_offset))


if __name__ == "__main__":
    main()
