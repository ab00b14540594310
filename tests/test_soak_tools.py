"""scripts/soak's schedule and judgement, and the simulators' slow-camera knobs."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
import time
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
import pytest

from scripts import soak
from scripts.bench import BenchError
from scripts.soak import CamInfo, Outage, Record
from tests.helpers import until
from tests.sim.__main__ import build_parser, make_slow
from tests.sim.base import SimServer
from tests.sim.cgi_message import CgiMessageSim
from tests.sim.param_cgi import ParamCgiSim


class EchoSim(SimServer):
    """The bare simulator: one path that answers "ok"."""

    def setup_routes(self, app: web.Application) -> None:
        async def ok(_request: web.Request) -> web.Response:
            return web.Response(text="ok")

        app.router.add_get("/x", ok)


# ------------------------------------------------------------------ the schedule


def test_the_schedule_is_a_function_of_seed_cameras_and_minutes() -> None:
    first = soak.make_schedule(7, 12, 10)
    assert soak.make_schedule(7, 12, 10) == first
    assert soak.make_schedule(8, 12, 10) != first
    assert first.faults and first.flips
    assert {f.kind for f in first.faults} <= set(soak.KINDS)


def test_one_fault_at_a_time_and_every_alarm_cleared_at_the_end() -> None:
    schedule = soak.make_schedule(3, 20, 12)
    end = schedule.seconds - soak.TAIL
    for cam in range(20):
        faults = [f for f in schedule.faults if f.camera == cam]
        for a, b in itertools.pairwise(faults):
            assert a.start + a.duration + soak.GRACE <= b.start
        assert all(f.start + f.duration <= end for f in faults)
        assert sum(1 for f in faults if f.kind == "password") <= 1
        flips = [f for f in schedule.flips if f.camera == cam]
        assert not flips or not flips[-1].on
        dark = [(f.start, f.start + f.duration) for f in faults
                if f.kind in ("power_cut", "reboot")]
        assert not any(a <= f.at < b for f in flips for a, b in dark)


# ------------------------------------------------------------------ the judgement


def info(index: int = 0) -> CamInfo:
    return CamInfo(index, "param_cgi", "binary_sensor.motion", ("binary_sensor.motion",),
                   ("binary_sensor.motion",), frozenset({"dev"}), ("127.0.0.1:1",))


def test_a_transition_during_an_outage_is_not_judged_one_after_it_is() -> None:
    record = Record()
    # Outage 100..110 s: its window lasts until 110 + GRACE.
    record.outages.append(Outage(0, "network_drop", 100.0, end=110.0))
    after = 110.0 + soak.GRACE + 1
    record.flips += [(10.0, 0, True), (20.0, 0, False), (105.0, 0, True), (after, 0, False),
                     (after + 10, 0, True), (after + 20, 0, False)]
    record.states += [
        (10.01, "binary_sensor.motion", "off", "on"),
        (20.01, "binary_sensor.motion", "on", "off"),
        # 105 s: nothing shown (not judged); recovery shows it later.
        (150.0, "binary_sensor.motion", "off", "on"),
        (after + 0.1, "binary_sensor.motion", "on", "off"),
        # after + 10: never shown (lost); after + 20: shown twice (a flap: duplicated).
        (after + 20.1, "binary_sensor.motion", "off", "on"),
        (after + 20.2, "binary_sensor.motion", "on", "off"),
        (after + 20.3, "binary_sensor.motion", "off", "on"),
    ]
    result = soak.judge_transitions([info()], record, end=after + 100)
    assert (result["made"], result["judged"]) == (6, 5)
    assert (result["delivered"], result["lost"], result["duplicated"]) == (4, 1, 1)


def test_duplicated_alarm_events_count_too() -> None:
    record = Record()
    record.flips.append((10.0, 0, True))
    record.states.append((10.01, "binary_sensor.motion", "off", "on"))
    record.events += [(10.01, "dev", "motion", 1, True), (10.02, "dev", "motion", 1, True),
                      (10.03, "other-device", "motion", 1, True)]
    result = soak.judge_transitions([info()], record, end=100.0)
    assert (result["delivered"], result["duplicated"], result["duplicate_events"]) == (1, 1, 1)


def test_recovery_waits_for_every_entity_and_the_right_alarm_state() -> None:
    record = Record()
    record.states += [(1.0, "binary_sensor.motion", None, "off"),
                      (50.0, "binary_sensor.motion", "off", "unavailable"),
                      (70.0, "binary_sensor.motion", "unavailable", "off"),
                      (72.0, "binary_sensor.motion", "off", "on")]
    record.flips.append((65.0, 0, True))  # raised while it was away
    record.outages.append(Outage(0, "power_cut", 40.0, end=60.0))
    (out,) = soak.judge_outages([info()], record, end=300.0)
    assert out["unavailable_after_s"] == 10.0
    assert out["back_after_s"] == 10.0
    assert out["correct_after_s"] == 12.0


# ------------------------------------------------------------------ slow simulators


async def get_all(sim: SimServer, n: int) -> list[int]:
    async with aiohttp.ClientSession() as session:

        async def one() -> int:
            async with session.get(f"{sim.base_url}/x") as resp:
                await resp.read()
                return resp.status

        return await asyncio.gather(*(one() for _ in range(n)))


@pytest.mark.parametrize("serial", [True, False])
async def test_serial_answers_one_request_at_a_time(serial: bool) -> None:
    async with EchoSim() as sim:
        sim.one_at_a_time = serial
        sim.hang("/x")  # holds each request that reaches the handler
        requests = asyncio.create_task(get_all(sim, 3))
        if serial:
            await until(lambda: sim.active == 1 and sim.queued == 2)
        else:
            await until(lambda: sim.active == 3 and sim.queued == 0)
        sim.clear_fault("/x")
        assert await requests == [200, 200, 200]
        assert sim.max_active == (1 if serial else 3)
        assert sim.max_queued == (2 if serial else 0)
        assert (sim.active, sim.queued) == (0, 0)


async def test_latency_delays_every_answer() -> None:
    async with EchoSim() as sim:
        sim.latency = 0.2
        start = time.monotonic()
        assert await get_all(sim, 2) == [200, 200]
        assert time.monotonic() - start >= 0.2  # a lower bound only: load makes it longer


def test_jitter_stays_within_its_bounds_and_repeats_with_the_seed() -> None:
    sim, again = EchoSim(), EchoSim()
    for s in (sim, again):
        s.latency, s.jitter = 0.3, 0.05
    delays = [sim.answer_delay() for _ in range(200)]
    assert all(0.25 <= d <= 0.35 for d in delays)
    assert len(set(delays)) > 100
    assert [again.answer_delay() for _ in range(200)] == delays
    sim.latency, sim.jitter = 0.01, 0.05
    assert min(sim.answer_delay() for _ in range(200)) >= 0.0


def test_streams_and_long_polls_bypass_the_serial_queue() -> None:
    cam = ParamCgiSim()
    assert cam.long_lived(make_mocked_request("GET", "/cgi-bin/alarm.cgi?action=attach"))
    assert not cam.long_lived(make_mocked_request("GET", "/cgi-bin/param.cgi?action=get"))
    onvif = CgiMessageSim()
    assert onvif.long_lived(
        make_mocked_request("POST", f"{onvif.onvif.base_path}/subscription/1")
    )
    assert not onvif.long_lived(
        make_mocked_request("POST", f"{onvif.onvif.base_path}/device_service")
    )
    assert not EchoSim().long_lived(make_mocked_request("GET", "/x"))


def test_the_simulator_command_line_sets_the_knobs() -> None:
    args = build_parser().parse_args(
        ["--camera", "uid_xml", "--latency-ms", "300", "--jitter-ms", "50", "--serial"]
    )
    sim = EchoSim()
    make_slow(sim, args, 0)
    assert (sim.latency, sim.jitter, sim.one_at_a_time) == (0.3, 0.05, True)
    plain = EchoSim()
    make_slow(plain, build_parser().parse_args(["--camera", "uid_xml"]), 0)
    assert (plain.latency, plain.jitter, plain.one_at_a_time) == (0.0, 0.0, False)


def test_the_resources_report_the_second_half_and_where_the_heap_grew(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def reading(at: float, rss: float, **more: object) -> dict[str, Any]:
        return {"at": at, "rss_mib": rss, "open_fds": 50, "tasks": 40, "threads": 9, **more}

    growth = [{"where": "custom_components/cgi_camera/x.py:10", "kib": 512.0, "blocks": 40}]
    resources: dict[str, Any] = {
        "start": reading(0, 200, heap_mib=60.0, heap_growth=[]),
        "samples": [reading(60, 230), reading(120, 238), reading(180, 239)],
        "end": reading(240, 240, heap_mib=61.5, heap_growth=growth),
    }
    assert soak.halfway(resources) == resources["samples"][1]
    assert soak.halfway({**resources, "samples": []}) is None
    result = {"resources": resources, "transitions": {}, "outages": []}
    rows = {row.metric: row for row in soak.summary_rows_resources(result)}
    assert rows["rss_mib start -> end"].ok is False  # 40 MiB: the goal as the issue says
    assert rows["rss_mib second half"].value == "238 -> 240 MiB"
    assert rows["rss_mib second half"].ok is True
    fds = rows["open_fds median, first half -> second half"]
    assert (fds.value, fds.ok) == ("50 -> 50 (peaks 50 -> 50)", True)
    assert soak.by_half({**resources, "samples": []}, "open_fds") is None
    climbing = {**resources, "end": {**resources["end"], "open_fds": 70}}
    assert soak.by_half(climbing, "open_fds") == ([50], [50, 50, 70])
    leaking = {**climbing, "samples": [reading(60, 230, open_fds=50),
                                       reading(180, 239, open_fds=70)]}
    fds = {row.metric: row for row in soak.summary_rows_resources(
        {"resources": leaking})}["open_fds median, first half -> second half"]
    assert fds.ok is False
    leaking = {**resources, "samples": [reading(120, 215)]}  # still climbing: a leak
    rows = {row.metric: row for row in soak.summary_rows_resources({"resources": leaking})}
    assert rows["rss_mib second half"].ok is False
    assert rows["python heap start -> end (traced, after gc)"].value == "60.0 -> 61.5 MiB"
    soak.print_heap_growth(resources)
    out = capsys.readouterr().out
    assert "512.0 KiB      +40 blocks  custom_components/cgi_camera/x.py:10" in out
    assert "grew" not in soak.brief(resources["end"]) and "heap_mib 61.5" in soak.brief(
        resources["end"])


def test_hass_gets_the_allocator_asked_for() -> None:
    assert soak.allocator_env("glibc") == {}
    try:
        env = soak.allocator_env("jemalloc")
        preload = env["LD_PRELOAD"]
    except BenchError as err:  # a machine without it is told what to install
        assert "apt-get install libjemalloc2" in str(err)
    else:
        assert preload.endswith("libjemalloc.so.2") and Path(preload).is_file()
        assert "background_thread:true" in env["MALLOC_CONF"]
