"""The ONVIF side channel against real dialect simulators: what each piece does when the
camera's ONVIF lacks an operation, answers junk or is another device.

The integration relies on these ending quietly (None, an empty list) so a camera with
a partial ONVIF still gets the parts it has.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cgi_camera.client import Credentials, StreamKind, connect
from custom_components.cgi_camera.client.alarm_feed import PollFeed
from custom_components.cgi_camera.client.models import AlarmReading
from custom_components.cgi_camera.client.onvif import Preset
from custom_components.cgi_camera.client.onvif.models import Subscription
from custom_components.cgi_camera.client.onvif.side_channel import (
    NotTheSameDevice,
    OnvifSideChannel,
    _on_host,
    numbered_presets,
)
from custom_components.cgi_camera.const import CONF_ONVIF, DOMAIN, ONVIF_AUTO
from custom_components.cgi_camera.onvif_link import _subscription
from tests.conftest import PASSWORD, USERNAME
from tests.dialects import DIALECTS
from tests.helpers import entry_data, settle, until
from tests.sim.onvif import OnvifCamera

CREDS = Credentials(USERNAME, PASSWORD)
UID_XML = next(d for d in DIALECTS if d.name == "uid_xml")
CGI_ACTION = next(d for d in DIALECTS if d.name == "cgi_action")


async def _open(session: aiohttp.ClientSession, sim: OnvifCamera, **kw: Any) -> OnvifSideChannel:
    return await OnvifSideChannel.open(
        session, sim.host, CREDS, mac=kw.pop("mac", "f0:00:00:29:06:9f"), serial=None,
        ports=[sim.port], usual_ports=(), **kw,
    )


async def test_another_device_at_the_address_is_not_used(session: aiohttp.ClientSession) -> None:
    async with UID_XML.make() as sim:
        with pytest.raises(NotTheSameDevice):
            await _open(session, sim, mac="02:00:00:00:00:01")


async def test_missing_operations_end_in_nothing(session: aiohttp.ClientSession) -> None:
    async with UID_XML.make() as sim:
        sim.onvif.unsupported |= {"GetProfiles"}
        channel = await _open(session, sim)
        assert channel.profiles == []
        assert channel.profile(StreamKind.MAIN) is None
        assert await channel.stream_url(StreamKind.MAIN, sim.host) is None
        assert await channel.presets() == []
        with pytest.raises(Exception, match="no ONVIF profile"):
            await channel.goto_preset("1")

    async with UID_XML.make() as sim:
        sim.onvif.unsupported |= {"GetStreamUri", "GetPresets", "GetEventProperties"}
        channel = await _open(session, sim)
        assert await channel.stream_url(StreamKind.SUB, sim.host) is None
        assert await channel.presets() == []
        feed, kinds = await channel.event_feed()
        assert kinds == frozenset()  # nothing announced: alarms appear when reported
        await feed.close()


async def test_releasing_a_subscription_that_is_gone_is_quiet(
    session: aiohttp.ClientSession,
) -> None:
    async with UID_XML.make() as sim:
        channel = await _open(session, sim)
        gone = Subscription(address=f"{sim.base_url}/onvif/subscription/none",
                            url=f"{sim.base_url}/onvif/subscription/none",
                            termination_time=None, current_time=None)
        await channel.release(gone)  # no exception: it is gone either way


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("rtsp://10.0.0.9:554/live/main", "rtsp://cam.local:554/live/main"),
        ("rtsp://user:pw@10.0.0.9/live", "rtsp://cam.local/live"),  # no login kept
        ("http://10.0.0.9/live", None),  # not a stream we play
        ("rtsp://10.0.0.9:99999/live", None),  # no such port
        ("rtsp://10.0.0.9", None),  # no path
    ],
)
def test_stream_urls_are_moved_onto_the_configured_host(uri: str, expected: str | None) -> None:
    assert _on_host(uri, "cam.local") == expected


def test_stream_urls_on_an_ipv6_host() -> None:
    assert _on_host("rtsp://[fe80::1]:554/x", "fd00::5") == "rtsp://[fd00::5]:554/x"


def test_presets_keep_numeric_tokens_and_number_the_rest() -> None:
    assert numbered_presets([Preset("1", "Door"), Preset("7", "")], object()) == {
        1: ("1", "Door"), 7: ("7", "7")}
    assert numbered_presets([Preset("Preset_A", "A"), Preset("9", "Nine")], object()) == {
        1: ("Preset_A", "A"), 2: ("9", "Nine")}


@pytest.mark.parametrize("stored", [None, "junk", {"address": "x"}, {"address": "a", "url": "u",
                                                                   "references": ["%%"]}])
def test_junk_in_the_subscription_store_is_ignored(stored: object) -> None:
    assert _subscription(stored) is None


async def test_poll_feed_reads_at_each_tick(session: aiohttp.ClientSession) -> None:
    """The poll as a feed: one reading per tick of the owner's clock."""
    async with CGI_ACTION.make() as sim:
        camera = await connect(session, "cgi_action", sim.host, sim.port, CREDS, rtsp_port=1)
        ticks = asyncio.Queue[None]()
        feed = PollFeed(camera, ticks.get)
        updates = feed.updates()
        ticks.put_nowait(None)
        first = await anext(updates)
        assert isinstance(first, AlarmReading)
        assert not any(first.states.values())
        assert feed.covers() == frozenset(s.kind for s in camera.capabilities.alarms)
        await feed.close()


async def test_unloading_while_onvif_is_still_being_looked_for(hass: HomeAssistant) -> None:
    """A camera that is slow to answer ONVIF: unloading cancels the look, nothing lingers."""
    async with UID_XML.make() as sim:
        sim.hang("/onvif/device_service")
        entry = MockConfigEntry(
            domain=DOMAIN, unique_id=UID_XML.unique_id, title="Test camera",
            data=entry_data(sim, "uid_xml"), options={CONF_ONVIF: ONVIF_AUTO, "rtsp_port": 1},
        )
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)  # not settled: still looking
        onvif = entry.runtime_data.onvif
        assert onvif is not None
        await until(lambda: sim.count("/onvif/") > 0)
        assert onvif.status == "searching"
        await hass.config_entries.async_unload(entry.entry_id)
        await settle(hass)
        assert onvif.channel is None
        assert sim.count("/onvif/") == 1  # the look stopped there
