"""What a dialect without a capability interface gets: a NotSupported, never a crash.

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
    StreamKind,
    Transport,
)
from custom_components.cgi_camera.client.camera import Fingerprint
from custom_components.cgi_camera.client.contract import PtzRoutines
from custom_components.cgi_camera.client.tables import Codec, Field, Table


class _Codec(Codec):
    def plain_decode(self, fld: Field, raw: Any) -> Any:
        return raw

    def plain_encode(self, fld: Field, value: Any) -> Any:
        return value


class _Minimal(Camera):
    """A dialect with only the required core: every capability interface absent."""

    dialect = "minimal"

    def __init__(self, transport: Transport, credentials: Credentials) -> None:
        super().__init__(transport, credentials)
        self._table = Table(self, self.capabilities, _Codec(), self._fetch, self._store)

    @classmethod
    async def fingerprint(cls, transport: Transport) -> Fingerprint:
        return Fingerprint.NO

    async def _login(self) -> None:
        return None

    async def _discover(self) -> None:
        return None

    async def _fetch(self, group: Any, channel: int | None) -> dict[str, Any]:
        return {}

    async def _store(self, group: Any, channel: int | None,
                     params: list[tuple[str, Any]]) -> None:
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
        camera.write(SettingKey.BRIGHTNESS, 1, channel=2),
        camera.poll_alarms(),
        camera.ptz_move(PtzMove.LEFT),
        camera.ptz_preset(PresetOp.GOTO, 1),
        camera.ptz_routine("tour_1"),
        camera.write(SettingKey.BRIGHTNESS, 1),
    ):
        with pytest.raises(NotSupported):
            await call
    with pytest.raises(NotSupported):
        camera.alarm_stream(60)
    assert await camera.read_clock() is None
    assert camera.today() == camera.today()  # on the device's calendar, no I/O
    assert camera.mjpeg_url(StreamKind.MAIN) is None
    assert camera.rtsp_candidates(StreamKind.MAIN, 554) == []
    assert await camera.read_state() == {}  # no table: nothing to read, nothing failed
    assert await camera.find_stream(StreamKind.MAIN) is None


class _Head(_Minimal, PtzRoutines):
    """The minimal dialect with a PTZ interface that records what reaches it."""

    def __init__(self, transport: Transport, credentials: Credentials) -> None:
        super().__init__(transport, credentials)
        self.asked: list[tuple[Any, ...]] = []

    async def _ptz_move(self, move: PtzMove, speed: int) -> None:
        self.asked.append((move, speed))

    async def _ptz_preset(self, op: PresetOp, preset: int) -> None:
        self.asked.append((op, preset))

    async def _ptz_routine(self, key: str) -> None:
        self.asked.append((key,))


_GAPPY_HEAD = PtzCapabilities(
    moves=frozenset({PtzMove.LEFT}), speed_min=1, speed_max=10, preset_min=1,
    preset_max=5, routines={"tour_1": "Tour"},
)


async def test_ptz_gates_before_the_dialect_is_asked(camera: _Minimal) -> None:
    """A PTZ head with gaps: the base refuses what it lacks; the dialect's hooks are
    only reached for what the head has."""
    head = _Head(camera.transport, camera.credentials)
    head.capabilities.ptz = _GAPPY_HEAD
    with pytest.raises(NotSupported, match="zoom_in"):
        await head.ptz_move(PtzMove.ZOOM_IN)
    with pytest.raises(NotSupported, match="outside 1-5"):
        await head.ptz_preset(PresetOp.GOTO, 6)
    with pytest.raises(NotSupported, match="no PTZ routine scan_1"):
        await head.ptz_routine("scan_1")
    assert head.asked == []
    await head.ptz_move(PtzMove.LEFT, 100)
    await head.ptz_preset(PresetOp.SET, 2)
    await head.ptz_routine("tour_1")
    assert head.asked == [(PtzMove.LEFT, 10), (PresetOp.SET, 2), ("tour_1",)]


async def test_a_flag_without_the_interface_reaches_nothing(camera: _Minimal) -> None:
    # Listed, but this dialect implements no PTZ at all (a contract breach that
    # discover() refuses): still a NotSupported, never an AttributeError.
    camera.capabilities.ptz = _GAPPY_HEAD
    for call in (camera.ptz_move(PtzMove.LEFT), camera.ptz_preset(PresetOp.SET, 2),
                 camera.ptz_routine("tour_1")):
        with pytest.raises(NotSupported):
            await call
    with pytest.raises(TypeError, match="sets ptz without implementing PtzControl"):
        await camera.discover()
