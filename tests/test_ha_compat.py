"""Device registry APIs newer Home Assistant replaced, feature-detected (devices.py).

Newer releases (2026.11) link a channel to its recorder by registry id (``via_device_id``;
``via_device`` breaks in 2027.8) and look devices up per config entry
(``async_get_device_by_identifier``; ``async_get_device`` breaks in 2027.8). The suite
runs on releases without them, so the new branch is driven here by switching the
detection, against the real registry.
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest

from custom_components.cgi_camera import devices
from custom_components.cgi_camera.const import DOMAIN
from tests.helpers import setup_entry
from tests.sim.param_cgi import ParamCgiSim

NVR = "00:12:34:00:00:05"


async def test_channel_links_to_the_recorder_by_id_where_supported(
    hass: HomeAssistant, nvr_sim: ParamCgiSim, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = await setup_entry(hass, nvr_sim, "param_cgi", unique_id=NVR)
    camera = entry.runtime_data.camera
    recorder = devices.find_device(hass, entry, (DOMAIN, NVR))
    assert recorder is not None

    detected = "via_device_id" in dr.DeviceInfo.__optional_keys__
    assert detected is devices.VIA_DEVICE_ID
    monkeypatch.setattr(devices, "VIA_DEVICE_ID", False)
    old = dict(devices.device_info(entry, camera, 2))
    assert old["via_device"] == (DOMAIN, NVR) and "via_device_id" not in old

    monkeypatch.setattr(devices, "VIA_DEVICE_ID", True)
    new = dict(devices.device_info(entry, camera, 2))
    assert new["via_device_id"] == recorder.id and "via_device" not in new
    # The camera itself has no parent either way.
    assert not {"via_device", "via_device_id"} & set(dict(devices.device_info(entry, camera)))


async def test_find_device_asks_per_entry_where_supported(
    hass: HomeAssistant, nvr_sim: ParamCgiSim, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = await setup_entry(hass, nvr_sim, "param_cgi", unique_id=NVR)
    registry = dr.async_get(hass)
    recorder = registry.async_get_device(identifiers={(DOMAIN, NVR)})
    assert devices.find_device(hass, entry, (DOMAIN, NVR)) == recorder

    asked: list[tuple[Any, ...]] = []

    def by_identifier(identifier: tuple[str, str], config_entry_id: str) -> Any:
        asked.append((identifier, config_entry_id))
        return recorder

    monkeypatch.setattr(registry, "async_get_device_by_identifier", by_identifier,
                        raising=False)
    monkeypatch.setattr(registry, "async_get_device", None)  # must not be used now
    assert devices.find_device(hass, entry, (DOMAIN, NVR)) == recorder
    assert asked == [((DOMAIN, NVR), entry.entry_id)]
