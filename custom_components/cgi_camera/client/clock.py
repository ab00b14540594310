"""Device clocks: the wall-clock formats the dialects print, read into datetimes,
and the zone a device's clock and calendar run in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
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


# What a device may say about its zone: UTC-12:00 to UTC+14:00 exist on Earth.
MAX_UTC_OFFSET = timedelta(hours=14)


@dataclass(frozen=True, slots=True)
class DeviceZone:
    """The zone a device's clock and calendar (its recordings' days) run in.

    ``reported``: the device said so itself (its clock or configuration). False:
    it did not, and its owner's zone is assumed (which the user should be told).
    """

    tz: tzinfo
    reported: bool

    @classmethod
    def fixed(cls, offset: timedelta) -> DeviceZone:
        """A zone the device reported as a UTC offset."""
        return cls(timezone(offset), reported=True)

    def offset(self, at: datetime) -> timedelta:
        """How far ahead of UTC the device's wall clock is at ``at`` (aware)."""
        return at.astimezone(self.tz).utcoffset() or timedelta(0)


def utc_offset(minutes: int) -> timedelta | None:
    """``minutes`` east of UTC as an offset; None where no place on Earth is."""
    offset = timedelta(minutes=minutes)
    return offset if -timedelta(hours=12) <= offset <= MAX_UTC_OFFSET else None


def utc_label(offset: timedelta) -> str:
    """``UTC+08:00``, ``UTC-03:30``, ``UTC+00:00``: an offset as people read it."""
    minutes = round(offset.total_seconds() / 60)
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"
