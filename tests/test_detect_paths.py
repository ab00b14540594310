"""Detection keeps asking the other dialects when one fingerprint fails midway.

A host that answers one fingerprint with junk and drops the connection on another is
still asked the rest, and in the end called what it is (no known dialect), with no
credentials sent anywhere.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web
import pytest

from custom_components.cgi_camera.client import Credentials, UnsupportedDevice, detect
from tests.conftest import PASSWORD, SECRETS, USERNAME
from tests.helpers import serve


@pytest.fixture
async def odd_host() -> AsyncIterator[tuple[int, list[web.Request]]]:
    seen: list[web.Request] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        seen.append(request)
        if request.path == "/cgi-bin/getinfo":  # uid_xml: an answer over the body cap
            return web.Response(body=b"<" + b"x" * (1 << 20), content_type="text/xml")
        if request.path.startswith("/cgi/"):  # cgi_message: the host hangs up
            assert request.transport is not None
            request.transport.close()
            return web.Response()
        return web.Response(status=404, text="not here")

    async with serve(handler) as port:
        yield port, seen


async def test_junk_and_dropped_fingerprints_do_not_end_detection(
    odd_host: tuple[int, list[web.Request]],
) -> None:
    port, seen = odd_host
    async with aiohttp.ClientSession() as session:
        with pytest.raises(UnsupportedDevice):
            await detect(session, "127.0.0.1", port, Credentials(USERNAME, PASSWORD))
    paths = [r.path for r in seen]
    # Every dialect was asked, after the junk and after the hang-up.
    assert "/cgi-bin/getinfo" in paths
    assert any(p.startswith("/cgi/") for p in paths)
    assert any(p.startswith("/action/") for p in paths)
    assert any(p.startswith("/cgi-bin/param.cgi") for p in paths)
    for request in seen:
        assert "Authorization" not in request.headers
        assert not any(secret in request.path_qs for secret in SECRETS)
