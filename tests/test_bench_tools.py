"""scripts/bench and scripts/demo: what broke on a fresh clone and at a thousand cameras."""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import AsyncIterator
import json
from pathlib import Path
import resource
from typing import Any

import aiohttp
from aiohttp import web
from multidict import MultiDict
import pytest

from scripts import bench
from scripts.demo import HassApi, recovery_mode
from tests.sim.base import RequestRecord
from tests.sim.onvif import OnvifRequest

RECOVERY_LOG = """\
2026-01-01 10:00:00.000 WARNING (MainThread) [homeassistant.bootstrap] Skipping pip installation
2026-01-01 10:00:01.000 ERROR (MainThread) [homeassistant.setup] Error during setup of component \
frontend: No module named 'hass_frontend'
Traceback (most recent call last):
ModuleNotFoundError: No module named 'hass_frontend'
2026-01-01 10:00:01.100 WARNING (MainThread) [homeassistant.bootstrap] Detected that frontend \
did not load. Activating recovery mode
"""


@pytest.fixture
async def fake_hass_ws() -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    """A websocket API that answers any command with an entity registry of 1000 cameras."""
    registry = [
        {"entity_id": f"sensor.camera_{n}_{k}", "config_entry_id": f"entry{n}",
         "unique_id": f"f0:00:00:00:{n:04x}_{k}", "platform": "cgi_camera",
         "disabled_by": None, "name": None, "original_name": "x" * 100}
        for n in range(1000) for k in range(30)
    ]

    async def websocket(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "auth_required"})
        await ws.receive_json()
        await ws.send_json({"type": "auth_ok"})
        command = await ws.receive_json()
        await ws.send_json({"id": command["id"], "type": "result", "success": True,
                            "result": registry})
        await ws.close()
        return ws

    app = web.Application()
    app.router.add_get("/api/websocket", websocket)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}", registry
    finally:
        await runner.cleanup()


async def test_ws_command_reads_a_registry_bigger_than_4_mib(
    fake_hass_ws: tuple[str, list[dict[str, Any]]],
) -> None:
    base, registry = fake_hass_ws
    assert len(json.dumps(registry)) > 4 * 1024 * 1024  # aiohttp's default limit
    async with aiohttp.ClientSession() as session:
        api = HassApi(session, base)
        api.token = "token"
        assert await api.ws_command({"type": "config/entity_registry/list"}) == registry


def test_recovery_mode_names_the_failed_integration(tmp_path: Path) -> None:
    log = tmp_path / "hass.log"
    assert recovery_mode(log) is None  # no log yet: still starting
    log.write_text(RECOVERY_LOG.replace("Activating recovery mode", "starting"))
    assert recovery_mode(log) is None
    log.write_text(RECOVERY_LOG)
    why = recovery_mode(log)
    assert why is not None
    assert "recovery mode" in why
    assert "No module named 'hass_frontend'" in why
    assert "requirements/demo.txt" in why


def test_bench_stops_at_once_when_hass_is_in_recovery_mode(tmp_path: Path) -> None:
    hass = bench.Hass(tmp_path / "config", tmp_path / "hass.log")
    hass.check_starting()  # nothing logged yet
    hass.log_path.write_text(RECOVERY_LOG)
    hass.check()  # running hass: fine
    with pytest.raises(bench.BenchError, match="hass_frontend"):
        hass.check_starting()


def test_file_limit_is_raised_for_many_cameras(monkeypatch: pytest.MonkeyPatch) -> None:
    limits = {"soft": 1024, "hard": 65536}
    monkeypatch.setattr(resource, "getrlimit", lambda _: (limits["soft"], limits["hard"]))

    def setrlimit(_: int, value: tuple[int, int]) -> None:
        limits["soft"], limits["hard"] = value

    monkeypatch.setattr(resource, "setrlimit", setrlimit)
    assert bench.raise_file_limit(1000) == 65536
    assert limits["soft"] == 65536
    # A hard limit too low for the cameras: said up front, not "Too many open files" later.
    limits.update(soft=1024, hard=4096)
    with pytest.raises(bench.BenchError, match="hard limit is 4096"):
        bench.raise_file_limit(1000)
    limits.update(soft=2048, hard=4096)
    assert bench.raise_file_limit(12) == 2048  # enough already: left alone


def _cam(dialect: str = "uid_xml", *, onvif: bool = True) -> bench.Cam:
    return bench.Cam(dialect, 0, bench.make_sim(dialect, 0, onvif=onvif))


def test_onvif_requests_are_counted_apart_by_operation_and_window() -> None:
    cam = _cam()
    assert cam.onvif is not None
    assert _cam(onvif=False).onvif is None  # --no-onvif: no ONVIF rows, no ONVIF counts
    for at, operation, fault in (
        (5.0, "CreatePullPointSubscription", None),
        (10.0, "PullMessages", None),
        (70.0, "PullMessages", None),
        (150.0, "Renew", "ter:Action"),  # refused: not a renewal
        (200.0, "Renew", None),
        (300.0, "PullMessages", None),
    ):
        cam.onvif.requests.append(OnvifRequest(at, "/onvif/subscription/1", operation,
                                               fault=fault))
    assert bench.onvif_ops([cam], 10.0, 300.0) == {
        "uid_xml": Counter({"PullMessages": 2, "Renew": 2})
    }
    assert bench.renew_intervals([cam]) == [195.0]
    # The CGI's request counts leave the ONVIF requests on the same port out.
    onvif = RequestRecord("POST", "/onvif/device_service", MultiDict(), 1.0)
    cgi = RequestRecord("GET", "/cgi-bin/getuid", MultiDict(), 1.0)
    assert bench.is_onvif(cam.sim, onvif)
    assert not bench.is_onvif(cam.sim, cgi)


def test_onvif_goals_judge_leaks_and_latency() -> None:
    args = argparse.Namespace(cameras=25, onvif=True, duration=60, latency_ms=0,
                              jitter_ms=0, serial=False)
    run: dict[str, Any] = {
        "onvif_events": {"on_ms": {"p50": 4.0, "p99": 25.0}, "missed": 0},
        "onvif_idle": {"per_cam_min": {"total": 1.1}},
        "onvif_running": {"peak_per_camera": 1, "open": 100},
        "stop": {"onvif": {"open": 100}},
    }
    table = {line["path"]: line["result"] for line in bench.summarise(args, [run])}
    assert table["onvif_events.on_ms.p50"] == "PASS"
    assert table["onvif_events.on_ms.p99"] == "MISS"
    assert table["onvif_events.missed"] == "PASS"
    assert table["onvif_idle.per_cam_min.total"] == "PASS"
    assert table["onvif_running.peak_per_camera"] == "PASS"
    assert table["stop.onvif.open"] == "MISS"  # a clean stop unsubscribes
    assert table["onvif_events.off_ms.p50"] == ""  # not measured: no verdict
    no_onvif = argparse.Namespace(cameras=25, onvif=False, duration=60, latency_ms=0,
                                  jitter_ms=0, serial=False)
    assert not [line for line in bench.summarise(no_onvif, [run])
                if line["section"] == "onvif"]


def settings_request(t: float) -> RequestRecord:
    return RequestRecord("GET", "/cgi-bin/getvideoattr.cgi", MultiDict(), t)


def test_settings_cycles_are_split_by_gaps_and_include_the_last_answer() -> None:
    cam = bench.Cam("uid_xml", 0, bench.make_sim("uid_xml", 0))
    cam.sim.latency = 0.3
    cam.sim.requests += [settings_request(t) for t in (5.0, 100.0, 100.4, 101.0, 160.0, 161.0)]
    cam.sim.requests.append(RequestRecord("GET", "/cgi-bin/getuid", MultiDict(), 130.0))
    # The first one is before "after" (the set-up's read); the login is no setting.
    assert bench.settings_cycles(cam, 50.0) == [(100.0, 101.3), (160.0, 161.3)]


def test_slow_goals_and_the_request_budget() -> None:
    args = argparse.Namespace(cameras=1, onvif=True, duration=60, latency_ms=300,
                              jitter_ms=0, serial=True)
    run: dict[str, Any] = {
        "slow": {"flow_s": {"max": 4.0}, "entities_after_entry_s": {"max": 12.0},
                 "cycle_overlaps": 0, "snapshot_during_cycle_ms": {"max": 900.0},
                 "snapshot_waited_behind_max": 2},
        "steady": {"requests": {"uid_xml": {"total_per_cam_min": 9.5},
                                "cgi_action": {"total_per_cam_min": 61.0}}},
    }
    table = {line["path"]: line["result"] for line in bench.summarise(args, [run])}
    assert table["slow.flow_s.max"] == "PASS"
    assert table["slow.entities_after_entry_s.max"] == "MISS"
    assert table["slow.cycle_overlaps"] == "PASS"
    assert table["slow.snapshot_during_cycle_ms.max"] == "MISS"  # > 2 x 300 + 150
    assert table["slow.snapshot_waited_behind_max"] == "MISS"
    assert table["steady.requests.uid_xml.total_per_cam_min"] == "PASS"
    assert table["steady.requests.cgi_action.total_per_cam_min"] == "MISS"
    fast = argparse.Namespace(cameras=1, onvif=True, duration=60, latency_ms=0, jitter_ms=0,
                              serial=False)
    assert not [line for line in bench.summarise(fast, [run])
                if line["section"].startswith("slow")]


def test_make_slow_sets_the_simulator_knobs() -> None:
    sim = bench.make_sim("cgi_message", 3)
    bench.make_slow(sim, argparse.Namespace(latency_ms=300, jitter_ms=50, serial=True), 3)
    assert (sim.latency, sim.jitter, sim.one_at_a_time) == (0.3, 0.05, True)
