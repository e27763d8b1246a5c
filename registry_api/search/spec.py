"""What a search condition looks like at runtime: which view it reads, which parameters it takes, what it
returns and how it paginates.

A ``SearchSpec`` is built once from the regulation model (``spec_from_model``) and embedded in generated
routers as Python source (``spec_source``), so the runtime never needs the regulation itself.
Everything is a frozen dataclass of tuples: specs are hashable, comparable and safe to share.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields
from enum import Enum, StrEnum

from schemas.naming import to_camel
from schemas.regulation import (
    ColumnRef,
    LogicGroup,
    LogicOperatorType,
    Pagination,
    Regulation,
    ScColumn,
    SearchCondition,
    SearchType,
    SortDirection,
)

__all__ = [
    "LogicOperatorType",
    "OutputColumn",
    "OutputKind",
    "Pagination",
    "ParameterGroup",
    "SearchParameter",
    "SearchSpec",
    "SearchType",
    "SortKey",
    "ValueType",
    "spec_from_model",
    "spec_source",
    "value_type_of",
]


class ValueType(StrEnum):
    """How a parameter value is typed when bound (derived from the underlying column's SQL type)."""

    TEXT = "text"
    UUID = "uuid"
    INTEGER = "integer"
    NUMERIC = "numeric"
    BOOLEAN = "boolean"
    DATE = "date"
    TIMESTAMP = "timestamp"
    TIME = "time"
    ENUM = "enum"  # a regulation enum: compared as text
    FILE = "file"  # type_file / type_file[]: never searchable, only returned


class OutputKind(StrEnum):
    PLAIN = "plain"
    FILE = "file"  # {"id", "checksum"}
    FILE_ARRAY = "file-array"  # [{"id", "checksum"}, ...]
    ENTITY = "entity"  # fetchType="entity": the referenced row(s) as nested JSON


LIST_SEARCH_TYPES = frozenset({SearchType.IN, SearchType.NOT_IN, SearchType.STARTS_WITH_ARRAY})


@dataclass(frozen=True, slots=True)
class SearchParameter:
    name: str  # camelCase name in the query string / JSON body (``between`` adds From/To)
    column: str  # the view column it filters
    search_type: SearchType
    value_type: ValueType = ValueType.TEXT
    required: bool = False

    @property
    def is_list(self) -> bool:
        return self.search_type in LIST_SEARCH_TYPES

    @property
    def input_names(self) -> tuple[str, ...]:
        """The names a caller sends: ``xFrom``/``xTo`` for ``between``, else the name itself."""
        if self.search_type is SearchType.BETWEEN:
            return (f"{self.name}From", f"{self.name}To")
        return (self.name,)


@dataclass(frozen=True, slots=True)
class OutputColumn:
    column: str  # the view column (``ScColumn.output_name`` or a function alias)
    name: str  # camelCase name in responses
    kind: OutputKind = OutputKind.PLAIN
    # For ``ENTITY``: the referenced table and its key; the value is looked up by the view column's value
    # (an array column yields a list of entities).
    entity_table: str | None = None
    entity_key: str | None = None
    entity_is_array: bool = False


@dataclass(frozen=True, slots=True)
class SortKey:
    column: str
    descending: bool = False


@dataclass(frozen=True, slots=True)
class ParameterGroup:
    """``ext:logicOperator``: the named parameters (and nested groups) combined with ``operator``."""

    operator: LogicOperatorType
    parameters: tuple[str, ...] = ()
    groups: tuple[ParameterGroup, ...] = ()

    def parameter_names(self) -> frozenset[str]:
        nested = frozenset().union(*(g.parameter_names() for g in self.groups))
        return frozenset(self.parameters) | nested


@dataclass(frozen=True, slots=True)
class SearchSpec:
    name: str
    view: str
    parameters: tuple[SearchParameter, ...] = ()
    outputs: tuple[OutputColumn, ...] = ()
    sorting: tuple[SortKey, ...] = ()  # declared sorting first, then a deterministic tiebreak
    pagination: Pagination = Pagination.NONE
    limit: int | None = None  # the hard cap; None = all
    groups: tuple[ParameterGroup, ...] = ()  # top-level logic groups, ANDed with ungrouped parameters

    def parameter(self, name: str) -> SearchParameter | None:
        for candidate in self.parameters:
            if candidate.name == name:
                return candidate
        return None


# ---------------------------------------------------------------------------------------------
# From the regulation model

_TYPE_WORDS: tuple[tuple[ValueType, tuple[str, ...]], ...] = (
    (ValueType.UUID, ("uuid",)),
    (ValueType.BOOLEAN, ("boolean", "bool")),
    (ValueType.INTEGER, ("integer", "int", "int2", "int4", "int8", "bigint", "smallint")),
    (ValueType.INTEGER, ("serial", "bigserial", "smallserial")),
    (ValueType.NUMERIC, ("numeric", "decimal", "real", "float", "float4", "float8", "double", "money")),
    (ValueType.DATE, ("date",)),
    (ValueType.TIMESTAMP, ("timestamp", "timestamptz", "datetime")),
    (ValueType.TIME, ("time", "timetz")),
)


def value_type_of(sql_type: str | None, regulation: Regulation | None = None) -> ValueType:
    """Map a declared column type (``varchar(50)``, ``TIMESTAMP WITH TIME ZONE``, an enum, a domain...) to the
    type its search values are bound as. Unknown types are compared as text."""
    if sql_type is None:
        return ValueType.TEXT
    normalized = sql_type.strip().lower()
    if normalized.replace(" ", "") in ("file", "type_file", "file[]", "type_file[]", "_type_file"):
        return ValueType.FILE
    base = re.sub(r"\(.*?\)", "", normalized).strip()
    if regulation is not None:
        if any(e.name.lower() == base for e in regulation.enums):
            return ValueType.ENUM
        for domain in regulation.domains:
            if domain.name.lower() == base:
                return value_type_of(domain.base_type, regulation)
    first = base.split()[0] if base.split() else ""
    if first == "double":  # "double precision"
        return ValueType.NUMERIC
    for value_type, words in _TYPE_WORDS:
        if first in words:
            return value_type
    return ValueType.TEXT


def spec_from_model(sc: SearchCondition, regulation: Regulation) -> SearchSpec:
    """The runtime spec of a search condition, reading the view ``<name>_v`` the migrator creates."""
    parameters = tuple(
        SearchParameter(
            name=column.json_name,
            column=column.output_name,
            search_type=column.search_type,
            value_type=_column_value_type(sc, column, regulation),
            required=column.required,
        )
        for column in sc.columns
        if column.search_type is not None
    )
    outputs = [_output_of(sc, column, regulation) for column in sc.returning_columns]
    outputs += [OutputColumn(column=f.alias, name=f.json_name) for f in sc.functions]
    declared = tuple(
        SortKey(column.output_name, descending=column.sorting is SortDirection.DESC)
        for column in sc.columns
        if column.sorting is not None
    )
    # Tiebreak on every other plain returned column so pages never overlap or skip rows.
    sorted_columns = {key.column for key in declared}
    unsortable = {
        c.output_name for c in sc.returning_columns if not _sortable(underlying_type(sc, c, regulation))
    }
    tiebreak = tuple(
        SortKey(output.column)
        for output in outputs
        if output.kind is OutputKind.PLAIN and output.column not in sorted_columns | unsortable
    )
    return SearchSpec(
        name=sc.name,
        view=sc.view_name,
        parameters=parameters,
        outputs=tuple(outputs),
        sorting=declared + tiebreak,
        pagination=sc.pagination,
        limit=sc.limit,
        groups=tuple(_group_of(sc, group) for group in sc.logic),
    )


def underlying_type(sc: SearchCondition, column: ScColumn, regulation: Regulation) -> str | None:
    """The declared SQL type of a search condition's column (its own ``type``, or its table's)."""
    if column.type is not None:
        return column.type
    sc_table = sc.table_of(column.table_alias)
    table = regulation.table(sc_table.name if sc_table is not None else column.table_alias)
    declared = table.column(column.name) if table is not None else None
    return declared.type if declared is not None else None


# Types PostgreSQL cannot ORDER BY (no default btree operator class): kept out of the tiebreak.
_UNSORTABLE = re.compile(r"^(json|xml|point|line|lseg|box|path|polygon|circle)\b")


def _sortable(sql_type: str | None) -> bool:
    return sql_type is None or not _UNSORTABLE.match(sql_type.strip().lower())


def _column_value_type(sc: SearchCondition, column: ScColumn, regulation: Regulation) -> ValueType:
    return value_type_of(underlying_type(sc, column, regulation), regulation)


def _output_of(sc: SearchCondition, column: ScColumn, regulation: Regulation) -> OutputColumn:
    sql_type = underlying_type(sc, column, regulation) or ""
    value_type = value_type_of(sql_type, regulation)
    if value_type is ValueType.FILE:
        is_array = sql_type.strip().endswith("[]") or sql_type.strip().lower() == "_type_file"
        kind = OutputKind.FILE_ARRAY if is_array else OutputKind.FILE
        return OutputColumn(column=column.output_name, name=column.json_name, kind=kind)
    if column.fetch_type is not None and column.fetch_type.value == "entity":
        target = _referenced(sc, column, regulation)
        if target is not None:
            table, key = target
            return OutputColumn(
                column=column.output_name,
                name=column.json_name,
                kind=OutputKind.ENTITY,
                entity_table=table,
                entity_key=key,
                entity_is_array=sql_type.strip().endswith("[]"),
            )
    return OutputColumn(column=column.output_name, name=column.json_name)


def _referenced(sc: SearchCondition, column: ScColumn, regulation: Regulation) -> tuple[str, str] | None:
    """The (table, key column) a ``fetchType="entity"`` column points at: its foreign key, or the
    many-to-many declaration for an array of ids."""
    sc_table = sc.table_of(column.table_alias)
    if sc_table is None:
        return None
    reference = regulation.referenced_entity(sc_table.name, column.name)
    return None if reference is None else (reference.table, reference.key)


def _group_of(sc: SearchCondition, group: LogicGroup) -> ParameterGroup:
    return ParameterGroup(
        operator=group.type,
        parameters=tuple(_parameter_name(sc, ref) for ref in group.columns),
        groups=tuple(_group_of(sc, nested) for nested in group.groups),
    )


def _parameter_name(sc: SearchCondition, ref: ColumnRef) -> str:
    for column in sc.columns:
        if column.table_alias == ref.table_alias and column.name == ref.column_name:
            return column.json_name
    return to_camel(ref.column_name)


# ---------------------------------------------------------------------------------------------
# As Python source (embedded in generated routers)

SOURCE_IMPORTS = (
    "from registry_api.search.spec import (\n"
    "    LogicOperatorType,\n"
    "    OutputColumn,\n"
    "    OutputKind,\n"
    "    Pagination,\n"
    "    ParameterGroup,\n"
    "    SearchParameter,\n"
    "    SearchSpec,\n"
    "    SearchType,\n"
    "    SortKey,\n"
    "    ValueType,\n"
    ")\n"
)
"""The import block ``spec_source`` output needs (some names may go unused: import only what
``used_names(source)`` reports, or add ``# noqa: F401``)."""

_LINE_WIDTH = 88  # leaves room under ruff's 110 for a "name=" prefix and the assignment around it


def spec_source(spec: SearchSpec, indent: int = 0) -> str:
    """Readable, deterministic Python source constructing ``spec``: ``eval(spec_source(s)) == s`` in a
    namespace holding the names of ``SOURCE_IMPORTS``. Fields left at their defaults are omitted."""
    return _render(spec, indent)


def used_names(source: str) -> tuple[str, ...]:
    """The names of ``SOURCE_IMPORTS`` that ``source`` refers to, sorted (for a minimal import line)."""
    candidates = re.findall(r"\b([A-Z][A-Za-z]+)\b", source)
    exported = set(__all__)
    return tuple(sorted({name for name in candidates if name in exported}))


def _render(value: object, indent: int) -> str:
    if isinstance(value, Enum):
        return f"{type(value).__name__}.{value.name}"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if value is None or isinstance(value, bool | int):
        return repr(value)
    if isinstance(value, tuple):
        return _render_items("(", ")", [_render(v, indent + 4) for v in value], indent, tuple_=True)
    if hasattr(value, "__dataclass_fields__"):
        parts = []
        for f in fields(value):  # type: ignore[arg-type]
            current = getattr(value, f.name)
            if current == f.default:
                continue
            parts.append(f"{f.name}={_render(current, indent + 4)}")
        return _render_items(f"{type(value).__name__}(", ")", parts, indent, tuple_=False)
    raise TypeError(f"cannot render {type(value).__name__} as source")


def _render_items(opening: str, closing: str, items: list[str], indent: int, *, tuple_: bool) -> str:
    if not items:
        return opening + closing
    one_line = ", ".join(items) + ("," if tuple_ and len(items) == 1 else "")
    flat = opening + one_line + closing
    if "\n" not in flat and indent + len(flat) <= _LINE_WIDTH:
        return flat
    pad = " " * (indent + 4)
    body = "".join(f"{pad}{item},\n" for item in items)
    return f"{opening}\n{body}{' ' * indent}{closing}"
