"""Issue 13 point 4: alarm entities that exist before the first alarm.

What a camera's configuration says it can raise (param_cgi's inputs, analyses and
audio alarm; every dialect's detection switches; the topics ONVIF announces) has its
binary sensor from set-up, off, wherever a feed can report that kind; what only the
first report reveals still appears then. Real simulators, real sockets.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cgi_camera import alarms as alarms_module
from custom_components.cgi_camera.client import limits
from custom_components.cgi_camera.client.contract import alarm_violations, declare_detections
from custom_components.cgi_camera.client.models import (
    AlarmKind,
    AlarmSource,
    Capabilities,
    ChannelInfo,
    Setting,
    SettingKey,
    SettingKind,
)
from custom_components.cgi_camera.const import CONF_RTSP_PORT, DOMAIN
from custom_components.cgi_camera.device_trigger import async_get_triggers
from tests.conftest import PASSWORD, USERNAME
from tests.dialects import DIALECTS, Dialect
from tests.helpers import entities_of, settle, setup_entry, setup_with_onvif, state_of, until
from tests.sim.onvif import ANALYTICS_TOPICS, DEFAULT_TOPICS, LINE
from tests.sim.param_cgi import ParamCgiSim

IPC = "00:12:34:56:78:9a"
NVR = "00:12:34:00:00:05"
FEEDS = ("alarm_stream", "onvif_events")
# The IPC simulator: one input (alarmInNum), motion, recording, the audio alarm, and
# the seed's list of smart analyses (0 perimeter, 1 smart motion, 7/8 tripwires,
# 10 multi-loitering, 29 fire and smoke; 14, 20, 21, 23 raise no kind we have).
IPC_DECLARED = {
    "motion", "io_input_1", "recording", "audio", "intrusion", "smart_motion",
    "line_crossing", "loitering", "fire",
}


def _alarm_keys(hass: HomeAssistant, entry: MockConfigEntry, prefix: str) -> dict[str, str]:
    """key -> entity id of every alarm sensor of the entry (not the feeds' health)."""
    found: dict[str, str] = {}
    for ent in entities_of(hass, entry):
        key = ent.unique_id.removeprefix(f"{prefix}_")
        if ent.domain == "binary_sensor" and key.startswith("alarm_") and key not in FEEDS:
            found[key.removeprefix("alarm_")] = ent.entity_id
    return found


async def _ipc(hass: HomeAssistant, sim: ParamCgiSim, **options: Any) -> MockConfigEntry:
    entry = await setup_entry(hass, sim, "param_cgi", unique_id=IPC,
                              options={CONF_RTSP_PORT: 1, **options})
    alarms = entry.runtime_data.alarms
    assert alarms is not None
    await until(lambda: alarms.stream_connected)
    return entry


@pytest.fixture
async def ipc() -> AsyncIterator[ParamCgiSim]:
    async with ParamCgiSim(username=USERNAME, password=PASSWORD,
                           keepalive_interval=0.5) as sim:
        yield sim


async def test_param_cgi_alarms_exist_off_before_the_first(
    hass: HomeAssistant, ipc: ParamCgiSim
) -> None:
    entry = await _ipc(hass, ipc)
    assert not ipc.alarms  # nothing happened on the camera yet
    found = _alarm_keys(hass, entry, IPC)
    assert set(found) == IPC_DECLARED
    # Off, not unavailable: the stream is up.
    assert {state_of(hass, e).state for e in found.values()} == {STATE_OFF}
    # Smart motion is there although the seed's analyses start switched off: an
    # automation can be written before the user switches one on.
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, IPC)})
    assert device is not None
    offered = {t["type"] for t in await async_get_triggers(hass, device.id)}
    assert {f"{k}_started" for k in ("intrusion", "smart_motion", "fire", "audio")} <= offered

    # A declared (momentary) analysis reports through the same entity...
    ipc.raise_alarm(6, 24, 1, end=False)  # perimeter intrusion
    await until(lambda: state_of(hass, found["intrusion"]).state == STATE_ON)
    # ...and a kind nothing declares (PIR: the seed has no PIR setting) on first sight.
    assert "pir" not in _alarm_keys(hass, entry, IPC)
    ipc.raise_alarm(1, 9, 1)
    await until(lambda: "pir" in _alarm_keys(hass, entry, IPC))
    await until(lambda: state_of(hass, _alarm_keys(hass, entry, IPC)["pir"]).state == STATE_ON)


async def test_an_ipc_without_analyses_declares_only_what_it_has(
    hass: HomeAssistant, ipc: ParamCgiSim
) -> None:
    ipc.intelligences = []  # the type is unknown there (-22)
    ipc.audio_alarm = False
    entry = await _ipc(hass, ipc)
    assert set(_alarm_keys(hass, entry, IPC)) == {"motion", "io_input_1", "recording"}


async def test_analyses_undecided_at_set_up_come_with_a_later_refresh(
    hass: HomeAssistant, ipc: ParamCgiSim
) -> None:
    ipc.fail_type("getSupportIntelligences", 500, "Internal Server Error")
    entry = await _ipc(hass, ipc)
    assert "intrusion" not in _alarm_keys(hass, entry, IPC)
    ipc.clear_type_faults()
    await entry.runtime_data.coordinator.async_refresh()  # re-asks what was undecided
    # With the stream's next keep-alive, not with the next alarm.
    await until(lambda: set(_alarm_keys(hass, entry, IPC)) == IPC_DECLARED)
    found = _alarm_keys(hass, entry, IPC)
    assert state_of(hass, found["intrusion"]).state == STATE_OFF


async def test_a_refresh_that_declares_more_adds_their_entities_at_once(
    hass: HomeAssistant,
) -> None:
    async with ParamCgiSim(username=USERNAME, password=PASSWORD,
                           keepalive_interval=600) as sim:  # no keep-alive meanwhile
        sim.fail_type("AudioAbnormal", 500, "Internal Server Error")
        entry = await _ipc(hass, sim)
        assert "audio" not in _alarm_keys(hass, entry, IPC)
        sim.clear_type_faults()
        sim.set_setting("imaging", "brightness", "77")  # the refresh brings news as well
        await entry.runtime_data.coordinator.async_refresh()
        await hass.async_block_till_done()
        assert state_of(hass, _alarm_keys(hass, entry, IPC)["audio"]).state == STATE_OFF
        await hass.config_entries.async_unload(entry.entry_id)


async def test_a_hostile_list_of_analyses_is_bounded(
    hass: HomeAssistant, ipc: ParamCgiSim, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Thousands of entries, every code the seed lists and junk: each kind once.
    ipc.intelligences = list(range(-5, 40)) * 60
    entry = await _ipc(hass, ipc)
    found = _alarm_keys(hass, entry, IPC)
    kinds = {"person", "object_left", "object_removed", "video_loss", "tamper"}
    assert set(found) == IPC_DECLARED | kinds
    await hass.config_entries.async_unload(entry.entry_id)
    await settle(hass)

    # The client's source limit holds whatever the camera lists (logged once)...
    monkeypatch.setattr(limits, "MAX_ALARM_SOURCES", 5)
    entry = await _ipc(hass, ipc)
    assert len(_alarm_keys(hass, entry, IPC)) == 5
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert sum("more alarm sources than the limit of 5" in w for w in warnings) == 1
    await hass.config_entries.async_unload(entry.entry_id)
    await settle(hass)

    # ...and the coordinator's, behind it.
    monkeypatch.setattr(limits, "MAX_ALARM_SOURCES", 256)
    monkeypatch.setattr(alarms_module, "MAX_ALARM_SOURCES", 4)
    entry = await _ipc(hass, ipc)
    assert len(_alarm_keys(hass, entry, IPC)) == 4


async def test_recorder_channels_are_declared_off(
    hass: HomeAssistant, nvr_sim: ParamCgiSim
) -> None:
    entry = await setup_entry(hass, nvr_sim, "param_cgi", unique_id=NVR,
                              options={CONF_RTSP_PORT: 1})
    found = _alarm_keys(hass, entry, NVR)
    channels = range(1, 5)
    assert set(found) == {f"{kind}_ch{n}" if n > 1 else kind
                          for kind in ("motion", "video_loss") for n in channels}
    assert {state_of(hass, e).state for e in found.values()} == {STATE_OFF}  # polled
    # A recorder only polls, which never sees an analysis' momentary record: not asked.
    assert not [p for p in nvr_sim.paths() if "getSupportIntelligences" in p]


@pytest.fixture(params=DIALECTS, ids=str)
def dialect(request: pytest.FixtureRequest) -> Dialect:
    param: Dialect = request.param
    return param


# Without ONVIF: what each dialect's own CGI reports, declared at set-up.
WITHOUT_ONVIF = {
    "uid_xml": set(),  # motion detection exists, but nothing here could report it
    "param_cgi": IPC_DECLARED,
    "cgi_action": {"io_input_1"},  # its motion, occlusion... only ONVIF reports
    "cgi_message": set(),
}


async def test_each_dialect_without_onvif(hass: HomeAssistant, dialect: Dialect) -> None:
    async with dialect.make() as sim:
        entry = await setup_entry(hass, sim, dialect.name, dialect.unique_id,
                                  options={CONF_RTSP_PORT: 1})
        found = _alarm_keys(hass, entry, dialect.unique_id)
        assert set(found) == WITHOUT_ONVIF[dialect.name]
        alarms = entry.runtime_data.alarms
        assert alarms is not None
        await until(lambda: all(state_of(hass, e).state == STATE_OFF for e in found.values()))
        # A detection nothing can report gets no entity that would stay unavailable.
        motion = AlarmSource(AlarmKind.MOTION)
        if dialect.name in ("uid_xml", "cgi_message", "cgi_action"):
            assert motion in alarms.camera.capabilities.declared_alarms
            assert motion not in alarms.sources
        await hass.config_entries.async_unload(entry.entry_id)


async def test_each_dialect_with_onvif(hass: HomeAssistant, dialect: Dialect) -> None:
    async with dialect.make() as sim:
        entry, _alarms = await setup_with_onvif(hass, sim, dialect.name, dialect.unique_id)
        await settle(hass)
        found = _alarm_keys(hass, entry, dialect.unique_id)
        # Announced by ONVIF (motion also declared by every CGI): there before any event.
        assert {"motion", "tamper"} <= set(found)
        # The inputs come with the subscription's first answer (each property's state).
        if sim.onvif.inputs:
            await until(lambda: "io_input_1" in _alarm_keys(hass, entry, dialect.unique_id))
        found = _alarm_keys(hass, entry, dialect.unique_id)
        assert WITHOUT_ONVIF[dialect.name] <= set(found)
        await until(lambda: all(state_of(hass, e).state == STATE_OFF for e in found.values()))
        if dialect.name == "cgi_action":
            # Declared by its CGI, but ONVIF does not announce the region alarm and no
            # feed reports fire: no entity.
            assert "intrusion" not in found and "fire" not in found
        # An event of a kind nobody announced appears when it is first seen.
        assert "line_crossing" not in found or dialect.name == "param_cgi"
        sim.onvif.send_event(LINE, {"VideoSourceConfigurationToken": "VideoSourceConfig_1",
                                    "Rule": "MyLineDetectorRule"}, {"ObjectId": "1"})
        await until(lambda: "line_crossing" in _alarm_keys(hass, entry, dialect.unique_id))
        await hass.config_entries.async_unload(entry.entry_id)


async def test_cgi_action_region_alarm_once_onvif_announces_it(hass: HomeAssistant) -> None:
    dialect = next(d for d in DIALECTS if d.name == "cgi_action")
    async with dialect.make() as sim:
        sim.onvif.topics = [*DEFAULT_TOPICS, *ANALYTICS_TOPICS]
        entry, _alarms = await setup_with_onvif(hass, sim, dialect.name, dialect.unique_id)
        await settle(hass)
        found = _alarm_keys(hass, entry, dialect.unique_id)
        assert "intrusion" in found and "fire" not in found
        assert state_of(hass, found["intrusion"]).state == STATE_OFF
        await hass.config_entries.async_unload(entry.entry_id)


def _switch(key: SettingKey) -> Setting:
    return Setting(key, SettingKind.BOOL)


def test_detection_switches_declare_their_alarm() -> None:
    caps = Capabilities()
    for key in (SettingKey.MOTION_DETECTION, SettingKey.NIGHT_MOTION_DETECTION,
                SettingKey.OCCLUSION_DETECTION, SettingKey.FIRE_DETECTION, SettingKey.IR_LIGHT):
        caps.add(_switch(key))
    declare_detections(caps)
    assert caps.declared_alarms == {
        AlarmSource(AlarmKind.MOTION), AlarmSource(AlarmKind.TAMPER),
        AlarmSource(AlarmKind.FIRE),
    }


def test_declared_alarms_beyond_the_device_break_the_contract() -> None:
    caps = Capabilities(channels={1: ChannelInfo(1), 2: ChannelInfo(2)})
    caps.alarms.add(AlarmSource(AlarmKind.MOTION, 2))
    assert alarm_violations(object(), caps) == []
    caps.declared_alarms |= {AlarmSource(AlarmKind.MOTION, 3),
                             AlarmSource(AlarmKind.IO_INPUT, 1, limits.MAX_ALARM_INPUTS + 1)}
    found = alarm_violations(object(), caps)
    assert any("motion_ch3 on a channel" in f for f in found), found
    assert any(f"past {limits.MAX_ALARM_INPUTS} inputs" in f for f in found), found
    caps.declared_alarms |= {AlarmSource(AlarmKind.MOTION, 1, n) for n in range(1, 300)}
    assert any("at most" in f for f in alarm_violations(object(), caps))

