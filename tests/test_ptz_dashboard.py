"""PTZ from the dashboard (issue 13): step buttons, their settings, presets by number.

Against the simulators: what each press sends is read from the simulator's PTZ log. A
step's wait is held open by the test (``ptz._hold``) where its order matters, so nothing
here depends on timing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
import json
from pathlib import Path
from typing import Any

from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant, State
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    mock_restore_cache_with_extra_data,
)

from custom_components.cgi_camera import ptz
from custom_components.cgi_camera.const import CONF_ONVIF, CONF_RTSP_PORT, DOMAIN, ONVIF_AUTO
from scripts.browser_check import ptz_step_problem, sim_cameras, sim_ptz_commands
from tests.dialects import DIALECTS, Dialect
from tests.helpers import entities_of, entity_id, settle, setup_entry, state_of, until
from tests.sim.__main__ import _echo_ptz
from tests.sim.base import SimServer

COMPONENT = Path(__file__).parents[1] / "custom_components" / "cgi_camera"
BY_NAME = {d.name: d for d in DIALECTS}
MOVES = ("left", "right", "up", "down", "up_left", "up_right", "down_left", "down_right",
         "zoom_in", "zoom_out", "focus_near", "focus_far", "iris_open", "iris_close")

# What each simulator logs for "left" at a native speed, and for a stop.
LEFT: dict[str, Callable[[int], dict[str, Any]]] = {
    "uid_xml": lambda n: {"move_x": "-1", "move_y": "0", "speed": str(n)},
    "param_cgi": lambda n: {"action": "rotate", "cameraID": "1", "pan": str(-n), "tilt": "0"},
    "cgi_action": lambda n: {"channel": 0, "speed_h": n, "speed_v": n, "ptz_cmd": 3},
    "cgi_message": lambda n: {"Direction": "3", "PanSpeed": str(n), "TiltSpeed": str(n)},
}
STOP: dict[str, Callable[[int], dict[str, Any]]] = {
    "uid_xml": lambda _: {"stop": "1"},
    "param_cgi": lambda _: {"action": "stop", "cameraID": "1"},
    "cgi_action": lambda n: {"channel": 0, "speed_h": n, "speed_v": n, "ptz_cmd": 21},
    "cgi_message": lambda _: {"Stop": "0"},
}
# A preset gone to, as each simulator without a preset list logs it.
GOTO: dict[str, Callable[[int], dict[str, Any]]] = {
    "uid_xml": lambda n: {"call_preset": str(n)},
    "cgi_action": lambda n: {"channel": 0, "speed_h": 50, "speed_v": n, "ptz_cmd": 20},
    "cgi_message": lambda n: {"PresetNumber": str(n), "Preset": "1"},
}


class Hold:
    """Stands in for a step's wait: records its length, returns when released."""

    def __init__(self) -> None:
        self.lengths: list[float] = []
        self.released = asyncio.Event()

    async def __call__(self, seconds: float) -> None:
        self.lengths.append(seconds)
        await self.released.wait()


@pytest.fixture
def hold(monkeypatch: pytest.MonkeyPatch) -> Hold:
    held = Hold()
    monkeypatch.setattr(ptz, "_hold", held)
    return held


@pytest.fixture
async def sim(request: pytest.FixtureRequest) -> AsyncIterator[SimServer]:
    server = BY_NAME[request.param].make()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def _setup(hass: HomeAssistant, sim: SimServer, dialect: Dialect,
                 **options: Any) -> MockConfigEntry:
    # RTSP port 1: nothing listens there, so stream discovery fails at once.
    return await setup_entry(hass, sim, dialect.name, dialect.unique_id,
                             options={CONF_RTSP_PORT: 1, **options})


def _dialect(sim: SimServer) -> Dialect:
    return next(d for d in DIALECTS if isinstance(sim, type(d.make())))


def _log(sim: SimServer) -> list[dict[str, Any]]:
    log: list[dict[str, Any]] = sim.ptz_log  # type: ignore[attr-defined]
    return log


def _native(entry: MockConfigEntry, percent: int) -> int:
    caps = entry.runtime_data.camera.capabilities.ptz
    assert caps is not None
    speed: int = caps.native_speed(percent)
    return speed


async def _call(hass: HomeAssistant, domain: str, service: str, target: str,
                **data: Any) -> None:
    await hass.services.async_call(domain, service, {ATTR_ENTITY_ID: target, **data},
                                   blocking=True)


def _keys(hass: HomeAssistant, entry: MockConfigEntry, prefix: str) -> dict[str, er.RegistryEntry]:
    """The entry's registry entries by the key of their unique id."""
    return {e.unique_id.removeprefix(f"{prefix}_"): e for e in entities_of(hass, entry)}


@pytest.mark.parametrize("sim", list(BY_NAME), indirect=True)
async def test_ptz_left_moves_one_step_then_stops(hass: HomeAssistant, sim: SimServer) -> None:
    dialect = _dialect(sim)
    entry = await _setup(hass, sim, dialect)
    button = entity_id(hass, "button", "ptz_left", dialect.unique_id)
    assert state_of(hass, button).name.endswith("PTZ left")
    before = len(_log(sim))
    await _call(hass, "button", "press", button)
    # The default step: half the head's speed range, then a stop.
    assert _log(sim)[before:] == [LEFT[dialect.name](_native(entry, 50)),
                                  STOP[dialect.name](_native(entry, 50))]


@pytest.mark.parametrize("sim", ["uid_xml", "cgi_action"], indirect=True)
async def test_step_length_and_speed_change_what_is_sent(
    hass: HomeAssistant, sim: SimServer, hold: Hold
) -> None:
    dialect = _dialect(sim)
    entry = await _setup(hass, sim, dialect)
    length = entity_id(hass, "number", "ptz_step_length", dialect.unique_id)
    speed = entity_id(hass, "number", "ptz_step_speed", dialect.unique_id)
    assert float(state_of(hass, length).state) == ptz.STEP_LENGTH
    assert float(state_of(hass, speed).state) == ptz.STEP_SPEED
    registry = er.async_get(hass)
    assert all(registry.async_get(e).entity_category == "config"  # type: ignore[union-attr]
               for e in (length, speed))
    await _call(hass, "number", "set_value", length, value=3.5)
    await _call(hass, "number", "set_value", speed, value=100)
    assert float(state_of(hass, length).state) == 3.5

    before = len(_log(sim))
    press = hass.async_create_task(
        _call(hass, "button", "press", entity_id(hass, "button", "ptz_left", dialect.unique_id)))
    await until(lambda: len(_log(sim)) > before)
    # Moving at full speed, for the step's length; no stop while the step lasts.
    assert _log(sim)[before:] == [LEFT[dialect.name](_native(entry, 100))]
    assert hold.lengths == [3.5]
    await asyncio.sleep(0)
    assert len(_log(sim)) == before + 1
    hold.released.set()
    await press
    assert _log(sim)[before + 1:] == [STOP[dialect.name](_native(entry, 50))]


@pytest.mark.parametrize("sim", ["uid_xml"], indirect=True)
async def test_a_cancelled_press_still_stops(
    hass: HomeAssistant, sim: SimServer, hold: Hold
) -> None:
    """The browser went away mid-step (its call is cancelled): the head stops anyway."""
    dialect = _dialect(sim)
    await _setup(hass, sim, dialect)
    before = len(_log(sim))
    press = hass.async_create_task(
        _call(hass, "button", "press", entity_id(hass, "button", "ptz_up", dialect.unique_id)))
    await until(lambda: len(_log(sim)) > before)
    press.cancel()
    with pytest.raises(asyncio.CancelledError):
        await press
    await until(lambda: _log(sim)[-1] == {"stop": "1"})
    assert _log(sim)[before:] == [{"move_x": "0", "move_y": "1", "speed": "5"}, {"stop": "1"}]
    assert not hold.released.is_set()  # the step never ran its course


@pytest.mark.parametrize("sim", ["uid_xml"], indirect=True)
async def test_a_failed_move_still_stops(hass: HomeAssistant, sim: SimServer) -> None:
    """The move reached the camera but its answer failed: it may be moving, so stop."""
    dialect = _dialect(sim)
    await _setup(hass, sim, dialect)
    sim.clear_requests()
    sim.fail("/cgi-bin/ptz_ctrl", 500, times=1)
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "button", "press",
                    entity_id(hass, "button", "ptz_zoom_in", dialect.unique_id))
    assert err.value.translation_key == "ptz_failed"
    sent = [dict(r.query) for r in sim.requests if r.path == "/cgi-bin/ptz_ctrl"]
    assert [{k: v for k, v in q.items() if k != "uid"} for q in sent][-2:] == [
        {"zoom": "1"}, {"stop": "1"}]
    assert _log(sim)[-1] == {"stop": "1"}


async def test_buttons_only_for_the_moves_the_head_has(hass: HomeAssistant) -> None:
    dialect = BY_NAME["cgi_message"]
    sim = dialect.make()
    # A head whose query reports directions only: no zoom, focus or iris.
    for lens in ("Zoom", "Focus", "Iris"):
        del sim.groups[("ptz", "PTZCtrlInfo")][lens]  # type: ignore[attr-defined]
    async with sim:
        entry = await _setup(hass, sim, dialect)
        keys = _keys(hass, entry, dialect.unique_id)
    moves = {m for m in MOVES if f"ptz_{m}" in keys}
    assert moves == {"left", "right", "up", "down", "up_left", "up_right", "down_left",
                     "down_right"}
    assert {"ptz_step_length", "ptz_step_speed", "ptz_stop", "ptz_preset"} <= set(keys)


async def test_no_ptz_entities_without_a_head(hass: HomeAssistant, uid_sim_002: SimServer) -> None:
    entry = await setup_entry(hass, uid_sim_002, unique_id="f0:00:00:aa:bb:cc")
    keys = _keys(hass, entry, "f0:00:00:aa:bb:cc")
    assert "reboot" in keys
    assert not [k for k in keys if k.startswith("ptz_")]


@pytest.mark.parametrize("sim", ["uid_xml"], indirect=True)
async def test_every_move_of_a_full_head_and_iris_off_by_default(
    hass: HomeAssistant, sim: SimServer
) -> None:
    dialect = _dialect(sim)
    entry = await _setup(hass, sim, dialect)
    keys = _keys(hass, entry, dialect.unique_id)
    for move in MOVES:
        button = keys[f"ptz_{move}"]
        assert button.entity_category is None  # on the dashboard, not in configuration
        off = move.startswith("iris")
        assert (button.disabled_by is er.RegistryEntryDisabler.INTEGRATION) is off, move


@pytest.mark.parametrize("sim", ["uid_xml", "cgi_action", "cgi_message"], indirect=True)
async def test_unlisted_presets_one_select_and_the_buttons_off(
    hass: HomeAssistant, sim: SimServer
) -> None:
    dialect = _dialect(sim)
    entry = await _setup(hass, sim, dialect)
    keys = _keys(hass, entry, dialect.unique_id)
    blind = [keys[f"ptz_preset_{n}"] for n in range(1, 6)]
    assert all(b.disabled_by is er.RegistryEntryDisabler.INTEGRATION for b in blind)
    select = entity_id(hass, "select", "ptz_preset", dialect.unique_id)
    assert state_of(hass, select).attributes["options"] == [
        "preset_1", "preset_2", "preset_3", "preset_4", "preset_5"]
    await _call(hass, "select", "select_option", select, option="preset_3")
    assert _log(sim)[-1] == GOTO[dialect.name](3)
    assert state_of(hass, select).state == "preset_3"


async def test_listed_presets_buttons_off_select_names_them(
    hass: HomeAssistant, ipc_sim: SimServer
) -> None:
    dialect = BY_NAME["param_cgi"]
    entry = await _setup(hass, ipc_sim, dialect)
    keys = _keys(hass, entry, dialect.unique_id)
    buttons = [e for k, e in keys.items() if k.startswith("ptz_preset_")]
    assert buttons
    assert all(b.disabled_by is er.RegistryEntryDisabler.INTEGRATION for b in buttons)
    select = state_of(hass, entity_id(hass, "select", "ptz_preset", dialect.unique_id))
    assert len(select.attributes["options"]) == len(buttons)
    assert all(": " in option for option in select.attributes["options"])


async def test_an_enabled_blind_button_stays_enabled_when_onvif_names_it(
    hass: HomeAssistant,
) -> None:
    dialect = BY_NAME["uid_xml"]
    async with dialect.make() as sim:
        entry = await _setup(hass, sim, dialect)
        registry = er.async_get(hass)
        blind = entity_id(hass, "button", "ptz_preset_2", dialect.unique_id)
        registry.async_update_entity(blind, disabled_by=None)
        # ONVIF on: the blind buttons are made at set-up, then named from its list.
        hass.config_entries.async_update_entry(
            entry, options={**entry.options, CONF_ONVIF: ONVIF_AUTO})
        await hass.config_entries.async_reload(entry.entry_id)
        await settle(hass)
        select = entity_id(hass, "select", "ptz_preset", dialect.unique_id)
        await until(lambda: state_of(hass, select).attributes["options"]
                    == ["1: Door", "2: Gate", "3: Yard"])
        await settle(hass)
        keys = _keys(hass, entry, dialect.unique_id)
        presets = {k: e for k, e in keys.items() if k.startswith("ptz_preset_")}
        assert set(presets) == {"ptz_preset_1", "ptz_preset_2", "ptz_preset_3"}
        # A new button under the same id (newer Home Assistant gives it back its old
        # entity id, older makes one from the new name): named, and still enabled.
        assert presets["ptz_preset_2"].disabled_by is None
        assert state_of(hass, presets["ptz_preset_2"].entity_id).name.endswith("Gate")
        assert presets["ptz_preset_1"].disabled_by is er.RegistryEntryDisabler.INTEGRATION
        await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.parametrize("sim", ["uid_xml"], indirect=True)
async def test_step_settings_are_restored_after_a_restart(
    hass: HomeAssistant, sim: SimServer, hold: Hold
) -> None:
    dialect = _dialect(sim)
    registry = er.async_get(hass)
    ids = {
        key: registry.async_get_or_create(
            "number", DOMAIN, f"{dialect.unique_id}_{key}", suggested_object_id=key).entity_id
        for key in ("ptz_step_length", "ptz_step_speed")
    }

    def stored(key: str, value: float) -> tuple[State, dict[str, Any]]:
        return State(ids[key], str(value)), {
            "native_value": value, "native_min_value": 0.1, "native_max_value": 100,
            "native_step": 0.1, "native_unit_of_measurement": None}

    mock_restore_cache_with_extra_data(
        hass, (stored("ptz_step_length", 2.5), stored("ptz_step_speed", 100)))
    entry = await _setup(hass, sim, dialect)
    assert float(state_of(hass, ids["ptz_step_length"]).state) == 2.5
    assert float(state_of(hass, ids["ptz_step_speed"]).state) == 100
    hold.released.set()
    await _call(hass, "button", "press", entity_id(hass, "button", "ptz_left", dialect.unique_id))
    assert hold.lengths == [2.5]
    assert _log(sim)[-2] == LEFT[dialect.name](_native(entry, 100))


@pytest.mark.parametrize("sim", ["uid_xml"], indirect=True)
async def test_restored_values_out_of_range_are_ignored(
    hass: HomeAssistant, sim: SimServer
) -> None:
    dialect = _dialect(sim)
    registry = er.async_get(hass)
    length = registry.async_get_or_create(
        "number", DOMAIN, f"{dialect.unique_id}_ptz_step_length",
        suggested_object_id="ptz_step_length").entity_id
    mock_restore_cache_with_extra_data(hass, ((State(length, "99"), {
        "native_value": 99.0, "native_min_value": 0.1, "native_max_value": 100,
        "native_step": 0.1, "native_unit_of_measurement": "s"}),))
    await _setup(hass, sim, dialect)
    assert float(state_of(hass, length).state) == ptz.STEP_LENGTH


@pytest.mark.parametrize("sim", ["uid_xml"], indirect=True)
async def test_step_settings_stay_while_the_camera_is_away(
    hass: HomeAssistant, sim: SimServer
) -> None:
    dialect = _dialect(sim)
    entry = await _setup(hass, sim, dialect)
    await sim.go_offline()
    await entry.runtime_data.coordinator.async_refresh()
    assert state_of(hass, entity_id(hass, "number", "brightness", dialect.unique_id)
                    ).state == STATE_UNAVAILABLE
    length = entity_id(hass, "number", "ptz_step_length", dialect.unique_id)
    assert float(state_of(hass, length).state) == ptz.STEP_LENGTH
    await sim.go_online()


def test_every_ptz_entity_is_named_and_has_an_icon() -> None:
    strings = json.loads((COMPONENT / "strings.json").read_text())["entity"]
    icons = json.loads((COMPONENT / "icons.json").read_text())["entity"]
    for move in MOVES:
        assert strings["button"][f"ptz_{move}"]["name"], move
        assert icons["button"][f"ptz_{move}"]["default"].startswith("mdi:"), move
    for key in ("ptz_step_length", "ptz_step_speed"):
        assert strings["number"][key]["name"]
        assert icons["number"][key]["default"].startswith("mdi:")
    states = strings["select"]["ptz_preset"]["state"]
    assert states == {f"preset_{n}": f"Preset {n}" for n in range(1, ptz.UNLISTED_PRESETS + 1)}
    assert {m.value for m in ptz.NUDGES} == set(MOVES)


# -- the browser check's side: what the demo's simulators report ----------------------


async def test_the_demo_simulators_report_each_ptz_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``python -m tests.sim`` prints what a camera receives; the browser check reads it."""
    async with BY_NAME["uid_xml"].make() as sim:
        _echo_ptz(sim)
        _log(sim).append({"move_x": "-1", "move_y": "0", "speed": "5"})
        _log(sim).append({"stop": "1"})
        lines = capsys.readouterr().out.splitlines()
        assert sim_ptz_commands(lines, sim.port) == _log(sim)
        assert sim_ptz_commands(lines, sim.port + 1) == []
        assert sim_cameras(lines) == []  # no PTZ line passes for a camera
        assert ptz_step_problem(sim_ptz_commands(lines, sim.port)) is None


def test_the_browser_check_wants_a_move_left_then_a_stop() -> None:
    left = {"move_x": "-1", "move_y": "0", "speed": "5"}
    assert ptz_step_problem([{"zoom": "1"}, left, {"stop": "1"}]) is None
    assert "no move left" in (ptz_step_problem([{"stop": "1"}]) or "")
    assert "no stop" in (ptz_step_problem([{"stop": "1"}, left]) or "")
    assert "no move left" in (ptz_step_problem([{"move_x": "1", "move_y": "0"}]) or "")
    assert sim_ptz_commands(["READY", "{oops", '{"ptz": 1, "port": 4}', "[]"], 4) == []
