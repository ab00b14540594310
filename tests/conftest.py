"""Shared fixtures: Home Assistant with custom integrations, simulated cameras."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Generator
import hashlib
import logging
from typing import Any
from urllib.parse import quote, quote_plus

import aiohttp
import pytest

from custom_components.cgi_camera import discovery
from tests.sim.param_cgi import ParamCgiSim
from tests.sim.uid_xml import UidXmlSim

pytest_plugins = ["tests.deprecations"]  # a deprecation report of cgi_camera fails the test
PASSWORD = "p@ss w/%&?#:\"'<>ü"
USERNAME = "admin"
# The password as it could leak: raw, percent-encoded, as cgi_action's md5, in Basic.
SECRETS = (
    PASSWORD,
    quote(PASSWORD, safe=""),
    quote_plus(PASSWORD),
    hashlib.md5(PASSWORD.encode()).hexdigest(),
    base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode(),  # a Basic header
)


@pytest.fixture(autouse=True)
def no_secret_in_logs(caplog: pytest.LogCaptureFixture) -> Generator[None]:
    """Every test runs with DEBUG logging of every logger, and no line may carry the password.

    Every logger, not only ours: Home Assistant and the libraries it hands our URLs
    to (ffmpeg's helper, the stream component, aiohttp) log them too. Libraries'
    loggers that set a level of their own are lowered to DEBUG for the test as well;
    ours keep theirs, which are behaviour under test (the alarm poll's bookkeeping
    is quiet on purpose). Scanning the whole run (not one test) is what catches the
    odd debug line that prints a URL or a request unredacted.
    """
    caplog.set_level(logging.DEBUG)
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if (isinstance(logger, logging.Logger) and logger.level > logging.DEBUG
                and not name.startswith("custom_components.cgi_camera")):
            caplog.set_level(logging.DEBUG, logger=name)
    yield
    text = caplog.text
    for secret in SECRETS:
        assert secret not in text, "a secret reached the log"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    enable_custom_integrations: Any, socket_enabled: Any
) -> Generator[None]:
    """Load custom_components/cgi_camera in every test, with real sockets.

    The simulated cameras listen on real sockets; pytest-homeassistant keeps
    connections restricted to 127.0.0.1, so nothing leaves the machine.
    """
    yield


@pytest.fixture(autouse=True)
def no_network_search(monkeypatch: pytest.MonkeyPatch) -> None:
    """The user step's WS-Discovery probe searches nothing unless a test points it at a
    responder on 127.0.0.1: a test must never multicast on a real interface."""
    monkeypatch.setattr(discovery, "PROBE_TARGETS", ())


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain aiohttp session for client-level tests (no Home Assistant)."""
    async with aiohttp.ClientSession() as http:
        yield http


@pytest.fixture
async def uid_sim() -> AsyncIterator[UidXmlSim]:
    """A seed-000 uid_xml camera with PTZ on 127.0.0.1."""
    sim = UidXmlSim(variant="000", username=USERNAME, password=PASSWORD, ptz=True)
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()


@pytest.fixture
async def ipc_sim() -> AsyncIterator[ParamCgiSim]:
    """A param_cgi IPC with PTZ and the attach alarm stream on 127.0.0.1."""
    sim = ParamCgiSim(variant="ipc", username=USERNAME, password=PASSWORD,
                      keepalive_interval=0.5)
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()


@pytest.fixture
async def nvr_sim() -> AsyncIterator[ParamCgiSim]:
    """A param_cgi NVR with four channels (alarms polled) on 127.0.0.1."""
    sim = ParamCgiSim(variant="nvr", username=USERNAME, password=PASSWORD, channels=4,
                      mac="00:12:34:00:00:05")
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()


@pytest.fixture
async def uid_sim_002() -> AsyncIterator[UidXmlSim]:
    """A seed-002 uid_xml camera (older firmware, no PTZ) on 127.0.0.1."""
    sim = UidXmlSim(
        variant="002", username=USERNAME, password=PASSWORD, ptz=False,
        mac="F0:00:00:AA:BB:CC",
    )
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()
