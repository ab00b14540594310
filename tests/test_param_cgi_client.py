"""The param_cgi client against the simulator directly: codes, parsing, edge cases."""

from __future__ import annotations

import aiohttp
import pytest

from custom_components.cgi_camera.client import (
    Action,
    AuthError,
    CommandError,
    Credentials,
    NotSupported,
    PresetOp,
    ProtocolError,
    SettingKey,
    StreamKind,
    Timeout,
    detect,
    keyvalue as kv,
)
from custom_components.cgi_camera.client.dialects.param_cgi import ParamCgiCamera, _alarm_event
from custom_components.cgi_camera.client.models import AlarmKind, AlarmSource, Heartbeat
from tests.conftest import PASSWORD, USERNAME
from tests.sim.param_cgi import ParamCgiSim

CREDS = Credentials(USERNAME, PASSWORD)



async def _camera(session: aiohttp.ClientSession, sim: ParamCgiSim) -> ParamCgiCamera:
    camera = await detect(session, sim.host, sim.port, CREDS)
    assert isinstance(camera, ParamCgiCamera)
    return camera


def test_keyvalue_parsing() -> None:
    text = "a = 1\r\nnoequals\r\nb=x=y\r\npresetBegin=1\r\npresetID=1\r\nnext_presetURL =2\r\n"
    pairs = kv.parse(text + "presetID=2\r\npresetEnd=2\r\n")
    assert pairs[0] == ("a", "1") and ("b", "x=y") in pairs
    assert kv.loop(pairs, "preset") == [{"presetID": "1"}, {"presetID": "2"}]
    # A body cut before its End marker keeps the records that came.
    assert kv.loop(kv.parse("xBegin=1\nk=v\n"), "x") == [{"k": "v"}]
    assert kv.error_code("error, return=-8") == -8
    assert kv.error_code("Error, Return = -508\r\n") == -508
    assert kv.error_code("OK") is None
    assert kv.is_ok("Ok") and kv.is_ok("OK prot: 32768") and not kv.is_ok("error")


@pytest.mark.parametrize(
    ("record", "source", "active", "momentary"),
    [
        ({"alarmMajorType": "1", "alarmMinorType": "1", "sourceID": "2", "alarmFlag": "1"},
         AlarmSource(AlarmKind.IO_INPUT, 1, 2), True, False),
        ({"alarmMajorType": "1", "alarmMinorType": "2", "sourceID": "3", "alarmFlag": "0"},
         AlarmSource(AlarmKind.MOTION, 3), False, False),
        ({"alarmMajorType": "4", "alarmMinorType": "4", "sourceID": "1", "alarmFlag": "1"},
         AlarmSource(AlarmKind.DISK), True, True),
        ({"alarmMajorType": "4", "alarmMinorType": "1", "sourceID": "1", "alarmFlag": "1"},
         AlarmSource(AlarmKind.DISK), False, True),  # "disk status is normal"
        ({"alarmMajorType": "5", "alarmMinorType": "11", "sourceID": "1", "alarmFlag": "1"},
         AlarmSource(AlarmKind.RECORDING), False, False),  # "stop recording"
        ({"alarmMajorType": "7", "alarmMinorType": "17", "sourceID": "1", "alarmFlag": "1"},
         AlarmSource(AlarmKind.FIRE), True, True),
        ({"alarmMajorType": "7", "alarmMinorType": "1", "sourceID": "1", "alarmFlag": "1"},
         AlarmSource(AlarmKind.TEMPERATURE), True, True),
    ],
)
def test_alarm_record_mapping(
    record: dict[str, str], source: AlarmSource, active: bool, momentary: bool
) -> None:
    event = _alarm_event(record)
    assert event is not None
    assert (event.source, event.active, event.momentary) == (source, active, momentary)


def test_unknown_or_broken_records_are_skipped() -> None:
    assert _alarm_event({"alarmMajorType": "1", "alarmMinorType": "99"}) is None
    assert _alarm_event({"alarmMajorType": "x"}) is None


async def test_error_codes(session: aiohttp.ClientSession, ipc_sim: ParamCgiSim) -> None:
    camera = await _camera(session, ipc_sim)
    with pytest.raises(CommandError):
        await camera.write(SettingKey.BRIGHTNESS, 500)  # -8: bad value
    with pytest.raises(NotSupported):
        await camera.write(SettingKey.SD_FREE, 1)
    with pytest.raises(NotSupported):
        await camera.write(SettingKey.HUE, 1)
    with pytest.raises(CommandError):
        await camera.write(SettingKey.DAY_NIGHT_MODE, "dusk")
    ipc_sim.mark_unsupported("imaging", "brightness", "contrast", "saturation", "sharpness")
    # Unsupported groups disappear from the state; the rest keeps working.
    state = await camera.read_state()
    assert SettingKey.BRIGHTNESS not in state and SettingKey.WDR in state
    ipc_sim.fail("/cgi-bin/image.cgi", 404)
    with pytest.raises(NotSupported):
        await camera.snapshot()
    ipc_sim.clear_faults()
    assert (await camera.snapshot(StreamKind.SUB)).startswith(b"\xff\xd8")


async def test_locked_account_stops_all_requests(
    session: aiohttp.ClientSession, ipc_sim: ParamCgiSim
) -> None:
    camera = await _camera(session, ipc_sim)
    ipc_sim.lock_account()
    with pytest.raises(AuthError, match="locked"):
        await camera.read_state()
    requests = len(ipc_sim.requests)
    with pytest.raises(AuthError, match="not retried"):
        await camera.press(Action.REBOOT)
    with pytest.raises(AuthError):
        async for _ in camera.alarm_stream(5):
            pass  # pragma: no cover
    assert len(ipc_sim.requests) == requests  # nothing more reached the camera


async def test_ptz_presets_and_actions(
    session: aiohttp.ClientSession, ipc_sim: ParamCgiSim
) -> None:
    camera = await _camera(session, ipc_sim)
    assert camera.capabilities.ptz is not None
    await camera.ptz_preset(PresetOp.SET, 5)
    assert camera.capabilities.ptz.presets is not None
    assert 5 in camera.capabilities.ptz.presets
    await camera.ptz_preset(PresetOp.REMOVE, 5)
    assert 5 not in (camera.capabilities.ptz.presets or {})
    for action in (Action.PTZ_HOME, Action.PTZ_STOP, Action.SYNC_TIME, Action.RESET_IMAGE):
        await camera.press(action)
    assert ipc_sim.ptz_log[-1]["action"] == "stop"


async def test_nvr_channels_and_snapshots(
    session: aiohttp.ClientSession, nvr_sim: ParamCgiSim
) -> None:
    camera = await _camera(session, nvr_sim)
    assert sorted(camera.capabilities.channels) == [1, 2, 3, 4]
    image = await camera.snapshot(StreamKind.SUB, channel=3)
    assert image.startswith(b"\xff\xd8")
    assert camera.channel_rtsp_candidates(StreamKind.SUB, 554, 3)[0].endswith("/snl/live/3/2")
    with pytest.raises(NotSupported):
        async for _ in camera.alarm_stream(5):
            pass  # pragma: no cover
    nvr_sim.raise_alarm(1, 4, 2)
    assert (await camera.poll_alarms()).get(AlarmSource(AlarmKind.VIDEO_LOSS, 2)) is True
    nvr_sim.add_channel()
    assert await camera.refresh_channels() is True
    assert await camera.refresh_channels() is False


async def test_stream_cut_mid_part_and_silence(
    session: aiohttp.ClientSession, ipc_sim: ParamCgiSim
) -> None:
    camera = await _camera(session, ipc_sim)
    stream = camera.alarm_stream(0.5)
    assert isinstance(await anext(stream), Heartbeat)
    ipc_sim.drop_mid_part()
    ipc_sim.raise_alarm(1, 2, 1)
    with pytest.raises(ProtocolError):
        while True:
            await anext(stream)
    await stream.aclose()  # type: ignore[attr-defined]  # an async generator
    stream = camera.alarm_stream(0.5)
    assert isinstance(await anext(stream), Heartbeat)
    ipc_sim.silence(True)
    with pytest.raises(Timeout):
        while True:
            await anext(stream)
    await stream.aclose()  # type: ignore[attr-defined]  # an async generator


async def test_oversized_part_is_refused(
    session: aiohttp.ClientSession, ipc_sim: ParamCgiSim
) -> None:
    camera = await _camera(session, ipc_sim)
    stream = camera.alarm_stream(2)
    assert isinstance(await anext(stream), Heartbeat)
    ipc_sim.garbage_part(b"x=" + b"y" * 60_000 + b"\r\n" + b"z=" + b"w" * 60_000 + b"\r\n")
    with pytest.raises(ProtocolError):
        while True:
            await anext(stream)
    await stream.aclose()  # type: ignore[attr-defined]  # an async generator


async def test_wrong_password_on_a_maybe_host(session: aiohttp.ClientSession) -> None:
    # No body to recognise, only a 401: detection tries one login, which is refused.
    async with ParamCgiSim(username=USERNAME, password=PASSWORD, auth_status=401) as sim:
        with pytest.raises(AuthError):
            await detect(session, sim.host, sim.port, Credentials(USERNAME, "wrong"))
        assert sim.failed_logins == 1


async def test_query_auth_when_basic_is_ignored(session: aiohttp.ClientSession) -> None:
    # Basic ignored: the device answers "wrong user" (-507); the query form works.
    async with ParamCgiSim(username=USERNAME, password=PASSWORD, basic_auth=False) as sim:
        camera = await _camera(session, sim)
        assert (await camera.read_state(reuse_discovery=True))[SettingKey.BRIGHTNESS] == 1
        # Basic made no difference (the same "wrong user" as no credentials): no
        # password was judged, so no failed login.
        assert sim.failed_logins == 0 and camera.auth_scheme == "query"
