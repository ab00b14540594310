"""XML parsing that is safe against hostile bodies and tolerant of the seeds' mistakes.

No entity expansion, no DTD or network access, no huge trees; ``recover`` keeps the
documents the specifications themselves print malformed (missing end tags, stray
characters) parseable.
"""

from __future__ import annotations

from lxml import etree

from .errors import ProtocolError

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    recover=True,
    remove_comments=True,
    remove_pis=True,
)

Element = etree._Element


def parse_xml(body: bytes) -> Element:
    """Parse ``body``; raise :class:`ProtocolError` when nothing usable remains."""
    data = body.lstrip()
    if not data.startswith(b"<"):
        raise ProtocolError("response is not XML")
    if not data.rstrip().endswith(b">"):
        # Every document ends with a tag; a body cut off mid-way must not be read as
        # data (recover mode would happily return the half attribute it got).
        raise ProtocolError("truncated XML")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        # Nothing in these dialects declares a DTD; one is either junk or an attack.
        raise ProtocolError("XML with a document type declaration refused")
    try:
        root = etree.fromstring(data, _PARSER)
    # Which junk still fails in recover mode depends on the libxml2 release (2.13
    # refuses an unknown encoding, 2.14 ignores it): both ends are covered per version.
    except (etree.XMLSyntaxError, ValueError) as err:  # pragma: no cover
        raise ProtocolError(f"unparseable XML: {err}") from None
    if root is None:
        raise ProtocolError("empty XML document")
    try:
        # Recover mode keeps elements whose name is not valid UTF-8; reading such a
        # name later raises UnicodeDecodeError in whatever code touches it.
        for element in root.iter():
            _ = element.tag
    except UnicodeDecodeError as err:  # pragma: no cover - libxml2 2.13; 2.14 substitutes
        raise ProtocolError("XML with an undecodable element name") from err
    return root


def attrs(element: Element) -> dict[str, str]:
    """The element's attributes with names and values stripped of stray spaces."""
    return {str(k).strip(): str(v).strip() for k, v in element.attrib.items()}


def text(element: Element | None) -> str:
    """The element's text, stripped; empty when missing."""
    if element is None or element.text is None:
        return ""
    return str(element.text).strip()
