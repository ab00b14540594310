"""The camera entity: snapshots, stream source, and the PTZ services."""

from __future__ import annotations

import shutil

from homeassistant.components.camera import async_get_image, async_get_stream_source
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest

from custom_components.cgi_camera.const import CONF_RTSP_PORT, CONF_SNAPSHOT_URL, DOMAIN
from tests.conftest import PASSWORD, USERNAME
from tests.helpers import entity_id, setup_entry, state_of
from tests.sim.rtsp import RtspServer, gstreamer_available
from tests.sim.uid_xml import UidXmlSim


async def test_snapshot(hass: HomeAssistant, uid_sim: UidXmlSim) -> None:
    await setup_entry(hass, uid_sim)
    camera = entity_id(hass, "camera", "camera")
    image = await async_get_image(hass, camera)
    assert image.content.startswith(b"\xff\xd8")
    assert image.content_type == "image/jpeg"
    assert uid_sim.count("/cgi-bin/snapshot.cgi") == 1
    query = [r.query for r in uid_sim.requests if r.path == "/cgi-bin/snapshot.cgi"][-1]
    assert query["stream"] == "1"  # 1 = main stream in snapshot.cgi's numbering


async def test_snapshot_failure_is_logged_once(
    hass: HomeAssistant, uid_sim: UidXmlSim, caplog: pytest.LogCaptureFixture
) -> None:
    await setup_entry(hass, uid_sim)
    camera = entity_id(hass, "camera", "camera")
    uid_sim.garbage("/cgi-bin/snapshot.cgi", b"<html>no</html>", content_type="text/html")
    for _ in range(3):
        with pytest.raises(HomeAssistantError):
            await async_get_image(hass, camera)
    assert len([r for r in caplog.records if "Snapshot of" in r.getMessage()]) == 1
    uid_sim.clear_faults()
    assert (await async_get_image(hass, camera)).content.startswith(b"\xff\xd8")


async def test_snapshot_url_override(hass: HomeAssistant, uid_sim: UidXmlSim) -> None:
    # With ONVIF auth off, snapshot.cgi needs no login (seed 000 §3.19 note 1).
    uid_sim.onvif_auth = "0"
    url = f"http://{uid_sim.host}:{uid_sim.port}/cgi-bin/snapshot.cgi?stream=0"
    await setup_entry(hass, uid_sim, options={CONF_SNAPSHOT_URL: url})
    image = await async_get_image(hass, entity_id(hass, "camera", "camera"))
    assert image.content.startswith(b"\xff\xd8")


async def test_no_stream_without_rtsp_server(hass: HomeAssistant, uid_sim: UidXmlSim) -> None:
    await setup_entry(hass, uid_sim, options={CONF_RTSP_PORT: 1})
    camera = entity_id(hass, "camera", "camera")
    assert await async_get_stream_source(hass, camera) is None
    assert state_of(hass, camera).attributes.get("supported_features", 0) & 2 == 0


async def _ptz(hass: HomeAssistant, camera: str, **data: object) -> None:
    await hass.services.async_call(
        DOMAIN, "ptz", {ATTR_ENTITY_ID: camera, **data}, blocking=True
    )


async def test_ptz_move_then_stop(hass: HomeAssistant, uid_sim: UidXmlSim) -> None:
    await setup_entry(hass, uid_sim)
    camera = entity_id(hass, "camera", "camera")
    await _ptz(hass, camera, movement="up_left", speed=100, duration=0.05)
    assert uid_sim.ptz_log[-2:] == [
        {"move_x": "-1", "move_y": "1", "speed": "10"},
        {"stop": "1"},
    ]
    await _ptz(hass, camera, movement="right", speed=1, duration=0)
    assert uid_sim.ptz_log[-1] == {"move_x": "1", "move_y": "0", "speed": "1"}
    await _ptz(hass, camera, movement="zoom_in", duration=0)
    assert uid_sim.ptz_log[-1] == {"zoom": "1"}
    await _ptz(hass, camera, movement="stop")
    assert uid_sim.ptz_log[-1] == {"stop": "1"}


async def test_ptz_presets(hass: HomeAssistant, uid_sim: UidXmlSim) -> None:
    await setup_entry(hass, uid_sim)
    camera = entity_id(hass, "camera", "camera")
    for action, param in (("set", "add_preset"), ("goto", "call_preset"),
                          ("remove", "delete_preset")):
        await hass.services.async_call(
            DOMAIN, "ptz_preset", {ATTR_ENTITY_ID: camera, "action": action, "preset": 7},
            blocking=True,
        )
        assert uid_sim.ptz_log[-1] == {param: "7"}
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "ptz_preset", {ATTR_ENTITY_ID: camera, "preset": 999}, blocking=True
        )
    assert err.value.translation_key == "preset_out_of_range"


async def test_ptz_invalid_and_failing_calls(
    hass: HomeAssistant, uid_sim: UidXmlSim, uid_sim_002: UidXmlSim
) -> None:
    await setup_entry(hass, uid_sim)
    camera = entity_id(hass, "camera", "camera")
    with pytest.raises(Exception):  # noqa: B017 - schema rejects unknown movements
        await _ptz(hass, camera, movement="sideways")
    uid_sim.fail("/cgi-bin/ptz_ctrl", 500)
    with pytest.raises(HomeAssistantError) as err:
        await _ptz(hass, camera, movement="left", duration=0)
    assert err.value.translation_key == "ptz_failed"
    uid_sim.clear_faults()

    await setup_entry(hass, uid_sim_002, unique_id="f0:00:00:aa:bb:cc")
    no_ptz = entity_id(hass, "camera", "camera", "f0:00:00:aa:bb:cc")
    with pytest.raises(ServiceValidationError) as err2:
        await _ptz(hass, no_ptz, movement="left")
    assert err2.value.translation_key == "ptz_not_supported"
    assert not uid_sim_002.ptz_log


@pytest.mark.skipif(
    gstreamer_available() is not None,
    reason=f"needs Debian's GStreamer RTSP server: {gstreamer_available()}",
)
@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg (Debian ffmpeg)")
async def test_still_image_from_stream_without_snapshot_endpoint(
    hass: HomeAssistant, uid_sim_002: UidXmlSim
) -> None:
    """Seed-002 firmware has no snapshot.cgi: the still comes from the live stream."""
    server = RtspServer(username=USERNAME, password=PASSWORD)
    await server.start()
    try:
        await setup_entry(hass, uid_sim_002, unique_id="f0:00:00:aa:bb:cc",
                          options={CONF_RTSP_PORT: server.port})
        camera = entity_id(hass, "camera", "camera", "f0:00:00:aa:bb:cc")
        for _ in range(2):  # the second time skips the missing endpoint
            image = await async_get_image(hass, camera)
            assert image.content.startswith(b"\xff\xd8")
        assert uid_sim_002.count("/cgi-bin/snapshot.cgi") == 1
    finally:
        await server.stop()


async def test_no_snapshot_and_no_stream(hass: HomeAssistant, uid_sim_002: UidXmlSim) -> None:
    await setup_entry(hass, uid_sim_002, unique_id="f0:00:00:aa:bb:cc",
                      options={CONF_RTSP_PORT: 1})
    camera = entity_id(hass, "camera", "camera", "f0:00:00:aa:bb:cc")
    with pytest.raises(HomeAssistantError):
        await async_get_image(hass, camera)


async def test_repair_issue_for_a_dead_rtsp_override(
    hass: HomeAssistant, uid_sim: UidXmlSim
) -> None:
    from homeassistant.helpers import issue_registry as ir

    entry = await setup_entry(hass, uid_sim, options={"rtsp_url": "rtsp://127.0.0.1:1/live"})
    registry = ir.async_get(hass)
    issue = registry.async_get_issue(DOMAIN, f"rtsp_override_{entry.entry_id}")
    assert issue is not None and issue.translation_key == "rtsp_override_failing"
    # Cleared through the options form, which reloads the entry (on every release).
    flow = await hass.config_entries.options.async_init(entry.entry_id)
    await hass.config_entries.options.async_configure(flow["flow_id"], {CONF_RTSP_PORT: 1})
    await hass.async_block_till_done()
    assert registry.async_get_issue(DOMAIN, f"rtsp_override_{entry.entry_id}") is None
