"""Helpers shared by the integration tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
import inspect
from typing import Any

from aiohttp import web
from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cgi_camera.alarms import AlarmCoordinator
from custom_components.cgi_camera.const import (
    CONF_DIALECT,
    CONF_ONVIF,
    CONF_RTSP_PORT,
    DOMAIN,
    ONVIF_AUTO,
    ONVIF_OFF,
)
from tests.conftest import PASSWORD, USERNAME
from tests.sim.base import SimServer

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def entry_data(sim: SimServer, dialect: str, **overrides: Any) -> dict[str, Any]:
    """Config entry data pointing at ``sim``."""
    return {
        "host": sim.host,
        "port": sim.port,
        "username": USERNAME,
        "password": PASSWORD,
        "ssl": False,
        "verify_ssl": True,
        CONF_DIALECT: dialect,
        **overrides,
    }


async def setup_entry(
    hass: HomeAssistant,
    sim: SimServer,
    dialect: str = "uid_xml",
    unique_id: str | None = "f0:00:00:29:06:9f",
    options: dict[str, Any] | None = None,
    **overrides: Any,
) -> MockConfigEntry:
    """Add and set up a config entry for ``sim``."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Test camera",
        unique_id=unique_id,
        data=entry_data(sim, dialect, **overrides),
        # ONVIF only where a test asks for it: the simulators speak it, and looking
        # for it would add its requests and entities to every other test.
        options={CONF_ONVIF: ONVIF_OFF, **(options or {})},
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await settle(hass)
    return entry


# ONVIF looked for, and an RTSP port nothing listens on (stream discovery fails at once).
ONVIF_ON: dict[str, Any] = {CONF_ONVIF: ONVIF_AUTO, CONF_RTSP_PORT: 1}


async def setup_with_onvif(
    hass: HomeAssistant, sim: SimServer, dialect: str, unique_id: str, **options: Any
) -> tuple[MockConfigEntry, AlarmCoordinator]:
    """:func:`setup_entry` with ONVIF on; returns once its events are connected."""
    entry = await setup_entry(hass, sim, dialect, unique_id, options={**ONVIF_ON, **options})
    alarms = entry.runtime_data.alarms
    assert alarms is not None
    await until(lambda: alarms.onvif_connected)
    return entry, alarms


# Bounds for tests that would fail anyway: a loaded machine (CI on a busy laptop) can
# take seconds for what takes milliseconds when idle, so both are generous. A test
# that passes never waits for them.
SETTLE_TIMEOUT = 60.0
UNTIL_TIMEOUT = 30.0


def _name(task: asyncio.Future[Any]) -> str:
    return task.get_name() if isinstance(task, asyncio.Task) else repr(task)


def _pending_background(hass: HomeAssistant) -> list[asyncio.Future[Any]]:
    """Background tasks still running, except endless alarm streams."""
    return [
        task for task in hass._background_tasks
        if not task.done() and "alarm stream" not in _name(task)
    ]


async def settle(hass: HomeAssistant) -> None:
    """Wait for everything Home Assistant runs, background tasks included, except
    endless alarm streams (which ``wait_background_tasks=True`` would wait for).

    Loops until nothing is left: a task may start another (a refresh that finds a
    channel adds its entities in the background).
    """
    try:
        async with asyncio.timeout(SETTLE_TIMEOUT):
            while True:
                await hass.async_block_till_done()
                pending = _pending_background(hass)
                if not pending:
                    return
                await asyncio.wait(pending)
    except TimeoutError:
        names = sorted(_name(task) for task in _pending_background(hass))
        raise AssertionError(
            f"Home Assistant did not settle within {SETTLE_TIMEOUT:.0f} s: {names}"
        ) from None


async def until(check: Callable[[], bool], timeout: float = UNTIL_TIMEOUT) -> None:
    """Wait for something that arrives over a real socket (a push, a reconnect)."""
    try:
        async with asyncio.timeout(timeout):
            while not check():  # noqa: ASYNC110 - the condition lives in HA state
                await asyncio.sleep(0.01)
    except TimeoutError:
        raise AssertionError(
            f"not true within {timeout:g} s: {_describe(check)}"
        ) from None


def _describe(check: Callable[[], bool]) -> str:
    """The condition's source line, for the failure message."""
    try:
        return inspect.getsource(check).strip()
    except (OSError, TypeError):
        return repr(check)


def entity_id(
    hass: HomeAssistant, platform: str, key: str, unique_prefix: str = "f0:00:00:29:06:9f"
) -> str:
    """The entity id of the entity with unique id ``<prefix>_<key>``."""
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{unique_prefix}_{key}")
    assert found is not None, f"no {platform} entity for {key}"
    return found


def entities_of(hass: HomeAssistant, entry: MockConfigEntry) -> list[er.RegistryEntry]:
    return er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)


def state_of(hass: HomeAssistant, entity_id: str) -> State:
    """The entity's current state; fails the test when it has none."""
    state = hass.states.get(entity_id)
    assert state is not None, f"{entity_id} has no state"
    return state


def state_of_entry(entry: ConfigEntry[Any]) -> ConfigEntryState:
    """``entry.state`` read afresh: mypy would keep an earlier assert's narrowing."""
    return entry.state


async def start_server(handler: Handler) -> tuple[web.AppRunner, int]:
    """A throwaway HTTP server on 127.0.0.1 answering every request with ``handler``.

    Returns the runner (``await runner.cleanup()`` stops it) and the port.
    """
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, runner.addresses[0][1]


@contextlib.asynccontextmanager
async def serve(handler: Handler) -> AsyncIterator[int]:
    """:func:`start_server` as a context manager; yields the port."""
    runner, port = await start_server(handler)
    try:
        yield port
    finally:
        await runner.cleanup()
