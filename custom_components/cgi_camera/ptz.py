"""PTZ from the dashboard: one step (move, wait, stop), its settings, presets by number.

The direction buttons and the ``cgi_camera.ptz`` service both move through
:func:`async_step`, so every step ends with a stop. The step length and speed the
buttons use have one owner per entry, its :class:`StepSettings` (in the entry's runtime
data): the number entities set and restore it, the buttons read it at each press.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from .client import Camera, PtzCapabilities, PtzMove

# One press: this long, this fast (a percentage of the head's own speed range).
STEP_LENGTH = 0.5
STEP_LENGTH_MIN = 0.1
STEP_LENGTH_MAX = 5.0
STEP_SPEED = 50

# The moves a press nudges the head by, in a remote control's order.
NUDGES: tuple[PtzMove, ...] = (
    PtzMove.LEFT, PtzMove.RIGHT, PtzMove.UP, PtzMove.DOWN,
    PtzMove.UP_LEFT, PtzMove.UP_RIGHT, PtzMove.DOWN_LEFT, PtzMove.DOWN_RIGHT,
    PtzMove.ZOOM_IN, PtzMove.ZOOM_OUT, PtzMove.FOCUS_NEAR, PtzMove.FOCUS_FAR,
    PtzMove.IRIS_OPEN, PtzMove.IRIS_CLOSE,
)

# How a step waits between its move and its stop (tests hold a step open here).
_hold = asyncio.sleep

# A head that cannot list its presets gets presets 1 to this by number.
UNLISTED_PRESETS = 5


@dataclass(slots=True)
class StepSettings:
    """How far one press on a direction button moves the head."""

    length: float = STEP_LENGTH  # seconds
    speed: int = STEP_SPEED  # 1-100


def nudges(ptz: PtzCapabilities | None) -> list[PtzMove]:
    """The moves of :data:`NUDGES` the head has."""
    return [move for move in NUDGES if ptz is not None and move in ptz.moves]


def unlisted_presets(ptz: PtzCapabilities) -> list[int]:
    """The presets offered by number on a head that cannot list its own."""
    return [n for n in range(1, UNLISTED_PRESETS + 1) if ptz.preset_min <= n <= ptz.preset_max]


async def async_step(camera: Camera, move: PtzMove, speed: int, length: float) -> None:
    """Move for ``length`` seconds, then stop; a length of 0 (or a stop) only moves.

    The stop goes out however the step ends once the move was asked for: a move whose
    answer failed may still have reached the head, and a cancelled step (Home Assistant
    stopping, a caller giving up) must not leave it turning. Shielded, so a second
    cancellation cannot cut the stop itself short.
    """
    if move is PtzMove.STOP or length <= 0:
        await camera.ptz_move(move, speed)
        return
    try:
        await camera.ptz_move(move, speed)
        await _hold(length)
    finally:
        await asyncio.shield(camera.ptz_move(PtzMove.STOP))
