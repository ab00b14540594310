"""param_cgi capability probes (issue 11 part 2): no capability given up on an ambiguous answer.

A capability is missing only when every documented probe for it clearly says "not
supported" (-506/-21/-22, 404). A timeout, a 5xx, 402/403, another error code or
garbage leads to the next documented probe, and when none can tell, the capability
is undecided and asked again at the next settings refresh.
"""

from __future__ import annotations

import aiohttp
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest

from custom_components.cgi_camera.client import Credentials, PtzCapabilities, SettingKey, connect
from custom_components.cgi_camera.client.dialects.param_cgi import ParamCgiCamera
from custom_components.cgi_camera.const import CONF_RTSP_PORT, DOMAIN
from tests.conftest import PASSWORD, USERNAME
from tests.helpers import entity_id, settle, setup_entry, state_of
from tests.sim.param_cgi import ParamCgiSim

CREDS = Credentials(USERNAME, PASSWORD)
IPC = "00:12:34:56:78:9a"
K = SettingKey
# Ambiguous answers: each must leave the capability undecided, never "missing".
AMBIGUOUS = {
    "http_500": (500, "Internal Server Error"),
    "http_403": (403, "Forbidden"),
    "permission": (200, "error, Return=-512\r\n"),
    "garbage": (200, "<html><body>login</body></html>"),
}
NOT_SUPPORTED = (200, "error, Return=-22\r\n")



async def _connect(session: aiohttp.ClientSession, sim: ParamCgiSim) -> ParamCgiCamera:
    camera = await connect(session, "param_cgi", sim.host, sim.port, CREDS, rtsp_port=1)
    assert isinstance(camera, ParamCgiCamera)
    return camera


def _asked(sim: ParamCgiSim, name: str) -> int:
    """How often the simulator was asked for ``type=name`` (or ptz ``action=name``)."""
    names = ((r.query.get("type") or r.query.get("action") or "").lower() for r in sim.requests)
    return sum(1 for asked in names if asked == name.lower())


def _ptz(camera: ParamCgiCamera) -> PtzCapabilities | None:
    """The PTZ capabilities as they are now (a read may have found them)."""
    return camera.capabilities.ptz


# -- settings groups ------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(AMBIGUOUS))
async def test_group_failing_ambiguously_is_asked_again(
    session: aiohttp.ClientSession, kind: str
) -> None:
    async with ParamCgiSim(username=USERNAME, password=PASSWORD) as sim:
        sim.fail_type("imaging", *AMBIGUOUS[kind])
        camera = await _connect(session, sim)
        assert K.BRIGHTNESS not in camera.capabilities.settings
        assert K.WDR in camera.capabilities.settings  # the other groups are there
        await camera.read_state()  # still failing: still undecided, nothing breaks
        assert K.BRIGHTNESS not in camera.capabilities.settings
        sim.clear_type_faults()
        state = await camera.read_state()
        assert K.BRIGHTNESS in camera.capabilities.settings and state[K.BRIGHTNESS] == 1
        # Decided now: it is read like any other group, probed no more.
        asked = _asked(sim, "imaging")
        await camera.read_state()
        assert _asked(sim, "imaging") == asked + 1


async def test_group_clearly_unsupported_is_not_asked_again(
    session: aiohttp.ClientSession,
) -> None:
    async with ParamCgiSim(username=USERNAME, password=PASSWORD) as sim:
        sim.fail_type("imaging", *NOT_SUPPORTED)
        camera = await _connect(session, sim)
        assert K.BRIGHTNESS not in camera.capabilities.settings
        asked = _asked(sim, "imaging")
        await camera.read_state()
        await camera.read_state()
        assert _asked(sim, "imaging") == asked


async def test_sensor_minus_one_is_unsupported_param_minus_one_is_a_value(
    session: aiohttp.ClientSession,
) -> None:
    async with ParamCgiSim(username=USERNAME, password=PASSWORD) as sim:
        sim.mark_unsupported("imaging", "brightness")
        sim.set_disk(1, status=-1)  # deviceDiskInfo: -1 is "write timeout"
        camera = await _connect(session, sim)
        assert K.BRIGHTNESS not in camera.capabilities.settings
        assert K.CONTRAST in camera.capabilities.settings
        assert (await camera.read_state(reuse_discovery=True))[K.SD_CARD_STATUS] == "write_timeout"


async def test_white_light_falls_back_to_the_template_form(
    session: aiohttp.ClientSession,
) -> None:
    # The seed's examples put WhiteLedManualControl on param.cgi, its templates on
    # sensor.cgi: a firmware with only the template form still gets the switch.
    async with ParamCgiSim(username=USERNAME, password=PASSWORD) as sim:
        sim.fail_type("WhiteLedManualControl", *NOT_SUPPORTED, program="param")
        camera = await _connect(session, sim)
        assert (await camera.read_state(reuse_discovery=True))[K.WHITE_LIGHT] is False
        assert await camera.write(K.WHITE_LIGHT, True) == {K.WHITE_LIGHT: True}
        path, query = sim.set_calls[-1]
        assert sim.requests[-1].path == "/cgi-bin/sensor.cgi"
        assert "WhiteLedManualControl" in path and query["WhiteLedManualMode"] == "1"
        assert (await camera.read_state())[K.WHITE_LIGHT] is True


@pytest.mark.parametrize("kind", ["not_supported", "http_500"])
async def test_disk_falls_back_to_the_record_directory(
    session: aiohttp.ClientSession, kind: str
) -> None:
    async with ParamCgiSim(username=USERNAME, password=PASSWORD) as sim:
        sim.fail_type("deviceDiskInfo", *(NOT_SUPPORTED if kind == "not_supported"
                                           else AMBIGUOUS["http_500"]))
        sim.set_disk(1, total=30000, free=1200)
        camera = await _connect(session, sim)
        state = await camera.read_state(reuse_discovery=True)
        assert state[K.SD_CARD_STATUS] == "normal"
        assert state[K.SD_TOTAL] == 30000 and state[K.SD_FREE] == 1200
        sim.set_disk(1, status=5)  # unformatted
        assert (await camera.read_state())[K.SD_CARD_STATUS] == "unformatted"


async def test_disk_missing_only_when_both_endpoints_say_so(
    session: aiohttp.ClientSession,
) -> None:
    async with ParamCgiSim(username=USERNAME, password=PASSWORD) as sim:
        sim.fail_type("deviceDiskInfo", *NOT_SUPPORTED)
        sim.fail_type("recordDirInfo", *AMBIGUOUS["http_500"])
        camera = await _connect(session, sim)
        assert K.SD_CARD_STATUS not in camera.capabilities.settings
        sim.clear_type_faults()
        await camera.read_state()
        assert K.SD_CARD_STATUS in camera.capabilities.settings
    async with ParamCgiSim(username=USERNAME, password=PASSWORD) as sim:
        sim.fail_type("deviceDiskInfo", *NOT_SUPPORTED)
        sim.fail_type("recordDirInfo", *NOT_SUPPORTED)
        camera = await _connect(session, sim)
        asked = _asked(sim, "recordDirInfo")
        await camera.read_state()
        assert K.SD_CARD_STATUS not in camera.capabilities.settings
        assert _asked(sim, "recordDirInfo") == asked


async def test_sensor_scheme_is_asked_again(session: aiohttp.ClientSession) -> None:
    async with ParamCgiSim(username=USERNAME, password=PASSWORD) as sim:
        sim.active_scheme = 2
        sim.fail_type("sensorScheme", *AMBIGUOUS["http_500"])
        camera = await _connect(session, sim)
        sim.clear_type_faults()
        await camera.read_state()
        await camera.write(K.BRIGHTNESS, 40)
        assert sim.set_calls[-1][1]["schemeID"] == "2"


# -- PTZ ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(AMBIGUOUS))
async def test_ptz_found_by_the_preset_list_when_ptz_cap_cannot_tell(
    session: aiohttp.ClientSession, kind: str
) -> None:
    async with ParamCgiSim(username=USERNAME, password=PASSWORD) as sim:
        sim.fail_type("ptzCap", *AMBIGUOUS[kind])
        camera = await _connect(session, sim)
        ptz = camera.capabilities.ptz
        assert ptz is not None and ptz.presets == {1: "A", 2: "sd", 3: "fd"}


@pytest.mark.parametrize("kind", list(AMBIGUOUS))
async def test_ptz_undecided_until_a_probe_answers(
    session: aiohttp.ClientSession, kind: str
) -> None:
    async with ParamCgiSim(username=USERNAME, password=PASSWORD) as sim:
        sim.fail_type("ptzCap", *AMBIGUOUS[kind])
        sim.fail_type("listPreset", *AMBIGUOUS[kind])
        camera = await _connect(session, sim)
        assert camera.capabilities.ptz is None
        sim.clear_type_faults()
        await camera.read_state()
        ptz = _ptz(camera)
        assert ptz is not None and ptz.preset_max == 16 and ptz.presets
        assert "tour_0" in ptz.routines


async def test_no_ptz_only_when_every_probe_says_so(session: aiohttp.ClientSession) -> None:
    async with ParamCgiSim(username=USERNAME, password=PASSWORD, ptz=False) as sim:
        camera = await _connect(session, sim)  # ptz.cgi answers -506 to everything
        assert camera.capabilities.ptz is None
        asked = sim.count("/cgi-bin/ptz.cgi")
        await camera.read_state()
        assert sim.count("/cgi-bin/ptz.cgi") == asked


async def test_preset_list_falls_back_to_the_table_spelling(
    session: aiohttp.ClientSession,
) -> None:
    async with ParamCgiSim(username=USERNAME, password=PASSWORD) as sim:
        sim.fail_type("listPreset", 200, "error, Return=-23\r\n")  # unknown action
        camera = await _connect(session, sim)
        ptz = camera.capabilities.ptz
        assert ptz is not None and ptz.presets == {1: "A", 2: "sd", 3: "fd"}
        assert _asked(sim, "listPrest") >= 1


async def test_preset_list_undecided_is_empty_then_filled(
    session: aiohttp.ClientSession,
) -> None:
    async with ParamCgiSim(username=USERNAME, password=PASSWORD) as sim:
        sim.fail_type("listPreset", *AMBIGUOUS["http_500"])
        sim.fail_type("listPrest", *AMBIGUOUS["http_500"])
        camera = await _connect(session, sim)
        ptz = camera.capabilities.ptz
        assert ptz is not None and ptz.presets == {}  # a list to come, not "cannot list"
        sim.clear_type_faults()
        await camera.read_state()
        assert camera.capabilities.ptz is not None
        assert camera.capabilities.ptz.presets == {1: "A", 2: "sd", 3: "fd"}


async def test_preset_list_unsupported_means_presets_by_number(
    session: aiohttp.ClientSession,
) -> None:
    async with ParamCgiSim(username=USERNAME, password=PASSWORD) as sim:
        sim.fail_type("listPreset", *NOT_SUPPORTED)
        sim.fail_type("listPrest", *NOT_SUPPORTED)
        camera = await _connect(session, sim)
        ptz = camera.capabilities.ptz
        assert ptz is not None and ptz.presets is None


async def test_routines_are_asked_again(session: aiohttp.ClientSession) -> None:
    async with ParamCgiSim(username=USERNAME, password=PASSWORD) as sim:
        sim.fail_type("listTour", *AMBIGUOUS["permission"])
        camera = await _connect(session, sim)
        ptz = camera.capabilities.ptz
        assert ptz is not None
        assert "scan_0" in ptz.routines and not any(k.startswith("tour_") for k in ptz.routines)
        sim.clear_type_faults()
        await camera.read_state()
        assert camera.capabilities.ptz is not None
        assert {"tour_0", "tour_1", "scan_0"} <= set(camera.capabilities.ptz.routines)


# -- recorders ------------------------------------------------------------------------


@pytest.mark.parametrize("answer", [NOT_SUPPORTED, AMBIGUOUS["http_500"]],
                         ids=["not_supported", "http_500"])
async def test_nvr_channels_from_device_info_when_channel_info_fails(
    session: aiohttp.ClientSession, answer: tuple[int, str]
) -> None:
    async with ParamCgiSim(variant="nvr", username=USERNAME, password=PASSWORD,
                           channels=3) as sim:
        sim.fail_type("channelInfo", *answer)
        camera = await _connect(session, sim)
        channels = camera.capabilities.channels
        assert sorted(channels) == [1, 2, 3]  # deviceInfo's channelNum
        assert channels[2].name is None
        assert K.BRIGHTNESS in camera.capabilities.channel_settings[2]
        sim.clear_type_faults()
        await camera.read_state()  # channelInfo answers now: names come
        assert camera.capabilities.channels[2].name == "Channel01"


async def test_offline_channel_settings_are_asked_again(
    session: aiohttp.ClientSession,
) -> None:
    async with ParamCgiSim(variant="nvr", username=USERNAME, password=PASSWORD,
                           channels=2) as sim:
        sim.set_channel_status(2, 1)  # network failure: -9 "not ready" to its settings
        camera = await _connect(session, sim)
        assert K.BRIGHTNESS not in camera.capabilities.channel_settings[2]
        sim.set_channel_status(2, 5)
        state = await camera.read_state()
        assert K.BRIGHTNESS in camera.capabilities.channel_settings[2]
        assert state[(K.BRIGHTNESS, 2)] == 1


async def test_ptz_entities_when_ptz_cap_fails(hass: HomeAssistant) -> None:
    async with ParamCgiSim(username=USERNAME, password=PASSWORD) as sim:
        sim.fail_type("ptzCap", *AMBIGUOUS["http_500"])
        entry = await setup_entry(hass, sim, "param_cgi", unique_id=IPC,
                                  options={CONF_RTSP_PORT: 1})
        presets = entity_id(hass, "select", "ptz_preset", IPC)
        assert state_of(hass, presets).attributes["options"] == ["1: A", "2: sd", "3: fd"]
        assert er.async_get(hass).async_get_entity_id("button", DOMAIN, f"{IPC}_ptz_stop")
        await hass.config_entries.async_unload(entry.entry_id)


async def test_entities_appear_when_an_undecided_probe_answers_later(
    hass: HomeAssistant,
) -> None:
    """A group and the PTZ head that failed ambiguously at set-up get their entities
    at the settings refresh that finds them, without a reload."""
    async with ParamCgiSim(username=USERNAME, password=PASSWORD) as sim:
        sim.fail_type("imaging", *AMBIGUOUS["http_500"])
        sim.fail_type("ptzCap", *AMBIGUOUS["http_500"])
        sim.fail_type("listPreset", *AMBIGUOUS["http_500"])
        sim.fail_type("listPrest", *AMBIGUOUS["http_500"])
        entry = await setup_entry(hass, sim, "param_cgi", unique_id=IPC,
                                  options={CONF_RTSP_PORT: 1})
        registry = er.async_get(hass)
        assert registry.async_get_entity_id("number", DOMAIN, f"{IPC}_brightness") is None
        assert registry.async_get_entity_id("button", DOMAIN, f"{IPC}_ptz_stop") is None

        sim.clear_type_faults()
        await entry.runtime_data.coordinator.async_refresh()
        await settle(hass)

        brightness = entity_id(hass, "number", "brightness", IPC)
        assert state_of(hass, brightness).state == "1"
        assert registry.async_get_entity_id("button", DOMAIN, f"{IPC}_ptz_stop")
        presets = entity_id(hass, "select", "ptz_preset", IPC)
        assert state_of(hass, presets).attributes["options"] == ["1: A", "2: sd", "3: fd"]
        await hass.config_entries.async_unload(entry.entry_id)
