"""SOAP 1.2 envelopes out, SOAP 1.2 or 1.1 answers in, faults into the error taxonomy.

Requests are built with lxml (every value escaped); answers are parsed with the
client's safe parser and read by local name, since cheap firmware mangles
namespaces, prefixes a BOM or wraps the document in whitespace.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
import re

from lxml import etree

from ..errors import CameraError, NotSupported, ProtocolError
from ..safe_xml import Element, parse_xml
from ..transport import Response
from .const import NSMAP, SOAP12
from .errors import Fault, NotAuthorized, ServiceNotFound, SoapFault
from .xmlutil import child, children, descendants, local, text

# Fault names meaning "who you are was not accepted": ONVIF's ter:NotAuthorized and
# the WS-Security 1.0 fault codes some firmware sends instead.
_AUTH_NAMES = frozenset({
    "NotAuthorized", "FailedAuthentication", "InvalidSecurity", "InvalidSecurityToken",
    "FailedCheck", "SecurityTokenUnavailable", "MessageExpired", "UnsupportedSecurityToken",
    "Unauthorized",
})
# "This device has no such operation/service" (ter:ActionNotSupported is ONVIF's;
# wsa:ActionNotSupported is WS-Addressing's local name for the same thing).
_UNSUPPORTED_NAMES = frozenset({
    "ActionNotSupported", "NoSuchService", "UnknownAction", "NotImplemented",
    "OptionalActionNotImplemented",
})
# A subcode-less sender fault whose reason says it: how some firmware reports auth.
_AUTH_WORDS = re.compile(
    r"not\s*authori[sz]ed|unauthori[sz]ed|authenticat|authority|password|credential",
    re.IGNORECASE,
)
_SOAP11_CODES = {"Client": "Sender", "Server": "Receiver"}
_UTF8_BOM = b"\xef\xbb\xbf"
_MAX_DETAILS = 16


def element(
    namespace: str,
    name: str,
    value: str | None = None,
    *kids: Element,
    attrib: Mapping[str, str] | None = None,
) -> Element:
    """``<ns:name attrib>value kids</ns:name>``."""
    node = etree.Element(f"{{{namespace}}}{name}", attrib=dict(attrib or {}))
    if value is not None:
        node.text = value
    for kid in kids:
        node.append(kid)
    return node


def envelope(body: Element, headers: Sequence[Element] = ()) -> bytes:
    """A SOAP 1.2 envelope with ``headers`` and ``body``, UTF-8 with declaration."""
    root = etree.Element(f"{{{SOAP12}}}Envelope", nsmap=NSMAP)
    if headers:
        header = etree.SubElement(root, f"{{{SOAP12}}}Header")
        for item in headers:
            header.append(item)
    etree.SubElement(root, f"{{{SOAP12}}}Body").append(body)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))


def content_type(action: str) -> str:
    """SOAP 1.2 over HTTP names the action as a Content-Type parameter."""
    return f'application/soap+xml; charset=utf-8; action="{action}"'


def read_body(response: Response, what: str) -> Element:
    """The SOAP ``Body`` of ``response``; raises the taxonomy's errors otherwise.

    A fault (SOAP 1.2 or 1.1, any HTTP status) becomes :class:`NotAuthorized`,
    :class:`NotSupported` or :class:`SoapFault`; a non-SOAP answer a
    :class:`ProtocolError` (2xx) or the error its status means.
    """
    data = response.body.lstrip(b"\x00 \t\r\n")
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    if 200 <= response.status < 300 and not data.strip():
        # Some firmware answers a void operation (GotoPreset...) with an empty 200.
        return etree.Element(f"{{{SOAP12}}}Body")
    root: Element | None = None
    malformed: ProtocolError | None = None
    if data.lstrip().startswith(b"<"):
        try:
            root = parse_xml(data)
        except ProtocolError as err:
            malformed = err
    if root is not None and local(root) == "Envelope":
        body = child(root, "Body")
        if body is None:
            raise ProtocolError(f"{what}: SOAP envelope without a body")
        fault = child(body, "Fault")
        if fault is not None:
            raise fault_error(parse_fault(fault, response.status), what)
        if 200 <= response.status < 300:
            return body
    if 200 <= response.status < 300:
        detail = f" ({malformed})" if malformed is not None else ""
        raise ProtocolError(f"{what}: the camera's answer is not SOAP{detail}")
    raise status_error(response, what)


def status_error(response: Response, what: str) -> CameraError:
    """What an HTTP error status without a SOAP fault means."""
    status = response.status
    if status == 401:
        # With a challenge the HTTP login itself failed: the clock is not the cause.
        challenged = "WWW-Authenticate" in response.headers
        return NotAuthorized(
            f"the camera refused the login ({what}, HTTP 401)",
            clock_related=not challenged, soap=False,
        )
    if status in (404, 405, 501):
        return ServiceNotFound(f"{what}: no such ONVIF service (HTTP {status})", status)
    return ProtocolError(f"{what}: HTTP {status} without a SOAP answer")


def parse_fault(fault: Element, status: int) -> Fault:
    """A ``Fault`` element of SOAP 1.2 (Code/Subcode/Reason) or 1.1 (faultcode)."""
    code_el = child(fault, "Code")
    if code_el is not None:
        values = [_qname_local(text(v)) for v in descendants(code_el, "Value")]
        code, subcodes = (values[0] if values else ""), tuple(v for v in values[1:] if v)
        reason = text(next(descendants(child(fault, "Reason"), "Text"), None), 200)
        detail = child(fault, "Detail")
    else:
        raw = _qname_local(text(child(fault, "faultcode")))
        code = _SOAP11_CODES.get(raw, raw)
        # SOAP 1.1 has no subcodes: firmware puts ter:NotAuthorized in faultcode.
        subcodes = () if raw in _SOAP11_CODES else (raw,)
        reason = text(child(fault, "faultstring"), 200)
        detail = child(fault, "detail")
    found = _detail_elements(detail)
    details = tuple(local(d) for d in found)
    leaves = tuple((local(d), text(d)) for d in found if not children(d))
    return Fault(status, code, subcodes, reason, details, leaves)


def _detail_elements(detail: Element | None) -> list[Element]:
    if detail is None:
        return []
    found = [d for d in detail.iter() if d is not detail and local(d)]
    return found[:_MAX_DETAILS]


def fault_error(fault: Fault, what: str) -> CameraError:
    """Map a fault onto the taxonomy (see the module docstring)."""
    names = fault.names()
    if names & _AUTH_NAMES or _auth_by_status(fault):
        return NotAuthorized(
            f"the camera refused the ONVIF login ({what})", clock_related=True, soap=True
        )
    if names & _UNSUPPORTED_NAMES:
        return NotSupported(f"{what} is not supported by the camera ({fault.describe()})")
    return SoapFault(f"{what} refused: {fault.describe()}", fault)


def _auth_by_status(fault: Fault) -> bool:
    """HTTP 401 with any sender fault, or 400 whose reason talks about the login."""
    if fault.code not in ("Sender", ""):
        return False
    if fault.status == 401:
        return not (fault.names() & _UNSUPPORTED_NAMES)
    return fault.status == 400 and not fault.subcodes and bool(_AUTH_WORDS.search(fault.reason))


def _qname_local(value: str) -> str:
    return value.rpartition(":")[2].strip()


def expect(body: Element, name: str, what: str) -> Element:
    """The response element ``name`` in ``body``; ProtocolError when it is missing."""
    found = child(body, name)
    if found is None:
        names = ", ".join(local(c) for c in children(body)[:3]) or "nothing"
        raise ProtocolError(f"{what}: expected {name}, the camera sent {names}")
    return found

