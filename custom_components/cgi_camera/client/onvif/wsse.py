"""WS-Security UsernameToken with PasswordDigest (OASIS UsernameToken Profile 1.0).

``Digest = Base64(SHA1(nonce + created + password))`` with the raw nonce bytes and the
``Created`` text exactly as sent. ``Created`` is in the camera's clock: ONVIF devices
refuse tokens more than a few seconds off their own time, and cheap cameras' clocks
are often minutes (or years) wrong, so the caller passes the camera's time.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
import hashlib
import os

from lxml import etree

from ..safe_xml import Element
from .const import BASE64_BINARY, PASSWORD_DIGEST, WSSE, WSU

NONCE_SIZE = 16


def password_digest(nonce: bytes, created: str, password: str) -> str:
    """The PasswordDigest value for ``nonce``, ``created`` and ``password``."""
    digest = hashlib.sha1(nonce + created.encode("utf-8") + password.encode("utf-8")).digest()
    return base64.b64encode(digest).decode("ascii")


def zulu(moment: datetime) -> str:
    """``2024-05-01T12:00:00Z``: UTC, whole seconds (fractions trip up some firmware)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def security_header(
    username: str, password: str, camera_now: datetime, nonce: bytes | None = None
) -> Element:
    """A ``wsse:Security`` header element signed for ``camera_now``."""
    nonce = os.urandom(NONCE_SIZE) if nonce is None else nonce
    # Whole seconds, rounded (truncating would sign up to a second in the past).
    created = zulu(camera_now + timedelta(milliseconds=500))
    security = etree.Element(f"{{{WSSE}}}Security")
    token = etree.SubElement(security, f"{{{WSSE}}}UsernameToken")
    etree.SubElement(token, f"{{{WSSE}}}Username").text = username
    secret = etree.SubElement(token, f"{{{WSSE}}}Password", Type=PASSWORD_DIGEST)
    secret.text = password_digest(nonce, created, password)
    encoded = etree.SubElement(token, f"{{{WSSE}}}Nonce", EncodingType=BASE64_BINARY)
    encoded.text = base64.b64encode(nonce).decode("ascii")
    etree.SubElement(token, f"{{{WSU}}}Created").text = created
    return security
