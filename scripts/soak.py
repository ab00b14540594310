#!/usr/bin/env python3
"""Chaos soak of the cgi_camera integration (scripts/soak runs this in .venv).

One run:

1. start ``--cameras`` simulated cameras (dialects in turn; each with its ONVIF face, the
   ``param_cgi`` ones with their push stream) in this process, and a real ``hass``
   (scripts/bench.py's way: fresh config, onboarding over REST); add every camera through
   the REST config flow and wait until each one's alarm sensor has a state,
2. run a seeded schedule (:func:`make_schedule`, the same for the same ``--seed``,
   ``--cameras`` and ``--minutes``) for ``--minutes``: per camera, one fault at a time
   (:data:`KINDS`) with gaps between them, while its alarm is raised and cleared at random
   (gaps of :data:`FLIP_GAP` s) the whole time,
3. at the end every fault is healed and every alarm cleared :data:`TAIL` s before the end;
   then hass's RSS, open files and asyncio tasks are read again and hass is stopped.

Faults (``kind``: what the simulator does):

- ``power_cut``: the device restarts and is gone 30-90 s (connection refused), its
  volatile state (sessions, subscriptions, streams, alarms) lost;
- ``reboot``: the same, gone 5-20 s;
- ``network_drop``: gone 10-60 s (refused), state kept;
- ``stall``: accepts every connection and never answers (its push stream stops sending);
- ``garbage`` / ``truncated``: every answer is unparsable / cut in the middle;
- ``slow``: every answer takes 1.5-4 s;
- ``stream_drop``: push streams closed, ONVIF subscriptions ended (an instant);
- ``clock_jump``: the device clock jumps by 10 min to 2 h, and back at the end;
- ``password``: the password is changed on the camera; after a user delay the soak answers
  the re-authentication flow Home Assistant raised, with the new password, over the flow
  API (no flow within :data:`REAUTH_WAIT` s: the old password is put back, and reported;
  if Home Assistant raised the "ONVIF refuses the login" repair instead, the user then does
  what it says and reloads the entry: the outage ends after that reload).

Definitions (what the table counts):

- A camera's *outage window* is every fault from its start to its end (for ``password``:
  to the reauth answer) plus :data:`GRACE` s (one settings refresh interval + 1 s: the time
  the integration is allowed to recover). The camera is *reachable* at every other moment.
- A *transition* is one alarm change the soak made on a simulator. It is *judged* when the
  camera is reachable from it until :data:`DELIVER` s after it; a judged transition is
  *delivered* when the alarm's binary sensor shows the new state within ``DELIVER`` s,
  *late* when it shows it later but before the next transition, *lost* otherwise.
  Transitions made during an outage window are not judged (the state after recovery is).
- *Duplicated*: a judged transition after which the binary sensor changed between on and
  off more than once before the next transition (or the next outage), or after which
  Home Assistant fired ``cgi_camera_alarm`` for that alarm more than once.
- *Recovery* of an outage: from the fault's end until every entity that was available
  before it is available again and the alarm sensor shows the simulator's state; the goal
  is ``GRACE`` s. *Unavailable after* / *back after*: from the fault's start until the
  first of the camera's entities turned unavailable, and from its end until all were back.
- *Requests per camera per minute during outages*: what the simulator received while a
  fault that keeps its listener up was active (a refused connection never reaches it, so
  ``power_cut``/``reboot``/``network_drop`` are counted from the minute after recovery).
- *Failed logins*: the simulators' own counters (CGI and ONVIF) over the soak. Those
  with the old password are the refusals inside a ``password`` fault (from the change to
  the reauth answer); the goal is at most one of them per password change. An ONVIF
  refusal outside one had the right password: a token the camera checked too late
  (a request it held through a stall, or a slow answer), counted apart and reported.
- *Log lines per outage*: lines of ``custom_components.cgi_camera`` (info and above) in the
  hass log within the outage window that name the camera (its host:port, or its title
  when no other camera has the same one: lines naming only a shared title, e.g. two
  ``param_cgi`` simulators' "IPCamera", are not counted).
- hass RSS and open files are read from /proc; asyncio tasks from ``soak_probe``, a helper
  integration written into the soak's hass config (``len(asyncio.all_tasks())`` in hass's
  loop, one REST call).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
import contextlib
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
import json
import logging
import math
import os
from pathlib import Path
import random
import re
import shutil
import signal
import statistics
import sys
import time
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.bench import (  # noqa: E402
    CAM_PASSWORD,
    CAM_USER,
    DEFAULT_SCAN_INTERVAL,
    DIALECTS,
    BenchError,
    Hass,
    dist,
    drive_alarm,
    free_port,
    make_sim,
    proc_rss_mib,
    raise_file_limit,
    wait_core_running,
    wait_hass_running,
)
from scripts.demo import (  # noqa: E402
    DemoError,
    HassApi,
    flow_outcome,
    tail,
    write_offline_storage,
)
from tests.sim.base import SimServer  # noqa: E402
from tests.sim.onvif import OnvifCamera  # noqa: E402
from tests.sim.param_cgi import ParamCgiSim  # noqa: E402

DOMAIN = "cgi_camera"
RESULTS = ROOT / "soak-results"
KINDS: tuple[str, ...] = (
    "power_cut", "reboot", "network_drop", "stall", "garbage", "truncated", "slow",
    "stream_drop", "clock_jump", "password",
)
# The camera is gone (connection refused) while these last.
GONE_KINDS = frozenset({"power_cut", "reboot", "network_drop"})
# Seconds each fault lasts (password: the user's delay before answering the reauth).
DURATION: dict[str, tuple[float, float]] = {
    "power_cut": (30, 90), "reboot": (5, 20), "network_drop": (10, 60), "stall": (15, 60),
    "garbage": (10, 40), "truncated": (10, 40), "slow": (20, 60), "stream_drop": (0, 0),
    "clock_jump": (30, 90), "password": (5, 20),
}
GRACE = DEFAULT_SCAN_INTERVAL + 1.0
DELIVER = 5.0
FLIP_GAP = (4.0, 20.0)
# Gap between one fault's outage window and the next fault on the same camera.
CHAOS_GAP = (10.0, 80.0)
WARMUP = 20.0
TAIL = GRACE + 15.0
REAUTH_WAIT = 90.0
PASSWORD_SHARE = 0.3  # cameras that get one password change
SETUP_TIMEOUT = 300.0
# What the Home Assistant images' start script sets beside preloading jemalloc.
HA_MALLOC_CONF = ("background_thread:true,metadata_thp:auto,"
                  "dirty_decay_ms:20000,muzzy_decay_ms:20000")
SAMPLE_INTERVAL = 60.0  # seconds between the resource readings during the run
PROBE_MANIFEST = {
    "domain": "soak_probe", "name": "Soak probe", "codeowners": [], "dependencies": ["http"],
    "documentation": "https://example.invalid/soak_probe", "iot_class": "local_push",
    "version": "0.0.1",
}
PROBE_CODE = '''"""Soak probe: hass's asyncio tasks and threads, and (traced) its heap growth."""

from __future__ import annotations

import asyncio
import gc
import threading
import tracemalloc

from aiohttp import web
from homeassistant.components.http import HomeAssistantView
from homeassistant.core import HomeAssistant
import voluptuous as vol

DOMAIN = "soak_probe"
CONFIG_SCHEMA = vol.Schema(
    {DOMAIN: vol.Any(None, {vol.Optional("trace_memory", default=False): bool})},
    extra=vol.ALLOW_EXTRA,
)
TOP = 15


async def async_setup(hass: HomeAssistant, config: dict) -> bool:
    if (config.get(DOMAIN) or {}).get("trace_memory"):
        tracemalloc.start(1)
    hass.http.register_view(ProbeView())
    return True


class ProbeView(HomeAssistantView):
    url = "/api/soak_probe"
    name = "api:soak_probe"
    requires_auth = True
    baseline: tracemalloc.Snapshot | None = None

    async def get(self, request: web.Request) -> web.Response:
        found = {"tasks": len(asyncio.all_tasks()), "threads": threading.active_count()}
        if tracemalloc.is_tracing():
            gc.collect()  # what only waits for the cyclic collector is not growth
            snapshot = tracemalloc.take_snapshot().filter_traces(
                [tracemalloc.Filter(False, tracemalloc.__file__)])
            if ProbeView.baseline is None:
                ProbeView.baseline = snapshot
            found["heap_mib"] = sum(s.size for s in snapshot.statistics("filename")) / 2**20
            found["heap_growth"] = [
                {"where": str(stat.traceback[0]), "kib": round(stat.size_diff / 1024, 1),
                 "blocks": stat.count_diff}
                for stat in snapshot.compare_to(ProbeView.baseline, "lineno")[:TOP]
            ]
        return self.json(found)
'''
LOG_LINE = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?) (DEBUG|INFO|WARNING|ERROR|CRITICAL) "
    r"\([^)]*\) \[([^\]]+)\] (.*)$"
)


def log(msg: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------- schedule


@dataclass(frozen=True, slots=True)
class Fault:
    camera: int
    kind: str
    start: float  # seconds after the schedule starts
    duration: float
    value: float = 0.0  # clock_jump: seconds; slow: seconds per answer


@dataclass(frozen=True, slots=True)
class Flip:
    camera: int
    at: float
    on: bool


@dataclass(frozen=True, slots=True)
class Schedule:
    seconds: float
    faults: tuple[Fault, ...]
    flips: tuple[Flip, ...]


def camera_faults(rng: random.Random, camera: int, end: float, password: bool) -> list[Fault]:
    """One camera's faults, one at a time, each outage window followed by a gap."""
    out: list[Fault] = []
    t = WARMUP + rng.uniform(0, CHAOS_GAP[0] * 2)
    pending_password = password
    while True:
        kinds = [k for k in KINDS if k != "password"]
        kind = "password" if pending_password and rng.random() < 0.5 else rng.choice(kinds)
        lo, hi = DURATION[kind]
        duration = rng.uniform(lo, hi)
        if t + duration > end:  # the tail leaves it GRACE to recover
            break
        value = 0.0
        if kind == "clock_jump":
            value = rng.choice((-1, 1)) * rng.uniform(600, 7200)
        elif kind == "slow":
            value = rng.uniform(1.5, 4.0)
        if kind == "password":
            pending_password = False
            # Waiting for the reauth flow takes a while too: leave it room.
            duration_room = REAUTH_WAIT + duration
        else:
            duration_room = duration
        out.append(Fault(camera, kind, round(t, 3), round(duration, 3), round(value, 3)))
        t += duration_room + GRACE + rng.uniform(*CHAOS_GAP)
    return out


def camera_flips(rng: random.Random, camera: int, end: float,
                 faults: Sequence[Fault]) -> list[Flip]:
    """Alarm changes all run long. None while the camera is without power; a power cut
    or reboot clears the alarm (the run records that change when it happens). All
    cleared at ``end``."""
    dark = [(f.start, f.start + f.duration) for f in faults if f.kind in ("power_cut", "reboot")]
    out: list[Flip] = []
    on = False
    previous = 0.0
    t = WARMUP + rng.uniform(*FLIP_GAP)
    while t < end:
        if any(previous < a <= t for a, _ in dark):
            on = False
        if not any(a <= t < b for a, b in dark):
            on = not on
            out.append(Flip(camera, round(t, 3), on))
        previous = t
        t += rng.uniform(*FLIP_GAP)
    if on:
        out.append(Flip(camera, round(end, 3), False))
    return out


def make_schedule(seed: int, cameras: int, minutes: float) -> Schedule:
    """The whole run's faults and alarm changes: a function of its arguments only."""
    seconds = minutes * 60
    end = seconds - TAIL
    faults: list[Fault] = []
    flips: list[Flip] = []
    pick = random.Random(f"soak:{seed}:passwords")
    password_cams = set(pick.sample(range(cameras), round(cameras * PASSWORD_SHARE)))
    for cam in range(cameras):
        rng = random.Random(f"soak:{seed}:{cam}")
        mine = camera_faults(rng, cam, end, cam in password_cams)
        faults += mine
        flips += camera_flips(rng, cam, end, mine)
    faults.sort(key=lambda f: (f.start, f.camera))
    flips.sort(key=lambda f: (f.at, f.camera))
    return Schedule(seconds, tuple(faults), tuple(flips))


# --------------------------------------------------------------------- cameras


@dataclass
class Cam:
    index: int
    dialect: str
    sim: SimServer
    password: str = CAM_PASSWORD
    entry_id: str | None = None
    title: str = ""
    device_ids: set[str] = field(default_factory=set)
    entities: list[str] = field(default_factory=list)
    alarm_entity: str | None = None
    alarm_sensors: list[str] = field(default_factory=list)
    base_latency: float = 0.0

    @property
    def tokens(self) -> tuple[str, ...]:
        """What names this camera in a log line."""
        return (f"{self.sim.host}:{self.sim.port}", f"'{self.title}'", f"{self.title}:")


ALARM_UID_SUFFIX = {
    "uid_xml": "_alarm_motion", "param_cgi": "_alarm_motion",
    "cgi_action": "_alarm_io_input_1", "cgi_message": "_alarm_motion",
}
CONNECTIVITY_SUFFIXES = ("_alarm_stream", "_onvif_events")
ALARM_EVENT = {  # (kind, index) of the cgi_camera_alarm event the soak's alarm fires
    "uid_xml": ("motion", 1), "param_cgi": ("motion", 1),
    "cgi_action": ("io_input", 1), "cgi_message": ("motion", 1),
}


def set_alarm(cam: Cam, on: bool) -> None:
    """Raise or clear the one alarm the soak drives, as the device would."""
    drive_alarm(cam.sim, on)


def set_password(sim: SimServer, new: str) -> None:
    setter = getattr(sim, "set_password", None)
    if callable(setter):
        setter(new)
    else:
        sim.password = new  # type: ignore[attr-defined]


def failed_logins(sim: SimServer) -> tuple[int, int]:
    """(CGI, ONVIF) failed logins the simulator counted."""
    cgi = int(getattr(sim, "failed_logins", 0))
    onvif = int(sim.onvif.failed_logins) if isinstance(sim, OnvifCamera) else 0
    return cgi, onvif


def onvif_held_tokens(cam: Cam, record: Record, since: float) -> int:
    """ONVIF refusals of the camera's own password: outside its password faults (the
    camera checked a token too late; no login was tried with a wrong password)."""
    sim = cam.sim
    if not isinstance(sim, OnvifCamera):
        return 0
    windows = [(o.start, o.end or math.inf) for o in record.outages
               if o.camera == cam.index and o.kind == "password"]
    return sum(1 for r in sim.onvif.requests
               if r.signed and not r.authenticated and r.fault is not None
               and r.time >= since
               and not any(start <= r.time <= end for start, end in windows))


def jump_clock(sim: SimServer, seconds: float) -> None:
    offset = getattr(sim, "clock_offset", None)
    if isinstance(offset, timedelta):
        sim.clock_offset = offset + timedelta(seconds=seconds)  # type: ignore[attr-defined]
    elif isinstance(offset, (int, float)):
        sim.clock_offset = offset + seconds  # type: ignore[attr-defined]


GARBAGE = b"<?xml version=\"1.0\"?><Envelope><Body><a>\x00\xff garbage"
TRUNCATED = b"<?xml version=\"1.0\"?>" + b"<item name=\"x\">1</item>" * 40


async def apply_fault(cam: Cam, fault: Fault) -> None:
    """Start the fault on the simulator (``power_cut``/``reboot`` end by themselves)."""
    sim = cam.sim
    match fault.kind:
        case "power_cut" | "reboot":
            sim.reboot_downtime = fault.duration
            sim.simulate_reboot()
        case "network_drop":
            await sim.go_offline()
        case "stall":
            sim.hang("*")
            if isinstance(sim, ParamCgiSim):
                sim.silence(True)
        case "garbage":
            sim.garbage("*", GARBAGE)
        case "truncated":
            sim.cut("*", TRUNCATED, "text/xml")
        case "slow":
            sim.latency = fault.value
        case "stream_drop":
            if isinstance(sim, ParamCgiSim):
                sim.drop_streams()
            if isinstance(sim, OnvifCamera):
                sim.onvif.expire_subscriptions()
        case "clock_jump":
            jump_clock(sim, fault.value)


async def heal_fault(cam: Cam, fault: Fault) -> None:
    sim = cam.sim
    match fault.kind:
        case "network_drop":
            await sim.go_online()
        case "stall":
            if isinstance(sim, ParamCgiSim):
                sim.silence(False)
            sim.clear_fault("*")
        case "garbage" | "truncated":
            sim.clear_fault("*")
        case "slow":
            sim.latency = cam.base_latency
        case "clock_jump":
            jump_clock(sim, -fault.value)
        case "power_cut" | "reboot":
            # Back by itself after reboot_downtime (the simulator has no event for it).
            while not sim.online:  # noqa: ASYNC110
                await asyncio.sleep(0.2)


# ------------------------------------------------------------------ recording


@dataclass
class Outage:
    camera: int
    kind: str
    start: float  # monotonic
    end: float = 0.0  # monotonic: fault healed (password: reauth answered)
    wall_start: float = 0.0
    wall_end: float = 0.0
    reauth: str = ""  # password: "answered", "no flow[; ONVIF repair followed...]", "failed: ..."
    failed_logins_cgi: int = 0
    failed_logins_onvif: int = 0
    requests: int = 0
    requests_after: int = 0  # in the minute after the end
    # ONVIF operations answered with a refused login in the window (what they were)
    onvif_refused: list[str] = field(default_factory=list)


@dataclass
class Record:
    """Everything the simulators did and Home Assistant showed, on one clock."""

    flips: list[tuple[float, int, bool]] = field(default_factory=list)  # (mono, cam, on)
    outages: list[Outage] = field(default_factory=list)
    # (mono, entity_id, old state or None, new state or None)
    states: list[tuple[float, str, str | None, str | None]] = field(default_factory=list)
    # (mono, device_id, kind, index, active)
    events: list[tuple[float, str, str, int, bool]] = field(default_factory=list)
    current: dict[str, str] = field(default_factory=dict)


class Watch:
    """state_changed and cgi_camera_alarm over hass's websocket, on this clock."""

    def __init__(self, record: Record) -> None:
        self.record = record
        self.ready = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    def check(self) -> None:
        if self.task is not None and self.task.done():
            raise BenchError("hass websocket ended (see its log)")

    async def run(self, session: aiohttp.ClientSession, base: str, token: str) -> None:
        async with session.ws_connect(base + "/api/websocket", max_msg_size=0,
                                      heartbeat=30) as ws:
            await ws.receive_json()
            await ws.send_json({"type": "auth", "access_token": token})
            if (await ws.receive_json()).get("type") != "auth_ok":
                raise BenchError("websocket auth failed")
            await ws.send_json({"id": 1, "type": "subscribe_events",
                                "event_type": "state_changed"})
            await ws.send_json({"id": 2, "type": "subscribe_events",
                                "event_type": "cgi_camera_alarm"})
            subscribed = 0
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    raise BenchError(f"websocket ended: {msg.type.name}")
                now = time.monotonic()
                data = json.loads(msg.data)
                for item in data if isinstance(data, list) else [data]:
                    if item.get("type") == "result":
                        subscribed += 1
                        if subscribed == 2:
                            self.ready.set()
                    elif item.get("type") == "event":
                        self._on_event(item["event"], now)

    def _on_event(self, event: dict[str, Any], now: float) -> None:
        data = event["data"]
        if event.get("event_type") == "cgi_camera_alarm":
            self.record.events.append((now, str(data.get("device_id")), str(data.get("kind")),
                                       int(data.get("index") or 0), bool(data.get("active"))))
            return
        entity_id = data["entity_id"]
        if entity_id.split(".")[0] not in ("binary_sensor", "sensor", "switch", "number",
                                           "select", "camera", "button"):
            return
        old, new = data.get("old_state"), data.get("new_state")
        old_s = old["state"] if old else None
        new_s = new["state"] if new else None
        self.record.states.append((now, entity_id, old_s, new_s))
        if new_s is None:
            self.record.current.pop(entity_id, None)
        else:
            self.record.current[entity_id] = new_s


# ------------------------------------------------------------------ hass set-up


def write_config(config_dir: Path, port: int, trace_memory: bool = False) -> None:
    """A fresh offline config (as scripts/bench's), the integration logging at info."""
    shutil.rmtree(config_dir, ignore_errors=True)
    cc = config_dir / "custom_components"
    cc.mkdir(parents=True)
    (cc / DOMAIN).symlink_to((ROOT / "custom_components" / DOMAIN).resolve())
    probe = cc / "soak_probe"
    probe.mkdir()
    (probe / "manifest.json").write_text(json.dumps(PROBE_MANIFEST, indent=2))
    (probe / "__init__.py").write_text(PROBE_CODE)
    (config_dir / "configuration.yaml").write_text(f"""# Written by scripts/soak on every run.
homeassistant:
  name: CGI Camera soak
  country: DE
  time_zone: UTC
  unit_system: metric
http:
  server_host: 127.0.0.1
  server_port: {port}
api:
config:
onboarding:
websocket_api:
repairs:
soak_probe:{"\n  trace_memory: true" if trace_memory else ""}
logger:
  default: warning
  logs:
    custom_components.cgi_camera: info
""")
    write_offline_storage(config_dir)


@dataclass
class Ctx:
    args: argparse.Namespace
    api: HassApi
    hass: Hass
    watch: Watch
    record: Record
    cams: list[Cam]
    t0: float = 0.0


async def add_camera(ctx: Ctx, cam: Cam, slots: asyncio.Semaphore) -> None:
    async with slots:
        res = await ctx.api.request(
            "POST", "/api/config/config_entries/flow",
            json_body={"handler": DOMAIN, "show_advanced_options": False}, ok=(200, 400, 404))
        if "flow_id" not in res:
            raise BenchError(f"could not start the config flow: {res}")
        values = {"host": cam.sim.host, "port": cam.sim.port, "username": CAM_USER,
                  "password": cam.password, "ssl": False, "verify_ssl": True}
        res = await ctx.api.submit_form("/api/config/config_entries/flow", res, values)
        if res.get("type") != "create_entry":
            raise BenchError(f"{cam.dialect} #{cam.index}: no entry: {flow_outcome(res)}")
        cam.entry_id = res["result"]["entry_id"]
        cam.title = str(res.get("title") or res["result"].get("title", ""))


async def find_entities(ctx: Ctx) -> None:
    registry = await ctx.api.ws_command({"type": "config/entity_registry/list"})
    devices = await ctx.api.ws_command({"type": "config/device_registry/list"})
    by_entry: dict[str, Cam] = {c.entry_id: c for c in ctx.cams if c.entry_id}
    for cam in ctx.cams:
        cam.entities, cam.alarm_sensors, cam.device_ids = [], [], set()
    for dev in devices:
        for entry_id in dev.get("config_entries", []):
            if (owner := by_entry.get(entry_id)) is not None:
                owner.device_ids.add(dev["id"])
    for reg in registry:
        found = by_entry.get(reg.get("config_entry_id") or "")
        if found is None or reg.get("disabled_by"):
            continue
        cam = found
        eid, uid = reg["entity_id"], reg.get("unique_id", "")
        cam.entities.append(eid)
        # Alarm sensors; the "Alarm stream" connectivity sensor is on while all is well.
        if eid.startswith("binary_sensor.") and "_alarm_" in uid \
                and not uid.endswith(CONNECTIVITY_SUFFIXES):
            cam.alarm_sensors.append(eid)
            if uid.endswith(ALARM_UID_SUFFIX[cam.dialect]):
                cam.alarm_entity = eid


async def wait_ready(ctx: Ctx) -> None:
    """Until every camera's alarm sensor exists and shows off (ONVIF ones come later)."""
    deadline = time.monotonic() + max(SETUP_TIMEOUT, 3.0 * len(ctx.cams))
    while True:
        ctx.watch.check()
        ctx.hass.check()
        await find_entities(ctx)
        cur = ctx.record.current
        pending = [c for c in ctx.cams
                   if c.alarm_entity is None or cur.get(c.alarm_entity) != "off"]
        if not pending:
            return
        if time.monotonic() > deadline:
            names = ", ".join(f"{c.dialect}#{c.index}" for c in pending[:8])
            raise BenchError(f"{len(pending)} cameras without their alarm sensor: {names}")
        await asyncio.sleep(2)


async def hass_resources(ctx: Ctx) -> dict[str, Any]:
    pid = ctx.hass.pid
    probe = await ctx.api.request("GET", "/api/soak_probe")
    return {"rss_mib": proc_rss_mib(pid), "open_fds": len(os.listdir(f"/proc/{pid}/fd")),
            "at": time.monotonic(), **probe}


def brief(resources: dict[str, Any]) -> str:
    """One log line of a resources reading (the heap growth detail left to the JSON)."""
    return ", ".join(f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}"
                     for k, v in resources.items() if k not in ("at", "heap_growth"))


async def sample_resources(ctx: Ctx, resources: dict[str, Any]) -> None:
    """A reading every :data:`SAMPLE_INTERVAL` through the run: whether RSS levels off
    (an allocator's high-water mark) or keeps climbing (a leak) shows in the series."""
    samples: list[dict[str, Any]] = resources.setdefault("samples", [])
    while True:
        await asyncio.sleep(SAMPLE_INTERVAL)
        with contextlib.suppress(aiohttp.ClientError, TimeoutError, BenchError):
            samples.append(await hass_resources(ctx))
            log(f"resources: {brief(samples[-1])}")


# ------------------------------------------------------------------ the chaos run


async def run_flips(ctx: Ctx, flips: Iterable[Flip]) -> None:
    for flip in flips:
        await asyncio.sleep(max(0.0, ctx.t0 + flip.at - time.monotonic()))
        cam = ctx.cams[flip.camera]
        if not cam.sim.online:
            continue  # without power (a reboot between the plan's flips): no change
        set_alarm(cam, flip.on)
        ctx.record.flips.append((time.monotonic(), cam.index, flip.on))


def alarm_truth(ctx: Ctx, cam: int) -> bool:
    last = [on for _, c, on in ctx.record.flips if c == cam]
    return bool(last and last[-1])


async def reauth(ctx: Ctx, cam: Cam, delay: float) -> str:
    """The user: waits for Home Assistant's re-authentication, then answers it."""
    deadline = time.monotonic() + REAUTH_WAIT
    flow: dict[str, Any] | None = None
    while flow is None and time.monotonic() < deadline:
        await asyncio.sleep(2)
        progress = await ctx.api.ws_command({"type": "config_entries/flow/progress"})
        flow = next((f for f in progress if f.get("handler") == DOMAIN
                     and f.get("context", {}).get("source") == "reauth"
                     and f.get("context", {}).get("entry_id") == cam.entry_id), None)
    if flow is None:
        return "no flow"
    await asyncio.sleep(delay)
    form = await ctx.api.request("GET", f"/api/config/config_entries/flow/{flow['flow_id']}")
    res = await ctx.api.submit_form("/api/config/config_entries/flow", form,
                                    {"username": CAM_USER, "password": cam.password})
    if res.get("type") == "abort" and res.get("reason") == "reauth_successful":
        return "answered"
    return f"failed: {flow_outcome(res)}"


async def follow_onvif_repair(ctx: Ctx, cam: Cam) -> bool:
    """The user, when Home Assistant raised the "ONVIF refuses the camera's login" repair
    instead of a re-authentication (``uid_xml``: its CGI sessions outlive a password
    change, so only ONVIF notices): does what the repair says, reloads the entry."""
    try:
        issues = (await ctx.api.ws_command({"type": "repairs/list_issues"})).get("issues", [])
    except DemoError as err:
        log(f"camera {cam.index}: repairs not listed ({err}); not followed")
        return False
    wanted = f"onvif_auth_{cam.entry_id}"
    if not any(i.get("domain") == DOMAIN and i.get("issue_id") == wanted for i in issues):
        return False
    await ctx.api.request("POST", f"/api/config/config_entries/entry/{cam.entry_id}/reload")
    return True


async def run_fault(ctx: Ctx, fault: Fault) -> None:
    cam = ctx.cams[fault.camera]
    sim = cam.sim
    if fault.kind in ("power_cut", "reboot") and alarm_truth(ctx, cam.index):
        set_alarm(cam, False)  # the power loss clears it: a change the device made
        ctx.record.flips.append((time.monotonic(), cam.index, False))
    out = Outage(cam.index, fault.kind, time.monotonic(), wall_start=time.time())
    ctx.record.outages.append(out)
    logins0 = failed_logins(sim)
    mark = len(sim.requests)
    if fault.kind == "password":
        old = cam.password
        cam.password = f"soak-{cam.index}-{int(fault.start)}"
        set_password(sim, cam.password)
        out.reauth = await reauth(ctx, cam, fault.duration)
        if out.reauth != "answered":
            cam.password = old
            set_password(sim, old)
            if await follow_onvif_repair(ctx, cam):
                out.reauth += "; ONVIF repair followed (entry reloaded)"
    else:
        await apply_fault(cam, fault)
        await asyncio.sleep(fault.duration)
        await heal_fault(cam, fault)
    out.requests = len(sim.requests) - mark
    out.end, out.wall_end = time.monotonic(), time.time()
    after = len(sim.requests)
    await asyncio.sleep(min(60.0, GRACE))
    out.requests_after = len(sim.requests) - after
    logins1 = failed_logins(sim)
    out.failed_logins_cgi = logins1[0] - logins0[0]
    out.failed_logins_onvif = logins1[1] - logins0[1]
    if isinstance(sim, OnvifCamera) and out.failed_logins_onvif:
        out.onvif_refused = [f"{r.operation}: {r.fault}" for r in sim.onvif.requests
                             if r.time >= out.start and r.fault is not None and r.signed
                             and not r.authenticated]


async def run_camera_faults(ctx: Ctx, faults: Iterable[Fault]) -> None:
    for fault in faults:
        await asyncio.sleep(max(0.0, ctx.t0 + fault.start - time.monotonic()))
        await run_fault(ctx, fault)


async def run_schedule(ctx: Ctx, schedule: Schedule) -> None:
    ctx.t0 = time.monotonic()
    tasks = [run_flips(ctx, [f for f in schedule.flips if f.camera == c.index])
             for c in ctx.cams]
    tasks += [run_camera_faults(ctx, [f for f in schedule.faults if f.camera == c.index])
              for c in ctx.cams]

    async def progress() -> None:
        while True:
            await asyncio.sleep(60)
            ctx.watch.check()
            ctx.hass.check()
            done = time.monotonic() - ctx.t0
            log(f"{done / 60:.0f}/{schedule.seconds / 60:.0f} min: {len(ctx.record.flips)}"
                f" alarm changes, {len(ctx.record.outages)} faults so far")

    ticker = asyncio.create_task(progress())
    try:
        await asyncio.gather(*tasks)
        await asyncio.sleep(max(0.0, ctx.t0 + schedule.seconds - time.monotonic()))
    finally:
        ticker.cancel()


# ------------------------------------------------------------------ analysis


Change = tuple[float, str, str | None, str | None]


class Timeline:
    """Each entity's states over time, for "what did HA show at t"."""

    def __init__(self, states: Sequence[Change]) -> None:
        self.by_entity: dict[str, list[tuple[float, str | None, str | None]]] = {}
        for t, eid, old, new in sorted(states, key=lambda c: c[0]):
            self.by_entity.setdefault(eid, []).append((t, old, new))
        self.times = {e: [c[0] for c in v] for e, v in self.by_entity.items()}

    def at(self, entity: str, t: float) -> str | None:
        i = bisect.bisect_right(self.times.get(entity, []), t)
        return self.by_entity[entity][i - 1][2] if i else None

    def changes(self, entity: str, t0: float, t1: float) -> list[tuple[float, str | None,
                                                                       str | None]]:
        times = self.times.get(entity, [])
        lo, hi = bisect.bisect_left(times, t0), bisect.bisect_left(times, t1)
        return self.by_entity[entity][lo:hi] if times else []


@dataclass(frozen=True, slots=True)
class CamInfo:
    """What the analysis needs of a camera (plain data: the tests build these)."""

    index: int
    dialect: str
    alarm_entity: str
    entities: tuple[str, ...]
    alarm_sensors: tuple[str, ...]
    device_ids: frozenset[str]
    tokens: tuple[str, ...]


def windows(outages: Sequence[Outage], cam: int, now: float) -> list[tuple[float, float]]:
    """The camera's outage windows: each fault's start to its end + GRACE."""
    return sorted((o.start, (o.end or now) + GRACE) for o in outages if o.camera == cam)


def overlaps(spans: Sequence[tuple[float, float]], a: float, b: float) -> bool:
    return any(s < b and a < e for s, e in spans)


def judge_transitions(cams: Sequence[CamInfo], record: Record, end: float) -> dict[str, Any]:
    """Delivered / late / lost / duplicated among the judged transitions."""
    timeline = Timeline(record.states)
    out: Counter[str] = Counter()
    latency: list[float] = []
    examples: list[dict[str, Any]] = []
    for cam in cams:
        spans = windows(record.outages, cam.index, end)
        flips = [(t, on) for t, c, on in record.flips if c == cam.index]
        starts = [s for s, _ in spans]
        kind, index = ALARM_EVENT[cam.dialect]
        for i, (t, on) in enumerate(flips):
            out["made"] += 1
            if t + DELIVER > end or overlaps(spans, t, t + DELIVER):
                continue
            out["judged"] += 1
            span_end = min([flips[i + 1][0] if i + 1 < len(flips) else end,
                            *(s for s in starts if s > t)])
            want = "on" if on else "off"
            changes = timeline.changes(cam.alarm_entity, t, max(span_end, t + DELIVER))
            hits = [c for c in changes if c[2] == want]
            if hits and hits[0][0] <= t + DELIVER:
                out["delivered"] += 1
                latency.append((hits[0][0] - t) * 1000)
            elif hits and hits[0][0] < span_end:
                out["late"] += 1
            else:
                out["lost"] += 1
                if len(examples) < 10:
                    examples.append({"camera": cam.index, "dialect": cam.dialect,
                                     "entity": cam.alarm_entity, "on": on,
                                     "shown": timeline.at(cam.alarm_entity, t + DELIVER)})
            flaps = [c for c in changes if c[0] < span_end and {c[1], c[2]} <= {"on", "off"}]
            events = [e for e in record.events if t <= e[0] < span_end
                      and e[1] in cam.device_ids and (e[2], e[3]) == (kind, index)]
            same = sum(1 for e in events if e[4] == on)
            extra_states = max(0, len(flaps) - 1)
            extra_events = max(0, same - 1) + (len(events) - same)
            if extra_states or extra_events:
                out["duplicated"] += 1
                out["duplicate_states"] += extra_states
                out["duplicate_events"] += extra_events
    return {**{k: out[k] for k in ("made", "judged", "delivered", "late", "lost",
                                    "duplicated", "duplicate_states", "duplicate_events")},
            "latency_ms": dist(latency), "lost_examples": examples}


def first_time(candidates: Iterable[float], ok: Callable[[float], bool]) -> float | None:
    for t in sorted(candidates):
        if ok(t):
            return t
    return None


def judge_outages(cams: Sequence[CamInfo], record: Record, end: float) -> list[dict[str, Any]]:
    """Per outage: seconds to unavailable, back, and correct after the fault ended."""
    timeline = Timeline(record.states)
    by_index = {c.index: c for c in cams}
    out: list[dict[str, Any]] = []
    for o in record.outages:
        cam = by_index[o.camera]
        o_end = o.end or end
        later = [x.start for x in record.outages if x.camera == o.camera and x.start > o.start]
        limit = min([*later, end])
        before = [e for e in cam.entities
                  if timeline.at(e, o.start - 0.001) not in (None, "unavailable")]
        candidates = [o_end, *(t for e in cam.entities for t, *_ in
                               timeline.changes(e, o_end, limit)),
                      *(t for t, c, _ in record.flips if c == o.camera and o_end <= t < limit)]
        flips = [(t, on) for t, c, on in record.flips if c == o.camera]

        def truth(t: float, flips: list[tuple[float, bool]] = flips) -> str:
            last = [on for when, on in flips if when <= t]
            return "on" if last and last[-1] else "off"

        def available(t: float, before: list[str] = before) -> bool:
            return all(timeline.at(e, t) not in (None, "unavailable") for e in before)

        def correct(t: float, cam: CamInfo = cam) -> bool:
            return available(t) and timeline.at(cam.alarm_entity, t) == truth(t)

        gone = first_time((t for e in cam.entities for t, _o, new in
                           timeline.changes(e, o.start, o_end + GRACE) if new == "unavailable"),
                          lambda _t: True)
        back = first_time(candidates, available) if gone is not None else None
        fixed = first_time(candidates, correct)
        out.append({
            "camera": o.camera, "dialect": cam.dialect, "kind": o.kind,
            "duration_s": round(o_end - o.start, 2),
            "unavailable_after_s": None if gone is None else round(gone - o.start, 2),
            "back_after_s": None if back is None else round(back - o_end, 2),
            "correct_after_s": None if fixed is None else round(fixed - o_end, 2),
            "interrupted": fixed is None and limit < end,
            "requests_per_min": round(o.requests / max(o_end - o.start, 1.0) * 60, 1),
            "requests_per_min_after": round(o.requests_after / (min(60.0, GRACE) / 60), 1),
            "failed_logins_cgi": o.failed_logins_cgi,
            "failed_logins_onvif": o.failed_logins_onvif, "reauth": o.reauth,
            "onvif_refused": o.onvif_refused,
            "wall_start": o.wall_start, "wall_end": o.wall_end or time.time(),
        })
    return out


def parse_log(path: Path) -> tuple[list[tuple[float, str, str, str]], list[str]]:
    """(epoch, level, logger, message) of every log line, and the tracebacks' first lines."""
    lines: list[tuple[float, str, str, str]] = []
    tracebacks: list[str] = []
    last = ""
    for raw in path.read_text(errors="replace").splitlines():
        m = LOG_LINE.match(raw)
        if m:
            when = datetime.fromisoformat(m[1]).replace(tzinfo=UTC).timestamp()
            lines.append((when, m[2], m[3], m[4]))
            last = raw
        elif raw.startswith("Traceback (most recent call last)"):
            tracebacks.append(last[:300])
    return lines, tracebacks


def log_lines_per_outage(outages: list[dict[str, Any]], cams: Sequence[CamInfo],
                         lines: Sequence[tuple[float, str, str, str]]) -> None:
    ours = [(t, msg) for t, level, logger, msg in lines
            if logger.startswith(f"custom_components.{DOMAIN}") and level != "DEBUG"]
    by_index = {c.index: c for c in cams}
    for o in outages:
        tokens = by_index[o["camera"]].tokens
        o["log_lines"] = sum(1 for t, msg in ours
                             if o["wall_start"] - 1 <= t <= o["wall_end"] + GRACE
                             and any(tok in msg for tok in tokens))


# ------------------------------------------------------------------ report


@dataclass
class Row:
    section: str
    metric: str
    value: float | int | str | None
    goal: str = ""
    ok: bool | None = None
    hard: bool = False  # a correctness goal (--strict fails the run on a MISS)

    @property
    def result(self) -> str:
        return "" if self.ok is None else "PASS" if self.ok else "MISS"


def flat(resources: dict[str, Any], key: str) -> tuple[float, bool]:
    start, end = resources["start"][key], resources["end"][key]
    growth = end - start
    return growth, growth <= max(5, 0.02 * start)


def summary_rows(result: dict[str, Any]) -> list[Row]:
    tr = result["transitions"]
    outages = result["outages"]
    rows = [
        Row("transitions", "made by the simulators", tr["made"]),
        Row("transitions", "judged (camera reachable)", tr["judged"]),
        Row("transitions", "delivered within 5 s", tr["delivered"]),
        Row("transitions", "late (after 5 s)", tr["late"], "0", tr["late"] == 0),
        Row("transitions", "lost while reachable", tr["lost"], "0", tr["lost"] == 0, True),
        Row("transitions", "duplicated while reachable", tr["duplicated"], "0",
            tr["duplicated"] == 0, True),
        Row("transitions", "latency p50 (ms)", tr["latency_ms"]["p50"]),
        Row("transitions", "latency p99 (ms)", tr["latency_ms"]["p99"]),
        Row("state", "binary sensors stuck on at the end", result["stuck_on"], "0",
            result["stuck_on"] == 0, True),
    ]
    correct = [o["correct_after_s"] for o in outages if o["correct_after_s"] is not None]
    never = sum(1 for o in outages if o["correct_after_s"] is None and not o["interrupted"])
    rows += [
        Row("recovery", "outages", len(outages)),
        Row("recovery", "correct after recovery, p50 (s)", dist(correct)["p50"]),
        Row("recovery", "correct after recovery, max (s)", dist(correct)["max"],
            f"<= {GRACE:.0f}", bool(correct) and max(correct) <= GRACE),
        Row("recovery", "never correct before the next fault", never, "0", never == 0),
    ]
    for kind in KINDS:
        mine = [o for o in outages if o["kind"] == kind]
        if not mine:
            continue
        gone = [o["unavailable_after_s"] for o in mine if o["unavailable_after_s"] is not None]
        back = [o["back_after_s"] for o in mine if o["back_after_s"] is not None]
        fixed = [o["correct_after_s"] for o in mine if o["correct_after_s"] is not None]
        during = [o["requests_per_min"] for o in mine]
        after = [o["requests_per_min_after"] for o in mine]
        lines = [o["log_lines"] for o in mine]
        rows += [
            Row(f"outage: {kind}", "count / went unavailable", f"{len(mine)} / {len(gone)}"),
            Row(f"outage: {kind}", "unavailable after, p50/max (s)", pair(gone)),
            Row(f"outage: {kind}", "back after the end, p50/max (s)", pair(back)),
            Row(f"outage: {kind}", "correct after the end, max (s)", dist(fixed)["max"],
                f"<= {GRACE:.0f}", bool(fixed) and max(fixed) <= GRACE),
            Row(f"outage: {kind}", "req/cam/min during, p50/max",
                pair(during) if kind not in GONE_KINDS else "refused: not counted"),
            Row(f"outage: {kind}", "req/cam/min the minute after, p50/max", pair(after)),
            Row(f"outage: {kind}", "log lines per outage, max", max(lines, default=0), "<= 2",
                max(lines, default=0) <= 2),
        ]
    # "no flow; ONVIF repair followed ...": counted as "no flow" (see follow_onvif_repair)
    reauth = Counter(o["reauth"].split(";")[0] for o in outages if o["kind"] == "password")
    logins = result["failed_logins"]
    changes = sum(reauth.values())
    held = int(logins.get("onvif_right_password", 0))
    wrong = logins["cgi"] + logins["onvif"] - held
    rows += [
        Row("logins", "password changes", changes),
        Row("logins", "reauth answered / no flow / failed",
            f"{reauth['answered']} / {reauth['no flow']} / "
            f"{changes - reauth['answered'] - reauth['no flow']}"),
        Row("logins", "failed logins, CGI", logins["cgi"]),
        Row("logins", "failed logins, ONVIF", logins["onvif"]),
        Row("logins", "failed logins, total", logins["cgi"] + logins["onvif"]),
        Row("logins", "  of which tokens checked late (right password)", held),
        Row("logins", "failed logins with the old password", wrong,
            f"<= {changes} (one per change)", wrong <= changes),
        Row("hass", "tracebacks in the log", len(result["tracebacks"]), "0",
            not result["tracebacks"], True),
        Row("hass", "ERROR lines in the log", result["error_lines"]),
    ]
    return rows + summary_rows_resources(result)


def summary_rows_resources(result: dict[str, Any]) -> list[Row]:
    """hass's RSS, open files, tasks and threads over the run (and its traced heap)."""
    res = result["resources"]
    rows: list[Row] = []
    for key, unit, goal in (("rss_mib", "MiB", "< 10 MiB growth"),
                            ("open_fds", "", "flat"), ("tasks", "", "flat")):
        growth, ok = flat(res, key)
        if key == "rss_mib":
            ok = growth < 10
        rows.append(Row("hass", f"{key} start -> end",
                        f"{res['start'][key]:.0f} -> {res['end'][key]:.0f} {unit}".strip(),
                        goal, ok))
    rows.append(Row("hass", "threads start -> end",
                    f"{res['start']['threads']} -> {res['end']['threads']}"))
    if (half := halfway(res)) is not None:
        # A leak climbs in both halves; a warm-up (each fault's first time, each entity's
        # first state change) fills the first half and stays.
        growth = res["end"]["rss_mib"] - half["rss_mib"]
        rows.append(Row("hass", "rss_mib second half",
                        f"{half['rss_mib']:.0f} -> {res['end']['rss_mib']:.0f} MiB",
                        "< 10 MiB growth", growth < 10))
    if (halves := by_half(res, "open_fds")) is not None:
        # Sockets come and go with the connection pool (a fault's reconnects are a
        # spike): a leak raises the middle of the readings, not only their peaks.
        first, second = (statistics.median(half) for half in halves)
        rows.append(Row("hass", "open_fds median, first half -> second half",
                        f"{first:.0f} -> {second:.0f} (peaks {max(halves[0])} -> "
                        f"{max(halves[1])})", "flat", second - first <= max(5, 0.02 * first)))
    if "heap_mib" in res["end"]:
        rows.append(Row("hass", "python heap start -> end (traced, after gc)",
                        f"{res['start']['heap_mib']:.1f} -> {res['end']['heap_mib']:.1f} MiB"))
    return rows


def halfway(resources: dict[str, Any]) -> dict[str, Any] | None:
    """The sample nearest the middle of the run (None before a sample was taken)."""
    samples: list[dict[str, Any]] = resources.get("samples") or []
    if not samples:
        return None
    middle = (resources["start"]["at"] + resources["end"]["at"]) / 2
    nearest: dict[str, Any] = min(samples, key=lambda sample: abs(sample["at"] - middle))
    return nearest


def by_half(resources: dict[str, Any], key: str) -> tuple[list[Any], list[Any]] | None:
    """The ``key`` readings of the first and of the second half of the run (the start's,
    taken before any fault, left out); None without readings in both."""
    readings = [*(resources.get("samples") or []), resources["end"]]
    middle = (resources["start"]["at"] + resources["end"]["at"]) / 2
    first = [r[key] for r in readings if r["at"] < middle]
    second = [r[key] for r in readings if r["at"] >= middle]
    if not first or not second:
        return None
    return first, second


def print_heap_growth(resources: dict[str, Any]) -> None:
    """Where a traced heap grew most between the start and the end of the run."""
    growth = resources["end"].get("heap_growth")
    if not growth:
        return
    print("\nhass heap growth, start -> end (tracemalloc, after gc), largest first:")
    for stat in growth:
        print(f"  {stat['kib']:>9.1f} KiB {stat['blocks']:>+8} blocks  {stat['where']}")


def pair(values: Sequence[float]) -> str:
    if not values:
        return "n/a"
    d = dist(values)
    return f"{d['p50']:.1f} / {d['max']:.1f}"


def print_rows(rows: Sequence[Row]) -> None:
    section = None
    for row in rows:
        if row.section != section:
            section = row.section
            print(f"\n== {section}")
            print(f"{'metric':<42} {'value':>22}  {'goal':<28} result")
        value = row.value
        text = "n/a" if value is None else f"{value:.1f}" if isinstance(value, float) \
            else str(value)
        print(f"{row.metric:<42} {text:>22}  {row.goal:<28} {row.result}")
    print()


# ------------------------------------------------------------------ main


def cam_infos(cams: Sequence[Cam]) -> list[CamInfo]:
    titles = Counter(c.title for c in cams)
    out = []
    for c in cams:
        tokens = [f"{c.sim.host}:{c.sim.port}"]
        if c.title and titles[c.title] == 1:
            tokens += [f"'{c.title}'", f"{c.title}:", f"{c.title} "]
        out.append(CamInfo(c.index, c.dialect, c.alarm_entity or "", tuple(c.entities),
                           tuple(c.alarm_sensors), frozenset(c.device_ids), tuple(tokens)))
    return out


async def soak(args: argparse.Namespace, run_dir: Path) -> dict[str, Any]:
    schedule = make_schedule(args.seed, args.cameras, args.minutes)
    log(f"schedule: {len(schedule.faults)} faults, {len(schedule.flips)} alarm changes"
        f" over {args.minutes:g} min (seed {args.seed})")
    port = free_port()
    hass = Hass(run_dir / "config", run_dir / "hass.log", allocator_env(args.allocator))
    record = Record()
    watch = Watch(record)
    cams: list[Cam] = []
    try:
        for i in range(args.cameras):
            dialect = DIALECTS[i % len(DIALECTS)]
            sim = make_sim(dialect, i)
            sim.latency, sim.jitter = args.latency_ms / 1000, args.jitter_ms / 1000
            sim.one_at_a_time = args.serial
            sim.rng = random.Random(f"soak:{args.seed}:sim:{i}")
            await sim.start()
            cams.append(Cam(i, dialect, sim, base_latency=sim.latency))
        write_config(hass.config_dir, port, args.trace_memory)
        await hass.start()
        timeout = aiohttp.ClientTimeout(total=120)
        async with aiohttp.ClientSession(timeout=timeout,
                                         connector=aiohttp.TCPConnector(limit=100)) as session:
            api = HassApi(session, f"http://127.0.0.1:{port}")
            await wait_hass_running(api, hass)
            await api.onboard()
            await wait_core_running(api, hass)
            assert api.token is not None
            watch.task = asyncio.create_task(watch.run(session, api.base, api.token))
            await asyncio.wait_for(watch.ready.wait(), 30)
            ctx = Ctx(args, api, hass, watch, record, cams)
            log(f"adding {len(cams)} cameras through the config flow")
            slots = asyncio.Semaphore(5)
            await asyncio.gather(*(add_camera(ctx, c, slots) for c in cams))
            await wait_ready(ctx)
            log("every camera's alarm sensor is up; settling 30 s")
            await asyncio.sleep(30)
            resources = {"start": await hass_resources(ctx)}
            logins0 = [failed_logins(c.sim) for c in cams]
            since = time.monotonic()
            log(f"start: {brief(resources['start'])}")
            sampler = asyncio.create_task(sample_resources(ctx, resources))
            try:
                await run_schedule(ctx, schedule)
            finally:
                sampler.cancel()
            await find_entities(ctx)
            end = time.monotonic()
            resources["end"] = await hass_resources(ctx)
            log(f"end: {brief(resources['end'])}")
            logins1 = [failed_logins(c.sim) for c in cams]
            stuck = [e for c in cams for e in c.alarm_sensors if record.current.get(e) == "on"]
            infos = cam_infos(cams)
            await watch_stop(watch)
            await hass.stop()
    finally:
        await watch_stop(watch)
        await hass.stop()
        for cam in cams:
            await cam.sim.stop()
    return {
        "schedule": {"faults": len(schedule.faults), "flips": len(schedule.flips)},
        "end": end, "record": asdict(record), "cameras": [asdict(i) for i in infos],
        "stuck": stuck, "resources": resources,
        "failed_logins": {"cgi": sum(b[0] - a[0] for a, b in zip(logins0, logins1, strict=True)),
                          "onvif": sum(b[1] - a[1]
                                       for a, b in zip(logins0, logins1, strict=True)),
                          "onvif_right_password": sum(onvif_held_tokens(c, record, since)
                                                      for c in cams)},
    }


def analyse(raw: dict[str, Any], log_path: Path) -> dict[str, Any]:
    """The results from what a run recorded (``--analyse`` reruns this on a saved run)."""
    rec = raw["record"]
    record = Record(
        flips=[(t, c, on) for t, c, on in rec["flips"]],
        outages=[Outage(**o) for o in rec["outages"]],
        states=[(t, e, old, new) for t, e, old, new in rec["states"]],
        events=[(t, d, k, i, a) for t, d, k, i, a in rec["events"]],
    )
    infos = [CamInfo(c["index"], c["dialect"], c["alarm_entity"], tuple(c["entities"]),
                     tuple(c["alarm_sensors"]), frozenset(c["device_ids"]), tuple(c["tokens"]))
             for c in raw["cameras"]]
    end = float(raw["end"])
    lines, tracebacks = parse_log(log_path)
    outages = judge_outages(infos, record, end)
    log_lines_per_outage(outages, infos, lines)
    return {
        "schedule": raw["schedule"],
        "transitions": judge_transitions(infos, record, end),
        "outages": outages,
        "stuck_on": len(raw["stuck"]), "stuck_entities": raw["stuck"],
        "failed_logins": raw["failed_logins"],
        "resources": raw["resources"],
        "tracebacks": tracebacks,
        "error_lines": sum(1 for _t, level, _l, _m in lines if level in ("ERROR", "CRITICAL")),
        "events_by_kind": dict(Counter(f"{e[2]}/{e[3]}" for e in record.events)),
    }


def allocator_env(allocator: str) -> dict[str, str]:
    """hass's environment for ``allocator``: jemalloc as the Home Assistant OS and
    Container images preload and tune it, or the C library's own malloc (a Core
    install)."""
    if allocator == "glibc":
        return {}
    found = sorted(Path("/usr/lib").glob("*/libjemalloc.so.2")) + sorted(
        Path("/usr/lib").glob("libjemalloc.so.2"))
    if not found:
        raise BenchError("jemalloc is not installed (Debian: apt-get install libjemalloc2);"
                         " or run with --allocator glibc")
    return {"LD_PRELOAD": str(found[0]), "MALLOC_CONF": HA_MALLOC_CONF}


async def watch_stop(watch: Watch) -> None:
    if watch.task is not None:
        watch.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await watch.task


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cameras", type=int, default=40, help="cameras, dialects in turn (40)")
    parser.add_argument("--minutes", type=float, default=30, help="chaos schedule length (30)")
    parser.add_argument("--seed", type=int, default=1, help="schedule seed (1)")
    parser.add_argument("--latency-ms", type=float, default=0, help="every camera's latency")
    parser.add_argument("--jitter-ms", type=float, default=0, help="and its jitter")
    parser.add_argument("--serial", action="store_true", help="one request at a time")
    parser.add_argument("--analyse", type=Path, metavar="RUN_DIR",
                        help="no run: print the table of a saved run (its raw.json)")
    parser.add_argument("--allocator", choices=("jemalloc", "glibc"), default="jemalloc",
                        help="hass's malloc: jemalloc as Home Assistant OS and Container "
                             "preload it (default), or glibc's as a Core install has")
    parser.add_argument("--trace-memory", action="store_true",
                        help="trace hass's Python heap (tracemalloc; slower): the run "
                             "reports where it grew, after a garbage collection")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when a correctness goal (lost, duplicated, stuck,"
                             " tracebacks) misses; the others are reported only")
    args = parser.parse_args(argv)
    if args.minutes * 60 < WARMUP + TAIL + 60:
        parser.error(f"--minutes must leave room for the chaos (> {(WARMUP + TAIL + 60) / 60:.1f})")
    os.chdir(ROOT)
    os.environ["TZ"] = "UTC"  # hass's log timestamps, compared with this clock
    time.tzset()
    signal.signal(signal.SIGTERM, _terminate)
    # A simulator answering a client that already gave up (a stall released) is the
    # fault working, not news: aiohttp would print a traceback for each.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    raise_file_limit(args.cameras)
    started = datetime.now()
    if args.analyse is not None:
        run_dir = args.analyse
        stem = run_dir.name
    else:
        stem = f"soak-{started:%Y%m%d-%H%M%S}"
        run_dir = RESULTS / stem
        run_dir.mkdir(parents=True, exist_ok=True)
        try:
            raw = asyncio.run(soak(args, run_dir))
        except (BenchError, DemoError, aiohttp.ClientError, TimeoutError) as err:
            log(f"FAILED: {type(err).__name__}: {err}")
            print(f"--- end of {run_dir / 'hass.log'} ---\n{tail(run_dir / 'hass.log', 40)}",
                  file=sys.stderr)
            return 1
        (run_dir / "raw.json").write_text(json.dumps(raw, default=str))
    result = analyse(json.loads((run_dir / "raw.json").read_text()), run_dir / "hass.log")
    rows = summary_rows(result)
    print_rows(rows)
    print_heap_growth(result["resources"])
    out = run_dir.parent / f"{stem}.json"
    out.write_text(json.dumps({
        "started": started.isoformat(timespec="seconds"), "args": vars(args),
        "definitions": __doc__, "table": [asdict(r) | {"result": r.result} for r in rows],
        "result": result,
    }, indent=2, default=str))
    print(f"wrote {out} (hass log and raw record in {run_dir})")
    hard_miss = [r.metric for r in rows if r.hard and r.ok is False]
    if hard_miss:
        log(f"correctness goals missed: {', '.join(hard_miss)}")
    return 1 if args.strict and hard_miss else 0


if __name__ == "__main__":
    sys.exit(main())
