"""Tokens a camera checks too late, and where the password is never sent again (issue 16).

A stalled camera holds the requests it got and checks their WS-Security tokens when it
wakes up, long after they were made: each is refused, and each is a failed login to
firmware that counts them. A slow camera does the same a few seconds at a time. The
client cannot take back what it sent, but it sends nothing signed into a camera that
does not answer promptly, retries a late refusal only once the camera answers
promptly again (with its clock read just then), and never retries a refusal that
stands. The ONVIF simulator counts every refused token.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from custom_components.cgi_camera.client.errors import AuthError, Timeout
from custom_components.cgi_camera.client.latch import LoginLatch
from custom_components.cgi_camera.client.onvif import OnvifClient, client as onvif_client
from custom_components.cgi_camera.client.onvif.const import WSU
from custom_components.cgi_camera.client.onvif.wsse import security_header
from custom_components.cgi_camera.client.transport import Transport
from tests.conftest import PASSWORD, USERNAME
from tests.helpers import until
from tests.onvif_helpers import CREDS, connected_client
from tests.sim.base import RequestRecord
from tests.sim.onvif import OnvifSim


@pytest.fixture
async def sim() -> AsyncIterator[OnvifSim]:
    async with OnvifSim(username=USERNAME, password=PASSWORD) as camera:
        yield camera


async def _fast_client(session: aiohttp.ClientSession, sim: OnvifSim,
                       latch: LoginLatch | None = None) -> OnvifClient:
    client = await connected_client(session, sim)
    # Short timeouts: a stall is noticed in a second.
    client.transport.timeout = 1.0
    client.latch = latch
    if latch is not None:
        client.transport.latch = latch
    return client


def _operation(record: RequestRecord) -> str:
    """The SOAP operation of a request as it arrived (its action in the Content-Type)."""
    return record.headers.get("Content-Type", "").rpartition("/")[2].strip('"')


async def test_nothing_signed_goes_into_a_stalled_camera(
    session: aiohttp.ClientSession, sim: OnvifSim
) -> None:
    client = await _fast_client(session, sim)
    await client.device.get_device_information()
    before = len(sim.requests)
    sim.hang("*")
    with pytest.raises(Timeout):
        await client.device.get_device_information()  # held by the camera
    for _ in range(3):  # the owner's retries while the camera stays silent
        with pytest.raises(Timeout):
            await client.device.get_device_information()
    # Only the first was signed: the retries asked the camera's time, unsigned, so
    # nothing more waits in the camera to be refused as too old when it wakes up.
    assert [_operation(r) for r in sim.requests[before:]] == [
        "GetDeviceInformation", *["GetSystemDateAndTime"] * 3]
    sim.clear_fault("*")
    info = await client.device.get_device_information()
    assert info.serial == sim.onvif.serial
    assert client.refused is None


async def test_a_request_held_through_a_stall_is_refused_once(
    session: aiohttp.ClientSession, sim: OnvifSim, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The camera wakes up and checks the token it held: too old. One refusal, and
    the request once more with a fresh token (the camera answers promptly again)."""
    client = await connected_client(session, sim)
    await client.device.get_device_information()
    monkeypatch.setattr(onvif_client, "TOKEN_AGED_AFTER", 0.0)  # any wait is "held"
    sim.hang("*")
    asked = asyncio.ensure_future(client.device.get_device_information())
    await until(lambda: _operation(sim.requests[-1]) == "GetDeviceInformation"
                and sim.count() >= 4)  # it arrived, and waits
    sim.onvif.stale_tokens = 1  # by the time the camera looks, the token is too old
    sim.clear_fault("*")
    info = await asked
    assert info.serial == sim.onvif.serial
    assert sim.onvif.failed_logins == 1
    assert [(r.operation, r.fault) for r in sim.onvif.requests][-3:] == [
        ("GetDeviceInformation", "ter:NotAuthorized"), ("GetSystemDateAndTime", None),
        ("GetDeviceInformation", None)]


async def test_a_late_refusal_is_retried_once_the_camera_answers_promptly(
    session: aiohttp.ClientSession, sim: OnvifSim, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = await _fast_client(session, sim)
    await client.device.get_device_information()
    # The camera answers in 0.3 s for a while: "late" and "too slow" from 0.2 s here.
    monkeypatch.setattr(onvif_client, "TOKEN_AGED_AFTER", 0.2)
    monkeypatch.setattr(onvif_client, "PROMPT_WITHIN", 0.2)
    sim.latency = 0.3
    sim.onvif.stale_tokens = 1  # the token ages on its way
    mark = len(sim.onvif.requests)
    with pytest.raises(Timeout):
        await client.device.get_device_information()
    with pytest.raises(Timeout):  # still slow: only its clock is asked
        await client.device.get_device_information()
    sim.latency = 0.0
    info = await client.device.get_device_information()
    assert info.serial == sim.onvif.serial
    assert [(r.operation, r.fault) for r in sim.onvif.requests[mark:]] == [
        ("GetDeviceInformation", "ter:NotAuthorized"),  # checked late: no verdict
        ("GetSystemDateAndTime", None),  # too slow: no fresh token sent into it
        ("GetSystemDateAndTime", None),  # still too slow
        ("GetSystemDateAndTime", None),  # prompt again: now the fresh token
        ("GetDeviceInformation", None),
    ]
    assert sim.onvif.failed_logins == 1
    assert client.refused is None


async def test_a_refusal_that_stands_trips_the_cameras_latch_once_it_had_accepted(
    session: aiohttp.ClientSession, sim: OnvifSim
) -> None:
    latch = LoginLatch()
    heard: list[str] = []
    latch.listen(heard.append)
    client = await _fast_client(session, sim, latch)
    await client.device.get_device_information()  # needs the login: accepted
    assert client.accepted
    sim.onvif.password = "changed on the camera"
    with pytest.raises(AuthError):
        await client.device.get_device_information()
    assert latch.refused is not None and len(heard) == 1
    requests = len(sim.requests)
    with pytest.raises(AuthError):
        await client.device.get_device_information()
    with pytest.raises(AuthError):
        await client.read_clock()  # nothing at all goes to the camera any more
    assert len(sim.requests) == requests
    assert sim.onvif.failed_logins == 1


async def test_a_refusal_of_a_login_never_accepted_stays_onvifs(
    session: aiohttp.ClientSession,
) -> None:
    async with OnvifSim(username=USERNAME, password="onvif-only") as sim:
        latch = LoginLatch()
        client = OnvifClient(Transport(session, sim.host, sim.port), CREDS, latch=latch)
        with pytest.raises(AuthError):
            await client.device.get_device_information()
        with pytest.raises(AuthError):  # not sent again
            await client.device.get_device_information()
    assert latch.refused is None and client.refused is not None
    assert sim.onvif.failed_logins == 1


def test_tokens_carry_the_nearest_whole_second() -> None:
    created = security_header("u", "p", datetime(2024, 5, 1, 12, 0, 0, 700000, tzinfo=UTC))
    assert created.findtext(f".//{{{WSU}}}Created") == "2024-05-01T12:00:01Z"


async def test_held_twice_is_no_verdict_and_no_third_try(
    session: aiohttp.ClientSession, sim: OnvifSim, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = await connected_client(session, sim)
    await client.device.get_device_information()
    monkeypatch.setattr(onvif_client, "TOKEN_AGED_AFTER", 0.0)  # any wait is "held"
    sim.onvif.stale_tokens = 2
    with pytest.raises(Timeout):
        await client.device.get_device_information()
    assert client.refused is None  # no verdict on the password
    info = await client.device.get_device_information()  # its clock first, then this
    assert info.serial == sim.onvif.serial


async def test_an_http_digest_refusal_stands_at_once(
    session: aiohttp.ClientSession, sim: OnvifSim
) -> None:
    sim.onvif.http_digest = True
    client = await connected_client(session, sim)
    await client.device.get_device_information()
    sim.onvif.password = "changed on the camera"
    with pytest.raises(AuthError):
        await client.device.get_device_information()
    assert client.refused is not None
    assert "GetSystemDateAndTime" not in sim.onvif.operations()[-1:]  # no clock excuse


async def test_a_retry_the_clock_explained_that_is_refused_too_stands(
    session: aiohttp.ClientSession,
) -> None:
    """A stale clock offset explains the first refusal; the second, in the camera's
    clock, is the password's: final, nothing more."""
    async with OnvifSim(username=USERNAME, password="changed", clock_offset=600.0) as sim:
        client = OnvifClient(Transport(session, sim.host, sim.port), CREDS,
                             time_offset=timedelta(0))
        with pytest.raises(AuthError):
            await client.device.get_device_information()
        assert client.refused is not None
        assert sim.onvif.operations() == [
            "GetDeviceInformation", "GetSystemDateAndTime", "GetDeviceInformation"]
