"""Issue 16 part 3: a request budget a cheap camera's web server survives.

At the default 60 s refresh the controls (what a user operates: picture, lights,
detection, audio, outputs) are read at every refresh, the configuration (storage,
network, versions, schedules, mounting) at one refresh in five, each group in its own
turn. Counted at the simulators, with the bench's own classification of requests.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.cgi_camera.client import SettingKey as K
from custom_components.cgi_camera.client.dialects import (
    cgi_action,
    cgi_message,
    param_cgi,
    uid_xml,
)
from custom_components.cgi_camera.client.models import SettingKind
from custom_components.cgi_camera.client.tables import Cadence, Group, group_label
from custom_components.cgi_camera.const import CONF_RTSP_PORT
from scripts import bench
from tests.dialects import DIALECTS, Dialect
from tests.helpers import settle, setup_entry
from tests.sim.base import SimServer
from tests.sim.cgi_action import CgiActionSim
from tests.sim.param_cgi import ParamCgiSim

REFRESHES = 5  # CONFIG_MAX_AGE / DEFAULT_SCAN_INTERVAL
BUDGET = 10  # requests per camera per minute, everything included
# What else a camera answers per minute in steady state (scripts/bench): the ONVIF
# pull (one long poll a minute), uid_xml's session keep-alive, cgi_action's IO
# reconcile poll. The simulators here run without ONVIF, so these are added.
OTHER_PER_MIN = {"uid_xml": 2, "param_cgi": 1, "cgi_action": 2, "cgi_message": 1}
# Endpoint groups read at every refresh / at one refresh in five. cgi_action's alarm
# configuration beside motion detection (input, occlusion, region, fire) is
# configuration: 11.6 requests a minute before, 8.4 now.
GROUPS = {
    "uid_xml": (6, 3),
    "param_cgi": (8, 4),
    "cgi_action": (5, 7),
    "cgi_message": (6, 3),
}


def _uid_xml_config(sim: Any) -> None:
    sim.sd_card = False


def _param_cgi_config(sim: Any) -> None:
    sim.set_disk(1, free=32)


def _cgi_action_config(sim: Any) -> None:
    sim.storage[0]["remaining_storage"] = 5000


def _cgi_message_config(sim: Any) -> None:
    sim.groups[("record", "RecordDevice")]["UsedSpace"].value = "2048"


# A configuration value changed on the camera, and the key it shows in.
CONFIG_POKES: dict[str, tuple[Callable[[Any], None], K]] = {
    "uid_xml": (_uid_xml_config, K.SD_CARD_STATUS),
    "param_cgi": (_param_cgi_config, K.SD_FREE),
    "cgi_action": (_cgi_action_config, K.SD_FREE),
    "cgi_message": (_cgi_message_config, K.SD_FREE),
}


@pytest.fixture(params=DIALECTS, ids=str)
def dialect(request: pytest.FixtureRequest) -> Dialect:
    param: Dialect = request.param
    return param


@pytest.fixture
async def sim(dialect: Dialect) -> Any:
    async with dialect.make() as server:
        yield server


async def _setup(hass: HomeAssistant, sim: SimServer, dialect: Dialect) -> MockConfigEntry:
    # RTSP port 1: nothing listens there, so stream discovery fails at once.
    return await setup_entry(hass, sim, dialect.name, dialect.unique_id,
                             options={CONF_RTSP_PORT: 1})


async def _tick(hass: HomeAssistant) -> None:
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=61))
    await settle(hass)


def _settings_reads(sim: SimServer, dialect: Dialect, since: int) -> Counter[str]:
    """Settings requests by endpoint group since request number ``since``."""
    reads: Counter[str] = Counter()
    for record in sim.requests[since:]:
        category, group = bench.classify(dialect.name, record)
        if category == "settings":
            reads[group] += 1
    return reads


async def test_a_control_changed_on_the_camera_shows_after_one_refresh(
    hass: HomeAssistant, sim: SimServer, dialect: Dialect
) -> None:
    coordinator = (await _setup(hass, sim, dialect)).runtime_data.coordinator
    before = coordinator.data[K.BRIGHTNESS]
    dialect.poke_brightness(sim)
    await _tick(hass)
    assert coordinator.data[K.BRIGHTNESS] != before


async def test_configuration_changed_on_the_camera_shows_within_five_refreshes(
    hass: HomeAssistant, sim: SimServer, dialect: Dialect
) -> None:
    coordinator = (await _setup(hass, sim, dialect)).runtime_data.coordinator
    poke, key = CONFIG_POKES[dialect.name]
    before = coordinator.data[key]
    poke(sim)
    for _ in range(REFRESHES):
        await _tick(hass)
        if coordinator.data[key] != before:
            break
    assert coordinator.data[key] != before
    # Meanwhile every other value stayed there: configuration not read is kept.
    assert K.BRIGHTNESS in coordinator.data


async def test_alarm_configuration_changed_on_the_camera_shows_within_five_refreshes(
    hass: HomeAssistant,
) -> None:
    """cgi_action's occlusion alarm switch is configuration: read one refresh in five."""
    dialect = next(d for d in DIALECTS if d.name == "cgi_action")
    async with dialect.make() as sim:
        assert isinstance(sim, CgiActionSim)
        coordinator = (await _setup(hass, sim, dialect)).runtime_data.coordinator
        assert coordinator.data[K.OCCLUSION_DETECTION] is False
        sim.groups["ODAlarmConf"]["alarm_enable"] = 1
        for _ in range(REFRESHES):
            await _tick(hass)
            if coordinator.data[K.OCCLUSION_DETECTION]:
                break
        assert coordinator.data[K.OCCLUSION_DETECTION] is True


async def test_requests_per_refresh_meet_the_budget(
    hass: HomeAssistant, sim: SimServer, dialect: Dialect
) -> None:
    await _setup(hass, sim, dialect)
    await _tick(hass)  # the first refresh after the discovery's handover
    since = len(sim.requests)
    for _ in range(REFRESHES):
        await _tick(hass)
    reads = _settings_reads(sim, dialect, since)
    controls, configs = GROUPS[dialect.name]
    assert sorted(reads.values()) == [1] * configs + [REFRESHES] * controls, reads
    per_minute = sum(reads.values()) / REFRESHES + OTHER_PER_MIN[dialect.name]
    assert per_minute <= BUDGET, reads
    if dialect.name == "cgi_action":
        # Five control groups (motion detection, audio, two picture groups, privacy
        # mask), seven configuration ones, the IO reconcile poll and the ONVIF pull.
        assert per_minute == pytest.approx(8.4)


async def test_no_refresh_carries_every_configuration_group(
    hass: HomeAssistant, sim: SimServer, dialect: Dialect
) -> None:
    """The configuration groups take turns: each refresh adds its share of them (one,
    or two where a dialect has more of them than refreshes in five minutes)."""
    await _setup(hass, sim, dialect)
    controls, configs = GROUPS[dialect.name]
    share = -(-configs // REFRESHES)
    for _ in range(REFRESHES):
        since = len(sim.requests)
        await _tick(hass)
        assert sum(_settings_reads(sim, dialect, since).values()) <= controls + share


def _break_uid_xml(sim: Any, broken: bool) -> None:
    if broken:
        sim.garbage("/cgi-bin/getDevState", b"<DevState sd1=")
    else:
        sim.clear_faults()


def _break_param_cgi(sim: Any, broken: bool) -> None:
    if broken:
        sim.fail_type("videoSystem", 500, b"")
    else:
        sim.clear_type_faults()


def _break_cgi_action(sim: Any, broken: bool) -> None:
    key = "/action/cgi_action?action=getStorageInfo"
    sim.keyed = {key: (200, b'{"code":0,"data":', "application/json")} if broken else {}


def _break_cgi_message(sim: Any, broken: bool) -> None:
    if broken:
        sim.garbage("/cgi/record_get", b"<RecordDevice><TotalSpace>")
    else:
        sim.clear_faults()


# A configuration group made to fail (True) and healed (False), and a key it carries.
BREAKS: dict[str, tuple[Callable[[Any, bool], None], K]] = {
    "uid_xml": (_break_uid_xml, K.SD_CARD_STATUS),
    "param_cgi": (_break_param_cgi, K.POWER_FREQUENCY),
    "cgi_action": (_break_cgi_action, K.SD_FREE),
    "cgi_message": (_break_cgi_message, K.SD_FREE),
}


async def test_a_failed_configuration_group_is_back_at_the_next_refresh(
    hass: HomeAssistant, sim: SimServer, dialect: Dialect
) -> None:
    """Recovery stays fast whatever the cadence: a group that failed is read next time."""
    coordinator = (await _setup(hass, sim, dialect)).runtime_data.coordinator
    brk, key = BREAKS[dialect.name]
    brk(sim, True)
    for _ in range(REFRESHES):  # until its turn comes, and it fails
        await _tick(hass)
        if key not in coordinator.data:
            break
    assert key not in coordinator.data
    assert K.BRIGHTNESS in coordinator.data  # only that group's keys are lost
    brk(sim, False)
    await _tick(hass)
    assert key in coordinator.data


async def test_a_write_shows_until_its_group_is_read_again(
    hass: HomeAssistant, sim: SimServer, dialect: Dialect
) -> None:
    """Mirroring is configuration on some dialects: the refreshes that do not read it
    keep what the write set, not the answer from before it."""
    coordinator = (await _setup(hass, sim, dialect)).runtime_data.coordinator
    mirrored = not coordinator.data[K.MIRROR]
    await coordinator.async_write(K.MIRROR, mirrored)
    for _ in range(REFRESHES):
        await _tick(hass)
        assert coordinator.data[K.MIRROR] is mirrored


async def test_everything_is_read_again_after_an_outage(
    hass: HomeAssistant, sim: SimServer, dialect: Dialect
) -> None:
    """A camera back from an outage may have rebooted or lost its card: the first
    refresh after it reads the configuration too."""
    coordinator = (await _setup(hass, sim, dialect)).runtime_data.coordinator
    await _tick(hass)
    poke, key = CONFIG_POKES[dialect.name]
    before = coordinator.data[key]
    poke(sim)
    sim.fail("*", 503)
    await _tick(hass)
    assert not coordinator.last_update_success
    sim.clear_faults()
    await _tick(hass)
    assert coordinator.last_update_success
    assert coordinator.data[key] != before


def _all_groups() -> list[tuple[str, Group]]:
    groups: list[tuple[str, Group]] = []
    for module in (uid_xml, param_cgi, cgi_action, cgi_message):
        for name in ("GROUPS", "IPC_GROUPS", "CHANNEL_GROUPS", "RECORDER_GROUPS"):
            for group in getattr(module, name, ()):
                groups.append((module.__name__.rsplit(".", 1)[-1], group))
                if (alternate := getattr(group, "alternate", None)) is not None:
                    groups.append((module.__name__.rsplit(".", 1)[-1], alternate))
    return groups


def test_groups_that_only_report_are_configuration() -> None:
    """A group of read-only values (storage, network, uptime) never costs a request
    at every refresh."""
    for dialect, group in _all_groups():
        reports_only = all(fld.kind is SettingKind.VALUE for fld in group.fields)
        if reports_only and group.poll:
            assert group.cadence is Cadence.CONFIG, (dialect, group_label(group))


# param_cgi's disk answer without the total size.
HALF_DISK_INFO = "diskInfoBegin=1\ndiskID=1\ndiskFreeSize=3000\ndiskStatus=1\ndiskInfoEnd=1\n"


async def _until_read(hass: HomeAssistant, coordinator: Any, gone: K) -> None:
    for _ in range(REFRESHES):  # until the group's turn comes
        await _tick(hass)
        if gone not in coordinator.data:
            return
    raise AssertionError(f"{gone} never went missing")


@pytest.mark.parametrize(
    ("answer", "gone", "kept"),
    [
        # Garbage that still reads as key=value: none of the group's values.
        ("garbage=1\n", K.SD_FREE, None),
        # Cut short: the free space is there, the total is not.
        (HALF_DISK_INFO, K.SD_TOTAL, K.SD_FREE),
    ],
    ids=["garbled", "partial"],
)
async def test_a_configuration_answer_missing_values_is_read_at_the_next_refresh(
    hass: HomeAssistant, answer: str, gone: K, kept: K | None
) -> None:
    """A camera that answers a configuration read with garbage or half an answer (no
    error) is asked again at the next refresh, not only at the group's next turn."""
    dialect = next(d for d in DIALECTS if d.name == "param_cgi")
    async with dialect.make() as sim:
        assert isinstance(sim, ParamCgiSim)
        coordinator = (await _setup(hass, sim, dialect)).runtime_data.coordinator
        sim.fail_type("deviceDiskInfo", 200, answer)
        await _until_read(hass, coordinator, gone)
        if kept is not None:
            assert kept in coordinator.data
        sim.clear_type_faults()
        await _tick(hass)
        assert gone in coordinator.data


async def test_a_camera_that_always_answers_half_costs_one_read_more_per_turn(
    hass: HomeAssistant,
) -> None:
    """Missing values are asked for once more, not at every refresh: a firmware that
    always leaves one out stays within the budget."""
    dialect = next(d for d in DIALECTS if d.name == "param_cgi")
    async with dialect.make() as sim:
        assert isinstance(sim, ParamCgiSim)
        await _setup(hass, sim, dialect)
        sim.fail_type("deviceDiskInfo", 200, HALF_DISK_INFO)
        await _tick(hass)
        since = len(sim.requests)
        for _ in range(2 * REFRESHES):
            await _tick(hass)
        reads = _settings_reads(sim, dialect, since)
        disk = next(group for group in reads if "deviceDiskInfo" in group)
        assert reads[disk] <= 2 * 2, reads  # its two turns, each once more
