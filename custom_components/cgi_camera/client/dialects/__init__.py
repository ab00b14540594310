"""Every dialect the client speaks, in detection order.

A new dialect plugs in by adding its class here; nothing else changes.
"""

from __future__ import annotations

from ..camera import Camera
from .cgi_action import CgiActionCamera
from .cgi_message import CgiMessageCamera
from .param_cgi import ParamCgiCamera
from .uid_xml import UidXmlCamera

# param_cgi last: a host that wants a login before saying anything is "maybe" its.
DIALECTS: tuple[type[Camera], ...] = (
    UidXmlCamera, CgiMessageCamera, CgiActionCamera, ParamCgiCamera
)

BY_NAME: dict[str, type[Camera]] = {cls.dialect: cls for cls in DIALECTS}
