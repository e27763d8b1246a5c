"""The hardened XML parser: regulation files are untrusted input.

DTDs, entity declarations and external references are refused before parsing (billion laughs, XXE);
lxml runs with entity resolution, DTD loading and network access off and without ``huge_tree``.
The result is an immutable ``XmlNode`` tree with 1-based source lines; comments are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from schemas.regulation import XmlNode

LIQUIBASE_NS = "http://www.liquibase.org/xml/ns/dbchangelog"
EXT_NS = "http://www.liquibase.org/xml/ns/dbchangelog-ext"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XML_NS = "http://www.w3.org/XML/1998/namespace"
_XSI_OWN_ATTRIBUTES = frozenset({"schemaLocation", "noNamespaceSchemaLocation", "type", "nil"})

MAX_FILE_BYTES = 32 * 1024 * 1024  # far above any real changelog; bounds memory on hostile input
_FORBIDDEN = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
# ``xmlns:ext="\nhttp://..."`` occurs in real regulations (Java parsers accept it, libxml2 does not):
# the leading whitespace moves in front of the quote, which keeps every line number.
_PADDED_NAMESPACE = re.compile(rb"(xmlns(?::[\w.-]+)?\s*=)([\"'])(\s+)")


class XmlReadError(Exception):
    """A file that cannot be read safely: ``code`` is XML_MALFORMED, XML_FORBIDDEN or XML_TOO_LARGE."""

    def __init__(self, code: str, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line


@dataclass
class ParsedXml:
    root: XmlNode
    # (line, message) of elements found in the XML Schema instance namespace and read as ``ext:``
    namespace_warnings: list[tuple[int, str]] = field(default_factory=list)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def _refuse_declarations(data: bytes) -> None:
    candidates = [data]
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00<" in data[:4] or b"<\x00" in data[:4]:
        for encoding in ("utf-16", "utf-16-le", "utf-16-be"):
            try:
                candidates.append(data.decode(encoding).encode("utf-8"))
                break
            except UnicodeDecodeError:
                continue
    for candidate in candidates:
        match = _FORBIDDEN.search(candidate)
        if match:
            line = candidate.count(b"\n", 0, match.start()) + 1
            raise XmlReadError(
                "XML_FORBIDDEN",
                "DTDs and entity declarations are not allowed in a regulation (they can expand "
                "without bound or read other files)",
                line,
            )


def parse_bytes(data: bytes) -> ParsedXml:
    """Parse a document from bytes; raises ``XmlReadError``."""
    if len(data) > MAX_FILE_BYTES:
        raise XmlReadError("XML_TOO_LARGE", f"the file is larger than {MAX_FILE_BYTES} bytes")
    _refuse_declarations(data)
    data = _PADDED_NAMESPACE.sub(rb"\1\3\2", data)
    try:
        document = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as error:
        line = error.lineno or 1
        message = str(error.msg or error).strip()
        raise XmlReadError("XML_MALFORMED", f"not well-formed XML: {message}", line) from None
    except (ValueError, MemoryError) as error:  # pragma: no cover - exotic encodings / limits
        raise XmlReadError("XML_MALFORMED", f"cannot parse the file: {error}") from None
    tree = document.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise XmlReadError("XML_FORBIDDEN", "DTDs are not allowed in a regulation", 1)
    parsed = ParsedXml(root=XmlNode("?"))
    parsed.root = _convert(document, parsed, data.split(b"\n"))
    return parsed


def parse_document(path: str | Path) -> ParsedXml:
    """Parse a file; raises ``XmlReadError`` (and ``OSError`` if it cannot be opened)."""
    file_path = Path(path)
    with file_path.open("rb") as stream:
        data = stream.read(MAX_FILE_BYTES + 1)
    return parse_bytes(data)


def parse_xml(path: str | Path) -> XmlNode:
    """The hardened parser as a public helper: the root element as an ``XmlNode``.

    Raises ``XmlReadError`` for malformed or forbidden content and ``OSError`` for unreadable files."""
    return parse_document(path).root


def _element_name(element: etree._Element, parsed: ParsedXml) -> str:
    qname = etree.QName(element)
    namespace = (qname.namespace or "").strip()
    if namespace == EXT_NS:
        return f"ext:{qname.localname}"
    if namespace == XSI_NS:
        parsed.namespace_warnings.append(
            (
                element.sourceline or 0,
                f"element {element.prefix}:{qname.localname} is bound to the XML Schema instance "
                f"namespace; read as ext:{qname.localname}",
            )
        )
        return f"ext:{qname.localname}"
    if not namespace or namespace.startswith(LIQUIBASE_NS):
        return qname.localname
    prefix = element.prefix or "ns"
    return f"{prefix}:{qname.localname}"


def _attribute_name(key: str) -> str:
    if not key.startswith("{"):
        return key
    qname = etree.QName(key)
    namespace = (qname.namespace or "").strip()
    if namespace == EXT_NS:
        return f"ext:{qname.localname}"
    if namespace == XSI_NS:
        own = qname.localname in _XSI_OWN_ATTRIBUTES
        return f"xsi:{qname.localname}" if own else f"ext:{qname.localname}"
    if namespace == XML_NS:
        return f"xml:{qname.localname}"
    return qname.localname


def _start_line(element: etree._Element, lines: list[bytes]) -> int:
    """libxml2 reports the line where a start tag *ends*; a modeller expects the line where it starts.
    Attribute values cannot hold a raw ``<``, so the nearest ``<name`` above is the start."""
    end = element.sourceline or 0
    local = etree.QName(element).localname
    name = (f"{element.prefix}:{local}" if element.prefix else local).encode("utf-8")
    needle = b"<" + name
    for index in range(min(end, len(lines)) - 1, max(end - 200, 0) - 1, -1):
        line = lines[index]
        position = line.find(needle)
        while position >= 0:
            after = line[position + len(needle) : position + len(needle) + 1]
            if after in (b"", b" ", b"\t", b"\r", b">", b"/"):
                return index + 1
            position = line.find(needle, position + 1)
    return end


def _convert(element: etree._Element, parsed: ParsedXml, lines: list[bytes]) -> XmlNode:
    children = tuple(_convert(child, parsed, lines) for child in element if isinstance(child.tag, str))
    text = element.text.strip() if element.text else None
    attributes = tuple((_attribute_name(k), v) for k, v in element.attrib.items())
    return XmlNode(
        tag=_element_name(element, parsed),
        attributes=attributes,
        text=text or None,
        children=children,
        line=_start_line(element, lines),
    )
