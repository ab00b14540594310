"""Caps on every count a camera controls.

A camera is untrusted: whatever it reports (inputs, presets, channels, routines,
alarm kinds) becomes entities, devices and requests in Home Assistant. Each count is
capped here, in one place, and the README's *Security* section names these limits.
A camera over a limit is logged once (per camera and limit) at warning.
"""

from __future__ import annotations

from collections.abc import Iterable
import logging
import weakref

_LOGGER = logging.getLogger(__name__)

# Recorders sold with these dialects have 4-32 channels; 64 covers the largest.
MAX_CHANNELS = 64
# Alarm inputs / relay outputs of one device (real models: 0-16).
MAX_ALARM_INPUTS = 16
MAX_ALARM_OUTPUTS = 16
# PTZ presets offered (select options / goto range); cameras document 128-300.
MAX_PRESETS = 256
# Stored tours, scans and patterns, per kind (one button each).
MAX_ROUTINES = 8
# Distinct alarm sources (kind x channel x index) one device may create entities for.
MAX_ALARM_SOURCES = 256

# Per owner (a camera), the limits already reported; gone with the owner.
_logged: weakref.WeakKeyDictionary[object, set[str]] = weakref.WeakKeyDictionary()


def cap[T](owner: object, what: str, items: Iterable[T], limit: int) -> list[T]:
    """The first ``limit`` of ``items``; log once per ``owner`` and ``what`` if cut."""
    kept: list[T] = []
    over = False
    for item in items:
        if len(kept) >= limit:
            over = True
            break
        kept.append(item)
    if over:
        warn_once(owner, what, limit)
    return kept


def cap_count(owner: object, what: str, count: int, limit: int) -> int:
    """``count`` capped at ``limit`` (negative counts are 0); logs once if cut."""
    if count > limit:
        warn_once(owner, what, limit)
        return limit
    return max(count, 0)


def warn_once(owner: object, what: str, limit: int) -> None:
    """Log that ``owner`` reported more ``what`` than ``limit``, once per owner."""
    seen = _logged.setdefault(owner, set())
    if what in seen:
        return
    seen.add(what)
    _LOGGER.warning("%s reports more %s than the limit of %d; only %d are used",
                    owner, what, limit, limit)
