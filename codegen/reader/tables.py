"""Table-shaping changes: createTable, addColumn, drops, renames, constraints, defaults."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from codegen.reader.common import (
    Site,
    check_fk_name,
    check_name,
    parse_bool,
    required,
    split_names,
)
from codegen.reader.state import ReaderState, TableState
from schemas.regulation import Column, ForeignKey, Table, UniqueConstraint, XmlNode

_DEFAULT_ATTRIBUTES = (
    "defaultValue",
    "defaultValueNumeric",
    "defaultValueBoolean",
    "defaultValueDate",
)
_REFERENCES = re.compile(r"^\s*([\w.]+)\s*\(([^)]*)\)\s*$")

TableHandler = Callable[[ReaderState, XmlNode, Site], Table | None]


def _default_of(node: XmlNode) -> str | None:
    for name in _DEFAULT_ATTRIBUTES:
        value = node.get(name)
        if value is not None:
            return value
    return None


def _column_nodes(node: XmlNode) -> tuple[XmlNode, ...]:
    return tuple(c for c in node.children if c.tag in ("column", "ext:column"))


def _add_column(state: ReaderState, table: TableState, node: XmlNode, site: Site) -> None:
    name = required(state, node, "name", site)
    if name is None:
        return
    where = site.at(node)
    check_name(state, name, "column", where)
    if name in table.columns:
        state.report("COLUMN_ALREADY_EXISTS", f"table '{table.name}' already has a column '{name}'", where)
    column = Column(
        name=name,
        type=(node.get("type") or "").strip(),
        default_value=_default_of(node),
        default_computed=node.get("defaultValueComputed"),
        remarks=node.get("remarks"),
        auto_generate=node.get("ext:autoGenerate"),
        location=where,
    )
    if not column.type:
        state.report("MISSING_ATTRIBUTE", f"column '{name}' needs the attribute type", where)
    for constraints in node.find_all("constraints") + node.find_all("ext:constraints"):
        column = _apply_constraints(state, table, column, constraints, site)
    table.columns[name] = column


def _apply_constraints(
    state: ReaderState, table: TableState, column: Column, node: XmlNode, site: Site
) -> Column:
    where = site.at(node)
    nullable = parse_bool(state, node, "nullable", site, default=column.nullable)
    if parse_bool(state, node, "primaryKey", site):
        if column.name not in table.primary_key:
            table.primary_key = (*table.primary_key, column.name)
        table.primary_key_name = node.get("primaryKeyName") or table.primary_key_name
        nullable = False
    unique = parse_bool(state, node, "unique", site, default=column.unique)
    if unique and node.get("uniqueConstraintName"):
        table.unique_constraints.append(
            UniqueConstraint(node.get("uniqueConstraintName"), (column.name,), where)
        )
    referenced_table = node.get("referencedTableName")
    referenced_columns = split_names(node.get("referencedColumnNames"))
    references = node.get("references")
    if references and not referenced_table:
        match = _REFERENCES.match(references)
        if match:
            referenced_table, referenced_columns = match.group(1), split_names(match.group(2))
        else:
            state.report(
                "INVALID_VALUE",
                f'references="{references}" is not of the form table(column)',
                where,
            )
    fk_name = node.get("foreignKeyName")
    check_fk_name(state, fk_name, where)
    if referenced_table:
        cascade = parse_bool(state, node, "deleteCascade", site)
        table.foreign_keys.append(
            ForeignKey(
                name=fk_name,
                columns=(column.name,),
                referenced_table=referenced_table,
                referenced_columns=referenced_columns,
                on_delete="CASCADE" if cascade else None,
                location=where,
            )
        )
    return replace(column, nullable=nullable, unique=unique, primary_key=column.primary_key)


def create_table(state: ReaderState, node: XmlNode, site: Site) -> Table | None:
    name = required(state, node, "tableName", site)
    if name is None:
        return None
    where = site.at(node)
    check_name(state, name, "table", where)
    if name in state.tables:
        state.report("TABLE_ALREADY_EXISTS", f"table '{name}' already exists", where)
    history = parse_bool(state, node, "ext:historyFlag", site)
    if not history:
        state.report(
            "HISTORY_FLAG_MISSING",
            f"table '{name}': the reference platform requires ext:historyFlag=\"true\" on createTable",
            where,
        )
    table = TableState(
        name=name,
        remarks=node.get("remarks"),
        history=history,
        read_mode=node.get("ext:readMode"),
        bulk_load=parse_bool(state, node, "ext:bulkLoad", site),
        location=where,
    )
    for column in _column_nodes(node):
        _add_column(state, table, column, site)
    state.tables[name] = table
    return table.freeze()


def _table(state: ReaderState, node: XmlNode, site: Site, attribute: str = "tableName") -> TableState | None:
    name = required(state, node, attribute, site)
    if name is None:
        return None
    return state.known_table(name, site.at(node), node.tag)


def _column(
    state: ReaderState, table: TableState, name: str | None, node: XmlNode, site: Site
) -> Column | None:
    if name is None:
        return None
    column = table.columns.get(name)
    if column is None:
        state.check_columns(table, [name], site.at(node), node.tag)
    return column


def add_column(state: ReaderState, node: XmlNode, site: Site) -> None:
    table = _table(state, node, site)
    if table is not None:
        for column in _column_nodes(node):
            _add_column(state, table, column, site)


def drop_column(state: ReaderState, node: XmlNode, site: Site) -> None:
    table = _table(state, node, site)
    if table is None:
        return
    names = [node.get("columnName")] if node.get("columnName") else []
    names += [c.get("name") for c in _column_nodes(node)]
    if not any(names):
        required(state, node, "columnName", site)
    for name in filter(None, names):
        if _column(state, table, name, node, site) is not None:
            del table.columns[name]
            table.primary_key = tuple(c for c in table.primary_key if c != name)
            table.unique_constraints = [u for u in table.unique_constraints if name not in u.columns]
            table.foreign_keys = [f for f in table.foreign_keys if name not in f.columns]


def rename_column(state: ReaderState, node: XmlNode, site: Site) -> None:
    table = _table(state, node, site)
    if table is None:
        return
    old = required(state, node, "oldColumnName", site)
    new = required(state, node, "newColumnName", site)
    column = _column(state, table, old, node, site)
    if column is None or new is None or old is None:
        return
    check_name(state, new, "column", site.at(node))
    table.columns = {
        (new if key == old else key): (replace(value, name=new) if key == old else value)
        for key, value in table.columns.items()
    }

    def rename(columns: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(new if c == old else c for c in columns)

    table.primary_key = rename(table.primary_key)
    table.unique_constraints = [replace(u, columns=rename(u.columns)) for u in table.unique_constraints]
    table.foreign_keys = [replace(f, columns=rename(f.columns)) for f in table.foreign_keys]
    for other in state.tables.values():
        other.foreign_keys = [
            replace(f, referenced_columns=rename(f.referenced_columns))
            if f.referenced_table == table.name
            else f
            for f in other.foreign_keys
        ]


def rename_table(state: ReaderState, node: XmlNode, site: Site) -> None:
    table = _table(state, node, site, "oldTableName")
    new = required(state, node, "newTableName", site)
    if table is None or new is None:
        return
    where = site.at(node)
    check_name(state, new, "table", where)
    if new in state.tables:
        state.report("TABLE_ALREADY_EXISTS", f"table '{new}' already exists", where)
    old = table.name
    table.name = new
    state.tables = {(new if k == old else k): v for k, v in state.tables.items()}
    for other in state.tables.values():
        other.foreign_keys = [
            replace(f, referenced_table=new) if f.referenced_table == old else f for f in other.foreign_keys
        ]
    # PostgreSQL views follow a renamed table, so search conditions do too.
    for sc_name, sc in list(state.search_conditions.items()):
        if any(t.name == old for t in sc.tables):
            tables = tuple(replace(t, name=new) if t.name == old else t for t in sc.tables)
            state.search_conditions[sc_name] = replace(sc, tables=tables)


def drop_table(state: ReaderState, node: XmlNode, site: Site) -> None:
    table = _table(state, node, site)
    if table is None:
        return
    del state.tables[table.name]
    for other in state.tables.values():
        other.foreign_keys = [f for f in other.foreign_keys if f.referenced_table != table.name]


def modify_data_type(state: ReaderState, node: XmlNode, site: Site) -> None:
    table = _table(state, node, site)
    if table is None:
        return
    name = required(state, node, "columnName", site)
    new_type = required(state, node, "newDataType", site)
    column = _column(state, table, name, node, site)
    if column is not None and new_type is not None:
        table.columns[column.name] = replace(column, type=new_type)


def _set_nullable(nullable: bool) -> Callable[[ReaderState, XmlNode, Site], None]:
    def handler(state: ReaderState, node: XmlNode, site: Site) -> None:
        table = _table(state, node, site)
        if table is None:
            return
        column = _column(state, table, required(state, node, "columnName", site), node, site)
        if column is not None:
            table.columns[column.name] = replace(column, nullable=nullable)

    return handler


add_not_null = _set_nullable(False)
drop_not_null = _set_nullable(True)


def add_unique(state: ReaderState, node: XmlNode, site: Site) -> None:
    table = _table(state, node, site)
    if table is None:
        return
    columns = split_names(required(state, node, "columnNames", site))
    state.check_columns(table, columns, site.at(node), node.tag)
    if columns:
        table.unique_constraints.append(UniqueConstraint(node.get("constraintName"), columns, site.at(node)))


def drop_unique(state: ReaderState, node: XmlNode, site: Site) -> None:
    table = _table(state, node, site)
    name = required(state, node, "constraintName", site)
    if table is not None and name is not None:
        table.unique_constraints = [u for u in table.unique_constraints if u.name != name]


def add_primary_key(state: ReaderState, node: XmlNode, site: Site) -> None:
    table = _table(state, node, site)
    if table is None:
        return
    columns = split_names(required(state, node, "columnNames", site))
    state.check_columns(table, columns, site.at(node), node.tag)
    table.primary_key = columns
    table.primary_key_name = node.get("constraintName")


def drop_primary_key(state: ReaderState, node: XmlNode, site: Site) -> None:
    table = _table(state, node, site)
    if table is not None:
        table.primary_key = ()
        table.primary_key_name = None


def add_foreign_key(state: ReaderState, node: XmlNode, site: Site) -> None:
    table = _table(state, node, site, "baseTableName")
    where = site.at(node)
    name = node.get("constraintName")
    check_fk_name(state, name, where)
    columns = split_names(required(state, node, "baseColumnNames", site))
    referenced = required(state, node, "referencedTableName", site)
    referenced_columns = split_names(required(state, node, "referencedColumnNames", site))
    if table is None or referenced is None:
        return
    state.check_columns(table, columns, where, node.tag)
    target = state.known_table(referenced, where, node.tag)
    if target is not None:
        state.check_columns(target, referenced_columns, where, node.tag)
    on_delete = node.get("onDelete")
    if parse_bool(state, node, "deleteCascade", site):
        on_delete = "CASCADE"
    table.foreign_keys.append(ForeignKey(name, columns, referenced, referenced_columns, on_delete, where))


def drop_foreign_key(state: ReaderState, node: XmlNode, site: Site) -> None:
    table = _table(state, node, site, "baseTableName")
    name = required(state, node, "constraintName", site)
    if table is not None and name is not None:
        table.foreign_keys = [f for f in table.foreign_keys if f.name != name]


def drop_all_foreign_keys(state: ReaderState, node: XmlNode, site: Site) -> None:
    table = _table(state, node, site, "baseTableName")
    if table is not None:
        table.foreign_keys = []


def add_default(state: ReaderState, node: XmlNode, site: Site) -> None:
    table = _table(state, node, site)
    if table is None:
        return
    column = _column(state, table, required(state, node, "columnName", site), node, site)
    if column is not None:
        table.columns[column.name] = replace(
            column,
            default_value=_default_of(node),
            default_computed=node.get("defaultValueComputed"),
        )


def drop_default(state: ReaderState, node: XmlNode, site: Site) -> None:
    table = _table(state, node, site)
    if table is None:
        return
    column = _column(state, table, required(state, node, "columnName", site), node, site)
    if column is not None:
        table.columns[column.name] = replace(column, default_value=None, default_computed=None)


def set_column_remarks(state: ReaderState, node: XmlNode, site: Site) -> None:
    table = _table(state, node, site)
    if table is None:
        return
    column = _column(state, table, required(state, node, "columnName", site), node, site)
    if column is not None:
        table.columns[column.name] = replace(column, remarks=node.get("remarks"))


def set_table_remarks(state: ReaderState, node: XmlNode, site: Site) -> None:
    table = _table(state, node, site)
    if table is not None:
        table.remarks = node.get("remarks")


def alter_table_api(state: ReaderState, node: XmlNode, site: Site) -> None:
    table = _table(state, node, site, "table")
    if table is None:
        return
    for attribute in node.find_all("ext:attribute"):
        name, value = attribute.get("name"), (attribute.get("value") or "").strip()
        if name == "readMode":
            if value not in ("sync", "async"):
                state.report("INVALID_VALUE", f'readMode "{value}" is not sync or async', site.at(attribute))
            table.read_mode = value
        elif name == "bulkLoad":
            table.bulk_load = parse_bool(state, attribute, "value", site)
        else:
            state.report(
                "INVALID_VALUE",
                f"ext:alterTableApi attribute '{name}' is not readMode or bulkLoad",
                site.at(attribute),
            )


def _void(handler: Callable[[ReaderState, XmlNode, Site], None]) -> TableHandler:
    def wrapped(state: ReaderState, node: XmlNode, site: Site) -> Table | None:
        handler(state, node, site)
        return None

    return wrapped


TABLE_HANDLERS: dict[str, TableHandler] = {
    "createTable": create_table,
    "ext:createTable": create_table,
    **{
        tag: _void(handler)
        for tags, handler in (
            (("addColumn", "ext:addColumn"), add_column),
            (("dropColumn",), drop_column),
            (("renameColumn",), rename_column),
            (("renameTable",), rename_table),
            (("dropTable",), drop_table),
            (("modifyDataType",), modify_data_type),
            (("addNotNullConstraint",), add_not_null),
            (("dropNotNullConstraint",), drop_not_null),
            (("addUniqueConstraint",), add_unique),
            (("dropUniqueConstraint",), drop_unique),
            (("addPrimaryKey",), add_primary_key),
            (("dropPrimaryKey",), drop_primary_key),
            (("addForeignKeyConstraint",), add_foreign_key),
            (("dropForeignKeyConstraint",), drop_foreign_key),
            (("dropAllForeignKeyConstraints",), drop_all_foreign_keys),
            (("addDefaultValue",), add_default),
            (("dropDefaultValue",), drop_default),
            (("setColumnRemarks",), set_column_remarks),
            (("setTableRemarks",), set_table_remarks),
            (("ext:alterTableApi",), alter_table_api),
        )
        for tag in tags
    },
}
