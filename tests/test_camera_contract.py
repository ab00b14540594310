"""What every dialect inherits when it lacks a feature: a NotSupported, never a crash.

The integration offers a feature only where the camera has it, and treats
NotSupported from the client as "not this camera" (no entity, no retry). A dialect
that does not override a hook must therefore get exactly that from the base class,
and the gates in front of the hooks must refuse what the capabilities do not list.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import aiohttp
import pytest

from custom_components.cgi_camera.client import (
    Camera,
    Credentials,
    NotSupported,
    PresetOp,
    PtzCapabilities,
    PtzMove,
    SettingKey,
    State,
    StreamKind,
    Transport,
)
from custom_components.cgi_camera.client.camera import Fingerprint


class _Minimal(Camera):
    """A dialect with only the required core: every optional feature absent."""

    dialect = "minimal"

    @classmethod
    async def fingerprint(cls, transport: Transport) -> Fingerprint:
        return Fingerprint.NO

    async def login(self) -> None:
        return None

    async def discover(self) -> None:
        return None

    async def read_state(self) -> State:
        return {}

    async def write(self, key: SettingKey, value: Any) -> None:
        return None

    async def _press(self, action: Any) -> None:
        return None

    async def _snapshot(self, stream: StreamKind) -> bytes:
        return b"\xff\xd8"


@pytest.fixture
async def camera() -> AsyncIterator[_Minimal]:
    async with aiohttp.ClientSession() as session:
        yield _Minimal(Transport(session, "127.0.0.1", 1), Credentials("admin", "x"))


async def test_optional_hooks_say_not_supported(camera: _Minimal) -> None:
    for call in (
        camera.list_recordings(date(2026, 12, 1)),
        camera.open_recording("/x"),
        camera.write_channel(2, SettingKey.BRIGHTNESS, 1),
        camera.poll_alarms(),
        camera.ptz_move(PtzMove.LEFT),
        camera.ptz_preset(PresetOp.GOTO, 1),
        camera.ptz_routine("tour_1"),
        camera._channel_snapshot(StreamKind.MAIN, 2),
    ):
        with pytest.raises(NotSupported):
            await call
    with pytest.raises(NotSupported):
        camera.alarm_stream(60)
    assert await camera.read_clock() is None
    assert camera.today() == camera.today()  # on the device's calendar, no I/O
    assert camera.mjpeg_url(StreamKind.MAIN) is None
    assert camera.rtsp_candidates(StreamKind.MAIN, 554) == []
    assert camera.channel_rtsp_candidates(StreamKind.MAIN, 554, 2) == []
    assert await camera.find_stream(StreamKind.MAIN) is None


async def test_ptz_gates_before_the_dialect_is_asked(camera: _Minimal) -> None:
    """A PTZ head with gaps: the base refuses what it lacks; the dialect's own hooks
    (here the base defaults) are only reached for what the head has."""
    camera.capabilities.ptz = PtzCapabilities(
        moves=frozenset({PtzMove.LEFT}), speed_min=1, speed_max=10, preset_min=1,
        preset_max=5, routines={"tour_1": "Tour"},
    )
    with pytest.raises(NotSupported, match="zoom_in"):
        await camera.ptz_move(PtzMove.ZOOM_IN)
    with pytest.raises(NotSupported, match="outside 1-5"):
        await camera.ptz_preset(PresetOp.GOTO, 6)
    with pytest.raises(NotSupported, match="no PTZ routine scan_1"):
        await camera.ptz_routine("scan_1")
    # Listed, but this dialect implements no PTZ at all: still a NotSupported.
    for call in (camera.ptz_move(PtzMove.LEFT), camera.ptz_preset(PresetOp.SET, 2),
                 camera.ptz_routine("tour_1")):
        with pytest.raises(NotSupported):
            await call
