"""Checks on the final state of the regulation (after every changeset was applied)."""

from __future__ import annotations

from codegen.reader.state import ReaderState, TableState
from schemas.regulation import Location


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
