"""Nested rows in entity reads (``ext:tableReadParameters`` with ``fetchType="entity"``).

``GET /facility/{id}`` with ``koatuu_id`` read as an entity answers ``"koatuuId": {"koatuuId": ...,
"code": ..., "name": ...}`` instead of the id: the referenced row, camelCase, without the platform's
``ddm_*`` columns, narrowed to the columns the caller may read of that table, and ``null`` when the
row is missing or row-level security hides it. A key array (``ext:createMany2Many``) nests the list of
rows, in the order of the array (``[]`` when none). The caller must be allowed to read every nested
table (checked at the HTTP edge, as the reference's ``@PreAuthorize`` does).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import JSONB, aggregate_order_by
from sqlalchemy.sql.elements import ColumnElement

from rbac.rows import RowFilter
from registry_api.rows import row_condition
from schemas.naming import to_camel
from schemas.platform import is_service_name


@dataclass(frozen=True)
class NestedRead:
    """``column`` of the entity refers to ``table`` by its ``key`` (``many``: an array of keys)."""

    column: str
    table: Table
    key: str
    many: bool = False

    @property
    def name(self) -> str:
        return str(self.table.name)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.table.columns if not is_service_name(c.name))


def nested_expression(
    nested: NestedRead, reference: ColumnElement[Any], rows: RowFilter | None
) -> ColumnElement[Any]:
    """The referenced row (or rows) as JSON, for the entity's ``reference`` column."""
    entity = nested.table.alias("nested")
    key = entity.c[nested.key]
    as_json = sa.func.to_jsonb(entity.table_valued())
    if nested.many:
        ordered = aggregate_order_by(as_json, sa.func.array_position(reference, key))
        empty = sa.cast(sa.literal("[]"), JSONB)
        found = sa.select(sa.func.coalesce(sa.func.jsonb_agg(ordered), empty)).where(
            key == sa.func.any(reference)
        )
    else:
        found = sa.select(as_json).where(key == reference)
    if rows is not None:  # rows the caller may not see are left out (ext:rls)
        found = found.where(row_condition(rows, lambda name: entity.c[name]))
    return found.scalar_subquery()


def nested_value(nested: NestedRead, value: Any, readable: frozenset[str]) -> Any:
    """The database's JSON of the nested row(s), as the API shows it."""
    if isinstance(value, list):
        return [nested_value(nested, item, readable) for item in value]
    if not isinstance(value, Mapping):
        return None
    return {to_camel(name): item for name, item in value.items() if name in readable}


def nested_tables(nested: Sequence[NestedRead]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(n.name for n in nested))
