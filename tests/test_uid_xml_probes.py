"""uid_xml capability probes: an ambiguous answer asks the next documented probe.

Only a clear answer ends a probe (HTTP 404, ``ptz="0"``). Where the seeds document no
second probe, an ambiguous answer leaves the capability out of this set-up instead of
failing the whole set-up (or, worse, starting a re-authentication).
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from custom_components.cgi_camera.client import (
    Action,
    Credentials,
    ProtocolError,
    PtzMove,
    SettingKey,
    Timeout,
    connect,
)
from custom_components.cgi_camera.client.dialects.uid_xml import UidXmlCamera
from custom_components.cgi_camera.client.transport import Transport
from tests.conftest import PASSWORD, USERNAME
from tests.sim.uid_xml import UidXmlSim

CREDS = Credentials(USERNAME, PASSWORD)
K = SettingKey
MAC = "f0:00:00:29:06:9f"



def _sim(**kwargs: Any) -> UidXmlSim:
    return UidXmlSim(username=USERNAME, password=PASSWORD, **kwargs)


async def _connect(session: aiohttp.ClientSession, sim: UidXmlSim) -> UidXmlCamera:
    camera = await connect(session, "uid_xml", sim.host, sim.port, CREDS)
    assert isinstance(camera, UidXmlCamera)
    return camera


async def _slow_probe_camera(
    session: aiohttp.ClientSession, sim: UidXmlSim, timeout: float
) -> UidXmlCamera:
    """Logged in with a normal timeout; discovery then waits ``timeout`` per request."""
    transport = Transport(session, sim.host, sim.port, timeout=10)
    camera = UidXmlCamera(transport, CREDS)
    await camera.login()
    transport.timeout = timeout
    return camera


def _stops(sim: UidXmlSim) -> int:
    return sum(1 for r in sim.requests if r.path == "/cgi-bin/ptz_ctrl" and "stop" in r.query)


# -- PTZ: getcapabilities, else whether the head takes "stop" -------------------------------

UNCLEAR_CAPABILITIES: dict[str, tuple[int, bytes]] = {
    "http_500": (500, b""),
    "garbage": (200, b"<html><body>busy</body></html>"),
    "fault": (400, b'<?xml version="1.0"?><fault><value>/cgi-bin/getcapabilities</value>'
                   b"<reason>error, parse parameters</reason></fault>"),
    "no_ptz_flag": (200, b'<?xml version="1.0"?><capabilities video="1" audio="1"/>'),
    "odd_ptz_flag": (200, b'<?xml version="1.0"?><capabilities video="1" ptz="yes"/>'),
}


@pytest.mark.parametrize("kind", list(UNCLEAR_CAPABILITIES))
@pytest.mark.parametrize("head", [True, False], ids=["ptz_head", "fixed"])
async def test_unclear_capabilities_ask_the_head(
    session: aiohttp.ClientSession, kind: str, head: bool
) -> None:
    status, body = UNCLEAR_CAPABILITIES[kind]
    async with _sim(ptz=head) as sim:
        sim.garbage("/cgi-bin/getcapabilities", body, status=status)
        camera = await _connect(session, sim)  # the set-up survives it
        assert (camera.capabilities.ptz is not None) is head
        assert _stops(sim) == 1
        assert camera.info.mac == MAC
        assert K.BRIGHTNESS in (await camera.read_state(reuse_discovery=True))
        if head:
            await camera.ptz_move(PtzMove.LEFT)
            assert sim.ptz_log[-1]["move_x"] == "-1"


@pytest.mark.parametrize(("status", "body"), [
    (200, b'<?xml version="1.0"?><capabilities video="1" audio="1" ptz="0"/>'),
    (404, b"<html>404 Not Found</html>"),
], ids=["ptz_0", "http_404"])
async def test_a_clear_answer_is_not_second_guessed(
    session: aiohttp.ClientSession, status: int, body: bytes
) -> None:
    async with _sim(ptz=True) as sim:
        sim.garbage("/cgi-bin/getcapabilities", body, status=status)
        camera = await _connect(session, sim)
        assert camera.capabilities.ptz is None
        assert _stops(sim) == 0


async def test_capabilities_timing_out_ask_the_head(session: aiohttp.ClientSession) -> None:
    async with _sim(ptz=True) as sim:
        camera = await _slow_probe_camera(session, sim, 1.0)
        sim.hang("/cgi-bin/getcapabilities")
        await camera.discover()
        assert camera.capabilities.ptz is not None
        assert Action.PTZ_STOP in camera.capabilities.actions


# -- identity: getinfo, the network settings, getinfo without a session ---------------------


async def test_mac_from_the_network_settings_when_getinfo_fails(
    session: aiohttp.ClientSession,
) -> None:
    async with _sim() as sim:
        sim.fail("/cgi-bin/getinfo", 500, times=1)  # the session's getinfo only
        camera = await _connect(session, sim)
        assert camera.info.mac == MAC
        assert camera.info.model == "MC400L"  # getmodel still says it
        assert camera.info.serial is None


async def test_mac_from_getinfo_without_a_session(session: aiohttp.ClientSession) -> None:
    async with _sim() as sim:
        sim.fail("/cgi-bin/getinfo", 500, times=1)
        sim.fail("/cgi-bin/network", 502)
        camera = await _connect(session, sim)
        assert camera.info.mac == MAC
        getinfo = [r for r in sim.requests if r.path == "/cgi-bin/getinfo"]
        assert "uid" in getinfo[-2].query and "uid" not in getinfo[-1].query


@pytest.mark.parametrize("variant", ["000", "002"])
async def test_an_unreadable_mac_fails_the_set_up_rather_than_change_identity(
    session: aiohttp.ClientSession, variant: str
) -> None:
    async with _sim(variant=variant) as sim:
        sim.fail("/cgi-bin/getinfo", 500)
        sim.fail("/cgi-bin/network", 500)
        with pytest.raises(ProtocolError, match="MAC"):
            await _connect(session, sim)


async def test_a_002_camera_without_a_mac_anywhere(session: aiohttp.ClientSession) -> None:
    # Every probe answered, none with a MAC: that is the answer, not a failure.
    async with _sim(variant="002") as sim:
        sim.garbage("/cgi-bin/network", b'<?xml version="1.0"?><network dhcp="0"/>')
        camera = await _connect(session, sim)
        assert camera.info.mac is None


async def test_000_firmware_is_known_by_its_getinfo_too(
    session: aiohttp.ClientSession,
) -> None:
    # getmodel and getDevState unclear: getinfo's oem/mac_address still say "000".
    async with _sim() as sim:
        sim.fail("/cgi-bin/getmodel", 500)
        sim.fail("/cgi-bin/getDevState", 500)
        camera = await _connect(session, sim)
        assert Action.TRIGGER_ALARM in camera.capabilities.actions
        assert camera.capabilities.recordings
        assert camera.info.model == "MC400L"  # getinfo's oem


# -- settings groups and the endpoints probed for existence ----------------------------------


async def test_a_hanging_group_costs_only_itself(session: aiohttp.ClientSession) -> None:
    async with _sim() as sim:
        camera = await _slow_probe_camera(session, sim, 1.0)
        sim.hang("/cgi-bin/osd")
        await camera.discover()
        assert K.OSD not in camera.capabilities.settings
        assert (await camera.read_state(reuse_discovery=True))[K.BRIGHTNESS] == 128


async def test_an_http_refusal_of_one_group_is_no_reauth(
    session: aiohttp.ClientSession,
) -> None:
    # uid_xml logs in with a session, never over HTTP: a 403 is another problem.
    async with _sim() as sim:
        sim.fail("/cgi-bin/motion", 403)
        camera = await _connect(session, sim)
        assert K.MOTION_DETECTION not in camera.capabilities.settings
        assert camera.auth_refused is None
        assert K.BRIGHTNESS in (await camera.read_state(reuse_discovery=True))


async def test_time_unclear_means_no_clock_sync(session: aiohttp.ClientSession) -> None:
    async with _sim() as sim:
        camera = await _slow_probe_camera(session, sim, 1.0)
        sim.hang("/cgi-bin/time")
        await camera.discover()
        assert Action.SYNC_TIME not in camera.capabilities.actions  # its zone is unknown
        assert await camera.read_clock() is None


@pytest.mark.parametrize(("status", "present"), [(500, True), (404, False)])
async def test_only_a_404_says_an_endpoint_is_missing(
    session: aiohttp.ClientSession, status: int, present: bool
) -> None:
    async with _sim() as sim:
        sim.fail("/cgi-bin/set_led", status)
        camera = await _connect(session, sim)
        assert (K.WHITE_LIGHT in camera.capabilities.settings) is present


async def test_nothing_answering_in_time_is_a_timeout(session: aiohttp.ClientSession) -> None:
    async with _sim() as sim:
        camera = await _slow_probe_camera(session, sim, 0.3)
        sim.hang("*")
        with pytest.raises(Timeout):
            await camera.discover()
