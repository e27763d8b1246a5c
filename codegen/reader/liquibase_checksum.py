"""The checksum Liquibase 4.x records in ``databasechangelog.md5sum`` (algorithm version 8), for the plain
Liquibase changes whose serialisation is reproduced here exactly; ``None`` for anything else (``ext:``
changes, whose checksum the reference's extension jar computes, and changes or attributes not listed
below), which the migrator then records as NULL: Liquibase treats a NULL checksum as "not known" and
fills in its own, never as an edit.

What Liquibase 4.3 does (``ChangeSet.generateCheckSum``): for each change, its own checksum followed by
``:``; the MD5 of that text is the changeset's. A change's checksum is the MD5 of its
``StringChangeLogSerializer`` form: ``<tag>:[`` the change's set fields, one per line, sorted as strings,
each indented 4 spaces per level, ``name="value"``; collections (``columns``) as ``[`` elements ``]``
separated by ``,``; nested objects (a column's ``constraints``) without a name ``]``. Values are as
Liquibase's beans hold them: booleans ``true``/``false``, whole numbers in canonical form, everything
else as written. ``sql`` and ``sqlFile`` hash their SQL with whitespace collapsed, after a header of
their end delimiter, ``splitStatements`` and ``stripComments``; ``loadData`` hashes its table name and
its file. Every input is NFC-normalised with line endings standardised, as ``CheckSum.compute`` does.
The interop test (``tests/interop``) checks these values against the real Liquibase 4.3.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from schemas.regulation import ChangeSet, XmlNode

__all__ = ["LIQUIBASE_CHECKSUM_VERSION", "liquibase_checksum"]

LIQUIBASE_CHECKSUM_VERSION = 8
_INDENT = "    "

_BOOLEAN = "boolean"
_INTEGER = "integer"
_NUMERIC = "numeric"  # a column value: kept as written when it is a plain number
_DATE = "date"  # a column value: kept as written when it is a plain yyyy-MM-dd date
_VALUE_BOOLEAN = "value-boolean"  # true/false, also 1/0
_TEXT = "text"

_CATALOG = {"catalogName": _TEXT, "schemaName": _TEXT}

# Change → (its attributes and their kind, the child elements it may have).
_CHANGES: dict[str, tuple[dict[str, str], frozenset[str]]] = {
    "createTable": (
        {**_CATALOG, "tableName": _TEXT, "tablespace": _TEXT, "remarks": _TEXT},
        frozenset({"column"}),
    ),
    "addColumn": ({**_CATALOG, "tableName": _TEXT}, frozenset({"column"})),
    "dropColumn": ({**_CATALOG, "tableName": _TEXT, "columnName": _TEXT}, frozenset({"column"})),
    "renameColumn": (
        {
            **_CATALOG,
            "tableName": _TEXT,
            "oldColumnName": _TEXT,
            "newColumnName": _TEXT,
            "columnDataType": _TEXT,
            "remarks": _TEXT,
        },
        frozenset(),
    ),
    "modifyDataType": (
        {**_CATALOG, "tableName": _TEXT, "columnName": _TEXT, "newDataType": _TEXT},
        frozenset(),
    ),
    "renameTable": ({**_CATALOG, "oldTableName": _TEXT, "newTableName": _TEXT}, frozenset()),
    "dropTable": ({**_CATALOG, "tableName": _TEXT, "cascadeConstraints": _BOOLEAN}, frozenset()),
    "addUniqueConstraint": (
        {
            **_CATALOG,
            "tableName": _TEXT,
            "columnNames": _TEXT,
            "constraintName": _TEXT,
            "tablespace": _TEXT,
            "deferrable": _BOOLEAN,
            "initiallyDeferred": _BOOLEAN,
            "disabled": _BOOLEAN,
        },
        frozenset(),
    ),
    "dropUniqueConstraint": (
        {**_CATALOG, "tableName": _TEXT, "constraintName": _TEXT, "uniqueColumns": _TEXT},
        frozenset(),
    ),
    "addPrimaryKey": (
        {**_CATALOG, "tableName": _TEXT, "columnNames": _TEXT, "constraintName": _TEXT, "tablespace": _TEXT},
        frozenset(),
    ),
    "dropPrimaryKey": ({**_CATALOG, "tableName": _TEXT, "constraintName": _TEXT}, frozenset()),
    "addForeignKeyConstraint": (
        {
            "baseTableCatalogName": _TEXT,
            "baseTableSchemaName": _TEXT,
            "baseTableName": _TEXT,
            "baseColumnNames": _TEXT,
            "referencedTableCatalogName": _TEXT,
            "referencedTableSchemaName": _TEXT,
            "referencedTableName": _TEXT,
            "referencedColumnNames": _TEXT,
            "constraintName": _TEXT,
            "deferrable": _BOOLEAN,
            "initiallyDeferred": _BOOLEAN,
            "onUpdate": _TEXT,
            "onDelete": _TEXT,
        },
        frozenset(),
    ),
    "dropForeignKeyConstraint": (
        {
            "baseTableCatalogName": _TEXT,
            "baseTableSchemaName": _TEXT,
            "baseTableName": _TEXT,
            "constraintName": _TEXT,
        },
        frozenset(),
    ),
    "addNotNullConstraint": (
        {
            **_CATALOG,
            "tableName": _TEXT,
            "columnName": _TEXT,
            "defaultNullValue": _TEXT,
            "columnDataType": _TEXT,
            "constraintName": _TEXT,
        },
        frozenset(),
    ),
    "dropNotNullConstraint": (
        {**_CATALOG, "tableName": _TEXT, "columnName": _TEXT, "columnDataType": _TEXT},
        frozenset(),
    ),
    "addDefaultValue": (
        {
            **_CATALOG,
            "tableName": _TEXT,
            "columnName": _TEXT,
            "columnDataType": _TEXT,
            "defaultValue": _TEXT,
            "defaultValueNumeric": _TEXT,
            "defaultValueDate": _TEXT,
            "defaultValueBoolean": _BOOLEAN,
            "defaultValueComputed": _TEXT,
        },
        frozenset(),
    ),
    "dropDefaultValue": (
        {**_CATALOG, "tableName": _TEXT, "columnName": _TEXT, "columnDataType": _TEXT},
        frozenset(),
    ),
    "createIndex": (
        {**_CATALOG, "tableName": _TEXT, "indexName": _TEXT, "unique": _BOOLEAN, "tablespace": _TEXT},
        frozenset({"column"}),
    ),
    "dropIndex": ({**_CATALOG, "tableName": _TEXT, "indexName": _TEXT}, frozenset()),
    "createView": ({**_CATALOG, "viewName": _TEXT, "replaceIfExists": _BOOLEAN}, frozenset()),
    "dropView": ({**_CATALOG, "viewName": _TEXT}, frozenset()),
    "createSequence": (
        {
            **_CATALOG,
            "sequenceName": _TEXT,
            "startValue": _INTEGER,
            "incrementBy": _INTEGER,
            "maxValue": _INTEGER,
            "minValue": _INTEGER,
            "ordered": _BOOLEAN,
            "cycle": _BOOLEAN,
            "dataType": _TEXT,
        },
        frozenset(),
    ),
    "dropSequence": ({**_CATALOG, "sequenceName": _TEXT}, frozenset()),
    "insert": ({**_CATALOG, "tableName": _TEXT}, frozenset({"column"})),
    "update": ({**_CATALOG, "tableName": _TEXT}, frozenset({"column", "where"})),
    "delete": ({**_CATALOG, "tableName": _TEXT}, frozenset({"where"})),
    "tagDatabase": ({"tag": _TEXT}, frozenset()),
    "empty": ({}, frozenset()),
}

# Where the element's text goes: createView's query.
_TEXT_FIELDS = {"createView": "selectQuery"}

_COLUMN: dict[str, str] = {
    "name": _TEXT,
    "type": _TEXT,
    "value": _TEXT,
    "valueNumeric": _NUMERIC,
    "valueDate": _DATE,
    "valueBoolean": _VALUE_BOOLEAN,
    "valueComputed": _TEXT,
    "defaultValue": _TEXT,
    "defaultValueNumeric": _NUMERIC,
    "defaultValueDate": _DATE,
    "defaultValueBoolean": _VALUE_BOOLEAN,
    "defaultValueComputed": _TEXT,
    "autoIncrement": _BOOLEAN,
    "startWith": _INTEGER,
    "incrementBy": _INTEGER,
    "remarks": _TEXT,
    "descending": _BOOLEAN,
}
_ADD_COLUMN_EXTRA = {"afterColumn": _TEXT, "beforeColumn": _TEXT, "position": _INTEGER}
_CONSTRAINTS: dict[str, str] = {
    "nullable": _BOOLEAN,
    "notNullConstraintName": _TEXT,
    "primaryKey": _BOOLEAN,
    "primaryKeyName": _TEXT,
    "primaryKeyTablespace": _TEXT,
    "references": _TEXT,
    "referencedTableName": _TEXT,
    "referencedColumnNames": _TEXT,
    "unique": _BOOLEAN,
    "uniqueConstraintName": _TEXT,
    "checkConstraint": _TEXT,
    "deleteCascade": _BOOLEAN,
    "foreignKeyName": _TEXT,
    "initiallyDeferred": _BOOLEAN,
    "deferrable": _BOOLEAN,
}

_SQL_HEADER_FIELDS = {"splitStatements": _BOOLEAN, "stripComments": _BOOLEAN, "endDelimiter": _TEXT}
_SQL_ATTRIBUTES = {**_SQL_HEADER_FIELDS, "dbms": _TEXT}
_SQL_FILE_ATTRIBUTES = {
    **_SQL_ATTRIBUTES,
    "path": _TEXT,
    "relativeToChangelogFile": _BOOLEAN,
    "encoding": _TEXT,
}
_LOAD_DATA_ATTRIBUTES = {
    **_CATALOG,
    "tableName": _TEXT,
    "file": _TEXT,
    "relativeToChangelogFile": _BOOLEAN,
    "encoding": _TEXT,
    "separator": _TEXT,
    "quotchar": _TEXT,
    "commentLineStartsWith": _TEXT,
    "usePreparedStatements": _BOOLEAN,
}
_WHITESPACE = re.compile(rb"[ \t\r\n]+")
_PLAIN_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_PLAIN_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _NotReproducedError(Exception):
    """Something Liquibase's checksum of this change depends on that is not reproduced here."""


def liquibase_checksum(changeset: ChangeSet, root: Path, changeset_node: XmlNode | None = None) -> str | None:
    """``8:<md5>`` as Liquibase 4.x records it for ``changeset`` (``root``: the regulation root, for
    ``sqlFile`` and ``loadData`` paths), or None when a change of it is not reproduced exactly.
    ``changeset_node``: the changeSet element, whose ``modifySql`` would count too (not reproduced)."""
    if changeset_node is not None and changeset_node.find_all("modifySql"):
        return None
    try:
        text = "".join(_change_checksum(change.node, changeset, root) + ":" for change in changeset.changes)
    except _NotReproducedError:
        return None
    return _compute(text)


def _compute(text: str) -> str:
    normalized = unicodedata.normalize(
        "NFC", text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufffd", "")
    )
    return (
        f"{LIQUIBASE_CHECKSUM_VERSION}:{hashlib.md5(normalized.encode(), usedforsecurity=False).hexdigest()}"
    )


def _change_checksum(node: XmlNode, changeset: ChangeSet, root: Path) -> str:
    if ":" in node.tag or _mentions_property(node):
        raise _NotReproducedError  # an extension change, or a ${property} Liquibase would substitute
    if node.tag == "sql":
        _check_attributes(node, _SQL_ATTRIBUTES)
        if node.children:
            raise _NotReproducedError
        return _sql_checksum(node, (node.text or "").encode())
    if node.tag == "sqlFile":
        _check_attributes(node, _SQL_FILE_ATTRIBUTES)
        return _sql_checksum(node, _file_bytes(node, "path", changeset, root))
    if node.tag == "loadData":
        _check_attributes(node, _LOAD_DATA_ATTRIBUTES)
        return _load_data_checksum(node, changeset, root)
    if node.tag == "output":
        _check_attributes(node, {"target": _TEXT})
        if node.children:
            raise _NotReproducedError
        message = (node.text or "").strip()  # setMessage trims; the target getter defaults to STDERR
        fields = ([f'message="{message}"'] if message else []) + [
            f'target="{node.get("target") or "STDERR"}"'
        ]
        return _compute("output:" + _serialize(fields, 1))
    known = _CHANGES.get(node.tag)
    if known is None:
        raise _NotReproducedError
    attributes, children = known
    return _compute(node.tag + ":" + _serialize(_fields(node, attributes, children), 1))


def _fields(
    node: XmlNode, attributes: dict[str, str], children: frozenset[str]
) -> list[str | tuple[str, object]]:
    """A serialisable object: plain ``name="value"`` lines, and (name, nested) for collections."""
    fields: list[str | tuple[str, object]] = [
        f'{name}="{_value(kind, value)}"' for name, kind, value in _checked(node, attributes)
    ]
    text_field = _TEXT_FIELDS.get(node.tag)
    if text_field is not None and node.text and node.text.strip():
        fields.append(f'{text_field}="{node.text}"')
    elif node.text and node.text.strip():
        raise _NotReproducedError
    columns = [c for c in node.children if c.tag == "column"]
    if any(c.tag not in children for c in node.children):
        raise _NotReproducedError
    if columns:
        column_kinds = {**_COLUMN, **(_ADD_COLUMN_EXTRA if node.tag == "addColumn" else {})}
        fields.append(("columns", [_column(c, column_kinds) for c in columns]))
    for where in (c for c in node.children if c.tag == "where"):
        if where.children or where.attributes:
            raise _NotReproducedError
        fields.append(f'where="{where.text or ""}"')
    return fields


def _column(node: XmlNode, kinds: dict[str, str]) -> list[str | tuple[str, object]]:
    fields: list[str | tuple[str, object]] = [
        f'{name}="{_value(kind, value)}"' for name, kind, value in _checked(node, kinds)
    ]
    if node.text and node.text.strip():
        raise _NotReproducedError  # a value given as text
    for child in node.children:
        if child.tag != "constraints" or child.children:
            raise _NotReproducedError
        fields.append(
            ("", [f'{name}="{_value(kind, value)}"' for name, kind, value in _checked(child, _CONSTRAINTS)])
        )
    return fields


def _serialize(fields: Iterable[str | tuple[str, object]], indent: int) -> str:
    """``StringChangeLogSerializer.serializeObject``: a TreeSet of lines (sorted as Java sorts
    strings, duplicates collapsed), wrapped in brackets."""
    lines: set[str] = set()
    for field in fields:
        if isinstance(field, str):
            lines.add(_INDENT * indent + field)
        elif field[0] == "":  # a nested object (a column's constraints): no field name
            lines.add(_INDENT * indent + _serialize(field[1], indent + 1))  # type: ignore[arg-type]
        else:
            lines.add(_INDENT * indent + field[0] + "=" + _serialize_list(field[1], indent + 1))  # type: ignore[arg-type]
    if not lines:
        return "[" + _INDENT * (indent - 1) + "]"
    ordered = sorted(lines, key=lambda line: line.encode("utf-16-be"))
    return "[\n" + "\n".join(ordered) + "\n" + _INDENT * (indent - 1) + "]"


def _serialize_list(items: list[list[str | tuple[str, object]]], indent: int) -> str:
    if not items:
        return "[]"
    body = ",\n".join(_INDENT * indent + _serialize(item, indent + 1) for item in items)
    return "[\n" + body + "\n" + _INDENT * (indent - 1) + "]"


def _checked(node: XmlNode, kinds: dict[str, str]) -> list[tuple[str, str, str]]:
    """(name, kind, value) of each attribute; one not listed in ``kinds`` is not reproduced."""
    _check_attributes(node, kinds)
    return [(name, kinds[name], value) for name, value in node.attributes]


def _check_attributes(node: XmlNode, kinds: dict[str, str]) -> None:
    if any(name not in kinds for name, _ in node.attributes):
        raise _NotReproducedError


def _value(kind: str, value: str) -> str:
    if kind == _TEXT:
        return value
    if kind == _BOOLEAN:
        if value.strip().lower() in ("true", "false"):
            return value.strip().lower()
        raise _NotReproducedError
    if kind == _VALUE_BOOLEAN:
        lowered = value.strip().lower()
        if lowered in ("true", "1"):
            return "true"
        if lowered in ("false", "0"):
            return "false"
        raise _NotReproducedError
    if kind == _INTEGER:
        if re.fullmatch(r"-?\d+", value.strip()):
            return str(int(value))
        raise _NotReproducedError
    if kind == _NUMERIC and _PLAIN_NUMBER.match(value):
        return value
    if kind == _DATE and _PLAIN_DATE.match(value):
        return value
    raise _NotReproducedError


def _mentions_property(node: XmlNode) -> bool:
    return (
        "${" in (node.text or "")
        or any("${" in value for _, value in node.attributes)
        or any(_mentions_property(child) for child in node.children)
    )


def _sql_checksum(node: XmlNode, sql: bytes) -> str:
    """``AbstractSQLChange.generateCheckSum``: a header, then the SQL with runs of whitespace made one
    space and the ends trimmed (``NormalizingStream``), hashed as bytes (no NFC here)."""
    end_delimiter = node.get("endDelimiter")
    split = _value(_BOOLEAN, node.get("splitStatements") or "true")
    strip = _value(_BOOLEAN, node.get("stripComments") or "false")
    header = f"{end_delimiter if end_delimiter is not None else 'null'}:{split}:{strip}:".encode()
    normalized = _WHITESPACE.sub(b" ", sql).strip(b" ")
    return (
        f"{LIQUIBASE_CHECKSUM_VERSION}:{hashlib.md5(header + normalized, usedforsecurity=False).hexdigest()}"
    )


def _load_data_checksum(node: XmlNode, changeset: ChangeSet, root: Path) -> str:
    """``LoadDataChange.generateCheckSum``: the table name and the checksum of the file's bytes without
    carriage returns, empty lines and comment lines (``EmptyLineAndCommentSkippingInputStream``)."""
    table = node.get("tableName")
    if not table or any(c.tag != "column" for c in node.children):
        raise _NotReproducedError
    comment = (node.get("commentLineStartsWith") or "#").encode()[:1]
    lines = _file_bytes(node, "file", changeset, root).replace(b"\r", b"").split(b"\n")
    kept = [line for line in lines if line and not (comment and line.startswith(comment))]
    content = hashlib.md5(b"\n".join(kept), usedforsecurity=False).hexdigest()
    return _compute(f"{table}:{LIQUIBASE_CHECKSUM_VERSION}:{content}")


def _file_bytes(node: XmlNode, attribute: str, changeset: ChangeSet, root: Path) -> bytes:
    path = node.get(attribute)
    if not path:
        raise _NotReproducedError
    relative = (node.get("relativeToChangelogFile") or "").strip().lower() == "true"
    base = (root / changeset.file).parent if relative else root
    resolved = (base / path).resolve()
    if not resolved.is_relative_to(root.resolve()) or not resolved.is_file():
        raise _NotReproducedError
    if attribute == "file":
        return resolved.read_bytes()  # loadData hashes the file's own bytes
    encoding = node.get("encoding") or "utf-8"
    try:
        return resolved.read_text(encoding=encoding).encode()  # sqlFile: its SQL as UTF-8
    except (LookupError, UnicodeDecodeError):
        raise _NotReproducedError from None
