"""cgi_action firmware whose GET login always fails and whose POST needs no login.

Issue 11 part 1: on that firmware no HTTP request proves the password, so the RTSP
server checks it. A wrong password must give ``invalid_auth`` and cost exactly one
failed login on the camera (the GET form is never sent: it would be refused whatever
the password, and such cameras count failures and lock the account).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import aiohttp
from homeassistant import config_entries
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.cgi_camera.client import (
    AuthError,
    Credentials,
    ProtocolError,
    connect,
    detect,
)
from custom_components.cgi_camera.client.dialects import cgi_action
from custom_components.cgi_camera.client.dialects.cgi_action import CgiActionCamera
from custom_components.cgi_camera.const import DOMAIN
from tests.conftest import PASSWORD, USERNAME
from tests.helpers import settle, setup_entry, until
from tests.sim.cgi_action import CgiActionSim, RtspAuth
from tests.sim.rtsp import RtspServer, gstreamer_available

DEVICE_ID = "CBT000114010100010238"
WRONG = "not-the-password"



def _post_sim(rtsp_auth: RtspAuth | None = "digest", **kwargs: Any) -> CgiActionSim:
    return CgiActionSim(variant="post", username=USERNAME, password=PASSWORD,
                        rtsp_auth=rtsp_auth, **kwargs)


def _credentialed_gets(sim: CgiActionSim) -> int:
    return sum(1 for r in sim.requests if r.method == "GET" and "pwd" in r.query)


async def _detect(session: aiohttp.ClientSession, sim: CgiActionSim,
                  password: str) -> CgiActionCamera:
    camera = await detect(session, sim.host, sim.port, Credentials(USERNAME, password))
    assert isinstance(camera, CgiActionCamera)
    return camera


# -- client --------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["digest", "basic"])
async def test_wrong_password_is_refused_by_rtsp_with_one_failed_login(
    session: aiohttp.ClientSession, scheme: RtspAuth
) -> None:
    async with _post_sim(scheme) as sim:
        with pytest.raises(AuthError, match="RTSP"):
            await _detect(session, sim, WRONG)
        # One failed login in all: the RTSP one. No GET login was sent at all.
        assert (sim.failed_logins, sim.rtsp_failed_logins) == (1, 1)
        assert _credentialed_gets(sim) == 0 and sim.get_refusals == 0
        camera = await _detect(session, sim, PASSWORD)
        assert camera.post_form and camera.login_verified
        assert camera.auth_scheme == "post"
        assert sim.failed_logins == 1
        assert _credentialed_gets(sim) == 0


async def test_open_rtsp_connects_unverified(session: aiohttp.ClientSession) -> None:
    async with _post_sim("open") as sim:
        camera = await _detect(session, sim, WRONG)
        assert camera.post_form and not camera.login_verified
        assert camera.info.unique_id == DEVICE_ID
        assert sim.failed_logins == 0 and sim.rtsp_requests  # it was asked


async def test_no_rtsp_server_connects_unverified(session: aiohttp.ClientSession) -> None:
    async with _post_sim(None, rtsp_port=1) as sim:  # nothing listens on port 1
        camera = await _detect(session, sim, WRONG)
        assert not camera.login_verified
        assert sim.failed_logins == 0


async def test_rtsp_checks_the_login_before_the_path(session: aiohttp.ClientSession) -> None:
    """A server that answers 404 past a login has checked it; 403 refuses it."""
    async with _post_sim() as sim:
        assert sim.rtsp is not None
        sim.rtsp.paths = set()  # no stream behind the login
        camera = await _detect(session, sim, PASSWORD)
        assert camera.login_verified
        assert [path for path, _ in sim.rtsp_requests] == ["/stream_0", "/stream_0"]
        sim.rtsp.refusal = "403 Forbidden"
        requests = len(sim.rtsp_requests)
        with pytest.raises(AuthError):
            await _detect(session, sim, WRONG)
        assert sim.failed_logins == 1  # not one per candidate URL
        assert len(sim.rtsp_requests) == requests + 2


async def test_post_hint_skips_the_get_login(session: aiohttp.ClientSession) -> None:
    async with _post_sim() as sim:
        camera = await connect(session, "cgi_action", sim.host, sim.port,
                               Credentials(USERNAME, PASSWORD), auth_hint="post")
        assert camera.login_verified and _credentialed_gets(sim) == 0
        # A bad moment of the known POST firmware fails the set-up (retried later)
        # instead of a GET that is refused whatever the password.
        sim.answers["getSysConfig"] = (200, "<html>busy</html>")
        with pytest.raises(ProtocolError):
            await connect(session, "cgi_action", sim.host, sim.port,
                          Credentials(USERNAME, WRONG), auth_hint="post")
        assert _credentialed_gets(sim) == 0 and sim.failed_logins == 0


async def test_post_hint_after_a_firmware_fix(session: aiohttp.ClientSession) -> None:
    """The POST form closed (404): the GET login runs, and proves the password."""
    async with CgiActionSim(username=USERNAME, password=PASSWORD) as sim:
        camera = await connect(session, "cgi_action", sim.host, sim.port,
                               Credentials(USERNAME, PASSWORD), auth_hint="post")
        assert isinstance(camera, CgiActionCamera)
        assert not camera.post_form and camera.login_verified
        assert camera.auth_scheme == "query"
        with pytest.raises(AuthError):
            await connect(session, "cgi_action", sim.host, sim.port,
                          Credentials(USERNAME, WRONG), auth_hint="post")
        assert sim.failed_logins == 1


async def test_normal_firmware_posts_without_credentials_first(
    session: aiohttp.ClientSession,
) -> None:
    async with CgiActionSim(username=USERNAME, password=PASSWORD) as sim:
        camera = await _detect(session, sim, PASSWORD)
        assert camera.login_verified and not camera.post_form
        posts = [r for r in sim.requests if r.method == "POST"]
        assert [r.path for r in posts] == ["/action/getSysConfig"]
        assert not posts[0].query  # no user, no pwd


async def test_password_changed_while_running_is_noticed(
    session: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with _post_sim() as sim:
        camera = await _detect(session, sim, PASSWORD)
        await camera.housekeeping()  # within the interval: nothing sent
        requests = len(sim.rtsp_requests)
        assert requests == 2
        monkeypatch.setattr(cgi_action, "REVERIFY_INTERVAL", 0.0)
        await camera.housekeeping()  # the password still works
        assert len(sim.rtsp_requests) == requests + 2 and camera.auth_refused is None
        sim.password = "changed-on-the-camera"
        assert await camera.read_state()  # the POST form notices nothing
        with pytest.raises(AuthError):
            await camera.housekeeping()
        with pytest.raises(AuthError):
            await camera.read_state()  # latched: the owner asks for the new password
        await camera.housekeeping()  # and nothing more is sent
        assert sim.failed_logins == 1


@pytest.mark.skipif(gstreamer_available() is not None,
                    reason=f"needs Debian's GStreamer RTSP server: {gstreamer_available()}")
async def test_a_real_rtsp_server_checks_the_password(session: aiohttp.ClientSession) -> None:
    """GStreamer's RTSP server (Basic; 404 for unknown paths before any login)."""
    async with RtspServer(username=USERNAME, password=PASSWORD,
                          paths=("/stream_0", "/stream_1")) as rtsp:
        assert rtsp.port is not None
        async with _post_sim(None, rtsp_port=rtsp.port) as sim:
            with pytest.raises(AuthError):
                await _detect(session, sim, WRONG)
            camera = await _detect(session, sim, PASSWORD)
            assert camera.post_form and camera.login_verified
            assert _credentialed_gets(sim) == 0


# -- Home Assistant --------------------------------------------------------------------


def _form(sim: CgiActionSim, password: str) -> dict[str, Any]:
    return {"host": sim.host, "port": sim.port, "username": USERNAME, "password": password,
            "ssl": False, "verify_ssl": True}


async def test_user_flow_wrong_then_right_password(hass: HomeAssistant) -> None:
    async with _post_sim() as sim:
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": config_entries.SOURCE_USER})
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], _form(sim, WRONG))
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"base": "invalid_auth"}
        assert not hass.config_entries.async_entries(DOMAIN)
        assert sim.failed_logins == 1 and _credentialed_gets(sim) == 0
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], _form(sim, PASSWORD))
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["result"].unique_id == DEVICE_ID
        await settle(hass)
        entry = result["result"]
        assert entry.state is ConfigEntryState.LOADED
        assert entry.runtime_data.camera.login_verified
        assert sim.failed_logins == 1
        await hass.config_entries.async_unload(entry.entry_id)


async def test_user_flow_open_rtsp_creates_an_unverified_entry(hass: HomeAssistant) -> None:
    async with _post_sim("open") as sim:
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": config_entries.SOURCE_USER})
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], _form(sim, WRONG))
        assert result["type"] is FlowResultType.CREATE_ENTRY
        await settle(hass)
        entry = result["result"]
        assert entry.state is ConfigEntryState.LOADED
        assert not entry.runtime_data.camera.login_verified
        await hass.config_entries.async_unload(entry.entry_id)


async def test_password_changed_while_running_starts_reauth(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with _post_sim() as sim:
        entry = await setup_entry(hass, sim, "cgi_action", DEVICE_ID)
        assert entry.state is ConfigEntryState.LOADED
        assert entry.runtime_data.camera.login_verified
        sim.password = "changed-on-the-camera"
        monkeypatch.setattr(cgi_action, "REVERIFY_INTERVAL", 0.0)
        for seconds in (11, 22, 33):  # housekeeping (10 s), then the polls
            async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds))
            await settle(hass)
        await until(lambda: bool(hass.config_entries.flow.async_progress_by_handler(DOMAIN)))
        flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        assert [f["context"]["source"] for f in flows] == ["reauth"]
        assert sim.failed_logins == 1  # the one re-check; every loop stopped there
        result = await hass.config_entries.flow.async_configure(
            flows[0]["flow_id"], {"username": USERNAME, "password": "changed-on-the-camera"})
        assert result["reason"] == "reauth_successful"
        await settle(hass)
        assert entry.state is ConfigEntryState.LOADED
        assert entry.data["password"] == "changed-on-the-camera"
        assert sim.failed_logins == 1
        await hass.config_entries.async_unload(entry.entry_id)


async def test_wrong_stored_password_fails_set_up_with_reauth(hass: HomeAssistant) -> None:
    async with _post_sim() as sim:
        entry = await setup_entry(hass, sim, "cgi_action", DEVICE_ID, password=WRONG)
        assert entry.state is ConfigEntryState.SETUP_ERROR
        flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        assert [f["context"]["source"] for f in flows] == ["reauth"]
        assert sim.failed_logins == 1 and _credentialed_gets(sim) == 0


async def test_reauth_flow_checks_the_password(hass: HomeAssistant) -> None:
    async with _post_sim() as sim:
        entry = await setup_entry(hass, sim, "cgi_action", DEVICE_ID)
        result = await entry.start_reauth_flow(hass)
        assert result["step_id"] == "reauth_confirm"
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"username": USERNAME, "password": WRONG})
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"base": "invalid_auth"}
        assert entry.data["password"] == PASSWORD
        assert sim.failed_logins == 1 and _credentialed_gets(sim) == 0
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"username": USERNAME, "password": PASSWORD})
        assert result["reason"] == "reauth_successful"
        await settle(hass)
        assert sim.failed_logins == 1
        await hass.config_entries.async_unload(entry.entry_id)


async def test_reconfigure_flow_checks_the_password(hass: HomeAssistant) -> None:
    async with _post_sim() as sim:
        entry = await setup_entry(hass, sim, "cgi_action", DEVICE_ID)
        result = await entry.start_reconfigure_flow(hass)
        assert result["step_id"] == "reconfigure"
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], _form(sim, WRONG))
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"base": "invalid_auth"}
        assert entry.data["password"] == PASSWORD
        assert sim.failed_logins == 1 and _credentialed_gets(sim) == 0
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], _form(sim, PASSWORD))
        assert result["reason"] == "reconfigure_successful"
        await settle(hass)
        assert sim.failed_logins == 1
        await hass.config_entries.async_unload(entry.entry_id)
