"""The snapshot URL override sends the login to the camera only (issue 17 hardening).

Before: the options form took any http(s) URL and every snapshot sent the camera's
login to it as HTTP Basic, to any host and over plain HTTP, even to a camera that
only speaks Digest.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
import socket

from aiohttp import web
from homeassistant.components.camera import async_get_image
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cgi_camera.const import CONF_RTSP_PORT, CONF_SNAPSHOT_URL, DOMAIN
from tests.conftest import PASSWORD, USERNAME
from tests.helpers import entity_id, entry_data, setup_entry
from tests.sim.cgi_message import CgiMessageSim
from tests.sim.uid_xml import UidXmlSim

MSG_MAC = "52:3e:42:02:bc:20"


class _Collector:
    """A throwaway web server on 127.0.0.1 that serves a JPEG and keeps what it was sent."""

    def __init__(self, jpeg: bytes) -> None:
        self.jpeg = jpeg
        self.authorizations: list[str] = []
        self.port = 0
        self._runner: web.AppRunner | None = None

    async def _snapshot(self, request: web.Request) -> web.Response:
        self.authorizations.append(request.headers.get("Authorization", ""))
        return web.Response(body=self.jpeg, content_type="image/jpeg")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/snap.jpg", self._snapshot)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def stop(self) -> None:
        assert self._runner is not None
        await self._runner.cleanup()


@pytest.fixture
async def collector(uid_sim: UidXmlSim) -> AsyncIterator[_Collector]:
    server = _Collector(uid_sim.snapshot_jpeg)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def _options(hass: HomeAssistant, entry: MockConfigEntry, url: str) -> dict[str, str]:
    flow = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        flow["flow_id"], {CONF_RTSP_PORT: 1, CONF_SNAPSHOT_URL: url}
    )
    if result["type"] is FlowResultType.CREATE_ENTRY:
        return {}
    errors: dict[str, str] = result["errors"] or {}
    await hass.config_entries.options.async_configure(  # leave with valid options
        flow["flow_id"], {CONF_RTSP_PORT: 1}
    )
    return errors


async def test_the_options_take_snapshot_urls_of_the_camera_only(
    hass: HomeAssistant, uid_sim: UidXmlSim
) -> None:
    entry = await setup_entry(hass, uid_sim, options={CONF_RTSP_PORT: 1})
    port = uid_sim.port
    for url, error in (
        ("http://192.0.2.7/snapshot.jpg", "snapshot_url_other_host"),
        ("http://localhost/snapshot.jpg", "snapshot_url_other_host"),
        (f"http://127.0.0.1.example/{port}", "snapshot_url_other_host"),
        ("ftp://127.0.0.1/snapshot.jpg", "invalid_snapshot_url"),
        ("http://user:pw@127.0.0.1/snapshot.jpg", "snapshot_url_credentials"),
    ):
        assert await _options(hass, entry, url) == {CONF_SNAPSHOT_URL: error}, url
    # The camera's own host, on any port or path: fine over the camera's own scheme.
    assert await _options(hass, entry, f"http://127.0.0.1:{port + 1}/cgi/snap?ch=1") == {}


async def test_no_plain_http_snapshot_url_for_a_camera_reached_over_https(
    hass: HomeAssistant, uid_sim: UidXmlSim
) -> None:
    # The options form only reads the entry; the entry need not load.
    entry = MockConfigEntry(domain=DOMAIN, title="Test camera", unique_id="f0:00:00:29:06:9f",
                            data=entry_data(uid_sim, "uid_xml", ssl=True))
    entry.add_to_hass(hass)
    assert await _options(hass, entry, "http://127.0.0.1/snap.jpg") == {
        CONF_SNAPSHOT_URL: "snapshot_url_insecure"
    }
    assert await _options(hass, entry, "https://127.0.0.1/snap.jpg") == {}


async def test_a_stored_url_on_another_host_gets_no_login(
    hass: HomeAssistant, uid_sim: UidXmlSim, collector: _Collector
) -> None:
    """An entry that kept such a URL from an older version: nothing is sent to it."""
    url = f"http://localhost:{collector.port}/snap.jpg"  # another host name than the camera's
    await setup_entry(hass, uid_sim, options={CONF_RTSP_PORT: 1, CONF_SNAPSHOT_URL: url})
    with pytest.raises(HomeAssistantError):
        await async_get_image(hass, entity_id(hass, "camera", "camera"))
    assert collector.authorizations == []


async def test_a_digest_camera_is_never_sent_basic_for_its_snapshot_url(
    hass: HomeAssistant,
) -> None:
    async with CgiMessageSim(username=USERNAME, password=PASSWORD, auth="digest") as sim:
        url = f"http://127.0.0.1:{sim.port}/jpgimage/1/image.jpg"
        await setup_entry(hass, sim, "cgi_message", MSG_MAC,
                          options={CONF_RTSP_PORT: 1, CONF_SNAPSHOT_URL: url})
        sim.auth_log.clear()
        image = await async_get_image(hass, entity_id(hass, "camera", "camera", MSG_MAC))
        assert image.content.startswith(b"\xff\xd8")
        assert "digest" in sim.auth_log
        assert "basic" not in sim.auth_log
