"""Every dialect the client speaks, in detection order.

A new dialect plugs in by adding its class here; nothing else changes.
"""

from __future__ import annotations

from ..camera import Camera
from .uid_xml import UidXmlCamera

DIALECTS: tuple[type[Camera], ...] = (UidXmlCamera,)

BY_NAME: dict[str, type[Camera]] = {cls.dialect: cls for cls in DIALECTS}
