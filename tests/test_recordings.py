"""SD-card recordings: browsed in the media browser, played through Home Assistant."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
import contextlib
from datetime import datetime, time
from http import HTTPStatus

from aiohttp import ClientPayloadError
from homeassistant.components import media_source
from homeassistant.components.media_player.browse_media import BrowseMedia
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.cgi_camera.const import CONF_RTSP_PORT, DOMAIN
from custom_components.cgi_camera.recording_view import encode_path
from tests.conftest import PASSWORD, USERNAME
from tests.helpers import setup_entry
from tests.sim.uid_xml import UidXmlSim

ROOT = f"media-source://{DOMAIN}"


@pytest.fixture
async def loaded(hass: HomeAssistant, uid_sim: UidXmlSim) -> AsyncIterator[MockConfigEntry]:
    assert await async_setup_component(hass, "media_source", {})
    entry = await setup_entry(hass, uid_sim, options={CONF_RTSP_PORT: 1})
    today = entry.runtime_data.camera.today()
    uid_sim.add_recording(datetime.combine(today, time(15, 12, 33)), record_mode=4)
    uid_sim.add_recording(datetime.combine(today, time(8, 0, 0)), record_mode=2)
    yield entry


async def _browse(hass: HomeAssistant, content_id: str) -> Sequence[BrowseMedia]:
    """The children of a media-browser node (which must have some listed)."""
    node = await media_source.async_browse_media(hass, content_id)
    assert node.children is not None
    return node.children


async def test_browse_and_play(
    hass: HomeAssistant, loaded: MockConfigEntry, uid_sim: UidXmlSim,
    hass_client: ClientSessionGenerator,
) -> None:
    root = await _browse(hass, ROOT)
    assert [c.title for c in root] == [loaded.title]
    days = await _browse(hass, root[0].media_content_id)
    assert len(days) == 14
    assert days[0].title == loaded.runtime_data.camera.today().isoformat()
    day = await _browse(hass, days[0].media_content_id)
    # Oldest first; times on the camera's clock, with why the camera recorded (translated).
    assert [c.title.split(" ", 1)[1] for c in day] == ["Scheduled", "Motion detection"]
    assert all(c.can_play for c in day)

    played = await media_source.async_resolve_media(hass, day[1].media_content_id, None)
    assert played.mime_type == "video/mp4"
    assert "uid" not in played.url and PASSWORD not in played.url
    client = await hass_client()
    resp = await client.get(played.url)
    assert resp.status == HTTPStatus.OK
    assert await resp.read() == uid_sim.recording_bytes
    assert uid_sim.playbacks[-1].startswith("/mnt/mmc0/motion/")
    # Seeking: the player's Range goes to the camera and its answer comes back.
    resp = await client.get(played.url, headers={"Range": "bytes=4-11"})
    assert resp.status == HTTPStatus.PARTIAL_CONTENT
    assert await resp.read() == b"ftypmp42"
    assert resp.headers["Content-Range"] == f"bytes 4-11/{len(uid_sim.recording_bytes)}"

    # An expired session is renewed on the way.
    uid_sim.expire_all_uids()
    resp = await client.get(played.url)
    assert resp.status == HTTPStatus.OK


async def test_the_view_refuses_what_the_camera_did_not_list(
    hass: HomeAssistant, loaded: MockConfigEntry, uid_sim: UidXmlSim,
    hass_client: ClientSessionGenerator, hass_client_no_auth: ClientSessionGenerator,
) -> None:
    base = f"/api/cgi_camera/recording/{loaded.entry_id}"
    good = f"{base}/{encode_path(uid_sim.recordings[0]['filepath'].strip())}"
    client = await hass_client()
    # Nothing is played before the camera listed it (browsing lists the day).
    resp = await client.get(good)
    assert resp.status == HTTPStatus.NOT_FOUND
    await loaded.runtime_data.camera.list_recordings(loaded.runtime_data.camera.today())
    sent = len(uid_sim.playbacks)
    for path, status in (
        ("/etc/passwd", HTTPStatus.NOT_FOUND),  # not a recording path: never sent
        ("/mnt/mmc0/../../etc/shadow.mp4", HTTPStatus.NOT_FOUND),
        ("/mnt/mmc0/motion/19700101/000000-av-1.mp4", HTTPStatus.NOT_FOUND),  # not listed
        ("/mnt/mmc0/config.jpg", HTTPStatus.NOT_FOUND),
    ):
        resp = await client.get(f"{base}/{encode_path(path)}")
        assert resp.status == status, path
    assert len(uid_sim.playbacks) == sent  # none of those reached the camera
    resp = await client.get(good)
    assert resp.status == HTTPStatus.OK
    resp = await client.get(f"{base}/%%%not-base64")
    assert resp.status == HTTPStatus.BAD_REQUEST
    resp = await client.get(good.replace(loaded.entry_id, "unknown-entry"))
    assert resp.status == HTTPStatus.NOT_FOUND
    anonymous = await hass_client_no_auth()
    resp = await anonymous.get(good)
    assert resp.status == HTTPStatus.UNAUTHORIZED
    await uid_sim.go_offline()
    resp = await client.get(good)
    assert resp.status == HTTPStatus.BAD_GATEWAY


async def test_camera_without_recordings_is_not_offered(hass: HomeAssistant) -> None:
    assert await async_setup_component(hass, "media_source", {})
    async with UidXmlSim(variant="002", username=USERNAME, password=PASSWORD) as sim:
        await setup_entry(hass, sim, options={CONF_RTSP_PORT: 1})
        assert await _browse(hass, ROOT) == []
        with pytest.raises(media_source.Unresolvable):
            await media_source.async_browse_media(hass, f"{ROOT}/nope")


async def test_browser_errors_are_unresolvable(
    hass: HomeAssistant, loaded: MockConfigEntry, uid_sim: UidXmlSim
) -> None:
    camera = f"{ROOT}/{loaded.entry_id}"
    with pytest.raises(media_source.Unresolvable):
        await media_source.async_browse_media(hass, f"{camera}/not-a-day")
    with pytest.raises(media_source.Unresolvable):
        await media_source.async_resolve_media(hass, f"{camera}/2026-01-01", None)
    with pytest.raises(media_source.Unresolvable):
        await media_source.async_resolve_media(hass, f"{camera}/2026-01-01/%%%", None)
    await uid_sim.go_offline()
    with pytest.raises(media_source.Unresolvable):
        await media_source.async_browse_media(hass, f"{camera}/2026-01-01")


async def test_camera_refusing_or_cutting_a_recording(
    hass: HomeAssistant, loaded: MockConfigEntry, uid_sim: UidXmlSim,
    hass_client: ClientSessionGenerator,
) -> None:
    """A listed file the camera then refuses or cuts short: a clear status, nothing hangs."""
    await loaded.runtime_data.camera.list_recordings(loaded.runtime_data.camera.today())
    path = uid_sim.recordings[0]["filepath"].strip()
    url = f"/api/cgi_camera/recording/{loaded.entry_id}/{encode_path(path)}"
    client = await hass_client()

    uid_sim.fail(f"/playback{path}", 404)
    resp = await client.get(url)
    assert resp.status == HTTPStatus.NOT_FOUND
    uid_sim.fail(f"/playback{path}", 500)
    resp = await client.get(url)
    assert resp.status == HTTPStatus.BAD_GATEWAY

    # Declared longer than it is: the camera closes mid-file; the viewer gets what came.
    uid_sim.cut(f"/playback{path}", uid_sim.recording_bytes, "video/mp4")
    resp = await client.get(url)
    assert resp.status == HTTPStatus.OK
    with contextlib.suppress(ClientPayloadError):
        body = await resp.read()
        assert len(body) < len(uid_sim.recording_bytes)
