"""Running a search condition: one SELECT over its view ``<sc>_v`` (page pagination counts every match
in the same statement, with a window function).

Every value is a bound parameter; identifiers come from the spec (which comes from the regulation) and
are quoted by SQLAlchemy. Rows come back JSON-ready: camelCase keys, UUIDs and dates as strings, file
columns as ``{"id", "checksum"}`` (or lists of them).
"""

from __future__ import annotations

import logging
import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import NamedFromClause

from rbac.rows import RowFilter, SearchDeniedError
from registry_api.errors import ApiError, ErrorCode
from registry_api.rows import row_condition
from registry_api.runtime import Caller
from registry_api.search.params import SearchRequest, parse_request
from registry_api.search.spec import (
    LogicOperatorType,
    OutputColumn,
    OutputKind,
    Pagination,
    ParameterGroup,
    SearchParameter,
    SearchSpec,
    SearchType,
    ValueType,
)
from schemas.naming import to_camel

_SQL_TYPES: dict[ValueType, sa.types.TypeEngine[Any]] = {
    ValueType.TEXT: sa.Text(),
    ValueType.ENUM: sa.Text(),
    ValueType.UUID: sa.Uuid(),
    ValueType.INTEGER: sa.BigInteger(),
    ValueType.NUMERIC: sa.Numeric(),
    ValueType.BOOLEAN: sa.Boolean(),
    ValueType.DATE: sa.Date(),
    ValueType.TIMESTAMP: sa.DateTime(),
    ValueType.TIME: sa.Time(),
}
_LIKE_ESCAPE = "\\"
_TOTAL = "total_elements"  # the window count's column in a page query

Row = dict[str, Any]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RowScope:
    """Row-level security of one search (``ext:rls``): the view rows the caller may see, and per
    table the rows a ``fetchType="entity"`` output may nest."""

    view: RowFilter | None = None
    entities: Mapping[str, RowFilter] = field(default_factory=dict)


def run_search(spec: SearchSpec, params: Mapping[str, Any], caller: Caller) -> list[Row] | dict[str, Any]:
    """Run ``spec`` for ``caller`` (whose right to run it was checked): only the outputs the caller may
    read and the rows row-level security lets them see come back."""
    runtime = caller.runtime
    outputs = [output.column for output in spec.outputs]
    visible = runtime.access.readable_search_columns(caller.identity, spec.name, outputs)
    scope = row_scope(spec, caller)
    with runtime.read_connection() as connection:
        result = execute_search(connection, spec, params, frozenset(visible), scope)
    root_process = caller.headers.root_business_process_instance_id
    if root_process and not caller.identity.anonymous:  # anonymous callers are no business process
        _copy_files_to_process(spec, result, caller, root_process)
    return result


_FILE_KINDS = (OutputKind.FILE, OutputKind.FILE_ARRAY)


def _copy_files_to_process(
    spec: SearchSpec, result: list[Row] | dict[str, Any], caller: Caller, root_process: str
) -> None:
    """With ``X-Source-Root-Business-Process-Instance-Id``, as on an entity read: every file the
    response holds is copied to ``process/<root>/<id>`` in staging, where business processes read it
    (the reference platform does so for search responses too). The file service copies each file
    once, however many rows and columns hold it."""
    rows = result if isinstance(result, list) else result["content"]
    values = {
        output.column: [row[output.name] for row in rows if row.get(output.name) is not None]
        for output in spec.outputs
        if output.kind in _FILE_KINDS and any(output.name in row for row in rows)
    }
    if any(values.values()):
        caller.runtime.files.copy_to_process(None, spec.name, None, values, root_process)


def row_scope(spec: SearchSpec, caller: Caller) -> RowScope:
    """The caller's row filters for ``spec``; 403 for a search condition its rules cannot filter."""
    rows, identity = caller.runtime.rows, caller.identity
    try:
        view = rows.search_filter(identity, spec.name)
    except SearchDeniedError as denied:
        log.warning("search %s refused: %s", spec.name, denied)
        raise ApiError(
            ErrorCode.FORBIDDEN_OPERATION,
            "This search condition cannot be filtered by row-level security, so it is not served.",
        ) from None
    entities: dict[str, RowFilter] = {}
    for output in spec.outputs:
        if output.kind is OutputKind.ENTITY and output.entity_table:
            nested = rows.read_filter(identity, output.entity_table)
            if nested is not None:
                entities[output.entity_table] = nested
    return RowScope(view, entities)


def execute_search(
    connection: Connection,
    spec: SearchSpec,
    params: Mapping[str, Any],
    visible: frozenset[str] | None = None,
    rows: RowScope | None = None,
) -> list[Row] | dict[str, Any]:
    """Run ``spec`` with ``params`` (input names → raw or typed values).

    ``visible`` (from RBAC) names the outputs the caller may see — view column names or their camelCase
    names; ``None`` means all. ``rows`` narrows the rows (row-level security); ``None``: no rules.
    Returns a list of rows, or for page pagination
    ``{"content", "totalElements", "totalPages", "pageNo", "pageSize"}``."""
    rows = rows or RowScope()
    request = parse_request(spec, params)
    outputs = _visible_outputs(spec, visible)
    view = _view_of(spec, rows.view.columns if rows.view else ())
    where = _where(spec, view, request)
    if rows.view is not None:
        allowed = row_condition(rows.view, lambda name: _column(view, name))
        where = allowed if where is None else sa.and_(where, allowed)
    query = sa.select(*_select_list(view, outputs, rows)).select_from(view)
    if where is not None:
        query = query.where(where)
    query = query.order_by(*_order_by(spec, view))

    if spec.pagination is Pagination.PAGE:
        return _page(connection, view, where, query, outputs, request)
    if request.limit is not None:
        query = query.limit(request.limit)
    if request.offset:
        query = query.offset(request.offset)
    return [_row(outputs, row) for row in connection.execute(query)]


def _page(
    connection: Connection,
    view: NamedFromClause,
    where: ColumnElement[bool] | None,
    query: sa.Select[Any],
    outputs: Sequence[OutputColumn],
    request: SearchRequest,
) -> dict[str, Any]:
    """One statement per page: the page's rows, each carrying the count of every matching row
    (``count(*) OVER ()``, computed over the same scan). Only a page past the last one has no row to
    carry the count: then, and only then, a second statement counts."""
    counted = query.add_columns(sa.func.count().over().label(_TOTAL))
    page = counted.limit(request.page_size).offset(request.page_no * request.page_size)
    rows = connection.execute(page).all()
    if rows:
        total = int(rows[0]._mapping[_TOTAL])
    elif request.page_no == 0:
        total = 0
    else:
        count = sa.select(sa.func.count()).select_from(view)
        total = int(connection.execute(count if where is None else count.where(where)).scalar_one())
    return {
        "content": [_row(outputs, row) for row in rows],
        "totalElements": total,
        "totalPages": math.ceil(total / request.page_size),
        "pageNo": request.page_no,
        "pageSize": request.page_size,
    }


# ---------------------------------------------------------------------------------------------
# SELECT list and ORDER BY


def _visible_outputs(spec: SearchSpec, visible: frozenset[str] | None) -> tuple[OutputColumn, ...]:
    if visible is None:
        return spec.outputs
    return tuple(o for o in spec.outputs if o.column in visible or o.name in visible)


def _view_of(spec: SearchSpec, filtered: Sequence[str] = ()) -> NamedFromClause:
    """The view as a lightweight table with every column the query touches, typed where a parameter
    says how its values bind (so a UUID binds as uuid, a date as date...)."""
    types: dict[str, sa.types.TypeEngine[Any] | None] = {}
    for parameter in spec.parameters:
        types.setdefault(parameter.column, _SQL_TYPES.get(parameter.value_type))
    for name in [o.column for o in spec.outputs] + [k.column for k in spec.sorting] + list(filtered):
        types.setdefault(name, None)
    return sa.table(spec.view, *(sa.column(name, type_) for name, type_ in types.items())).alias("v")


def _column(view: NamedFromClause, name: str) -> ColumnElement[Any]:
    return view.c[name]


def _select_list(
    view: NamedFromClause, outputs: Sequence[OutputColumn], rows: RowScope
) -> list[ColumnElement[Any]]:
    if not outputs:
        return [sa.literal(1).label("_none")]  # every column hidden: rows stay countable, and empty
    return [_output_expression(view, output, rows).label(f"c{i}") for i, output in enumerate(outputs)]


def _output_expression(view: NamedFromClause, output: OutputColumn, rows: RowScope) -> ColumnElement[Any]:
    column = _column(view, output.column)
    if output.kind in (OutputKind.FILE, OutputKind.FILE_ARRAY):
        return sa.func.to_jsonb(column)  # type_file(id, checksum) → {"id", "checksum"}
    if output.kind is OutputKind.ENTITY and output.entity_table and output.entity_key:
        nested = rows.entities.get(output.entity_table)
        filtered = nested.columns if nested is not None else ()
        names = dict.fromkeys((output.entity_key, *filtered))
        entity = sa.table(output.entity_table, *(sa.column(name) for name in names)).alias("e")
        key = entity.c[output.entity_key]
        if output.entity_is_array:
            found = sa.select(sa.func.jsonb_agg(sa.func.to_jsonb(entity.table_valued())))
            found = found.where(key == sa.func.any(column))
        else:
            found = sa.select(sa.func.to_jsonb(entity.table_valued())).where(key == column)
        if nested is not None:  # a nested row the caller may not see is left out (ext:rls)
            found = found.where(row_condition(nested, lambda name: entity.c[name]))
        return found.scalar_subquery()
    return column


def _order_by(spec: SearchSpec, view: NamedFromClause) -> list[ColumnElement[Any]]:
    keys: list[ColumnElement[Any]] = []
    for key in spec.sorting:
        column = _column(view, key.column)
        keys.append(column.desc() if key.descending else column.asc())
    return keys


# ---------------------------------------------------------------------------------------------
# WHERE


def _where(spec: SearchSpec, view: NamedFromClause, request: SearchRequest) -> ColumnElement[bool] | None:
    clauses: dict[str, ColumnElement[bool]] = {}
    for parameter in spec.parameters:
        clause = _condition(view, parameter, request.filters)
        if clause is not None:
            clauses[parameter.name] = clause
    grouped = frozenset().union(*(g.parameter_names() for g in spec.groups))
    parts = [clause for name, clause in clauses.items() if name not in grouped]
    parts += [c for c in (_group(g, clauses) for g in spec.groups) if c is not None]
    return sa.and_(*parts) if parts else None


def _group(group: ParameterGroup, clauses: Mapping[str, ColumnElement[bool]]) -> ColumnElement[bool] | None:
    """A logic group over the parameters that were given; absent parameters drop out of it."""
    parts = [clauses[name] for name in group.parameters if name in clauses]
    parts += [c for c in (_group(g, clauses) for g in group.groups) if c is not None]
    if not parts:
        return None
    return sa.or_(*parts) if group.operator is LogicOperatorType.OR else sa.and_(*parts)


def _condition(
    view: NamedFromClause, parameter: SearchParameter, filters: Mapping[str, Any]
) -> ColumnElement[bool] | None:
    search_type = parameter.search_type
    column = _column(view, parameter.column)
    # Enums (and anything compared as text) are cast so a text value compares with any column type.
    compared = sa.cast(column, sa.Text) if parameter.value_type is ValueType.ENUM else column
    as_text = sa.cast(column, sa.Text)

    if search_type is SearchType.BETWEEN:
        low, high = (filters.get(name) for name in parameter.input_names)
        bounds = []
        if low is not None:
            bounds.append(compared >= low)
        if high is not None:
            bounds.append(compared <= high)
        return sa.and_(*bounds) if bounds else None

    value = filters.get(parameter.name)
    if value is None:
        return None
    if search_type is SearchType.EQUAL:
        return compared == value
    if search_type is SearchType.NOT_EQUAL:
        return compared != value
    if search_type is SearchType.CONTAINS:
        return as_text.ilike(f"%{escape_like(str(value))}%", escape=_LIKE_ESCAPE)
    if search_type is SearchType.STARTS_WITH:
        return as_text.ilike(f"{escape_like(str(value))}%", escape=_LIKE_ESCAPE)
    if search_type is SearchType.STARTS_WITH_ARRAY:
        prefixes = [as_text.ilike(f"{escape_like(str(v))}%", escape=_LIKE_ESCAPE) for v in value]
        return sa.or_(*prefixes) if prefixes else sa.false()
    if search_type is SearchType.IN:
        return compared.in_(value)
    if search_type is SearchType.NOT_IN:
        return compared.not_in(value)
    raise ValueError(f"unsupported search type {search_type}")


def escape_like(value: str) -> str:
    """``%`` and ``_`` in a caller's value are literal characters, not wildcards."""
    return (
        value.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2)
        .replace("%", _LIKE_ESCAPE + "%")
        .replace("_", _LIKE_ESCAPE + "_")
    )


# ---------------------------------------------------------------------------------------------
# Rows as JSON


def _row(outputs: Sequence[OutputColumn], row: sa.Row[Any]) -> Row:
    result: Row = {}
    for output, value in zip(outputs, row, strict=False):
        if output.kind is OutputKind.ENTITY:
            result[output.name] = _camel_keys(value)
        else:
            result[output.name] = json_ready(value)
    return result


def _camel_keys(value: Any) -> Any:
    if isinstance(value, list):
        return [_camel_keys(item) for item in value]
    if isinstance(value, dict):
        # ddm_* are the platform's service columns (history tables): never part of an entity.
        return {to_camel(key): json_ready(item) for key, item in value.items() if not key.startswith("ddm_")}
    return json_ready(value)


def json_ready(value: Any) -> Any:
    """A database value as JSON: strings for UUIDs and temporal values, numbers for decimals."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list | tuple):
        return [json_ready(item) for item in value]
    if isinstance(value, dict):
        return {str(key): json_ready(item) for key, item in value.items()}
    if isinstance(value, timedelta):
        return str(value)
    return str(value)
