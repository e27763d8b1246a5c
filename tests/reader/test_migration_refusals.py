"""What ``migrate`` would refuse is a ``lint`` error (and ``generate`` and ``migrate`` refuse the
regulation before changing anything); ``lint --strict`` fails on warnings too. Each case is a refusal
path of the migrator (runner or SQL builders), checked on the real PostgreSQL: it does fail there once
the reader's check is out of the way."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from codegen.cli import app
from codegen.migrate import MigrationError, migrate
from codegen.reader import read_regulation
from schemas.regulation import Severity

from .conftest import WriteChangelog

runner = CliRunner()

PERSON = """<changeSet id="person" author="test">
  <createTable tableName="person" ext:historyFlag="true">
    <column name="person_id" type="UUID"><constraints primaryKey="true"/></column>
    <column name="name" type="TEXT"/>
  </createTable>
</changeSet>"""


def search_on(column: str, name: str = "person_by_x") -> str:
    return f"""<changeSet id="sc {name}" author="test">
  <ext:createSearchCondition name="{name}">
    <ext:table name="person"><ext:column name="person_id"/><ext:column name="{column}"/></ext:table>
  </ext:createSearchCondition>
</changeSet>"""


# (what it is, changesets after PERSON, the code lint reports, its severity)
CASES = [
    (
        "duplicate changeSet",
        '<changeSet id="person" author="test"><sql>select 1</sql></changeSet>',
        "DUPLICATE_CHANGESET",
        Severity.ERROR,
    ),
    ("unknown column in a search condition", search_on("nope"), "UNKNOWN_COLUMN", Severity.ERROR),
    (
        "sqlFile that does not exist",
        '<changeSet id="f" author="test"><sqlFile path="data-model/missing.sql"/></changeSet>',
        "MIGRATION_REFUSED",
        Severity.ERROR,
    ),
    (
        "sqlFile outside the regulation",
        '<changeSet id="f" author="test"><sqlFile path="../../outside.sql"/></changeSet>',
        "MIGRATION_REFUSED",
        Severity.ERROR,
    ),
    (
        "a procedure of the reference platform's database",
        "<changeSet id=\"load\" author=\"test\"><sql>CALL p_load_table_from_csv('person', 'x.csv')</sql>"
        "</changeSet>",
        "MIGRATION_REFUSED",
        Severity.ERROR,
    ),
    (
        "a Liquibase change the migrator does not support",
        '<changeSet id="rv" author="test"><renameView oldViewName="a" newViewName="b"/></changeSet>',
        "MIGRATION_REFUSED",
        Severity.ERROR,
    ),
    (
        "an extension tag nobody knows",
        '<changeSet id="new" author="test"><ext:somethingNew name="x"/></changeSet>',
        "MIGRATION_REFUSED",
        Severity.ERROR,
    ),
    (
        "addColumn without a column",
        '<changeSet id="ac" author="test"><addColumn tableName="person"/></changeSet>',
        "MIGRATION_REFUSED",
        Severity.ERROR,
    ),
    (
        "a foreign key with an unknown referential action",
        '<changeSet id="fk" author="test"><addForeignKeyConstraint baseTableName="person"'
        ' baseColumnNames="person_id" referencedTableName="person" referencedColumnNames="person_id"'
        ' constraintName="fk_self" onDelete="EXPLODE"/></changeSet>',
        "MIGRATION_REFUSED",
        Severity.ERROR,
    ),
    (
        "a context expression migrate cannot read",
        '<changeSet id="ctx" author="test" context="pub and"><sql>select 1</sql></changeSet>',
        "CONTEXT_INVALID",
        Severity.ERROR,
    ),
]


@pytest.mark.parametrize(("what", "changesets", "code", "severity"), CASES, ids=[c[0] for c in CASES])
def test_what_migrate_refuses_is_a_lint_error_and_migrate_does_refuse(
    what: str,
    changesets: str,
    code: str,
    severity: Severity,
    write_changelog: WriteChangelog,
    regulation_root: Path,
    database_url: str,
) -> None:
    write_changelog(PERSON + changesets)
    regulation = read_regulation(regulation_root)
    assert [(d.code, d.severity) for d in regulation.diagnostics if d.severity is Severity.ERROR] == [
        (code, severity)
    ], [str(d) for d in regulation.diagnostics]
    result = runner.invoke(app, ["lint", str(regulation_root)])
    assert result.exit_code == 1 and f"ERROR {code} " in result.output

    engine = sa.create_engine(database_url)
    try:
        with pytest.raises(MigrationError, match="the regulation has 1 error"):
            migrate(regulation, engine)
        assert "databasechangelog" not in sa.inspect(engine).get_table_names()  # nothing was done
        # The finding is right: with the reader's verdict out of the way, migrate fails on it (with the
        # contexts `serve` migrates with: no context expression is read without any).
        with pytest.raises(MigrationError):
            migrate(replace(regulation, diagnostics=()), engine, contexts="!pub")
    finally:
        engine.dispose()


def test_generate_refuses_a_regulation_migrate_would_refuse(
    write_changelog: WriteChangelog, regulation_root: Path, tmp_path: Path
) -> None:
    write_changelog(PERSON + search_on("nope"))
    result = runner.invoke(app, ["generate", str(regulation_root), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and "UNKNOWN_COLUMN" in result.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_after_raw_sql_an_unknown_column_is_only_a_warning(
    write_changelog: WriteChangelog, regulation_root: Path, database_url: str
) -> None:
    """Raw SQL may add columns the regulation does not declare: the database is the judge then."""
    added = '<changeSet id="nick" author="test"><sql>ALTER TABLE person ADD nick text</sql></changeSet>'
    write_changelog(PERSON + added + search_on("nick"))
    regulation = read_regulation(regulation_root)
    assert [(d.code, d.severity) for d in regulation.diagnostics] == [
        ("UNKNOWN_COLUMN_AFTER_SQL", Severity.WARNING)
    ]
    report = migrate(regulation, database_url)  # and it is right: the column is there
    assert [r.id for r in report.executed][-1] == "sc person_by_x"


def test_a_refusal_in_a_context_is_a_warning(write_changelog: WriteChangelog, regulation_root: Path) -> None:
    load = (
        '<changeSet id="load" author="test" context="pub">'
        "<sql>CALL p_load_table_from_csv('person', 'x.csv')</sql></changeSet>"
    )
    write_changelog(PERSON + load)
    regulation = read_regulation(regulation_root)
    assert [(d.code, d.severity) for d in regulation.diagnostics] == [
        ("MIGRATION_REFUSED_IN_CONTEXT", Severity.WARNING)
    ]


def test_strict_lint_fails_on_warnings(write_changelog: WriteChangelog, regulation_root: Path) -> None:
    write_changelog(PERSON.replace(' ext:historyFlag="true"', ""))  # HISTORY_FLAG_MISSING: a warning
    assert runner.invoke(app, ["lint", str(regulation_root)]).exit_code == 0
    strict = runner.invoke(app, ["lint", str(regulation_root), "--strict"])
    assert strict.exit_code == 1 and "WARNING HISTORY_FLAG_MISSING" in strict.output
    write_changelog(PERSON)
    assert runner.invoke(app, ["lint", str(regulation_root), "--strict"]).exit_code == 0


def test_file_columns_need_a_single_column_key(
    write_changelog: WriteChangelog, regulation_root: Path
) -> None:
    """The service reads a file as /files/<table>/<id>/<field>/<fileId>: one id names the row."""
    write_changelog(
        """<changeSet id="versioned" author="test">
  <createTable tableName="versioned_doc" ext:historyFlag="true">
    <column name="doc_id" type="UUID"/><column name="version" type="INT"/>
    <column name="scan" type="type_file"/>
  </createTable>
  <addPrimaryKey tableName="versioned_doc" columnNames="doc_id, version"/>
</changeSet>"""
    )
    regulation = read_regulation(regulation_root)
    assert [d.code for d in regulation.errors] == ["FILE_COLUMNS_NEED_SINGLE_KEY"]
