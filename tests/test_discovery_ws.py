"""WS-Discovery (issue 15): the user step offers the cameras a probe finds.

The probe goes to the simulator's responder by unicast on 127.0.0.1 (the flow's
targets are overridden); real multicast is tested only inside a network namespace
this module creates. Answers are the device's own word: bounded, deduplicated,
and a configured camera claiming a new address moves only with its stored login
(issue 17.1).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
import ipaddress
import os
from pathlib import Path
import shutil
import socket
import subprocess
import sys
from typing import Any
import uuid

from homeassistant import config_entries
from homeassistant.components import network
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cgi_camera import discovery
from custom_components.cgi_camera.client.errors import ConnectError, ProtocolError
from custom_components.cgi_camera.client.onvif import ws_discovery
from custom_components.cgi_camera.client.onvif.ws_discovery import (
    MAX_DATAGRAM,
    MAX_MATCHES,
    build_probe,
    parse_probe_matches,
    probe,
)
from custom_components.cgi_camera.const import CONF_DIALECT, DOMAIN
from tests.conftest import PASSWORD, USERNAME
from tests.dialects import DIALECTS
from tests.helpers import entry_data, settle, setup_entry
from tests.sim.onvif import OnvifCamera
from tests.sim.uid_xml import UidXmlSim
from tests.sim.ws_discovery import (
    Device,
    WsDiscoveryResponder,
    device_of,
    probe_id,
    probe_matches,
)
from tests.test_discovery_dhcp import credentialed

OLD_HOST = "192.0.2.10"  # TEST-NET: never contacted
ROOT = Path(__file__).parent.parent


@pytest.fixture
async def cameras() -> AsyncIterator[list[OnvifCamera]]:
    """One simulator per dialect, ONVIF on their HTTP port."""
    sims = [d.make() for d in DIALECTS]
    for sim in sims:
        await sim.start()
    try:
        yield sims
    finally:
        for sim in sims:
            await sim.stop()


@pytest.fixture
async def responder() -> AsyncIterator[WsDiscoveryResponder]:
    answering = WsDiscoveryResponder()
    await answering.start()
    try:
        yield answering
    finally:
        await answering.stop()


@pytest.fixture
def probe_here(
    monkeypatch: pytest.MonkeyPatch, responder: WsDiscoveryResponder
) -> Iterator[WsDiscoveryResponder]:
    """The flow's probe goes to the responder on 127.0.0.1 (unicast) only."""
    monkeypatch.setattr(discovery, "PROBE_TARGETS", (responder.target,))
    monkeypatch.setattr(discovery, "WEB_PORTS", ())
    yield responder


def _xaddr(port: int) -> str:
    return f"http://127.0.0.1:{port}/onvif/device_service"


# -- the wire format -------------------------------------------------------------------


def test_probe_is_a_ws_discovery_probe_for_video_transmitters() -> None:
    message_id = f"urn:uuid:{uuid.uuid4()}"
    assert probe_id(build_probe(message_id)) == message_id


def test_probe_matches_are_read() -> None:
    device = Device(xaddr=_xaddr(8899), mac="00:1C:27:56:11:64", name="Front door",
                    hardware="IPC-HFW")
    found = parse_probe_matches(probe_matches([device], "urn:uuid:1"), "127.0.0.1",
                                "urn:uuid:1")
    assert len(found) == 1
    assert found[0].host == "127.0.0.1"
    assert found[0].port == 8899
    assert found[0].name == "Front door"
    assert found[0].hardware == "IPC-HFW"
    assert found[0].mac == "00:1c:27:56:11:64"  # from the endpoint's urn:uuid


def test_the_answering_address_wins_over_the_named_one() -> None:
    """A device naming another host's address is still reached where it answered from."""
    device = Device(xaddr="http://192.0.2.77:81/onvif/device_service "
                          "http://127.0.0.1:8000/onvif/device_service", mac="00:1c:27:00:00:01")
    found = parse_probe_matches(probe_matches([device], "x"), "127.0.0.1")
    assert (found[0].host, found[0].port) == ("127.0.0.1", 8000)
    other = Device(xaddr="http://192.0.2.77:81/onvif ftp://x https://[bad", mac="zz")
    found = parse_probe_matches(probe_matches([other], "x"), "127.0.0.1")
    assert (found[0].host, found[0].port, found[0].mac) == ("127.0.0.1", 81, None)
    bare = Device(xaddr="", mac="00:1c:27:00:00:02", endpoint="urn:uuid:plain")
    found = parse_probe_matches(probe_matches([bare], "x"), "127.0.0.1")
    assert (found[0].port, found[0].mac) == (80, None)


def test_a_mac_scope_is_read() -> None:
    body = probe_matches([Device(xaddr=_xaddr(80), mac="00:00:00:00:00:00")], "x").replace(
        b"onvif://www.onvif.org/type/video_encoder",
        b"http://example/mac/x onvif://www.onvif.org/MAC/BC-07-18-00-1B-DF",
    )
    assert parse_probe_matches(body, "127.0.0.1")[0].mac == "bc:07:18:00:1b:df"


@pytest.mark.parametrize(
    "datagram",
    [
        b"not xml at all",
        b"<html><body>hello</body></html>",
        b"<s:Envelope xmlns:s='http://www.w3.org/2003/05/soap-envelope'><s:Body/></s:Envelope>",
        probe_matches([Device(xaddr=_xaddr(80), mac="00:1c:27:00:00:01")], "urn:uuid:other"),
        probe_matches([Device(xaddr=_xaddr(80), mac="00:1c:27:00:00:01")], "urn:uuid:1")
        .replace(b"/ProbeMatches</a:Action>", b"/Hello</a:Action>"),
        probe_matches([Device(xaddr=_xaddr(80), mac="00:1c:27:00:00:01",
                              name="x" * MAX_DATAGRAM)], "urn:uuid:1"),
    ],
    ids=["junk", "html", "no-matches", "other-probe", "other-action", "huge"],
)
def test_malformed_answers_are_refused(datagram: bytes) -> None:
    with pytest.raises(ProtocolError):
        parse_probe_matches(datagram, "127.0.0.1", "urn:uuid:1")


def test_matches_per_answer_are_capped() -> None:
    many = [Device(xaddr=_xaddr(1000 + i), mac=f"00:1c:27:00:00:{i:02x}") for i in range(10)]
    assert len(parse_probe_matches(probe_matches(many, "x"), "127.0.0.1")) == MAX_MATCHES


async def test_probe_dedupes_and_bounds_a_flood(
    responder: WsDiscoveryResponder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ws_discovery, "MAX_DEVICES", 5)
    monkeypatch.setattr(ws_discovery, "MAX_DATAGRAMS", 40)
    responder.devices = [Device(xaddr=_xaddr(2000), mac="00:1c:27:00:00:01")]
    responder.copies = 3  # the same camera, three times, to each of two probes
    responder.extra = [b"junk", b"<a/>"] + [
        probe_matches([Device(xaddr=_xaddr(3000 + 2 * i), mac=f"00:1c:27:00:01:{i:02x}"),
                       Device(xaddr=_xaddr(3001 + 2 * i), mac=f"00:1c:27:00:02:{i:02x}")],
                      None)
        for i in range(30)
    ]

    found = await probe([responder.target], sources=("127.0.0.1",), timeout=0.5)

    assert len(found) == 5  # MAX_DEVICES
    assert sum(1 for d in found if d.port == 2000) == 1
    assert len(responder.probes) == 2  # sent twice (UDP may be lost)


async def test_probe_that_cannot_be_sent_raises() -> None:
    with pytest.raises(ConnectError):
        await probe([("127.0.0.1", 9)], sources=("192.0.2.254",), timeout=0.1)


async def test_a_refused_send_is_no_error(caplog: pytest.LogCaptureFixture) -> None:
    assert await probe([("127.0.0.1", 0)], sources=("127.0.0.1",), timeout=0.1) == []
    assert "WS-Discovery socket error" in caplog.text


# -- the user step ---------------------------------------------------------------------


async def _start(hass: HomeAssistant) -> dict[str, Any]:
    return dict(await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    ))


def _options(result: dict[str, Any]) -> dict[str, str]:
    schema = result["data_schema"]
    selector = schema.schema["camera"]
    return {o["value"]: o["label"] for o in selector.config["options"]}


async def test_user_step_offers_the_cameras_found_on_the_network(
    hass: HomeAssistant, cameras: list[OnvifCamera], probe_here: WsDiscoveryResponder
) -> None:
    probe_here.devices = [device_of(sim) for sim in cameras]
    probe_here.copies = 2

    result = await _start(hass)

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "pick"
    options = _options(result)
    assert len(options) == len(cameras) + 1
    assert options["manual"] == "manual"
    for dialect, sim in zip(DIALECTS, cameras, strict=True):
        assert any(f"127.0.0.1:{sim.port}, {dialect.name})" in label
                   for label in options.values()), (dialect, options)
        assert sim.requests, f"{dialect} was not fingerprinted"
        assert credentialed(sim) == [], f"a login went to {dialect} before the form"

    pick = next(key for key, label in options.items() if f":{cameras[2].port}," in label)
    result = dict(await hass.config_entries.flow.async_configure(
        result["flow_id"], {"camera": pick}))
    assert result["step_id"] == "discovered"
    assert result["description_placeholders"]["dialect"] == "cgi_action"
    assert credentialed(cameras[2]) == []

    result = dict(await hass.config_entries.flow.async_configure(
        result["flow_id"], {"username": USERNAME, "password": PASSWORD}))
    await settle(hass)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_DIALECT] == "cgi_action"
    assert result["data"]["port"] == cameras[2].port


async def test_manual_entry_is_one_click_away(
    hass: HomeAssistant, uid_sim: UidXmlSim, probe_here: WsDiscoveryResponder
) -> None:
    probe_here.devices = [device_of(uid_sim)]
    result = await _start(hass)
    assert result["step_id"] == "pick"

    result = dict(await hass.config_entries.flow.async_configure(
        result["flow_id"], {"camera": "manual"}))
    assert result["step_id"] == "user"
    assert len(probe_here.probes) == 2  # one probe (sent twice), not one per form

    result = dict(await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"host": uid_sim.host, "port": uid_sim.port, "username": USERNAME,
         "password": PASSWORD, "ssl": False, "verify_ssl": True}))
    await settle(hass)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_nothing_found_shows_manual_entry(
    hass: HomeAssistant, probe_here: WsDiscoveryResponder
) -> None:
    probe_here.silent = True
    result = await _start(hass)
    assert result["step_id"] == "user"


async def test_probe_off_or_unsendable_shows_manual_entry(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(discovery, "PROBE_TARGETS", ())
    assert (await _start(hass))["step_id"] == "user"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.bind(("10.10.10.10", 0))
        except OSError:
            pass
        else:
            pytest.skip("this machine has 10.10.10.10: the real probe would go out")
    # The real path: multicast from each interface Home Assistant uses. The test
    # environment's only one (10.10.10.10) does not exist, so nothing can be sent.
    monkeypatch.setattr(discovery, "PROBE_TARGETS", None)
    assert (await _start(hass))["step_id"] == "user"
    assert "WS-Discovery cannot send from 10.10.10.10" in caplog.text


async def test_no_interface_means_no_probe(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def loopback_only(hass: HomeAssistant) -> list[object]:
        return [ipaddress.IPv4Address("127.0.0.1"), ipaddress.IPv6Address("::1")]

    monkeypatch.setattr(discovery, "PROBE_TARGETS", None)
    monkeypatch.setattr(network, "async_get_enabled_source_ips", loopback_only)
    assert (await _start(hass))["step_id"] == "user"


async def test_a_camera_too_slow_to_fingerprint_is_left_out(
    hass: HomeAssistant, uid_sim: UidXmlSim, probe_here: WsDiscoveryResponder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(discovery, "_FINGERPRINT_BUDGET", 0.2)
    probe_here.devices = [device_of(uid_sim)]
    uid_sim.hang("/cgi-bin/getinfo")

    assert (await _start(hass))["step_id"] == "user"


async def test_cameras_at_configured_addresses_are_not_offered(
    hass: HomeAssistant, uid_sim: UidXmlSim, probe_here: WsDiscoveryResponder
) -> None:
    MockConfigEntry(domain=DOMAIN, unique_id="f0:00:00:29:06:9f",
                    data=entry_data(uid_sim, "uid_xml")).add_to_hass(hass)
    MockConfigEntry(domain=DOMAIN, unique_id="00:1c:27:00:00:09",
                    source=config_entries.SOURCE_IGNORE, data={}).add_to_hass(hass)
    probe_here.devices = [device_of(uid_sim),
                          Device(xaddr=_xaddr(uid_sim.port + 1), mac="00:1c:27:00:00:09")]

    assert (await _start(hass))["step_id"] == "user"


# -- a configured camera that claims a new address (issue 17.1) ------------------------


@pytest.fixture
async def moved_entry(hass: HomeAssistant, uid_sim: UidXmlSim) -> MockConfigEntry:
    entry = MockConfigEntry(domain=DOMAIN, title="Garden", unique_id="f0:00:00:29:06:9f",
                            data=entry_data(uid_sim, "uid_xml", host=OLD_HOST))
    entry.add_to_hass(hass)  # not set up: its old address is never contacted
    return entry


async def _pick_moved(hass: HomeAssistant) -> dict[str, Any]:
    result = await _start(hass)
    assert result["step_id"] == "pick"
    options = _options(result)
    moved = [key for key in options if key.startswith("moved")]
    assert len(moved) == 1, options
    assert options[moved[0]].startswith(f"Garden: {OLD_HOST} → 127.0.0.1:")
    return dict(await hass.config_entries.flow.async_configure(
        result["flow_id"], {"camera": moved[0]}))


async def test_a_moved_camera_moves_with_its_stored_login(
    hass: HomeAssistant, uid_sim: UidXmlSim, moved_entry: MockConfigEntry,
    probe_here: WsDiscoveryResponder,
) -> None:
    probe_here.devices = [device_of(uid_sim)]

    result = await _pick_moved(hass)
    assert result["step_id"] == "moved"
    assert result["description_placeholders"]["old_host"] == OLD_HOST
    assert credentialed(uid_sim) == []

    result = dict(await hass.config_entries.flow.async_configure(
        result["flow_id"], {"username": USERNAME, "password": PASSWORD}))
    await settle(hass)

    assert result["reason"] == "address_updated"
    assert moved_entry.data["host"] == uid_sim.host
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


async def test_a_device_claiming_a_configured_mac_gets_no_entry(
    hass: HomeAssistant, moved_entry: MockConfigEntry, probe_here: WsDiscoveryResponder
) -> None:
    """A rogue announcing the camera's MAC, with its own login: nothing moves, and it
    never receives the stored password."""
    rogue = UidXmlSim(variant="000", username=USERNAME, password="rogue-password", ptz=True)
    await rogue.start()
    try:
        probe_here.devices = [device_of(rogue)]
        result = await _pick_moved(hass)
        result = dict(await hass.config_entries.flow.async_configure(
            result["flow_id"], {"username": USERNAME, "password": "rogue-password"}))
    finally:
        await rogue.stop()

    assert result["reason"] == "already_configured_elsewhere"
    assert moved_entry.data["host"] == OLD_HOST
    assert moved_entry.data["password"] == PASSWORD
    seen = " ".join(" ".join(r.query.values()) for r in rogue.requests)
    assert PASSWORD not in seen


async def test_a_device_claiming_a_working_cameras_mac_is_not_offered(
    hass: HomeAssistant, uid_sim: UidXmlSim, probe_here: WsDiscoveryResponder
) -> None:
    """The configured camera answers where it is: whoever else claims its MAC has not
    "moved", and is not offered at all (it would only collect the stored login)."""
    await setup_entry(hass, uid_sim)
    rogue = UidXmlSim(variant="000", username=USERNAME, password="rogue-password", ptz=True)
    await rogue.start()
    try:
        probe_here.devices = [device_of(rogue)]
        result = await _start(hass)
    finally:
        await rogue.stop()

    assert result["step_id"] == "user"
    assert credentialed(rogue) == []


# -- real multicast, inside a network namespace ---------------------------------------

_NS_SCRIPT = """
import asyncio, sys
sys.path.insert(0, {root!r})
from custom_components.cgi_camera.client.onvif.ws_discovery import MULTICAST, probe
from tests.sim.ws_discovery import Device, WsDiscoveryResponder

async def main():
    responder = WsDiscoveryResponder(
        [Device(xaddr="http://127.0.0.1:8899/onvif/device_service", mac="00:1c:27:56:11:64")],
        host="127.0.0.1", port=MULTICAST[1], group=MULTICAST[0])
    await responder.start()
    found = await probe([MULTICAST], sources=("127.0.0.1",), timeout=1.0)
    await responder.stop()
    print(sorted((d.host, d.port, d.mac) for d in found))

asyncio.run(main())
"""


@pytest.fixture
def namespace() -> Iterator[str]:
    """A network namespace of its own with only a loopback that routes multicast."""
    ip = shutil.which("ip")
    if ip is None or os.geteuid() != 0:
        pytest.skip("needs root and iproute2 to create a network namespace")
    name = f"cgi-wsd-{uuid.uuid4().hex[:8]}"
    made = subprocess.run([ip, "netns", "add", name], capture_output=True, text=True,
                          check=False)
    if made.returncode:
        pytest.skip(f"network namespaces unavailable: {made.stderr.strip()}")
    try:
        for args in (["link", "set", "lo", "up"], ["link", "set", "lo", "multicast", "on"],
                     ["route", "add", "224.0.0.0/4", "dev", "lo"]):
            subprocess.run([ip, "-n", name, *args], check=True, capture_output=True)
        yield name
    finally:
        subprocess.run([ip, "netns", "delete", name], check=False, capture_output=True)


def test_multicast_probe_in_a_network_namespace(namespace: str) -> None:
    """The real thing: a multicast Probe to 239.255.255.250:3702, answered by unicast
    (in a namespace whose only interface is its own loopback)."""
    done = subprocess.run(
        ["ip", "netns", "exec", namespace, sys.executable, "-c",
         _NS_SCRIPT.format(root=str(ROOT))],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[('127.0.0.1', 8899, '00:1c:27:56:11:64')]"
