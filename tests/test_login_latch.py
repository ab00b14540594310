"""One refused login per password change, whichever channel notices it (issue 16).

A camera's login travels over several channels: the CGI settings refresh, its alarm
feeds (the poll, the push stream), ONVIF. A password changed on the camera is noticed
by whichever asks first; from then on none of them sends the old password again (one
latch per camera, the client's), Home Assistant asks for re-authentication once, and
after the user answers with the new password everything works again. The simulators
count every refused login, CGI and ONVIF alike (one account, as on these cameras).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import aiohttp
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.cgi_camera.client import AuthError, Credentials, StreamKind, connect
from custom_components.cgi_camera.client.dialects import uid_xml
from custom_components.cgi_camera.client.latch import LoginLatch
from custom_components.cgi_camera.client.onvif.side_channel import OnvifSideChannel
from custom_components.cgi_camera.const import CONF_ONVIF, DOMAIN, ONVIF_OFF
from tests.conftest import PASSWORD, USERNAME
from tests.dialects import DIALECTS, Dialect
from tests.helpers import ONVIF_ON, settle, setup_entry, setup_with_onvif, until
from tests.sim.onvif import OnvifCamera
from tests.sim.param_cgi import ParamCgiSim

NEW_PASSWORD = "changed-on-the-camera"


def _dialect(name: str) -> Dialect:
    return next(d for d in DIALECTS if d.name == name)


def _change_password(sim: OnvifCamera, new: str) -> None:
    """On the camera: its one account, CGI and ONVIF alike."""
    setter = getattr(sim, "set_password", None)
    if callable(setter):
        setter(new)
    else:
        sim.password = new  # type: ignore[attr-defined]


def _failed_logins(sim: OnvifCamera) -> int:
    cgi: int = getattr(sim, "failed_logins", 0)
    return cgi + sim.onvif.failed_logins


def _cgi_requests(sim: OnvifCamera) -> int:
    """Requests to the camera's CGI (its ONVIF paths apart)."""
    return sum(1 for r in sim.requests if not r.path.startswith(sim.onvif.base_path + "/"))


def _reauth_flows(hass: HomeAssistant, entry: MockConfigEntry) -> list[Any]:
    return [f for f in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
            if f["context"].get("source") == SOURCE_REAUTH
            and f["context"].get("entry_id") == entry.entry_id]


async def _nothing_more_is_sent(hass: HomeAssistant, entry: MockConfigEntry,
                                sim: OnvifCamera, refused: int) -> None:
    """Every channel is asked again (and time passes): no request carries the login."""
    cgi = _cgi_requests(sim)
    signed = sum(1 for r in sim.onvif.requests if r.signed)
    await entry.runtime_data.coordinator.async_refresh()
    alarms = entry.runtime_data.alarms
    assert alarms is not None
    await alarms.async_refresh()
    await entry.runtime_data.coordinator.async_housekeeping()
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=10))
    await settle(hass)
    assert _failed_logins(sim) == refused
    assert _cgi_requests(sim) == cgi
    assert sum(1 for r in sim.onvif.requests if r.signed) == signed
    assert not entry.runtime_data.coordinator.last_update_success


async def _answer_reauth(hass: HomeAssistant, entry: MockConfigEntry, password: str) -> None:
    await until(lambda: bool(_reauth_flows(hass, entry)))
    flows = _reauth_flows(hass, entry)
    assert len(flows) == 1  # asked once, whichever channels failed
    result = await hass.config_entries.flow.async_configure(
        flows[0]["flow_id"], {"username": USERNAME, "password": password}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await settle(hass)
    assert entry.state is ConfigEntryState.LOADED


@pytest.mark.parametrize("dialect", DIALECTS, ids=str)
async def test_onvif_noticing_first_costs_one_failed_login_on_every_channel(
    hass: HomeAssistant, dialect: Dialect
) -> None:
    """The pull point is refused first: the CGI, the alarm poll and the push stream
    send nothing more, the entry asks for the new password once (no ONVIF repair:
    it is the camera's login), and with it everything is back."""
    async with dialect.make() as sim:
        entry, alarms = await setup_with_onvif(hass, sim, dialect.name, dialect.unique_id)
        await until(lambda: sim.onvif.waiting_pulls == 1)  # the long poll waits
        _change_password(sim, NEW_PASSWORD)
        sim.onvif.set_motion(True)  # answers the waiting poll: the next one is refused
        await until(lambda: entry.runtime_data.camera.auth_refused is not None)
        await until(lambda: bool(_reauth_flows(hass, entry)))
        assert _failed_logins(sim) == 1
        assert sim.onvif.failed_logins == 1
        await _nothing_more_is_sent(hass, entry, sim, 1)
        issue = ir.async_get(hass).async_get_issue(DOMAIN, f"onvif_auth_{entry.entry_id}")
        assert issue is None

        await _answer_reauth(hass, entry, NEW_PASSWORD)
        alarms = entry.runtime_data.alarms
        assert alarms is not None
        await until(lambda: alarms.onvif_connected)
        await entry.runtime_data.coordinator.async_refresh()
        assert entry.runtime_data.coordinator.last_update_success
        assert entry.runtime_data.camera.auth_refused is None
        assert _failed_logins(sim) == 1


@pytest.mark.parametrize("dialect", [d for d in DIALECTS if d.name != "uid_xml"], ids=str)
async def test_the_settings_refresh_noticing_first_costs_one_failed_login(
    hass: HomeAssistant, dialect: Dialect
) -> None:
    """(uid_xml's CGI keeps honouring its session after a password change: there only
    ONVIF notices, the case above.)"""
    async with dialect.make() as sim:
        entry, alarms = await setup_with_onvif(hass, sim, dialect.name, dialect.unique_id)
        await until(lambda: sim.onvif.waiting_pulls == 1)
        _change_password(sim, NEW_PASSWORD)
        await entry.runtime_data.coordinator.async_refresh()
        assert _failed_logins(sim) == 1
        sim.onvif.set_motion(True)  # the waiting poll answers; nothing signed follows
        await until(lambda: not alarms.onvif_connected)
        await _nothing_more_is_sent(hass, entry, sim, 1)

        await _answer_reauth(hass, entry, NEW_PASSWORD)
        alarms = entry.runtime_data.alarms
        assert alarms is not None
        await until(lambda: alarms.onvif_connected)
        assert entry.runtime_data.coordinator.last_update_success
        assert _failed_logins(sim) == 1


async def test_the_push_stream_noticing_first_costs_one_failed_login(
    hass: HomeAssistant,
) -> None:
    """param_cgi: the alarm stream reconnects after a drop and is refused."""
    dialect = _dialect("param_cgi")
    async with dialect.make() as sim:
        assert isinstance(sim, ParamCgiSim)
        entry = await setup_entry(hass, sim, dialect.name, dialect.unique_id)
        alarms = entry.runtime_data.alarms
        assert alarms is not None
        await until(lambda: alarms.stream_connected)
        _change_password(sim, NEW_PASSWORD)
        sim.drop_streams()
        await until(lambda: entry.runtime_data.camera.auth_refused is not None)
        await until(lambda: bool(_reauth_flows(hass, entry)))
        assert _failed_logins(sim) == 1
        await _nothing_more_is_sent(hass, entry, sim, 1)

        await _answer_reauth(hass, entry, NEW_PASSWORD)
        alarms = entry.runtime_data.alarms
        assert alarms is not None
        await until(lambda: alarms.stream_connected)
        assert _failed_logins(sim) == 1


async def test_the_alarm_poll_noticing_first_costs_one_failed_login(
    hass: HomeAssistant,
) -> None:
    """cgi_action without ONVIF polls its IO input every second: the poll is refused
    first, and the settings refresh does not try the old password after it."""
    dialect = _dialect("cgi_action")
    async with dialect.make(onvif=False) as sim:
        entry = await setup_entry(hass, sim, dialect.name, dialect.unique_id,
                                  options={CONF_ONVIF: ONVIF_OFF})
        alarms = entry.runtime_data.alarms
        assert alarms is not None
        _change_password(sim, NEW_PASSWORD)
        await alarms.async_refresh()
        await until(lambda: bool(_reauth_flows(hass, entry)))
        assert _failed_logins(sim) == 1
        await until(lambda: not entry.runtime_data.coordinator.last_update_success)
        await _nothing_more_is_sent(hass, entry, sim, 1)

        await _answer_reauth(hass, entry, NEW_PASSWORD)
        await entry.runtime_data.coordinator.async_refresh()
        assert entry.runtime_data.coordinator.last_update_success
        assert _failed_logins(sim) == 1


async def test_an_onvif_account_of_its_own_stops_only_onvif(hass: HomeAssistant) -> None:
    """ONVIF refusing the login it never accepted is its own account: a repair issue,
    the CGI keeps working with the same login."""
    dialect = _dialect("cgi_message")
    async with dialect.make(onvif_password="only-for-onvif") as sim:
        entry = await setup_entry(hass, sim, dialect.name, dialect.unique_id,
                                  options=ONVIF_ON)
        registry = ir.async_get(hass)
        issue_id = f"onvif_auth_{entry.entry_id}"
        await until(lambda: registry.async_get_issue(DOMAIN, issue_id) is not None)
        assert sim.onvif.failed_logins == 1
        assert entry.runtime_data.camera.auth_refused is None
        await entry.runtime_data.coordinator.async_refresh()
        assert entry.runtime_data.coordinator.last_update_success
        assert not _reauth_flows(hass, entry)


# -- the client: one latch for the CGI and ONVIF of a camera ----------------------------


async def test_one_latch_for_the_cgi_and_onvif(session: aiohttp.ClientSession) -> None:
    dialect = _dialect("cgi_message")
    async with dialect.make() as sim:
        camera = await connect(session, dialect.name, sim.host, sim.port,
                               Credentials(USERNAME, PASSWORD))
        heard: list[str] = []
        camera.latch.listen(heard.append)
        onvif = await OnvifSideChannel.open(
            session, sim.host, Credentials(USERNAME, PASSWORD), mac=camera.info.mac,
            serial=camera.info.serial, ports=[sim.port], usual_ports=(),
            latch=camera.latch,
        )
        await onvif.presets()  # a signed request that needs the login: accepted
        assert onvif.client.accepted
        _change_password(sim, NEW_PASSWORD)
        with pytest.raises(AuthError):
            await onvif.client.device.get_device_information()
        assert len(heard) == 1 and camera.auth_refused is not None
        assert _failed_logins(sim) == 1
        requests = len(sim.requests)
        for call in (camera.read_state(), camera.snapshot(),
                     onvif.client.device.get_device_information(),
                     OnvifSideChannel.open(session, sim.host, Credentials(USERNAME, PASSWORD),
                                           mac=None, serial=None, ports=[sim.port],
                                           usual_ports=(), latch=camera.latch)):
            with pytest.raises(AuthError):
                await call
        assert len(sim.requests) == requests  # nothing left the client
        # A stream player gets no password to retry either.
        url = camera.authenticated_url("rtsp://127.0.0.1:1/x")
        assert NEW_PASSWORD not in url and PASSWORD not in url
        assert await camera.find_stream(StreamKind.MAIN) is None
        assert len(heard) == 1  # the listeners heard it once


async def test_a_refused_keep_alive_stops_every_channel(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """uid_xml's session keep-alive is refused (HTTP 401): the latch, then no more."""
    dialect = _dialect("uid_xml")
    monkeypatch.setattr(uid_xml, "KEEPALIVE_AFTER", 0.0)
    async with dialect.make() as sim:
        entry = await setup_entry(hass, sim, dialect.name, dialect.unique_id)
        sim.fail("/cgi-bin/keep_alive", 401)
        await entry.runtime_data.coordinator.async_housekeeping()
        assert entry.runtime_data.camera.auth_refused is not None
        await until(lambda: bool(_reauth_flows(hass, entry)))
        assert sim.count("/cgi-bin/keep_alive") == 1
        await _nothing_more_is_sent(hass, entry, sim, 0)
        assert sim.count("/cgi-bin/keep_alive") == 1


def test_the_latch_tells_every_listener_once() -> None:
    latch = LoginLatch()
    heard: list[str] = []

    def broken(why: str) -> None:
        raise RuntimeError("a listener's bug")

    latch.listen(broken)
    undo = latch.listen(heard.append)
    latch.listen(heard.append)
    assert "open" in repr(latch)
    latch.check()
    latch.trip("refused")
    latch.trip("again")
    assert heard == ["refused", "refused"] and "refused" in repr(latch)
    with pytest.raises(AuthError):
        latch.check()
    undo()
    undo()  # twice is harmless
