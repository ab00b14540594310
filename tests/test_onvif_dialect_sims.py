"""Every dialect simulator is an ONVIF device too, and every dialect reports the ONVIF
port its own CGI documents (issue 12, items 2 and 6).

The real client on both sides: the dialect's ``connect()`` (which reads the port into
``capabilities.onvif_ports``), then ``find_onvif`` / ``OnvifClient`` /
``PullPointSubscription`` against the same simulated camera on 127.0.0.1.
"""

from __future__ import annotations

import aiohttp
import pytest
from yarl import URL

from custom_components.cgi_camera.client.camera import Camera
from custom_components.cgi_camera.client.dialects import BY_NAME
from custom_components.cgi_camera.client.errors import AuthError, ConnectError, NotSupported
from custom_components.cgi_camera.client.models import Action, AlarmKind
from custom_components.cgi_camera.client.onvif import (
    OnvifClient,
    PullPointSubscription,
    find_onvif,
    same_device,
)
from custom_components.cgi_camera.client.transport import Credentials, Transport
from tests.conftest import PASSWORD, USERNAME
from tests.dialects import DIALECTS, Dialect
from tests.helpers import until
from tests.onvif_helpers import Consumer
from tests.sim.onvif import OnvifCamera

CREDS = Credentials(USERNAME, PASSWORD)
REPORTING = [d for d in DIALECTS if d.onvif_port_key is not None]
SILENT = [d for d in DIALECTS if d.onvif_port_key is None]
RTSP_PORT = 10554  # no server needed: only the URI ONVIF hands out is checked


async def _connect(
    session: aiohttp.ClientSession, dialect: Dialect, sim: OnvifCamera, *, timeout: float = 10
) -> Camera:
    """The dialect's own set-up, as the integration runs it."""
    transport = Transport(session, sim.host, sim.port, timeout=timeout)
    return await BY_NAME[dialect.name].connect(transport, CREDS)


async def _onvif(
    session: aiohttp.ClientSession, host: str, ports: list[int],
    credentials: Credentials = CREDS,
) -> OnvifClient:
    """Find the device service on ``ports`` (no usual ports) and connect, as an owner would."""
    endpoint = await find_onvif(session, host, ports, usual_ports=())
    client = OnvifClient(Transport(session, host, endpoint.port, timeout=10), credentials,
                         device_url=endpoint.url, time_offset=endpoint.time_offset)
    await client.connect()
    return client


def _stall(sim: OnvifCamera, key: str) -> None:
    """Never answer the CGI read ``key`` (a path, or cgi_action's ``path?action=``)."""
    path, _, action = key.partition("?action=")
    if action:
        sim.stalled.add(action)  # type: ignore[attr-defined]
    else:
        sim.hang(path)


def _garble(sim: OnvifCamera, key: str, status: int, body: bytes) -> None:
    path, _, action = key.partition("?action=")
    if action:
        sim.keyed = {key: (status, body, "text/plain")}  # type: ignore[attr-defined]
    else:
        sim.garbage(path, body, "text/html", status=status)


# -- the same device, found where the CGI says ---------------------------------------


@pytest.mark.parametrize(("dialect", "mode"), [
    *((d, "http") for d in DIALECTS), *((d, "separate") for d in REPORTING),
], ids=str)
async def test_onvif_is_the_same_device_where_the_cgi_says(
    session: aiohttp.ClientSession, dialect: Dialect, mode: str
) -> None:
    async with dialect.make(rtsp_port=RTSP_PORT, onvif_port=mode) as sim:
        camera = await _connect(session, dialect, sim)
        listening = sim.onvif_listen_port
        assert listening == (sim.port if mode == "http" else sim.side_port)
        if dialect.onvif_port_key is None:
            assert camera.capabilities.onvif_ports == []
        else:
            assert camera.capabilities.onvif_ports == [listening]
        # The integration's order: the CGI-reported port, then the HTTP port.
        client = await _onvif(session, sim.host, [*camera.capabilities.onvif_ports, sim.port])
        assert await same_device(client, mac=camera.info.mac, serial=camera.info.serial)
        profiles = await client.media.get_profiles()
        main = URL((await client.media.get_stream_uri(profiles[0].token)).uri)
        presets = await client.ptz.get_presets(profiles[0].token) if profiles[0].ptz else []
    assert {URL(service.url).port for service in client.services.values()} == {listening}
    assert (main.scheme, main.host, main.port, main.path) == (
        "rtsp", "127.0.0.1", RTSP_PORT, dialect.rtsp_path)
    assert sim.onvif.ptz is profiles[0].ptz is True  # every row is a PTZ camera
    assert len(presets) >= 3 and all(p.name for p in presets)
    # Nothing signed before the device service had answered without a login.
    first = sim.onvif.requests[0]
    assert (first.operation, first.signed) == ("GetSystemDateAndTime", False)
    assert sim.onvif.failed_logins == 0


@pytest.mark.parametrize("dialect", SILENT, ids=str)
async def test_a_separate_port_the_cgi_does_not_document_is_not_found_on_http(
    session: aiohttp.ClientSession, dialect: Dialect
) -> None:
    # What the ONVIF-port option (or the usual ports) is for on these dialects.
    async with dialect.make(onvif_port="separate") as sim:
        camera = await _connect(session, dialect, sim)
        assert camera.capabilities.onvif_ports == []
        with pytest.raises(NotSupported):
            await find_onvif(session, sim.host, [sim.port], usual_ports=())
        assert sim.side_port is not None
        client = await _onvif(session, sim.host, [sim.side_port])
        assert await same_device(client, mac=camera.info.mac, serial=camera.info.serial)


@pytest.mark.parametrize("dialect", DIALECTS, ids=str)
async def test_presets_are_named_and_param_cgi_shares_its_cgi_ones(
    session: aiohttp.ClientSession, dialect: Dialect
) -> None:
    async with dialect.make() as sim:
        client = await _onvif(session, sim.host, [sim.port])
        presets = await client.ptz.get_presets("Profile_1")
    names = [p.name for p in presets]
    if dialect.name == "param_cgi":
        assert names == [name for _n, name in sorted(sim.presets.items())]  # type: ignore[attr-defined]
    else:
        assert names == ["Door", "Gate", "Yard"]


# -- events ----------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS, ids=str)
async def test_motion_raised_on_the_simulator_arrives(
    session: aiohttp.ClientSession, dialect: Dialect
) -> None:
    async with dialect.make() as sim:
        client = await _onvif(session, sim.host, [sim.port])
        consumer = Consumer(PullPointSubscription(client, pull_timeout=30)).start()
        try:
            await until(lambda: consumer.saw(AlarmKind.MOTION, False))  # the initial state
            await until(lambda: sim.onvif.waiting_pulls == 1)  # a long poll is waiting
            sim.onvif.set_motion(True)
            await until(lambda: consumer.saw(AlarmKind.MOTION, True))
            sim.onvif.set_tamper(True)
            await until(lambda: consumer.saw(AlarmKind.TAMPER, True))
        finally:
            await consumer.stop()
    assert consumer.errors == []
    assert sim.onvif.subscription_count == 0  # closed: unsubscribed


@pytest.mark.parametrize("dialect", DIALECTS, ids=str)
async def test_reboot_of_the_dialect_drops_the_subscriptions(
    session: aiohttp.ClientSession, dialect: Dialect
) -> None:
    async with dialect.make() as sim:
        camera = await _connect(session, dialect, sim)
        client = await _onvif(session, sim.host, [sim.port])
        consumer = Consumer(PullPointSubscription(client, pull_timeout=30)).start()
        try:
            await until(lambda: sim.onvif.waiting_pulls == 1)
            before = set(sim.onvif.subscriptions)
            await camera.press(Action.REBOOT)  # the dialect's own reboot command
            await until(lambda: sim.reboots_done == 1)
            assert not before & set(sim.onvif.subscriptions)  # the old one is gone
            await until(lambda: sim.onvif.subscriptions_created == 2)  # re-subscribed
            seen = len(consumer.items)
            sim.onvif.set_motion(True)
            await until(lambda: consumer.saw(AlarmKind.MOTION, True, after=seen))
        finally:
            await consumer.stop()
    assert consumer.errors and all(isinstance(e, ConnectError) for e in consumer.errors)
    assert sim.onvif.peak_subscriptions == 1


# -- no ONVIF, another ONVIF password, a CGI that will not tell ---------------------------


@pytest.mark.parametrize("dialect", DIALECTS, ids=str)
async def test_without_onvif_nothing_is_found_and_no_credentials_are_sent(
    session: aiohttp.ClientSession, dialect: Dialect
) -> None:
    async with dialect.make(onvif=False) as sim:
        camera = await _connect(session, dialect, sim)
        assert camera.capabilities.onvif_ports == []
        mark = len(sim.requests)
        with pytest.raises((NotSupported, ConnectError)):
            await find_onvif(session, sim.host, [sim.port], usual_ports=())
        probes = sim.requests[mark:]
        # The firmware's answer to any path it does not know, ONVIF's included.
        answers = []
        for path in ("/onvif/device_service", "/no/such/service"):
            async with session.post(f"{sim.base_url}{path}", data=b"<x/>") as resp:
                answers.append((resp.status, await resp.read()))
    assert answers[0] == answers[1] and answers[0][0] == 404
    assert [r.path for r in probes] == ["/onvif/device_service"]
    assert "Authorization" not in probes[0].headers
    assert sim.onvif.requests == []  # no ONVIF service behind that path
    assert sim.onvif_listen_port is None


@pytest.mark.parametrize("dialect", DIALECTS, ids=str)
async def test_an_onvif_only_password_refuses_the_cgi_one(
    session: aiohttp.ClientSession, dialect: Dialect
) -> None:
    async with dialect.make(onvif_password="onvif-only") as sim:
        camera = await _connect(session, dialect, sim)  # the CGI login still works
        client = await _onvif(session, sim.host, [sim.port])
        with pytest.raises(AuthError):
            await same_device(client, mac=camera.info.mac, serial=camera.info.serial)
        own = await _onvif(session, sim.host, [sim.port], Credentials(USERNAME, "onvif-only"))
        assert await same_device(own, mac=camera.info.mac, serial=camera.info.serial)
    assert sim.onvif.failed_logins >= 1


@pytest.mark.parametrize("dialect", DIALECTS, ids=str)
async def test_onvif_follows_the_camera_account(
    session: aiohttp.ClientSession, dialect: Dialect
) -> None:
    # One account: a password changed on the camera is the ONVIF password too.
    async with dialect.make() as sim:
        sim.password = "changed"  # type: ignore[attr-defined]
        client = await _onvif(session, sim.host, [sim.port], Credentials(USERNAME, "changed"))
        assert await same_device(client, mac=None, serial=sim.onvif.serial)
    assert sim.onvif.failed_logins == 0


@pytest.mark.parametrize(("status", "body"), [(500, b"busy"), (200, b"\x00<not it")])
@pytest.mark.parametrize("dialect", REPORTING, ids=str)
async def test_an_unreadable_port_read_leaves_the_list_empty(
    session: aiohttp.ClientSession, dialect: Dialect, status: int, body: bytes
) -> None:
    assert dialect.onvif_port_key is not None
    async with dialect.make() as sim:
        _garble(sim, dialect.onvif_port_key, status, body)
        camera = await _connect(session, dialect, sim)
    assert camera.capabilities.onvif_ports == []
    assert camera.capabilities.settings  # the rest of the discovery stood


@pytest.mark.parametrize("dialect", REPORTING, ids=str)
async def test_a_port_read_that_never_answers_leaves_the_list_empty(
    session: aiohttp.ClientSession, dialect: Dialect
) -> None:
    assert dialect.onvif_port_key is not None
    async with dialect.make() as sim:
        _stall(sim, dialect.onvif_port_key)
        camera = await _connect(session, dialect, sim, timeout=2)
    assert camera.capabilities.onvif_ports == []
    assert await camera.read_state(reuse_discovery=True)  # read after it, as usual


@pytest.mark.parametrize("dialect", REPORTING, ids=str)
async def test_the_plain_or_missing_port_read(
    session: aiohttp.ClientSession, dialect: Dialect
) -> None:
    """cgi_message's plain value lines (004 §3.10.1 order); cgi_action without the key."""
    if dialect.name == "cgi_message":
        async with dialect.make(fmt="plain") as sim:
            camera = await _connect(session, dialect, sim)
        assert camera.capabilities.onvif_ports == [sim.port]
    else:
        async with dialect.make() as sim:
            sim.missing.add("getWiredNetwork")  # type: ignore[attr-defined]
            camera = await _connect(session, dialect, sim)
        assert camera.capabilities.onvif_ports == []
