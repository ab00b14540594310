"""Names a camera reports, made safe to show.

A camera is untrusted, and the name it reports becomes the entry title, device and
channel names, log lines and the placeholders of repair issues, which the frontend
renders as Markdown. A cleaned name is one line of plain text: no control or
invisible characters (newlines that forge log lines, bidi overrides that disguise
text), no character that Markdown or HTML give a meaning to (links, images, tags,
code, emphasis, tables), and at most :data:`MAX_LENGTH` characters.
"""

from __future__ import annotations

import re
from typing import Any
import unicodedata

from homeassistant.config_entries import ConfigEntry

MAX_LENGTH = 64
# ASCII punctuation a name keeps: none of it starts Markdown or HTML syntax inside a
# line. Every other ASCII punctuation mark becomes a space.
_KEPT_ASCII = frozenset("-.,'()/+&:%")
# Leading characters that would make a list item of a name at the start of a line.
_LEADING = "-+.,:/&%'"
# "scheme://" would turn the name into a link in Markdown.
_URL_SCHEME = re.compile(r":/{2,}")


def clean_name(raw: str | None, limit: int = MAX_LENGTH) -> str | None:
    """``raw`` as one line of plain text of at most ``limit`` characters; None if empty."""
    if raw is None:
        return None
    # NFKC folds look-alikes (full-width brackets and signs) into the ASCII they
    # imitate, so the filter below catches them too.
    text = "".join(_safe(ch) for ch in unicodedata.normalize("NFKC", raw))
    text = _URL_SCHEME.sub(": ", text)
    text = " ".join(text.split()).lstrip(_LEADING).strip()
    text = text[:limit].rstrip()
    return text or None


def _safe(ch: str) -> str:
    """``ch`` itself, a space standing in for it, or nothing."""
    if ch.isascii():
        if ch.isalnum() or ch in _KEPT_ASCII:
            return ch
        return " "  # controls, spaces and Markdown/HTML syntax alike
    category = unicodedata.category(ch)
    if category[0] == "Z" or category == "Cc":
        return " "  # other spaces, line and paragraph separators, C1 controls
    if category[0] == "C":
        return ""  # zero-width and bidi formatting, private use, unassigned
    return ch


# Names firmware ships as defaults: they tell a user nothing about which camera it is.
_PLACEHOLDERS = frozenset({"device", "camera", "ipcamera", "ip camera", "ipc", "channel",
                           "nvr", "dvr", "video", "unknown", "default"})


def meaningful_name(raw: str | None) -> str | None:
    """``raw`` cleaned, None when nothing is left or only a firmware default is."""
    name = clean_name(raw)
    return None if name is None or name.casefold() in _PLACEHOLDERS else name


def camera_title(name: str | None, model: str | None, family: str, host: str) -> str:
    """What a person calls a camera: the name it reports, else its model, else its
    dialect's family and its host ("param.cgi camera 192.168.1.20")."""
    return (meaningful_name(name) or meaningful_name(model)
            or clean_name(f"{family} {host}") or family)


def channel_name(raw: str | None, recorder: str, channel: int) -> str:
    """A recorder channel's own name, or "<recorder> channel N" when it has none
    (or only a firmware default such as "Device")."""
    return meaningful_name(raw) or f"{recorder} channel {channel}"


def entry_name(entry: ConfigEntry[Any]) -> str:
    """An entry's title made safe for log lines and repair issues.

    New titles are cleaned when the entry is created; titles of older entries (and
    recorder channel names) may still carry what the camera sent.
    """
    return clean_name(entry.title) or entry.entry_id
