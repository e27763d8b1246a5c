"""Checks on the final state of the regulation (after every changeset was applied)."""

from __future__ import annotations

from codegen.reader.state import ReaderState, TableState
from schemas.naming import to_camel
from schemas.regulation import CompositeEntity, FetchType, Location


def check_final_tables(state: ReaderState) -> None:
    for table in state.tables.values():
        where = table.location or Location("?", 0)
        if not table.primary_key:
            state.report("TABLE_WITHOUT_PRIMARY_KEY", f"table '{table.name}' has no primary key", where)
        _check_file_keys(state, table)


def _check_file_keys(state: ReaderState, table: TableState) -> None:
    file_columns = {name for name, column in table.columns.items() if column.is_file}
    if not file_columns:
        return
    if len(table.primary_key) > 1:  # the file routes name one entity id: /files/<t>/<id>/<field>/<file>
        state.report(
            "FILE_COLUMNS_NEED_SINGLE_KEY",
            f"table '{table.name}' has file columns ({', '.join(sorted(file_columns))}) and a primary key of "
            f"{len(table.primary_key)} columns; the service reads files by one entity id",
            table.location or Location("?", 0),
        )
    used: list[tuple[str, str]] = [(c, "the primary key") for c in table.primary_key]
    used += [(c, "a unique constraint") for u in table.unique_constraints for c in u.columns]
    used += [(c, "a foreign key") for f in table.foreign_keys for c in f.columns]
    used += [(name, "a unique constraint") for name, c in table.columns.items() if c.unique]
    for other in state.tables.values():
        for fk in other.foreign_keys:
            if fk.referenced_table == table.name:
                used += [(c, f"the foreign key of table '{other.name}'") for c in fk.referenced_columns]
    for column, role in used:
        if column in file_columns:
            location = table.columns[column].location or table.location or Location("?", 0)
            state.report(
                "FILE_COLUMN_AS_KEY",
                f"file column '{table.name}.{column}' is used in {role}; files cannot be keys",
                location,
            )


def check_read_parameters(state: ReaderState) -> None:
    """``fetchType="entity"`` needs a column that refers to rows: a single-column foreign key or the
    key array of an ``ext:createMany2Many`` (the reference refuses the changeSet otherwise)."""
    for parameters in state.read_parameters.values():
        table = state.tables.get(parameters.table)
        if table is None:
            continue
        link = state.many2many.get(table.name)
        for parameter in parameters.columns:
            if parameter.fetch_type is not FetchType.ENTITY or parameter.column not in table.columns:
                continue
            if link is not None and link.reference_keys_array == parameter.column:
                continue
            if any(fk.columns == (parameter.column,) for fk in table.foreign_keys):
                continue
            state.report(
                "READ_PARAMETER_NOT_A_REFERENCE",
                f'ext:tableReadParameters: {table.name}.{parameter.column} has fetchType="entity" but is '
                "neither a foreign key nor the key array of an ext:createMany2Many; there is no row to nest",
                parameters.location or Location("?", 0),
            )


def check_composites(state: ReaderState) -> None:
    """A composite entity is written as a tree: one root, each link a foreign key of the parent's table
    to the linked entity's table, each nested property named once, every table keyed by one column."""
    for composite in state.composite_entities.values():
        where = composite.location or Location("?", 0)
        names = {e.name for e in composite.entities}
        if any(link.entity not in names for e in composite.entities for link in e.links):
            continue  # COMPOSITE_UNKNOWN_ENTITY said so already
        try:
            tree = composite.tree()
        except ValueError as error:
            state.report("COMPOSITE_STRUCTURE", f"composite entity '{composite.name}': {error}", where)
            continue
        for node in tree.walk():
            _check_node(state, composite, node.entity.table, [c.entity.table for c in node.children], where)
            table = state.tables.get(node.entity.table)
            for child in node.children:
                if table is None or child.link_column is None:
                    continue
                if not any(
                    fk.columns == (child.link_column,) and fk.referenced_table == child.entity.table
                    for fk in table.foreign_keys
                ):
                    column = f"{table.name}.{child.link_column}"
                    state.report(
                        "COMPOSITE_LINK_NOT_A_REFERENCE",
                        f"composite entity '{composite.name}': {column} is no foreign key to "
                        f"{child.entity.table}, so entity '{child.entity.name}' cannot be linked by it",
                        where,
                    )


def _check_node(
    state: ReaderState, composite: CompositeEntity, table_name: str, children: list[str], where: Location
) -> None:
    table = state.tables.get(table_name)
    if table is None:
        return  # UNKNOWN_TABLE said so
    if len(table.primary_key) != 1:
        state.report(
            "COMPOSITE_STRUCTURE",
            f"composite entity '{composite.name}': table '{table_name}' needs a single-column primary key",
            where,
        )
    properties = [to_camel(c) for c in table.columns] + [to_camel(t) for t in children]
    for name in sorted({p for p in properties if properties.count(p) > 1}):
        state.report(
            "COMPOSITE_DUPLICATE_PROPERTY",
            f"composite entity '{composite.name}': the body of '{table_name}' would have two properties "
            f"'{name}' (a nested entity is the property named after its table)",
            where,
        )
