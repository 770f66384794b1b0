"""JSON and XML for Open311 GeoReport v2, one document model for both.

A view builds plain Python data (dicts, lists, strings, numbers, booleans, None) and names the XML
root; ``render`` writes it as JSON, or as XML by the spec's "Spark convention": a list becomes a
parent element with one child per item, the child named from ``ITEM_TAGS`` (``services`` →
``service``), ``None`` an empty element, booleans ``true``/``false``.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from django.http import HttpResponse

FORMATS = ("json", "xml")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
#: The MIME types announced in discovery.
MIME_TYPES = ["text/xml", "application/json"]

#: The element of each item of a list, by the list's element.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}

# Characters XML 1.0 cannot carry at all, even escaped; citizens' text may hold them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list):
        item_tag = ITEM_TAGS[element.tag]
        for item in value:
            _fill(ET.SubElement(element, item_tag), item)
    elif value is None:
        return
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = _NOT_XML.sub("", str(value))


def to_xml(data: Any, *, root: str) -> bytes:
    """The document as UTF-8 XML with its declaration, ``root`` holding ``data``."""
    element = ET.Element(root)
    _fill(element, data)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(element, encoding="unicode").encode()


def to_json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode()


def render(data: Any, fmt: str, *, root: str, status: int = 200) -> HttpResponse:
    """An HTTP response with the document in the asked format and its Content-Type."""
    body = to_xml(data, root=root) if fmt == "xml" else to_json(data)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def render_errors(fmt: str, status: int, descriptions: list[str]) -> HttpResponse:
    """The spec's error array: one ``{code, description}`` per problem, the HTTP status as code."""
    errors = [{"code": status, "description": str(description)} for description in descriptions]
    return render(errors, fmt, root="errors", status=status)
