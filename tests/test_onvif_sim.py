"""The ONVIF simulator itself, spoken to with hand-built SOAP (not the client).

It must be strict where the specifications are (or a lenient simulator would hide
client bugs): the WS-Security window, nonces, namespaces, the long poll, the
subscription cap and termination; and it must mount on a dialect simulator.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
import hashlib
import os
import subprocess
import sys

import aiohttp
from lxml import etree
import pytest

from tests.conftest import PASSWORD, USERNAME
from tests.helpers import until
from tests.sim.cgi_message import CgiMessageSim
from tests.sim.onvif import (
    DIGITAL_INPUT,
    MOTION,
    SOAP12,
    TDS,
    TEV,
    TT,
    WSNT,
    WSSE,
    WSU,
    OnvifSim,
)

TER = "http://www.onvif.org/ver10/error"
NS = {"s": SOAP12, "tds": TDS, "tev": TEV, "tt": TT, "wsnt": WSNT,
      "wsa": "http://www.w3.org/2005/08/addressing", "wstop": "http://docs.oasis-open.org/wsn/t-1"}



@pytest.fixture
async def sim() -> AsyncIterator[OnvifSim]:
    async with OnvifSim(username=USERNAME, password=PASSWORD) as camera:
        yield camera


def token(created: datetime, *, password: str = PASSWORD, nonce: bytes | None = None) -> str:
    """A UsernameToken per the OASIS profile: Base64(SHA1(nonce + created + password))."""
    nonce = os.urandom(16) if nonce is None else nonce
    stamp = created.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    digest = base64.b64encode(
        hashlib.sha1(nonce + stamp.encode() + password.encode()).digest()
    ).decode()
    return (
        f'<wsse:Security xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}"><wsse:UsernameToken>'
        f"<wsse:Username>{USERNAME}</wsse:Username>"
        f'<wsse:Password Type="#PasswordDigest">{digest}</wsse:Password>'
        f"<wsse:Nonce>{base64.b64encode(nonce).decode()}</wsse:Nonce>"
        f"<wsu:Created>{stamp}</wsu:Created></wsse:UsernameToken></wsse:Security>"
    )


async def soap(
    session: aiohttp.ClientSession, url: str, body: str, header: str = ""
) -> tuple[int, etree._Element]:
    envelope = (
        f'<s:Envelope xmlns:s="{SOAP12}" xmlns:tds="{TDS}" xmlns:tev="{TEV}" '
        f'xmlns:wsnt="{WSNT}"><s:Header>{header}</s:Header><s:Body>{body}</s:Body></s:Envelope>'
    )
    async with session.post(
        url, data=envelope.encode(), headers={"Content-Type": "application/soap+xml"}
    ) as response:
        raw = await response.read()
    # A 404 of a vanished subscription has no SOAP body.
    root = etree.fromstring(raw) if raw.startswith(b"<") else etree.Element("empty")
    return response.status, root


def find(root: etree._Element, path: str) -> list[etree._Element]:
    result = root.xpath(path, namespaces=NS)
    assert isinstance(result, list)
    return [node for node in result if isinstance(node, etree._Element)]


def texts(root: etree._Element, path: str) -> list[str]:
    result = root.xpath(path, namespaces=NS)
    assert isinstance(result, list)
    return [str(value) for value in result]


def subcodes(root: etree._Element) -> list[str]:
    return [v.split(":")[-1] for v in texts(root, "//s:Code//s:Value/text()")]


def now(sim: OnvifSim) -> datetime:
    return sim.onvif.camera_now()


async def subscribe(session: aiohttp.ClientSession, sim: OnvifSim, lifetime: str = "PT60S") -> str:
    status, root = await soap(
        session, f"{sim.base_url}/onvif/event_service",
        f"<tev:CreatePullPointSubscription><tev:InitialTerminationTime>{lifetime}"
        "</tev:InitialTerminationTime></tev:CreatePullPointSubscription>",
        token(now(sim)),
    )
    assert status == 200
    return texts(root, "//wsa:Address/text()")[0]


async def pull(
    session: aiohttp.ClientSession, sim: OnvifSim, address: str, timeout: str = "PT1S"
) -> tuple[int, etree._Element]:
    return await soap(
        session, address,
        f"<tev:PullMessages><tev:Timeout>{timeout}</tev:Timeout>"
        "<tev:MessageLimit>10</tev:MessageLimit></tev:PullMessages>",
        token(now(sim)),
    )


def messages(root: etree._Element) -> list[tuple[str, str, dict[str, str]]]:
    """(topic, PropertyOperation, data items) of a PullMessagesResponse."""
    found = []
    for note in find(root, "//wsnt:NotificationMessage"):
        topic = texts(note, "wsnt:Topic/text()")[0].split(":", 1)[1]
        message = find(note, "wsnt:Message/tt:Message")[0]
        data = {str(i.get("Name")): str(i.get("Value"))
                for i in find(message, "tt:Data/tt:SimpleItem")}
        found.append((topic, str(message.get("PropertyOperation")), data))
    return found


INFO = "<tds:GetDeviceInformation/>"


# -- WS-Security ---------------------------------------------------------------------


@pytest.mark.parametrize(("skew", "accepted"), [(0, True), (4, True), (-4, True), (6, False),
                                                (-6, False)])
async def test_token_window_is_five_seconds_around_the_camera_clock(
    session: aiohttp.ClientSession, skew: float, accepted: bool
) -> None:
    async with OnvifSim(username=USERNAME, password=PASSWORD, clock_offset=600) as sim:
        status, root = await soap(session, f"{sim.base_url}/onvif/device_service", INFO,
                                  token(now(sim) + timedelta(seconds=skew)))
    if accepted:
        assert status == 200 and find(root, "//tds:Manufacturer")
    else:
        assert status == 400 and subcodes(root) == ["Sender", "NotAuthorized"]


async def test_a_client_ignoring_the_camera_clock_is_refused(
    session: aiohttp.ClientSession,
) -> None:
    async with OnvifSim(username=USERNAME, password=PASSWORD, clock_offset=600) as sim:
        status, root = await soap(session, f"{sim.base_url}/onvif/device_service", INFO,
                                  token(datetime.now(UTC)))
        assert sim.onvif.failed_logins == 1
    assert status == 400 and subcodes(root) == ["Sender", "NotAuthorized"]


async def test_nonce_replay_and_wrong_password_are_refused(
    session: aiohttp.ClientSession, sim: OnvifSim
) -> None:
    url = f"{sim.base_url}/onvif/device_service"
    nonce = os.urandom(16)
    first = token(now(sim), nonce=nonce)
    assert (await soap(session, url, INFO, first))[0] == 200
    assert (await soap(session, url, INFO, first))[0] == 400
    assert (await soap(session, url, INFO, token(now(sim), password="wrong")))[0] == 400
    assert sim.onvif.failed_logins == 2


async def test_clock_and_service_list_need_no_login(
    session: aiohttp.ClientSession, sim: OnvifSim
) -> None:
    url = f"{sim.base_url}/onvif/device_service"
    status, root = await soap(session, url, "<tds:GetSystemDateAndTime/>")
    assert status == 200
    year = texts(root, "//tt:UTCDateTime/tt:Date/tt:Year/text()")
    assert year == [str(now(sim).year)]
    assert (await soap(session, url, "<tds:GetServices><tds:IncludeCapability>false"
                       "</tds:IncludeCapability></tds:GetServices>"))[0] == 200
    status, root = await soap(session, url, INFO)
    assert status == 400 and subcodes(root) == ["Sender", "NotAuthorized"]


async def test_http_digest_when_demanded(session: aiohttp.ClientSession, sim: OnvifSim) -> None:
    sim.onvif.http_digest = True
    async with session.post(
        f"{sim.base_url}/onvif/device_service",
        data=f'<s:Envelope xmlns:s="{SOAP12}" xmlns:tds="{TDS}"><s:Body>{INFO}</s:Body>'
             "</s:Envelope>",
    ) as response:
        assert response.status == 401
        assert response.headers["WWW-Authenticate"].startswith("Digest ")


# -- operations ------------------------------------------------------------------------


async def test_unknown_operations_and_wrong_namespaces_are_not_supported(
    session: aiohttp.ClientSession, sim: OnvifSim
) -> None:
    url = f"{sim.base_url}/onvif/device_service"
    for body in ("<tds:SetSystemFactoryDefault/>",
                 '<GetDeviceInformation xmlns="urn:not-onvif"/>'):
        status, root = await soap(session, url, body, token(now(sim)))
        assert status == 500
        assert subcodes(root) == ["Receiver", "ActionNotSupported"]


async def test_event_properties_announce_the_topics(
    session: aiohttp.ClientSession, sim: OnvifSim
) -> None:
    status, root = await soap(session, f"{sim.base_url}/onvif/event_service",
                              "<tev:GetEventProperties/>", token(now(sim)))
    assert status == 200
    topics = find(root, "//*[@wstop:topic='true']")
    paths = {"/".join(etree.QName(n).localname for n in [*reversed(list(t.iterancestors())), t]
                      if etree.QName(n).localname not in
                      ("Envelope", "Body", "GetEventPropertiesResponse", "TopicSet"))
             for t in topics}
    assert {MOTION, DIGITAL_INPUT} <= paths


# -- the pull point ----------------------------------------------------------------------


async def test_new_subscription_and_sync_point_send_the_current_states(
    session: aiohttp.ClientSession, sim: OnvifSim
) -> None:
    address = await subscribe(session, sim)
    first = messages((await pull(session, sim, address))[1])
    assert (MOTION, "Initialized", {"IsMotion": "false"}) in first
    sim.onvif.set_motion(True)
    assert messages((await pull(session, sim, address))[1]) == [
        (MOTION, "Changed", {"IsMotion": "true"}),
    ]
    status, _root = await soap(session, address, "<tev:SetSynchronizationPoint/>",
                               token(now(sim)))
    assert status == 200
    again = messages((await pull(session, sim, address))[1])
    assert (MOTION, "Initialized", {"IsMotion": "true"}) in again
    assert {topic for topic, _op, _data in again} == {topic for topic, _op, _data in first}


async def test_pull_is_a_long_poll(session: aiohttp.ClientSession, sim: OnvifSim) -> None:
    address = await subscribe(session, sim)
    await pull(session, sim, address)  # the initial states
    waiting = asyncio.ensure_future(pull(session, sim, address, "PT60S"))
    await until(lambda: sim.onvif.waiting_pulls == 1)
    assert not waiting.done()
    sim.onvif.set_input(1, True)
    # Answered the moment the event is queued, not after its 60 s Timeout.
    status, root = await asyncio.wait_for(waiting, 30)
    assert status == 200
    assert messages(root) == [(DIGITAL_INPUT, "Changed", {"LogicalState": "true"})]
    status, root = await pull(session, sim, address, "PT1S")  # idle: empty after Timeout
    assert status == 200 and messages(root) == []


async def test_subscription_cap_termination_renew_unsubscribe(
    session: aiohttp.ClientSession, sim: OnvifSim
) -> None:
    addresses = [await subscribe(session, sim) for _ in range(3)]
    status, root = await soap(
        session, f"{sim.base_url}/onvif/event_service",
        "<tev:CreatePullPointSubscription/>", token(now(sim)),
    )
    assert status == 500 and "TooManySubscriptions" in subcodes(root)
    status, _root = await soap(session, addresses[0], "<wsnt:Unsubscribe/>", token(now(sim)))
    assert status == 200 and sim.onvif.subscription_count == 2
    short = await subscribe(session, sim, "PT1S")
    status, root = await soap(
        session, addresses[1],
        "<wsnt:Renew><wsnt:TerminationTime>PT120S</wsnt:TerminationTime></wsnt:Renew>",
        token(now(sim)),
    )
    assert status == 200 and find(root, "//wsnt:TerminationTime")
    await until(lambda: sim.onvif.subscription_count == 2)  # the 1 s one terminated
    status, root = await pull(session, sim, short)
    assert status == 400 and "ResourceUnknown" in subcodes(root)


async def test_faults_on_demand(session: aiohttp.ClientSession, sim: OnvifSim) -> None:
    device = f"{sim.base_url}/onvif/device_service"
    address = await subscribe(session, sim)
    sim.onvif.refuse_renew = True
    status, _root = await soap(
        session, address,
        "<wsnt:Renew><wsnt:TerminationTime>PT60S</wsnt:TerminationTime></wsnt:Renew>",
        token(now(sim)),
    )
    assert status == 500
    sim.onvif.refuse_pullpoint = True
    status, _root = await soap(session, f"{sim.base_url}/onvif/event_service",
                               "<tev:CreatePullPointSubscription/>", token(now(sim)))
    assert status == 500
    sim.onvif.refuse_pullpoint = False
    sim.onvif.reboot()
    assert sim.onvif.subscription_count == 0
    sim.onvif.gone_as_404 = True
    assert (await pull(session, sim, address))[0] == 404
    sim.onvif.malformed_answer("GetDeviceInformation", times=1)
    async with session.post(device, data=_envelope(INFO)) as bad:
        assert not (await bad.read()).rstrip().endswith(b">")
    sim.onvif.huge_answer("GetDeviceInformation", size=3 * 1024 * 1024, times=1)
    async with session.post(device, data=_envelope(INFO)) as big:
        assert len(await big.read()) > 3 * 1024 * 1024
    sim.onvif.motion_stuck = True
    sim.onvif.set_motion(True)
    sim.onvif.set_motion(False)  # ignored: this firmware never says "off"
    address = await subscribe(session, sim)
    assert (MOTION, "Initialized", {"IsMotion": "true"}) in messages(
        (await pull(session, sim, address))[1]
    )


def _envelope(body: str) -> bytes:
    return (f'<s:Envelope xmlns:s="{SOAP12}" xmlns:tds="{TDS}"><s:Body>{body}</s:Body>'
            "</s:Envelope>").encode()


# -- mounting ----------------------------------------------------------------------------


async def test_mounts_on_a_dialect_simulator(session: aiohttp.ClientSession) -> None:
    async with CgiMessageSim(username=USERNAME, password=PASSWORD) as sim:
        status, _root = await soap(session, f"{sim.base_url}/onvif/device_service",
                                   "<tds:GetSystemDateAndTime/>")
        assert status == 200
        async with session.get(f"{sim.base_url}/cgi/sys_get?Group=DeviceInfo",
                               auth=aiohttp.BasicAuth(USERNAME, PASSWORD, "utf-8")) as cgi:
            assert cgi.status == 200
        status, _root = await soap(
            session, f"{sim.base_url}/onvif/event_service",
            "<tev:CreatePullPointSubscription/>",
            token(sim.onvif.camera_now()),
        )
        assert status == 200 and sim.onvif.subscription_count == 1
        # The dialect simulator's own log counts ONVIF requests too (per minute etc.).
        assert sim.count("/onvif/") == 2
        sim.simulate_reboot()
        await until(lambda: sim.onvif.subscription_count == 0)
        # Restarting the listener builds a new app: the service mounts again.
        await sim.go_offline()
        await sim.go_online()
        status, _root = await soap(session, f"{sim.base_url}/onvif/device_service",
                                   "<tds:GetSystemDateAndTime/>")
        assert status == 200


def test_runs_standalone() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tests.sim.onvif", "--help"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0 and "--clock-offset" in done.stdout
