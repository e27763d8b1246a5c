"""The SQL the migrator builds from hand-made changes (no database): quoting, types, history tables,
defaults, search-condition views, contexts."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.migrate.changes import BuildEnv, build_change, track_change
from codegen.migrate.contexts import RuntimeContexts
from codegen.migrate.sqltext import column_type, ident
from codegen.migrate.state import ChangeError, SchemaState
from codegen.migrate.views import search_condition_query
from schemas.platform import HISTORY_TABLE_SERVICE_COLUMNS, MAIN_TABLE_SERVICE_COLUMNS
from schemas.regulation import (
    Change,
    ChangeSet,
    Condition,
    Cte,
    Join,
    Location,
    LogicOperatorType,
    ScColumn,
    ScFunction,
    ScTable,
    SearchCondition,
    SearchType,
    XmlNode,
)

HERE = Location("data-model/test.xml", 1)


def node(tag: str, children: tuple[XmlNode, ...] = (), text: str | None = None, **attributes: str) -> XmlNode:
    return XmlNode(tag, tuple((k.replace("__", ":"), v) for k, v in attributes.items()), text, children)


def column(name: str, type_: str, *constraints: XmlNode, **attributes: str) -> XmlNode:
    return node("column", constraints, name=name, type=type_, **attributes)


def build(*changes: XmlNode, state: SchemaState | None = None) -> list[str]:
    state = state or SchemaState()
    changeset = ChangeSet("1", "me", "data-model/test.xml", HERE, (), "c")
    env = BuildEnv(root=Path("."), changeset=changeset, state=state)
    statements: list[str] = []
    for element in changes:
        change = Change(element, HERE)
        statements += build_change(change, env)
        track_change(change, state)
    return statements


def test_identifiers_are_quoted_so_reserved_words_work() -> None:
    assert ident("user") == '"user"'
    assert ident('we"ird') == '"we""ird"'
    sql = build(node("createTable", (column("id", "UUID"),), tableName="user"))
    assert sql[0].startswith('CREATE TABLE "user" (')


def test_file_types_map_to_the_composite() -> None:
    assert column_type("file") == "type_file"
    assert column_type("file[]") == "type_file[]"
    assert column_type("TYPE_FILE") == "type_file"
    assert column_type("DATETIME") == "TIMESTAMP"
    assert column_type("varchar(50)") == "varchar(50)"
    assert column_type("UUID[]") == "UUID[]"


def test_create_table_with_constraints_defaults_and_remarks() -> None:
    table = node(
        "ext:createTable",
        (
            column(
                "id",
                "UUID",
                node("constraints", nullable="false", primaryKey="true", primaryKeyName="pk_t"),
                defaultValueComputed="uuid_generate_v4()",
            ),
            column(
                "code",
                "TEXT",
                node("constraints", unique="true", uniqueConstraintName="uq_code"),
                defaultValue="it's",
            ),
            column("n", "INT", defaultValueNumeric="5"),
            column("flag", "BOOLEAN", defaultValueBoolean="true"),
            column(
                "parent",
                "UUID",
                node(
                    "constraints",
                    foreignKeyName="fk_parent",
                    referencedTableName="t",
                    referencedColumnNames="id",
                    deleteCascade="true",
                ),
            ),
            node("ext:column", name="tags", type="TEXT[]"),
            column("scan", "file[]", remarks="Scans"),
        ),
        tableName="t",
        remarks="A table",
    )
    sql = build(table)
    create = sql[0]
    assert '"id" UUID DEFAULT uuid_generate_v4() NOT NULL' in create
    assert "\"code\" TEXT DEFAULT 'it''s'" in create
    assert '"n" INT DEFAULT 5' in create
    assert '"flag" BOOLEAN DEFAULT TRUE' in create
    assert '"tags" TEXT[]' in create
    assert '"scan" type_file[]' in create
    assert 'CONSTRAINT "pk_t" PRIMARY KEY ("id")' in create
    assert 'CONSTRAINT "uq_code" UNIQUE ("code")' in create
    assert 'CONSTRAINT "fk_parent" FOREIGN KEY ("parent") REFERENCES "t" ("id") ON DELETE CASCADE' in create
    assert "COMMENT ON TABLE \"t\" IS 'A table'" in sql
    assert 'COMMENT ON COLUMN "t"."scan" IS \'Scans\'' in sql
    assert not any("_hst" in s for s in sql)  # no history flag, no history table


def test_history_flag_adds_service_columns_and_history_table() -> None:
    table = node(
        "createTable",
        (
            column("id", "UUID", node("constraints", primaryKey="true", nullable="false")),
            column("doc", "file"),
        ),
        tableName="t",
        ext__historyFlag="true",
    )
    sql = build(table)
    for service in MAIN_TABLE_SERVICE_COLUMNS:
        assert f'"{service.name}"' in sql[0]
    history = next(s for s in sql if s.startswith('CREATE TABLE "t_hst"'))
    assert '"ddm_id" UUID DEFAULT gen_random_uuid() NOT NULL PRIMARY KEY' in history
    assert '"doc" type_file' in history
    assert "REFERENCES" not in history and '"id" UUID,' in history  # columns without constraints
    for service in HISTORY_TABLE_SERVICE_COLUMNS:
        assert f'"{service.name}" {service.type}' in history
    assert '"ddm_dml_op" CHAR(1) NOT NULL' in history


def test_column_changes_mirror_to_the_history_table() -> None:
    state = SchemaState()
    build(node("createTable", (column("id", "UUID"),), tableName="h", ext__historyFlag="true"), state=state)
    sql = build(
        node("addColumn", (column("note", "TEXT"),), tableName="h"),
        node("renameColumn", tableName="h", oldColumnName="note", newColumnName="remark"),
        node("modifyDataType", tableName="h", columnName="remark", newDataType="varchar(20)"),
        node("dropColumn", tableName="h", columnName="remark"),
        state=state,
    )
    assert 'ALTER TABLE "h_hst" ADD COLUMN "note" TEXT' in sql
    assert 'ALTER TABLE "h_hst" RENAME COLUMN "note" TO "remark"' in sql
    assert any(s.startswith('ALTER TABLE "h_hst" ALTER COLUMN "remark" TYPE varchar(20)') for s in sql)
    assert 'ALTER TABLE "h_hst" DROP COLUMN "remark"' in sql
    plain = build(node("addColumn", (column("x", "TEXT"),), tableName="plain"))
    assert plain == ['ALTER TABLE "plain" ADD COLUMN "x" TEXT']


def test_types_domains_and_data_changes() -> None:
    enum = node(
        "ext:createType",
        (node("ext:asEnum", (node("ext:label", text="A"), node("ext:label", text="B'"))),),
        name="Kind",
    )
    composite = node(
        "ext:createType",
        (node("ext:asComposite", (node("ext:column", name="a", type="text"),)),),
        name="pair",
    )
    domain = node(
        "ext:createDomain",
        (node("ext:constraint", name="ck", implementation="VALUE <> ''"),),
        name="dn_code",
        type="TEXT",
        nullable="false",
    )
    insert = node(
        "insert",
        (
            column("a", "", value="x"),
            column("b", "", valueNumeric="2"),
            column("c", "", valueComputed="now()"),
        ),
        tableName="user",
    )
    update = node("update", (column("a", "", value="y"), node("where", text="b = 2")), tableName="user")
    sql = build(enum, composite, domain, insert, update)
    assert sql[0] == "CREATE TYPE \"kind\" AS ENUM ('A', 'B''')"
    assert sql[1] == 'CREATE TYPE "pair" AS ("a" text)'
    assert sql[2] == 'CREATE DOMAIN "dn_code" AS TEXT NOT NULL CONSTRAINT "ck" CHECK (VALUE <> \'\')'
    assert sql[3] == 'INSERT INTO "user" ("a", "b", "c") VALUES (\'x\', 2, now())'
    assert sql[4] == 'UPDATE "user" SET "a" = \'y\' WHERE b = 2'


def test_api_only_tags_need_no_sql_and_unknown_tags_are_errors() -> None:
    assert build(node("ext:rbac"), node("ext:exposeSearchCondition", name="x")) == []
    with pytest.raises(ChangeError, match="not supported"):
        build(node("ext:somethingNew"))
    with pytest.raises(ChangeError, match="p_load_table_from_csv"):
        build(node("sql", text="CALL p_load_table_from_csv('t', 'f.csv', array['a']);"))


def test_search_condition_view_has_every_column_joins_and_where() -> None:
    sc = SearchCondition(
        name="np_by_obl",
        tables=(
            ScTable(
                "koatuu",
                "np",
                columns=(
                    ScColumn("np", "koatuu_id"),
                    ScColumn("np", "name", search_type=SearchType.STARTS_WITH),
                    ScColumn("np", "level1", returning=False, search_type=SearchType.EQUAL),
                ),
            ),
            ScTable("koatuu", "rn", columns=(ScColumn("rn", "name", alias="name_rn"),)),
        ),
        joins=(
            Join(
                "left",
                "np",
                ("level2",),
                "rn",
                ("code",),
                conditions=(Condition("rn", "type", "eq", "'Р'", LogicOperatorType.AND),),
            ),
        ),
        where=(
            Condition("np", "type", "eq", "'НП'"),
            Condition(
                None,
                None,
                None,
                None,
                LogicOperatorType.OR,
                conditions=(
                    Condition("np", "code", "in", "'1','2'"),
                    Condition("np", "level2", "isNull", "true", LogicOperatorType.AND),
                ),
            ),
        ),
        limit=100,
    )
    sql = search_condition_query(sc)
    assert '"np"."level1" AS "level1"' in sql  # non-returning columns are in the view too
    assert '"rn"."name" AS "name_rn"' in sql
    assert 'LEFT JOIN "koatuu" AS "rn" ON "np"."level2" = "rn"."code" AND "rn"."type" = \'Р\'' in sql
    assert 'WHERE ("np"."type" = \'НП\' OR ("np"."code" IN (\'1\',\'2\') AND "np"."level2" IS NULL))' in sql
    assert "LIMIT" not in sql and "ORDER BY" not in sql


def test_search_condition_functions_group_and_ctes() -> None:
    sc = SearchCondition(
        name="counted",
        tables=(
            ScTable(
                "lab",
                "lab",
                columns=(ScColumn("lab", "edrpou"),),
                functions=(ScFunction("lab", "count", "lab_id", "cnt"),),
            ),
        ),
        ctes=(Cte("recent", (ScTable("lab", "l", columns=(ScColumn("l", "lab_id"),)),), limit=5),),
    )
    sql = search_condition_query(sc)
    assert sql.startswith('WITH "recent" AS (')
    assert 'count("lab"."lab_id") AS "cnt"' in sql
    assert 'GROUP BY "lab"."edrpou"' in sql
    assert "LIMIT 5" in sql  # a CTE's own limit is part of its definition


@pytest.mark.parametrize(
    ("runtime", "changeset", "runs"),
    [
        (None, "pub", True),  # no contexts given: everything runs (Liquibase)
        ("!pub", "pub", False),
        ("!pub", None, True),
        ("!pub", "!code-review", True),
        ("!pub", "pub, sub", True),
        ("!pub", "pub and sub", False),
        ("sub", "pub", False),
        ("sub", "pub, sub", True),
        ("sub", "!pub", True),
        ("a,b", "a and b", True),
        ("a", "a and (b or not c)", True),
        ("a,c", "a and (b or not c)", False),
    ],
)
def test_context_expressions(runtime: str | None, changeset: str | None, runs: bool) -> None:
    assert RuntimeContexts.parse(runtime).allows(changeset) is runs
