"""param_cgi against an untrusted camera: logins, cut streams, counts and hostile values.

Issue 17 (defects 2, 3, 7, 8 and the query-string hardening) and issue 11 part 1, each
reproduced against the simulator over real sockets.
"""

from __future__ import annotations

import logging

import aiohttp
from homeassistant.const import STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest

from custom_components.cgi_camera.client import (
    AuthError,
    CameraError,
    CommandError,
    Credentials,
    ProtocolError,
    SettingKey,
    StreamKind,
    UnsupportedDevice,
    connect,
    detect,
    limits,
)
from custom_components.cgi_camera.client.dialects.param_cgi import (
    CHANNEL_GROUPS,
    RECORDER_GROUPS,
    ParamCgiCamera,
)
from custom_components.cgi_camera.client.models import AlarmKind, AlarmSource, Heartbeat
from custom_components.cgi_camera.const import CONF_RTSP_PORT
from tests.conftest import PASSWORD, USERNAME
from tests.helpers import entity_id, settle, setup_entry, state_of, until
from tests.sim.param_cgi import ChunkCut, ParamCgiSim

CREDS = Credentials(USERNAME, PASSWORD)
IPC = "00:12:34:56:78:9a"
NVR = "00:12:34:00:00:05"
LIMITS_LOGGER = "custom_components.cgi_camera.client.limits"



async def _connect(
    session: aiohttp.ClientSession, sim: ParamCgiSim, creds: Credentials = CREDS,
    hint: str | None = None,
) -> ParamCgiCamera:
    """As a config entry connects: the dialect known, so the host counts as identified."""
    camera = await connect(session, "param_cgi", sim.host, sim.port, creds, auth_hint=hint,
                           rtsp_port=1)  # nothing listens there: no RTSP login check
    assert isinstance(camera, ParamCgiCamera)
    return camera


def _query_logins(sim: ParamCgiSim) -> int:
    """Requests that carried the password in their query string."""
    return sum(1 for r in sim.requests if "password" in r.query)


def _warnings(caplog: pytest.LogCaptureFixture, what: str) -> int:
    return sum(1 for r in caplog.records
               if r.name == LIMITS_LOGGER and f"more {what} than" in r.getMessage())


# -- issue 17 defect 2: a cut chunked alarm stream ---------------------------------------


@pytest.mark.parametrize("mode", ["mid_chunk", "bad_size"])
async def test_cut_chunked_stream_is_a_camera_error(
    session: aiohttp.ClientSession, mode: ChunkCut
) -> None:
    async with ParamCgiSim(username=USERNAME, password=PASSWORD) as sim:
        sim.chunked_streams = True
        camera = await _connect(session, sim)
        # aiohttp leaves a stream with a broken chunk size hanging (its parser fails
        # but the body never ends): then the silence limit ends it, as a Timeout.
        stream = camera.alarm_stream(1)
        assert isinstance(await anext(stream), Heartbeat)
        sim.cut_chunk(mode)
        sim.raise_alarm(1, 2, 1)
        # aiohttp's ClientPayloadError comes out as the client's own error.
        with pytest.raises(CameraError):
            while True:
                await anext(stream)
        await stream.aclose()  # type: ignore[attr-defined]  # an async generator
        # The next subscription works and carries the next alarm.
        stream = camera.alarm_stream(5)
        assert isinstance(await anext(stream), Heartbeat)
        sim.raise_alarm(1, 1, 1)
        while isinstance(item := await anext(stream), Heartbeat):
            pass
        assert item.source == AlarmSource(AlarmKind.IO_INPUT, 1, 1) and item.active
        await stream.aclose()  # type: ignore[attr-defined]


async def test_cut_chunked_stream_reconnects_in_home_assistant(
    hass: HomeAssistant, ipc_sim: ParamCgiSim
) -> None:
    ipc_sim.chunked_streams = True
    entry = await setup_entry(hass, ipc_sim, "param_cgi", unique_id=IPC)
    alarms = entry.runtime_data.alarms
    assert alarms is not None
    await until(lambda: alarms.stream_connected)
    connects = ipc_sim.attach_connects
    ipc_sim.cut_chunk("mid_chunk")
    ipc_sim.raise_alarm(1, 1, 1)  # the record that is cut off
    await until(lambda: ipc_sim.attach_connects > connects and alarms.stream_connected,
                timeout=15)
    motion = entity_id(hass, "binary_sensor", "alarm_motion", IPC)
    ipc_sim.raise_alarm(1, 2, 1)
    await until(lambda: state_of(hass, motion).state == STATE_ON)


# -- issue 17 hardening and defect 7, issue 11 part 1: the login ------------------------


async def test_digest_camera_is_never_sent_basic(session: aiohttp.ClientSession) -> None:
    async with ParamCgiSim(username=USERNAME, password=PASSWORD, digest_auth=True) as sim:
        camera = await _connect(session, sim, hint="digest")
        assert (await camera.read_state(reuse_discovery=True))[SettingKey.BRIGHTNESS] == 1
        assert camera.auth_scheme == "digest"
        assert "basic" not in sim.auth_log and sim.failed_logins == 0
        # Without the hint too: the credential-less first request shows the challenge.
        sim.auth_log.clear()
        camera = await _connect(session, sim)
        assert "basic" not in sim.auth_log and camera.auth_scheme == "digest"


async def test_digest_refusal_is_final(session: aiohttp.ClientSession) -> None:
    async with ParamCgiSim(username=USERNAME, password=PASSWORD, digest_auth=True) as sim:
        with pytest.raises(AuthError):
            await _connect(session, sim, Credentials(USERNAME, "wrong"))
        assert sim.failed_logins == 1
        assert _query_logins(sim) == 0


async def test_digest_hint_never_downgrades(session: aiohttp.ClientSession) -> None:
    # It spoke Digest when it was added; whatever now asks for Basic gets nothing.
    async with ParamCgiSim(username=USERNAME, password=PASSWORD) as sim:
        with pytest.raises(AuthError, match="Digest"):
            await _connect(session, sim, hint="digest")
        assert set(sim.auth_log) == {"none"} and sim.failed_logins == 0


async def test_query_hint_sends_no_basic(session: aiohttp.ClientSession) -> None:
    async with ParamCgiSim(username=USERNAME, password=PASSWORD, basic_auth=False) as sim:
        camera = await _connect(session, sim, hint="query")
        assert camera.auth_scheme == "query"
        assert "basic" not in sim.auth_log
        assert sim.failed_logins == 0


async def test_basic_ignored_falls_back_to_the_query_form_once(
    session: aiohttp.ClientSession,
) -> None:
    async with ParamCgiSim(username=USERNAME, password=PASSWORD, basic_auth=False) as sim:
        camera = await _connect(session, sim)
        assert camera.auth_scheme == "query" and sim.failed_logins == 0
        assert sim.auth_log[:3] == ["none", "basic", "query"]
        # A wrong password there is one failed login, and final.
        with pytest.raises(AuthError):
            await _connect(session, sim, Credentials(USERNAME, "wrong"))
        assert sim.failed_logins == 1


@pytest.mark.parametrize(
    ("knobs", "creds"),
    [
        # A 401 with a Basic challenge (and no body) after our Basic: refused.
        ({"auth_status": 401, "bare_401": True}, Credentials(USERNAME, "wrong")),
        # "Wrong user" from a camera that challenged for Basic: its verdict.
        ({}, Credentials("nobody", PASSWORD)),
        ({"auth_status": 401}, Credentials("nobody", PASSWORD)),
    ],
    ids=["bare_401_after_challenge", "wrong_user", "wrong_user_401"],
)
async def test_refused_basic_is_never_retried_in_the_query(
    session: aiohttp.ClientSession, knobs: dict[str, object], creds: Credentials
) -> None:
    async with ParamCgiSim(username=USERNAME, password=PASSWORD, **knobs) as sim:  # type: ignore[arg-type]
        with pytest.raises(AuthError):
            await _connect(session, sim, creds)
        assert sim.failed_logins == 1
        assert _query_logins(sim) == 0


async def test_query_credentials_only_to_an_identified_host(
    session: aiohttp.ClientSession,
) -> None:
    # Bare 401s, no challenge, no error text: nothing tells detection it is param_cgi.
    async with ParamCgiSim(username=USERNAME, password=PASSWORD, basic_auth=False,
                           auth_status=401, bare_401=True) as sim:
        with pytest.raises(UnsupportedDevice):
            await detect(session, sim.host, sim.port, CREDS)
        assert _query_logins(sim) == 0
        # Known as param_cgi (a config entry): the seed's query form is used.
        camera = await _connect(session, sim)
        assert camera.auth_scheme == "query" and _query_logins(sim) > 0


async def test_open_device_login_is_not_verified(session: aiohttp.ClientSession) -> None:
    async with ParamCgiSim(username=USERNAME, password=PASSWORD, open_access=True) as sim:
        camera = await _connect(session, sim, Credentials(USERNAME, "any password"))
        assert camera.login_verified is False
        assert (await camera.read_state(reuse_discovery=True))[SettingKey.BRIGHTNESS] == 1
        assert sim.auth_log[0] == "none"
    async with ParamCgiSim(username=USERNAME, password=PASSWORD) as sim:
        camera = await _connect(session, sim)
        assert camera.login_verified is True


# -- issue 17 defect 3: camera-controlled counts -----------------------------------------


async def test_counts_are_capped_in_home_assistant(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    async with ParamCgiSim(username=USERNAME, password=PASSWORD, keepalive_interval=0.5) as sim:
        sim.alarm_in_num = 1500
        sim.presets = {n: f"p{n}" for n in range(1, 1501)}
        sim.tours = {n: (f"t{n}", [(1, 5, None)]) for n in range(40)}
        sim.scans = {n: f"s{n}" for n in range(40)}
        sim.tracks = {n: f"k{n}" for n in range(40)}
        entry = await setup_entry(hass, sim, "param_cgi", unique_id=IPC,
                                  options={CONF_RTSP_PORT: 1})
        entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        binary = [e for e in entities if e.domain == "binary_sensor"]
        buttons = [e for e in entities if e.domain == "button"]
        # The inputs, motion, recording, the audio alarm, the five kinds of the
        # simulator's analyses and the stream's health.
        assert len(binary) <= limits.MAX_ALARM_INPUTS + 9
        actions = [e for e in buttons if "ptz_preset_" not in e.unique_id
                   and "ptz_tour_" not in e.unique_id and "ptz_scan_" not in e.unique_id
                   and "ptz_pattern_" not in e.unique_id]
        assert len(buttons) <= limits.MAX_PRESETS + 3 * limits.MAX_ROUTINES + len(actions)
        presets = entity_id(hass, "select", "ptz_preset", IPC)
        assert len(state_of(hass, presets).attributes["options"]) <= limits.MAX_PRESETS
        for what in ("alarm inputs", "PTZ presets", "PTZ tours", "PTZ scans", "PTZ patterns"):
            assert _warnings(caplog, what) == 1, what
        await hass.config_entries.async_unload(entry.entry_id)


async def test_pushed_sources_of_other_channels_are_ignored(
    hass: HomeAssistant, ipc_sim: ParamCgiSim
) -> None:
    entry = await setup_entry(hass, ipc_sim, "param_cgi", unique_id=IPC,
                              options={CONF_RTSP_PORT: 1})
    alarms = entry.runtime_data.alarms
    assert alarms is not None
    await until(lambda: alarms.stream_connected)
    registry = er.async_get(hass)
    before = len([e for e in er.async_entries_for_config_entry(registry, entry.entry_id)
                  if e.domain == "binary_sensor"])
    # 300 channels' motion and 300 inputs, as a hostile camera might push them.
    ipc_sim.burst([(1, 2, n, 1) for n in range(1, 301)] + [(1, 1, n, 1) for n in range(1, 301)],
                  parts=20)
    recording = entity_id(hass, "binary_sensor", "alarm_recording", IPC)
    ipc_sim.raise_alarm(5, 10, 1)  # after the burst on the same stream: all of it is in
    await until(lambda: state_of(hass, recording).state == STATE_ON)
    await settle(hass)
    binary = [e for e in er.async_entries_for_config_entry(registry, entry.entry_id)
              if e.domain == "binary_sensor"]
    assert not [e for e in binary if "_ch" in e.unique_id]  # an IPC has one channel
    assert len(binary) <= before + limits.MAX_ALARM_INPUTS
    motion = entity_id(hass, "binary_sensor", "alarm_motion", IPC)
    assert state_of(hass, motion).state == STATE_ON  # its own channel still counts


async def test_nvr_channels_are_capped(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    async with ParamCgiSim(variant="nvr", username=USERNAME, password=PASSWORD, channels=300,
                           mac=NVR) as sim:
        entry = await setup_entry(hass, sim, "param_cgi", unique_id=NVR,
                                  options={CONF_RTSP_PORT: 1})
        devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
        assert len(devices) <= limits.MAX_CHANNELS + 1  # the channels and the recorder
        assert _warnings(caplog, "channels") == 1
        sim.clear_requests()
        await entry.runtime_data.coordinator.async_refresh()
        settings_reads = [r for r in sim.requests if r.path != "/cgi-bin/alarm.cgi"]
        # channelInfo, the recorder's groups and each kept channel's groups: no more.
        bound = 1 + len(RECORDER_GROUPS) + limits.MAX_CHANNELS * len(CHANNEL_GROUPS)
        assert len(settings_reads) <= bound
        await hass.config_entries.async_unload(entry.entry_id)


async def test_routines_and_inputs_are_capped_in_the_client(
    session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    async with ParamCgiSim(username=USERNAME, password=PASSWORD) as sim:
        sim.alarm_in_num = 1500
        sim.tours = {n: (f"t{n}", [(1, 5, None)]) for n in range(30)}
        camera = await _connect(session, sim)
        ptz = camera.capabilities.ptz
        assert ptz is not None
        assert len([k for k in ptz.routines if k.startswith("tour_")]) == limits.MAX_ROUTINES
        inputs = [s for s in camera.capabilities.alarms if s.kind is AlarmKind.IO_INPUT]
        assert len(inputs) == limits.MAX_ALARM_INPUTS
        # Re-reading does not log again: once per camera.
        await camera.read_state()
        assert _warnings(caplog, "alarm inputs") == 1


# -- issue 17 defect 8: hostile values --------------------------------------------------

HUGE = "9" * 5000


async def test_hostile_values_are_unknown_not_errors(
    session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with ParamCgiSim(username=USERNAME, password=PASSWORD) as sim:
        sim.hostile = {
            ("deviceinfo", "alarmInNum"): "1e999",
            ("deviceinfo", "alarmOutNum"): "nan",
            ("imaging", "brightness"): "inf",
            ("enhanceimage", "WDRvalue"): "1e999",
            ("scenemode", "MirrorMode"): "nan",
            ("daynight", "infraredIntensity"): HUGE,
            ("devicediskinfo", "diskTotalSize"): HUGE,
            ("devicediskinfo", "diskFreeSize"): "-inf",
            ("ptzcap", "presetMaxNum"): "inf",
            ("listpreset", "presetID"): "1e999",
            ("motionalarmability", "minSensitivity"): "nan",
            ("deviceport", "rtspPort"): "99999999999",
            ("microphone", "volume"): "\x00\x7f\u00ff",
        }
        camera = await _connect(session, sim)
        state = await camera.read_state(reuse_discovery=True)
        # Each junk value is unknown; its siblings are read as usual.
        assert SettingKey.BRIGHTNESS not in state and state[SettingKey.CONTRAST] == 6
        assert SettingKey.WDR_LEVEL not in state and state[SettingKey.WDR] is True
        assert SettingKey.MIRROR not in state and SettingKey.FLIP not in state
        assert SettingKey.IR_BRIGHTNESS not in state
        assert SettingKey.SD_TOTAL not in state and SettingKey.SD_FREE not in state
        assert state[SettingKey.SD_CARD_STATUS] == "normal"
        assert SettingKey.MICROPHONE_VOLUME not in state and state[SettingKey.AUDIO] is True
        ptz = camera.capabilities.ptz
        assert ptz is not None and ptz.preset_max == 400 and ptz.presets == {}
        sensitivity = camera.capabilities.settings[SettingKey.MOTION_SENSITIVITY]
        assert (sensitivity.minimum, sensitivity.maximum) == (1, 10)  # the table's range
        assert not [s for s in camera.capabilities.alarms if s.kind is AlarmKind.IO_INPUT]
        # An impossible rtspPort is ignored: the default is used.
        assert camera.rtsp_candidates(StreamKind.MAIN, 554)[0].startswith(
            f"rtsp://{sim.host}:554/")
        # Writing a switch whose current value is junk: the client's error, not ValueError.
        with pytest.raises(ProtocolError):
            await camera.write(SettingKey.MIRROR, False)
        # A clock of thousands of digits, an error code of thousands of digits.
        sim.hostile = {("datetime", "year"): HUGE}
        with pytest.raises(ProtocolError):
            await camera.read_clock()
        sim.fail_type("imaging", 200, f"error, return=-{HUGE}\r\n")
        with pytest.raises(CommandError):
            await camera.write(SettingKey.BRIGHTNESS, 5)
        assert "Traceback" not in caplog.text


async def test_hostile_alarm_records_are_skipped(session: aiohttp.ClientSession) -> None:
    async with ParamCgiSim(username=USERNAME, password=PASSWORD) as sim:
        camera = await _connect(session, sim)
        stream = camera.alarm_stream(5)
        assert isinstance(await anext(stream), Heartbeat)
        junk = (b"alarmInfoBegin=1\r\nalarmMajorType=1e999\r\nalarmMinorType=2\r\n"
                b"next_alarmInfoURL=2\r\nalarmMajorType=1\r\nalarmMinorType=2\r\n"
                b"sourceID=" + HUGE.encode() + b"\r\nalarmFlag=inf\r\n"
                b"next_alarmInfoURL=3\r\nalarmMajorType=1\r\nalarmMinorType=2\r\n"
                b"sourceID=-4\r\nalarmFlag=1\r\nalarmInfoEnd=3\r\n")
        sim.garbage_part(junk)
        sim.raise_alarm(1, 2, 1)
        while isinstance(item := await anext(stream), Heartbeat):
            pass
        assert item.source == AlarmSource(AlarmKind.MOTION) and item.active
        await stream.aclose()  # type: ignore[attr-defined]
