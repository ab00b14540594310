"""One simulated camera per dialect, with the knobs the cross-dialect tests turn.

The fault matrix, the https and the clock tests run every case against each
entry of :data:`DIALECTS`, so a behaviour is only "done" once all four pass.

Every simulator speaks ONVIF too (``sim.onvif``, :class:`tests.sim.onvif.OnvifCamera`);
``make`` passes its knobs through: ``onvif=False`` (none), ``onvif_port="separate"``
(a second listener, reported by the CGI where :attr:`Dialect.onvif_port_key` is set),
``onvif_password="..."`` (an ONVIF-only password).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aiohttp import web

from tests.conftest import PASSWORD, USERNAME
from tests.sim.base import Fault
from tests.sim.cgi_action import CgiActionSim
from tests.sim.cgi_message import CgiMessageSim
from tests.sim.onvif import OnvifCamera
from tests.sim.param_cgi import ParamCgiSim
from tests.sim.uid_xml import UidXmlSim


class _KeyedFaults:
    """Mixin: faults keyed by ``path?action=<name>`` (cgi_action has one path for all).

    ``keyed`` maps such a key to ``(status, body, content_type)``, or to a huge-body
    :class:`Fault`; it is checked before the base class's path-only faults.
    """

    keyed: dict[str, tuple[int, bytes, str] | Fault]

    @web.middleware
    async def _fault_middleware(
        self, request: web.Request, handler: Callable[..., Any]
    ) -> web.StreamResponse:
        action = request.query.get("action")
        hit = getattr(self, "keyed", {}).get(f"{request.path}?action={action}")
        if isinstance(hit, Fault):
            huge: web.StreamResponse = await self._stream_huge(  # type: ignore[attr-defined]
                request, hit)
            return huge
        if hit is not None:
            status, body, content_type = hit
            return web.Response(status=status, body=body, content_type=content_type)
        answer: web.StreamResponse = await super()._fault_middleware(  # type: ignore[misc]
            request, handler)
        return answer


class ActionSim(_KeyedFaults, CgiActionSim):
    """cgi_action's simulator with per-action faults."""


@dataclass(frozen=True)
class Dialect:
    name: str
    # make(password, **simulator keywords) -> an unstarted simulator
    make: Callable[..., OnvifCamera]
    unique_id: str
    # Fault key of the endpoint that carries brightness (not motion detection).
    image_key: str
    xml: bool
    # A plausible start of the image endpoint's answer, cut off mid-value.
    truncated: bytes
    # Change brightness on the device behind the integration's back.
    poke_brightness: Callable[[Any], None]
    # Put the device's clock this far ahead (negative: behind) of the real time.
    skew_clock: Callable[[Any, timedelta], None]
    # The fault key of the endpoint the clock is read from.
    clock_key: str
    rtsp_path: str  # the main stream's path, as the simulated RTSP server serves it
    push: bool = False  # an alarm stream the tests can drop and raise alarms on
    # Fault key of the CGI read that reports the ONVIF port (-> capabilities.onvif_ports);
    # None: the dialect's CGI documents no ONVIF port.
    onvif_port_key: str | None = None

    def __str__(self) -> str:
        return self.name


# Each takes the password first, then simulator keywords (ssl_context, rtsp_port...).
def _uid_xml(password: str = PASSWORD, **kwargs: Any) -> OnvifCamera:
    return UidXmlSim(variant="000", username=USERNAME, password=password, ptz=True, **kwargs)


def _param_cgi(password: str = PASSWORD, **kwargs: Any) -> OnvifCamera:
    return ParamCgiSim(variant="ipc", username=USERNAME, password=password, **kwargs)


def _cgi_action(password: str = PASSWORD, **kwargs: Any) -> OnvifCamera:
    return ActionSim(username=USERNAME, password=password, **kwargs)


def _cgi_message(password: str = PASSWORD, **kwargs: Any) -> OnvifCamera:
    return CgiMessageSim(username=USERNAME, password=password, auth="digest", **kwargs)


def _set_image_brightness(sim: Any, value: str) -> None:
    sim.image["brightness"] = value


DIALECTS = [
    Dialect(
        "uid_xml", _uid_xml, "f0:00:00:29:06:9f", "/cgi-bin/image", True,
        b'<?xml version="1.0" encoding="UTF-8"?>\n<image brightness="1',
        poke_brightness=lambda sim: _set_image_brightness(sim, "200"),
        skew_clock=lambda sim, by: setattr(sim, "clock_offset", by),
        clock_key="/cgi-bin/time",
        rtsp_path="/stream0",
    ),
    Dialect(
        "param_cgi", _param_cgi, "00:12:34:56:78:9a", "/cgi-bin/sensor.cgi", False,
        b'var brightness="',
        poke_brightness=lambda sim: sim.set_setting("imaging", "brightness", "77"),
        skew_clock=lambda sim, by: setattr(sim, "clock_offset", by),
        clock_key="/cgi-bin/param.cgi",
        rtsp_path="/snl/live/1/1",
        push=True,
    ),
    Dialect(
        "cgi_action", _cgi_action, "CBT000114010100010238",
        "/action/cgi_action?action=getImageAdjustment", False,
        b'{"code":0,"data":{"brightness":1',
        poke_brightness=lambda sim: sim.groups["ImageAdjustment"].update(brightness=200),
        skew_clock=lambda sim, by: setattr(sim, "clock_offset", by.total_seconds()),
        clock_key="/action/cgi_action?action=getDeviceTime",
        rtsp_path="/stream_0",
        onvif_port_key="/action/cgi_action?action=getWiredNetwork",  # 003 §11.1
    ),
    Dialect(
        "cgi_message", _cgi_message, "52:3e:42:02:bc:20", "/cgi/image_get", True,
        b'<?xml version="1.0" encoding="UTF-8"?>\n<ImageInfo><Brightness>1',
        poke_brightness=lambda sim: setattr(
            sim.groups[("image", "ImageInfo")]["Brightness"], "value", "200"),
        skew_clock=lambda sim, by: setattr(sim, "clock_offset", by.total_seconds()),
        clock_key="/cgi/sys_get",
        rtsp_path="/1/h264major",
        onvif_port_key="/cgi/netport_get",  # 004 §3.10.1
    ),
]
XML_DIALECTS = [d for d in DIALECTS if d.xml]
