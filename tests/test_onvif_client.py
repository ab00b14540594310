"""The ONVIF client against the ONVIF simulator, over real sockets on 127.0.0.1.

The fault rows of issue 12: a camera clock 10 min off at set-up and jumping while
running, no ONVIF, PullPoint or Renew refused, a subscription expiring under us, a
wrong ONVIF-only password, unknown topics, 50 MiB and malformed answers, a reboot;
and the request budget (no retry storms, <= 2 requests a minute when idle).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
import itertools
import socket

import aiohttp
from aiohttp import web
import pytest
from yarl import URL

from custom_components.cgi_camera.client.errors import (
    AuthError,
    CommandError,
    ConnectError,
    NotSupported,
    ProtocolError,
)
from custom_components.cgi_camera.client.models import (
    AlarmEvent,
    AlarmKind,
    AlarmSource,
    Heartbeat,
)
from custom_components.cgi_camera.client.onvif import (
    EVENTS,
    MEDIA,
    OnvifClient,
    PullPointSubscription,
    SoapFault,
    SubscriptionGone,
    TopicMapper,
    client as onvif_client,
    find_onvif,
    same_device,
)
from custom_components.cgi_camera.client.onvif.models import NotificationMessage
from custom_components.cgi_camera.client.transport import Transport
from tests.conftest import PASSWORD, USERNAME
from tests.helpers import start_server, until
from tests.onvif_helpers import CREDS, Consumer, connected_client
from tests.sim.onvif import ANALYTICS_TOPICS, DEFAULT_TOPICS, LINE, PEOPLE, OnvifSim

TEN_MINUTES = 600.0



@pytest.fixture
async def sim() -> AsyncIterator[OnvifSim]:
    async with OnvifSim(username=USERNAME, password=PASSWORD) as camera:
        yield camera


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


# -- clock -------------------------------------------------------------------------


async def test_camera_clock_ten_minutes_off_at_setup(session: aiohttp.ClientSession) -> None:
    async with OnvifSim(username=USERNAME, password=PASSWORD, clock_offset=TEN_MINUTES) as sim:
        client = await connected_client(session, sim)
        offset = client.time_offset
        assert offset is not None and abs(offset.total_seconds() - TEN_MINUTES) < 2
        info = await client.device.get_device_information()
        camera_now = await client.device.get_system_date_and_time()
    assert info.serial == sim.onvif.serial
    assert sim.onvif.failed_logins == 0
    assert camera_now is not None
    assert abs((client.to_local(camera_now) - datetime.now(UTC)).total_seconds()) < 5


async def test_stale_offset_is_read_again_once_and_the_request_retried(
    session: aiohttp.ClientSession,
) -> None:
    async with OnvifSim(username=USERNAME, password=PASSWORD, clock_offset=TEN_MINUTES) as sim:
        # An offset remembered from an earlier run, now wrong.
        client = OnvifClient(Transport(session, sim.host, sim.port), CREDS,
                             time_offset=timedelta(0))
        info = await client.device.get_device_information()
    assert info.model == sim.onvif.model
    assert sim.onvif.operations() == [
        "GetDeviceInformation", "GetSystemDateAndTime", "GetDeviceInformation",
    ]
    assert sim.onvif.failed_logins == 1


async def test_clock_jump_during_a_long_poll_costs_no_refusal(
    session: aiohttp.ClientSession, sim: OnvifSim
) -> None:
    """The answer's CurrentTime shows the jump: the next token is signed in the new
    clock (a refused one is a failed login to firmware that locks accounts)."""
    client = await connected_client(session, sim)
    consumer = Consumer(PullPointSubscription(client, pull_timeout=30)).start()
    try:
        await until(lambda: consumer.saw(AlarmKind.MOTION, False))
        await until(lambda: sim.onvif.count("PullMessages") >= 2)  # the long poll waits
        mark = len(sim.onvif.requests)
        sim.onvif.clock_offset = TEN_MINUTES
        sim.onvif.set_motion(True)  # answers the pending poll (signed before the jump)
        await until(lambda: consumer.saw(AlarmKind.MOTION, True))
        sim.onvif.set_motion(False)
        seen = len(consumer.items)
        await until(lambda: consumer.saw(AlarmKind.MOTION, False, after=seen))
        after = [(r.operation, r.fault) for r in sim.onvif.requests[mark:]]
    finally:
        await consumer.stop()
    assert after[:1] == [("PullMessages", None)]
    assert all(fault is None for _op, fault in after)
    assert "GetSystemDateAndTime" not in [op for op, _f in after]
    assert sim.onvif.failed_logins == 0
    assert consumer.errors == []
    offset = client.time_offset
    assert offset is not None and abs(offset.total_seconds() - TEN_MINUTES) < 2


async def test_clock_only_in_local_time_and_posix_zone(session: aiohttp.ClientSession) -> None:
    async with OnvifSim(username=USERNAME, password=PASSWORD, clock_offset=-TEN_MINUTES) as sim:
        sim.onvif.report_utc = False
        sim.onvif.timezone = "CST-8"  # LocalDateTime is UTC+8
        client = await connected_client(session, sim)
        await client.device.get_device_information()
    offset = client.time_offset
    assert offset is not None and abs(offset.total_seconds() + TEN_MINUTES) < 2


# -- finding ONVIF -----------------------------------------------------------------


class _PlainHttp:
    """A web server that is no ONVIF device: it records what it was sent."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.seen: list[tuple[dict[str, str], bytes]] = []
        self.runner: web.AppRunner | None = None
        self.port = 0

    async def __aenter__(self) -> _PlainHttp:
        self.runner, self.port = await start_server(self._page)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    async def _page(self, request: web.Request) -> web.Response:
        self.seen.append((dict(request.headers), await request.read()))
        return web.Response(status=self.status, text="<html><body>Login</body></html>",
                            content_type="text/html")


@pytest.mark.parametrize("status", [200, 404])
async def test_no_onvif_is_not_supported_and_no_login_is_sent(
    session: aiohttp.ClientSession, status: int
) -> None:
    async with _PlainHttp(status) as server:
        with pytest.raises(NotSupported):
            await find_onvif(session, "127.0.0.1", [server.port], usual_ports=[_closed_port()])
    assert len(server.seen) == 1
    headers, body = server.seen[0]
    assert "Authorization" not in headers
    assert b"UsernameToken" not in body and b"GetSystemDateAndTime" in body


async def test_nothing_listening_is_a_connect_error(session: aiohttp.ClientSession) -> None:
    with pytest.raises(ConnectError):
        await find_onvif(session, "127.0.0.1", [_closed_port()], usual_ports=[_closed_port()])


async def test_finding_tries_the_given_port_then_the_usual_ones(
    session: aiohttp.ClientSession, sim: OnvifSim
) -> None:
    endpoint = await find_onvif(session, sim.host, [_closed_port()], usual_ports=[sim.port])
    assert endpoint.port == sim.port
    assert endpoint.url == f"http://127.0.0.1:{sim.port}/onvif/device_service"
    assert sim.onvif.operations() == ["GetSystemDateAndTime"]
    assert not any(r.signed for r in sim.onvif.requests)


async def test_same_device_by_mac_or_serial(
    session: aiohttp.ClientSession, sim: OnvifSim
) -> None:
    client = await connected_client(session, sim)
    assert await same_device(client, mac="00-12-34-56-78-9A", serial=None)
    assert await same_device(client, mac="00:00:00:00:00:01", serial=" sn0123456789 ")
    assert not await same_device(client, mac="00:00:00:00:00:01", serial="other")
    assert not await same_device(client, mac=None, serial=None)


# -- services and tolerance -----------------------------------------------------------


async def test_media_ptz_and_device_services(
    session: aiohttp.ClientSession, sim: OnvifSim
) -> None:
    client = await connected_client(session, sim)
    profiles = await client.media.get_profiles()
    assert [(p.token, p.encoding, p.width, p.height, p.ptz) for p in profiles] == [
        ("Profile_1", "H264", 1920, 1080, True), ("Profile_2", "H264", 640, 360, True),
    ]
    stream = await client.media.get_stream_uri("Profile_2")
    assert stream.uri == "rtsp://127.0.0.1:554/stream2"
    snapshot = await client.media.get_snapshot_uri("Profile_1")
    assert snapshot.uri.endswith("/onvif/snapshot.jpg")
    presets = await client.ptz.get_presets("Profile_1")
    assert [(p.token, p.name) for p in presets] == [("1", "Door"), ("2", "Gate"), ("3", "Yard")]
    await client.ptz.goto_preset("Profile_1", "3")
    assert sim.onvif.last_preset == "3"
    with pytest.raises(SoapFault):
        await client.ptz.goto_preset("Profile_1", "99")
    interfaces = await client.device.get_network_interfaces()
    assert [i.mac for i in interfaces] == ["00:12:34:56:78:9a"]


async def test_get_capabilities_when_get_services_is_missing(
    session: aiohttp.ClientSession, sim: OnvifSim
) -> None:
    sim.onvif.get_services = False
    client = await connected_client(session, sim)
    assert client.service_url(MEDIA).path == "/onvif/media_service"
    assert client.service_url(EVENTS).path == "/onvif/event_service"
    assert "GetCapabilities" in sim.onvif.operations()


async def test_addresses_the_camera_believes_it_has_are_rebased(
    session: aiohttp.ClientSession, sim: OnvifSim
) -> None:
    # Another address in every XAddr (a NAT'ed or factory-default IP; here a closed
    # loopback port, so a client that followed it would fail, not leave the machine).
    sim.onvif.advertised_host = "127.0.0.2:9"
    client = await connected_client(session, sim)
    assert {(URL(s.url).host, URL(s.url).port) for s in client.services.values()} == {
        ("127.0.0.1", sim.port)
    }
    consumer = Consumer(PullPointSubscription(client, pull_timeout=5), retry=False).start()
    try:
        await until(lambda: consumer.saw(AlarmKind.MOTION, False))
    finally:
        await consumer.stop()
    subscription_url = sim.onvif.requests[-1].path
    assert subscription_url.startswith("/onvif/subscription/")
    assert consumer.errors == []


async def test_subscription_reference_parameters_are_echoed(
    session: aiohttp.ClientSession, sim: OnvifSim
) -> None:
    sim.onvif.reference_parameters = True  # one address, the id in the header
    client = await connected_client(session, sim)
    consumer = Consumer(PullPointSubscription(client, pull_timeout=5)).start()
    try:
        await until(lambda: consumer.saw(AlarmKind.MOTION, False))
        sim.onvif.set_motion(True)
        await until(lambda: consumer.saw(AlarmKind.MOTION, True))
    finally:
        await consumer.stop()
    assert consumer.errors == []
    assert sim.onvif.subscription_count == 0  # the Unsubscribe found it too


async def test_cheap_firmware_without_namespaces_bom_and_whitespace(
    session: aiohttp.ClientSession, sim: OnvifSim
) -> None:
    sim.onvif.sloppy = True
    client = await connected_client(session, sim)
    assert (await client.device.get_device_information()).manufacturer == "CGI Camera"
    assert len(await client.media.get_profiles()) == 2
    consumer = Consumer(PullPointSubscription(client, pull_timeout=5), retry=False).start()
    try:
        await until(lambda: consumer.saw(AlarmKind.IO_INPUT, False))
        sim.onvif.set_input(1, True)
        await until(lambda: consumer.saw(AlarmKind.IO_INPUT, True))
    finally:
        await consumer.stop()
    assert consumer.errors == []


async def test_soap_1_1_faults(session: aiohttp.ClientSession, sim: OnvifSim) -> None:
    sim.onvif.soap11 = True
    sim.onvif.ptz = False
    client = await connected_client(session, sim)
    with pytest.raises(NotSupported):
        await client.ptz.get_presets("Profile_1")
    sim.onvif.password = "changed on the camera"
    with pytest.raises(AuthError):
        await client.device.get_device_information()


async def test_http_digest_on_top_of_ws_security(
    session: aiohttp.ClientSession, sim: OnvifSim
) -> None:
    sim.onvif.http_digest = True
    client = await connected_client(session, sim)
    assert (await client.device.get_device_information()).serial == sim.onvif.serial
    assert client.transport.auth_scheme == "digest"
    assert sim.onvif.failed_logins == 0


@pytest.mark.parametrize("operation", ["GetProfiles", "PullMessages"])
@pytest.mark.parametrize("answer", ["huge", "malformed", "html"])
async def test_huge_and_malformed_answers_are_protocol_errors(
    session: aiohttp.ClientSession, sim: OnvifSim, operation: str, answer: str
) -> None:
    client = await connected_client(session, sim)
    if answer == "huge":
        sim.onvif.huge_answer(operation, times=1)  # 50 MiB
    elif answer == "html":
        sim.onvif.malformed_answer(operation, b"<html><body>Error</body></html>", times=1)
    else:
        sim.onvif.malformed_answer(operation, times=1)
    # A huge answer is cut off at the cap, not read to its end and then parsed.
    cut_off = "exceeds" if answer == "huge" else ""
    if operation == "GetProfiles":
        with pytest.raises(ProtocolError, match=cut_off or None):
            await client.media.get_profiles()
        assert len(await client.media.get_profiles()) == 2
        return
    consumer = Consumer(PullPointSubscription(client, pull_timeout=5)).start()
    try:
        await until(lambda: len(consumer.errors) == 1)
        sim.onvif.set_motion(True)
        await until(lambda: consumer.saw(AlarmKind.MOTION, True))
    finally:
        await consumer.stop()
    assert isinstance(consumer.errors[0], ProtocolError)
    assert cut_off in str(consumer.errors[0])
    # The subscription survived the bad answer: resumed, not re-created.
    assert sim.onvif.subscriptions_created == 1


# -- login ------------------------------------------------------------------------------


async def test_wrong_onvif_password_is_an_auth_error_after_one_attempt(
    session: aiohttp.ClientSession,
) -> None:
    # The ONVIF user's password differs from the web user's (a separate account).
    async with OnvifSim(username=USERNAME, password="onvif-only") as sim:
        client = await connected_client(session, sim)  # GetServices needs no login
        with pytest.raises(AuthError) as refused:
            await client.device.get_device_information()
        assert sim.onvif.failed_logins == 1
        consumer = Consumer(PullPointSubscription(client), retry=False).start()
        await until(lambda: consumer.done)
        await consumer.stop()
    assert PASSWORD not in str(refused.value)
    assert len(consumer.errors) == 1 and isinstance(consumer.errors[0], AuthError)
    # The refused request, one clock read (the offset held: no retry), then nothing
    # signed at all: the refusal is final for this client.
    assert sim.onvif.operations() == [
        "GetSystemDateAndTime", "GetServices",
        "GetDeviceInformation", "GetSystemDateAndTime",
    ]
    assert sim.onvif.failed_logins == 1
    assert sim.onvif.subscription_count == 0
    # GetServices is answered before any login: no proof that these credentials were
    # the camera's, so the refusal is ONVIF's alone (its own account), not the camera's.
    assert not client.accepted


# -- events ------------------------------------------------------------------------------


async def test_states_after_subscribing_then_changes(
    session: aiohttp.ClientSession, sim: OnvifSim
) -> None:
    client = await connected_client(session, sim)
    consumer = Consumer(PullPointSubscription(client, pull_timeout=5)).start()
    try:
        await until(lambda: consumer.saw(AlarmKind.TAMPER, False))
        sim.onvif.set_motion(True)
        await until(lambda: consumer.saw(AlarmKind.MOTION, True))
        sim.onvif.set_input(1, True)
        await until(lambda: consumer.saw(AlarmKind.IO_INPUT, True))
        sim.onvif.set_tamper(True)
        await until(lambda: consumer.saw(AlarmKind.TAMPER, True))
        seen = len(consumer.items)
        sim.onvif.set_motion(False)
        await until(lambda: consumer.saw(AlarmKind.MOTION, False, after=seen))
    finally:
        await consumer.stop()
    sources = {a.source for a in consumer.alarms() if a.active}
    assert sources == {AlarmSource(AlarmKind.MOTION), AlarmSource(AlarmKind.IO_INPUT, index=1),
                       AlarmSource(AlarmKind.TAMPER)}
    ops = sim.onvif.operations()
    assert ops[2:4] == ["CreatePullPointSubscription", "SetSynchronizationPoint"]
    assert ops[-1] == "Unsubscribe"
    assert sim.onvif.subscription_count == 0
    assert consumer.errors == []


async def test_unknown_and_analytics_topics(session: aiohttp.ClientSession) -> None:
    async with OnvifSim(username=USERNAME, password=PASSWORD,
                        topics=(*DEFAULT_TOPICS, *ANALYTICS_TOPICS)) as sim:
        client = await connected_client(session, sim)
        topics = await client.events.get_event_properties()
        assert {t.path for t in topics} >= {PEOPLE, LINE}
        consumer = Consumer(PullPointSubscription(client, pull_timeout=5)).start()
        try:
            await until(lambda: consumer.heartbeats() >= 1)
            sim.onvif.send_event("Monitoring/ProcessorUsage", {"Token": "CPU"}, {"Value": "42"})
            sim.onvif.set_property(PEOPLE, {"Source": "VideoSource_1", "Rule": "People"},
                                   {"State": "true"})
            sim.onvif.send_event(LINE, {"Rule": "Line1"}, {"ObjectId": "7"})
            await until(lambda: consumer.saw(AlarmKind.LINE_CROSSING, True))
        finally:
            await consumer.stop()
    unknown = consumer.topics()
    assert [t.topic for t in unknown] == ["Monitoring/ProcessorUsage"]
    assert unknown[0].message.data_item("Value") == "42"
    assert consumer.saw(AlarmKind.PERSON, True)
    crossing = consumer.alarms(AlarmKind.LINE_CROSSING)[0]
    assert crossing.momentary


async def test_pullpoint_refused(session: aiohttp.ClientSession, sim: OnvifSim) -> None:
    sim.onvif.refuse_pullpoint = True
    client = await connected_client(session, sim)
    consumer = Consumer(PullPointSubscription(client), retry=False).start()
    await until(lambda: consumer.done)
    await consumer.stop()
    assert len(consumer.errors) == 1 and isinstance(consumer.errors[0], CommandError)
    assert sim.onvif.count("CreatePullPointSubscription") == 1
    assert sim.onvif.subscription_count == 0


async def test_renew_refused_subscribes_anew_without_duplicates(
    session: aiohttp.ClientSession, sim: OnvifSim
) -> None:
    sim.onvif.refuse_renew = True
    client = await connected_client(session, sim)
    # A 5 s subscription is due for renewal after 4 s.
    consumer = Consumer(PullPointSubscription(client, termination=5, pull_timeout=30)).start()
    try:
        await until(lambda: sim.onvif.subscriptions_created >= 2)
        sim.onvif.set_motion(True)
        await until(lambda: consumer.saw(AlarmKind.MOTION, True))
    finally:
        await consumer.stop()
    assert sim.onvif.count("Renew") >= 1
    assert sim.onvif.peak_subscriptions == 1
    assert consumer.errors == []
    assert sim.onvif.subscription_count == 0


async def test_renewed_at_eighty_percent(session: aiohttp.ClientSession, sim: OnvifSim) -> None:
    client = await connected_client(session, sim)
    subscription = PullPointSubscription(client, termination=5, pull_timeout=30)
    consumer = Consumer(subscription).start()
    try:
        await until(lambda: sim.onvif.count("Renew") >= 1)
        renewed_at = next(r.time for r in sim.onvif.requests if r.operation == "Renew")
        await until(lambda: sim.onvif.count("PullMessages", since=renewed_at) >= 1)
        first = subscription.subscription
        sim.onvif.set_motion(True)
        await until(lambda: consumer.saw(AlarmKind.MOTION, True))
    finally:
        await consumer.stop()
    assert first is not None and first.termination_time is not None
    times = {r.operation: r.time for r in reversed(sim.onvif.requests)}  # first of each
    created, first_renew = times["CreatePullPointSubscription"], times["Renew"]
    # At 80 % of 5 s, give or take the second a poll is rounded to.
    assert first_renew - created >= 0.8 * 5 - 1
    assert sim.onvif.subscriptions_created == 1
    assert consumer.errors == []
    assert sim.onvif.subscriptions_created == 1


@pytest.mark.parametrize("as_404", [False, True])
async def test_subscription_expired_under_us_is_recreated_once(
    session: aiohttp.ClientSession, sim: OnvifSim, as_404: bool
) -> None:
    sim.onvif.gone_as_404 = as_404
    client = await connected_client(session, sim)
    consumer = Consumer(PullPointSubscription(client, pull_timeout=30)).start()
    try:
        await until(lambda: consumer.saw(AlarmKind.MOTION, False))
        await until(lambda: sim.onvif.count("PullMessages") >= 2)
        sim.onvif.expire_subscriptions()  # the pending poll learns it at once
        await until(lambda: sim.onvif.subscriptions_created == 2)
        sim.onvif.set_motion(True)
        await until(lambda: consumer.saw(AlarmKind.MOTION, True))
    finally:
        await consumer.stop()
    assert consumer.errors == []
    assert sim.onvif.peak_subscriptions == 1
    assert sim.onvif.subscriptions_created == 2


async def test_reboot_recreates_the_subscription(
    session: aiohttp.ClientSession, sim: OnvifSim
) -> None:
    sim.reboot_downtime = 0.3
    client = await connected_client(session, sim)
    consumer = Consumer(PullPointSubscription(client, pull_timeout=30)).start()
    try:
        await until(lambda: consumer.saw(AlarmKind.MOTION, False))
        await until(lambda: sim.onvif.count("PullMessages") >= 2)
        sim.simulate_reboot()
        await until(lambda: sim.onvif.subscriptions_created == 2 and sim.online)
        seen = len(consumer.items)
        sim.onvif.set_motion(True)
        await until(lambda: consumer.saw(AlarmKind.MOTION, True, after=seen))
    finally:
        await consumer.stop()
    assert consumer.errors and all(isinstance(e, ConnectError) for e in consumer.errors)
    assert sim.onvif.subscription_count == 0
    assert sim.onvif.subscriptions_created == 2


async def test_one_live_subscription_per_instance(
    session: aiohttp.ClientSession, sim: OnvifSim
) -> None:
    client = await connected_client(session, sim)
    subscription = PullPointSubscription(client, pull_timeout=5)
    consumer = Consumer(subscription).start()
    try:
        await until(lambda: consumer.heartbeats() >= 1)
        with pytest.raises(RuntimeError):
            async for _item in subscription:
                pass
    finally:
        await consumer.stop()
    assert sim.onvif.peak_subscriptions == 1


async def test_cancelled_while_subscribing_leaks_nothing(
    session: aiohttp.ClientSession, sim: OnvifSim
) -> None:
    client = await connected_client(session, sim)
    sim.delay("/onvif/event_service", 0.3)  # the camera takes its time to subscribe
    consumer = Consumer(PullPointSubscription(client)).start()
    await until(lambda: sim.count("/onvif/event_service") == 1)
    await consumer.stop()  # cancel mid-request, then close()
    assert sim.onvif.subscriptions_created == 1
    assert sim.onvif.count("Unsubscribe") == 1
    assert sim.onvif.subscription_count == 0


async def test_camera_limits_on_pull_timeout_are_followed(
    session: aiohttp.ClientSession, sim: OnvifSim
) -> None:
    sim.onvif.max_pull_timeout = 1.0
    client = await connected_client(session, sim)
    consumer = Consumer(
        PullPointSubscription(client, pull_timeout=60, min_pull_interval=0.1)
    ).start()
    try:
        await until(lambda: consumer.heartbeats() >= 3)
        sim.onvif.set_motion(True)
        await until(lambda: consumer.saw(AlarmKind.MOTION, True))
    finally:
        await consumer.stop()
    too_long = [r for r in sim.onvif.requests if r.fault == "ter:InvalidArgVal"]
    assert [r.operation for r in too_long] == ["PullMessages"]
    assert consumer.errors == []


# -- request budget -------------------------------------------------------------------


async def test_idle_long_poll_costs_one_request_per_timeout(
    session: aiohttp.ClientSession, sim: OnvifSim
) -> None:
    timeout = 1.0
    client = await connected_client(session, sim)
    consumer = Consumer(
        PullPointSubscription(client, pull_timeout=timeout, min_pull_interval=0.1)
    ).start()
    try:
        await until(lambda: consumer.saw(AlarmKind.MOTION, False))
        start = len(sim.onvif.requests)
        await until(lambda: sim.onvif.count("PullMessages") >= 6)
        idle = sim.onvif.requests[start:]
    finally:
        await consumer.stop()
    assert {r.operation for r in idle} <= {"PullMessages"}
    gaps = [b.time - a.time for a, b in itertools.pairwise(idle)]
    # Each idle poll is held for its whole Timeout: at PT60S that is one request a
    # minute, plus a Renew every 8 minutes (~1.1 a minute, under the goal of 2).
    assert gaps and min(gaps) >= 0.9 * timeout
    per_minute_at_pt60s = timeout / (sum(gaps) / len(gaps)) + 1 / 8
    assert per_minute_at_pt60s <= 2


async def test_a_camera_that_does_not_long_poll_is_not_hammered(
    session: aiohttp.ClientSession, sim: OnvifSim
) -> None:
    sim.onvif.long_poll = False  # answers every PullMessages at once, empty
    client = await connected_client(session, sim)
    consumer = Consumer(
        PullPointSubscription(client, pull_timeout=60, min_pull_interval=0.5)
    ).start()
    try:
        await until(lambda: sim.onvif.count("PullMessages") >= 5)
        polls = [r for r in sim.onvif.requests if r.operation == "PullMessages"]
    finally:
        await consumer.stop()
    # The first poll brings the initial states; every later (empty) one is throttled.
    gaps = [b.time - a.time for a, b in itertools.pairwise(polls[1:])]
    assert gaps and min(gaps) >= 0.45


# -- topic mapping ---------------------------------------------------------------------


def _input(token: str) -> NotificationMessage:
    return NotificationMessage("Device/Trigger/DigitalInput", source=(("InputToken", token),),
                               data=(("LogicalState", "1"),))


class _Camera:
    """An owner for the mapper's once-per-camera warnings."""


def _index(mapper: TopicMapper, token: str) -> int | None:
    event = mapper.map(_input(token))
    return event.source.index if isinstance(event, AlarmEvent) else None


def test_inputs_counted_from_zero_or_one_map_to_index_one() -> None:
    zero = TopicMapper(_Camera())
    zero.observe([_input("DI_0"), _input("DI_1")])
    one = TopicMapper(_Camera())
    one.observe([_input("DI_1"), _input("DI_2")])
    assert [_index(zero, "DI_0"), _index(zero, "DI_1")] == [1, 2]
    assert [_index(one, "DI_1"), _index(one, "DI_2")] == [1, 2]
    # Past the input cap: a raw topic event, no entity.
    assert _index(TopicMapper(_Camera()), "DI_99") is None


async def test_a_refused_first_pull_is_left_to_the_owner(
    session: aiohttp.ClientSession, sim: OnvifSim
) -> None:
    client = await connected_client(session, sim)
    subscription = PullPointSubscription(client, pull_timeout=5)
    # Every subscription vanishes before its first poll: no re-create on the spot.
    sim.onvif.gone_as_404 = True
    sim.onvif.max_subscriptions = 3
    items = subscription.messages()
    await anext(items)  # subscribed
    sim.onvif.expire_subscriptions()
    with pytest.raises(SubscriptionGone):
        await anext(items)
    await subscription.close()
    assert sim.onvif.subscriptions_created == 1


async def test_a_device_that_wants_a_login_for_its_clock(
    session: aiohttp.ClientSession, sim: OnvifSim
) -> None:
    sim.onvif.clock_needs_login = True
    endpoint = await find_onvif(session, sim.host, [sim.port], usual_ports=())
    assert endpoint.time_offset is None  # found, but it would not tell its time
    client = await connected_client(session, sim)
    assert (await client.device.get_device_information()).serial == sim.onvif.serial
    assert sim.onvif.failed_logins == 0


async def test_firmware_lacking_operations(session: aiohttp.ClientSession, sim: OnvifSim) -> None:
    sim.onvif.unsupported = {"GetNetworkInterfaces", "SetSynchronizationPoint"}
    client = await connected_client(session, sim)
    assert await same_device(client, mac="00:12:34:56:78:9a", serial=sim.onvif.serial)
    sim.onvif.unsupported.add("GetDeviceInformation")
    assert not await same_device(client, mac="00:12:34:56:78:9a", serial=sim.onvif.serial)
    # No synchronisation point: the states sent with the new subscription still come.
    consumer = Consumer(PullPointSubscription(client, pull_timeout=5)).start()
    try:
        await until(lambda: consumer.saw(AlarmKind.MOTION, False))
    finally:
        await consumer.stop()
    assert consumer.errors == []


async def test_no_service_list_at_all(session: aiohttp.ClientSession, sim: OnvifSim) -> None:
    sim.onvif.get_services = False
    sim.onvif.unsupported = {"GetCapabilities"}
    client = await connected_client(session, sim)
    assert client.services == {}
    assert client.has_service(MEDIA)
    assert client.service_url(MEDIA) == client.device_url  # all at the device address


async def test_raw_messages_and_closed_subscriptions(
    session: aiohttp.ClientSession, sim: OnvifSim
) -> None:
    client = await connected_client(session, sim)
    subscription = PullPointSubscription(client, pull_timeout=5)
    raw = subscription.messages()
    assert isinstance(await anext(raw), Heartbeat)
    first = await anext(raw)
    assert isinstance(first, NotificationMessage) and first.topic
    await raw.aclose()
    await subscription.close()
    assert sim.onvif.subscription_count == 0
    with pytest.raises(RuntimeError):
        await anext(subscription.messages())


# -- what the soak found: stalls, refusals, reconnects ---------------------------------


async def test_a_token_the_camera_checked_late_is_sent_once_more_fresh(
    session: aiohttp.ClientSession, sim: OnvifSim, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = await connected_client(session, sim)
    # Every refusal counts as "came late" (a camera that held the request while it
    # stalled checks the timestamp after the window has passed).
    monkeypatch.setattr(onvif_client, "TOKEN_AGED_AFTER", 0.0)
    mark = len(sim.onvif.requests)
    sim.onvif.stale_tokens = 1
    info = await client.device.get_device_information()
    after = [(r.operation, r.fault) for r in sim.onvif.requests[mark:]]
    assert info.serial == sim.onvif.serial
    # The clock read anew (unsigned: is the camera answering promptly again?), then a
    # fresh token once; no loop.
    assert after == [("GetDeviceInformation", "ter:NotAuthorized"),
                     ("GetSystemDateAndTime", None),
                     ("GetDeviceInformation", None)]


async def test_a_quick_refusal_with_a_steady_clock_is_not_retried(
    session: aiohttp.ClientSession, sim: OnvifSim
) -> None:
    client = await connected_client(session, sim)
    mark = len(sim.onvif.requests)
    sim.onvif.stale_tokens = 2
    with pytest.raises(AuthError):
        await client.device.get_device_information()
    assert [r.operation for r in sim.onvif.requests[mark:]] == [
        "GetDeviceInformation", "GetSystemDateAndTime",
    ]
    assert sim.onvif.failed_logins == 1


async def test_a_refused_login_sends_no_unsubscribe(
    session: aiohttp.ClientSession, sim: OnvifSim
) -> None:
    client = await connected_client(session, sim)
    consumer = Consumer(PullPointSubscription(client, pull_timeout=2), retry=False).start()
    await until(lambda: consumer.heartbeats() >= 1)
    sim.onvif.password = "changed on the camera"
    await until(lambda: consumer.done)
    await consumer.stop()  # closes the subscription
    assert len(consumer.errors) == 1 and isinstance(consumer.errors[0], AuthError)
    # Unsubscribing would be a second failed login: the subscription expires instead.
    assert "Unsubscribe" not in sim.onvif.operations()
    assert sim.onvif.failed_logins == 1


async def test_a_resumed_subscription_is_alive_only_once_a_pull_answers(
    session: aiohttp.ClientSession, sim: OnvifSim
) -> None:
    client = await connected_client(session, sim)
    subscription = PullPointSubscription(client, pull_timeout=2)
    first = Consumer(subscription, retry=False).start()
    await until(lambda: first.heartbeats() >= 1)
    sim.onvif.malformed_answer("PullMessages")  # every pull from now on
    await until(lambda: first.done)
    assert isinstance(first.errors[0], ProtocolError)
    # Iterating again resumes the same subscription: no request on the way, so no
    # heartbeat (which the owner takes as "back") before a pull has answered.
    second = Consumer(subscription, retry=False).start()
    await until(lambda: second.done)
    assert second.heartbeats() == 0 and isinstance(second.errors[0], ProtocolError)
    assert sim.onvif.subscriptions_created == 1
    await second.stop()
