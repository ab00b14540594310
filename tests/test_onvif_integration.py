"""ONVIF beside the CGI, in a real Home Assistant: events, streams, presets (issue 12).

Every dialect simulator also speaks ONVIF (tests/sim/onvif.py). These tests set an
entry up with ONVIF on and follow what a user sees: motion sensors on the families
whose CGI has no readable alarm state, the camera's own stream URL, the preset names,
and the failures (no ONVIF, a refused ONVIF login, a reboot, an unload) handled
without noise, leaks or a re-authentication.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from datetime import timedelta
import logging
from typing import Any

import aiohttp
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.cgi_camera import alarms as alarms_module
from custom_components.cgi_camera.alarms import AlarmCoordinator
from custom_components.cgi_camera.client import Credentials, Transport
from custom_components.cgi_camera.client.onvif import OnvifClient, find_onvif
from custom_components.cgi_camera.const import (
    CONF_ONVIF_PORT,
    CONF_RTSP_PORT,
    DOMAIN,
    EVENT_ALARM,
)
from custom_components.cgi_camera.onvif_link import STORE_KEY
from tests.conftest import PASSWORD, USERNAME
from tests.dialects import DIALECTS, Dialect
from tests.helpers import (
    ONVIF_ON,
    entity_id,
    entry_data,
    settle,
    setup_entry,
    setup_with_onvif,
    state_of,
    until,
)
from tests.sim.cgi_message import CgiMessageSim
from tests.sim.onvif import OnvifCamera
from tests.sim.param_cgi import ParamCgiSim
from tests.test_stream_finder import DescribeServer, _free_port

CREDS = Credentials(USERNAME, PASSWORD)


@pytest.fixture(params=DIALECTS, ids=str)
def dialect(request: pytest.FixtureRequest) -> Dialect:
    param: Dialect = request.param
    return param


@pytest.fixture
async def sim(dialect: Dialect) -> AsyncIterator[OnvifCamera]:
    async with dialect.make() as server:
        yield server


async def _setup(hass: HomeAssistant, sim: OnvifCamera, dialect: Dialect,
                 **options: Any) -> MockConfigEntry:
    entry = await setup_entry(hass, sim, dialect.name, dialect.unique_id,
                              options={**ONVIF_ON, **options})
    return entry


async def _setup_with_onvif(
    hass: HomeAssistant, sim: OnvifCamera, dialect: Dialect, **options: Any
) -> tuple[MockConfigEntry, AlarmCoordinator]:
    """Set up, then wait until the ONVIF events are connected."""
    return await setup_with_onvif(hass, sim, dialect.name, dialect.unique_id, **options)


def _events(hass: HomeAssistant) -> list[Event]:
    seen: list[Event] = []
    hass.bus.async_listen(EVENT_ALARM, callback(lambda event: seen.append(event)))
    return seen


async def test_onvif_motion_on_every_dialect(
    hass: HomeAssistant, sim: OnvifCamera, dialect: Dialect
) -> None:
    entry, _alarms = await _setup_with_onvif(hass, sim, dialect)
    # Announced by the camera: the sensor exists before the first event.
    motion = entity_id(hass, "binary_sensor", "alarm_motion", dialect.unique_id)
    onvif = entity_id(hass, "binary_sensor", "onvif_events", dialect.unique_id)
    assert state_of(hass, onvif).state == STATE_ON
    events = _events(hass)

    sim.onvif.set_motion(True)
    await until(lambda: state_of(hass, motion).state == STATE_ON)
    sim.onvif.set_motion(False)
    await until(lambda: state_of(hass, motion).state == STATE_OFF)

    motion_events = [(e.data["kind"], e.data["active"]) for e in events
                     if e.data["kind"] == "motion"]
    # Once each, whichever feed (the CGI's push on param_cgi, ONVIF) told first.
    assert motion_events == [("motion", True), ("motion", False)]
    device = entry.runtime_data.onvif
    assert device is not None and device.status.startswith("port ")
    assert sim.onvif.subscription_count == 1


async def test_unload_releases_the_subscription(
    hass: HomeAssistant, sim: OnvifCamera, dialect: Dialect
) -> None:
    entry, _alarms = await _setup_with_onvif(hass, sim, dialect)
    assert sim.onvif.subscription_count == 1
    await hass.config_entries.async_unload(entry.entry_id)
    await settle(hass)
    assert sim.onvif.subscription_count == 0


async def test_reboot_resubscribes_without_a_second_subscription(
    hass: HomeAssistant, sim: OnvifCamera, dialect: Dialect
) -> None:
    entry, _alarms = await _setup_with_onvif(hass, sim, dialect)
    sim.onvif.reboot()  # every subscription gone, as after a power cut
    motion = entity_id(hass, "binary_sensor", "alarm_motion", dialect.unique_id)
    sim.onvif.set_motion(True)
    await until(lambda: state_of(hass, motion).state == STATE_ON)
    assert sim.onvif.subscription_count == 1
    assert sim.onvif.peak_subscriptions == 1
    assert entry.state is ConfigEntryState.LOADED
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)


async def test_a_camera_without_onvif_costs_nothing(
    hass: HomeAssistant, dialect: Dialect, caplog: pytest.LogCaptureFixture
) -> None:
    async with dialect.make(onvif=False) as sim:
        entry = await setup_entry(
            hass, sim, dialect.name, dialect.unique_id,
            options={**ONVIF_ON, CONF_ONVIF_PORT: sim.port},
        )
        onvif = entry.runtime_data.onvif
        assert onvif is not None
        await until(lambda: onvif.status == "none")
        registry = er.async_get(hass)
        assert registry.async_get_entity_id(
            "binary_sensor", DOMAIN, f"{dialect.unique_id}_onvif_events") is None
        probes = [r for r in sim.requests if r.path.startswith("/onvif/")]
        assert len(probes) == 1  # one unauthenticated probe, nothing signed
        assert "Authorization" not in probes[0].headers
        assert not [r for r in caplog.records
                    if r.levelno > logging.DEBUG and "onvif" in r.getMessage().lower()]
        assert entry.state is ConfigEntryState.LOADED


async def test_a_refused_onvif_login_is_a_repair_issue_not_a_reauth(
    hass: HomeAssistant, dialect: Dialect
) -> None:
    async with dialect.make(onvif_password="only-for-onvif") as sim:
        entry = await _setup(hass, sim, dialect)
        issue_id = f"onvif_auth_{entry.entry_id}"
        registry = ir.async_get(hass)
        await until(lambda: registry.async_get_issue(DOMAIN, issue_id) is not None)
        assert entry.state is ConfigEntryState.LOADED
        assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        failed = sim.onvif.failed_logins
        assert failed <= 2  # one refusal (and its retry after the clock check) at most
        # The entry keeps working on its CGI.
        await entry.runtime_data.coordinator.async_refresh()
        assert entry.runtime_data.coordinator.last_update_success
        await hass.config_entries.async_remove(entry.entry_id)
        await settle(hass)
        assert registry.async_get_issue(DOMAIN, issue_id) is None


async def test_camera_clock_ten_minutes_off_still_authenticates(
    hass: HomeAssistant, sim: OnvifCamera, dialect: Dialect
) -> None:
    sim.onvif.clock_offset = 600.0
    await _setup_with_onvif(hass, sim, dialect)
    assert sim.onvif.failed_logins == 0


@pytest.mark.parametrize("dialect", [d for d in DIALECTS if d.onvif_port_key], ids=str,
                         indirect=True)
async def test_onvif_found_on_the_port_the_cgi_reports(
    hass: HomeAssistant, dialect: Dialect
) -> None:
    async with dialect.make(onvif_port="separate") as sim:
        entry, _alarms = await _setup_with_onvif(hass, sim, dialect)
        assert entry.data["onvif_found_port"] == sim.side_port


@pytest.mark.parametrize("name", ["uid_xml", "cgi_message"])
async def test_the_cameras_own_stream_url_comes_first(hass: HomeAssistant, name: str) -> None:
    """The CGI documents no live path for these: ONVIF's wins over our guesses."""
    dialect = next(d for d in DIALECTS if d.name == name)
    port = _free_port()
    async with dialect.make(rtsp_port=port) as sim, DescribeServer(port):
        sim.onvif.stream_paths = ("/onvif-main", "/onvif-sub")
        entry = await _setup(hass, sim, dialect, **{CONF_RTSP_PORT: port})
        data = entry.runtime_data
        await until(lambda: (data.stream_urls.get(1) or "").endswith("/onvif-main"))
        assert data.stream_urls[1] == f"rtsp://{sim.host}:{port}/onvif-main"


async def test_preset_names_replace_the_blind_buttons(hass: HomeAssistant) -> None:
    dialect = next(d for d in DIALECTS if d.name == "uid_xml")
    async with dialect.make() as sim:
        entry = await _setup(hass, sim, dialect)
        select = f"select.{entry.title.lower().replace(' ', '_')}_ptz_preset"
        # The select offers presets 1-5 by number until ONVIF names them; numeric
        # tokens keep their numbers (the CGI's numbers agree with them).
        await until(lambda: hass.states.get(select) is not None and state_of(
            hass, select).attributes["options"] == ["1: Door", "2: Gate", "3: Yard"])
        options = state_of(hass, select).attributes["options"]
        await hass.services.async_call(
            "select", "select_option", {"entity_id": select, "option": options[1]},
            blocking=True,
        )
        assert sim.onvif.last_preset == "2"  # through ONVIF, by its token
        registry = er.async_get(hass)
        buttons = [e for e in er.async_entries_for_config_entry(registry, entry.entry_id)
                   if e.unique_id.startswith(f"{dialect.unique_id}_ptz_preset_")
                   and e.domain == "button"]
        assert len(buttons) == len(sim.onvif.presets)  # named; the blind five are gone


async def test_cgi_action_io_poll_slows_while_onvif_covers_it(hass: HomeAssistant) -> None:
    dialect = next(d for d in DIALECTS if d.name == "cgi_action")
    async with dialect.make() as sim:
        _entry, alarms = await _setup_with_onvif(hass, sim, dialect, alarm_interval=1)
        assert alarms.update_interval == timedelta(seconds=alarms_module.RECONCILE_INTERVAL)
        sim.onvif.set_input(1, True)
        io = entity_id(hass, "binary_sensor", "alarm_io_input_1", dialect.unique_id)
        await until(lambda: state_of(hass, io).state == STATE_ON)
        # ONVIF down: the poll is back at its own pace, so nothing is missed.
        sim.onvif.refuse_pullpoint = True
        sim.onvif.expire_subscriptions()
        await until(lambda: not alarms.onvif_connected, timeout=120)
        assert alarms.update_interval == timedelta(seconds=1)


async def test_motion_stuck_on_is_turned_off_by_the_cap(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(alarms_module, "STUCK_AFTER", 30.0)
    dialect = next(d for d in DIALECTS if d.name == "cgi_message")
    async with dialect.make() as sim:
        await _setup_with_onvif(hass, sim, dialect)
        sim.onvif.motion_stuck = True
        sim.onvif.set_motion(True)
        motion = entity_id(hass, "binary_sensor", "alarm_motion", dialect.unique_id)
        await until(lambda: state_of(hass, motion).state == STATE_ON)
        sim.onvif.set_motion(False)  # lost: the firmware never sends it
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=31))
        await until(lambda: state_of(hass, motion).state == STATE_OFF)


async def test_unknown_topics_are_bus_events_without_entities(hass: HomeAssistant) -> None:
    dialect = next(d for d in DIALECTS if d.name == "uid_xml")
    async with dialect.make() as sim:
        entry, _alarms = await _setup_with_onvif(hass, sim, dialect)
        events = _events(hass)
        before = len(er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id))
        sim.onvif.send_event("tns1:Vendor/Thing/Happened", {}, {"State": "true"})
        await until(lambda: any(e.data["kind"] == "topic" for e in events))
        event = next(e for e in events if e.data["kind"] == "topic")
        assert event.data["topic"].endswith("Vendor/Thing/Happened")
        assert event.data["active"] is True
        after = len(er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id))
        assert after == before


async def test_onvif_off_in_the_options(hass: HomeAssistant, sim: OnvifCamera,
                                        dialect: Dialect) -> None:
    entry = await setup_entry(hass, sim, dialect.name, dialect.unique_id,
                              options={CONF_RTSP_PORT: 1})  # tests default to off
    await settle(hass)
    assert not [r for r in sim.requests if r.path.startswith("/onvif/")]
    onvif = entry.runtime_data.onvif
    assert onvif is not None and onvif.status == "off"
    motion = er.async_get(hass).async_get_entity_id(
        "binary_sensor", DOMAIN, f"{dialect.unique_id}_alarm_motion")
    if dialect.name in ("uid_xml", "cgi_message"):
        assert motion is None  # their CGI has no readable alarm state
    else:
        assert motion is None or state_of(hass, motion).state != STATE_UNAVAILABLE


async def test_a_subscription_a_crash_left_is_released_at_the_next_start(
    hass: HomeAssistant, hass_storage: dict[str, Any], session: aiohttp.ClientSession
) -> None:
    """The camera has few subscription slots: one left behind is freed, not leaked."""
    dialect = next(d for d in DIALECTS if d.name == "cgi_message")
    async with dialect.make() as sim:
        endpoint = await find_onvif(session, sim.host, [sim.port], usual_ports=())
        client = OnvifClient(Transport(session, sim.host, endpoint.port), CREDS,
                             device_url=endpoint.url, time_offset=endpoint.time_offset)
        await client.connect()
        leftover = await client.events.create_pull_point_subscription()
        assert sim.onvif.subscription_count == 1
        hass_storage[STORE_KEY] = {
            "version": 1, "minor_version": 1, "key": STORE_KEY,
            "data": {"crashed": {
                "address": leftover.address, "url": leftover.url,
                "references": [base64.b64encode(r).decode()
                               for r in leftover.reference_parameters],
            }},
        }
        entry = MockConfigEntry(
            domain=DOMAIN, entry_id="crashed", unique_id=dialect.unique_id, title="Test camera",
            data=entry_data(sim, dialect.name), options=ONVIF_ON,
        )
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
        await settle(hass)
        alarms = entry.runtime_data.alarms
        assert alarms is not None
        await until(lambda: alarms.onvif_connected)
        assert sim.onvif.subscription_count == 1  # ours only: the leftover is gone
        leftover_id = leftover.address.rstrip("/").rsplit("/", 1)[-1]
        assert all(leftover_id not in sub_id for sub_id in sim.onvif.subscriptions)
        await hass.config_entries.async_unload(entry.entry_id)
        await settle(hass)
        assert sim.onvif.subscription_count == 0


async def test_onvif_of_another_device_is_not_used(hass: HomeAssistant) -> None:
    dialect = next(d for d in DIALECTS if d.name == "uid_xml")
    async with dialect.make() as sim:
        sim.onvif.mac = "02:00:00:00:00:01"  # something else answers ONVIF there
        sim.onvif.serial = "ANOTHER-DEVICE"
        entry = await _setup(hass, sim, dialect)
        onvif = entry.runtime_data.onvif
        assert onvif is not None
        await until(lambda: onvif.status == "another device")
        assert er.async_get(hass).async_get_entity_id(
            "binary_sensor", DOMAIN, f"{dialect.unique_id}_onvif_events") is None
        assert sim.onvif.subscription_count == 0


async def test_onvif_password_changed_while_running(hass: HomeAssistant) -> None:
    """ONVIF refusing the login it had accepted: the password changed on the camera
    (it cannot tell an ONVIF-only change from the camera's): no channel sends it
    again, one re-authentication is asked (no repair issue), no storm (issue 16)."""
    dialect = next(d for d in DIALECTS if d.name == "cgi_message")
    async with dialect.make() as sim:
        entry, alarms = await _setup_with_onvif(hass, sim, dialect)
        sim.onvif.password = "changed-on-the-camera"
        sim.onvif.expire_subscriptions()
        await until(lambda: bool(hass.config_entries.flow.async_progress_by_handler(DOMAIN)))
        await until(lambda: not alarms.onvif_connected)
        assert sim.onvif.failed_logins == 1
        assert entry.runtime_data.camera.auth_refused is not None
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=10))
        await settle(hass)
        assert sim.onvif.failed_logins == 1  # not retried against the refusal
        assert len(hass.config_entries.flow.async_progress_by_handler(DOMAIN)) == 1
        registry = ir.async_get(hass)
        assert registry.async_get_issue(DOMAIN, f"onvif_auth_{entry.entry_id}") is None


async def test_recorder_channels_keep_their_own_streams(
    hass: HomeAssistant, nvr_sim: Any
) -> None:
    entry = await setup_entry(hass, nvr_sim, "param_cgi", "00:12:34:00:00:05",
                              options=ONVIF_ON)
    onvif = entry.runtime_data.onvif
    assert onvif is not None
    await until(lambda: onvif.status not in ("searching",))
    assert entry.runtime_data.camera.preferred_rtsp == {}


async def test_camera_clock_jumping_while_running_recovers_without_a_storm(
    hass: HomeAssistant, sim: OnvifCamera, dialect: Dialect
) -> None:
    """Where the core integration loops ~240 refused requests a minute, we re-read the
    camera's clock once and carry on."""
    _entry, alarms = await _setup_with_onvif(hass, sim, dialect)
    mark = len(sim.onvif.requests)
    sim.onvif.clock_offset = 600.0  # the camera's clock jumps ten minutes
    sim.onvif.expire_subscriptions()  # the next requests must be signed anew
    motion = entity_id(hass, "binary_sensor", "alarm_motion", dialect.unique_id)
    await until(lambda: alarms.onvif_connected and sim.onvif.subscription_count == 1)
    sim.onvif.set_motion(True)
    await until(lambda: state_of(hass, motion).state == STATE_ON)
    refused = [r for r in sim.onvif.requests[mark:] if r.fault]
    assert len(refused) <= 3, [r.operation for r in refused]
    assert len(sim.onvif.requests) - mark < 30


async def test_pull_point_refused_at_set_up_leaves_the_rest_working(
    hass: HomeAssistant, sim: OnvifCamera, dialect: Dialect
) -> None:
    sim.onvif.refuse_pullpoint = True
    entry = await _setup(hass, sim, dialect)
    onvif = entry.runtime_data.onvif
    alarms = entry.runtime_data.alarms
    assert onvif is not None and alarms is not None
    await until(lambda: onvif.status.startswith("port ") and alarms.has_onvif)
    await settle(hass)
    assert not alarms.onvif_connected
    onvif_sensor = entity_id(hass, "binary_sensor", "onvif_events", dialect.unique_id)
    assert state_of(hass, onvif_sensor).state == STATE_OFF
    assert entry.runtime_data.coordinator.last_update_success  # the CGI carries on
    sim.onvif.refuse_pullpoint = False  # the camera frees a slot: we get one later
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=2))
    await until(lambda: alarms.onvif_connected, timeout=120)


async def test_the_same_alarm_from_the_cgi_and_onvif_is_one_entity_and_one_event(
    hass: HomeAssistant,
) -> None:
    async with ParamCgiSim(username=USERNAME, password=PASSWORD, keepalive_interval=0.5) as sim:
        dialect = next(d for d in DIALECTS if d.name == "param_cgi")
        entry = await _setup(hass, sim, dialect)
        alarms = entry.runtime_data.alarms
        assert alarms is not None
        await until(lambda: alarms.onvif_connected and alarms.stream_connected)
        events = _events(hass)
        motion = entity_id(hass, "binary_sensor", "alarm_motion", dialect.unique_id)
        push = next(live for live in alarms.live if live.name == "push")
        sim.onvif.set_motion(True)  # ONVIF tells first
        await until(lambda: state_of(hass, motion).state == STATE_ON)
        sim.raise_alarm(1, 2, 1)  # then the CGI's push stream says the same
        await until(lambda: any(s.kind == "motion" for s in push.reported))
        sim.clear_alarm(1, 2, 1)  # the CGI tells the end first
        await until(lambda: state_of(hass, motion).state == STATE_OFF)
        sim.onvif.set_motion(False)
        # A marker after ONVIF's "off" (one feed is in order): it has been applied.
        sim.onvif.set_tamper(True)
        await until(lambda: any(e.data["kind"] == "tamper" for e in events))
        changes = [e.data["active"] for e in events if e.data["kind"] == "motion"]
        assert changes == [True, False]
        registry = er.async_get(hass)
        motion_entities = [e for e in er.async_entries_for_config_entry(registry, entry.entry_id)
                           if e.unique_id.endswith("_alarm_motion")]
        assert len(motion_entities) == 1


async def test_home_assistant_stopping_releases_the_subscription(
    hass: HomeAssistant, sim: OnvifCamera, dialect: Dialect
) -> None:
    """Stopping does not unload the entries: the camera's slot must be freed anyway."""
    await _setup_with_onvif(hass, sim, dialect)
    assert sim.onvif.subscription_count == 1
    await hass.async_stop()
    assert sim.onvif.count("Unsubscribe") == 1
    assert sim.onvif.subscription_count == 0


@pytest.mark.parametrize("fault", ["renew_refused", "huge_pull", "malformed_pull"])
async def test_hostile_or_refusing_pull_points_recover(
    hass: HomeAssistant, sim: OnvifCamera, dialect: Dialect, fault: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _entry, alarms = await _setup_with_onvif(hass, sim, dialect)
    live = next(feed for feed in alarms.live if feed.name == "onvif")
    if fault == "renew_refused":
        sim.onvif.refuse_renew = True
        sim.onvif.expire_subscriptions()  # what a refused renewal leads to
    else:
        if fault == "huge_pull":
            sim.onvif.huge_answer("PullMessages", times=1)
        else:
            sim.onvif.malformed_answer("PullMessages", times=1)
        sim.onvif.set_tamper(True)  # ends the pull under way: the next one is the bad one
        await until(lambda: live.drops >= 1)
    motion = entity_id(hass, "binary_sensor", "alarm_motion", dialect.unique_id)
    sim.onvif.set_motion(True)
    await until(lambda: state_of(hass, motion).state == STATE_ON)
    await until(lambda: alarms.onvif_connected)
    assert sim.onvif.subscription_count == 1
    # Handled: nothing of ours above info, no traceback of ours.
    ours = [r for r in caplog.records if r.name.startswith("custom_components")]
    assert not [r for r in ours if r.levelno >= logging.WARNING or r.exc_info]


async def test_an_event_service_left_out_of_the_service_list_is_used_anyway(
    hass: HomeAssistant,
) -> None:
    """PullPoint first, whatever the capabilities claim."""
    dialect = next(d for d in DIALECTS if d.name == "cgi_message")
    async with dialect.make() as sim:
        sim.onvif.unlisted = {"event_service"}
        await _setup_with_onvif(hass, sim, dialect)


async def test_a_camera_lost_and_back_logs_one_line_each_way(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """The ONVIF feed's drop and return are the camera's outage: the settings refresh
    reports it (one line lost, one back); the feed says nothing more above debug."""
    dialect = next(d for d in DIALECTS if d.name == "cgi_message")
    async with dialect.make() as sim:
        entry, alarms = await _setup_with_onvif(hass, sim, dialect)
        settings = entry.runtime_data.coordinator
        caplog.clear()
        with caplog.at_level(logging.INFO):
            await sim.go_offline()
            await until(lambda: not alarms.onvif_connected, timeout=120)
            async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=61))
            await until(lambda: not settings.last_update_success)
            await sim.go_online()
            async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=122))
            await until(lambda: settings.last_update_success)
            await until(lambda: alarms.onvif_connected, timeout=120)
            await settle(hass)
        ours = [r.getMessage() for r in caplog.records
                if r.name.startswith("custom_components") and r.levelno >= logging.INFO]
        assert len(ours) == 2, ours
        assert "recovered" in ours[1], ours


async def test_a_password_changed_on_the_camera_costs_one_failed_login(
    hass: HomeAssistant,
) -> None:
    """The settings refresh finds the login refused first: the ONVIF feed sends nothing
    more with it (no next pull, no Unsubscribe at the reload), so one change is one
    failed login, not one per protocol."""
    dialect = next(d for d in DIALECTS if d.name == "cgi_message")
    async with dialect.make() as sim:
        assert isinstance(sim, CgiMessageSim)
        entry, alarms = await _setup_with_onvif(hass, sim, dialect)
        pulls = sim.onvif.count("PullMessages")
        await until(lambda: sim.onvif.waiting_pulls == 1)  # the long poll waits
        sim.password = "changed-on-the-camera"  # CGI and ONVIF: one account
        await entry.runtime_data.coordinator.async_refresh()
        assert sim.failed_logins == 1
        sim.onvif.set_motion(True)  # would answer the pending poll: the next is signed
        await until(lambda: not alarms.onvif_connected)
        await settle(hass)
        await hass.config_entries.async_unload(entry.entry_id)
        await settle(hass)
        assert sim.onvif.failed_logins == 0
        assert sim.onvif.count("PullMessages") <= pulls + 1


async def test_a_feed_down_while_the_camera_answers_is_said_once_each_way(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not the camera's outage (its CGI answers): the feed's own lines, one each way."""
    monkeypatch.setattr(alarms_module, "FEED_REPORT_AFTER", -3600.0)  # no waiting here
    dialect = next(d for d in DIALECTS if d.name == "cgi_action")
    async with dialect.make() as sim:
        _entry, alarms = await _setup_with_onvif(hass, sim, dialect)
        with caplog.at_level(logging.INFO):
            sim.onvif.refuse_pullpoint = True
            sim.onvif.expire_subscriptions()
            await until(lambda: "is down" in caplog.text, timeout=120)
            sim.onvif.refuse_pullpoint = False
            await until(lambda: alarms.onvif_connected, timeout=120)
        ours = [r.getMessage() for r in caplog.records
                if r.name == alarms_module.__name__ and r.levelno >= logging.INFO]
        assert len(ours) == 2, ours
        assert "is down" in ours[0] and "is back" in ours[1], ours
