"""docs/regulation-reference.md "Reference XSD coverage" names every element and attribute of the
reference's extension schema, gives each a status, and every test it names as proof exists."""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

REPO = Path(__file__).resolve().parents[2]
XSD = REPO.parent / "shared" / "regulations" / "edp-ddm-liquibase-ext-schema" / "xsd__dbchangelog-ddm.xsd"
DOC = REPO / "docs" / "regulation-reference.md"
S = "{http://www.w3.org/2001/XMLSchema}"
STATUSES = ("implemented", "diagnosed", "not applicable")
# Liquibase's own column and constraint elements, re-declared for createAnalyticsIndex: covered as a whole.
LIQUIBASE_ELEMENTS = frozenset({"column", "constraints"})


def _schema() -> tuple[dict[str, tuple[set[str], set[str]]], set[str]]:
    """Top-level element → (attribute names, descendant element names) and the global attributes."""
    root = etree.parse(str(XSD)).getroot()
    types = {t.get("name"): t for t in root.findall(f"{S}complexType")}
    attribute_groups = {g.get("name"): g for g in root.findall(f"{S}attributeGroup")}
    groups = {g.get("name"): g for g in root.findall(f"{S}group")}

    def collect(node: etree._Element, attributes: set[str], elements: set[str], seen: set[str]) -> None:
        for child in node:
            tag = child.tag
            if tag == f"{S}attribute" and child.get("name"):
                attributes.add(child.get("name"))
            elif tag == f"{S}attributeGroup" and child.get("ref"):
                collect(attribute_groups[child.get("ref")], attributes, elements, seen)
            elif tag == f"{S}group" and child.get("ref"):
                collect(groups[child.get("ref")], attributes, elements, seen)
            elif tag == f"{S}element":
                name = child.get("name") or child.get("ref")
                elements.add(name)
                kind = child.get("type")
                key = f"{name}:{kind}"
                if key in seen:
                    continue
                if kind in types:
                    collect(types[kind], attributes, elements, seen | {key})
                else:
                    collect(child, attributes, elements, seen | {key})
            else:
                collect(child, attributes, elements, seen)

    found: dict[str, tuple[set[str], set[str]]] = {}
    for element in root.findall(f"{S}element"):
        attributes: set[str] = set()
        elements: set[str] = set()
        kind = element.get("type")
        collect(types.get(kind, element), attributes, elements, set())
        found[element.get("name")] = (attributes, elements)
    global_attributes = {a.get("name") for a in root.findall(f"{S}attribute")}
    return found, global_attributes


def _rows() -> list[list[str]]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Reference XSD coverage", 1)[1].split("\n## ", 1)[0]
    rows = [
        line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| element")
    ]
    return [
        [cell.strip() for cell in row.strip("|").split(" | ")] for row in rows if not set(row) <= set("|- ")
    ]


def _names(cell: str) -> set[str]:
    return {name for token in re.findall(r"`([^`]+)`", cell) for name in re.findall(r"[A-Za-z0-9]+", token)}


def test_every_element_and_attribute_of_the_schema_is_covered() -> None:
    schema, global_attributes = _schema()
    rows = _rows()
    assert rows, "the coverage table is missing"
    for element, (attributes, children) in sorted(schema.items()):
        mine = [row for row in rows if element in _names(row[0])]
        assert mine, f"no row names element {element}"
        named = set().union(*(_names(row[0]) | _names(row[1]) for row in mine))
        if element not in LIQUIBASE_ELEMENTS:
            assert attributes <= named, f"{element}: {sorted(attributes - named)} not in the table"
            assert children - LIQUIBASE_ELEMENTS <= named, (
                f"{element}: {sorted(children - named)} not in the table"
            )
    table_rows = [row for row in rows if "createTable" in _names(row[0])]
    assert global_attributes <= set().union(*(_names(row[1]) for row in table_rows))


def test_every_row_has_a_status_and_a_proof_that_exists() -> None:
    for element, _, status, proof in _rows():
        assert status.startswith(STATUSES), f"{element}: status {status!r}"
        match = re.fullmatch(r"`(tests/[\w/]+\.py)::(test_\w+)`", proof)
        assert match, f"{element}: proof {proof!r} is not tests/...py::test_..."
        path = REPO / match.group(1)
        assert path.is_file(), f"{element}: {match.group(1)} does not exist"
        assert f"def {match.group(2)}(" in path.read_text(encoding="utf-8"), (
            f"{element}: {proof} does not exist"
        )
