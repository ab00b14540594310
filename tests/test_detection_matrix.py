"""Every dialect's fingerprint against every simulator: exactly one says "mine".

A new dialect adds its simulators to SIMULATORS; its fingerprint joins the matrix by
being registered in ``client/dialects/__init__.py``.
"""

from __future__ import annotations

from collections.abc import Callable

import aiohttp
import pytest

from custom_components.cgi_camera.client.camera import Fingerprint
from custom_components.cgi_camera.client.dialects import DIALECTS
from custom_components.cgi_camera.client.transport import Transport
from tests.conftest import PASSWORD, USERNAME
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
