"""Which index can serve which search type, shared by the migrator (which creates them for
``indexing="true"``) and ``lint`` (which warns when a search has none).

The search layer compares ``contains``/``startsWith``/``startsWithArray`` case-insensitively on the
column's text (``CAST(col AS TEXT) ILIKE …``): only a trigram index (pg_trgm, GIN) serves that, on the
column itself for text types, or on the expression ``(col)::text`` for types whose text form is
immutable. ``equal``/``in``/``between`` (and sorting) are served by a btree; ``notEqual``/``notIn``
match most rows, so no index helps them.
"""

from __future__ import annotations

import re
from enum import StrEnum

from schemas.regulation import SearchType


class IndexKind(StrEnum):
    BTREE = "btree"
    TRIGRAM = "trigram"  # GIN (col gin_trgm_ops)


class TrigramOperand(StrEnum):
    COLUMN = "column"  # text, varchar, char: the column itself
    TEXT_CAST = "text-cast"  # uuid, numbers, boolean, time: ((col)::text)


_BY_SEARCH_TYPE: dict[SearchType, IndexKind | None] = {
    SearchType.EQUAL: IndexKind.BTREE,
    SearchType.IN: IndexKind.BTREE,
    SearchType.BETWEEN: IndexKind.BTREE,
    SearchType.CONTAINS: IndexKind.TRIGRAM,
    SearchType.STARTS_WITH: IndexKind.TRIGRAM,
    SearchType.STARTS_WITH_ARRAY: IndexKind.TRIGRAM,
    SearchType.NOT_EQUAL: None,
    SearchType.NOT_IN: None,
}

_TEXT_TYPES = frozenset({"text", "varchar", "character varying", "char", "character", "bpchar"})
# Types whose output function is IMMUTABLE (PostgreSQL refuses stable ones, such as date, timestamp
# or enums, in an index expression: their text form depends on settings or can be renamed).
_IMMUTABLE_TEXT_TYPES = frozenset(
    {
        "uuid",
        "smallint",
        "integer",
        "int",
        "int2",
        "int4",
        "int8",
        "bigint",
        "serial",
        "bigserial",
        "smallserial",
        "numeric",
        "decimal",
        "real",
        "float",
        "float4",
        "float8",
        "double precision",
        "boolean",
        "bool",
        "time",
        "time without time zone",
    }
)


def index_kind(search_type: SearchType) -> IndexKind | None:
    """The index that can serve ``search_type``, or None when none can."""
    return _BY_SEARCH_TYPE[search_type]


def _base_type(sql_type: str) -> str:
    base = re.sub(r"\(.*?\)", "", sql_type.strip().lower())
    return " ".join(base.split())


def trigram_operand(sql_type: str | None) -> TrigramOperand | None:
    """How a trigram index on a column of ``sql_type`` is written, or None when PostgreSQL cannot
    index its text form (dates, timestamps, enums, arrays, unknown types and domains)."""
    if sql_type is None:
        return None
    base = _base_type(sql_type)
    if base in _TEXT_TYPES:
        return TrigramOperand.COLUMN
    if base in _IMMUTABLE_TEXT_TYPES:
        return TrigramOperand.TEXT_CAST
    return None
