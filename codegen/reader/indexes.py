"""``SEARCH_NOT_INDEXED``: a search parameter that no index can serve reads the whole table on every
search, which is fine for a dictionary of a hundred rows and minutes of CPU for a register of millions.

An index serves a parameter when its kind fits the search type (``schemas.search_indexes``): for
``equal``/``in``/``between`` a btree whose first column is the parameter's (the primary key, a unique
constraint, a ``createIndex``, or one ``indexing="true"`` makes); for ``contains``/``startsWith``/
``startsWithArray`` only the trigram index ``indexing="true"`` makes (on a column whose text form can
be indexed). ``notEqual``/``notIn`` and enum columns are never reported: no index would help them.
"""

from __future__ import annotations

from collections import defaultdict

from codegen.reader.codes import severity_of
from schemas.regulation import Diagnostic, Location, Regulation, SearchCondition, Table
from schemas.search_indexes import IndexKind, index_kind, trigram_operand

CODE = "SEARCH_NOT_INDEXED"
Indexed = dict[tuple[str, str], set[IndexKind]]  # (table, column) → kinds of index that lead with it


def index_diagnostics(regulation: Regulation) -> list[Diagnostic]:
    tables = {table.name: table for table in regulation.tables}
    enums = {enum.name.lower() for enum in regulation.enums}
    indexed = _indexes(regulation, tables)
    found: list[Diagnostic] = []
    for sc in regulation.search_conditions:
        ctes = {cte.name for cte in sc.ctes}
        for sc_table in sc.tables:
            table = tables.get(sc_table.name)
            if table is None or sc_table.name in ctes:
                continue  # a CTE or a view: its indexes are its sources' business
            for column in sc_table.columns:
                if column.search_type is None:
                    continue
                kind = index_kind(column.search_type)
                declared = table.column(column.name)
                column_type = column.type or (declared.type if declared is not None else None)
                if kind is None or (column_type or "").strip().lower() in enums:
                    continue
                if kind in indexed.get((table.name, column.name), set()):
                    continue
                found.append(
                    _diagnostic(sc, table.name, column.name, column.search_type.value, kind, column_type)
                )
    return found


def _diagnostic(
    sc: SearchCondition, table: str, column: str, search_type: str, kind: IndexKind, column_type: str | None
) -> Diagnostic:
    if kind is IndexKind.TRIGRAM and trigram_operand(column_type) is None:
        remedy = (
            f"and none can: the text form of a {column_type or 'column of unknown type'} cannot be "
            "indexed; search it with equal or between instead"
        )
    elif kind is IndexKind.TRIGRAM:
        remedy = 'set indexing="true" on a search condition with this search type to create a trigram index'
    else:
        remedy = 'set indexing="true" on the search condition (or createIndex on the column)'
    message = (
        f"search condition '{sc.name}' searches '{table}.{column}' with {search_type}, which no index "
        f"serves: every search reads the whole table; {remedy}"
    )
    return Diagnostic(CODE, severity_of(CODE), message, sc.location or Location("?", 0))


def _indexes(regulation: Regulation, tables: dict[str, Table]) -> Indexed:
    indexed: Indexed = defaultdict(set)
    for table in tables.values():
        if table.primary_key:
            indexed[(table.name, table.primary_key[0])].add(IndexKind.BTREE)
        for unique in table.unique_constraints:
            if unique.columns:
                indexed[(table.name, unique.columns[0])].add(IndexKind.BTREE)
        for column in table.columns:
            if column.unique or column.primary_key:
                indexed[(table.name, column.name)].add(IndexKind.BTREE)
    explicit: dict[str, tuple[str, str]] = {}  # createIndex name → (table, first column), in order
    for changeset in regulation.changesets:
        for change in changeset.changes:
            tag, node = change.tag.rsplit(":", 1)[-1], change.node
            if tag == "dropIndex":
                explicit.pop(node.get("indexName") or "", None)
                continue
            if tag != "createIndex":
                continue
            first = next((c.get("name") for c in node.children if c.tag.endswith("column")), None)
            if first and node.get("tableName"):
                explicit[node.get("indexName") or f"#{len(explicit)}"] = (node.get("tableName") or "", first)
    for key in explicit.values():
        indexed[key].add(IndexKind.BTREE)
    for sc in regulation.search_conditions:
        if not sc.indexing:
            continue
        for sc_table in sc.tables:
            source = tables.get(sc_table.name)
            for searched in sc_table.columns:
                kind = index_kind(searched.search_type) if searched.search_type is not None else None
                declared = source.column(searched.name) if source is not None else None
                column_type = searched.type or (declared.type if declared is not None else None)
                if kind is IndexKind.BTREE or (kind is IndexKind.TRIGRAM and trigram_operand(column_type)):
                    indexed[(sc_table.name, searched.name)].add(kind)
    return indexed
