"""HTTP/RTSP Digest authentication (RFC 7616, MD5 and SHA-256, qop=auth).

aiohttp in the Home Assistant versions we support has no Digest helper, and RTSP
servers on these cameras often demand it, so one small implementation serves both.
Challenges come from the camera, which may be hostile: parsing never raises, and a
challenge we cannot answer safely is refused with :class:`ProtocolError`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
import hashlib
import os
import re

from .errors import ProtocolError

_TOKEN = r"[A-Za-z0-9!#$%&'*+.^_`|~-]+"
# One item of an auth header: a ``key=value`` parameter, or a bare token that starts
# the next challenge (RFC 7235 allows several challenges, comma separated, per header).
_ITEM_RE = re.compile(
    rf'(?P<key>{_TOKEN})\s*=\s*(?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<plain>[^\s,]*))'
    rf"|(?P<scheme>{_TOKEN})"
)
_ESCAPE_RE = re.compile(r"\\(.)")
# Control characters in a value we echo back would split our own request's headers.
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_HASHES = {"MD5": hashlib.md5, "MD5-SESS": hashlib.md5, "SHA-256": hashlib.sha256,
           "SHA-256-SESS": hashlib.sha256}
# RFC 7616 §3.7: when a server offers several algorithms, the strongest wins.
_PREFERENCE = ("SHA-256", "SHA-256-SESS", "MD5", "MD5-SESS")


@dataclass(frozen=True, slots=True)
class Challenge:
    """A parsed ``WWW-Authenticate`` challenge (or ``Authorization`` header)."""

    scheme: str
    params: dict[str, str]

    @property
    def algorithm(self) -> str:
        return self.params.get("algorithm", "MD5").upper()


def parse_challenges(header: str) -> list[Challenge]:
    """Every challenge of one header value, e.g. ``Basic realm="a", Digest nonce="n"``.

    Never raises: junk gives junk schemes or no challenge at all.
    """
    found: list[Challenge] = []
    for match in _ITEM_RE.finditer(header):
        if match["scheme"] is not None:
            found.append(Challenge(match["scheme"].lower(), {}))
        elif found:
            quoted = match["quoted"]
            value = _ESCAPE_RE.sub(r"\1", quoted) if quoted is not None else match["plain"]
            found[-1].params[match["key"].lower()] = value
    return found


def parse_challenge(header: str) -> Challenge:
    """The first challenge of ``header`` (an empty scheme when there is none)."""
    challenges = parse_challenges(header)
    return challenges[0] if challenges else Challenge("", {})


def answerable(challenge: Challenge) -> bool:
    """Whether :class:`DigestAuth` can answer ``challenge``."""
    return (
        challenge.scheme == "digest"
        and bool(challenge.params.get("nonce"))
        and challenge.algorithm in _HASHES
        and not any(_CONTROL_RE.search(value) for value in challenge.params.values())
    )


def best_digest(challenges: Iterable[Challenge]) -> Challenge | None:
    """The Digest challenge to answer: the strongest algorithm we speak; None if none."""
    usable = [c for c in challenges if answerable(c)]
    if not usable:
        return None
    return min(usable, key=lambda c: _PREFERENCE.index(c.algorithm))


class DigestAuth:
    """Builds ``Authorization`` headers for one challenge, counting nonce uses."""

    def __init__(self, challenge: Challenge, username: str, password: str) -> None:
        if not answerable(challenge):
            shown = _CONTROL_RE.sub("", challenge.algorithm)[:32]
            raise ProtocolError(f"cannot answer the Digest challenge (algorithm {shown})")
        self._c = challenge.params
        self._username = username
        self._password = password
        self._count = 0
        self._algorithm = challenge.algorithm
        self._hash = _HASHES[self._algorithm]

    @property
    def nonce(self) -> str:
        """The server nonce this helper signs with (tells a refusal from a rotation)."""
        return self._c.get("nonce", "")

    def _h(self, data: str) -> str:
        return self._hash(data.encode("utf-8")).hexdigest()

    def header(self, method: str, uri: str, *, cnonce: str | None = None) -> str:
        """The ``Authorization`` value for ``method`` on ``uri``."""
        realm = self._c.get("realm", "")
        nonce = self._c.get("nonce", "")
        qops = [q.strip() for q in self._c.get("qop", "").split(",") if q.strip()]
        self._count += 1
        nc = f"{self._count:08x}"
        cnonce = cnonce or os.urandom(8).hex()
        ha1 = self._h(f"{self._username}:{realm}:{self._password}")
        if self._algorithm.endswith("-SESS"):
            ha1 = self._h(f"{ha1}:{nonce}:{cnonce}")
        ha2 = self._h(f"{method}:{uri}")
        if "auth" in qops:
            response = self._h(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
        else:
            response = self._h(f"{ha1}:{nonce}:{ha2}")
        parts = [
            f'username="{_quote(self._username)}"',
            f'realm="{_quote(realm)}"',
            f'nonce="{_quote(nonce)}"',
            f'uri="{_quote(uri)}"',
            f'response="{response}"',
            f"algorithm={self._algorithm}",
        ]
        if "opaque" in self._c:
            parts.append(f'opaque="{_quote(self._c["opaque"])}"')
        if "auth" in qops:
            parts += ["qop=auth", f"nc={nc}", f'cnonce="{cnonce}"']
        return "Digest " + ", ".join(parts)


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')
