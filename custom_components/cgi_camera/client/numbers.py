"""Numbers in camera answers, read without trusting them."""

from __future__ import annotations

import re

# At most 15 digits before and after the point: ``inf``, ``nan``, ``1e999`` or a
# 400-digit value is refused here rather than overflowing later.
_LEADING_NUMBER_RE = re.compile(r"[+-]?[0-9]{1,15}(?:\.[0-9]{1,15})?")


def leading_int(raw: str) -> int:
    """The leading number of ``raw`` (``"125620 kB "`` -> 125620); ValueError if none."""
    words = raw.split(maxsplit=1)
    if not words or not _LEADING_NUMBER_RE.fullmatch(words[0]):
        raise ValueError(f"not a number: {raw[:20]!r}")
    return int(float(words[0]))
