"""Hostile values from a uid_xml camera stay inside the client's error taxonomy.

Issue 17 defect 8: ``inf``, ``1e999``, ``nan``, huge numbers, impossible dates and
deep nesting never raise OverflowError/ValueError/RecursionError out of the client,
and a bad value costs only itself (its group at most).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import aiohttp
import pytest

from custom_components.cgi_camera.client import (
    Credentials,
    ProtocolError,
    SettingKey,
    connect,
)
from custom_components.cgi_camera.client.dialects.uid_xml import UidXmlCamera
from tests.conftest import PASSWORD, USERNAME
from tests.sim.uid_xml import UidXmlSim

CREDS = Credentials(USERNAME, PASSWORD)
K = SettingKey
HUGE = "9" * 400  # float() of it is inf
HOSTILE = ("inf", "-inf", "nan", "1e999", HUGE, "123456789012345678901234567890", "0x10")
IDS = ["inf", "-inf", "nan", "1e999", "400_digits", "30_digits", "hex"]
XML = '<?xml version="1.0" encoding="UTF-8"?>\n'



def _sim(**kwargs: Any) -> UidXmlSim:
    return UidXmlSim(username=USERNAME, password=PASSWORD, **kwargs)


async def _connect(session: aiohttp.ClientSession, sim: UidXmlSim) -> UidXmlCamera:
    camera = await connect(session, "uid_xml", sim.host, sim.port, CREDS)
    assert isinstance(camera, UidXmlCamera)
    return camera


def _dev_state(run_time: str, mem_free: str) -> bytes:
    return (f'{XML}<DevState sd1="1" sd2="0" system_time="2024-1-1-0-0-0" '
            f'run_time="{run_time}" MemTotal="125620 kB " MemFree="{mem_free}"/>').encode()


@pytest.mark.parametrize("value", HOSTILE, ids=IDS)
async def test_hostile_numbers_cost_only_their_own_value(
    session: aiohttp.ClientSession, value: str
) -> None:
    async with _sim() as sim:
        sim.image["brightness"] = value  # hostile from the set-up on
        sim.garbage("/cgi-bin/getDevState", _dev_state(value, value))
        camera = await _connect(session, sim)
        state = await camera.read_state(reuse_discovery=True)
        assert K.BRIGHTNESS not in state and state[K.CONTRAST] == 128
        assert K.BOOT_TIME not in state and K.MEMORY_FREE not in state
        assert state[K.SD_CARD_STATUS] == "normal"
        sim.motion["sensitivity"] = value
        sim.audio["output_volume"] = value
        state = await camera.read_state()
        assert K.MOTION_SENSITIVITY not in state and K.VOLUME not in state
        assert state[K.MOTION_DETECTION] is True and state[K.MICROPHONE_VOLUME] == 60


@pytest.mark.parametrize("run_time", ["999999999-0-0-0", "0-0-0-99999999999999999",
                                      "1-2-3-4-5", "-1-0-0-0", "--"])
async def test_impossible_uptimes_are_skipped(
    session: aiohttp.ClientSession, run_time: str
) -> None:
    async with _sim() as sim:
        camera = await _connect(session, sim)
        assert K.BOOT_TIME in (await camera.read_state(reuse_discovery=True))
        sim.garbage("/cgi-bin/getDevState", _dev_state(run_time, "24384 kB"))
        state = await camera.read_state()
        assert K.BOOT_TIME not in state and state[K.MEMORY_FREE] == 24384


@pytest.mark.parametrize("current_time", [
    "99999999999999999999-01-01 00:00:00",  # year past C long
    "0001-01-01 00:00:00",  # minus the zone's 8 hours: before year 1
    "9999-12-31 23:59:59 1",  # seven numbers
    "2024-13-45 25:61:61",
])
async def test_impossible_device_times_are_protocol_errors(
    session: aiohttp.ClientSession, current_time: str
) -> None:
    async with _sim() as sim:
        camera = await _connect(session, sim)
        sim.garbage("/cgi-bin/time", (f'{XML}<time timezone="GMT+08:00" '
                                      f'current_time="{current_time}"/>').encode())
        with pytest.raises(ProtocolError):
            await camera.read_clock()


async def test_hostile_recordings_are_skipped_one_by_one(
    session: aiohttp.ClientSession,
) -> None:
    async with _sim() as sim:
        camera = await _connect(session, sim)
        good = {"filepath": "/mnt/mmc0/schedule/00010101/000000-av-1.mp4",
                "filesize": "1024", "record_mode": "2", "media_type": "3",
                "stream_index": "1", "start_time": "0001-01-01 09:00:00"}
        sim.recordings = [
            good,
            # Eight hours before 09:00 on 1 January of year 1 is no date at all.
            {**good, "filepath": "/mnt/mmc0/schedule/00010101/000001-av-1.mp4",
             "start_time": "0001-01-01 00:00:01"},
            {**good, "filepath": "/mnt/mmc0/schedule/00010101/000002-av-1.mp4",
             "filesize": "²"},  # a digit to str.isdigit(), not to int()
            {**good, "filepath": "/mnt/mmc0/schedule/00010101/000003-av-1.mp4",
             "filesize": HUGE},
        ]
        found = await camera.list_recordings(date(1, 1, 1))
        assert [r.path.rpartition("/")[2] for r in found] == [
            "000000-av-1.mp4", "000002-av-1.mp4", "000003-av-1.mp4"]
        assert [r.size for r in found] == [1024, None, None]


BODIES = {
    "deep_nesting": (XML + '<image brightness="7">' + "<a>" * 50_000 + "</a>" * 50_000
                     + "</image>").encode(),
    "many_attributes": (XML + "<image " + " ".join(f'a{i}="{i}"' for i in range(8000))
                        + ' brightness="7"/>').encode(),
    "huge_attribute": (XML + f'<image brightness="{"1" * 200_000}"/>').encode(),
    "no_attributes": (XML + "<image/>").encode(),
}


@pytest.mark.parametrize("kind", list(BODIES))
async def test_hostile_documents_cost_only_their_group(
    session: aiohttp.ClientSession, kind: str
) -> None:
    async with _sim() as sim:
        camera = await _connect(session, sim)
        sim.garbage("/cgi-bin/image", BODIES[kind])
        state = await camera.read_state()
        assert state.get(K.BRIGHTNESS) in (None, 7)
        assert state[K.MOTION_DETECTION] is True
        sim.clear_faults()
        assert (await camera.read_state())[K.BRIGHTNESS] == 128
