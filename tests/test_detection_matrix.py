"""Every dialect's fingerprint against every simulator: exactly one says "mine".

A new dialect adds its simulators to SIMULATORS; its fingerprint joins the matrix by
being registered in ``client/dialects/__init__.py``. Hosts that no fingerprint
recognises get at most one HTTP login, and never the password in a URL.
"""

from __future__ import annotations

from collections.abc import Callable
import importlib

import aiohttp
from aiohttp import web
import pytest

from custom_components.cgi_camera.client.camera import Camera, Fingerprint
from custom_components.cgi_camera.client.detect import detect
from custom_components.cgi_camera.client.dialects import DIALECTS
from custom_components.cgi_camera.client.errors import AuthError, UnsupportedDevice
from custom_components.cgi_camera.client.transport import Credentials, Transport
from tests.conftest import PASSWORD, SECRETS, USERNAME
from tests.helpers import start_server
from tests.sim.base import SimServer
from tests.sim.cgi_action import CgiActionSim
from tests.sim.cgi_message import CgiMessageSim
from tests.sim.param_cgi import ParamCgiSim
from tests.sim.uid_xml import UidXmlSim


def _post_only() -> SimServer:
    sim = CgiActionSim(variant="post", username=USERNAME, password=PASSWORD)
    sim.get_form = False
    return sim


# name -> (dialect, what its own fingerprint says, simulator factory)
SIMULATORS: dict[str, tuple[str, Fingerprint, Callable[[], SimServer]]] = {
    # cgi_message: its XML or plain answer is proof; a 401 (HTTP auth) only "maybe".
    "cgi_message basic": (
        "cgi_message", Fingerprint.MAYBE,
        lambda: CgiMessageSim(username=USERNAME, password=PASSWORD),
    ),
    "cgi_message digest": (
        "cgi_message", Fingerprint.MAYBE,
        lambda: CgiMessageSim(username=USERNAME, password=PASSWORD, auth="digest"),
    ),
    "cgi_message open plain": (
        "cgi_message", Fingerprint.YES,
        lambda: CgiMessageSim(username=USERNAME, password=PASSWORD, auth="none", fmt="plain"),
    ),
    "cgi_message open truncated": (
        "cgi_message", Fingerprint.YES,
        lambda: CgiMessageSim(username=USERNAME, password=PASSWORD, auth="none",
                              fmt="truncated"),
    ),
    # cgi_action: "error user/pwd" to a request without credentials is proof.
    "cgi_action cbt": (
        "cgi_action", Fingerprint.YES,
        lambda: CgiActionSim(username=USERNAME, password=PASSWORD),
    ),
    "cgi_action h01": (
        "cgi_action", Fingerprint.YES,
        lambda: CgiActionSim(variant="h01", username=USERNAME, password=PASSWORD),
    ),
    "cgi_action post": (
        "cgi_action", Fingerprint.YES,
        lambda: CgiActionSim(variant="post", username=USERNAME, password=PASSWORD),
    ),
    # No GET path at all (404): its POST /action/getSysConfig envelope is proof.
    "cgi_action post only": (
        "cgi_action", Fingerprint.YES,
        lambda: _post_only(),
    ),
    # param_cgi: Basic-auth hosts only "maybe"; its error text without auth is proof.
    "param_cgi ipc": (
        "param_cgi", Fingerprint.MAYBE,
        lambda: ParamCgiSim(username=USERNAME, password=PASSWORD),
    ),
    "param_cgi query auth": (
        "param_cgi", Fingerprint.YES,
        lambda: ParamCgiSim(username=USERNAME, password=PASSWORD, basic_auth=False),
    ),
    "uid_xml 000": (
        "uid_xml", Fingerprint.YES, lambda: UidXmlSim(username=USERNAME, password=PASSWORD)
    ),
    "uid_xml 002": (
        "uid_xml",
        Fingerprint.YES,
        lambda: UidXmlSim(variant="002", username=USERNAME, password=PASSWORD),
    ),
}


@pytest.mark.parametrize("name", sorted(SIMULATORS))
async def test_fingerprints(name: str) -> None:
    dialect, own, factory = SIMULATORS[name]
    async with factory() as sim, aiohttp.ClientSession() as session:
        transport = Transport(session, sim.host, sim.port, timeout=5)
        answers = {cls.dialect: await cls.fingerprint(transport) for cls in DIALECTS}
        # Its own dialect recognises it; every other one says "not mine" outright.
        assert answers == {
            cls.dialect: own if cls.dialect == dialect else Fingerprint.NO for cls in DIALECTS
        }
        # Fingerprinting never counts as a login attempt.
        assert getattr(sim, "failed_logins", 0) == 0


# -- hosts no fingerprint recognised ------------------------------------------------


class Unrecognised:
    """A throwaway server that answers HTTP 401 (404 outside ``paths``) and records
    every request it gets, as a host that is no camera of ours would."""

    def __init__(self, challenge: str | None, paths: tuple[str, ...] = ("/",)) -> None:
        self.challenge = challenge
        self.paths = paths
        self.seen: list[web.Request] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def _answer(self, request: web.Request) -> web.Response:
        self.seen.append(request)
        if not request.path.startswith(self.paths):
            return web.Response(status=404)
        headers = {"WWW-Authenticate": self.challenge} if self.challenge else {}
        return web.Response(status=401, text="401 Unauthorized", headers=headers)

    @property
    def logins(self) -> list[str]:
        return [r.headers["Authorization"] for r in self.seen if "Authorization" in r.headers]

    async def __aenter__(self) -> Unrecognised:
        self._runner, self.port = await start_server(self._answer)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()


DIGEST = 'Digest realm="cam", nonce="abc123", qop="auth"'
UNRECOGNISED: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "bare 401 everywhere": (None, ("/",)),
    "Basic challenge everywhere": ('Basic realm="cam"', ("/",)),
    "Digest challenge everywhere": (DIGEST, ("/",)),
    # Only param_cgi's fingerprint sees a 401: the case that used to put the password
    # in the query string (userName=…&password=…) when Basic was refused.
    "bare 401 on param.cgi only": (None, ("/cgi-bin/param.cgi",)),
    "Basic 401 on param.cgi only": ('Basic realm="cam"', ("/cgi-bin/param.cgi",)),
    "Digest 401 on param.cgi only": (DIGEST, ("/cgi-bin/param.cgi",)),
    "401 on cgi_message only": (None, ("/cgi/",)),
}


@pytest.mark.parametrize("name", list(UNRECOGNISED))
async def test_unrecognised_host_gets_one_http_login_at_most(name: str) -> None:
    """What README "Adding a camera" promises: a host no fingerprint recognised gets
    at most one HTTP-authenticated request (Digest when it offered Digest, else Basic)
    and never the password in a URL."""
    challenge, paths = UNRECOGNISED[name]
    async with Unrecognised(challenge, paths) as host, aiohttp.ClientSession() as session:
        with pytest.raises((AuthError, UnsupportedDevice)):
            await detect(session, "127.0.0.1", host.port, Credentials(USERNAME, PASSWORD))
    assert host.seen, "detection asked nothing"
    for request in host.seen:
        query = request.query_string + request.raw_path
        for secret in SECRETS:
            assert secret not in query, f"password in the URL: {request.method} {request.path}"
        assert not {"password", "pwd", "passwd"} & {k.lower() for k in request.query}
        assert request.method in ("GET", "POST")
        # POST bodies (cgi_action's credential-less probe) carry no password either.
    assert len(host.logins) <= 1, host.logins
    if challenge == DIGEST:
        assert all(login.startswith("Digest ") for login in host.logins)


# -- what identifying a camera costs ---------------------------------------------------

# The module (the package's ``detect`` is the function of the same name).
detect_module = importlib.import_module("custom_components.cgi_camera.client.detect")

# Requests the fingerprints may take before detection settles on each simulator's
# dialect (at a few hundred milliseconds each, on a camera that answers one request at
# a time, every one of them is felt): the one-request sure answers come first, the
# "maybe" ones (a 401 before any word) last, the second-round probe only for a host
# nothing else recognised.
FINGERPRINT_REQUESTS = {
    "uid_xml 000": 1, "uid_xml 002": 1,
    "cgi_action cbt": 2, "cgi_action h01": 2, "cgi_action post": 2,
    "cgi_action post only": 5,
    "param_cgi query auth": 3, "param_cgi ipc": 4,
    "cgi_message open plain": 4, "cgi_message open truncated": 4,
    "cgi_message basic": 4, "cgi_message digest": 4,
}
# Everything detection asks, from the first fingerprint to the connected camera
# (login, discovery and its first read, which takes discovery's answers).
DETECTION_REQUESTS = {"uid_xml": 20, "cgi_action": 24, "param_cgi": 32, "cgi_message": 24}
# What a config flow's detection asks (``identify_only``): the login and the identity.
IDENTIFY_REQUESTS = {"uid_xml": 5, "cgi_action": 7, "param_cgi": 6, "cgi_message": 5}


@pytest.mark.parametrize("identify_only", [False, True], ids=["whole", "identity"])
@pytest.mark.parametrize("name", sorted(SIMULATORS))
async def test_each_dialect_is_identified_in_a_few_requests(
    name: str, identify_only: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialect, _own, factory = SIMULATORS[name]
    settled: list[int] = []
    real = detect_module._connect

    async def connect_counted(cls: type[Camera], transport: Transport,
                              credentials: Credentials, identify_only: bool) -> Camera:
        settled.append(len(sim.requests))  # the first call: the fingerprints' cost
        camera: Camera = await real(cls, transport, credentials, identify_only)
        return camera

    monkeypatch.setattr(detect_module, "_connect", connect_counted)
    async with factory() as sim, aiohttp.ClientSession() as session:
        camera = await detect(session, sim.host, sim.port, Credentials(USERNAME, PASSWORD),
                              identify_only=identify_only)
        total = len(sim.requests)
        if identify_only:
            assert camera.info.unique_id
            await camera.discover()  # what the set-up then asks: the rest, once
            assert len(sim.requests) <= DETECTION_REQUESTS[dialect], sim.paths()
    assert camera.dialect == dialect
    assert settled and settled[0] == FINGERPRINT_REQUESTS[name], sim.paths()
    limit = (IDENTIFY_REQUESTS if identify_only else DETECTION_REQUESTS)[dialect]
    assert total <= limit, sim.paths()
    assert getattr(sim, "failed_logins", 0) == 0
