"""A changeset's checksum: a digest of the canonical content of its changes.

Whitespace is collapsed in texts and attribute values and attributes are sorted, so reformatting a
file does not count as an edit; element order counts. Comments are not part of the content."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from schemas.regulation import XmlNode

CHECKSUM_VERSION = "r1"


def _normalize(value: str) -> str:
    return " ".join(value.split())


def _canonical(node: XmlNode) -> list[object]:
    attributes = sorted((key, _normalize(value)) for key, value in node.attributes)
    return [
        node.tag,
        attributes,
        _normalize(node.text or ""),
        [_canonical(child) for child in node.children],
    ]


def changes_checksum(nodes: Iterable[XmlNode]) -> str:
    canonical = json.dumps([_canonical(n) for n in nodes], ensure_ascii=False, separators=(",", ":"))
    return f"{CHECKSUM_VERSION}:{hashlib.sha256(canonical.encode('utf-8')).hexdigest()}"
