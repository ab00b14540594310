"""The ONVIF client of one camera: SOAP calls, the camera's clock, its service map.

Every request goes through the injected :class:`~..transport.Transport` (timeouts,
request slots, body cap, redacted logging); give the client a transport of its
own, since it switches the transport to HTTP Digest (answered only when the camera
challenges, never Basic). WS-Security tokens are signed in the camera's clock: the
offset is read with the unauthenticated GetSystemDateAndTime, and read again once
when a request is refused as not authorised (a clock that jumped), which allows a
single retry of that request — never a loop. A refusal that came only after the
camera held the request for a while is retried once with a fresh token as well. The
camera's time in an answer (PullMessages' CurrentTime) that no latency explains is
followed at once, so a clock that jumped during a long poll costs no refused token.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
import copy
from datetime import UTC, datetime, timedelta
import logging
import time

from yarl import URL

from ..errors import NotSupported, ProtocolError
from ..safe_xml import Element
from ..transport import Credentials, Transport
from .const import ACTIONS, BODY_LIMIT, CLOCK_SLACK, DEVICE, DEVICE_PATH, TOKEN_AGED_AFTER
from .device import DeviceService, parse_system_time
from .errors import NotAuthorized, SoapFault
from .events import EventService
from .media import MediaService
from .models import Service
from .ptz import PtzService
from .soap import content_type, element, envelope, read_body
from .wsse import security_header

_LOGGER = logging.getLogger(__name__)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class OnvifClient:
    """ONVIF device, media, PTZ and event services of one camera.

    ``device_url`` is the device service (default: ``/onvif/device_service`` on the
    transport's host and port); ``time_offset`` a known camera clock offset (camera
    minus ours), else :meth:`connect` reads it.
    """

    def __init__(
        self,
        transport: Transport,
        credentials: Credentials | None,
        *,
        device_url: str | URL | None = None,
        time_offset: timedelta | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.transport = transport
        self.credentials = credentials
        if credentials is not None:
            transport.use_auth(credentials, "digest")
        self.device_url = URL(device_url) if device_url is not None else transport.url(DEVICE_PATH)
        self._clock = clock
        self._offset = time_offset
        # Bumped on every clock read: a refused request signed before the latest read
        # retries with the new offset instead of reading the clock again.
        self._clock_reads = 0
        self._clock_lock = asyncio.Lock()
        self._services: dict[str, Service] = {}
        self.device = DeviceService(self)
        self.media = MediaService(self)
        self.ptz = PtzService(self)
        self.events = EventService(self)

    def __repr__(self) -> str:
        return f"OnvifClient({self.transport.host}:{self.device_url.port})"

    # -- the camera's clock ---------------------------------------------------------

    @property
    def time_offset(self) -> timedelta | None:
        """Camera clock minus ours, as last read (None: never read)."""
        return self._offset

    def camera_now(self) -> datetime:
        """The camera's idea of now (what WS-Security tokens are signed with)."""
        return self._clock() + (self._offset or timedelta())

    def to_local(self, camera_time: datetime) -> datetime:
        """A time in the camera's clock, in ours."""
        return camera_time - (self._offset or timedelta())

    def local_now(self) -> datetime:
        """Our clock (the one offsets are measured against)."""
        return self._clock()

    def observe_clock(self, camera_time: datetime | None, sent: datetime,
                      received: datetime) -> None:
        """Follow the camera's clock from a time it put in an answer.

        The camera stamped it between ``sent`` and ``received``: an offset outside that
        span (plus the stamp's whole-second rounding) means its clock moved, and the
        next token would be refused (a failed login to firmware that counts them).
        """
        if camera_time is None:
            return
        offset = self._offset or timedelta()
        slack = timedelta(seconds=CLOCK_SLACK + 1.0)
        if camera_time - received - slack <= offset <= camera_time - sent + slack:
            return
        self._offset = camera_time - received
        self._clock_reads += 1  # requests signed before this retry with it, unread
        _LOGGER.debug("%r clock moved: offset now %.1f s", self,
                      self._offset.total_seconds())

    async def read_clock(self) -> timedelta | None:
        """Read the camera's clock (unauthenticated) and remember the offset.

        A camera that will not tell its time keeps the previous offset (None = 0).
        """
        sent = self._clock()
        body = await self._exchange(
            "GetSystemDateAndTime", element(DEVICE, "GetSystemDateAndTime"),
            self.device_url, sign=False,
        )
        received = self._clock()
        camera = parse_system_time(body)
        self._clock_reads += 1
        if camera is not None:
            # The camera read its clock somewhere between sending and receiving.
            self._offset = camera - (sent + (received - sent) / 2)
            _LOGGER.debug("%r clock offset %.1f s", self, self._offset.total_seconds())
        return self._offset

    async def _clock_moved(self, reads_before: int, used: timedelta | None) -> bool:
        """After a refusal: read the clock (once for all requests refused together)
        and tell whether the offset moved enough to explain the refusal."""
        async with self._clock_lock:
            if self._clock_reads == reads_before:
                try:
                    await self.read_clock()
                except (NotSupported, SoapFault, ProtocolError, NotAuthorized):
                    return False
        moved = abs(((self._offset or timedelta()) - (used or timedelta())).total_seconds())
        return moved > CLOCK_SLACK

    # -- services -----------------------------------------------------------------

    async def connect(self) -> None:
        """Read the clock offset (unless known) and the camera's service addresses.

        Firmware that wants a login even for its clock is signed with our own time.
        """
        if self._offset is None:
            try:
                await self.read_clock()
            except NotAuthorized as err:
                _LOGGER.debug("%r will not tell its time: %s", self, err)
        await self.load_services()

    async def load_services(self) -> dict[str, Service]:
        """GetServices, else GetCapabilities; without either, every service is
        assumed at the device address (many cheap cameras serve them all there)."""
        try:
            services = await self.device.get_services()
        except (NotSupported, SoapFault, ProtocolError) as err:
            _LOGGER.debug("%r GetServices failed (%s); trying GetCapabilities", self, err)
            try:
                services = await self.device.get_capabilities()
            except (NotSupported, SoapFault, ProtocolError) as err2:
                _LOGGER.debug("%r has no service list (%s)", self, err2)
                services = []
        self._services = {s.namespace: s for s in services}
        return dict(self._services)

    @property
    def services(self) -> dict[str, Service]:
        return dict(self._services)

    def has_service(self, namespace: str) -> bool:
        """Whether the camera listed the service (True when it listed nothing)."""
        return not self._services or namespace in self._services

    def service_url(self, namespace: str) -> URL:
        """Where to send a service's requests (the device address if unlisted)."""
        service = self._services.get(namespace)
        return URL(service.url, encoded=True) if service is not None else self.device_url

    def rebase(self, address: str) -> URL | None:
        """An address the camera gave (XAddr, subscription) on the camera's own host.

        A camera reports the address it believes it has (a LAN IP behind NAT, a
        factory default); requests only ever go to the host we were configured with.
        The port is kept when the camera named that same host; a bare path (which
        some firmware sends for subscriptions) is taken on the device address.
        """
        base = self.device_url
        address = address.strip()
        try:
            relative = address.startswith("/") and not address.startswith("//")
            given = URL(f"{base.origin()}{address}" if relative else address)
        except ValueError:
            return None
        if given.scheme not in ("http", "https") or not given.host:
            return None
        port = given.port if given.host == base.host else base.port
        rebased = base.with_port(port).with_path(given.raw_path or "/", encoded=True)
        query = given.raw_query_string
        return URL(f"{rebased}?{query}", encoded=True) if query else rebased

    # -- calls --------------------------------------------------------------------

    async def call(
        self,
        operation: str,
        body: Element,
        *,
        service: str = DEVICE,
        url: URL | None = None,
        headers: Sequence[Element] = (),
        timeout: float | None = None,
    ) -> Element:
        """Send one authenticated ``operation``; the answer's SOAP Body.

        A refusal that a clock jump could explain reads the clock once; if the offset
        moved, the request is sent once more. Raises the taxonomy's errors.
        """
        target = url if url is not None else self.service_url(service)
        sign = self.credentials is not None
        reads_before, used = self._clock_reads, self._offset
        started = time.monotonic()
        try:
            return await self._exchange(operation, body, target, sign, headers, timeout)
        except NotAuthorized as refused:
            if not (sign and refused.clock_related):
                raise
            if time.monotonic() - started >= TOKEN_AGED_AFTER:
                # The camera held the request (a stall, a busy server) and checked the
                # token's timestamp late: a fresh token is not a second guess at the
                # password.
                _LOGGER.debug("%r %s refused after a long wait; retrying", self, operation)
            elif not await self._clock_moved(reads_before, used):
                raise
            else:
                _LOGGER.debug("%r %s refused with a stale clock offset; retrying", self,
                              operation)
        return await self._exchange(operation, body, target, sign, headers, timeout)

    async def _exchange(
        self,
        operation: str,
        body: Element,
        url: URL,
        sign: bool,
        headers: Sequence[Element] = (),
        timeout: float | None = None,
    ) -> Element:
        credentials = self.credentials if sign else None

        def data() -> bytes:
            # Made when the request is sent, not when it joins the camera's queue: a
            # token that waited behind a long poll would reach the camera stale.
            items = [copy.deepcopy(h) for h in headers]
            if credentials is not None:
                items.insert(0, security_header(
                    credentials.username, credentials.password, self.camera_now()
                ))
            return envelope(copy.deepcopy(body), items)

        started = time.monotonic()
        response = await self.transport.send(
            "POST", url, data=data, limit=BODY_LIMIT, timeout=timeout,
            headers={"Content-Type": content_type(ACTIONS[operation])},
        )
        _LOGGER.debug(
            "%r %s -> HTTP %s in %.0f ms", self, operation, response.status,
            (time.monotonic() - started) * 1000,
        )
        return read_body(response, operation)

