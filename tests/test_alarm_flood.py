"""A camera flooding its alarm stream is bounded (issue 17: rate limits and source caps).

Before: every pushed record fired a ``cgi_camera_alarm`` event and wrote every alarm
entity, every momentary source got its own auto-off timer, and every new source
became an entity.
"""

from __future__ import annotations

from datetime import timedelta
import time

from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import Event, HassJob, HomeAssistant, callback
from homeassistant.util import dt as dt_util
from homeassistant.util.async_ import get_scheduled_timer_handles
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.cgi_camera import alarms as alarms_module
from custom_components.cgi_camera.alarms import EVENT_BURST, EVENT_RATE, TokenBucket
from custom_components.cgi_camera.const import EVENT_ALARM
from tests.helpers import entities_of, entity_id, setup_entry, state_of, until
from tests.sim.param_cgi import ParamCgiSim

IPC = "00:12:34:56:78:9a"
# The IPC reports motion, input 1 and recording itself; pushes add line crossing & co.
SOURCES = 6


def _auto_off_timers(hass: HomeAssistant) -> int:
    """Live timers that run a job of the alarm coordinator (``async_call_later``'s)."""
    found = 0
    for handle in get_scheduled_timer_handles(hass.loop):
        jobs = [arg for arg in getattr(handle, "_args", None) or () if isinstance(arg, HassJob)]
        if not handle.cancelled() and any(
            getattr(job.target, "__qualname__", "").startswith("AlarmCoordinator.")
            for job in jobs
        ):
            found += 1
    return found


async def test_flood_of_pushed_alarms_is_bounded(
    hass: HomeAssistant, ipc_sim: ParamCgiSim, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The client already ignores channels and inputs the camera does not have; a
    # small source limit shows the coordinator's own cap behind it.
    monkeypatch.setattr(alarms_module, "MAX_ALARM_SOURCES", SOURCES)
    # Only the sources the flood brings count here: no analyses or audio alarm declared.
    ipc_sim.intelligences = []
    ipc_sim.audio_alarm = False
    entry = await setup_entry(hass, ipc_sim, "param_cgi", unique_id=IPC)
    stream = entity_id(hass, "binary_sensor", "alarm_stream", IPC)
    await until(lambda: state_of(hass, stream).state == STATE_ON)
    events: list[Event] = []
    hass.bus.async_listen(EVENT_ALARM, callback(lambda event: events.append(event)))

    # Momentary kinds (no "ended" record): line crossing, tamper, intrusion, loitering,
    # each repeated; then inputs, then channels the camera does not have; motion last.
    # One record a part, as a camera sending them one by one would.
    momentary = [(6, minor, 1, 1) for _ in range(1500) for minor in (21, 23, 24, 26)]
    inputs = [(1, 1, index, 1) for index in range(1, 301)]
    channels = [(6, 21, channel, 1) for channel in range(2, 402)]
    records = [*momentary, *inputs, *channels, (1, 2, 1, 1)]
    started = time.monotonic()
    ipc_sim.burst(records, parts=len(records))
    motion = entity_id(hass, "binary_sensor", "alarm_motion", IPC)
    await until(lambda: state_of(hass, motion).state == STATE_ON, timeout=60)
    await hass.async_block_till_done()
    elapsed = time.monotonic() - started

    # The bus got a burst and then a trickle, not one event per record.
    assert len(events) <= EVENT_BURST + EVENT_RATE * elapsed + 1, (len(events), elapsed)
    assert len(events) >= EVENT_BURST  # the burst itself went out: no real alarm is dropped
    # At most MAX_ALARM_SOURCES sources got entities (plus the stream's own sensor).
    sensors = [e for e in entities_of(hass, entry) if e.domain == "binary_sensor"]
    assert len(sensors) == SOURCES + 1, [e.unique_id for e in sensors]
    # One auto-off timer for every momentary alarm of the camera, not one each.
    assert _auto_off_timers(hass) == 1
    # Each limit is reported once.
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert sum("more alarm sources than" in w for w in warnings) == 1, warnings
    assert sum("pushes alarms faster" in w for w in warnings) == 1, warnings
    # The entities kept up: the camera is still in line-crossing alarm...
    crossing = entity_id(hass, "binary_sensor", "alarm_line_crossing", IPC)
    assert state_of(hass, crossing).state == STATE_ON
    # ...until the one timer has turned every momentary alarm off.
    for _ in range(10):  # each firing ends what was due when it was set: a few do all
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=60))
        await hass.async_block_till_done()
    assert _auto_off_timers(hass) == 0
    await until(lambda: state_of(hass, crossing).state == STATE_OFF)


def test_token_bucket_lets_a_burst_pass_then_the_rate() -> None:
    now = [0.0]
    bucket = TokenBucket(rate=20.0, burst=3, clock=lambda: now[0])
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    now[0] += 0.05  # one token a twentieth of a second
    assert [bucket.take() for _ in range(2)] == [True, False]
    now[0] += 3600  # refills to the burst, never beyond it
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]


async def test_a_real_camera_loses_no_event(hass: HomeAssistant, ipc_sim: ParamCgiSim) -> None:
    """Every source switching on and off at once, twice, is far inside the limits."""
    await setup_entry(hass, ipc_sim, "param_cgi", unique_id=IPC)
    stream = entity_id(hass, "binary_sensor", "alarm_stream", IPC)
    await until(lambda: state_of(hass, stream).state == STATE_ON)
    events: list[Event] = []
    hass.bus.async_listen(EVENT_ALARM, callback(lambda event: events.append(event)))
    changes = [(1, 1, index, flag) for flag in (1, 0, 1, 0) for index in range(1, 17)]
    ipc_sim.burst(changes, parts=4)
    await until(lambda: len(events) == len(changes))
    assert [(e.data["index"], e.data["active"]) for e in events] == [
        (index, bool(flag)) for _, _, index, flag in changes
    ]
