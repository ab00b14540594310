"""The param_cgi dialect in Home Assistant: flow, platforms, PTZ, push alarms, NVR channels."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant import config_entries
from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.cgi_camera.const import DOMAIN, EVENT_ALARM
from tests.conftest import PASSWORD, USERNAME
from tests.helpers import entity_id, settle, setup_entry, state_of, until
from tests.sim.param_cgi import ParamCgiSim

IPC = "00:12:34:56:78:9a"
NVR = "00:12:34:00:00:05"


async def _ipc(
    hass: HomeAssistant, sim: ParamCgiSim, *, enable_all: bool = True, **options: Any
) -> Any:
    entry = await setup_entry(hass, sim, "param_cgi", unique_id=IPC, options=options)
    if enable_all:  # including what is disabled by default
        registry = er.async_get(hass)
        for ent in er.async_entries_for_config_entry(registry, entry.entry_id):
            if ent.disabled_by is not None:
                registry.async_update_entity(ent.entity_id, disabled_by=None)
        await hass.config_entries.async_reload(entry.entry_id)
        await settle(hass)
    stream = entity_id(hass, "binary_sensor", "alarm_stream", IPC)
    await until(lambda: state_of(hass, stream).state == STATE_ON)
    return entry


def _state(hass: HomeAssistant, platform: str, key: str, prefix: str = IPC) -> str:
    return state_of(hass, entity_id(hass, platform, key, prefix)).state


async def _call(hass: HomeAssistant, domain: str, service: str, target: str, **data: Any) -> None:
    await hass.services.async_call(
        domain, service, {ATTR_ENTITY_ID: target, **data}, blocking=True
    )


async def test_flow_detects_ipc_with_one_login(hass: HomeAssistant, ipc_sim: ParamCgiSim) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    data = {"host": ipc_sim.host, "port": ipc_sim.port, "username": USERNAME,
            "password": "wrong", "ssl": False, "verify_ssl": True}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], data)
    assert result["errors"] == {"base": "invalid_auth"}
    assert ipc_sim.failed_logins == 1  # one attempt, one failed login: no lockout risk
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**data, "password": PASSWORD}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["dialect"] == "param_cgi"
    assert result["result"].unique_id == IPC
    assert ipc_sim.failed_logins == 1
    await hass.async_block_till_done()


async def test_query_parameter_auth_when_basic_is_refused(hass: HomeAssistant) -> None:
    async with ParamCgiSim(username=USERNAME, password=PASSWORD, basic_auth=False,
                           auth_status=401) as sim:
        entry = await setup_entry(hass, sim, "param_cgi", unique_id=IPC)
        assert entry.state is config_entries.ConfigEntryState.LOADED
        assert _state(hass, "number", "brightness") == "1"
        assert sim.failed_logins == 0
        await hass.config_entries.async_unload(entry.entry_id)


async def test_platforms(hass: HomeAssistant, ipc_sim: ParamCgiSim) -> None:
    await _ipc(hass, ipc_sim)
    assert not ipc_sim.dangerous_calls
    # Numbers with the seed's ranges; motion sensitivity from motionAlarmAbility.
    brightness = entity_id(hass, "number", "brightness", IPC)
    await _call(hass, "number", "set_value", brightness, value=70)
    assert _state(hass, "number", "brightness") == "70"
    path, query = ipc_sim.set_calls[-1]
    assert "imaging" in path and query["brightness"] == "70"
    # Read-modify-write: the siblings went along unchanged.
    assert query["contrast"] == "6" and "schemeID" in query
    sensitivity = state_of(hass, entity_id(hass, "number", "motion_sensitivity", IPC))
    low, high = ipc_sim.motion_ability
    assert (sensitivity.attributes["min"], sensitivity.attributes["max"]) == (low, high)
    # MirrorMode carries two switches in one number (bit 1 horizontal, bit 2 vertical).
    assert _state(hass, "switch", "mirror") == STATE_ON
    await _call(hass, "switch", "turn_off", entity_id(hass, "switch", "mirror", IPC))
    assert ipc_sim.set_calls[-1][1]["MirrorMode"] == "2"
    assert _state(hass, "switch", "flip") == STATE_ON
    await _call(hass, "switch", "turn_off", entity_id(hass, "switch", "motion_detection", IPC))
    assert ipc_sim.set_calls[-1][1]["motionDetectionEnableFlag"] == "0"
    # Selects.
    mode = entity_id(hass, "select", "day_night_mode", IPC)
    await _call(hass, "select", "select_option", mode, option="night")
    assert ipc_sim.set_calls[-1][1]["dayNightMode"] == "2"
    assert _state(hass, "select", "day_night_mode") == "night"
    # The write-only alarm output is an assumed-state switch.
    relay = entity_id(hass, "switch", "relay", IPC)
    await _call(hass, "switch", "turn_on", relay)
    assert ipc_sim.alarm_outputs.get(1) == 1
    assert state_of(hass, relay).attributes["assumed_state"] is True
    # Sensors and buttons.
    assert _state(hass, "sensor", "sd_card_status") == "normal"
    await _call(hass, "button", "press", entity_id(hass, "button", "trigger_alarm", IPC))
    await _call(hass, "button", "press", entity_id(hass, "button", "stop_alarm", IPC))
    assert [m["alarmFlag"] for m in ipc_sim.manual_alarms] == ["1", "2"]
    await _call(hass, "button", "press", entity_id(hass, "button", "autofocus", IPC))
    assert ipc_sim.ptz_log[-1]["action"] == "runAutoFocus"
    await _call(hass, "button", "press", entity_id(hass, "button", "reboot", IPC))
    assert ipc_sim.reboots == 1
    assert not ipc_sim.dangerous_calls


async def test_ptz_and_preset_select(hass: HomeAssistant, ipc_sim: ParamCgiSim) -> None:
    await _ipc(hass, ipc_sim)
    camera = entity_id(hass, "camera", "camera", IPC)
    await hass.services.async_call(
        DOMAIN, "ptz", {ATTR_ENTITY_ID: camera, "movement": "down_left", "speed": 100,
                        "duration": 0}, blocking=True,
    )
    assert ipc_sim.ptz_log[-1] == {"cameraID": "1", "action": "rotate", "pan": "-63",
                                   "tilt": "-63"}
    presets = entity_id(hass, "select", "ptz_preset", IPC)
    assert state_of(hass, presets).attributes["options"] == ["1: A", "2: sd", "3: fd"]
    await _call(hass, "select", "select_option", presets, option="2: sd")
    assert ipc_sim.ptz_log[-1]["action"] == "presetInvoke"
    assert ipc_sim.ptz_log[-1]["presetID"] == "2"
    await hass.services.async_call(
        DOMAIN, "ptz_preset", {ATTR_ENTITY_ID: camera, "action": "set", "preset": 9},
        blocking=True,
    )
    await hass.async_block_till_done()
    assert "9: 009" in state_of(hass, presets).attributes["options"]
    await hass.services.async_call(
        DOMAIN, "ptz_preset", {ATTR_ENTITY_ID: camera, "action": "remove", "preset": 9},
        blocking=True,
    )
    await hass.async_block_till_done()
    assert "9: 009" not in state_of(hass, presets).attributes["options"]


async def test_push_alarm_events_and_triggers(hass: HomeAssistant, ipc_sim: ParamCgiSim) -> None:
    await _ipc(hass, ipc_sim)
    assert _state(hass, "binary_sensor", "alarm_stream") == STATE_ON
    motion = entity_id(hass, "binary_sensor", "alarm_motion", IPC)
    events: list[Event] = []
    hass.bus.async_listen(EVENT_ALARM, callback(lambda event: events.append(event)))
    polls = ipc_sim.count("/cgi-bin/alarm.cgi")

    ipc_sim.raise_alarm(1, 2, 1)
    await until(lambda: state_of(hass, motion).state == STATE_ON)
    ipc_sim.clear_alarm(1, 2, 1)
    await until(lambda: state_of(hass, motion).state == STATE_OFF)
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, IPC)})
    assert device is not None
    assert [(e.data["kind"], e.data["active"], e.data["device_id"]) for e in events] == [
        ("motion", True, device.id), ("motion", False, device.id),
    ]
    # While the stream is up, nothing polls.
    assert ipc_sim.count("/cgi-bin/alarm.cgi") == polls

    # An IO input the device never declared appears as a new entity.
    ipc_sim.raise_alarm(1, 1, 2)
    await until(lambda: er.async_get(hass).async_get_entity_id(
        "binary_sensor", DOMAIN, f"{IPC}_alarm_io_input_2") is not None)

    # Device triggers are offered for the camera's alarms.
    from custom_components.cgi_camera.device_trigger import async_get_triggers

    triggers = await async_get_triggers(hass, device.id)
    assert {"motion_started", "motion_stopped", "io_input_started"} <= {
        t["type"] for t in triggers
    }


async def test_device_trigger_fires_automation(hass: HomeAssistant, ipc_sim: ParamCgiSim) -> None:
    from homeassistant.setup import async_setup_component

    await _ipc(hass, ipc_sim)
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, IPC)})
    assert device is not None
    calls: list[str] = []
    hass.services.async_register("test", "record", lambda call: calls.append(call.data["kind"]))
    assert await async_setup_component(hass, "automation", {"automation": [{
        "trigger": {"platform": "device", "domain": DOMAIN, "device_id": device.id,
                    "type": "motion_started"},
        "action": {"service": "test.record", "data": {"kind": "motion"}},
    }]})
    ipc_sim.raise_alarm(1, 2, 1)
    await until(lambda: calls == ["motion"])


async def test_momentary_events_turn_off_by_themselves(
    hass: HomeAssistant, ipc_sim: ParamCgiSim
) -> None:
    await _ipc(hass, ipc_sim, alarm_auto_off=1)
    ipc_sim.raise_alarm(6, 21, 1, end=False)  # a line crossing: no "ended" record
    key = f"{IPC}_alarm_line_crossing"
    await until(lambda: er.async_get(hass).async_get_entity_id("binary_sensor", DOMAIN, key)
                 is not None)
    line = er.async_get(hass).async_get_entity_id("binary_sensor", DOMAIN, key)
    assert line is not None
    await until(lambda: state_of(hass, line).state == STATE_ON)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=2))
    await until(lambda: state_of(hass, line).state == STATE_OFF)


async def test_stream_drop_reconnects_and_polls_the_gap(
    hass: HomeAssistant, ipc_sim: ParamCgiSim
) -> None:
    entry = await _ipc(hass, ipc_sim)
    alarms = entry.runtime_data.alarms
    motion = entity_id(hass, "binary_sensor", "alarm_motion", IPC)
    connects = ipc_sim.attach_connects
    ipc_sim.drop_streams()
    await until(lambda: not alarms.stream_connected)
    assert _state(hass, "binary_sensor", "alarm_stream") == STATE_OFF
    # An alarm raised while the stream was down is still seen (by the poll or the
    # reconnected stream's resync).
    ipc_sim.raise_alarm(1, 2, 1)
    await until(lambda: alarms.stream_connected)
    await until(lambda: state_of(hass, motion).state == STATE_ON)
    assert ipc_sim.attach_connects == connects + 1


async def test_silent_stream_is_treated_as_dead(hass: HomeAssistant, ipc_sim: ParamCgiSim) -> None:
    entry = await _ipc(hass, ipc_sim, alarm_idle_timeout=1)
    alarms = entry.runtime_data.alarms
    connects = ipc_sim.attach_connects
    ipc_sim.silence(True)
    await until(lambda: not alarms.stream_connected)
    ipc_sim.silence(False)
    await until(lambda: alarms.stream_connected and ipc_sim.attach_connects > connects)


async def test_split_writes_bursts_and_garbage(hass: HomeAssistant, ipc_sim: ParamCgiSim) -> None:
    entry = await _ipc(hass, ipc_sim)
    events: list[Event] = []
    hass.bus.async_listen(EVENT_ALARM, callback(lambda event: events.append(event)))
    ipc_sim.split_writes = True
    ipc_sim.garbage_part(b"\x00\xffnot=an alarm\r\n")
    records = [(1, 1, n % 4 + 1, 1 - (n // 4) % 2) for n in range(100)]
    expected: list[tuple[int, bool]] = []
    last: dict[int, bool] = {}
    for _, _, index, flag in records:
        if last.get(index, False) != bool(flag):
            expected.append((index, bool(flag)))
        last[index] = bool(flag)
    ipc_sim.burst(records, parts=7)
    # A motion alarm after the burst marks its end: whatever the burst brought has
    # arrived once it has (the stream is in order).
    ipc_sim.raise_alarm(1, 2, 1)
    await until(lambda: any(e.data["kind"] == "motion" for e in events))
    # Every change arrived, in order (the IO inputs flip in groups of four).
    changes = [(e.data["index"], e.data["active"]) for e in events
               if e.data["kind"] == "io_input"]
    assert changes == expected
    assert entry.runtime_data.alarms.stream_connected


async def test_attach_unsupported_falls_back_to_polling(hass: HomeAssistant) -> None:
    async with ParamCgiSim(username=USERNAME, password=PASSWORD, attach=False) as sim:
        entry = await setup_entry(hass, sim, "param_cgi", unique_id=IPC,
                                  options={"alarm_interval": 1})
        alarms = entry.runtime_data.alarms
        await until(lambda: not alarms.push)
        motion = entity_id(hass, "binary_sensor", "alarm_motion", IPC)
        sim.raise_alarm(1, 2, 1)
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=2))
        await until(lambda: state_of(hass, motion).state == STATE_ON)
        await hass.config_entries.async_unload(entry.entry_id)


async def test_password_changed_starts_reauth_without_lockout(
    hass: HomeAssistant, ipc_sim: ParamCgiSim
) -> None:
    entry = await _ipc(hass, ipc_sim, enable_all=False)
    ipc_sim.set_password("changed")
    ipc_sim.drop_streams()
    for seconds in (61, 122, 183, 244):
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds))
        await settle(hass)
    await until(lambda: bool(hass.config_entries.flow.async_progress_by_handler(DOMAIN)))
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == ["reauth"]
    # The stream and the settings poll each tried once, then stopped: no lockout.
    assert ipc_sim.failed_logins <= 2
    assert not ipc_sim.locked
    assert entry.state is config_entries.ConfigEntryState.LOADED


async def test_nvr_channels_are_child_devices(hass: HomeAssistant, nvr_sim: ParamCgiSim) -> None:
    entry = await setup_entry(hass, nvr_sim, "param_cgi", unique_id=NVR,
                              options={"alarm_interval": 1})
    registry = dr.async_get(hass)
    nvr = registry.async_get_device(identifiers={(DOMAIN, NVR)})
    assert nvr is not None
    children = [d for d in dr.async_entries_for_config_entry(registry, entry.entry_id)
                if d.via_device_id == nvr.id]
    assert len(children) == 4
    # Channel 1 reports the firmware default "Device" (the seed's example): it is named
    # after the recorder and its number; the others keep their own names.
    names = sorted(d.name or "" for d in children)
    assert f"{entry.title} channel 1" in names and "Device" not in names
    assert "Channel01" in names
    camera = entity_id(hass, "camera", "camera_ch3", NVR)
    camera_entry = er.async_get(hass).async_get(camera)
    assert camera_entry is not None and camera_entry.device_id is not None
    camera_device = registry.async_get(camera_entry.device_id)
    assert camera_device is not None and camera_device.via_device_id == nvr.id
    # Channel 3's motion is polled onto channel 3's device.
    motion3 = entity_id(hass, "binary_sensor", "alarm_motion_ch3", NVR)
    nvr_sim.raise_alarm(1, 2, 3)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=2))
    await until(lambda: state_of(hass, motion3).state == STATE_ON)
    # A channel added later appears at the next settings refresh, without a reload.
    nvr_sim.add_channel()
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=61))
    await hass.async_block_till_done(wait_background_tasks=True)
    await until(lambda: er.async_get(hass).async_get_entity_id(
        "camera", DOMAIN, f"{NVR}_camera_ch5") is not None)
    assert _state(hass, "camera", "camera_ch5", NVR) != STATE_UNAVAILABLE


async def test_routines_and_recording(hass: HomeAssistant, ipc_sim: ParamCgiSim) -> None:
    await _ipc(hass, ipc_sim)
    # Tours, scans and patterns the camera lists each get a button.
    await _call(hass, "button", "press", entity_id(hass, "button", "ptz_tour_0", IPC))
    assert ipc_sim.ptz_log[-1]["action"] == "tourRun"
    assert ipc_sim.ptz_log[-1]["tourID"] == "0"
    await _call(hass, "button", "press", entity_id(hass, "button", "ptz_scan_1", IPC))
    assert ipc_sim.ptz_log[-1]["action"] == "scanInvoke"
    await _call(hass, "button", "press", entity_id(hass, "button", "ptz_pattern_1", IPC))
    assert ipc_sim.ptz_log[-1]["action"] == "trackInvoke"
    name = state_of(hass, entity_id(hass, "button", "ptz_tour_0", IPC)).attributes
    assert "sdf" in name["friendly_name"]
    # The recording schedule switch repeats the ids its set requires.
    await _call(hass, "switch", "turn_on", entity_id(hass, "switch", "record_schedule", IPC))
    path, query = ipc_sim.set_calls[-1]
    assert "recordPolicy" in path
    assert query["RecordOpenFlag"] == "1" and "StreamId" in query and "DiskGroupId" in query
    # Recording status follows the camera's start/stop recording alarms.
    recording = entity_id(hass, "binary_sensor", "alarm_recording", IPC)
    assert state_of(hass, recording).state == STATE_OFF
    ipc_sim.raise_alarm(5, 10, 1)
    await until(lambda: state_of(hass, recording).state == STATE_ON)
    ipc_sim.raise_alarm(5, 11, 1)
    await until(lambda: state_of(hass, recording).state == STATE_OFF)


async def test_nvr_channel_settings(hass: HomeAssistant, nvr_sim: ParamCgiSim) -> None:
    await setup_entry(hass, nvr_sim, "param_cgi", unique_id=NVR)
    registry = er.async_get(hass)
    brightness2 = entity_id(hass, "number", "brightness_ch2", NVR)
    # On channel 2's device, written with cameraID=2 and no schemeID.
    brightness2_entry = registry.async_get(brightness2)
    assert brightness2_entry is not None and brightness2_entry.device_id is not None
    device = dr.async_get(hass).async_get(brightness2_entry.device_id)
    assert device is not None and (DOMAIN, f"{NVR}_ch2") in device.identifiers
    await _call(hass, "number", "set_value", brightness2, value=42)
    path, query = nvr_sim.set_calls[-1]
    assert "imaging" in path
    assert query["cameraID"] == "2" and "schemeID" not in query
    assert query["brightness"] == "42"
    assert state_of(hass, brightness2).state == "42"
    assert _state(hass, "number", "brightness_ch1", NVR) == "1"  # channel 1 untouched
    sensitivity = state_of(hass, entity_id(hass, "number", "motion_sensitivity_ch3", NVR))
    assert (sensitivity.attributes["min"], sensitivity.attributes["max"]) == (0, 3)
    motion4 = entity_id(hass, "switch", "motion_detection_ch4", NVR)
    await _call(hass, "switch", "turn_off", motion4)
    assert nvr_sim.set_calls[-1][1]["cameraID"] == "4"
    assert state_of(hass, motion4).state == STATE_OFF
    # A channel added later gets its settings too.
    nvr_sim.add_channel()
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=61))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert registry.async_get_entity_id("number", DOMAIN, f"{NVR}_brightness_ch5") is not None


async def test_repair_issue_when_the_stream_keeps_failing(
    hass: HomeAssistant, ipc_sim: ParamCgiSim, monkeypatch: pytest.MonkeyPatch
) -> None:
    from homeassistant.helpers import issue_registry as ir

    from custom_components.cgi_camera import alarms

    monkeypatch.setattr(alarms, "BACKOFF_MIN", 0.01)
    monkeypatch.setattr(alarms, "BACKOFF_MAX", 0.02)
    entry = await _ipc(hass, ipc_sim, enable_all=False)
    issue_id = f"alarm_stream_{entry.entry_id}"
    ipc_sim.fail("/cgi-bin/alarm.cgi", 503)  # the camera answers, its alarm CGI does not
    ipc_sim.drop_streams()
    registry = ir.async_get(hass)
    await until(lambda: registry.async_get_issue(DOMAIN, issue_id) is not None)
    issue = registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None and issue.translation_key == "alarm_stream_failing"
    # Still a push camera that is retrying, not one demoted to polling for good.
    assert entry.runtime_data.alarms.push
    ipc_sim.clear_faults()
    await until(lambda: entry.runtime_data.alarms.stream_connected)
    await hass.config_entries.async_unload(entry.entry_id)
    assert registry.async_get_issue(DOMAIN, issue_id) is None


async def test_only_a_vanished_channel_can_be_deleted(
    hass: HomeAssistant, nvr_sim: ParamCgiSim
) -> None:
    from custom_components.cgi_camera import async_remove_config_entry_device

    entry = await setup_entry(hass, nvr_sim, "param_cgi", unique_id=NVR)
    registry = dr.async_get(hass)

    def device(identifier: str) -> dr.DeviceEntry:
        found = registry.async_get_device(identifiers={(DOMAIN, identifier)})
        assert found is not None
        return found

    nvr_sim.channels.pop()  # channel 4 unbound from the recorder
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=61))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert 4 not in entry.runtime_data.camera.capabilities.channels
    assert _state(hass, "camera", "camera_ch4", NVR) == STATE_UNAVAILABLE
    assert _state(hass, "camera", "camera_ch3", NVR) != STATE_UNAVAILABLE
    assert not await async_remove_config_entry_device(hass, entry, device(NVR))
    assert not await async_remove_config_entry_device(hass, entry, device(f"{NVR}_ch1"))
    assert await async_remove_config_entry_device(hass, entry, device(f"{NVR}_ch4"))
