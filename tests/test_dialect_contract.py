"""Every dialect against the contract of ``client/dialects/__init__.py`` (issue 14).

Each dialect class: concrete, registered under its name, and overriding none of the
core's gates (so a capability is only reached through its flag and its interface).
Each simulator-backed instance: its flags are ones its class implements, every
write returns the written key with the value a read then shows, and the first
read after set-up can be the discovery's own. A dialect built to break a rule
must make these checks fail: the checks are shown to bite.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
import inspect
from typing import Any

import aiohttp
import pytest

from custom_components.cgi_camera.client import Camera, Credentials, connect
from custom_components.cgi_camera.client.contract import (
    INTERFACES,
    AlarmPush,
    allowed_flags,
    interfaces,
    violations,
)
from custom_components.cgi_camera.client.dialects import BY_NAME, DIALECTS
from custom_components.cgi_camera.client.dialects.uid_xml import UidXmlCamera
from custom_components.cgi_camera.client.models import (
    Setting,
    SettingKey,
    SettingKind,
    State,
    StateKey,
)
from custom_components.cgi_camera.client.transport import Transport
from tests.conftest import PASSWORD, USERNAME
from tests.dialects import DIALECTS as SIMULATED
from tests.sim.base import SimServer
from tests.sim.param_cgi import ParamCgiSim
from tests.sim.uid_xml import UidXmlSim

CREDS = Credentials(USERNAME, PASSWORD)
# The core's public calls: a dialect implements the hooks behind them, never these.
GATES = ("connect", "login", "discover", "read_state", "write", "press", "poll_alarms",
         "alarm_stream", "list_recordings", "open_recording", "read_clock", "ptz_move",
         "ptz_preset", "ptz_routine", "snapshot", "find_stream")


def class_problems(cls: type[Camera]) -> list[str]:
    """How a dialect class breaks the contract (empty: it keeps it)."""
    problems = [f"{cls.__name__} overrides the core's {name}"
                for name in GATES if name in vars(cls)]
    if inspect.isabstract(cls):
        problems.append(f"{cls.__name__} leaves {sorted(cls.__abstractmethods__)} abstract")
    if BY_NAME.get(getattr(cls, "dialect", "")) is not cls:
        problems.append(f"{cls.__name__} is not registered under its dialect name")
    return problems


def _value_for(setting: Setting, current: Any) -> Any:
    """A value to write: a switch flipped, anything else as it is (or a valid one)."""
    if setting.kind is SettingKind.BOOL:
        return not current
    if current is not None:
        return current
    if setting.kind is SettingKind.ENUM:
        return setting.options[0]
    return setting.minimum if setting.minimum is not None else 1


async def instance_problems(camera: Camera) -> list[str]:
    """How a connected camera breaks the contract (empty: it keeps it)."""
    problems = violations(camera, camera.capabilities)
    state = await camera.read_state()
    targets: list[tuple[StateKey, Setting, int | None]] = [
        (key, setting, None) for key, setting in camera.capabilities.settings.items()]
    for number, settings in camera.capabilities.channel_settings.items():
        targets += [((key, number), setting, number) for key, setting in settings.items()]
    for where, setting, channel in targets:
        if setting.kind is SettingKind.VALUE:
            continue
        value = _value_for(setting, state.get(where))
        changed = await camera.write(setting.key, value, channel=channel)
        if changed.get(where) != value:
            problems.append(f"write({setting.key}, {value!r}, channel={channel}) returned "
                            f"{changed!r}, not the written key with its value")
        unknown = [k for k in changed if not _known(camera, k)]
        if unknown:
            problems.append(f"write({setting.key}) returned keys of no setting: {unknown}")
        if not setting.assumed_state:
            read = await camera.read_state()
            if read.get(where) != changed.get(where):
                problems.append(f"{setting.key}: the write returned {changed.get(where)!r}, "
                                f"a read shows {read.get(where)!r}")
    return problems


def _known(camera: Camera, key: StateKey) -> bool:
    if isinstance(key, tuple):
        return key[0] in camera.capabilities.channel_settings.get(key[1], {})
    return key in camera.capabilities.settings


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.mark.parametrize("cls", DIALECTS, ids=lambda cls: cls.dialect)
def test_every_dialect_class_keeps_the_contract(cls: type[Camera]) -> None:
    assert class_problems(cls) == []
    # What each one may offer, for the record (and the "how to add a dialect" page).
    assert set(allowed_flags(cls)) <= {"ptz", "ptz.routines", "alarms", "alarm_push",
                                       "recordings", "channels", "actions[sync_time]"}
    assert all(iface in INTERFACES for iface in interfaces(cls))


def _sims() -> list[tuple[str, str, Any]]:
    """(test id, dialect, simulator factory): every dialect, and the variants that have
    what the others lack (recorder channels; the older firmware without most groups)."""
    sims: list[tuple[str, str, Any]] = [(d.name, d.name, d.make) for d in SIMULATED]
    sims.append(("param_cgi_nvr", "param_cgi", lambda: ParamCgiSim(
        variant="nvr", username=USERNAME, password=PASSWORD)))
    sims.append(("uid_xml_002", "uid_xml", lambda: UidXmlSim(
        variant="002", username=USERNAME, password=PASSWORD)))
    return sims


@pytest.mark.parametrize(("dialect", "make"), [(d, m) for _, d, m in _sims()],
                         ids=[name for name, _, _ in _sims()])
async def test_every_simulated_dialect_keeps_the_contract(
    session: aiohttp.ClientSession, dialect: str, make: Any
) -> None:
    sim: SimServer = make()
    async with sim:
        camera = await connect(session, dialect, sim.host, sim.port, CREDS)
        asked = len(sim.requests)
        handed = await camera.read_state(reuse_discovery=True)
        assert handed and len(sim.requests) == asked  # set-up's read: no second trip
        again = await camera.read_state(reuse_discovery=True)
        assert len(sim.requests) > asked and again.keys() == handed.keys()  # once only
        assert await instance_problems(camera) == []


# -- the checks bite: dialects built to break one rule each --------------------------


class _FlagWithoutInterface(UidXmlCamera):
    """Claims pushed alarms without implementing AlarmPush."""

    async def _discover(self) -> None:
        await super()._discover()
        self.capabilities.alarm_push = True


class _WriteForgetsTheKey(UidXmlCamera):
    """Writes, but returns nothing of what it changed."""

    async def _write(self, key: SettingKey, value: Any, channel: int | None) -> State:
        await super()._write(key, value, channel)
        return {}


class _OverridesAGate(UidXmlCamera):
    """Bypasses the core's write (and so the state it returns)."""

    async def write(self, key: SettingKey, value: Any, *, channel: int | None = None) -> State:
        return {}


async def test_a_flag_without_its_interface_fails_discovery(
    session: aiohttp.ClientSession,
) -> None:
    assert not issubclass(_FlagWithoutInterface, AlarmPush)
    async with UidXmlSim(username=USERNAME, password=PASSWORD) as sim:
        transport = Transport(session, sim.host, sim.port)
        with pytest.raises(TypeError, match="alarm_push without implementing AlarmPush"):
            await _FlagWithoutInterface.connect(transport, CREDS)


async def test_a_write_not_returning_its_key_is_caught(
    session: aiohttp.ClientSession,
) -> None:
    async with UidXmlSim(username=USERNAME, password=PASSWORD) as sim:
        camera = await _WriteForgetsTheKey.connect(Transport(session, sim.host, sim.port),
                                                   CREDS)
        problems = await instance_problems(camera)
        assert problems and all("not the written key" in p or "a read shows" in p
                                for p in problems)


def test_a_class_overriding_a_gate_is_caught() -> None:
    problems = class_problems(_OverridesAGate)
    assert "_OverridesAGate overrides the core's write" in problems
    assert "_OverridesAGate is not registered under its dialect name" in problems
