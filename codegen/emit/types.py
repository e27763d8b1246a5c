"""How a declared column type becomes a SQLAlchemy type (``tables.py``) and a Python annotation
(``models.py``). Enums become ``Literal`` of their codes, domains their base type, file columns the
``type_file`` composites; anything unknown is text (and said so in the generated docstring)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from schemas.regulation import FileKind, Regulation, file_kind_of


@dataclass(frozen=True, slots=True)
class ColumnType:
    sqlalchemy: str  # an expression in the namespace of tables.py
    python: str  # an annotation in the namespace of models.py
    known: bool = True


_SCALARS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("uuid",), "sa.Uuid()", "UUID"),
    (("text", "citext", "name", "bpchar"), "sa.Text()", "str"),
    (("varchar", "character varying", "char", "character", "nvarchar", "nchar"), "sa.String({n})", "str"),
    (("integer", "int", "int4", "serial", "serial4"), "sa.Integer()", "int"),
    (("bigint", "int8", "bigserial", "serial8"), "sa.BigInteger()", "int"),
    (("smallint", "int2", "smallserial", "serial2"), "sa.SmallInteger()", "int"),
    (("numeric", "decimal", "money"), "sa.Numeric()", "Decimal"),
    (("real", "float4", "float", "double precision", "float8", "double"), "sa.Float()", "float"),
    (("boolean", "bool"), "sa.Boolean()", "bool"),
    (("date",), "sa.Date()", "date"),
    (("timestamp", "timestamp without time zone", "datetime"), "sa.DateTime()", "datetime"),
    (("timestamptz", "timestamp with time zone"), "sa.DateTime(timezone=True)", "datetime"),
    (("time", "time without time zone", "timetz", "time with time zone"), "sa.Time()", "time"),
    (("jsonb",), "JSONB()", "Any"),
    (("json",), "JSON()", "Any"),
    (("bytea",), "sa.LargeBinary()", "bytes"),
)
_LENGTH = re.compile(r"\(\s*(\d+)\s*(?:,\s*\d+\s*)?\)")


def column_type(declared: str, regulation: Regulation) -> ColumnType:
    kind = file_kind_of(declared)
    if kind is FileKind.SINGLE:
        return ColumnType("FileType()", "FileRef")
    if kind is FileKind.ARRAY:
        return ColumnType("FileArrayType()", "list[FileRef]")
    normalized = " ".join(declared.strip().lower().split())
    if normalized.endswith("[]"):
        element = column_type(declared.strip()[:-2], regulation)
        return ColumnType(f"ARRAY({element.sqlalchemy})", f"list[{element.python}]", element.known)
    length = _LENGTH.search(normalized)
    base = _LENGTH.sub("", normalized).strip()
    for enum in regulation.enums:
        if enum.name.lower() == base:
            codes = ", ".join(repr(label.code) for label in enum.labels)
            return ColumnType(f"ENUM({codes}, name={enum.name!r}, create_type=False)", f"Literal[{codes}]")
    for domain in regulation.domains:
        if domain.name.lower() == base:
            return column_type(domain.base_type, regulation)
    for words, sqlalchemy, python in _SCALARS:
        if base in words:
            size = length.group(1) if length and "{n}" in sqlalchemy else ""
            return ColumnType(sqlalchemy.replace("{n}", size), python)
    return ColumnType("sa.Text()", "str", known=False)
