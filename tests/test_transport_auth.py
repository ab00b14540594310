"""HTTP Basic and Digest (RFC 7616) in the shared transport, against real sockets."""

from __future__ import annotations

import logging
from urllib.parse import quote

import aiohttp
from aiohttp import web
import pytest

from custom_components.cgi_camera.client.digest import DigestAuth, parse_challenge
from custom_components.cgi_camera.client.transport import Credentials, Transport
from tests.conftest import PASSWORD, USERNAME
from tests.helpers import serve, start_server
from tests.sim.cgi_message import CgiMessageSim

CREDS = Credentials(USERNAME, PASSWORD)
PATH = "/cgi/sys_get"
QUERY = (("Group", "DeviceInfo"),)



def _transport(session: aiohttp.ClientSession, sim: CgiMessageSim) -> Transport:
    return Transport(session, sim.host, sim.port, timeout=5)


def _scheme(transport: Transport) -> str | None:
    """``auth_scheme`` read afresh: mypy would keep an earlier assert's narrowing."""
    return transport.auth_scheme


def test_digest_matches_rfc7616_example() -> None:
    # RFC 7616 §3.9.1, the MD5 variant.
    challenge = parse_challenge(
        'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, '
        'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", '
        'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"'
    )
    auth = DigestAuth(challenge, "Mufasa", "Circle of Life")
    header = auth.header(
        "GET", "/dir/index.html", cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
    )
    assert 'response="8ca523f5e9506fed4657c9700eebdbec"' in header
    assert "nc=00000001" in header
    assert "nc=00000002" in auth.header("GET", "/dir/index.html")
    assert auth.nonce == "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"


async def test_basic_is_preemptive(session: aiohttp.ClientSession) -> None:
    async with CgiMessageSim(username=USERNAME, password=PASSWORD) as sim:
        transport = _transport(session, sim)
        transport.use_auth(CREDS, "basic")
        for _ in range(2):
            assert (await transport.get(PATH, QUERY)).status == 200
        assert sim.auth_log == ["basic", "basic"]
        assert sim.failed_logins == 0


async def test_wrong_basic_password_is_tried_once(session: aiohttp.ClientSession) -> None:
    async with CgiMessageSim(username=USERNAME, password="other") as sim:
        transport = _transport(session, sim)
        transport.use_auth(CREDS, "basic")
        assert (await transport.get(PATH, QUERY)).status == 401
        assert sim.auth_log == ["basic"]
        assert sim.failed_logins == 1


async def test_digest_challenge_then_preemptive_with_counting_nc(
    session: aiohttp.ClientSession,
) -> None:
    async with CgiMessageSim(username=USERNAME, password=PASSWORD, auth="digest") as sim:
        transport = _transport(session, sim)
        transport.use_auth(CREDS, "basic")
        for _ in range(3):
            assert (await transport.get(PATH, QUERY)).status == 200
        # Basic once, challenged, then Digest for good: one round trip per request.
        assert sim.auth_log == ["basic", "digest", "digest", "digest"]
        assert [nc for _nonce, nc in sim.digest_uses] == [1, 2, 3]
        assert len({nonce for nonce, _nc in sim.digest_uses}) == 1
        assert sim.failed_logins == 0


async def test_digest_mode_never_sends_basic(session: aiohttp.ClientSession) -> None:
    async with CgiMessageSim(username=USERNAME, password=PASSWORD, auth="digest") as sim:
        transport = _transport(session, sim)
        transport.use_auth(CREDS, "digest")
        assert (await transport.get(PATH, QUERY)).status == 200
        assert sim.auth_log == ["none", "digest"]


async def test_unauthenticated_challenge_primes_the_login(
    session: aiohttp.ClientSession,
) -> None:
    # A fingerprint's 401 carries the nonce: the login then signs at once.
    async with CgiMessageSim(username=USERNAME, password=PASSWORD, auth="digest") as sim:
        transport = _transport(session, sim)
        assert (await transport.get(PATH, QUERY)).status == 401
        transport.use_auth(CREDS, "basic")
        assert (await transport.get(PATH, QUERY)).status == 200
        assert sim.auth_log == ["none", "digest"]


async def test_stale_nonce_is_rechallenged(session: aiohttp.ClientSession) -> None:
    async with CgiMessageSim(
        username=USERNAME, password=PASSWORD, auth="digest", nonce_uses=2
    ) as sim:
        transport = _transport(session, sim)
        transport.use_auth(CREDS, "digest")
        for _ in range(5):
            assert (await transport.get(PATH, QUERY)).status == 200
        assert len({nonce for nonce, _nc in sim.digest_uses}) == 3
        sim.expire_nonces()
        assert (await transport.get(PATH, QUERY)).status == 200
        assert sim.failed_logins == 0


async def test_wrong_digest_password_is_never_retried_twice(
    session: aiohttp.ClientSession,
) -> None:
    async with CgiMessageSim(username=USERNAME, password="other", auth="digest") as sim:
        transport = _transport(session, sim)
        transport.use_auth(CREDS, "basic")
        assert (await transport.get(PATH, QUERY)).status == 401
        assert sim.auth_log == ["basic", "digest"]
        assert sim.failed_logins == 1
        # The same nonce refused again: no retry at all.
        assert (await transport.get(PATH, QUERY)).status == 401
        assert sim.auth_log == ["basic", "digest", "digest"]
        assert sim.failed_logins == 2


async def test_auth_mode_without_credentials_sends_nothing(
    session: aiohttp.ClientSession,
) -> None:
    async with CgiMessageSim(username=USERNAME, password=PASSWORD) as sim:
        transport = _transport(session, sim)
        transport.auth_mode = "basic"
        assert (await transport.get(PATH, QUERY)).status == 401
        assert sim.auth_log == ["none"]


async def test_explicit_auth_wins(session: aiohttp.ClientSession) -> None:
    async with CgiMessageSim(username=USERNAME, password=PASSWORD) as sim:
        transport = _transport(session, sim)
        resp = await transport.get(PATH, QUERY, auth=aiohttp.BasicAuth(USERNAME, PASSWORD, "utf-8"))
        assert resp.status == 200
        transport.use_auth(Credentials(USERNAME, "wrong"), "basic")
        resp = await transport.get(PATH, QUERY, auth=aiohttp.BasicAuth(USERNAME, PASSWORD, "utf-8"))
        assert resp.status == 200


async def test_open_stream_signs_with_digest(session: aiohttp.ClientSession) -> None:
    async with CgiMessageSim(username=USERNAME, password=PASSWORD, auth="digest") as sim:
        transport = _transport(session, sim)
        transport.use_auth(CREDS, "basic")
        resp = await transport.open_stream(transport.url("/mjpgstreamreq/1/image.jpg"))
        try:
            assert resp.status == 200
            assert (await resp.content.read()).count(b"--ipcamera") == sim.mjpeg_frames
        finally:
            resp.close()
        assert sim.auth_log == ["basic", "digest"]
        # Without transport auth the stream is opened bare.
        bare = _transport(session, sim)
        resp = await bare.open_stream(bare.url("/mjpgstreamreq/1/image.jpg"))
        resp.close()
        assert resp.status == 401


async def test_credentials_never_logged(
    session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with CgiMessageSim(username=USERNAME, password=PASSWORD, auth="digest") as sim:
        transport = _transport(session, sim)
        transport.use_auth(CREDS, "basic")
        await transport.get(PATH, QUERY)
    text = caplog.text
    assert PASSWORD not in text and quote(PASSWORD, safe="") not in text
    assert "Authorization" not in text
    assert PASSWORD not in repr(CREDS)


@pytest.mark.parametrize(
    "challenge",
    [
        'Digest realm="x", nonce="abc", algorithm=SHA-512-256, qop="auth"',  # unsupported
        'Digest realm="x"',  # no nonce: not a usable challenge
        'Basic realm="x"',
    ],
)
async def test_unanswerable_challenges_are_not_retried(
    session: aiohttp.ClientSession, challenge: str
) -> None:
    seen: list[str | None] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization"))
        return web.Response(status=401, headers={"WWW-Authenticate": challenge})

    async with serve(handler) as port:
        transport = Transport(session, "127.0.0.1", port, timeout=5)
        transport.use_auth(CREDS, "digest")
        assert (await transport.get("/x")).status == 401
        assert (await transport.get("/x")).status == 401
        assert seen == [None, None]  # nothing we could answer: never a password


class Offering:
    """A server that answers 200 to any Digest and 401 with ``challenges`` otherwise."""

    def __init__(self, *challenges: str) -> None:
        self.challenges = challenges
        self.seen: list[str | None] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def _answer(self, request: web.Request) -> web.Response:
        sent = request.headers.get("Authorization")
        self.seen.append(sent)
        if sent is not None and sent.startswith("Digest "):
            return web.Response(text="ok")
        response = web.Response(status=401)
        for challenge in self.challenges:
            response.headers.add("WWW-Authenticate", challenge)
        return response

    @property
    def schemes(self) -> list[str]:
        return [s.split()[0] if s else "none" for s in self.seen]

    async def __aenter__(self) -> Offering:
        self._runner, self.port = await start_server(self._answer)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()


MD5 = 'Digest realm="cam", nonce="n-md5", qop="auth"'
SHA = 'Digest realm="cam", nonce="n-sha", algorithm=SHA-256, qop="auth"'
OFFERS = {
    "separate headers": ('Basic realm="cam"', MD5),
    "one header": (f'Basic realm="cam", {MD5}',),
    "md5 and sha-256": (MD5, SHA),
    "sha-256 in one header with basic": (f'Basic realm="cam", {MD5}, {SHA}',),
}


@pytest.mark.parametrize("offer", list(OFFERS))
async def test_digest_mode_answers_digest_among_several_offers(
    session: aiohttp.ClientSession, offer: str
) -> None:
    async with Offering(*OFFERS[offer]) as server:
        transport = Transport(session, "127.0.0.1", server.port, timeout=5)
        transport.use_auth(CREDS, "digest")
        assert transport.auth_scheme == "digest"
        assert (await transport.get("/x")).status == 200
        assert (await transport.get("/x")).status == 200
        assert server.schemes == ["none", "Digest", "Digest"]
        if "sha" in offer:
            assert all("algorithm=SHA-256" in s for s in server.seen[1:] if s)


@pytest.mark.parametrize("offer", list(OFFERS))
async def test_fingerprint_challenge_makes_the_first_login_digest(
    session: aiohttp.ClientSession, offer: str
) -> None:
    """The "basic" mode still never sends Basic to a host whose credential-less
    answer offered Digest: the first login is signed at once."""
    async with Offering(*OFFERS[offer]) as server:
        transport = Transport(session, "127.0.0.1", server.port, timeout=5)
        assert _scheme(transport) is None
        assert (await transport.get("/fingerprint")).status == 401  # no credentials yet
        transport.use_auth(CREDS, "basic")
        assert _scheme(transport) == "digest"
        assert (await transport.get("/login")).status == 200
        resp = await transport.open_stream(transport.url("/stream"))
        resp.close()
        assert resp.status == 200
        assert server.schemes == ["none", "Digest", "Digest"]


async def test_digest_mode_sends_nothing_to_a_basic_only_host(
    session: aiohttp.ClientSession,
) -> None:
    async with Offering('Basic realm="cam"') as server:
        transport = Transport(session, "127.0.0.1", server.port, timeout=5)
        transport.use_auth(CREDS, "digest")
        assert (await transport.get("/x")).status == 401
        resp = await transport.open_stream(transport.url("/stream"))
        resp.close()
        assert server.schemes == ["none", "none"]


async def test_auth_scheme_reports_what_was_used(session: aiohttp.ClientSession) -> None:
    async with CgiMessageSim(username=USERNAME, password=PASSWORD) as sim:
        transport = _transport(session, sim)
        assert _scheme(transport) is None
        transport.use_auth(CREDS, "basic")
        assert (await transport.get(PATH, QUERY)).status == 200
        assert _scheme(transport) == "basic"
    async with CgiMessageSim(username=USERNAME, password=PASSWORD, auth="digest") as sim:
        transport = _transport(session, sim)
        transport.use_auth(CREDS, "basic")
        assert (await transport.get(PATH, QUERY)).status == 200
        assert transport.auth_scheme == "digest"  # learned: the next set-up starts with it
