"""Entity CRUD over SQLAlchemy Core tables (DESIGN.md §4 "Entities").

Generated routers describe each table once as an :class:`EntitySpec`; their HTTP entry points
(``registry_api.http.entity_endpoints``) call the functions here with the request's :class:`Caller`.
Every write runs in one transaction that (1) binds referenced files through the file service (and
unbinds the files an update or delete drops), (2) writes the row and its ``ddm_created_*``/
``ddm_updated_*`` columns and (3) appends a ``<t>_hst`` snapshot carrying the ``X-Source-*`` headers —
all or nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Column, Connection, Table, Uuid, bindparam, select
from sqlalchemy.sql.elements import BindParameter

from registry_api.entity_writes import KEY, SUBJECT, WriteStatements
from registry_api.errors import ApiError, ErrorCode
from registry_api.headers import SourceHeaders
from registry_api.nesting import NestedRead, nested_expression, nested_tables, nested_value
from registry_api.rows import row_condition, write_denied
from registry_api.runtime import Caller
from registry_api.types import FileArrayType, FileType
from schemas.naming import to_camel
from schemas.platform import CHECKSUM_COLUMN_OF_SIGNATURE_HEADER, HISTORY_COLUMN_OF_HEADER, is_service_name

# Source system/application/process names are kept in UUID history columns: a header that is not
# already a UUID is stored as the name-based UUID (v5) of its value in this namespace, so the same
# name always maps to the same id (see docs/api.md "Headers").
HISTORY_NAMESPACE = uuid.UUID("6f0c5e0a-6a8f-4d1e-9a57-0d2f1c3b9e11")
_ENTITY_ID: BindParameter[Any] = bindparam("entity_id")


def history_uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        return uuid.uuid5(HISTORY_NAMESPACE, value)


@dataclass(frozen=True)
class EntitySpec:
    """One table served as an entity: its Core table, its history table and its key."""

    table: Table
    history: Table | None = None
    primary_key: str = ""
    nested: tuple[NestedRead, ...] = ()  # columns an entity read nests (ext:tableReadParameters)
    columns: tuple[str, ...] = field(init=False)  # the API columns, in declaration order
    json_names: Mapping[str, str] = field(init=False)  # column → camelCase property
    columns_by_json: Mapping[str, str] = field(init=False)  # camelCase property → column
    file_columns: tuple[str, ...] = field(init=False)
    read_statement: Any = field(init=False, repr=False, compare=False)  # built once, cached compiled
    writes: WriteStatements = field(init=False, repr=False, compare=False)  # likewise, per column set

    def __post_init__(self) -> None:
        columns = tuple(c.name for c in self.table.columns if not is_service_name(c.name))
        object.__setattr__(self, "columns", columns)
        object.__setattr__(self, "json_names", {c: to_camel(c) for c in columns})
        object.__setattr__(self, "columns_by_json", {to_camel(c): c for c in columns})
        files = tuple(c.name for c in self.table.columns if isinstance(c.type, FileType | FileArrayType))
        object.__setattr__(self, "file_columns", files)
        if not self.primary_key:
            keys = [c.name for c in self.table.primary_key.columns]
            object.__setattr__(self, "primary_key", keys[0] if keys else "")
        statement = select(*(self.table.c[c] for c in columns)).where(self.key == _ENTITY_ID)
        object.__setattr__(self, "read_statement", statement)
        writes = WriteStatements(self.table, self.history, self.primary_key, columns)
        object.__setattr__(self, "writes", writes)

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def key(self) -> Column[Any]:
        return self.table.c[self.primary_key]

    @property
    def nested_tables(self) -> tuple[str, ...]:
        """The tables an entity read nests rows of (the caller must be allowed to read each)."""
        return nested_tables(self.nested)


# ---------------------------------------------------------------------------------------------
# Reads


def read(spec: EntitySpec, entity_id: Any, caller: Caller) -> dict[str, Any]:
    """``GET /{entity}/{id}``: the row with camelCase keys, narrowed to the columns the caller may read.
    With the business-process header, the entity's files are copied to the process's staging area."""
    runtime = caller.runtime
    statement = spec.read_statement if not spec.nested else _nesting_statement(spec, caller)
    row_filter = runtime.rows.read_filter(caller.identity, spec.name)
    if row_filter is not None:  # a row the caller may not see is not found (ext:rls)
        statement = statement.where(row_condition(row_filter, spec.table.c.__getitem__))
    with runtime.read_connection() as connection:
        row = connection.execute(statement, {"entity_id": entity_id}).first()
        if row is None:
            raise not_found(spec, entity_id)
        values = row._asdict()
        root_process = caller.headers.root_business_process_instance_id
        if root_process and spec.file_columns:
            file_values = {c: values[c] for c in spec.file_columns}
            runtime.files.copy_to_process(connection, spec.name, entity_id, file_values, root_process)
    visible = runtime.access.readable_columns(caller.identity, spec.name, spec.columns)
    for nested in spec.nested:
        if nested.column in visible:
            readable = runtime.access.readable_columns(caller.identity, nested.name, nested.columns)
            values[nested.column] = nested_value(nested, values[nested.column], readable)
    return {spec.json_names[c]: v for c, v in values.items() if c in visible}


def _nesting_statement(spec: EntitySpec, caller: Caller) -> Any:
    """The read with the nested columns replaced by their rows (the caller's row filters applied)."""
    nested = {n.column: n for n in spec.nested}
    rows = caller.runtime.rows
    selected = [
        nested_expression(
            nested[c], spec.table.c[c], rows.read_filter(caller.identity, nested[c].name)
        ).label(c)
        if c in nested
        else spec.table.c[c]
        for c in spec.columns
    ]
    return select(*selected).where(spec.key == _ENTITY_ID)


def not_found(spec: EntitySpec, entity_id: Any) -> ApiError:
    return ApiError(ErrorCode.NOT_FOUND, f"No {spec.name} with id {entity_id}.")


# ---------------------------------------------------------------------------------------------
# Writes


def create(spec: EntitySpec, body: BaseModel, caller: Caller) -> dict[str, str]:
    """``POST /{entity}`` → ``{"id"}``. Omitted properties take the column defaults; the key comes from
    the body or is generated (UUID keys are generated here so files can be bound before the insert)."""
    values = _column_values(spec, body, only_sent=True)
    if _single_statement(spec, caller, values):
        _generate_key(spec, values)
        statement = spec.writes.insert(frozenset(values), with_history=True)
        with caller.runtime.statement_connection() as connection:
            entity_id = connection.execute(statement, _params(spec, values, caller)).scalar_one()
        return {"id": str(entity_id)}
    with _write_transaction(spec, caller) as connection:
        entity_id = insert_row(connection, spec, values, caller)
    return {"id": str(entity_id)}


def insert_row(connection: Connection, spec: EntitySpec, values: dict[str, Any], caller: Caller) -> Any:
    """Insert one row in the caller's transaction (files bound, stamps, write rules, history); its key."""
    _generate_key(spec, values)
    _attach_files(connection, spec, values.get(spec.primary_key), values, caller, created=True)
    params = _params(spec, values, caller)
    statement = spec.writes.insert(frozenset(values), with_history=False)
    row = connection.execute(statement, params).one()._asdict()
    _guard_write(spec, caller, row)
    _record_history(connection, spec, row, "I", params)
    return row[spec.primary_key]


def _generate_key(spec: EntitySpec, values: dict[str, Any]) -> None:
    """UUID keys are generated here, not by the database: files are bound before the insert."""
    if values.get(spec.primary_key) is None and isinstance(spec.key.type, Uuid):
        values[spec.primary_key] = uuid.uuid4()


def upsert_row(connection: Connection, spec: EntitySpec, values: dict[str, Any], caller: Caller) -> Any:
    """Replace the row whose key ``values`` carries (every column set, omitted ones to NULL), or insert
    it when there is none; in the caller's transaction. Its key."""
    entity_id = values.get(spec.primary_key)
    if entity_id is not None and _locked_row(connection, spec, entity_id) is not None:
        changed = {c: values.get(c) for c in spec.columns if c != spec.primary_key}
        update_row(connection, spec, entity_id, changed, caller)
        return entity_id
    return insert_row(connection, spec, values, caller)


def replace(spec: EntitySpec, entity_id: Any, body: BaseModel, caller: Caller) -> None:
    """``PUT /{entity}/{id}``: every column is set (omitted ones to NULL); the key stays the path's."""
    values = _column_values(spec, body, only_sent=False)
    values.pop(spec.primary_key, None)
    _update(spec, entity_id, values, caller)


def patch(spec: EntitySpec, entity_id: Any, body: BaseModel, columns: Sequence[str], caller: Caller) -> None:
    """``PATCH /partial/{name}/{id}``: only the listed columns the body carries are changed."""
    values = _column_values(spec, body, only_sent=True)
    values = {c: v for c, v in values.items() if c in columns and c != spec.primary_key}
    _update(spec, entity_id, values, caller)


def remove(spec: EntitySpec, entity_id: Any, caller: Caller) -> None:
    """``DELETE /{entity}/{id}``; the history keeps the deleted row."""
    writes = spec.writes
    params = {**_params(spec, {}, caller), KEY: entity_id}
    single = writes.delete_with_history
    if single is not None and not spec.file_columns and _single_statement(spec, caller, {}):
        with caller.runtime.statement_connection() as connection:
            if connection.execute(single, params).first() is None:
                raise not_found(spec, entity_id)
        return
    with caller.runtime.engine.begin() as connection:
        found = connection.execute(writes.delete, params).first()
        if found is None:
            raise not_found(spec, entity_id)
        row = found._asdict()
        _guard_write(spec, caller, row)
        if spec.file_columns:
            caller.runtime.files.unbind_entity(connection, spec.name, entity_id)
        _record_history(connection, spec, row, "D", params)


def _column_values(spec: EntitySpec, body: BaseModel, *, only_sent: bool) -> dict[str, Any]:
    """The body keyed by column names (models may rename fields; their aliases are the JSON names)."""
    dumped = body.model_dump(by_alias=True, exclude_unset=only_sent)
    return {spec.columns_by_json[name]: v for name, v in dumped.items() if name in spec.columns_by_json}


def _update(spec: EntitySpec, entity_id: Any, values: dict[str, Any], caller: Caller) -> None:
    writes = spec.writes
    if _single_statement(spec, caller, values) and writes.sets_anything(values):
        statement = writes.update(frozenset(values), with_history=True)
        with caller.runtime.statement_connection() as connection:
            found = connection.execute(statement, {**_params(spec, values, caller), KEY: entity_id}).first()
        if found is None:
            raise not_found(spec, entity_id)
        return
    with _write_transaction(spec, caller) as connection:
        update_row(connection, spec, entity_id, values, caller)


def update_row(
    connection: Connection, spec: EntitySpec, entity_id: Any, values: dict[str, Any], caller: Caller
) -> None:
    """Change one row in the caller's transaction (404 when there is none)."""
    exists = _locked_row(connection, spec, entity_id)
    if exists is None:
        raise not_found(spec, entity_id)
    _guard_write(spec, caller, exists._asdict())  # the row as it is ...
    _attach_files(connection, spec, entity_id, values, caller, created=False)
    params = {**_params(spec, values, caller), KEY: entity_id}
    row = (
        connection.execute(spec.writes.update(frozenset(values), with_history=False), params).one()._asdict()
    )
    _guard_write(spec, caller, row)  # ... and as it would become
    _record_history(connection, spec, row, "U", params)


def _locked_row(connection: Connection, spec: EntitySpec, entity_id: Any) -> Any:
    return connection.execute(spec.writes.lock, {KEY: entity_id}).first()


def _single_statement(spec: EntitySpec, caller: Caller, values: Mapping[str, Any]) -> bool:
    """Whether the write can be one statement, row and history together, in autocommit: nothing has to
    happen between them (no file to bind or unbind, no write rule of ext:rls to check on the row)."""
    if any(column in values for column in spec.file_columns):
        return False
    return caller.runtime.rows.write_filter(caller.identity, spec.name) is None


def _params(spec: EntitySpec, values: Mapping[str, Any], caller: Caller) -> dict[str, Any]:
    """Bind parameters of the write statements: the values, who writes, the history's headers."""
    writes = spec.writes
    headers = writes.headers(_history_columns(spec.history, caller)) if spec.history is not None else {}
    return {**writes.values(values), SUBJECT: caller.identity.subject, **headers}


def _write_transaction(spec: EntitySpec, caller: Caller) -> AbstractContextManager[Connection]:
    return write_transaction(caller, files=bool(spec.file_columns))


def write_transaction(caller: Caller, *, files: bool) -> AbstractContextManager[Connection]:
    """A write touching file columns runs in the file service's transaction: the files it copies for
    the write are removed again when the write fails."""
    runtime = caller.runtime
    if files:
        return runtime.files.write_transaction(runtime.engine)
    return runtime.engine.begin()


def _attach_files(
    connection: Connection,
    spec: EntitySpec,
    entity_id: Any,
    values: dict[str, Any],
    caller: Caller,
    *,
    created: bool,
) -> None:
    """Bind the files the write references; an update also unbinds what its file columns drop."""
    referenced = {c: values[c] for c in spec.file_columns if c in values}
    if not referenced:
        return
    files = caller.runtime.files
    root = caller.headers.root_business_process_instance_id
    if created:
        files.attach(connection, spec.name, entity_id, referenced, root)
    else:
        files.rebind(connection, spec.name, entity_id, referenced, root)


def _guard_write(spec: EntitySpec, caller: Caller, row: Mapping[str, Any]) -> None:
    """Write rules (ext:rls): the row must be the caller's; raising rolls the transaction back."""
    row_filter = caller.runtime.rows.write_filter(caller.identity, spec.name)
    if row_filter is not None and not row_filter.matches(row):
        raise write_denied(spec.name)


def _record_history(
    connection: Connection,
    spec: EntitySpec,
    row: Mapping[str, Any],
    operation: str,
    params: Mapping[str, Any],
) -> None:
    """The ``<t>_hst`` snapshot of ``row`` (``params``: the write's, carrying who and the headers)."""
    writes = spec.writes
    if writes.history_insert is not None:
        connection.execute(writes.history_insert, {**params, **writes.history_values(row), "op": operation})


def _history_columns(history: Table, caller: Caller) -> dict[str, Any]:
    """What the request puts in history columns: its headers, and beside each signature key the
    SHA-256 of the signed payload."""
    values = _header_values(history, caller.headers)
    if caller.signed is not None:
        for header, column in CHECKSUM_COLUMN_OF_SIGNATURE_HEADER.items():
            if caller.headers.value_of(header) and column in history.c:
                values[column] = caller.signed.checksum
    return values


def _header_values(history: Table, headers: SourceHeaders) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for header, column in HISTORY_COLUMN_OF_HEADER.items():
        value = headers.value_of(header)
        if value is None or column not in history.c:
            continue
        values[column] = history_uuid(value) if isinstance(history.c[column].type, Uuid) else value
    return values
