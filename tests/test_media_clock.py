"""The media browser in one clock: days and times on the camera's, said so, kinds translated."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
import json
from pathlib import Path

from homeassistant.components import media_source
from homeassistant.components.media_player.browse_media import BrowseMedia
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

import custom_components.cgi_camera
from custom_components.cgi_camera.client.clock import DeviceZone, utc_label, utc_offset
from custom_components.cgi_camera.clock_watch import CHECK_INTERVAL
from custom_components.cgi_camera.const import CONF_RTSP_PORT, DOMAIN
from tests.helpers import settle, setup_entry, until
from tests.sim.uid_xml import UidXmlSim

ROOT = f"media-source://{DOMAIN}"
_SELECTOR = json.loads(
    (Path(custom_components.cgi_camera.__file__).parent / "strings.json").read_text()
)["selector"]
KINDS: dict[str, str] = _SELECTOR["recording_kind"]["options"]
CLOCK: dict[str, str] = _SELECTOR["media_clock"]["options"]
EIGHT_EAST = timezone(timedelta(hours=8))  # the simulator's GMT+08:00


@pytest.fixture(autouse=True)
async def media(hass: HomeAssistant) -> None:
    assert await async_setup_component(hass, "media_source", {})


async def _node(hass: HomeAssistant, entry: MockConfigEntry, day: date | None = None
                ) -> tuple[str, list[BrowseMedia]]:
    """The camera's folder (or one of its days): its title and what it lists."""
    content_id = f"{ROOT}/{entry.entry_id}" + (f"/{day.isoformat()}" if day else "")
    node = await media_source.async_browse_media(hass, content_id)
    assert node.children is not None
    return node.title, list(node.children)


def _plain(titles: list[str]) -> None:
    """No raw translation key, placeholder or bare wire value in any title."""
    for title in titles:
        assert "component." not in title and "[%key" not in title, title
        assert "{" not in title and "}" not in title, title
        words = set(title.split())
        assert not words & {"motion", "alarm", "scheduled", "other"}, title


def _stated(zone: str, which: str = "camera") -> str:
    return CLOCK[which].replace("{zone}", zone)


async def test_a_clip_near_midnight_is_on_its_camera_day(
    hass: HomeAssistant, uid_sim: UidXmlSim
) -> None:
    # Home Assistant runs 16 hours behind this camera: 00:30 there is yesterday here.
    assert str(dt_util.get_default_time_zone()) == "US/Pacific"
    entry = await setup_entry(hass, uid_sim, options={CONF_RTSP_PORT: 1})
    camera = entry.runtime_data.camera
    assert camera.zone.reported
    assert camera.zone.offset(dt_util.utcnow()) == timedelta(hours=8)
    day = camera.today()
    assert day == dt_util.utcnow().astimezone(EIGHT_EAST).date()
    early = datetime.combine(day, time(0, 30))
    assert dt_util.as_local(early.replace(tzinfo=EIGHT_EAST)).date() != day
    uid_sim.add_recording(datetime.combine(day, time(23, 30)), record_mode=8)
    uid_sim.add_recording(early, record_mode=4)
    uid_sim.add_recording(datetime.combine(day, time(12, 0)), record_mode=16)  # unknown mode
    uid_sim.add_recording(datetime.combine(day, time(6, 0)), record_mode=2)

    uid_sim.clear_requests()
    days_title, days = await _node(hass, entry)
    assert days_title == f"{entry.title} ({_stated('UTC+08:00')})"
    assert days[0].title == day.isoformat()
    node_title, node = await _node(hass, entry, day)
    # The zone is the one its clock reads said: browsing asks the camera no time.
    assert uid_sim.count("/cgi-bin/time") == 0
    assert node_title == f"{entry.title} {day.isoformat()} ({_stated('UTC+08:00')})"
    titles = [child.title for child in node]
    assert titles == [
        f"00:30:00 {KINDS['motion']}",
        f"06:00:00 {KINDS['scheduled']}",
        f"12:00:00 {KINDS['other']}",
        f"23:30:00 {KINDS['alarm']}",
    ]
    _plain([days_title, node_title, *titles])
    # No dialect's recording list names a picture of the clip: no made-up thumbnail.
    assert all(child.thumbnail is None for child in node)


async def test_a_clip_begun_the_day_before_shows_its_date(
    hass: HomeAssistant, uid_sim: UidXmlSim
) -> None:
    """A camera may list a file under the day it ended in: its own date is shown."""
    entry = await setup_entry(hass, uid_sim, options={CONF_RTSP_PORT: 1})
    day = entry.runtime_data.camera.today()
    before = day - timedelta(days=1)
    uid_sim.garbage("/cgi-bin/get_record_query", (
        '<?xml version="1.0" encoding="UTF-8"?> <RecordQueryInfo> <items filepath='
        f'"/mnt/mmc0/schedule/{before:%Y%m%d}/235950-av-1.mp4 " filesize="1024" '
        f'record_mode="2" media_type="3" stream_index="1" start_time="{before} 23:59:50"/>'
        " </RecordQueryInfo>").encode())
    _, node = await _node(hass, entry, day)
    assert [c.title for c in node] == [
        f"{before.isoformat()} 23:59:50 {KINDS['scheduled']}"]


async def test_the_zone_follows_the_clock_read(hass: HomeAssistant, uid_sim: UidXmlSim) -> None:
    """The user moves the camera to UTC-03:30: the hourly clock check's read tells."""
    entry = await setup_entry(hass, uid_sim, options={CONF_RTSP_PORT: 1})
    camera = entry.runtime_data.camera
    uid_sim.time_cfg["timezone"] = "GMT-03:30"
    async_fire_time_changed(hass, dt_util.utcnow() + CHECK_INTERVAL)
    await until(lambda: camera.zone.offset(dt_util.utcnow()) == -timedelta(hours=3, minutes=30))
    await settle(hass)
    day = camera.today()
    assert day == dt_util.utcnow().astimezone(timezone(-timedelta(hours=3.5))).date()
    uid_sim.add_recording(datetime.combine(day, time(23, 45, 1)), record_mode=4)
    days_title, _ = await _node(hass, entry)
    assert days_title == f"{entry.title} ({_stated('UTC-03:30')})"
    _, node = await _node(hass, entry, day)
    assert [c.title for c in node] == [f"23:45:01 {KINDS['motion']}"]


@pytest.mark.parametrize("answer", ["no zone", "GMT+15:00", "no clock"])
async def test_a_camera_that_names_no_zone_is_read_in_home_assistants(
    hass: HomeAssistant, uid_sim: UidXmlSim, answer: str
) -> None:
    if answer == "no clock":
        uid_sim.fail("/cgi-bin/time", 404)  # firmware without /cgi-bin/time
    else:
        uid_sim.time_cfg["timezone"] = "" if answer == "no zone" else answer
    entry = await setup_entry(hass, uid_sim, options={CONF_RTSP_PORT: 1})
    camera = entry.runtime_data.camera
    home = dt_util.get_default_time_zone()
    assert camera.zone == DeviceZone(home, reported=False)
    day = camera.today()
    assert day == dt_util.now().date()
    uid_sim.add_recording(datetime.combine(day, time(0, 30)), record_mode=4)
    days_title, days = await _node(hass, entry)
    stated = _stated("US/Pacific", "home_assistant")
    assert days_title == f"{entry.title} ({stated})"
    assert days[0].title == day.isoformat()
    node_title, node = await _node(hass, entry, day)
    assert node_title == f"{entry.title} {day.isoformat()} ({stated})"
    assert [c.title for c in node] == [f"00:30:00 {KINDS['motion']}"]
    _plain([days_title, node_title, node[0].title])


async def test_titles_in_a_language_without_its_own_file(
    hass: HomeAssistant, uid_sim: UidXmlSim
) -> None:
    """A language the integration has no file for reads English, never a key."""
    hass.config.language = "de"
    entry = await setup_entry(hass, uid_sim, options={CONF_RTSP_PORT: 1})
    day = entry.runtime_data.camera.today()
    uid_sim.add_recording(datetime.combine(day, time(9, 0)), record_mode=8)
    node_title, node = await _node(hass, entry, day)
    assert [c.title for c in node] == [f"09:00:00 {KINDS['alarm']}"]
    _plain([node_title, node[0].title])


def test_every_recording_kind_and_clock_is_worded() -> None:
    from custom_components.cgi_camera.client import RecordingKind

    assert set(KINDS) == {kind.value for kind in RecordingKind}
    assert set(CLOCK) == {"camera", "home_assistant"}
    assert all("{zone}" in text for text in CLOCK.values())


def test_offsets_read_as_people_write_them() -> None:
    assert utc_label(timedelta(hours=8)) == "UTC+08:00"
    assert utc_label(-timedelta(hours=3, minutes=30)) == "UTC-03:30"
    assert utc_label(timedelta(0)) == "UTC+00:00"
    assert utc_label(timedelta(hours=5, minutes=45)) == "UTC+05:45"
    assert utc_offset(-720) == -timedelta(hours=12)
    assert utc_offset(840) == timedelta(hours=14)
    assert utc_offset(-721) is None and utc_offset(900) is None
    fixed = DeviceZone.fixed(timedelta(hours=-5))
    assert fixed.reported and fixed.offset(dt_util.utcnow()) == timedelta(hours=-5)
