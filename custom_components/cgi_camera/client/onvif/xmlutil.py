"""Reading ONVIF answers by local name, and the XML Schema values they carry.

Cheap firmware gets namespaces wrong (undeclared prefixes, elements in the wrong
namespace or in none), so answers are matched on local names only. Every value
parser returns None on junk instead of raising: the caller decides whether a
missing value is an error.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
import re

from lxml import etree

from ..safe_xml import Element
from .const import TEXT_LIMIT


def local(element: Element) -> str:
    """``{ns}Name``, ``tt:Name`` (undeclared prefix) or ``Name`` -> ``Name``."""
    tag: object = element.tag  # typed str, but entity references carry a function
    if not isinstance(tag, str):  # entity references, which the parser leaves in
        return ""
    return tag.rpartition("}")[2].rpartition(":")[2]


def _is_element(node: Element) -> bool:
    tag: object = node.tag
    return isinstance(tag, str)


def children(parent: Element | None, name: str | None = None) -> list[Element]:
    """Element children of ``parent`` (with local name ``name``)."""
    if parent is None:
        return []
    return [c for c in parent if _is_element(c) and (name is None or local(c) == name)]


def child(parent: Element | None, name: str) -> Element | None:
    """The first child named ``name``."""
    found = children(parent, name)
    return found[0] if found else None


def path(parent: Element | None, *names: str) -> Element | None:
    """Descend child by child: ``path(profile, "VideoEncoderConfiguration", "Encoding")``."""
    node = parent
    for name in names:
        node = child(node, name)
        if node is None:
            return None
    return node


def descendants(parent: Element | None, name: str) -> Iterator[Element]:
    """Every element below ``parent`` named ``name``, in document order."""
    if parent is None:
        return
    for node in parent.iter():
        if node is not parent and _is_element(node) and local(node) == name:
            yield node


def first(parent: Element | None, name: str) -> Element | None:
    """The first element below ``parent`` named ``name``."""
    return next(descendants(parent, name), None)


def clean(value: str, limit: int = TEXT_LIMIT) -> str:
    """Camera text made safe to keep and log: whitespace runs collapsed, control
    characters dropped, cut at ``limit``."""
    collapsed = " ".join(value.strip()[: limit * 4].split())
    return "".join(ch for ch in collapsed if ch.isprintable())[:limit]


def text(element: Element | None, limit: int = TEXT_LIMIT) -> str:
    """The element's own text, cleaned (see :func:`clean`)."""
    if element is None or element.text is None:
        return ""
    return clean(str(element.text), limit)


def attr(element: Element | None, name: str, limit: int = TEXT_LIMIT) -> str:
    """An attribute by local name (``token``, ``wstop:topic``...), cleaned."""
    if element is None:
        return ""
    for key, value in element.attrib.items():
        if str(key).rpartition("}")[2].rpartition(":")[2] == name:
            return clean(str(value), limit)
    return ""


def serialize(element: Element) -> bytes:
    """``element`` as bytes (for reference parameters echoed back to the camera)."""
    return bytes(etree.tostring(element))


_TRUE = frozenset({"true", "1", "on", "yes", "active"})
_FALSE = frozenset({"false", "0", "off", "no", "inactive"})


def parse_bool(value: str) -> bool | None:
    """xs:boolean as firmware writes it (``true``, ``1``, `` TRUE ``); None if neither."""
    word = value.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    return None


def parse_int(value: str, *, low: int = 0, high: int = 1 << 31) -> int | None:
    """A decimal integer within ``[low, high]``; None otherwise."""
    word = value.strip()
    if not word.isascii() or not word.lstrip("+-").isdigit() or len(word) > 12:
        return None
    number = int(word)
    return number if low <= number <= high else None


_DURATION_RE = re.compile(
    r"^(?P<sign>-)?P(?:(?P<years>\d{1,4})Y)?(?:(?P<months>\d{1,4})M)?(?:(?P<days>\d{1,5})D)?"
    r"(?:T(?:(?P<hours>\d{1,6})H)?(?:(?P<minutes>\d{1,7})M)?(?:(?P<seconds>\d{1,9}(?:\.\d{1,9})?)S)?)?$"
)
_DURATION_UNITS = {
    "years": 365 * 86400, "months": 30 * 86400, "days": 86400, "hours": 3600, "minutes": 60,
}


def parse_duration(value: str) -> float | None:
    """xs:duration (``PT60S``, ``PT1M30S``, ``P1D``) in seconds; None if unreadable."""
    match = _DURATION_RE.match(value.strip().upper())
    if match is None or value.strip().upper() in {"P", "PT", "-P"}:
        return None
    seconds = float(match["seconds"] or 0)
    for unit, factor in _DURATION_UNITS.items():
        seconds += int(match[unit] or 0) * factor
    return -seconds if match["sign"] else seconds


def format_duration(seconds: float) -> str:
    """Seconds as an xs:duration with whole seconds: ``PT60S``."""
    return f"PT{max(round(seconds), 0)}S"


_DATETIME_RE = re.compile(
    r"^(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})[T ](?P<h>\d{1,2}):(?P<mi>\d{1,2})"
    r"(?::(?P<s>\d{1,2})(?:[.,](?P<frac>\d{1,9}))?)?\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)


def parse_datetime(value: str) -> datetime | None:
    """xs:dateTime as an aware UTC datetime (no zone = UTC); None if unreadable.

    Firmware drops zero padding and seconds, and writes ``+0800`` for ``+08:00``.
    """
    match = _DATETIME_RE.match(value.strip())
    if match is None:
        return None
    micro = int((match["frac"] or "0").ljust(6, "0")[:6])
    try:
        moment = datetime(
            int(match["y"]), int(match["mo"]), int(match["d"]), int(match["h"]),
            int(match["mi"]), int(match["s"] or 0), micro, tzinfo=UTC,
        )
    except ValueError:
        return None
    zone = (match["tz"] or "Z").upper()
    if zone != "Z":
        digits = zone[1:].replace(":", "")
        shift = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        try:
            moment = moment - shift if zone[0] == "+" else moment + shift
        except OverflowError:  # year 1 or 9999 shifted off the calendar
            return None
    return moment
