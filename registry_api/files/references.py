"""Which rows of the database name which files, read from the database itself (every ``type_file`` and
``type_file[]`` column of every table, whatever regulation made it), for ``files prune``: a file is
collected only when no row names it any more, and a binding whose row no longer holds its file is stale.

History tables (those with the ``ddm_dml_op`` column, ``<table>_hst``) are told apart from live ones:
whether their rows keep a file is the ``files.history_keeps_files`` setting (docs/files.md "Prune").
Identifiers come from the catalog and are quoted; values are bound parameters.
"""

# ruff: noqa: S608 -- SQL text built from catalog identifiers (quoted), values bound

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection
from sqlalchemy.types import Text

from schemas.platform import FILE_BINDINGS_TABLE

_FILE_COLUMNS = text(
    """
    SELECT c.table_name, c.column_name, c.udt_name = '_type_file' AS is_array,
           EXISTS (SELECT 1 FROM information_schema.columns h
                   WHERE h.table_schema = c.table_schema AND h.table_name = c.table_name
                     AND h.column_name = 'ddm_dml_op') AS is_history
    FROM information_schema.columns c
    JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
    WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
      AND c.udt_name IN ('type_file', '_type_file')
    ORDER BY c.table_name, c.column_name
    """
)
_PRIMARY_KEY = text(
    """
    SELECT a.attname FROM pg_index i
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
    WHERE i.indrelid = to_regclass(:table) AND i.indisprimary
    """
)


@dataclass(frozen=True, slots=True)
class FileColumn:
    table: str
    column: str
    is_array: bool
    is_history: bool

    def ids_expression(self, alias: str) -> tuple[str, str]:
        """(FROM extra, expression) giving the file ids this column holds, lowercased."""
        column = f"{alias}.{_quoted(self.column)}"
        if self.is_array:
            return f", unnest({column}) AS held", "lower(held.id)"
        return "", f"lower(({column}).id)"


def file_columns(connection: Connection) -> list[FileColumn]:
    return [FileColumn(*row) for row in connection.execute(_FILE_COLUMNS)]


def named_files(
    connection: Connection, file_ids: Collection[str], columns: Collection[FileColumn]
) -> set[str]:
    """Those of ``file_ids`` (canonical, lowercase) that a row of one of ``columns`` names."""
    wanted = sorted(set(file_ids))
    found: set[str] = set()
    for column in columns:
        if not wanted:
            break
        extra, ids = column.ids_expression("r")
        statement = text(
            f"SELECT DISTINCT {ids} FROM {_quoted(column.table)} AS r{extra} WHERE {ids} = ANY (:ids)"
        ).bindparams(bindparam("ids", type_=ARRAY(Text())))
        found.update(str(value) for (value,) in connection.execute(statement, {"ids": wanted}))
    return found


@dataclass(frozen=True, slots=True)
class StaleBinding:
    file_id: str
    entity: str
    entity_id: str
    field: str
    bound_at: datetime


def stale_bindings(connection: Connection, cutoff: datetime) -> Iterator[StaleBinding]:
    """Bindings (older than ``cutoff``) whose row does not hold the file any more: the row was deleted
    or changed by other means than the service (SQL, a restore), or before bindings were kept."""
    columns = _live_columns(connection)
    places = connection.execute(
        text(f"SELECT DISTINCT entity, field FROM {_BINDINGS} ORDER BY entity, field")
    ).all()
    for entity, field in places:
        statement = text(
            f"SELECT b.file_id::text, b.entity_id, b.bound_at FROM {_BINDINGS} AS b "
            f"WHERE b.entity = :entity AND b.field = :field AND b.bound_at < :cutoff "
            f"AND NOT {_holds(connection, columns, entity, field)} "
            "ORDER BY b.bound_at, b.entity_id, b.file_id"
        )
        for file_id, entity_id, bound_at in connection.execute(
            statement, {"entity": entity, "field": field, "cutoff": cutoff}
        ):
            yield StaleBinding(file_id, entity, entity_id, field, bound_at)


def drop_if_stale(connection: Connection, binding: StaleBinding) -> bool:
    """Drop ``binding`` if its row still does not hold the file (a write may have put it back since it
    was found); the check and the delete are one statement."""
    holds = _holds(connection, _live_columns(connection), binding.entity, binding.field)
    statement = text(
        f"DELETE FROM {_BINDINGS} AS b WHERE b.entity = :entity AND b.field = :field "
        f"AND b.entity_id = :entity_id AND b.file_id = CAST(:file_id AS uuid) AND NOT {holds} "
        "RETURNING b.file_id"
    )
    values = {
        "entity": binding.entity,
        "field": binding.field,
        "entity_id": binding.entity_id,
        "file_id": binding.file_id,
    }
    return connection.execute(statement, values).first() is not None


_BINDINGS = '"' + FILE_BINDINGS_TABLE + '"'


def _live_columns(connection: Connection) -> dict[tuple[str, str], FileColumn]:
    return {(c.table, c.column): c for c in file_columns(connection) if not c.is_history}


def _holds(
    connection: Connection, columns: dict[tuple[str, str], FileColumn], entity: str, field: str
) -> str:
    """SQL true when the row of binding ``b`` holds its file in ``entity.field``."""
    column = columns.get((entity, field))
    key = _single_key(connection, entity) if column is not None else None
    if column is None or key is None:
        return "FALSE"  # no such table, column or single-column key: nothing can hold the file
    extra, ids = column.ids_expression("r")
    return (
        f"EXISTS (SELECT 1 FROM {_quoted(entity)} AS r{extra} "
        f"WHERE r.{_quoted(key)}::text = b.entity_id AND {ids} = b.file_id::text)"
    )


def _single_key(connection: Connection, table: str) -> str | None:
    keys = [name for (name,) in connection.execute(_PRIMARY_KEY, {"table": _quoted(table)})]
    return keys[0] if len(keys) == 1 else None


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
