"""SQLAlchemy types for file columns: PostgreSQL ``type_file`` / ``type_file[]`` composites ↔
``{"id", "checksum"}`` dicts (DESIGN.md §4 "File values").

Reads select ``to_jsonb(column)`` so psycopg hands back plain dicts/lists. Writes send the composite's
text literal (``("id","checksum")``, or an array of them) and cast it, so a NULL stays NULL and an empty
list stays an empty array. The literal is built with full quoting, whatever the values contain.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Text, cast, func
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator, UserDefinedType

FILE_TYPE_NAME = "type_file"

FileValue = Mapping[str, Any]


class _PgType(UserDefinedType[Any]):
    """A PostgreSQL type known only by name (used as the target of a cast)."""

    cache_ok = True

    def __init__(self, name: str) -> None:
        self.name = name

    def get_col_spec(self, **kw: Any) -> str:
        return self.name


class FileType(TypeDecorator[dict[str, Any]]):
    """A ``type_file`` column holding one ``{"id", "checksum"}``."""

    impl = Text
    cache_ok = True

    def bind_expression(self, bindvalue: Any) -> ColumnElement[Any]:
        return cast(bindvalue, _PgType(FILE_TYPE_NAME))

    def column_expression(self, colexpr: Any) -> ColumnElement[Any]:
        return func.to_jsonb(colexpr)

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else record_literal(_as_mapping(value))

    def process_result_value(self, value: Any, dialect: Any) -> dict[str, Any] | None:
        return None if value is None else _file_dict(value)


class FileArrayType(TypeDecorator[list[dict[str, Any]]]):
    """A ``type_file[]`` column holding a list of ``{"id", "checksum"}``."""

    impl = Text
    cache_ok = True

    def bind_expression(self, bindvalue: Any) -> ColumnElement[Any]:
        return cast(bindvalue, _PgType(FILE_TYPE_NAME + "[]"))

    def column_expression(self, colexpr: Any) -> ColumnElement[Any]:
        return func.to_jsonb(colexpr)

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        return array_literal(record_literal(_as_mapping(item)) for item in value)

    def process_result_value(self, value: Any, dialect: Any) -> list[dict[str, Any]] | None:
        return None if value is None else [_file_dict(item) for item in value]


def record_literal(value: FileValue) -> str:
    """``{"id": "a", "checksum": "b"}`` → ``("a","b")`` (PostgreSQL composite input syntax)."""
    return "(" + ",".join(_quote(value.get(field)) for field in ("id", "checksum")) + ")"


def array_literal(elements: Iterable[str]) -> str:
    """Array input syntax: every element double-quoted, ``"`` and ``\\`` backslash-escaped."""
    quoted = ('"' + e.replace("\\", "\\\\").replace('"', '\\"') + '"' for e in elements)
    return "{" + ",".join(quoted) + "}"


def _quote(field: Any) -> str:
    if field is None:
        return ""  # an empty unquoted field is NULL
    text = str(field)
    return '"' + text.replace("\\", "\\\\").replace('"', '""') + '"'


def _as_mapping(value: Any) -> FileValue:
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, Mapping):
        return value
    raise TypeError(f"a file value must be a mapping with id and checksum, not {type(value).__name__}")


def _file_dict(value: Any) -> dict[str, Any]:
    return {"id": value.get("id"), "checksum": value.get("checksum")}
