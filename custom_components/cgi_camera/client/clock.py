"""Device clocks: the wall-clock formats the dialects print, read into datetimes."""

from __future__ import annotations

from datetime import datetime
import re

from .errors import ProtocolError

# A field of a date is at most 4 digits; longer runs are hostile (int() of 4300+
# digits raises ValueError, a huge year OverflowError).
_NUMBERS = re.compile(r"\d{1,6}(?!\d)")
_MAX_TEXT = 64


def wall_clock(text: str) -> datetime:
    """``2017-11-30 08:00:00`` or ``2020-1-16-12-12-43`` -> a naive datetime.

    The firmwares disagree on separators and zero padding; six numbers in the
    order year, month, day, hour, minute, second are what they share.
    """
    if len(text) > _MAX_TEXT or re.search(r"\d{7}", text):
        raise ProtocolError(f"unreadable device time {text[:40]!r}")
    numbers = [int(n) for n in _NUMBERS.findall(text)]
    if len(numbers) != 6:
        raise ProtocolError(f"unreadable device time {text[:40]!r}")
    try:
        return datetime(*numbers)  # type: ignore[arg-type]
    except (ValueError, OverflowError) as err:
        raise ProtocolError(f"impossible device time {text[:40]!r}") from err
