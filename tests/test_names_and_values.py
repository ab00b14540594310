"""What a user reads (issue 13, points 2 and 3): names a person understands, values
with units and words.

- A camera that names itself nothing better is "<its dialect's family> <host>", never
  "Camera 127.0.0.1" or a firmware default such as "IPCamera".
- The firmware version is the device's (device info), not also a sensor.
- Sizes are ``data_size`` in the unit their first value reads best in, with that
  unit's precision; the card's use is a percentage computed from the coordinator's data.
- Every enum-like state is one of its entity's options and translated, on every
  dialect; a wire value a dialect does not know reads as "unknown".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
import json
from pathlib import Path
from types import ModuleType
from typing import Any

from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cgi_camera import discovery
from custom_components.cgi_camera.client import SettingKey, SettingKind
from custom_components.cgi_camera.client.dialects import (
    DIALECTS as CLASSES,
    cgi_action,
    cgi_message,
    param_cgi,
    uid_xml,
)
from custom_components.cgi_camera.client.models import (
    SD_CARD_STATES,
    UNKNOWN_STATE,
    Setting,
)
from custom_components.cgi_camera.client.tables import Field, Group
from custom_components.cgi_camera.config_flow import _Choice, _placeholders
from custom_components.cgi_camera.const import CONF_RTSP_PORT, DOMAIN
from custom_components.cgi_camera.names import camera_title
from custom_components.cgi_camera.sensor import _size_unit, _used_percent
from tests.conftest import PASSWORD, USERNAME
from tests.dialects import Dialect
from tests.helpers import entities_of, entity_id, settle, setup_entry, state_of
from tests.sim.base import SimServer
from tests.sim.cgi_action import CgiActionSim
from tests.sim.param_cgi import ParamCgiSim
from tests.sim.uid_xml import UidXmlSim
from tests.test_faults import _setup, dialect, sim  # noqa: F401 - fixtures

COMPONENT = Path(__file__).parents[1] / "custom_components" / "cgi_camera"
STRINGS: dict[str, Any] = json.loads((COMPONENT / "strings.json").read_text())["entity"]
FAMILIES = {cls.dialect: cls.family for cls in CLASSES}
UID_ID = "f0:00:00:29:06:9f"
IPC_ID = "00:12:34:56:78:9a"
ACTION_ID = "CBT000114010100010238"
SD_KEYS = {SettingKey.SD_CARD_STATUS, SettingKey.SD_CARD_2_STATUS}


def _user_input(server: SimServer) -> dict[str, Any]:
    return {"host": server.host, "port": server.port, "username": USERNAME,
            "password": PASSWORD, "ssl": False, "verify_ssl": True}


def _registry_entry(hass: HomeAssistant, platform: str, unique_id: str) -> er.RegistryEntry:
    registry = er.async_get(hass)
    found = registry.async_get_entity_id(platform, DOMAIN, unique_id)
    assert found is not None, f"no {platform} entity {unique_id}"
    entry = registry.async_get(found)
    assert entry is not None
    return entry


def _shown_unit(entry: er.RegistryEntry) -> tuple[str | None, int | None]:
    """The unit Home Assistant shows a sensor in, and the precision it shows it with."""
    private: Mapping[str, Any] = entry.options.get("sensor.private") or {}
    shown: Mapping[str, Any] = entry.options.get("sensor") or {}
    return private.get("suggested_unit_of_measurement"), shown.get(
        "suggested_display_precision")


async def _enable_all(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    registry = er.async_get(hass)
    for ent in entities_of(hass, entry):
        if ent.disabled_by is not None:
            registry.async_update_entity(ent.entity_id, disabled_by=None)
    await hass.config_entries.async_reload(entry.entry_id)
    await settle(hass)


# -- names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "model", "title"),
    [
        ("Front door", "MC400L", "Front door"),
        ("IPCamera", "MC400L", "MC400L"),  # a firmware default is no name
        (" camera ", "IPC", "JSON CGI camera 10.0.0.5"),
        (None, None, "JSON CGI camera 10.0.0.5"),
        ("", "  ", "JSON CGI camera 10.0.0.5"),
        ("Gate\n<b>2</b>", None, "Gate b 2 /b"),  # cleaned like every reported name
    ],
)
def test_camera_title(name: str | None, model: str | None, title: str) -> None:
    assert camera_title(name, model, "JSON CGI camera", "10.0.0.5") == title


def test_every_dialect_has_its_own_family() -> None:
    assert len(set(FAMILIES.values())) == len(FAMILIES)
    for family in FAMILIES.values():
        assert camera_title(None, None, family, "h") == f"{family} h"


async def test_a_nameless_camera_is_its_family_and_host(hass: HomeAssistant) -> None:
    """cgi_action reports no model and the firmware default name "IPCamera"."""
    async with CgiActionSim(username=USERNAME, password=PASSWORD) as camera:
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": config_entries.SOURCE_USER}
        )
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], _user_input(camera)
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["title"] == f"JSON CGI camera {camera.host}"
        await settle(hass)
        device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, ACTION_ID)})
        assert device is not None and device.name == f"JSON CGI camera {camera.host}"
        await hass.config_entries.async_unload(result["result"].entry_id)


@pytest.mark.parametrize("title", ["Camera {host}", "IPCamera", "  "])
async def test_older_default_titles_give_way_on_the_device(
    hass: HomeAssistant, uid_sim: UidXmlSim, title: str
) -> None:
    entry = await setup_entry(hass, uid_sim)
    hass.config_entries.async_update_entry(entry, title=title.format(host=uid_sim.host))
    await hass.config_entries.async_reload(entry.entry_id)
    await settle(hass)
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, UID_ID)})
    model = entry.runtime_data.camera.info.model
    assert device is not None and model and device.name == model


async def test_the_users_title_names_the_device(
    hass: HomeAssistant, uid_sim: UidXmlSim
) -> None:
    entry = await setup_entry(hass, uid_sim)
    hass.config_entries.async_update_entry(entry, title="Camera garden")
    await hass.config_entries.async_reload(entry.entry_id)
    await settle(hass)
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, UID_ID)})
    assert device is not None and device.name == "Camera garden"


def test_found_cameras_are_named_like_added_ones() -> None:
    found = discovery.FoundCamera("10.0.0.5", 80, "param_cgi", name="IPCamera", model="IPC")
    assert _Choice(found).label() == "param.cgi camera (10.0.0.5:80, param_cgi)"
    assert _placeholders(_Choice(found))["name"] == "param.cgi camera 10.0.0.5"
    assert _placeholders(_Choice(found))["model"] == "-"
    unknown = discovery.FoundCamera("10.0.0.6", 80, None)
    assert _Choice(unknown).label() == "10.0.0.6:80, ?"
    assert _placeholders(_Choice(unknown))["name"] == "10.0.0.6"
    named = discovery.FoundCamera("10.0.0.7", 80, "uid_xml", model="MC400L")
    assert _Choice(named).label() == "MC400L (10.0.0.7:80, uid_xml)"


async def test_dhcp_names_a_camera_with_a_default_host_name_by_its_family(
    hass: HomeAssistant, ipc_sim: ParamCgiSim, monkeypatch: pytest.MonkeyPatch
) -> None:
    from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo

    monkeypatch.setattr(discovery, "WEB_PORTS", [ipc_sim.port])
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_DHCP},
        data=DhcpServiceInfo(ip=ipc_sim.host, hostname="IPCamera", macaddress="001c27159356"),
    )
    flow = hass.config_entries.flow.async_get(result["flow_id"])
    assert flow["context"]["title_placeholders"] == {"name": f"param.cgi camera {ipc_sim.host}"}
    hass.config_entries.flow.async_abort(result["flow_id"])


# -- firmware ----------------------------------------------------------------------


async def test_the_firmware_is_in_the_device_info_only(
    hass: HomeAssistant,
    sim: SimServer,  # noqa: F811
    dialect: Dialect,  # noqa: F811
) -> None:
    registry = er.async_get(hass)
    # A sensor an earlier version made: removed at set-up, not left unavailable.
    old = registry.async_get_or_create("sensor", DOMAIN, f"{dialect.unique_id}_firmware_version")
    entry = await _setup(hass, sim, dialect)
    assert registry.async_get(old.entity_id) is None
    firmware = entry.runtime_data.camera.info.firmware
    assert firmware
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, dialect.unique_id)})
    assert device is not None and device.sw_version == firmware
    for ent in entities_of(hass, entry):
        assert "firmware" not in ent.unique_id, ent.entity_id
        state = hass.states.get(ent.entity_id)
        assert state is None or state.state != firmware, ent.entity_id


# -- sizes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("native", "first", "unit"),
    [
        ("MB", 64, "MB"), ("MB", 999, "MB"), ("MB", 1000, "GB"), ("MB", 12000, "GB"),
        ("MB", 4_000_000, "TB"), ("MB", None, "GB"), ("MB", 0, "GB"),
        ("kB", 24384, "MB"), ("kB", 512, "kB"), ("kB", None, "MB"),
    ],
)
def test_a_size_is_shown_in_the_unit_its_first_value_reads_best_in(
    native: str, first: int | None, unit: str
) -> None:
    assert _size_unit(native, first) == unit


def test_used_percentage() -> None:
    assert _used_percent([1000, 250]) == 75.0
    assert _used_percent([1000, 2000]) == 0.0  # a camera's free space past its size
    assert _used_percent([0, 0]) is None  # no card
    assert _used_percent([None, 10]) is None
    assert _used_percent([100, None]) is None


async def test_small_and_large_sizes_read_naturally(
    hass: HomeAssistant, ipc_sim: ParamCgiSim
) -> None:
    """The IPC's card: 14912 MB, 64 MB of it free."""
    entry = await setup_entry(hass, ipc_sim, "param_cgi", unique_id=IPC_ID)
    await _enable_all(hass, entry)
    free = state_of(hass, entity_id(hass, "sensor", "sd_free", IPC_ID))
    assert (free.state, free.attributes["unit_of_measurement"]) == ("64", "MB")
    assert _shown_unit(_registry_entry(hass, "sensor", f"{IPC_ID}_sd_free")) == ("MB", 0)
    total = state_of(hass, entity_id(hass, "sensor", "sd_total", IPC_ID))
    assert total.attributes["unit_of_measurement"] == "GB"
    assert float(total.state) == pytest.approx(14.912)
    assert _shown_unit(_registry_entry(hass, "sensor", f"{IPC_ID}_sd_total")) == ("GB", 1)
    used = state_of(hass, entity_id(hass, "sensor", "sd_used", IPC_ID))
    assert float(used.state) == pytest.approx((14912 - 64) * 100 / 14912, abs=0.01)
    assert used.attributes["unit_of_measurement"] == "%"
    assert used.attributes["state_class"] == "measurement"
    assert _registry_entry(hass, "sensor", f"{IPC_ID}_sd_used").options["sensor"] == {
        "suggested_display_precision": 1}
    # Computed from the coordinator's data whenever it changes (it keeps no copy).
    coordinator = entry.runtime_data.coordinator
    coordinator.async_set_updated_data({**coordinator.data, SettingKey.SD_FREE: 7456})
    await hass.async_block_till_done()
    assert state_of(hass, used.entity_id).state == "50.0"


async def test_the_unit_an_entity_was_created_with_stays(
    hass: HomeAssistant, ipc_sim: ParamCgiSim
) -> None:
    """Home Assistant keeps the first unit: later starts keep its precision too."""
    entry = await setup_entry(hass, ipc_sim, "param_cgi", unique_id=IPC_ID)
    ipc_sim.disks[1].free = 12000
    await hass.config_entries.async_reload(entry.entry_id)
    await settle(hass)
    free = state_of(hass, entity_id(hass, "sensor", "sd_free", IPC_ID))
    assert (free.state, free.attributes["unit_of_measurement"]) == ("12000", "MB")
    assert _shown_unit(_registry_entry(hass, "sensor", f"{IPC_ID}_sd_free")) == ("MB", 0)


async def test_gigabytes_with_one_decimal(hass: HomeAssistant) -> None:
    """cgi_action's card: 30436 MB, 12000 MB free; memory in kB on uid_xml below."""
    async with CgiActionSim(username=USERNAME, password=PASSWORD) as camera:
        await setup_entry(hass, camera, "cgi_action", ACTION_ID, options={CONF_RTSP_PORT: 1})
        free = state_of(hass, entity_id(hass, "sensor", "sd_free", ACTION_ID))
        assert free.attributes["unit_of_measurement"] == "GB"
        assert float(free.state) == pytest.approx(12.0)
        assert _shown_unit(_registry_entry(hass, "sensor", f"{ACTION_ID}_sd_free")) == ("GB", 1)


async def test_no_card_no_percentage(hass: HomeAssistant) -> None:
    async with CgiActionSim(username=USERNAME, password=PASSWORD) as camera:
        camera.storage = []
        await setup_entry(hass, camera, "cgi_action", ACTION_ID, options={CONF_RTSP_PORT: 1})
        assert state_of(hass, entity_id(hass, "sensor", "sd_used", ACTION_ID)).state == "unknown"
        assert state_of(hass, entity_id(hass, "sensor", "sd_card_status", ACTION_ID)).state == (
            "no_card")
        # Not read yet as a size: gigabytes, what cards have.
        assert _shown_unit(_registry_entry(hass, "sensor", f"{ACTION_ID}_sd_free")) == ("GB", 1)


async def test_free_memory_in_megabytes(hass: HomeAssistant, uid_sim: UidXmlSim) -> None:
    await _enable_all(hass, await setup_entry(hass, uid_sim))  # disabled by default
    memory = _registry_entry(hass, "sensor", f"{UID_ID}_memory_free")
    assert _shown_unit(memory) == ("MB", 0)
    shown = state_of(hass, memory.entity_id)  # 24384 kB
    assert (float(shown.state), shown.attributes["unit_of_measurement"]) == (24.384, "MB")


# -- words -------------------------------------------------------------------------


def _states(platform: str, key: str) -> set[str]:
    return set(STRINGS[platform].get(key, {}).get("state", {}))


async def test_every_enum_state_is_an_option_and_translated(
    hass: HomeAssistant,
    sim: SimServer,  # noqa: F811
    dialect: Dialect,  # noqa: F811
) -> None:
    entry = await _setup(hass, sim, dialect)
    await _enable_all(hass, entry)
    enums = 0
    for ent in entities_of(hass, entry):
        options = (ent.capabilities or {}).get("options")
        if ent.domain not in ("sensor", "select") or options is None:
            continue
        if ent.translation_key == "ptz_preset":
            continue  # the camera's own preset names
        enums += 1
        key = ent.translation_key or ""
        assert set(options) <= _states(ent.domain, key), (ent.entity_id, options)
        state = state_of(hass, ent.entity_id)
        # A select of a write-only setting does not know its choice before a write.
        known = state.state != "unknown" or ent.domain == "sensor"
        assert state.state in options or not known, (ent.entity_id, state.state)
        if ent.domain == "sensor":
            assert state.attributes["device_class"] == "enum"
    status = state_of(hass, entity_id(hass, "sensor", "sd_card_status", dialect.unique_id))
    assert status.state in SD_CARD_STATES - {UNKNOWN_STATE}
    assert enums >= 2  # the SD card status and at least one select on every dialect


def _uid_sd(server: Any, raw: str) -> None:
    server.garbage("/cgi-bin/getDevState", (
        f'<?xml version="1.0" encoding="UTF-8"?><DevState sd1="{raw}" sd2="0" '
        'run_time="0-0-1-0" MemTotal="1 kB" MemFree="1 kB"/>').encode())


def _message_sd(server: Any, raw: str) -> None:
    server.groups[("record", "RecordDevice")]["SDStatus"].value = raw


def _action_sd(server: Any, raw: str) -> None:
    server.storage[0]["status"] = int(raw)


def _param_sd(server: Any, raw: str) -> None:
    server.disks[1].status = int(raw)


# Make a simulator report the SD card status ``raw`` on its own wire.
REPORT_SD: dict[str, Callable[[Any, str], None]] = {
    "uid_xml": _uid_sd, "cgi_message": _message_sd, "cgi_action": _action_sd,
    "param_cgi": _param_sd,
}


async def test_an_unknown_wire_value_reads_as_unknown(
    hass: HomeAssistant,
    sim: SimServer,  # noqa: F811
    dialect: Dialect,  # noqa: F811
) -> None:
    REPORT_SD[dialect.name](sim, "77")  # a status no spec lists
    entry = await _setup(hass, sim, dialect)
    # The dialect maps it (not the entity guarding its options).
    assert entry.runtime_data.coordinator.data[SettingKey.SD_CARD_STATUS] == UNKNOWN_STATE
    status = state_of(hass, entity_id(hass, "sensor", "sd_card_status", dialect.unique_id))
    assert status.state == UNKNOWN_STATE and UNKNOWN_STATE in status.attributes["options"]


async def test_a_state_outside_the_options_never_reaches_home_assistant(
    hass: HomeAssistant, uid_sim: UidXmlSim
) -> None:
    entry = await setup_entry(hass, uid_sim)
    coordinator = entry.runtime_data.coordinator
    coordinator.async_set_updated_data({**coordinator.data, SettingKey.SD_CARD_STATUS: "42"})
    await hass.async_block_till_done()
    assert state_of(hass, entity_id(hass, "sensor", "sd_card_status")).state == UNKNOWN_STATE


def _fields(module: ModuleType) -> Iterator[Field | Setting]:
    """Every field and ready-made setting a dialect module describes."""
    seen: set[int] = set()

    def walk(obj: object) -> Iterator[Field | Setting]:
        if id(obj) in seen:
            return
        seen.add(id(obj))
        if isinstance(obj, Field | Setting):
            yield obj
        elif isinstance(obj, Group):
            for fld in obj.fields:
                yield from walk(fld)
            yield from walk(getattr(obj, "alternate", None))
        elif isinstance(obj, tuple | list):
            for item in obj:
                yield from walk(item)

    for value in vars(module).values():
        yield from walk(value)


@pytest.mark.parametrize("module", [uid_xml, param_cgi, cgi_action, cgi_message],
                         ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_every_option_a_dialect_declares_is_translated(module: ModuleType) -> None:
    declared = 0
    for item in _fields(module):
        if isinstance(item, Field):
            options = set((item.options or {}).values())
        else:
            options = set(item.options)
        if not options:
            continue
        declared += 1
        platform = "select" if item.kind is SettingKind.ENUM else "sensor"
        assert options <= _states(platform, item.key), (item.key, options)
        if item.key in SD_KEYS:
            assert options <= SD_CARD_STATES, options
        if item.kind is SettingKind.VALUE:
            assert UNKNOWN_STATE in _states("sensor", item.key), item.key
    assert declared


def test_decoders_map_unknown_codes_to_unknown() -> None:
    assert param_cgi._state(param_cgi.DISK_STATUS)(" 99 ") == UNKNOWN_STATE
    assert param_cgi._state(param_cgi.RECORD_DIR_STATUS)("0") == "normal"
    assert cgi_action._storage_status("junk") == UNKNOWN_STATE
    assert cgi_action._storage_status(1) == "normal"
    assert uid_xml._sd_state(" 1") == "normal"
