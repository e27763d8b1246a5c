"""Small SQL text helpers: identifier quoting, literals and Liquibase type names.

Every identifier a regulation names is double-quoted (a registry may well have a table called ``user``).
Types and computed expressions are SQL fragments the modeller wrote; they are passed through as written.
"""

from __future__ import annotations

import re

from schemas.regulation import FileKind, file_kind_of


def ident(name: str) -> str:
    """``user`` → ``"user"``; embedded quotes doubled. A ``schema.name`` stays two identifiers."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in name.split("."))


def idents(names: str | tuple[str, ...] | list[str]) -> str:
    """A comma-separated Liquibase column list (``"a, b"``) or a sequence → ``"a", "b"``."""
    parts = split_names(names) if isinstance(names, str) else list(names)
    return ", ".join(ident(n) for n in parts)


def split_names(names: str) -> list[str]:
    return [n.strip() for n in names.split(",") if n.strip()]


def literal(value: str) -> str:
    """A string literal, standard-conforming (no backslash escapes)."""
    return "'" + value.replace("'", "''") + "'"


_NUMERIC = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def numeric_literal(value: str) -> str:
    if not _NUMERIC.match(value.strip()):
        raise ValueError(f"not a number: {value!r}")
    return value.strip()


def boolean_literal(value: str) -> str:
    normalized = value.strip().lower()
    if normalized in ("true", "1", "t", "yes"):
        return "TRUE"
    if normalized in ("false", "0", "f", "no"):
        return "FALSE"
    raise ValueError(f"not a boolean: {value!r}")


# Liquibase's database-neutral names that PostgreSQL does not know as written.
_LIQUIBASE_TYPES = {
    "datetime": "TIMESTAMP",
    "tinyint": "SMALLINT",
    "double": "DOUBLE PRECISION",
    "clob": "TEXT",
    "nclob": "TEXT",
    "blob": "BYTEA",
    "longblob": "BYTEA",
    "mediumblob": "BYTEA",
    "longtext": "TEXT",
    "mediumtext": "TEXT",
    "currency": "DECIMAL",
    "java.sql.types.varchar": "VARCHAR",
}
_NAME_WITH_ARGS = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(\(.*\))?\s*(\[\])?\s*$", re.DOTALL)


def column_type(declared: str) -> str:
    """The PostgreSQL type for a regulation column type: ``file`` → ``type_file``, ``file[]`` →
    ``type_file[]``, Liquibase generic names mapped, everything else as written."""
    kind = file_kind_of(declared)
    if kind is FileKind.SINGLE:
        return "type_file"
    if kind is FileKind.ARRAY:
        return "type_file[]"
    match = _NAME_WITH_ARGS.match(declared)
    if match is None:
        return declared.strip()
    name, args, array = match.group(1), match.group(2) or "", match.group(3) or ""
    lowered = name.lower()
    if lowered in ("nvarchar", "nchar"):
        return f"{name[1:].upper()}{args}{array}"
    mapped = _LIQUIBASE_TYPES.get(lowered)
    if mapped is not None:
        return f"{mapped}{args}{array}"
    return declared.strip()
