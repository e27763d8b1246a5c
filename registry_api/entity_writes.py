"""The statements of one entity's writes, built once and reused.

Building an ``insert(table).values({...})`` per request and letting SQLAlchemy derive its cache key
cost about a quarter of a millisecond per write; a statement built once with bind parameters has its
key memoised, so each write only binds values. Statements are cached per entity and per set of
columns the body sets (bounded: a body sets few distinct column sets in practice).

Where nothing else must happen between the row and its history (no file to bind, no write rule to
check), the row and its ``<t>_hst`` snapshot are written by **one** statement::

    WITH written AS (INSERT INTO t (...) VALUES (...) RETURNING *)
    INSERT INTO t_hst (...) SELECT ..., 'I', :subject, :headers... FROM written RETURNING t_hst.<key>

(``UPDATE``/``DELETE`` alike): one round trip in autocommit, atomic as any single statement.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from sqlalchemy import Column, Table, bindparam, delete, func, insert, literal, select, update
from sqlalchemy.sql.dml import Delete, Insert, Update
from sqlalchemy.sql.elements import BindParameter

from schemas.platform import CHECKSUM_COLUMN_OF_SIGNATURE_HEADER, HISTORY_COLUMN_OF_HEADER

KEY = "entity_key"  # the bind parameter naming the row of an update or delete
SUBJECT = "subject"  # who writes: ddm_created_by / ddm_updated_by, and the history row's author
_CACHED_COLUMN_SETS = 64

Columns = frozenset[str]


class WriteStatements:
    """Prebuilt statements of one table (and its history table, if any)."""

    def __init__(
        self, table: Table, history: Table | None, primary_key: str, api_columns: Iterable[str]
    ) -> None:
        self.table = table
        self.history = history
        self.key: Column[Any] = table.c[primary_key]
        self.primary_key = primary_key
        self._names = {column.name: f"v{i}" for i, column in enumerate(table.columns)}
        api = set(api_columns)
        # history copies the entity's API columns it has, then op, author and the request's headers
        self.copied = tuple(
            c.name for c in table.columns if c.name in api and history is not None and c.name in history.c
        )
        # what the request carries into history: its source headers and the signed payload's checksums
        self.header_columns = tuple(
            column
            for column in (*HISTORY_COLUMN_OF_HEADER.values(), *CHECKSUM_COLUMN_OF_SIGNATURE_HEADER.values())
            if history is not None and column in history.c
        )
        self.insert = lru_cache(maxsize=_CACHED_COLUMN_SETS)(self._insert)
        self.update = lru_cache(maxsize=_CACHED_COLUMN_SETS)(self._update)
        self.lock = select(table).where(self.key == _key(self.key)).with_for_update()
        self.delete = delete(table).where(self.key == _key(self.key)).returning(*table.columns)
        self.delete_with_history = self._with_history(self.delete, "D") if history is not None else None
        self._stamped = any(c in table.c for c in ("ddm_updated_by", "ddm_updated_at"))
        self.history_insert = (
            insert(history).values(
                {
                    **{c: bindparam(self._names[c], type_=history.c[c].type) for c in self.copied},
                    "ddm_dml_op": bindparam("op"),
                    "ddm_created_by": bindparam(SUBJECT),
                    **{c: bindparam(_header_param(c), type_=history.c[c].type) for c in self.header_columns},
                }
            )
            if history is not None
            else None
        )

    # -- parameters --------------------------------------------------------------------------

    def values(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Column values as the statements' bind parameters."""
        return {self._names[column]: value for column, value in values.items()}

    def history_values(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """The row's copied columns as the bind parameters of :attr:`history_insert`."""
        return {self._names[c]: row[c] for c in self.copied}

    def headers(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The request's header columns (None for those it did not send) as bind parameters."""
        return {_header_param(column): values.get(column) for column in self.header_columns}

    def sets_anything(self, values: Mapping[str, Any]) -> bool:
        """Whether an update of ``values`` has a SET clause (the stamps count)."""
        return bool(values) or self._stamped

    # -- statements ----------------------------------------------------------------------------

    def _insert(self, columns: Columns, *, with_history: bool) -> Insert:
        """``INSERT`` of ``columns`` (plus the service stamps), returning the row — or, with history,
        the single statement writing the row and its snapshot, returning the key."""
        statement = insert(self.table).values(self._assignments(columns, created=True))
        if with_history and self.history is not None:
            return self._with_history(statement.returning(*self.table.columns), "I")
        if with_history:
            return statement.returning(self.key)
        return statement.returning(*self.table.columns)

    def _update(self, columns: Columns, *, with_history: bool) -> Update | Insert:
        statement = (
            update(self.table)
            .where(self.key == _key(self.key))
            .values(self._assignments(columns, created=False))
        )
        if with_history and self.history is not None:
            return self._with_history(statement.returning(*self.table.columns), "U")
        if with_history:
            return statement.returning(self.key)
        return statement.returning(*self.table.columns)

    def _assignments(self, columns: Columns, *, created: bool) -> dict[str, Any]:
        table = self.table
        assigned: dict[str, Any] = {
            c: bindparam(self._names[c], type_=table.c[c].type) for c in sorted(columns)
        }
        stamps = {"ddm_updated_by": bindparam(SUBJECT), "ddm_updated_at": func.now()}
        if created:
            stamps |= {"ddm_created_by": bindparam(SUBJECT), "ddm_created_at": func.now()}
        assigned.update({name: value for name, value in stamps.items() if name in table.c})
        return assigned

    def _with_history(self, written: Insert | Update | Delete, operation: str) -> Insert:
        assert self.history is not None
        history = self.history
        row = written.cte("written")
        names = [*self.copied, "ddm_dml_op", "ddm_created_by", *self.header_columns]
        selected = [
            *(row.c[c] for c in self.copied),
            literal(operation),
            bindparam(SUBJECT),
            *(bindparam(_header_param(c), type_=history.c[c].type) for c in self.header_columns),
        ]
        return insert(history).from_select(names, select(*selected)).returning(history.c[self.primary_key])


def _key(column: Column[Any]) -> BindParameter[Any]:
    return bindparam(KEY, type_=column.type)


def _header_param(column: str) -> str:
    return f"h_{column}"
