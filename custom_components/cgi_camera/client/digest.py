"""HTTP/RTSP Digest authentication (RFC 7616, MD5 and SHA-256, qop=auth).

aiohttp in the Home Assistant versions we support has no Digest helper, and RTSP
servers on these cameras often demand it, so one small implementation serves both.
"""

from __future__ import annotations

from dataclasses import dataclass
import hashlib
import os
import re

_PARAM_RE = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')
_HASHES = {"MD5": hashlib.md5, "MD5-SESS": hashlib.md5, "SHA-256": hashlib.sha256,
           "SHA-256-SESS": hashlib.sha256}


@dataclass(frozen=True, slots=True)
class Challenge:
    """A parsed ``WWW-Authenticate`` header."""

    scheme: str
    params: dict[str, str]


def parse_challenge(header: str) -> Challenge:
    """Split ``Digest realm="x", nonce="y"`` into scheme and parameters."""
    scheme, _, rest = header.strip().partition(" ")
    params = {
        m.group(1).lower(): (m.group(2) if m.group(2) is not None else m.group(3))
        for m in _PARAM_RE.finditer(rest)
    }
    return Challenge(scheme.lower(), params)


class DigestAuth:
    """Builds ``Authorization`` headers for one challenge, counting nonce uses."""

    def __init__(self, challenge: Challenge, username: str, password: str) -> None:
        self._c = challenge.params
        self._username = username
        self._password = password
        self._count = 0
        algorithm = self._c.get("algorithm", "MD5").upper()
        if algorithm not in _HASHES:
            raise ValueError(f"unsupported digest algorithm {algorithm}")
        self._algorithm = algorithm
        self._hash = _HASHES[algorithm]

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
