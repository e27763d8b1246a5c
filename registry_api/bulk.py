"""Bulk loads of a table declared with ``bulkLoad`` (``ext:bulkLoad="true"`` on createTable, or
``ext:alterTableApi`` > ``ext:attribute name="bulkLoad" value="true"``), all rows or none.

* ``POST /<entity>/list`` — ``{"entities": [...]}``: every entity inserted, in order, in one transaction.
* ``POST /<entity>/csv`` — ``{"id", "checksum"}`` of an uploaded CSV file: its rows inserted the same way.
* ``POST /<entity>/csv/validation`` — the same load, rolled back: whether ``/csv`` would succeed.

The CSV is the reference's: UTF-8 (a BOM is allowed), ``;`` between cells, a header row naming the
columns (``full_name``; the JSON names ``fullName`` are accepted too), ``,`` between the items of an
array cell, cells trimmed, an empty cell left out (the column's default, or NULL). It is streamed from
storage and hashed as it is read: the loaded rows are committed only when the bytes are the checksum's.

Errors name the row: in ``/list`` the index in ``entities`` (from 0, as validation errors say
``entities.3.name``); in a CSV the data row (1 = the first line after the header) and its line.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError

from registry_api.entities import EntitySpec, insert_row, write_transaction
from registry_api.errors import ApiError, ErrorCode
from registry_api.runtime import Caller
from registry_api.storage import ObjectStream

log = logging.getLogger(__name__)

DELIMITER = ";"
ARRAY_SEPARATOR = ","
_CHUNK = 256 * 1024


@dataclass(frozen=True)
class BulkSpec:
    """What a bulk load of one table needs: the entity and the model a row is validated with."""

    entity: EntitySpec
    model: type[BaseModel]
    array_columns: tuple[str, ...] = ()  # columns whose CSV cells are ``,``-separated lists


# ---------------------------------------------------------------------------------------------
# POST /<entity>/list


def create_list(spec: BulkSpec, entities: Sequence[BaseModel], caller: Caller) -> list[dict[str, str]]:
    """Insert every entity, in order, in one transaction → ``[{"id"}, ...]``."""
    limit = caller.runtime.settings.bulk.list_max_entities
    if len(entities) > limit:
        raise ApiError(
            ErrorCode.VALIDATION_ERROR,
            f"At most {limit} entities per request.",
            details={
                "errors": [{"field": "entities", "value": len(entities), "message": f"at most {limit}"}]
            },
        )
    entity = spec.entity
    ids: list[dict[str, str]] = []
    with write_transaction(caller, files=bool(entity.file_columns)) as connection:
        for index, body in enumerate(entities):
            values = _values(entity, body.model_dump(by_alias=True, exclude_unset=True))
            ids.append({"id": str(_insert(connection, entity, values, caller, {"row": index}))})
    return ids


# ---------------------------------------------------------------------------------------------
# POST /<entity>/csv and /csv/validation


def load_csv(
    spec: BulkSpec, file_id: str, checksum: str, caller: Caller, *, commit: bool
) -> list[dict[str, str]]:
    """Insert the rows of the CSV file (``commit=False``: and roll them back) → ``[{"id"}, ...]``."""
    settings = caller.runtime.settings.bulk
    stream = caller.runtime.files.open_input(
        file_id, checksum, caller.headers.root_business_process_instance_id
    )
    reader = _HashingReader(stream)
    errors: list[dict[str, Any]] = []
    try:
        with write_transaction(caller, files=False) as connection:
            try:
                ids = _load_rows(connection, spec, reader, caller, errors)
            except ApiError:
                _verify(reader, checksum)  # a changed file's row errors say nothing: say that
                raise
            _verify(reader, checksum)
            if errors:
                raise ApiError(
                    ErrorCode.CSV_VALIDATION_ERROR,
                    "CSV rows are not valid; nothing was loaded.",
                    details={"errors": errors[: settings.csv_max_errors]},
                )
            if not commit:
                raise _DryRunError
    except _DryRunError:
        return []
    finally:
        stream.close()
    return ids


def _load_rows(
    connection: Connection,
    spec: BulkSpec,
    reader: _HashingReader,
    caller: Caller,
    errors: list[dict[str, Any]],
) -> list[dict[str, str]]:
    """Validate every row and insert the valid ones until the first invalid one (then only validate,
    to report more errors: the transaction is rolled back anyway)."""
    settings = caller.runtime.settings.bulk
    ids: list[dict[str, str]] = []
    for position, line, cells in _records(reader, spec, errors):
        if position > settings.csv_max_rows:
            raise ApiError(
                ErrorCode.PAYLOAD_TOO_LARGE, f"A CSV file may hold at most {settings.csv_max_rows} rows."
            )
        body = _validated(spec, cells, position, line, errors)
        if body is None or errors:
            if len(errors) >= settings.csv_max_errors:
                break
            continue
        values = _values(spec.entity, body)
        ids.append(
            {"id": str(_insert(connection, spec.entity, values, caller, {"row": position, "line": line}))}
        )
    return ids


def _verify(reader: _HashingReader, checksum: str) -> None:
    reader.drain()
    if reader.sha256 != checksum:  # not the file the caller meant
        raise ApiError(
            ErrorCode.FILE_WAS_CHANGED,
            "The file's content does not match its checksum; nothing was loaded.",
            details=["file"],
            status=409,
        )


class _DryRunError(Exception):
    """Leaves the load's transaction by rolling it back (``/csv/validation``)."""


def _records(
    reader: _HashingReader, spec: BulkSpec, errors: list[dict[str, Any]]
) -> Iterator[tuple[int, int, dict[str, str]]]:
    """(data row from 1, line, cells by JSON name) of each non-empty record after the header."""
    text = io.TextIOWrapper(io.BufferedReader(reader, _CHUNK), encoding="utf-8-sig", newline="")
    rows = csv.reader(text, delimiter=DELIMITER, strict=True)
    try:
        header = next(rows, None)
        if header is None or not any(cell.strip() for cell in header):
            raise ApiError(ErrorCode.CSV_PARSING_ERROR, "The CSV file has no header row.")
        names = _header(spec.entity, [cell.strip() for cell in header])
        position = 0
        for record in rows:
            if not any(cell.strip() for cell in record):
                continue
            position += 1
            if len(record) != len(names):
                errors.append(
                    {
                        "row": position,
                        "line": rows.line_num,
                        "field": None,
                        "value": None,
                        "message": f"has {len(record)} cells, the header names {len(names)} columns",
                    }
                )
                yield position, rows.line_num, {}
                continue
            yield position, rows.line_num, {n: cell.strip() for n, cell in zip(names, record, strict=True)}
    except UnicodeDecodeError:
        raise ApiError(ErrorCode.CSV_ENCODING_ERROR, "The CSV file is not UTF-8.") from None
    except csv.Error as error:
        raise ApiError(ErrorCode.CSV_PARSING_ERROR, f"The CSV file cannot be read: {error}.") from None


def _header(entity: EntitySpec, cells: list[str]) -> list[str]:
    """The header's columns as JSON names; unknown, duplicate and file columns are refused."""
    by_name = {**{c: entity.json_names[c] for c in entity.columns}, **{j: j for j in entity.columns_by_json}}
    problems: list[dict[str, Any]] = []
    names: list[str] = []
    for cell in cells:
        name = by_name.get(cell)
        if name is None:
            problems.append(_header_problem(cell, "is not a column of the table"))
        elif entity.columns_by_json[name] in entity.file_columns:
            problems.append(_header_problem(cell, "is a file column: files cannot be loaded from a CSV"))
        elif name in names:
            problems.append(_header_problem(cell, "appears twice"))
        names.append(name or cell)
    if problems:
        raise ApiError(
            ErrorCode.CSV_VALIDATION_ERROR, "The CSV header is not valid.", details={"errors": problems}
        )
    return names


def _header_problem(cell: str, message: str) -> dict[str, Any]:
    return {"row": 0, "line": 1, "field": cell, "value": None, "message": f"column '{cell}' {message}"}


def _validated(
    spec: BulkSpec, cells: Mapping[str, str], position: int, line: int, errors: list[dict[str, Any]]
) -> dict[str, Any] | None:
    if not cells:
        return None  # a malformed record, already reported
    arrays = {spec.entity.json_names[c] for c in spec.array_columns}
    given: dict[str, Any] = {}
    for name, cell in cells.items():
        if cell == "":
            continue  # an empty cell: the column's default, or NULL
        given[name] = [item.strip() for item in cell.split(ARRAY_SEPARATOR)] if name in arrays else cell
    try:
        model = spec.model.model_validate(given)
    except ValidationError as error:
        for item in error.errors():
            location = item.get("loc", ())
            errors.append(
                {
                    "row": position,
                    "line": line,
                    "field": ".".join(str(part) for part in location) or None,
                    "value": given.get(str(location[0])) if location else None,
                    "message": str(item.get("msg", "")),
                }
            )
        return None
    return model.model_dump(by_alias=True, exclude_unset=True)


# ---------------------------------------------------------------------------------------------
# Rows


def _values(entity: EntitySpec, body: Mapping[str, Any]) -> dict[str, Any]:
    return {entity.columns_by_json[name]: v for name, v in body.items() if name in entity.columns_by_json}


def _insert(
    connection: Connection, entity: EntitySpec, values: dict[str, Any], caller: Caller, where: dict[str, Any]
) -> Any:
    """One row of a bulk load; a refusal names the row (and rolls the whole load back)."""
    try:
        return insert_row(connection, entity, values, caller)
    except ApiError as error:
        details = error.details if isinstance(error.details, dict) else {"fields": error.details}
        raise ApiError(
            error.code, error.detail, details={**(details or {}), **where}, status=error.status
        ) from None
    except IntegrityError as error:
        constraint = getattr(getattr(error.orig, "diag", None), "constraint_name", None)
        raise ApiError(
            ErrorCode.CONSTRAINT_ERROR,
            "A row violates a database constraint; nothing was loaded.",
            details={"constraint": constraint, **where},
        ) from None
    except DBAPIError as error:
        if not (getattr(error.orig, "sqlstate", None) or "").startswith("22"):
            raise
        raise ApiError(
            ErrorCode.VALIDATION_ERROR,
            "A value does not fit its database column; nothing was loaded.",
            details={"errors": [{**where, "message": "a value does not fit its column"}]},
        ) from None


class _HashingReader(io.RawIOBase):
    """The object's bytes as a raw stream (for ``TextIOWrapper``), hashed as they are read."""

    def __init__(self, stream: ObjectStream) -> None:
        self._chunks = stream.iter_chunks(_CHUNK)
        self._pending = b""
        self._digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self._pending:
            self._pending = next(self._chunks, b"")
            self._digest.update(self._pending)
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def drain(self) -> None:
        """Read (and hash) what the parser left: the checksum covers the whole object."""
        for chunk in self._chunks:
            self._digest.update(chunk)

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()
