"""Search conditions and many-to-many links as views.

View contract (the search layer relies on it): ``<sc>_v`` has one column per search-condition column,
named ``ScColumn.output_name`` whether it is returned or only searched on, plus one per function named
by its alias (with GROUP BY over the other columns when aggregates are present). Sorting and limits are
left to the search layer; only a CTE's own ``limit`` is part of the definition.
"""

# ruff: noqa: S608 -- building SQL text is this module's job: identifiers are always quoted, values
# are literals, and the modeller's own SQL fragments (types, computed defaults) are trusted input.

from __future__ import annotations

import hashlib

from codegen.migrate.sqltext import ident, literal
from codegen.migrate.state import ChangeError, SchemaState
from schemas.regulation import (
    Condition,
    Cte,
    Join,
    LogicOperatorType,
    Many2Many,
    ScFunction,
    ScTable,
    SearchCondition,
    SortDirection,
)
from schemas.search_indexes import IndexKind, TrigramOperand, index_kind, trigram_operand

_OPERATORS = {"eq": "=", "ne": "<>", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
_JOINS = {"inner": "INNER JOIN", "left": "LEFT JOIN", "right": "RIGHT JOIN", "full": "FULL JOIN"}
_AGGREGATES = frozenset({"min", "max", "avg", "count", "sum", "string_agg"})
_SWAPPED = {"left": "right", "right": "left", "inner": "inner", "full": "full"}


def _column(alias: str | None, name: str) -> str:
    return f"{ident(alias)}.{ident(name)}" if alias else ident(name)


def _condition(condition: Condition) -> str:
    own: str | None = None
    if condition.column_name:
        own = _comparison(condition)
    nested = _conditions(condition.conditions) if condition.conditions else None
    if own and nested:
        logic = (condition.conditions[0].logic_operator or LogicOperatorType.AND).value.upper()
        return f"({own} {logic} {nested})"
    if own:
        return own
    if nested:
        return nested
    raise ChangeError("a condition names neither a column nor nested conditions")


def _comparison(condition: Condition) -> str:
    column = _column(condition.table_alias, condition.column_name or "")
    operator = (condition.operator or "").strip()
    value = (condition.value or "").strip()
    if operator in _OPERATORS:
        _need_value(condition, value)
        return f"{column} {_OPERATORS[operator]} {value}"
    if operator in ("in", "notIn"):
        _need_value(condition, value)
        listed = value if value.startswith("(") else f"({value})"
        return f"{column} {'IN' if operator == 'in' else 'NOT IN'} {listed}"
    if operator == "isNull":
        negate = value.strip("'").lower() == "false"
        return f"{column} IS {'NOT ' if negate else ''}NULL"
    if operator == "similar":
        _need_value(condition, value)
        return f"{column} SIMILAR TO {value}"
    if operator == "like":
        _need_value(condition, value)
        return f"{column} LIKE {value}"
    raise ChangeError(f"unknown condition operator {condition.operator!r}")


def _need_value(condition: Condition, value: str) -> None:
    if not value:
        raise ChangeError(f"condition on {condition.column_name!r} ({condition.operator}) has no value")


def _conditions(conditions: tuple[Condition, ...]) -> str:
    """Conditions joined by their own ``logicOperator`` (AND when absent), parenthesised as a group."""
    text = ""
    for index, condition in enumerate(conditions):
        rendered = _condition(condition)
        if index == 0:
            text = rendered
        else:
            logic = (condition.logic_operator or LogicOperatorType.AND).value.upper()
            text = f"{text} {logic} {rendered}"
    return f"({text})" if len(conditions) > 1 else text


def _function(function: ScFunction) -> str:
    name = function.name.strip().lower()
    column = _column(function.table_alias, function.column_name)
    if name == "row_number":
        window = function.window or ""
        return f"row_number() OVER ({window})"
    if name == "string_agg":
        separator = function.parameter if function.parameter is not None else ","
        separator_sql = separator if separator.startswith("'") else literal(separator)
        return f"string_agg({column}::text, {separator_sql})"
    if name in _AGGREGATES:
        if function.parameter and name == "count" and function.parameter.lower() == "distinct":
            return f"count(DISTINCT {column})"
        return f"{name}({column})"
    raise ChangeError(f"unknown search-condition function {function.name!r}")


def _from_clause(tables: tuple[ScTable, ...], joins: tuple[Join, ...]) -> tuple[str, list[str]]:
    """The FROM clause, and join conditions between tables already joined (they become filters)."""
    by_alias = {t.alias: t for t in tables}
    if not tables:
        raise ChangeError("a search condition needs at least one table")
    first = tables[0]
    included = {first.alias}
    text = f"{ident(first.name)} AS {ident(first.alias)}"
    loose: list[str] = []
    for join in joins:
        join_type = join.type.strip().lower()
        if join_type not in _JOINS:
            raise ChangeError(f"unknown join type {join.type!r}")
        if len(join.left_columns) != len(join.right_columns):
            raise ChangeError(
                f"join of {join.left_alias!r} and {join.right_alias!r} pairs unequal column lists"
            )
        pairs = [
            f"{_column(join.left_alias, left)} = {_column(join.right_alias, right)}"
            for left, right in zip(join.left_columns, join.right_columns, strict=True)
        ]
        on = " AND ".join(pairs)
        if join.conditions:
            logic = (join.conditions[0].logic_operator or LogicOperatorType.AND).value.upper()
            on = f"{on} {logic} {_conditions(join.conditions)}" if on else _conditions(join.conditions)
        if join.right_alias not in included:
            joined, kind = join.right_alias, join_type
        elif join.left_alias not in included:
            joined, kind = join.left_alias, _SWAPPED[join_type]
        else:  # both sides already present: the join only narrows
            loose.append(f"({on})")
            continue
        table = by_alias.get(joined)
        if table is None:
            raise ChangeError(f"join names alias {joined!r}, which no table of the search condition has")
        text += f"\n    {_JOINS[kind]} {ident(table.name)} AS {ident(table.alias)} ON {on}"
        included.add(joined)
    for table in tables:
        if table.alias not in included:
            text += f"\n    CROSS JOIN {ident(table.name)} AS {ident(table.alias)}"
            included.add(table.alias)
    return text, loose


def _select(
    tables: tuple[ScTable, ...], joins: tuple[Join, ...], where: tuple[Condition, ...], limit: int | None
) -> str:
    outputs: list[str] = []
    group_by: list[str] = []
    has_aggregate = False
    for table in tables:
        for column in table.columns:
            source = _column(table.alias, column.name)
            outputs.append(f"{source} AS {ident(column.output_name)}")
            group_by.append(source)
        for function in table.functions:
            outputs.append(f"{_function(function)} AS {ident(function.alias)}")
            has_aggregate = has_aggregate or function.name.strip().lower() in _AGGREGATES
    if not outputs:
        raise ChangeError("a search condition needs at least one column or function")
    from_clause, filters = _from_clause(tables, joins)
    if where:
        filters.append(_conditions(where))
    sql = "SELECT " + ",\n       ".join(outputs) + "\n  FROM " + from_clause
    if filters:
        sql += "\n WHERE " + " AND ".join(filters)
    if has_aggregate and group_by:
        sql += "\n GROUP BY " + ", ".join(group_by)
    if limit is not None:
        sql += f"\n LIMIT {int(limit)}"
    return sql


def _cte(cte: Cte) -> str:
    body = _select(cte.tables, cte.joins, cte.where, cte.limit).replace("\n", "\n    ")
    return f"{ident(cte.name)} AS (\n    {body}\n)"


def search_condition_query(sc: SearchCondition) -> str:
    if sc.simple:
        # createSimpleSearchCondition: the whole table, searched on one column (as the reference does).
        table = sc.tables[0]
        return f"SELECT {ident(table.alias)}.*\n  FROM {ident(table.name)} AS {ident(table.alias)}"
    sql = _select(sc.tables, sc.joins, sc.where, None)
    if sc.ctes:
        sql = "WITH " + ",\n".join(_cte(c) for c in sc.ctes) + "\n" + sql
    return sql


def create_search_condition(sc: SearchCondition, state: SchemaState | None = None) -> list[str]:
    view = ident(sc.view_name)
    statements = [
        f"DROP VIEW IF EXISTS {view}",
        f"CREATE VIEW {view} AS\n{search_condition_query(sc)}",
    ]
    if sc.indexing:
        statements += search_indexes(sc, state or SchemaState())
    return statements


def search_indexes(sc: SearchCondition, state: SchemaState) -> list[str]:
    """``indexing="true"``: per searched column the index its search type can use
    (``schemas.search_indexes``), and a btree over the declared sort order of each table."""
    cte_names = {c.name for c in sc.ctes}
    statements: list[str] = []
    for table in sc.tables:
        if table.name in cte_names:
            continue
        for column in table.columns:
            if column.search_type is None:
                continue
            kind = index_kind(column.search_type)
            base = f"ix_{sc.name}__{table.name}__{column.name}"
            if kind is IndexKind.BTREE:
                statements.append(_btree(base, table.name, [ident(column.name)]))
            elif kind is IndexKind.TRIGRAM:
                declared = column.type or state.column_type(table.name, column.name)
                operand = trigram_operand(declared)
                if operand is not None:
                    statements.append(_trigram(f"{base}_trgm", table.name, column.name, operand))
        sorted_columns = [
            f"{ident(c.name)} {'DESC' if c.sorting is SortDirection.DESC else 'ASC'}"
            for c in table.columns
            if c.sorting is not None
        ]
        if sorted_columns:
            statements.append(_btree(f"ix_{sc.name}__{table.name}__sort", table.name, sorted_columns))
    if any(" gin_trgm_ops)" in statement for statement in statements):
        # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
        statements.insert(0, "CREATE EXTENSION IF NOT EXISTS pg_trgm")
    return statements


def _btree(name: str, table: str, keys: list[str]) -> str:
    return f"CREATE INDEX IF NOT EXISTS {ident(_index_name(name))} ON {ident(table)} ({', '.join(keys)})"


def _trigram(name: str, table: str, column: str, operand: TrigramOperand) -> str:
    key = ident(column) if operand is TrigramOperand.COLUMN else f"({ident(column)}::text)"
    index = ident(_index_name(name))
    return f"CREATE INDEX IF NOT EXISTS {index} ON {ident(table)} USING gin ({key} gin_trgm_ops)"


def _index_name(wanted: str) -> str:
    if len(wanted) <= 63:
        return wanted
    digest = hashlib.sha1(wanted.encode(), usedforsecurity=False).hexdigest()[:8]
    return f"{wanted[:54]}_{digest}"


def drop_search_condition(name: str) -> list[str]:
    return [f"DROP VIEW IF EXISTS {ident(name + '_v')}"]


def create_many2many(link: Many2Many, state: SchemaState) -> list[str]:
    """``<main>_rel_v``: one row per element of the main table's key array, joined to the referenced rows."""
    reference = state.tables.get(link.reference_table)
    if reference is None or len(reference.primary_key) != 1:
        raise ChangeError(
            f"referenced table {link.reference_table!r} must exist earlier in the regulation "
            "with a single-column primary key"
        )
    reference_key = reference.primary_key[0]
    outputs = [f"m.{ident(link.main_key)} AS {ident(link.main_key)}"]
    outputs += [f"m.{ident(c.name)} AS {ident(c.output_name)}" for c in link.main_columns]
    outputs.append(f"r.{ident(reference_key)} AS {ident(reference_key)}")
    outputs += [f"r.{ident(c.name)} AS {ident(c.output_name)}" for c in link.reference_columns]
    view = ident(link.view_name)
    query = (
        "SELECT "
        + ",\n       ".join(outputs)
        + f"\n  FROM {ident(link.main_table)} AS m"
        + f"\n  JOIN {ident(link.reference_table)} AS r"
        + f" ON r.{ident(reference_key)} = ANY (m.{ident(link.reference_keys_array)})"
    )
    index = ident(_index_name(f"ix_{link.main_table}__{link.reference_keys_array}_gin"))
    return [
        f"DROP VIEW IF EXISTS {view}",
        f"CREATE VIEW {view} AS\n{query}",
        f"CREATE INDEX IF NOT EXISTS {index} ON {ident(link.main_table)} "
        f"USING gin ({ident(link.reference_keys_array)})",
    ]
