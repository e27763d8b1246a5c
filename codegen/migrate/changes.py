"""Turns one change of a changeset into the SQL statements that apply it (or into a notice, for tags
that shape only the API or need the reference platform's infrastructure)."""

# ruff: noqa: S608 -- building SQL text is this module's job: identifiers are always quoted, values
# are literals, and the modeller's own SQL fragments (types, computed defaults) are trusted input.

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from codegen.migrate import tables, views
from codegen.migrate.sqltext import column_type, ident, idents, literal
from codegen.migrate.state import ChangeError, SchemaState, flag, local_tag, required
from schemas.regulation import Change, ChangeSet, Many2Many, SearchCondition, XmlNode


@dataclass
class BuildEnv:
    root: Path  # the regulation root (sqlFile / loadData paths)
    changeset: ChangeSet
    state: SchemaState
    notices: list[str] = field(default_factory=list)
    tag: str | None = None  # set by tagDatabase


Handler = Callable[[Change, BuildEnv], list[str]]


def _node_handler(build: Callable[[XmlNode, SchemaState], list[str]]) -> Handler:
    return lambda change, env: build(change.node, env.state)


# Tags that shape the generated API only: nothing to do in the database, the changeset is recorded.
API_ONLY_TAGS = frozenset(
    {
        "exposeSearchCondition",
        "rbac",
        "partialUpdate",
        "tableReadParameters",
        "createCompositeEntity",
        "alterTableApi",
        "rls",
    }
)

# Tags that need the reference platform's replica, Citus, Redash or row-level-security machinery.
PLATFORM_ONLY_TAGS = frozenset(
    {
        "createAnalyticsView",
        "dropAnalyticsView",
        "createAnalyticsIndex",
        "grant",
        "revoke",
        "grantAll",
        "revokeAll",
        "makeObject",
        "distributeTable",
        "referenceTable",
        "undistributeTable",
        "truncateLocalDataAfterDistributingTable",
        "createAsyncLoad",
        "deleteAsyncLoad",
    }
)

# Stored procedures of the reference platform's registry database that plain PostgreSQL lacks.
PLATFORM_PROCEDURES = re.compile(
    r"\b(p_load_table_from_csv|p_version_control|p_init_new_hist_table|p_alter_table|p_grant_analytics_user"
    r"|p_revoke_analytics_user|p_raise_notice|p_row_insert|p_row_update|p_row_delete|p_format_sys_columns"
    r"|f_check_permissions|f_get_id_from_ref_table|f_get_id_from_ref_array_table|f_get_ref_record"
    r"|f_get_id_name|f_edrpou_is_correct)\s*\(",
    re.IGNORECASE,
)


def build_change(change: Change, env: BuildEnv) -> list[str]:
    """The statements for one change; raises ``ChangeError`` for a change that cannot be applied."""
    # By local name, whatever the prefix: the reader reads <exposeSearchCondition> or xsi:rbac as the
    # ext: tag (EXT_PREFIX_MISSING, EXT_NAMESPACE), and none of these names is a Liquibase change.
    name = local_tag(change.tag)
    if name in API_ONLY_TAGS:
        return []
    if name in PLATFORM_ONLY_TAGS:
        env.notices.append(
            f"NOTICE: {change.tag} at {change.location} needs the reference platform "
            "(replica/Citus/analytics/async load); not applicable on plain PostgreSQL, "
            "recorded as executed"
        )
        return []
    handler = _HANDLERS.get(name)
    if handler is None:
        raise ChangeError("this change is not supported by the migrator")
    return handler(change, env)


def track_change(change: Change, state: SchemaState) -> None:
    """Remember what later changes need to know (primary keys, history tables, renames)."""
    tracker = _TRACKERS.get(local_tag(change.tag))
    if tracker is not None:
        tracker(change.node, state)


# --- types and domains -----------------------------------------------------------------------------


def _type_name(node: XmlNode) -> str:
    """Types and domains are referenced unquoted in column types (``type="typeComposite"``), where
    PostgreSQL folds them to lower case; so they are created folded too."""
    return ident(required(node, "name").lower())


def _create_type(change: Change, env: BuildEnv) -> list[str]:
    node = change.node
    name = _type_name(node)
    for child in node.children:
        kind = local_tag(child.tag)
        if kind == "asEnum":
            labels = [
                (label.text or "").strip() for label in child.children if local_tag(label.tag) == "label"
            ]
            if not labels:
                raise ChangeError(f"enum {node.get('name')!r} has no labels")
            return [f"CREATE TYPE {name} AS ENUM ({', '.join(literal(label) for label in labels)})"]
        if kind == "asComposite":
            fields = []
            for column in child.children:
                if local_tag(column.tag) != "column":
                    continue
                collation = column.get("collation")
                collate = f" COLLATE {ident(collation)}" if collation else ""
                fields.append(
                    f"{ident(required(column, 'name'))} {column_type(required(column, 'type'))}{collate}"
                )
            if not fields:
                raise ChangeError(f"composite type {node.get('name')!r} has no columns")
            return [f"CREATE TYPE {name} AS ({', '.join(fields)})"]
    raise ChangeError("createType needs ext:asEnum or ext:asComposite")


def _drop_type(change: Change, env: BuildEnv) -> list[str]:
    return [f"DROP TYPE {_type_name(change.node)}"]


def _create_domain(change: Change, env: BuildEnv) -> list[str]:
    node = change.node
    sql = f"CREATE DOMAIN {_type_name(node)} AS {column_type(required(node, 'type'))}"
    if node.get("collation"):
        sql += f" COLLATE {ident(required(node, 'collation'))}"
    default = tables.default_expression(node)
    if default is not None:
        sql += f" DEFAULT {default}"
    if not flag(node, "nullable", default=True):
        sql += " NOT NULL"
    for constraint in node.children:
        if local_tag(constraint.tag) != "constraint":
            continue
        name = constraint.get("name")
        sql += (f" CONSTRAINT {ident(name)}" if name else "") + f" {_domain_constraint(constraint)}"
    return [sql]


_DOMAIN_CONSTRAINT = re.compile(r"^\s*(NOT\s+NULL|NULL|CHECK\s*\(.*\))\s*$", re.IGNORECASE | re.DOTALL)


def _domain_constraint(constraint: XmlNode) -> str:
    """The XSD's forms (``NOT NULL``, ``NULL``, ``CHECK (...)``) as written; a bare expression (as some
    regulations write it) as ``CHECK (expression)``."""
    implementation = required(constraint, "implementation")
    if _DOMAIN_CONSTRAINT.match(implementation):
        return implementation.strip()
    return f"CHECK ({implementation})"


def _drop_domain(change: Change, env: BuildEnv) -> list[str]:
    return [f"DROP DOMAIN {_type_name(change.node)}"]


# --- search conditions and many-to-many ------------------------------------------------------------


def _create_search_condition(change: Change, env: BuildEnv) -> list[str]:
    if not isinstance(change.model, SearchCondition):
        raise ChangeError("the reader gave no search-condition model for this change")
    return views.create_search_condition(change.model, env.state)


def _drop_search_condition(change: Change, env: BuildEnv) -> list[str]:
    return views.drop_search_condition(required(change.node, "name"))


def _create_many2many(change: Change, env: BuildEnv) -> list[str]:
    if not isinstance(change.model, Many2Many):
        raise ChangeError("the reader gave no many-to-many model for this change")
    return views.create_many2many(change.model, env.state)


# --- views, sequences, raw SQL ----------------------------------------------------------------------


def _create_view(change: Change, env: BuildEnv) -> list[str]:
    node = change.node
    query = (node.text or "").strip().rstrip(";")
    if not query:
        raise ChangeError("createView has no query")
    if flag(node, "fullDefinition"):
        return [query]
    replace = "OR REPLACE " if flag(node, "replaceIfExists") else ""
    return [f"CREATE {replace}VIEW {ident(required(node, 'viewName'))} AS\n{query}"]


def _drop_view(change: Change, env: BuildEnv) -> list[str]:
    exists = "IF EXISTS " if flag(change.node, "ifExists") else ""
    return [f"DROP VIEW {exists}{ident(required(change.node, 'viewName'))}"]


def _create_sequence(change: Change, env: BuildEnv) -> list[str]:
    node = change.node
    sql = f"CREATE SEQUENCE {ident(required(node, 'sequenceName'))}"
    for attribute, clause in (
        ("incrementBy", "INCREMENT BY"),
        ("minValue", "MINVALUE"),
        ("maxValue", "MAXVALUE"),
        ("startValue", "START WITH"),
    ):
        value = node.get(attribute)
        if value is not None:
            sql += f" {clause} {int(value)}"
    return [sql]


def _drop_sequence(change: Change, env: BuildEnv) -> list[str]:
    return [f"DROP SEQUENCE {ident(required(change.node, 'sequenceName'))}"]


def _runs_on_postgresql(node: XmlNode) -> bool:
    dbms = node.get("dbms")
    if not dbms:
        return True
    names = {d.strip().lower() for d in dbms.split(",")}
    if "none" in names:
        return False
    positives = {n for n in names if not n.startswith("!")}
    if "!postgresql" in names:
        return False
    return not positives or bool(positives & {"postgresql", "all"})


def _raw_sql(text: str, change: Change, env: BuildEnv) -> list[str]:
    platform_call = PLATFORM_PROCEDURES.search(text)
    if platform_call:
        raise ChangeError(
            f"it calls {platform_call.group(1)}(), a procedure of the reference platform's database that "
            "plain PostgreSQL does not have; leave this changeset out with --contexts (e.g. '!pub' for the "
            "reference's dictionary loads)"
        )
    return [text] if text.strip() else []


def _sql(change: Change, env: BuildEnv) -> list[str]:
    if not _runs_on_postgresql(change.node):
        env.notices.append(f"NOTICE: sql at {change.location} is for dbms={change.node.get('dbms')}; skipped")
        return []
    return _raw_sql(change.node.text or "", change, env)


def _resolve(env: BuildEnv, path: str, relative_to_changelog: bool) -> Path:
    base = (env.root / env.changeset.file).parent if relative_to_changelog else env.root
    resolved = (base / path).resolve()
    if not resolved.is_relative_to(env.root.resolve()):
        raise ChangeError(f"file {path!r} lies outside the regulation")
    if not resolved.is_file():
        raise ChangeError(f"file {path!r} not found (looked for {resolved})")
    return resolved


def _sql_file(change: Change, env: BuildEnv) -> list[str]:
    node = change.node
    if not _runs_on_postgresql(node):
        env.notices.append(f"NOTICE: sqlFile at {change.location} is for dbms={node.get('dbms')}; skipped")
        return []
    path = _resolve(env, required(node, "path"), flag(node, "relativeToChangelogFile"))
    return _raw_sql(path.read_text(encoding=node.get("encoding") or "utf-8"), change, env)


# --- data changes ---------------------------------------------------------------------------------


def _value(column: XmlNode) -> str:
    value = tables.default_expression(column, prefix="value")
    return "NULL" if value is None else value


def _insert(change: Change, env: BuildEnv) -> list[str]:
    node = change.node
    columns = [c for c in node.children if local_tag(c.tag) == "column"]
    if not columns:
        raise ChangeError("insert gives no column values")
    names = idents([required(c, "name") for c in columns])
    values = ", ".join(_value(c) for c in columns)
    return [f"INSERT INTO {ident(required(node, 'tableName'))} ({names}) VALUES ({values})"]


def _where(node: XmlNode) -> str:
    for child in node.children:
        if local_tag(child.tag) == "where" and (child.text or "").strip():
            return f" WHERE {(child.text or '').strip()}"
    return ""


def _update(change: Change, env: BuildEnv) -> list[str]:
    node = change.node
    columns = [c for c in node.children if local_tag(c.tag) == "column"]
    if not columns:
        raise ChangeError("update gives no column values")
    assignments = ", ".join(f"{ident(required(c, 'name'))} = {_value(c)}" for c in columns)
    return [f"UPDATE {ident(required(node, 'tableName'))} SET {assignments}{_where(node)}"]


def _delete(change: Change, env: BuildEnv) -> list[str]:
    node = change.node
    return [f"DELETE FROM {ident(required(node, 'tableName'))}{_where(node)}"]


def _load_data(change: Change, env: BuildEnv) -> list[str]:
    """CSV rows inserted as literals (PostgreSQL casts them to the column types); empty or NULL → NULL."""
    node = change.node
    path = _resolve(env, required(node, "file"), flag(node, "relativeToChangelogFile"))
    separator = node.get("separator") or ","
    quote = node.get("quotchar") or '"'
    comment = node.get("commentLineStartsWith", "#")  # Liquibase skips such lines (default "#")
    declared = {
        (c.get("header") or c.get("name") or ""): c for c in node.children if local_tag(c.tag) == "column"
    }
    with path.open(encoding=node.get("encoding") or "utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter=separator, quotechar=quote)
        header = next(reader, None)
        if header is None:
            return []
        targets: list[tuple[int, str, str]] = []  # (csv index, column, kind)
        for index, title in enumerate(header):
            column = declared.get(title.strip())
            kind = (column.get("type") or "STRING").upper() if column is not None else "STRING"
            if kind == "SKIP":
                continue
            name = (column.get("name") if column is not None else None) or title.strip()
            targets.append((index, name, kind))
        rows = [
            "(" + ", ".join(_csv_value(row[i] if i < len(row) else "", kind) for i, _, kind in targets) + ")"
            for row in reader
            if row and not (comment and row[0].startswith(comment))
        ]
    if not rows:
        return []
    table = ident(required(node, "tableName"))
    names = idents([name for _, name, _ in targets])
    return [
        f"INSERT INTO {table} ({names}) VALUES\n" + ",\n".join(rows[start : start + 500])
        for start in range(0, len(rows), 500)
    ]


def _csv_value(raw: str, kind: str) -> str:
    if raw == "" or raw.upper() == "NULL":
        return "NULL"
    return raw if kind == "COMPUTED" else literal(raw)


def _tag_database(change: Change, env: BuildEnv) -> list[str]:
    env.tag = required(change.node, "tag")
    return []


def _nothing(change: Change, env: BuildEnv) -> list[str]:
    return []


_HANDLERS: dict[str, Handler] = {
    "createTable": _node_handler(tables.create_table),
    "addColumn": _node_handler(tables.add_column),
    "dropColumn": _node_handler(tables.drop_column),
    "renameColumn": _node_handler(tables.rename_column),
    "modifyDataType": _node_handler(tables.modify_data_type),
    "renameTable": _node_handler(tables.rename_table),
    "dropTable": _node_handler(tables.drop_table),
    "addUniqueConstraint": _node_handler(tables.add_unique_constraint),
    "dropUniqueConstraint": _node_handler(tables.drop_constraint),
    "addPrimaryKey": _node_handler(tables.add_primary_key),
    "dropPrimaryKey": _node_handler(tables.drop_primary_key),
    "addForeignKeyConstraint": _node_handler(tables.add_foreign_key),
    "dropForeignKeyConstraint": _node_handler(tables.drop_constraint),
    "addNotNullConstraint": _node_handler(tables.add_not_null),
    "dropNotNullConstraint": _node_handler(tables.drop_not_null),
    "addDefaultValue": _node_handler(tables.add_default_value),
    "dropDefaultValue": _node_handler(tables.drop_default_value),
    "createIndex": _node_handler(tables.create_index),
    "dropIndex": _node_handler(tables.drop_index),
    "createView": _create_view,
    "dropView": _drop_view,
    "createSequence": _create_sequence,
    "dropSequence": _drop_sequence,
    "sql": _sql,
    "sqlFile": _sql_file,
    "insert": _insert,
    "update": _update,
    "delete": _delete,
    "loadData": _load_data,
    "tagDatabase": _tag_database,
    "empty": _nothing,
    "output": _nothing,
    "createType": _create_type,
    "dropType": _drop_type,
    "createDomain": _create_domain,
    "dropDomain": _drop_domain,
    "createSearchCondition": _create_search_condition,
    "createSimpleSearchCondition": _create_search_condition,
    "dropSearchCondition": _drop_search_condition,
    "createMany2Many": _create_many2many,
}

_TRACKERS: dict[str, Callable[[XmlNode, SchemaState], None]] = {
    "createTable": tables.track_create_table,
    "renameTable": tables.track_rename_table,
    "dropTable": tables.track_drop_table,
    "addPrimaryKey": tables.track_add_primary_key,
    "addColumn": tables.track_add_column,
    "dropColumn": tables.track_drop_column,
    "renameColumn": tables.track_rename_column,
    "modifyDataType": tables.track_modify_data_type,
}
