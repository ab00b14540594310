#!/usr/bin/env python3
"""Run a real Home Assistant against simulated cameras (scripts/demo runs this in .venv).

1. start the camera simulators (``python -m tests.sim``),
2. write a fresh ``.demo/config`` and start ``hass`` on it,
3. onboard over REST (user ``demo``), add every simulated camera through the
   integration's config flow (and options flow for a non-default RTSP port),
4. either stay up until Ctrl-C, or with ``--check`` verify headlessly that every
   camera's entities exist with real states, that a snapshot is a JPEG and that the
   camera's ONVIF device service answers on its HTTP port (every simulator speaks it);
   ``--check-browser`` then also runs scripts/browser_check.py (chromium).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Iterable, Mapping
import contextlib
import ctypes.util
from dataclasses import dataclass, field
import importlib
import json
import os
from pathlib import Path
import shutil
import signal
import socket
import sys
import time
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = "cgi_camera"
DEMO_DIR = ROOT / ".demo"
CONFIG_DIR = DEMO_DIR / "config"
HASS_LOG = DEMO_DIR / "hass.log"
LONG_LIVED_TOKEN_DAYS = 1
SIM_LOG = DEMO_DIR / "sim.log"

# Login for the Home Assistant UI (a throw-away local demo instance).
HA_USER = "demo"
HA_PASSWORD = "cgi-camera-demo"
# Login the simulated cameras accept.
CAM_USER = "admin"
CAM_PASSWORD = "demo-camera-pw"


@dataclass(frozen=True)
class DemoCamera:
    """One simulated camera: ``tests.sim --camera DIALECT:VARIANT:PORT``."""

    dialect: str
    variant: str


# The cameras the demo shows. A new dialect is one line here.
DEMO_CAMERAS: tuple[DemoCamera, ...] = (
    DemoCamera("uid_xml", "000"),
    DemoCamera("uid_xml", "002"),
    DemoCamera("param_cgi", "ipc"),
    DemoCamera("param_cgi", "nvr"),
    DemoCamera("cgi_action", "cbt"),
    DemoCamera("cgi_message", "digest"),
)

# Timeouts (s). hass starts in ~10 s here; the margins are for slow CI machines.
SIM_READY_TIMEOUT = 60
HASS_API_TIMEOUT = 240
CHECK_TIMEOUT = 90
STOP_TIMEOUT = 30

# States that mean "no data", and domains whose entities sit at "unknown" until
# first used (a button's state is its last press), so "unknown" is fine there.
BAD_STATES = {"unavailable", "unknown"}
UNKNOWN_OK_DOMAINS = {"button", "event", "scene"}

# ONVIF's one question that needs no login (Core: GetSystemDateAndTime, PRE_AUTH).
ONVIF_PATH = "/onvif/device_service"
ONVIF_PROBE = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>'
    b'<GetSystemDateAndTime xmlns="http://www.onvif.org/ver10/device/wsdl"/>'
    b"</s:Body></s:Envelope>"
)


class DemoError(Exception):
    """A step failed; the message says which and why."""


@dataclass
class SimCamera:
    """A running simulated camera as reported by the simulator."""

    spec: DemoCamera
    host: str
    port: int
    username: str
    rtsp_port: int | None
    entry_id: str | None = None
    title: str = ""


@dataclass
class CheckRow:
    camera: SimCamera
    entry_state: str = "?"
    entities: dict[str, str] = field(default_factory=dict)  # entity_id -> state
    problems: list[str] = field(default_factory=list)
    snapshot: str = "-"
    onvif: str = "-"


# --------------------------------------------------------------------------- utils


def log(msg: str) -> None:
    print(f"[demo {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int, host: str = "0.0.0.0") -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def pick_rtsp_port() -> int:
    # 554 is what real cameras use and what the integration assumes; as root we
    # can usually bind it. Otherwise the demo sets rtsp_port via the options flow.
    return 554 if port_is_free(554) else free_port()


def tail(path: Path, lines: int = 60) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return f"({path} does not exist)"
    return "\n".join(text[-lines:])


# What hass logs when a core integration (frontend, http...) failed: it then serves
# only a recovery UI, on its stored or default port, and never the configured API.
RECOVERY_MARKERS = ("Activating recovery mode", "Starting in recovery mode")


def recovery_mode(log_path: Path) -> str | None:
    """Why hass fell back to recovery mode, read from its log; None when it did not."""
    try:
        lines = log_path.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return None
    if not any(marker in line for line in lines for marker in RECOVERY_MARKERS):
        return None
    failed = [line.split("] ", 1)[-1] for line in lines
              if " ERROR " in line and "[homeassistant.setup]" in line]
    why = "\n  ".join(dict.fromkeys(failed)) or "(no set-up error logged)"
    hint = ""
    if any("hass_frontend" in line for line in failed):
        hint = ("\n  The frontend package is missing: install requirements/demo.txt into"
                " the venv (scripts/demo and scripts/bench do).")
    return f"Home Assistant started in recovery mode:\n  {why}{hint}"


def check_turbojpeg() -> None:
    """hass's camera/stream code needs libturbojpeg (Debian: libturbojpeg0)."""
    if ctypes.util.find_library("turbojpeg") is None:
        raise DemoError(
            "libturbojpeg not found (Home Assistant's camera integration needs it).\n"
            "  Install it: apt-get install libturbojpeg0   (Fedora: libjpeg-turbo)"
        )


# ----------------------------------------------------------------------- children


class Children:
    """The subprocesses we started; stopped in reverse order, always."""

    def __init__(self) -> None:
        self.procs: list[tuple[str, asyncio.subprocess.Process]] = []
        self.tasks: list[asyncio.Task[None]] = []

    def add(self, name: str, proc: asyncio.subprocess.Process) -> None:
        self.procs.append((name, proc))

    def dead(self) -> str | None:
        for name, proc in self.procs:
            if proc.returncode is not None:
                return f"{name} exited with code {proc.returncode}"
        return None

    async def stop(self) -> None:
        for name, proc in reversed(self.procs):
            if proc.returncode is not None:
                continue
            log(f"stopping {name} (pid {proc.pid})")
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), STOP_TIMEOUT)
            except TimeoutError:
                log(f"{name} ignored SIGTERM for {STOP_TIMEOUT} s; killing it")
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await proc.wait()
        for task in self.tasks:
            task.cancel()
        self.procs.clear()


async def start_sims(children: Children, rtsp_port: int) -> list[SimCamera]:
    """Start tests.sim and wait for its per-camera JSON lines and READY."""
    cmd = [sys.executable, "-m", "tests.sim"]
    for cam in DEMO_CAMERAS:
        cmd += ["--camera", f"{cam.dialect}:{cam.variant}:{free_port()}"]
    cmd += ["--username", CAM_USER, "--password", CAM_PASSWORD, "--rtsp-port", str(rtsp_port)]
    log("starting simulators: " + " ".join(cmd[1:]).replace(CAM_PASSWORD, "***"))
    sim_log = SIM_LOG.open("wb")
    proc = await asyncio.create_subprocess_exec(
        *cmd,
        cwd=ROOT,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=sim_log,
        start_new_session=True,  # Ctrl-C reaches only us; we stop children in order
        # The demo hass runs in UTC; cameras that keep bare local time must agree, or
        # its clock check would rightly report them hours off.
        env={**os.environ, "TZ": "UTC"},
    )
    children.add("simulators", proc)
    assert proc.stdout is not None
    reported: list[dict[str, Any]] = []

    async def read_until_ready() -> None:
        assert proc.stdout is not None
        while True:
            raw = await proc.stdout.readline()
            if not raw:
                raise DemoError(
                    f"simulators exited before READY (code {await proc.wait()});"
                    f" log:\n{tail(SIM_LOG)}"
                )
            sim_log.write(raw)
            sim_log.flush()
            line = raw.decode(errors="replace").strip()
            if line == "READY":
                return
            if line.startswith("{"):
                reported.append(json.loads(line))

    try:
        await asyncio.wait_for(read_until_ready(), SIM_READY_TIMEOUT)
    except TimeoutError:
        raise DemoError(
            f"simulators not READY after {SIM_READY_TIMEOUT} s; log:\n{tail(SIM_LOG)}"
        ) from None

    async def drain() -> None:
        # Keep reading so a chatty simulator never blocks on a full pipe.
        assert proc.stdout is not None
        while raw := await proc.stdout.readline():
            sim_log.write(raw)
            sim_log.flush()

    children.tasks.append(asyncio.create_task(drain()))

    cams: list[SimCamera] = []
    for spec, info in zip(DEMO_CAMERAS, reported, strict=False):
        if (info.get("dialect"), str(info.get("variant"))) != (spec.dialect, spec.variant):
            raise DemoError(f"simulator reported {info}, expected {spec}")
        rtsp = info.get("rtsp_port")
        cams.append(
            SimCamera(
                spec=spec,
                host=str(info["host"]),
                port=int(info["port"]),
                username=str(info.get("username", CAM_USER)),
                rtsp_port=int(rtsp) if rtsp else None,
            )
        )
    if len(cams) != len(DEMO_CAMERAS):
        raise DemoError(
            f"simulators reported {len(reported)} cameras, expected {len(DEMO_CAMERAS)}"
        )
    return cams


def write_config(port: int) -> None:
    """A fresh, minimal, offline-safe Home Assistant config."""
    shutil.rmtree(CONFIG_DIR, ignore_errors=True)
    (CONFIG_DIR / "custom_components").mkdir(parents=True)
    (CONFIG_DIR / "custom_components" / DOMAIN).symlink_to(ROOT / "custom_components" / DOMAIN)
    # Not default_config: it pulls in cloud, zeroconf, ssdp, ... which go online.
    (CONFIG_DIR / "configuration.yaml").write_text(
        f"""# Written by scripts/demo on every run; edits are lost.
homeassistant:
  name: CGI Camera demo
  country: DE
  time_zone: UTC
  unit_system: metric
frontend:
api:
config:
repairs:
media_source:
# Device pages show what happened (history graphs, logbook) as on a real install.
recorder:
  purge_keep_days: 1
history:
logbook:
http:
  server_host: 127.0.0.1
  server_port: {port}
stream:
logger:
  default: warning
  logs:
    custom_components.{DOMAIN}: debug
"""
    )
    write_offline_storage(CONFIG_DIR)


def write_offline_storage(config_dir: Path) -> None:
    """What keeps a fresh hass offline (shared by scripts/bench and scripts/soak).

    The core_config onboarding step is marked done up front: finishing it over REST
    makes hass add google_translate, met, radio_browser and shopping_list, which
    pip-install packages and go online. The add-camera step searches the network
    (WS-Discovery multicast) from the enabled interfaces: only loopback is enabled, so
    nothing is sent off this machine (loopback is never searched: the probe is skipped).
    """
    storage = config_dir / ".storage"
    storage.mkdir()
    (storage / "onboarding").write_text(
        json.dumps(
            {"version": 4, "minor_version": 1, "key": "onboarding",
             "data": {"done": ["core_config"]}}
        )
    )
    (storage / "core.network").write_text(
        json.dumps({"version": 1, "key": "core.network",
                    "data": {"configured_adapters": ["lo"]}})
    )


async def start_hass(children: Children) -> None:
    cmd = [sys.executable, "-m", "homeassistant", "-c", str(CONFIG_DIR)]
    log("starting Home Assistant: hass -c " + str(CONFIG_DIR.relative_to(ROOT)))
    hass_log = HASS_LOG.open("wb")
    proc = await asyncio.create_subprocess_exec(
        *cmd,
        cwd=DEMO_DIR,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=hass_log,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    children.add("hass", proc)


# --------------------------------------------------------------------------- REST


class HassApi:
    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        self.session = session
        self.base = base
        self.client_id = f"{base}/"
        self.token: str | None = None

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    async def request(
        self, method: str, path: str, *, json_body: Any = None, ok: Iterable[int] = (200,)
    ) -> Any:
        async with self.session.request(
            method, self.base + path, json=json_body, headers=self._headers()
        ) as resp:
            text = await resp.text()
            if resp.status not in ok:
                raise DemoError(f"{method} {path} -> HTTP {resp.status}: {text[:500]}")
            return json.loads(text) if text else None

    async def wait_up(self, children: Children, log_path: Path = HASS_LOG) -> None:
        deadline = time.monotonic() + HASS_API_TIMEOUT
        while time.monotonic() < deadline:
            if dead := children.dead():
                raise DemoError(dead)
            if why := recovery_mode(log_path):
                raise DemoError(why)
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with self.session.get(self.base + "/api/onboarding") as resp:
                    if resp.status == 200:
                        return
            await asyncio.sleep(1)
        raise DemoError(f"Home Assistant HTTP API not up after {HASS_API_TIMEOUT} s")

    async def onboard(self) -> None:
        """Create the owner user, get a token, finish the remaining steps."""
        steps = {s["step"]: s["done"] for s in await self.request("GET", "/api/onboarding")}
        if steps.get("user"):
            raise DemoError("onboarding user step already done (stale config?)")
        res = await self.request(
            "POST",
            "/api/onboarding/users",
            json_body={"client_id": self.client_id, "name": "Demo", "username": HA_USER,
                       "password": HA_PASSWORD, "language": "en"},
        )
        async with self.session.post(
            self.base + "/auth/token",
            data={"grant_type": "authorization_code", "code": res["auth_code"],
                  "client_id": self.client_id},
        ) as resp:
            if resp.status != 200:
                raise DemoError(f"/auth/token -> HTTP {resp.status}: {await resp.text()}")
            self.token = (await resp.json())["access_token"]
        if not steps.get("core_config", False):
            await self.request("POST", "/api/onboarding/core_config", json_body={})
        await self.request("POST", "/api/onboarding/analytics", json_body={})
        await self.request(
            "POST",
            "/api/onboarding/integration",
            json_body={
                "client_id": self.client_id,
                "redirect_uri": f"{self.client_id}?auth_callback=1",
            },
        )
        left = [s["step"] for s in await self.request("GET", "/api/onboarding") if not s["done"]]
        if left:
            raise DemoError(f"onboarding steps still open: {left}")
        # An access token expires after 30 minutes and a soak runs longer. (Only now: the
        # onboarding steps above want the user's own login, not a long-lived token.)
        self.token = await self.ws_command({
            "type": "auth/long_lived_access_token", "client_name": "cgi_camera scripts",
            "lifespan": LONG_LIVED_TOKEN_DAYS,
        })

    async def add_camera(self, cam: SimCamera) -> None:
        """Config flow, as the UI's "Add integration" dialog runs it."""
        res = await self.request(
            "POST",
            "/api/config/config_entries/flow",
            json_body={"handler": DOMAIN, "show_advanced_options": False},
            ok=(200, 400, 404),
        )
        if "flow_id" not in res:
            raise DemoError(
                f"could not start the {DOMAIN} config flow: {res.get('message', res)}"
                " (integration missing or failed to import? see the hass log)"
            )
        values = {"host": cam.host, "port": cam.port, "username": cam.username,
                  "password": CAM_PASSWORD, "ssl": False, "verify_ssl": True}
        res = await self.submit_form("/api/config/config_entries/flow", res, values)
        if res.get("type") != "create_entry":
            raise DemoError(
                f"config flow for {cam.spec.dialect}:{cam.spec.variant} at {cam.host}:{cam.port}"
                f" did not create an entry: {flow_outcome(res)}"
            )
        cam.entry_id = res["result"]["entry_id"]
        cam.title = res.get("title") or res["result"].get("title", "")
        log(
            f"added {cam.spec.dialect}:{cam.spec.variant} at {cam.host}:{cam.port}"
            f" as '{cam.title}'"
        )

        if cam.rtsp_port is not None:
            await self.set_rtsp_port(cam)

    async def set_rtsp_port(self, cam: SimCamera) -> None:
        """Options flow, only when the simulator's RTSP port isn't the form's default."""
        res = await self.request(
            "POST", "/api/config/config_entries/options/flow", json_body={"handler": cam.entry_id}
        )
        current = form_values(res.get("data_schema", []))
        if current.get("rtsp_port") == cam.rtsp_port or (
            cam.rtsp_port == 554 and "rtsp_port" not in current
        ):
            # Nothing to change: abandon the flow so it doesn't linger.
            await self.request(
                "DELETE", f"/api/config/config_entries/options/flow/{res['flow_id']}"
            )
            return
        res = await self.submit_form(
            "/api/config/config_entries/options/flow", res, {"rtsp_port": cam.rtsp_port}
        )
        if res.get("type") != "create_entry":
            raise DemoError(f"options flow for '{cam.title}' failed: {flow_outcome(res)}")
        log(f"set rtsp_port={cam.rtsp_port} on '{cam.title}'")

    async def submit_form(
        self, base_path: str, form: Mapping[str, Any], values: Mapping[str, Any]
    ) -> Any:
        """Post the form's defaults overlaid with ``values`` (only fields it has)."""
        if form.get("type") != "form":
            raise DemoError(f"expected a form, got: {form}")
        schema = form.get("data_schema", [])
        names = {f["name"] for f in schema}
        missing = set(values) - names
        if missing:
            log(f"note: form {form.get('step_id')} has no field(s) {sorted(missing)}; not sent")
        payload = form_values(schema) | {k: v for k, v in values.items() if k in names}
        return await self.request(
            "POST", f"{base_path}/{form['flow_id']}", json_body=payload, ok=(200, 400)
        )

    async def ws_command(self, msg: dict[str, Any]) -> Any:
        """One websocket command (the entity registry has no REST endpoint)."""
        # No message size limit: the entity registry of 1000 cameras is ~30 MB, far
        # past aiohttp's 4 MiB default (MESSAGE_TOO_BIG).
        async with self.session.ws_connect(self.base + "/api/websocket",
                                           max_msg_size=0) as ws:
            await ws.receive_json()  # auth_required
            await ws.send_json({"type": "auth", "access_token": self.token})
            auth = await ws.receive_json()
            if auth.get("type") != "auth_ok":
                raise DemoError(f"websocket auth failed: {auth}")
            await ws.send_json({"id": 1, **msg})
            res = await ws.receive_json()
            if not res.get("success"):
                raise DemoError(f"websocket {msg['type']} failed: {res}")
            return res["result"]


def flow_outcome(res: Mapping[str, Any]) -> str:
    """The interesting part of a flow result, for error messages."""
    match res.get("type"):
        case "form":
            return f"form {res.get('step_id')!r} shown again with errors {res.get('errors')}"
        case "abort":
            return f"aborted: {res.get('reason')}"
        case None:
            return f"HTTP error: {res.get('message', res)}"
        case other:
            return f"result type {other!r}: {res}"


def form_values(schema: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Current values of a serialised form: suggested value, else default."""
    values: dict[str, Any] = {}
    for fld in schema:
        suggested = (fld.get("description") or {}).get("suggested_value")
        if suggested is not None:
            values[fld["name"]] = suggested
        elif "default" in fld:
            values[fld["name"]] = fld["default"]
    return values


# -------------------------------------------------------------------------- check


async def check_once(api: HassApi, cams: list[SimCamera]) -> list[CheckRow]:
    entries = {e["entry_id"]: e for e in await api.request(
        "GET", f"/api/config/config_entries/entry?domain={DOMAIN}")}
    registry = await api.ws_command({"type": "config/entity_registry/list"})
    issues = (await api.ws_command({"type": "repairs/list_issues"}))["issues"]
    raw_states = await api.request("GET", "/api/states")
    states = {s["entity_id"]: s["state"] for s in raw_states}
    # A write-only setting (assumed state) is honestly "unknown" until first used.
    assumed = {s["entity_id"] for s in raw_states if s["attributes"].get("assumed_state")}
    rows: list[CheckRow] = []
    for cam in cams:
        row = CheckRow(cam)
        rows.append(row)
        entry = entries.get(cam.entry_id or "")
        if entry is None:
            row.problems.append("config entry vanished")
            continue
        row.entry_state = entry["state"]
        if entry["state"] != "loaded":
            row.problems.append(f"entry {entry['state']}: {entry.get('reason') or ''}".strip())
            continue
        for reg in registry:
            if reg.get("config_entry_id") != cam.entry_id or reg.get("disabled_by"):
                continue
            eid = reg["entity_id"]
            state = states.get(eid, "<no state>")
            row.entities[eid] = state
            domain = eid.split(".", 1)[0]
            if state == "<no state>" or state == "unavailable" or (
                state == "unknown" and domain not in UNKNOWN_OK_DOMAINS and eid not in assumed
            ):
                row.problems.append(f"{eid} is {state}")
        if not row.entities:
            row.problems.append("no entities")
        # A healthy simulated camera needs nothing from the user (clock, streams...).
        row.problems += [f"repair issue {i['issue_id']}" for i in issues
                         if i["domain"] == DOMAIN and i["issue_id"].endswith(cam.entry_id or "-")]
        for eid in (e for e in row.entities if e.startswith("camera.")):
            row.snapshot = await snapshot(api, eid)
            if not row.snapshot.startswith("JPEG"):
                row.problems.append(f"{eid} snapshot: {row.snapshot}")
        if not any(e.startswith("camera.") for e in row.entities):
            row.problems.append("no camera entity")
        if cam.spec.dialect == "uid_xml" and cam.spec.variant == "000":
            row.problems += await recording_problems(api, cam)
        row.onvif = await onvif_probe(api.session, cam)
        if row.onvif != "ONVIF":
            row.problems.append(f"ONVIF device service: {row.onvif}")
        row.problems += onvif_entity_problems(row.entities)
    return rows


def onvif_entity_problems(entities: dict[str, str]) -> list[str]:
    """Every demo camera speaks ONVIF: its events are subscribed, it has motion."""
    problems: list[str] = []
    events = [state for eid, state in entities.items() if eid.endswith("_onvif_events")]
    if events != ["on"]:
        problems.append(f"ONVIF events sensor: {events or 'missing'}")
    if not any(eid.startswith("binary_sensor.") and "motion" in eid for eid in entities):
        problems.append("no motion sensor")
    return problems


async def onvif_probe(session: aiohttp.ClientSession, cam: SimCamera) -> str:
    """"ONVIF" when the camera's device service tells its time (no login), else why not."""
    url = f"http://{cam.host}:{cam.port}{ONVIF_PATH}"
    headers = {"Content-Type": "application/soap+xml; charset=utf-8"}
    try:
        async with session.post(url, data=ONVIF_PROBE, headers=headers) as resp:
            body = await resp.read()
    except (aiohttp.ClientError, TimeoutError) as err:
        return f"unreachable ({type(err).__name__})"
    if resp.status != 200 or b"SystemDateAndTime" not in body:
        return f"HTTP {resp.status}"
    return "ONVIF"


async def recording_problems(api: HassApi, cam: SimCamera) -> list[str]:
    """The seed-000 camera's SD recordings: listed in the media browser, playable."""
    root = f"media-source://{DOMAIN}/{cam.entry_id}"
    try:
        days = await api.ws_command({"type": "media_source/browse_media",
                                     "media_content_id": root})
        today = days["children"][0]["media_content_id"]
        files = (await api.ws_command({"type": "media_source/browse_media",
                                       "media_content_id": today}))["children"]
        if not files:
            return ["media browser lists no recording for today"]
        played = await api.ws_command({"type": "media_source/resolve_media",
                                       "media_content_id": files[0]["media_content_id"]})
    except (DemoError, KeyError, IndexError) as err:
        return [f"media browser: {err}"]
    async with api.session.get(api.base + played["url"]) as resp:
        body = await resp.read()
        if resp.status != 200 or resp.content_type != "video/mp4" or not body:
            return [f"recording playback: HTTP {resp.status} {resp.content_type}"]
    log(f"{cam.title}: {len(files)} recordings today; played one ({len(body)} B video/mp4)")
    return []


async def snapshot(api: HassApi, entity_id: str) -> str:
    async with api.session.get(
        f"{api.base}/api/camera_proxy/{entity_id}", headers=api._headers()
    ) as resp:
        body = await resp.read()
        if resp.status != 200:
            return f"HTTP {resp.status}"
        if body[:3] != b"\xff\xd8\xff":
            return f"not a JPEG ({resp.content_type}, {len(body)} bytes)"
        return f"JPEG {len(body)} B"


async def run_check(api: HassApi, cams: list[SimCamera], children: Children) -> bool:
    components = set((await api.request("GET", "/api/config"))["components"])
    if missing := {"recorder", "history", "logbook"} - components:
        # Device pages would show no activity: the demo's config promises it.
        raise DemoError(f"hass did not load {', '.join(sorted(missing))} (see the hass log)")
    log(f"checking entities, states and snapshots (up to {CHECK_TIMEOUT} s)")
    deadline = time.monotonic() + CHECK_TIMEOUT
    while True:
        if dead := children.dead():
            raise DemoError(dead)
        rows = await check_once(api, cams)
        # setup_error/migration_error don't heal by waiting; setup_retry might.
        final = any(r.entry_state in ("setup_error", "migration_error") for r in rows)
        if all(not r.problems for r in rows) or final or time.monotonic() > deadline:
            break
        await asyncio.sleep(3)
    print_summary(rows)
    return all(not r.problems for r in rows)


def print_summary(rows: list[CheckRow]) -> None:
    names = [f"{r.camera.spec.dialect}:{r.camera.spec.variant}" for r in rows]
    w = max([len("camera"), *map(len, names)])  # dialect names vary in length
    print()
    print(f"{'camera':<{w}} {'entry':<12} {'entities':>8}  {'snapshot':<18} {'onvif':<6} result")
    print("-" * (w + 57))
    for cam, r in zip(names, rows, strict=True):
        result = "OK" if not r.problems else "FAIL"
        print(f"{cam:<{w}} {r.entry_state:<12} {len(r.entities):>8}  {r.snapshot:<18}"
              f" {r.onvif:<6} {result}")
    for r in rows:
        print(f"\n{r.camera.title or r.camera.spec} ({r.camera.host}:{r.camera.port}):")
        for eid, state in sorted(r.entities.items()):
            print(f"  {eid:<50} {state}")
        for p in r.problems:
            print(f"  PROBLEM: {p}")
    print()


def browser_check_module() -> Any:
    """scripts/browser_check.py, after checking its browser is installed."""
    # Imported by name, not statically: playwright is only there for --check-browser,
    # and mypy (which follows tests' imports of this module) may run without it.
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    browser_check = importlib.import_module("scripts.browser_check")
    if why := browser_check.tools_problem():
        raise DemoError(why)  # before the set-up, not after
    return browser_check


async def run_browser_check(base: str, token: str | None) -> None:
    """scripts/browser_check.py against this hass: what a user sees, in chromium."""
    browser_check = browser_check_module()
    log("browser check: chromium + Playwright (device pages, alarm, media browser)")
    try:
        outcome = await browser_check.run(base, token, HA_USER, HA_PASSWORD,
                                          CAM_USER, CAM_PASSWORD)
    except browser_check.BrowserCheckError as err:
        raise DemoError(f"browser check: {err}") from None
    if not browser_check.report(outcome):
        raise DemoError("browser check failed (see PROBLEM lines above)")
    log("browser check passed")


# --------------------------------------------------------------------------- main


async def wait_for_stop(children: Children, stop: asyncio.Event) -> None:
    while not stop.is_set():
        if dead := children.dead():
            raise DemoError(f"{dead} unexpectedly")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 2)


async def run(args: argparse.Namespace) -> int:
    check_turbojpeg()
    if args.check_browser:
        browser_check_module()
    if not port_is_free(args.port, "127.0.0.1"):
        raise DemoError(f"port {args.port} is in use (another hass/demo?); try --port N")
    DEMO_DIR.mkdir(exist_ok=True)
    children = Children()
    stop = asyncio.Event()
    task = asyncio.current_task()
    assert task is not None

    def on_signal() -> None:
        # First Ctrl-C/SIGTERM interrupts whatever we await; later ones are ignored
        # so the cleanup below can finish stopping the children.
        if not stop.is_set():
            stop.set()
            task.cancel()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)
    serving = False
    try:
        cams = await start_sims(children, pick_rtsp_port())
        write_config(args.port)
        await start_hass(children)
        base = f"http://127.0.0.1:{args.port}"
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
            api = HassApi(session, base)
            await api.wait_up(children)
            log("HTTP API up; onboarding")
            await api.onboard()
            for cam in cams:
                await api.add_camera(cam)
            if args.check or args.check_browser:
                if not await run_check(api, cams, children):
                    raise DemoError("check failed (see PROBLEM lines above)")
                log("check passed")
                if args.check_browser:
                    await run_browser_check(base, api.token)
                return 0
            print(
                f"\n  Home Assistant: {base}\n"
                f"  Login:          {HA_USER} / {HA_PASSWORD}\n"
                f"  Cameras (camera login {CAM_USER} / {CAM_PASSWORD}):"
            )
            for cam in cams:
                rtsp = f", RTSP port {cam.rtsp_port}" if cam.rtsp_port else ""
                print(f"    {cam.title:<24} {cam.spec.dialect}:{cam.spec.variant}"
                      f" at {cam.host}:{cam.port}{rtsp}, ONVIF {ONVIF_PATH} there")
            print(f"  Logs: {HASS_LOG.relative_to(ROOT)}, {SIM_LOG.relative_to(ROOT)}")
            print("  Ctrl-C stops everything.\n", flush=True)
            serving = True
            await wait_for_stop(children, stop)
            return 0
    except asyncio.CancelledError:
        if not stop.is_set():
            raise
        task.uncancel()
        log("stopping" if serving else "interrupted")
        return 0 if serving else 130
    except (DemoError, aiohttp.ClientError, TimeoutError) as err:
        print(f"\ndemo: FAILED: {type(err).__name__ if not isinstance(err, DemoError) else ''}"
              f"{' ' if not isinstance(err, DemoError) else ''}{err}", file=sys.stderr)
        print(f"\n--- last lines of {HASS_LOG.relative_to(ROOT)} ---\n{tail(HASS_LOG)}",
              file=sys.stderr)
        print(f"--- last lines of {SIM_LOG.relative_to(ROOT)} ---\n{tail(SIM_LOG, 20)}",
              file=sys.stderr)
        return 1
    finally:
        await children.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="headless: verify every camera's entities, then exit")
    parser.add_argument("--check-browser", action="store_true",
                        help="--check, then log in with chromium and check what a user sees")
    parser.add_argument("--port", type=int, default=8123, help="Home Assistant HTTP port")
    args = parser.parse_args()
    os.chdir(ROOT)
    try:
        return asyncio.run(run(args))
    except DemoError as err:  # failures before any child started
        print(f"demo: FAILED: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
