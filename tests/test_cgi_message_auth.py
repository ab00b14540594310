"""cgi_message logins: the scheme learned last time, no Basic to Digest devices, open devices.

Issue 17 defect 7 (a Digest-only camera was sent a preemptive Basic at every set-up)
and issue 11 part 1 (a device that answers without credentials proves no password).
The simulator logs the scheme of every request's Authorization header (``auth_log``).
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from custom_components.cgi_camera.client import (
    AuthError,
    Credentials,
    PtzMove,
    SettingKey,
    connect,
    detect,
)
from custom_components.cgi_camera.client.camera import Fingerprint
from custom_components.cgi_camera.client.dialects.cgi_message import CgiMessageCamera
from custom_components.cgi_camera.client.transport import Transport
from tests.conftest import PASSWORD, USERNAME
from tests.sim.cgi_message import AuthMode, CgiMessageSim

CREDS = Credentials(USERNAME, PASSWORD)
K = SettingKey
NO_RTSP = 1  # nothing listens there: the RTSP password check finds no server



def _sim(auth: AuthMode, **kwargs: Any) -> CgiMessageSim:
    return CgiMessageSim(username=USERNAME, password=PASSWORD, auth=auth, **kwargs)


async def _connect(
    session: aiohttp.ClientSession, sim: CgiMessageSim, hint: str | None,
    credentials: Credentials = CREDS,
) -> CgiMessageCamera:
    camera = await connect(session, "cgi_message", sim.host, sim.port, credentials,
                           auth_hint=hint, rtsp_port=NO_RTSP)
    assert isinstance(camera, CgiMessageCamera)
    return camera


async def _use(camera: CgiMessageCamera, sim: CgiMessageSim) -> None:
    """Every kind of request the integration makes after the set-up."""
    await camera.read_state()
    await camera.write(K.BRIGHTNESS, 10)
    await camera.ptz_move(PtzMove.UP)
    await camera.read_clock()
    assert (await camera.snapshot()).startswith(b"\xff\xd8")
    sim.fail("/jpgimage/1/image.jpg", 404)  # the still then comes from MJPEG
    assert (await camera.snapshot()).startswith(b"\xff\xd8")
    assert sim.mjpeg_streams == 1


# -- the scheme remembered from the last connection (auth_hint) ---------------------------


@pytest.mark.parametrize("hint", ["digest", None], ids=["digest_hint", "no_hint"])
async def test_a_digest_camera_is_never_sent_basic(
    session: aiohttp.ClientSession, hint: str | None
) -> None:
    async with _sim("digest") as sim:
        camera = await _connect(session, sim, hint)
        # One request without credentials brings the challenge; Digest from then on.
        assert sim.auth_log[:2] == ["none", "digest"]
        await _use(camera, sim)
        assert "basic" not in sim.auth_log, sim.auth_log
        assert sim.auth_log.count("none") == 1
        assert camera.auth_scheme == "digest" and camera.login_verified
        assert sim.failed_logins == 0


async def test_detection_answers_the_fingerprints_digest_challenge(
    session: aiohttp.ClientSession,
) -> None:
    # The credential-less fingerprint saw the challenge: the login signs at once.
    async with _sim("digest") as sim:
        camera = await detect(session, sim.host, sim.port, CREDS)
        assert sim.auth_log[:2] == ["none", "digest"]
        assert sim.auth_log.count("none") == 1 and "basic" not in sim.auth_log
        assert camera.auth_scheme == "digest"


async def test_detection_of_a_basic_camera_asks_once_without_credentials(
    session: aiohttp.ClientSession,
) -> None:
    async with _sim("basic") as sim:
        camera = await detect(session, sim.host, sim.port, CREDS)
        assert sim.auth_log[:2] == ["none", "basic"]  # the fingerprint, then the login
        assert sim.auth_log.count("none") == 1
        assert camera.auth_scheme == "basic" and sim.failed_logins == 0


async def test_a_basic_hint_is_preemptive(session: aiohttp.ClientSession) -> None:
    async with _sim("basic") as sim:
        camera = await _connect(session, sim, "basic")
        assert set(sim.auth_log) == {"basic"}  # not even one request without it
        assert camera.auth_scheme == "basic" and camera.login_verified


async def test_an_entry_without_hint_learns_basic(session: aiohttp.ClientSession) -> None:
    async with _sim("basic") as sim:
        camera = await _connect(session, sim, None)
        assert sim.auth_log[:2] == ["none", "basic"]
        assert camera.auth_scheme == "basic" and sim.failed_logins == 0


async def test_a_digest_hint_never_falls_back_to_basic(session: aiohttp.ClientSession) -> None:
    # Whatever answers at the camera's address now wants the password in clear.
    async with _sim("basic") as sim:
        with pytest.raises(AuthError, match="Basic"):
            await _connect(session, sim, "digest")
        assert sim.auth_log == ["none"]
        assert sim.failed_logins == 0


async def test_a_wrong_password_is_one_failed_login(session: aiohttp.ClientSession) -> None:
    async with CgiMessageSim(username=USERNAME, password="other", auth="digest") as sim:
        with pytest.raises(AuthError):
            await _connect(session, sim, "digest")
        assert sim.failed_logins == 1 and "basic" not in sim.auth_log


# -- an open device: the login proves nothing ------------------------------------------------


@pytest.mark.parametrize("hint", [None, "none", "digest"])
async def test_an_open_device_login_is_unverified(
    session: aiohttp.ClientSession, hint: str | None
) -> None:
    async with _sim("none") as sim:
        camera = await _connect(session, sim, hint)
        assert not camera.login_verified  # nothing checked it (no RTSP server either)
        assert camera.auth_scheme == "none"
        assert camera.info.mac == "52:3e:42:02:bc:20"
        await _use(camera, sim)
        # It never asked, so the password was never sent, not even as Basic.
        assert set(sim.auth_log) == {"none"}
        # Any password "works" there: exactly what login_verified says.
        other = await _connect(session, sim, hint, Credentials(USERNAME, "anything"))
        assert not other.login_verified


async def test_an_open_device_found_by_the_fingerprint_is_not_asked_twice(
    session: aiohttp.ClientSession,
) -> None:
    async with _sim("none") as sim:
        transport = Transport(session, sim.host, sim.port)
        assert await CgiMessageCamera.fingerprint(transport) is Fingerprint.YES
        camera = await CgiMessageCamera.connect(transport, CREDS, rtsp_port=NO_RTSP)
        assert not camera.login_verified and camera.auth_scheme == "none"
        device_info = [r for r in sim.requests if r.query.get("Group") == "DeviceInfo"]
        assert len(device_info) == 2  # the fingerprint's and the login's own read


@pytest.mark.parametrize("auth", ["basic", "digest"])
async def test_a_device_that_asks_verifies_the_login(
    session: aiohttp.ClientSession, auth: AuthMode
) -> None:
    async with _sim(auth) as sim:
        for hint in (None, "none", auth):
            camera = await _connect(session, sim, hint)
            assert camera.login_verified, hint
            assert camera.auth_scheme == auth
        detected = await detect(session, sim.host, sim.port, CREDS)
        assert detected.login_verified
