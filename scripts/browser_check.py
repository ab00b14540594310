#!/usr/bin/env python3
"""What a user sees: Debian's chromium, driven by Playwright, against the demo's hass.

``scripts/demo --check-browser`` runs this after ``--check``; against an already running
``scripts/demo --port N`` it runs alone: ``.venv/bin/python scripts/browser_check.py
--base http://127.0.0.1:N``. It

1. logs in through Home Assistant's login form,
2. opens every camera's device page (a PNG of each in ``.demo/screenshots/``) and fails
   on raw translation keys and states, names that say nothing ("Device", "IPCamera",
   "Camera 127.0.0.1"), clumsy sizes, "Unavailable" entities, and a page without the
   entities its camera must have (:data:`EXPECTED_TEXTS`, before any alarm),
3. raises an alarm on a simulator (the camera's own manual-alarm CGI) and measures how
   long the device page takes to show it (must be under 1 s),
4. opens a recording in the media browser and expects a video element with a source,
   under a day folder that states its clock,
5. presses "PTZ left" on a PTZ camera's device page and expects its simulator to receive
   a move left, then a stop.

The cameras come from ``.demo/sim.log`` (the simulators' JSON lines) and are matched to
their hass devices by configuration URL; the PTZ commands a simulator receives are JSON
lines there too (``{"ptz": {...}, "port": N}``, printed by ``python -m tests.sim``).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Coroutine, Iterable, Sequence
import contextlib
from dataclasses import dataclass, field, replace
import importlib.util
import json
from pathlib import Path
import re
import sys
import time
from typing import TYPE_CHECKING, Any

import aiohttp

if TYPE_CHECKING:
    # Only requirements/browser.txt installs playwright; mypy may run without it.
    from playwright.async_api import (  # type: ignore[import-not-found, unused-ignore]
        Browser,
        Page,
    )

ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = ROOT / ".demo"
SIM_LOG = DEMO_DIR / "sim.log"
SCREENSHOTS = DEMO_DIR / "screenshots"
DOMAIN = "cgi_camera"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-background-networking")
VIEWPORT_WIDTH, VIEWPORT_HEIGHT = 1280, 900  # small PNGs, room for two card columns

# Condition timeouts (ms): generous, the machine is shared; the alarm bound is the claim.
PAGE_TIMEOUT_MS = 60_000
ALARM_LIMIT_S = 1.0
# The camera whose manual-alarm CGI raises an alarm input, and that input's entity.
ALARM_CAMERA = ("param_cgi", "ipc")
ALARM_ENTITY_SUFFIX = "_alarm_input_1"
# What its row says while raised (an alarm input is a safety sensor: "Unsafe"/"Safe").
ALARM_ON_TEXT = "Unsafe"
# alarmFlag 1 raises, 2 ends (AlarmSourceType 1: an alarm input).
ALARM_CGI = "/cgi-bin/alarm.cgi?action=manual&alarmInID=1&AlarmSourceType=1&alarmFlag={flag}"
# The camera whose SD card the media browser shows.
MEDIA_CAMERA = ("uid_xml", "000")
# The camera whose "PTZ left" button is pressed, and what its simulator reports for a
# move left (any speed; seed 000 §3.15: move_x -1) and for the stop that ends the step.
PTZ_CAMERA = ("uid_xml", "000")
PTZ_LEFT_KEY = "ptz_left"  # the button's translation key
PTZ_LEFT = {"move_x": "-1", "move_y": "0"}
PTZ_STOP = {"stop": "1"}
# A press moves for the step length (0.5 s by default) before it stops: time enough.
PTZ_WAIT_S = 15.0

# Text that must never reach a user: untranslated keys.
RAW_KEY_PATTERNS = (re.compile(r"component\.cgi_camera\b"), re.compile(r"\[%key:"))
# Names that tell a user nothing: a firmware default, or "Camera <address>" (what a camera
# that reports no model was once called).
DEFAULT_NAMES = frozenset({"IPCamera", "IP Camera", "IPC", "Camera"})
ADDRESS_NAME = re.compile(r"^Camera \d{1,3}(\.\d{1,3}){3}$")
# A state shown as its raw key (no_card, not_enabled): an untranslated enum option.
RAW_STATE = re.compile(r"^[a-z]+(_[a-z0-9]+)+$")
# A size in a unit it does not read well in ("0.064 GB" for 64 MB, "12.000 GB").
CLUMSY_SIZE = re.compile(r"\b(0\.0\d*|\d+\.\d{3,}) ?[kMGT]B\b")
# How a media folder states its clock ("camera time, UTC+08:00", "Home Assistant time, …").
CLOCK_STATED = re.compile(r"\((camera time, UTC[+-]\d\d:\d\d|Home Assistant time\b)")
# What the device page of a demo camera must show before any alarm was raised: its PTZ
# controls, and the alarm sensors its configuration declares (issue 13, points 1 and 4).
EXPECTED_TEXTS: dict[tuple[str, str], tuple[str, ...]] = {
    ("uid_xml", "000"): ("PTZ left", "PTZ step length", "PTZ preset", "Motion"),
    ("param_cgi", "ipc"): ("PTZ left", "PTZ preset", "Alarm input 1", "Sound", "Intrusion",
                           "SD card used"),
    ("cgi_action", "cbt"): ("Alarm input 1",),
}

# All text nodes under a node, shadow roots included (innerText stops at them).
DEEP_TEXT_JS = """
(root) => {
  const out = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) {
      const t = node.textContent.trim();
      if (t) out.push(t);
      return;
    }
    if (node.nodeType !== Node.ELEMENT_NODE && node.nodeType !== Node.DOCUMENT_FRAGMENT_NODE
        && node.nodeType !== Node.DOCUMENT_NODE) return;
    if (node.nodeName === 'STYLE' || node.nodeName === 'SCRIPT') return;
    if (node.shadowRoot) walk(node.shadowRoot);
    for (const child of node.childNodes) walk(child);
  };
  walk(root || document);
  return out;
}
"""

# The text of the entity row showing one entity (device page rows keep their config).
ROW_TEXT_JS = """
([entityId, deepText]) => {
  const text = eval(deepText);
  const found = [];
  const walk = (node) => {
    if (node.nodeType !== Node.ELEMENT_NODE && node.nodeType !== Node.DOCUMENT_FRAGMENT_NODE
        && node.nodeType !== Node.DOCUMENT_NODE) return;
    const cfg = node._config || node.config;
    if (node.localName && node.localName.endsWith('-entity-row') && cfg
        && cfg.entity === entityId) { found.push(node); return; }
    if (node.shadowRoot) walk(node.shadowRoot);
    for (const child of node.childNodes) walk(child);
  };
  walk(document);
  return found.length ? text(found[0]).join(' ') : null;
}
"""


# The Press button of the entity row showing one entity (None: no such row or button).
ROW_BUTTON_JS = """
(entityId) => {
  let found = null;
  const walk = (node) => {
    if (found || (node.nodeType !== Node.ELEMENT_NODE
        && node.nodeType !== Node.DOCUMENT_FRAGMENT_NODE
        && node.nodeType !== Node.DOCUMENT_NODE)) return;
    const cfg = node._config || node.config;
    if (node.localName && node.localName.endsWith('-entity-row') && cfg
        && cfg.entity === entityId) { found = node; return; }
    if (node.shadowRoot) walk(node.shadowRoot);
    for (const child of node.childNodes) walk(child);
  };
  walk(document);
  const root = found && (found.shadowRoot || found);
  return root ? root.querySelector('mwc-button, ha-button, button') : null;
}
"""


class BrowserCheckError(Exception):
    """The browser check could not run (missing tool, no demo); the message says why."""


@dataclass(frozen=True)
class Camera:
    """A demo camera as the simulator reported it, with its hass device."""

    dialect: str
    variant: str
    host: str
    port: int
    device_id: str = ""
    name: str = ""
    entry_id: str = ""
    parent: str = ""  # the camera's name, for a device behind it (an NVR channel)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@dataclass
class Outcome:
    problems: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    alarm_latency_s: dict[str, float] = field(default_factory=dict)  # page -> seconds
    screenshots: list[Path] = field(default_factory=list)


def log(msg: str) -> None:
    print(f"[browser {time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ------------------------------------------------------------------ pure helpers


def chromium_problem(path: Path = CHROMIUM) -> str | None:
    """Why the browser cannot start, with what to install; None when it can."""
    if path.is_file():
        return None
    return (f"{path} not found: the browser check drives Debian's chromium.\n"
            "  Install it: apt-get install chromium")


def sim_cameras(lines: Iterable[str]) -> list[Camera]:
    """The cameras in the simulators' output (one JSON object a line, then READY)."""
    cams: list[Camera] = []
    for line in lines:
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            info = json.loads(line)
            cams.append(Camera(str(info["dialect"]), str(info["variant"]),
                               str(info["host"]), int(info["port"])))
        except (ValueError, KeyError, TypeError):
            continue  # a log line that merely starts with a brace
    return cams


def sim_ptz_commands(lines: Iterable[str], port: int) -> list[dict[str, Any]]:
    """The PTZ commands the simulator listening on ``port`` reported, in order."""
    commands: list[dict[str, Any]] = []
    for line in lines:
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            info = json.loads(line)
        except ValueError:
            continue
        if isinstance(info, dict) and info.get("port") == port and isinstance(
                info.get("ptz"), dict):
            commands.append(info["ptz"])
    return commands


def ptz_step_problem(commands: Sequence[dict[str, Any]]) -> str | None:
    """What is wrong with the commands a press sent (a move left, then a stop); None: right."""
    left = next((i for i, c in enumerate(commands) if PTZ_LEFT.items() <= c.items()), None)
    if left is None:
        return f"no move left among {list(commands)}"
    if PTZ_STOP not in commands[left + 1:]:
        return f"a move left but no stop after it: {list(commands)}"
    return None


def device_name(device: dict[str, Any]) -> str:
    return str(device.get("name_by_user") or device.get("name") or "")


def attach_devices(cams: Sequence[Camera], devices: Iterable[dict[str, Any]]) -> list[Camera]:
    """Each camera with the hass device whose configuration URL is the camera's, then the
    devices behind it (an NVR's channels), in registry order."""
    devices = list(devices)
    by_url = {str(d.get("configuration_url") or "").rstrip("/"): d for d in devices}
    out: list[Camera] = []
    for cam in cams:
        dev = by_url.get(cam.url)
        if dev is None:
            continue
        entry_id = str((dev.get("config_entries") or [""])[0])
        out.append(replace(cam, device_id=str(dev["id"]), name=device_name(dev),
                           entry_id=entry_id))
        out += [replace(cam, device_id=str(child["id"]), name=device_name(child),
                        entry_id=entry_id, parent=device_name(dev))
                for child in devices if child.get("via_device_id") == dev["id"]]
    return out


def text_problems(texts: Iterable[str], *, healthy: bool = True) -> list[str]:
    """What a page must not show: raw keys and states, names that say nothing ("Device",
    "IPCamera", "Camera 127.0.0.1"), "Unavailable"."""
    problems: list[str] = []
    for text in dict.fromkeys(texts):
        if any(p.search(text) for p in RAW_KEY_PATTERNS):
            problems.append(f"raw translation key: {text!r}")
        elif text == "Device":
            problems.append('"Device" shown as a name (a device or entity named exactly that)')
        elif text.removeprefix("by ") in DEFAULT_NAMES or ADDRESS_NAME.match(text):
            problems.append(f"a name that says nothing: {text!r}")
        elif RAW_STATE.match(text):
            problems.append(f"raw state or key shown: {text!r}")
        elif CLUMSY_SIZE.search(text):
            problems.append(f"a size in the wrong unit or precision: {text!r}")
        elif healthy and text == "Unavailable":
            problems.append('"Unavailable" shown on a healthy camera')
    return problems


def missing_texts(texts: Iterable[str], expected: Iterable[str]) -> list[str]:
    """The expected entity names a page does not show."""
    shown = set(texts)
    return [f"no {name!r} on the page" for name in expected if name not in shown]


def tools_problem(path: Path = CHROMIUM) -> str | None:
    """Why the check cannot run (no chromium, no playwright), with the fix; else None."""
    if why := chromium_problem(path):
        return why
    if importlib.util.find_spec("playwright") is None:
        return ("playwright is not installed: pip install -r requirements/browser.txt"
                " (scripts/demo --check-browser does)")
    return None


def slug(text: str) -> str:
    """A file-name-safe form of a device name."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "device"


# ------------------------------------------------------------------------- hass


async def login_token(session: aiohttp.ClientSession, base: str, user: str, password: str) -> str:
    """An access token through the same login flow the form uses."""
    client_id = f"{base}/"
    async with session.post(f"{base}/auth/login_flow", json={
        "client_id": client_id, "handler": ["homeassistant", None], "redirect_uri": client_id,
    }) as resp:
        flow = await resp.json()
    async with session.post(f"{base}/auth/login_flow/{flow['flow_id']}", json={
        "client_id": client_id, "username": user, "password": password,
    }) as resp:
        res = await resp.json()
    if res.get("type") != "create_entry":
        raise BrowserCheckError(f"login to {base} failed: {res.get('errors') or res}")
    async with session.post(f"{base}/auth/token", data={
        "grant_type": "authorization_code", "code": res["result"], "client_id": client_id,
    }) as resp:
        return str((await resp.json())["access_token"])


async def ws_command(session: aiohttp.ClientSession, base: str, token: str,
                     msg: dict[str, Any]) -> Any:
    async with session.ws_connect(f"{base}/api/websocket", max_msg_size=0) as ws:
        await ws.receive_json()
        await ws.send_json({"type": "auth", "access_token": token})
        if (await ws.receive_json()).get("type") != "auth_ok":
            raise BrowserCheckError("websocket auth failed")
        await ws.send_json({"id": 1, **msg})
        res = await ws.receive_json()
        if not res.get("success"):
            raise BrowserCheckError(f"websocket {msg['type']} failed: {res}")
        return res["result"]


# ---------------------------------------------------------------------- browser


async def deep_texts(page: Page) -> list[str]:
    return list(await page.evaluate(DEEP_TEXT_JS))


async def log_in(page: Page, base: str, user: str, password: str) -> None:
    await page.goto(f"{base}/")
    await page.locator("input[name=username]").fill(user)
    await page.locator("input[name=password]").fill(password)
    await page.locator("input[name=password]").press("Enter")
    await page.wait_for_url(re.compile(r"/lovelace|/home|/config|/0$|/overview"),
                            timeout=PAGE_TIMEOUT_MS)
    await page.locator("home-assistant-main").wait_for(timeout=PAGE_TIMEOUT_MS)


async def open_device(page: Page, base: str, cam: Camera) -> None:
    await page.goto(f"{base}/config/devices/device/{cam.device_id}")
    # The entity cards are rendered once a row of this device's entities is there.
    await page.wait_for_function(
        "() => (" + DEEP_TEXT_JS + ")().some(t => t === 'Controls' || t === 'Sensors'"
        " || t === 'Configuration')", timeout=PAGE_TIMEOUT_MS)


async def settle(page: Page) -> None:
    """Let lazily loaded parts (icons, pictures) arrive before a screenshot."""
    from playwright.async_api import (  # type: ignore[import-not-found, unused-ignore]
        TimeoutError as PlaywrightTimeout,
    )

    # A page that keeps fetching (camera pictures) is still worth a picture.
    with contextlib.suppress(PlaywrightTimeout):
        await page.wait_for_load_state("networkidle", timeout=5_000)


async def check_device_pages(page: Page, base: str, cams: Sequence[Camera],
                             outcome: Outcome) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for cam in cams:
        label = f"{cam.dialect}:{cam.variant} " + (
            f"'{cam.parent}' > '{cam.name}'" if cam.parent else f"'{cam.name}'")
        await open_device(page, base, cam)
        await settle(page)
        child = f"-{slug(cam.name)}" if cam.parent else ""
        shot = SCREENSHOTS / f"device-{cam.dialect}-{cam.variant}{child}.png"
        await page.screenshot(path=str(shot))
        outcome.screenshots.append(shot)
        texts = await deep_texts(page)
        found = text_problems(texts)
        if not cam.parent:
            found += missing_texts(texts, EXPECTED_TEXTS.get((cam.dialect, cam.variant), ()))
        outcome.problems += [f"device page {label}: {p}" for p in found]
        log(f"device page {label}: {'OK' if not found else f'{len(found)} problem(s)'}")


async def check_dashboard(page: Page, base: str, cams: Sequence[Camera],
                          outcome: Outcome) -> None:
    """The default dashboard (every entity, grouped): the same rules as a device page."""
    await page.goto(f"{base}/lovelace/0")
    names = json.dumps([c.name for c in cams if not c.parent])
    await page.wait_for_function(
        f"() => {{ const t = ({DEEP_TEXT_JS})(); return {names}.some(n => t.includes(n)); }}")
    await settle(page)
    shot = SCREENSHOTS / "dashboard.png"
    await page.screenshot(path=str(shot))
    outcome.screenshots.append(shot)
    found = text_problems(await deep_texts(page))
    outcome.problems += [f"dashboard: {p}" for p in found]
    log(f"dashboard: {'OK' if not found else f'{len(found)} problem(s)'}")


async def row_text(page: Page, entity_id: str) -> str | None:
    text = await page.evaluate(ROW_TEXT_JS, [entity_id, DEEP_TEXT_JS])
    return None if text is None else str(text)


def row_text_is(entity_id: str, op: str, text: str | None) -> str:
    """A page function: the entity's row text compared (``===``/``!==``) with ``text``."""
    args = json.dumps([entity_id, DEEP_TEXT_JS])
    return f"() => ({ROW_TEXT_JS})({args}) {op} {json.dumps(text)}"


async def set_alarm(page: Page, cam: Camera, entity_id: str, flag: int,
                    session: aiohttp.ClientSession, auth: aiohttp.BasicAuth) -> float:
    """Raise (1) or end (2) the alarm over the camera's CGI; seconds until the row changes.

    A row already showing the wanted state (an alarm left on) changes nothing: 0.
    """
    before = await row_text(page, entity_id)
    start = time.monotonic()
    async with session.get(cam.url + ALARM_CGI.format(flag=flag), auth=auth) as resp:
        if resp.status != 200:
            raise BrowserCheckError(f"manual alarm CGI on {cam.url}: HTTP {resp.status}")
        answer = await resp.text()
    if answer.lower().startswith("error"):  # "error, Return=-N": the camera refused it
        raise BrowserCheckError(f"manual alarm CGI on {cam.url} refused: {answer.strip()!r}")
    # Ten times the claim: a slow machine still passes, a lost alarm fails fast.
    await page.wait_for_function(row_text_is(entity_id, "!==", before), polling=10,
                                 timeout=ALARM_LIMIT_S * 10_000)
    latency = time.monotonic() - start
    log(f"alarm flag {flag}: row {before!r} -> {await row_text(page, entity_id)!r}"
        f" in {latency * 1000:.0f} ms")
    return latency


async def check_alarm(page: Page, url: str, where: str, cam: Camera, entity_id: str,
                      session: aiohttp.ClientSession, auth: aiohttp.BasicAuth,
                      outcome: Outcome) -> None:
    """Raise the camera's alarm input 1 over its CGI; time until the page at url shows it."""
    await page.goto(url)
    await page.wait_for_function(row_text_is(entity_id, "!==", None))
    if (await row_text(page, entity_id) or "").endswith(f" {ALARM_ON_TEXT}"):
        await set_alarm(page, cam, entity_id, 2, session, auth)  # left on by an earlier run
    latency = await set_alarm(page, cam, entity_id, 1, session, auth)
    outcome.alarm_latency_s[where] = latency
    await page.screenshot(path=str(SCREENSHOTS / f"alarm-{where.replace(' ', '-')}.png"))
    if not (await row_text(page, entity_id) or "").endswith(f" {ALARM_ON_TEXT}"):
        outcome.problems.append(
            f"alarm: the {where}'s {entity_id} row does not say {ALARM_ON_TEXT}")
    if latency > ALARM_LIMIT_S:
        outcome.problems.append(
            f"alarm took {latency:.2f} s to reach the {where} (limit {ALARM_LIMIT_S} s)")
    await set_alarm(page, cam, entity_id, 2, session, auth)  # leave the demo as it was


async def media_titles(session: aiohttp.ClientSession, base: str, token: str,
                       cam: Camera) -> list[str]:
    """The titles to click from the camera down to a recording: first day, first file."""
    titles: list[str] = []
    content_id = f"media-source://{DOMAIN}/{cam.entry_id}"
    for _ in range(2):
        node = await ws_command(session, base, token, {
            "type": "media_source/browse_media", "media_content_id": content_id})
        if not node.get("children"):
            raise BrowserCheckError(f"media browser: {node.get('title')!r} has nothing in it")
        first = node["children"][0]
        titles.append(str(first["title"]))
        content_id = first["media_content_id"]
    return titles


async def check_media(page: Page, base: str, cam: Camera, outcome: Outcome,
                      session: aiohttp.ClientSession, token: str) -> None:
    """Media → CGI Camera → the camera → a day → a recording: a video with a source."""
    titles = await media_titles(session, base, token, cam)
    await page.goto(f"{base}/media-browser/browser")
    browse = page.locator("ha-media-player-browse")
    for step in ("CGI Camera", cam.name, *titles):
        await browse.get_by_text(step, exact=True).first.click(timeout=PAGE_TIMEOUT_MS)
    video = page.locator("video")
    await video.first.wait_for(timeout=PAGE_TIMEOUT_MS)
    # The day's folder says which clock its days and times are on (issue 13, point 5).
    if not any(CLOCK_STATED.search(text) for text in await deep_texts(page)):
        outcome.problems.append("media browser: the day folder does not say its clock")
    handle = await video.first.element_handle()
    await page.wait_for_function("(v) => !!(v.currentSrc || v.src)", arg=handle)
    src = str(await handle.evaluate("(v) => v.currentSrc || v.src"))
    # Playing needs the codec (Debian's chromium has H.264); a media error is a failure.
    await page.wait_for_function("(v) => v.readyState >= 2 || v.error !== null", arg=handle)
    if error := await handle.evaluate("(v) => v.error && `${v.error.code} ${v.error.message}`"):
        outcome.problems.append(f"media browser: the recording does not play: {error}")
    await page.screenshot(path=str(SCREENSHOTS / "media-browser.png"))
    if not src:
        outcome.problems.append("media browser: the recording's video element has no src")
    else:
        state = await handle.evaluate("(v) => `readyState ${v.readyState}, ${v.duration} s`")
        log(f"media browser: '{titles[-1]}' plays ({state}) from {src.split('?')[0][:60]}...")


async def check_ptz(page: Page, base: str, cam: Camera, entity_id: str,
                    outcome: Outcome) -> None:
    """Press "PTZ left" on the camera's device page: its simulator sees a move and a stop."""
    await open_device(page, base, cam)
    await page.wait_for_function(row_text_is(entity_id, "!==", None))
    text = await row_text(page, entity_id) or ""
    if "PTZ left" not in text:
        outcome.problems.append(f"PTZ: the {entity_id} row does not say 'PTZ left': {text!r}")
    before = len(sim_ptz_commands(SIM_LOG.read_text(errors="replace").splitlines(), cam.port))
    button = (await page.evaluate_handle(ROW_BUTTON_JS, entity_id)).as_element()
    if button is None:
        raise BrowserCheckError(f"no Press button in the {entity_id} row")
    start = time.monotonic()
    await button.click()
    while True:
        sent = sim_ptz_commands(SIM_LOG.read_text(errors="replace").splitlines(),
                                cam.port)[before:]
        problem = ptz_step_problem(sent)
        if problem is None:
            break
        if time.monotonic() - start > PTZ_WAIT_S:
            outcome.problems.append(
                f"PTZ left: after {PTZ_WAIT_S:g} s the simulator saw {problem}")
            return
        await asyncio.sleep(0.05)
    shot = SCREENSHOTS / "ptz-left.png"
    await page.screenshot(path=str(shot))
    outcome.screenshots.append(shot)
    log(f"PTZ left on '{cam.name}': the simulator received {sent} in"
        f" {(time.monotonic() - start) * 1000:.0f} ms")


async def step(name: str, outcome: Outcome, coro: Coroutine[Any, Any, None]) -> None:
    """Run one check; a failure is that check's problem, and the next checks still run."""
    from playwright.async_api import (  # type: ignore[import-not-found, unused-ignore]
        Error as PlaywrightError,
    )

    try:
        await coro
    except (PlaywrightError, BrowserCheckError, aiohttp.ClientError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        outcome.problems.append(f"{name}: {first}")


async def run_checks(browser: Browser, base: str, token: str, user: str, password: str,
                     cam_auth: aiohttp.BasicAuth, session: aiohttp.ClientSession) -> Outcome:
    outcome = Outcome()
    devices = await ws_command(session, base, token, {"type": "config/device_registry/list"})
    cams = attach_devices(sim_cameras(SIM_LOG.read_text(errors="replace").splitlines()),
                          devices)
    if not cams:
        raise BrowserCheckError(f"no demo camera in {SIM_LOG} matches a hass device")
    context = await browser.new_context(
        viewport={"width": VIEWPORT_WIDTH, "height": VIEWPORT_HEIGHT})
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    page = await context.new_page()
    await log_in(page, base, user, password)
    log("logged in through the login form")
    await step("device pages", outcome, check_device_pages(page, base, cams, outcome))
    await step("dashboard", outcome, check_dashboard(page, base, cams, outcome))

    alarm_cam = next((c for c in cams if (c.dialect, c.variant) == ALARM_CAMERA), None)
    entities = await ws_command(session, base, token, {"type": "config/entity_registry/list"})
    alarm_entity = next((e["entity_id"] for e in entities if alarm_cam
                         and e.get("device_id") == alarm_cam.device_id
                         and e["entity_id"].endswith(ALARM_ENTITY_SUFFIX)), None)
    if alarm_cam is None or alarm_entity is None:
        outcome.problems.append(f"alarm: no {ALARM_CAMERA} camera with an alarm input entity")
    else:
        pages = {"device page": f"{base}/config/devices/device/{alarm_cam.device_id}",
                 "dashboard": f"{base}/lovelace/0"}
        for where, url in pages.items():
            await step(f"alarm ({where})", outcome, check_alarm(
                page, url, where, alarm_cam, alarm_entity, session, cam_auth, outcome))

    media_cam = next((c for c in cams if (c.dialect, c.variant) == MEDIA_CAMERA), None)
    if media_cam is None:
        outcome.problems.append(f"media browser: no {MEDIA_CAMERA} camera")
    else:
        await step("media browser", outcome,
                   check_media(page, base, media_cam, outcome, session, token))

    ptz_cam = next((c for c in cams if (c.dialect, c.variant) == PTZ_CAMERA and not c.parent),
                   None)
    ptz_entity = next((e["entity_id"] for e in entities if ptz_cam
                       and e.get("device_id") == ptz_cam.device_id
                       and e.get("platform") == DOMAIN
                       and e.get("translation_key") == PTZ_LEFT_KEY), None)
    if ptz_cam is None or ptz_entity is None:
        outcome.problems.append(f"PTZ: no {PTZ_CAMERA} camera with a PTZ left button")
    else:
        await step("PTZ left", outcome, check_ptz(page, base, ptz_cam, ptz_entity, outcome))
    await context.close()
    return outcome


async def run(base: str, token: str | None, user: str, password: str,
              cam_user: str, cam_password: str) -> Outcome:
    """The whole browser check; raises BrowserCheckError when it cannot run."""
    if why := tools_problem():
        raise BrowserCheckError(why)
    try:
        from playwright.async_api import (  # type: ignore[import-not-found, unused-ignore]
            Error as PlaywrightError,
            async_playwright,
        )
    except ImportError:
        raise BrowserCheckError(
            "playwright is not installed: pip install -r requirements/browser.txt"
            " (scripts/demo --check-browser does)") from None
    start = time.monotonic()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        token = token or await login_token(session, base, user, password)
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=str(CHROMIUM),
                                               args=list(CHROMIUM_ARGS))
            try:
                outcome = await run_checks(browser, base, token, user, password,
                                           aiohttp.BasicAuth(cam_user, cam_password), session)
            except PlaywrightError as err:
                raise BrowserCheckError(f"browser: {err}") from None
            finally:
                await browser.close()
    log(f"done in {time.monotonic() - start:.1f} s")
    return outcome


def report(outcome: Outcome) -> bool:
    """Prints the outcome; True when nothing failed."""
    for skipped in outcome.skipped:
        log(f"SKIPPED: {skipped}")
    for problem in outcome.problems:
        log(f"PROBLEM: {problem}")
    for where, latency in outcome.alarm_latency_s.items():
        log(f"alarm latency (raise -> {where} DOM): {latency * 1000:.0f} ms")
    log(f"screenshots: {', '.join(p.name for p in outcome.screenshots)} in"
        f" {SCREENSHOTS.relative_to(ROOT)}")
    return not outcome.problems


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from scripts.demo import CAM_PASSWORD, CAM_USER, HA_PASSWORD, HA_USER

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8123", help="the demo's hass URL")
    args = parser.parse_args()
    try:
        outcome = asyncio.run(run(args.base, None, HA_USER, HA_PASSWORD, CAM_USER, CAM_PASSWORD))
    except BrowserCheckError as err:
        print(f"browser check: FAILED: {err}", file=sys.stderr)
        return 1
    return 0 if report(outcome) else 1


if __name__ == "__main__":
    sys.exit(main())
