"""The ``key=value`` text of the param_cgi dialect.

Split on the first ``=`` and strip both sides (the seed prints ``next_alarmInfoURL =4``);
keys repeat inside loops, so records keep their order. Loops are segmented by their
marker names (``<name>Begin`` / ``next_<name>URL`` / ``<name>End``), never by the
counters, which the seed's own examples get wrong.
"""

from __future__ import annotations

import re

Pairs = list[tuple[str, str]]

_ERROR_RE = re.compile(r"^\s*error\s*,\s*return\s*=\s*(-?\d+)", re.IGNORECASE)
# The seed's codes have at most four digits. A longer number is no code the seed
# knows (and one of thousands of digits would not even convert): report it as this.
UNKNOWN_CODE = -999_999
_CODE_DIGITS = 9


def parse(text: str) -> Pairs:
    """Every ``key=value`` line, in order; lines without ``=`` are skipped."""
    pairs: Pairs = []
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip():
            pairs.append((key.strip(), value.strip()))
    return pairs


def error_code(text: str) -> int | None:
    """The N of an ``error, return=N`` body (any case), else None."""
    match = _ERROR_RE.match(text)
    if match is None:
        return None
    digits = match.group(1)
    return int(digits) if len(digits.lstrip("-")) <= _CODE_DIGITS else UNKNOWN_CODE


def is_ok(text: str) -> bool:
    """Success bodies: ``OK``, ``Ok``, ``OK prot: 32768``..."""
    return text.strip().lower().startswith("ok")


def first(pairs: Pairs) -> dict[str, str]:
    """Key -> value of the first occurrence of each key (for flat answers)."""
    found: dict[str, str] = {}
    for key, value in pairs:
        found.setdefault(key, value)
    return found


def loop(pairs: Pairs, name: str) -> list[dict[str, str]]:
    """The records of loop ``name`` (markers matched without regard to case)."""
    begin, nxt, end = f"{name}begin".lower(), f"next_{name}url".lower(), f"{name}end".lower()
    records: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for key, value in pairs:
        lowered = key.lower()
        if lowered in (begin, nxt):
            if current is not None:
                records.append(current)
            current = {}
        elif lowered == end:
            if current is not None:
                records.append(current)
            current = None
        elif current is not None:
            current.setdefault(key, value)
    if current:
        records.append(current)  # a body cut before its End marker: keep what came
    return records
