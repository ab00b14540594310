"""No exception ends the alarm listener silently (issue 17, defect 2, Home Assistant side).

Before: the listener caught only the client's errors, so anything else (an aiohttp
payload error a dialect did not map, a bug) ended its task while "Alarm stream" stayed
on, nothing reconnected and nothing polled: every later alarm was lost.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
import logging
from typing import Any

from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers.event import async_track_state_change_event
import pytest

from custom_components.cgi_camera import alarms as alarms_module
from custom_components.cgi_camera.client.models import AlarmEvent, Heartbeat
from tests.helpers import entity_id, setup_entry, state_of, until
from tests.sim.param_cgi import ParamCgiSim

IPC = "00:12:34:56:78:9a"
Stream = Callable[[float], AsyncIterator[AlarmEvent | Heartbeat]]


def _breaking(real: Stream, failures: int) -> tuple[Stream, list[int]]:
    """``real`` whose first ``failures`` connections raise RuntimeError once connected."""
    calls: list[int] = []

    async def stream(idle_timeout: float) -> AsyncIterator[AlarmEvent | Heartbeat]:
        calls.append(1)
        broken = len(calls) <= failures
        async for item in real(idle_timeout):
            yield item
            if broken and isinstance(item, Heartbeat):
                raise RuntimeError("a failure nobody foresaw")

    return stream, calls


def _tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == alarms_module.__name__ and r.exc_info]


async def test_unexpected_error_reconnects_and_the_next_alarm_arrives(
    hass: HomeAssistant, ipc_sim: ParamCgiSim, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(alarms_module, "BACKOFF_MIN", 0.01)
    monkeypatch.setattr(alarms_module, "BACKOFF_MAX", 0.02)
    entry = await setup_entry(hass, ipc_sim, "param_cgi", unique_id=IPC)
    data = entry.runtime_data
    alarms = data.alarms
    assert alarms is not None
    stream_sensor = entity_id(hass, "binary_sensor", "alarm_stream", IPC)
    motion = entity_id(hass, "binary_sensor", "alarm_motion", IPC)
    await until(lambda: state_of(hass, stream_sensor).state == STATE_ON)
    seen: list[str] = []

    @callback
    def _record(event: Event[EventStateChangedData]) -> None:
        if (new := event.data["new_state"]) is not None:
            seen.append(new.state)

    async_track_state_change_event(hass, stream_sensor, _record)
    stream, calls = _breaking(data.camera.alarm_stream, failures=2)
    monkeypatch.setattr(data.camera, "alarm_stream", stream)
    polls = ipc_sim.count("/cgi-bin/alarm.cgi")
    ipc_sim.drop_streams()  # the next connections go through the breaking stream

    await until(lambda: len(calls) >= 3 and alarms.stream_connected)
    # Each failure took the stream down (sensor off) and polled the gap.
    assert STATE_OFF in seen
    assert ipc_sim.count("/cgi-bin/alarm.cgi") > polls
    await until(lambda: state_of(hass, stream_sensor).state == STATE_ON)
    ipc_sim.raise_alarm(1, 2, 1)
    await until(lambda: state_of(hass, motion).state == STATE_ON)
    # Two failures in a row, one traceback: the next is logged once the stream is healthy.
    assert len(_tracebacks(caplog)) == 1
    assert "Test camera" in _tracebacks(caplog)[0].getMessage()

    # Cancellation still ends it, at unload.
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert not [
        task for task in hass._background_tasks
        if isinstance(task, asyncio.Task) and "alarm stream" in task.get_name()
        and not task.done()
    ]


async def test_unexpected_error_is_logged_again_after_a_healthy_stream(
    hass: HomeAssistant, ipc_sim: ParamCgiSim, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(alarms_module, "BACKOFF_MIN", 0.01)
    monkeypatch.setattr(alarms_module, "BACKOFF_MAX", 0.02)
    monkeypatch.setattr(alarms_module, "HEALTHY_AFTER", 0.0)  # every connection is healthy
    entry = await setup_entry(hass, ipc_sim, "param_cgi", unique_id=IPC)
    data = entry.runtime_data
    assert data.alarms is not None
    stream, calls = _breaking(data.camera.alarm_stream, failures=2)
    monkeypatch.setattr(data.camera, "alarm_stream", stream)
    ipc_sim.drop_streams()
    alarms: Any = data.alarms
    await until(lambda: len(calls) >= 3 and alarms.stream_connected)
    assert len(_tracebacks(caplog)) == 2
