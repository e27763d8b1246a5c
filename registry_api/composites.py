"""Composite entities (``ext:createCompositeEntity``): ``PUT /nested/{name}`` writes several rows of
several tables in one transaction.

The body is the root entity's properties, with each linked entity in place of its link column, as the
property named after the linked entity's table (``{"inspectedOn": ..., "facility": {...}}`` for an
inspection linked to a facility by ``facility_id``), nesting as deep as the links go. Each row is
written before the row that links to it, and its key goes into the link column: a row whose key the
body carries and that exists is replaced (every column set, omitted ones to NULL, as ``PUT``), any other
row is inserted (key generated unless given). Files are bound, history rows written, write rules
(``ext:rls``) checked for every row; one failure rolls everything back. The answer is the root's key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from registry_api.entities import EntitySpec, upsert_row, write_transaction
from registry_api.runtime import Caller


@dataclass(frozen=True)
class CompositePart:
    """One row of the composite: ``spec``'s table; ``property`` names it in its parent's body and
    ``link_column`` is the parent's column that receives its key (both empty for the root)."""

    spec: EntitySpec
    property: str = ""
    link_column: str | None = None
    parts: tuple[CompositePart, ...] = ()

    def walk(self) -> tuple[CompositePart, ...]:
        return (self, *(part for child in self.parts for part in child.walk()))


@dataclass(frozen=True)
class CompositeSpec:
    name: str
    root: CompositePart

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(part.spec.name for part in self.root.walk()))

    @property
    def has_files(self) -> bool:
        return any(part.spec.file_columns for part in self.root.walk())


def upsert(spec: CompositeSpec, body: BaseModel, caller: Caller) -> dict[str, str]:
    """``PUT /nested/{name}`` → ``{"id"}`` of the root row."""
    sent = body.model_dump(by_alias=True, exclude_unset=True)
    with write_transaction(caller, files=spec.has_files) as connection:
        root_id = _write(connection, spec.root, sent, caller)
    return {"id": str(root_id)}


def _write(connection: Any, part: CompositePart, body: Mapping[str, Any], caller: Caller) -> Any:
    links = {child.link_column for child in part.parts}
    values = {
        column: body[name]
        for name, column in part.spec.columns_by_json.items()
        if name in body and column not in links
    }
    for child in part.parts:
        assert child.link_column is not None
        if child.property not in body:
            continue
        nested = body[child.property]
        values[child.link_column] = None if nested is None else _write(connection, child, nested, caller)
    return upsert_row(connection, part.spec, values, caller)
