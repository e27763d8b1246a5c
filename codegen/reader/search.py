"""Search conditions: ext:createSearchCondition, ext:createSimpleSearchCondition, drop, expose."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from codegen.reader.common import Site, parse_bool, required
from codegen.reader.state import ReaderState, unknown_column_code
from schemas.platform import MAIN_TABLE_SERVICE_COLUMN_NAMES
from schemas.regulation import (
    ColumnRef,
    Condition,
    Cte,
    Exposure,
    FetchType,
    Join,
    LogicGroup,
    LogicOperatorType,
    Pagination,
    ScColumn,
    ScFunction,
    ScTable,
    SearchCondition,
    SearchType,
    SortDirection,
    XmlNode,
)

OPERATORS = frozenset({"eq", "ne", "gt", "ge", "lt", "le", "in", "notIn", "isNull", "similar", "like"})
FUNCTIONS = frozenset({"min", "max", "avg", "count", "sum", "string_agg", "row_number"})
JOIN_TYPES = frozenset({"inner", "left", "right", "full"})
_E = TypeVar("_E", bound=StrEnum)
_LEGACY_PAGINATION = {"true": Pagination.OFFSET, "false": Pagination.NONE}


def _enum(state: ReaderState, node: XmlNode, name: str, kind: type[_E], site: Site) -> _E | None:
    value = node.get(name)
    if value is None:
        return None
    try:
        return kind(value.strip())
    except ValueError:
        allowed = ", ".join(str(m) for m in kind)
        state.report("INVALID_VALUE", f'{name}="{value}" is not one of: {allowed}', site.at(node))
        return None


def parse_limit(state: ReaderState, node: XmlNode, site: Site) -> int | None:
    value = node.get("limit")
    if value is None or value.strip().lower() == "all":
        return None
    try:
        limit = int(value.strip())
    except ValueError:
        limit = -1
    if limit <= 0:
        state.report("INVALID_VALUE", f'limit="{value}" must be "all" or a positive integer', site.at(node))
        return None
    return limit


def _pagination(state: ReaderState, node: XmlNode, site: Site) -> tuple[Pagination, bool]:
    value = node.get("pagination")
    if value is None:
        return Pagination.NONE, False
    normalized = value.strip()
    if normalized.lower() in _LEGACY_PAGINATION:
        return _LEGACY_PAGINATION[normalized.lower()], True
    try:
        return Pagination(normalized), True
    except ValueError:
        state.report(
            "INVALID_VALUE",
            f'pagination="{value}" is not offset, page, none (or legacy true/false)',
            site.at(node),
        )
        return Pagination.NONE, True


def _sc_column(state: ReaderState, node: XmlNode, alias: str, site: Site) -> ScColumn | None:
    name = required(state, node, "name", site)
    if name is None:
        return None
    return ScColumn(
        table_alias=alias,
        name=name,
        alias=node.get("alias"),
        returning=parse_bool(state, node, "returning", site, default=True),
        search_type=_enum(state, node, "searchType", SearchType, site),
        sorting=_enum(state, node, "sorting", SortDirection, site),
        fetch_type=_enum(state, node, "fetchType", FetchType, site),
        required=parse_bool(state, node, "required", site),
        type=node.get("type"),
        location=site.at(node),
    )


def _logic_group(
    state: ReaderState, node: XmlNode, alias: str, site: Site, columns: list[ScColumn]
) -> LogicGroup | None:
    kind = _enum(state, node, "type", LogicOperatorType, site)
    refs: list[ColumnRef] = []
    groups: list[LogicGroup] = []
    for child in node.children:
        if child.tag == "ext:column":
            column = _sc_column(state, child, alias, site)
            if column is None:
                continue
            columns.append(column)
            refs.append(ColumnRef(alias, column.name))
            if column.search_type is None:
                state.report(
                    "SC_LOGIC_OPERATOR_INVALID",
                    f"column '{column.name}' inside ext:logicOperator needs a searchType",
                    site.at(child),
                )
        elif child.tag == "ext:logicOperator":
            group = _logic_group(state, child, alias, site, columns)
            if group is not None:
                groups.append(group)
    if len(refs) + len(groups) < 2:
        state.report(
            "SC_LOGIC_OPERATOR_INVALID",
            "ext:logicOperator needs at least two columns or groups",
            site.at(node),
        )
    if kind is None:
        if node.get("type") is None:
            required(state, node, "type", site)
        return None
    return LogicGroup(kind, tuple(refs), tuple(groups))


def _sc_table(state: ReaderState, node: XmlNode, site: Site, logic: list[LogicGroup]) -> ScTable | None:
    name = required(state, node, "name", site)
    if name is None:
        return None
    alias = (node.get("alias") or "").strip() or name
    columns: list[ScColumn] = []
    functions: list[ScFunction] = []
    for child in node.children:
        if child.tag == "ext:column":
            column = _sc_column(state, child, alias, site)
            if column is not None:
                columns.append(column)
        elif child.tag == "ext:function":
            function = _function(state, child, alias, site)
            if function is not None:
                functions.append(function)
        elif child.tag == "ext:logicOperator":
            group = _logic_group(state, child, alias, site, columns)
            if group is not None:
                logic.append(group)
        else:
            _unexpected(state, child, node, site)
    return ScTable(name, alias, tuple(columns), tuple(functions))


def _function(state: ReaderState, node: XmlNode, alias: str, site: Site) -> ScFunction | None:
    name = required(state, node, "name", site)
    column = required(state, node, "columnName", site)
    output = required(state, node, "alias", site)
    if name is None or column is None or output is None:
        return None
    if name not in FUNCTIONS:
        state.report(
            "INVALID_VALUE",
            f'function "{name}" is not one of: {", ".join(sorted(FUNCTIONS))}',
            site.at(node),
        )
    return ScFunction(alias, name, column, output, node.get("parameter"), node.get("window"))


def _condition(state: ReaderState, node: XmlNode, site: Site) -> Condition:
    operator = node.get("operator")
    if operator is not None and operator not in OPERATORS:
        state.report(
            "INVALID_VALUE",
            f'operator "{operator}" is not one of: {", ".join(sorted(OPERATORS))}',
            site.at(node),
        )
    return Condition(
        table_alias=node.get("tableAlias"),
        column_name=node.get("columnName"),
        operator=operator,
        value=node.get("value"),
        logic_operator=_enum(state, node, "logicOperator", LogicOperatorType, site),
        conditions=tuple(_condition(state, c, site) for c in node.find_all("ext:condition")),
    )


def _join(state: ReaderState, node: XmlNode, site: Site) -> Join:
    kind = (node.get("type") or "").strip()
    if kind not in JOIN_TYPES:
        state.report("INVALID_VALUE", f'join type "{kind}" is not inner, left, right or full', site.at(node))
    left = (node.find_all("ext:left") or (XmlNode("ext:left"),))[0]
    right = (node.find_all("ext:right") or (XmlNode("ext:right"),))[0]
    return Join(
        type=kind,
        left_alias=left.get("alias") or "",
        left_columns=tuple(c.get("name") or "" for c in left.find_all("ext:column")),
        right_alias=right.get("alias") or "",
        right_columns=tuple(c.get("name") or "" for c in right.find_all("ext:column")),
        conditions=tuple(_condition(state, c, site) for c in node.find_all("ext:condition")),
    )


def _where(state: ReaderState, node: XmlNode, site: Site) -> tuple[Condition, ...]:
    return tuple(_condition(state, c, site) for c in node.find_all("ext:condition"))


def _unexpected(state: ReaderState, child: XmlNode, parent: XmlNode, site: Site) -> None:
    state.report("UNKNOWN_TAG", f"{child.tag} is not expected inside {parent.tag}; ignored", site.at(child))


class _Body:
    """The shared shape of a search condition and a CTE: tables, joins, where."""

    def __init__(self) -> None:
        self.tables: list[ScTable] = []
        self.joins: list[Join] = []
        self.where: list[Condition] = []
        self.logic: list[LogicGroup] = []
        self.ctes: list[Cte] = []

    def read(self, state: ReaderState, node: XmlNode, site: Site, allow_cte: bool) -> None:
        for child in node.children:
            if child.tag == "ext:table":
                table = _sc_table(state, child, site, self.logic)
                if table is not None:
                    self.tables.append(table)
            elif child.tag == "ext:join":
                self.joins.append(_join(state, child, site))
            elif child.tag == "ext:where":
                self.where.extend(_where(state, child, site))
            elif child.tag == "ext:cte" and allow_cte:
                self.ctes.append(_cte(state, child, site))
            else:
                _unexpected(state, child, node, site)


def _cte(state: ReaderState, node: XmlNode, site: Site) -> Cte:
    body = _Body()
    body.read(state, node, site, allow_cte=False)
    return Cte(
        name=required(state, node, "name", site) or "",
        tables=tuple(body.tables),
        joins=tuple(body.joins),
        where=tuple(body.where),
        limit=parse_limit(state, node, site),
    )


def create_search_condition(state: ReaderState, node: XmlNode, site: Site) -> SearchCondition | None:
    name = required(state, node, "name", site)
    body = _Body()
    body.read(state, node, site, allow_cte=True)
    pagination, declared = _pagination(state, node, site)
    if name is None:
        return None
    sc = SearchCondition(
        name=name,
        tables=tuple(body.tables),
        joins=tuple(body.joins),
        where=tuple(body.where),
        ctes=tuple(body.ctes),
        logic=tuple(body.logic),
        limit=parse_limit(state, node, site),
        pagination=pagination,
        pagination_declared=declared,
        indexing=parse_bool(state, node, "indexing", site),
        read_mode=node.get("readMode"),
        location=site.at(node),
    )
    return _register(state, sc, node, site)


def create_simple_search_condition(state: ReaderState, node: XmlNode, site: Site) -> SearchCondition | None:
    name = required(state, node, "name", site)
    tables = node.find_all("ext:table")
    if name is None:
        return None
    sc_tables: list[ScTable] = []
    for table_node in tables[:1]:
        table_name = required(state, table_node, "name", site)
        if table_name is None:
            continue
        alias = (table_node.get("alias") or "").strip() or table_name
        search_column = table_node.get("searchColumn")
        search_type = _enum(state, table_node, "searchType", SearchType, site)
        # The reference view is ``SELECT *``: every column of the table is returned.
        known = state.tables.get(table_name)
        names = list(known.columns) if known is not None else []
        if search_column and search_column not in names:
            names.append(search_column)
        columns = tuple(
            ScColumn(
                table_alias=alias,
                name=column,
                search_type=search_type if column == search_column else None,
                type=table_node.get("type") if column == search_column else None,
                location=site.at(table_node),
            )
            for column in names
        )
        sc_tables.append(ScTable(table_name, alias, columns))
    for extra in tables[1:]:
        state.report(
            "INVALID_VALUE", "ext:createSimpleSearchCondition takes exactly one ext:table", site.at(extra)
        )
    sc = SearchCondition(
        name=name,
        tables=tuple(sc_tables),
        simple=True,
        limit=parse_limit(state, node, site),
        indexing=parse_bool(state, node, "indexing", site),
        read_mode=node.get("readMode"),
        location=site.at(node),
    )
    return _register(state, sc, node, site)


def _register(state: ReaderState, sc: SearchCondition, node: XmlNode, site: Site) -> SearchCondition:
    where = site.at(node)
    if not sc.tables:
        state.report("SC_EMPTY", f"search condition '{sc.name}' declares no ext:table", where)
    if sc.name in state.ever_created_scs:
        first = state.ever_created_scs[sc.name]
        still = sc.name in state.search_conditions
        state.report(
            "SC_REDEFINED",
            f"search condition '{sc.name}' was already created at {first}"
            + (" and is replaced" if still else " and dropped; it is created again")
            + "; its exposure starts afresh",
            where,
        )
    check_references(state, sc, site)
    state.ever_created_scs.setdefault(sc.name, where)
    state.search_conditions[sc.name] = sc
    state.exposures.pop(sc.name, None)
    return sc


def check_references(state: ReaderState, sc: SearchCondition, site: Site) -> None:
    """Tables, columns and aliases a search condition names must exist (CTEs count as tables)."""
    cte_columns: dict[str, set[str]] = {}
    for cte in sc.ctes:
        _check_body(state, cte.name, cte.tables, cte.joins, cte.where, cte_columns, sc, site)
        cte_columns[cte.name] = {c.output_name for t in cte.tables for c in t.columns if c.returning}
        cte_columns[cte.name] |= {f.alias for t in cte.tables for f in t.functions}
    _check_body(state, sc.name, sc.tables, sc.joins, sc.where, cte_columns, sc, site)


def _check_body(
    state: ReaderState,
    owner: str,
    tables: tuple[ScTable, ...],
    joins: tuple[Join, ...],
    where: tuple[Condition, ...],
    cte_columns: dict[str, set[str]],
    sc: SearchCondition,
    site: Site,
) -> None:
    location = sc.location or site.at(XmlNode("?"))
    context = f"search condition '{owner}'"
    columns_by_alias: dict[str, set[str] | None] = {}
    code_by_alias: dict[str, str] = {}  # UNKNOWN_COLUMN, or its warning once raw SQL touched the table
    for table in tables:
        code = "UNKNOWN_COLUMN"
        if table.name in cte_columns:
            columns_by_alias[table.alias] = cte_columns[table.name]
            known: set[str] | None = cte_columns[table.name]
        else:
            state_table = state.known_table(table.name, location, context)
            known = None
            if state_table is not None:
                known = set(state_table.columns) | (
                    set(MAIN_TABLE_SERVICE_COLUMN_NAMES) if state_table.history else set()
                )
                code = unknown_column_code(state_table)
            columns_by_alias[table.alias] = known
        code_by_alias[table.alias] = code
        if known is None:
            continue
        used = [c.name for c in table.columns] + [f.column_name for f in table.functions]
        for column in used:
            if column not in known:
                state.report(
                    code,
                    f"{context} names column '{column}', which '{table.name}' does not have",
                    next((c.location for c in table.columns if c.name == column and c.location), location),
                )

    def check_alias(alias: str | None, column: str | None, what: str) -> None:
        if alias is None:
            return
        if alias not in columns_by_alias:
            state.report(
                "SC_UNKNOWN_ALIAS",
                f"{context}: {what} names table alias '{alias}', which it does not declare",
                location,
            )
            return
        known_columns = columns_by_alias[alias]
        if column and known_columns is not None and column not in known_columns:
            state.report(
                code_by_alias.get(alias, "UNKNOWN_COLUMN"),
                f"{context}: {what} names column '{alias}.{column}', which does not exist",
                location,
            )

    def check_conditions(conditions: tuple[Condition, ...], what: str) -> None:
        for condition in conditions:
            check_alias(condition.table_alias, condition.column_name, what)
            check_conditions(condition.conditions, what)

    for join in joins:
        for column in join.left_columns:
            check_alias(join.left_alias, column, "a join")
        for column in join.right_columns:
            check_alias(join.right_alias, column, "a join")
        check_conditions(join.conditions, "a join condition")
    check_conditions(where, "a where condition")


def drop_search_condition(state: ReaderState, node: XmlNode, site: Site) -> None:
    name = required(state, node, "name", site)
    if name is None:
        return
    if state.search_conditions.pop(name, None) is None:
        state.report(
            "UNKNOWN_SEARCH_CONDITION",
            f"ext:dropSearchCondition names search condition '{name}', which does not exist",
            site.at(node),
        )
        return
    state.exposures.pop(name, None)
    state.report(
        "SC_DROPPED",
        f"search condition '{name}' is dropped; forms and processes that call it will fail",
        site.at(node),
    )


def expose_search_condition(state: ReaderState, node: XmlNode, site: Site) -> Exposure | None:
    where = site.at(node)
    name = required(state, node, "name", site)
    if node.get("public") is not None:
        state.report(
            "EXPOSE_PUBLIC_ATTRIBUTE",
            f'exposeSearchCondition public="{node.get("public")}" is not an attribute '
            '(an early design spelling); write publicAccess="true"',
            where,
        )
    if name is None:
        return None
    if name not in state.search_conditions:
        state.report(
            "UNKNOWN_SEARCH_CONDITION",
            f"exposeSearchCondition names search condition '{name}', which does not exist at this point",
            where,
        )
        return None
    legacy = node.get("consumer") is not None
    if legacy:
        state.report(
            "LEGACY_CONSUMER_ATTRIBUTE",
            f'exposeSearchCondition consumer="{node.get("consumer")}" is a legacy form; '
            'read as externalSystem="true"',
            where,
        )
    previous = state.exposures.get(name) or Exposure(name)
    public_value = node.get("publicAccess")
    public = previous.public_access
    if public_value is not None:
        public = parse_bool(state, node, "publicAccess", site)  # "false" revokes
    exposure = Exposure(
        search_condition=name,
        platform=previous.platform or parse_bool(state, node, "platform", site),
        external_system=previous.external_system or legacy or parse_bool(state, node, "externalSystem", site),
        trembita=previous.trembita or parse_bool(state, node, "trembita", site),
        public_access=public,
        location=where,
    )
    granted = {
        "platform",
        "externalSystem",
        "trembita",
        "consumer",
    } & {key for key, value in node.attributes if value.strip().lower() == "true" or key == "consumer"}
    if not granted and public_value is None:
        state.report("EXPOSE_NOTHING", f"exposeSearchCondition '{name}' grants no consumer", where)
    state.exposures[name] = exposure
    return exposure
