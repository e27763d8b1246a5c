"""Liquibase interop both ways, with the real Liquibase 4.3 CLI on a PostgreSQL over TCP: a database
``registry-api migrate`` migrated passes Liquibase's ``validate`` and ``status`` (our ``md5sum`` values are
the ones Liquibase computes), and a database Liquibase migrated is adopted by ``migrate`` (its changesets
recognised as applied, nothing run twice), with edits still detected by our own checksum. Plain
changesets only: the reference's ``ext:`` extension jar is not available."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from codegen.cli import app
from codegen.migrate import MigrationError, migrate
from codegen.reader import read_regulation
from tests.interop.liquibase import Liquibase, find_liquibase
from tests.interop.tcp_postgres import TcpPostgres

pytestmark = pytest.mark.slow

NAMESPACES = (
    'xmlns="http://www.liquibase.org/xml/ns/dbchangelog" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://www.liquibase.org/xml/ns/dbchangelog '
    'http://www.liquibase.org/xml/ns/dbchangelog/dbchangelog-4.2.xsd"'
)
MAIN = f"""<?xml version="1.0" encoding="UTF-8"?>
<databaseChangeLog {NAMESPACES}>
    <include file="data-model/tables.xml"/>
    <include file="data-model/data.xml"/>
</databaseChangeLog>
"""
# A registry's plain changesets, in the reference's style: every change the migrator and Liquibase share.
TABLES = f"""<?xml version="1.0" encoding="UTF-8"?>
<databaseChangeLog {NAMESPACES}>
    <changeSet id="table koatuu" author="registry owner">
        <comment>CREATE TABLE koatuu</comment>
        <createTable tableName="koatuu" remarks="Адміністративні одиниці">
            <column name="koatuu_id" type="UUID" defaultValueComputed="gen_random_uuid()">
                <constraints nullable="false" primaryKey="true" primaryKeyName="pk_koatuu_id"/>
            </column>
            <column name="code" type="TEXT" remarks="Код">
                <constraints nullable="false" unique="true"/>
            </column>
            <column name="name" type="TEXT"><constraints nullable="false"/></column>
            <column name="level" type="INTEGER" defaultValueNumeric="1"/>
            <column name="active" type="BOOLEAN" defaultValueBoolean="true"/>
        </createTable>
    </changeSet>
    <changeSet id="table laboratory" author="registry owner">
        <createTable tableName="laboratory">
            <column name="laboratory_id" type="UUID">
                <constraints nullable="false" primaryKey="true"/>
            </column>
            <column name="name" type="VARCHAR(200)"><constraints nullable="false"/></column>
            <column name="koatuu_id" type="UUID">
                <constraints foreignKeyName="fk_laboratory_koatuu" referencedTableName="koatuu"
                             referencedColumnNames="koatuu_id"/>
            </column>
            <column name="opened" type="DATE" defaultValueDate="2020-01-01"/>
            <column name="head_count" type="NUMERIC(6,1)"/>
        </createTable>
    </changeSet>
    <changeSet id="laboratory changes" author="registry owner">
        <addColumn tableName="laboratory">
            <column name="edrpou" type="TEXT" remarks="ЄДРПОУ"/>
            <column name="phone" type="TEXT"/>
        </addColumn>
        <addUniqueConstraint tableName="laboratory" columnNames="edrpou"
                             constraintName="uq_laboratory_edrpou"/>
        <createIndex tableName="laboratory" indexName="ix_laboratory_name"><column name="name"/></createIndex>
        <addNotNullConstraint tableName="laboratory" columnName="phone" defaultNullValue="-"/>
        <renameColumn tableName="laboratory" oldColumnName="phone" newColumnName="phone_number"/>
        <modifyDataType tableName="laboratory" columnName="phone_number" newDataType="VARCHAR(40)"/>
        <addDefaultValue tableName="laboratory" columnName="phone_number" defaultValue="-"/>
    </changeSet>
    <changeSet id="staff" author="registry owner">
        <createTable tableName="staff">
            <column name="staff_id" type="UUID"><constraints nullable="false" primaryKey="true"/></column>
            <column name="laboratory_id" type="UUID"/>
            <column name="full_name" type="TEXT"/>
        </createTable>
        <addForeignKeyConstraint baseTableName="staff" baseColumnNames="laboratory_id"
                                 constraintName="fk_staff_laboratory" referencedTableName="laboratory"
                                 referencedColumnNames="laboratory_id" onDelete="CASCADE"/>
        <createSequence sequenceName="staff_number" startValue="100" incrementBy="1"/>
    </changeSet>
</databaseChangeLog>
"""
DATA = """<?xml version="1.0" encoding="UTF-8"?>
<databaseChangeLog NAMESPACES>
    <changeSet id="dictionary koatuu" author="registry owner">
        <insert tableName="koatuu">
            <column name="code" value="3200000000"/>
            <column name="name" value="Київська"/>
            <column name="level" valueNumeric="1"/>
        </insert>
        <loadData tableName="koatuu" file="data-model/data/koatuu.csv" separator=",">
            <column name="code" header="code" type="STRING"/>
            <column name="name" header="name" type="STRING"/>
        </loadData>
        <update tableName="koatuu">
            <column name="level" valueNumeric="2"/>
            <where>code = '3210100000'</where>
        </update>
    </changeSet>
    <changeSet id="views" author="registry owner">
        <createView viewName="koatuu_active">SELECT koatuu_id, code FROM koatuu WHERE active</createView>
        <sql>
            COMMENT ON TABLE laboratory IS 'Лабораторії';
            UPDATE koatuu   SET active = TRUE
              WHERE active IS NULL
        </sql>
        <sqlFile path="data-model/data/grants.sql"/>
    </changeSet>
    <changeSet id="release 1" author="registry owner">
        <tagDatabase tag="release-1"/>
    </changeSet>
</databaseChangeLog>
"""
DATA = DATA.replace("NAMESPACES", NAMESPACES, 1)
CSV = "code,name\n# a comment line\n3210100000,Біла Церква\r\n\n3220200000,Бориспіль\n"
SQL = "-- notes\nCREATE TABLE audit_note (note TEXT);\n\nINSERT INTO audit_note VALUES ('нотатка');\n"


@pytest.fixture(scope="module")
def liquibase() -> Liquibase:
    return find_liquibase()


@pytest.fixture(scope="module")
def server() -> Iterator[TcpPostgres]:
    with TcpPostgres() as postgres:
        yield postgres


@pytest.fixture
def regulation(tmp_path: Path) -> Path:
    root = tmp_path / "registry"
    (root / "data-model" / "data").mkdir(parents=True)
    (root / "data-model" / "main-liquibase.xml").write_text(MAIN, encoding="utf-8")
    (root / "data-model" / "tables.xml").write_text(TABLES, encoding="utf-8")
    (root / "data-model" / "data.xml").write_text(DATA, encoding="utf-8")
    (root / "data-model" / "data" / "koatuu.csv").write_bytes(CSV.encode())
    (root / "data-model" / "data" / "grants.sql").write_text(SQL, encoding="utf-8")
    return root


@pytest.fixture
def database(server: TcpPostgres) -> str:
    name = f"lb_{secrets.token_hex(4)}"
    server.create_database(name)
    return name


def rows(server: TcpPostgres, database: str, query: str) -> list[tuple[object, ...]]:
    with psycopg.connect(server.conninfo.replace("dbname=postgres", f"dbname={database}")) as connection:
        return [tuple(r) for r in connection.execute(query)]


def changelog(server: TcpPostgres, database: str) -> dict[tuple[str, str], str | None]:
    """The regulation's rows of databasechangelog: (file, id) → md5sum."""
    found = rows(
        server, database, "SELECT filename, id, md5sum FROM databasechangelog WHERE filename <> 'platform'"
    )
    return {(str(f), str(i)): (None if m is None else str(m)) for f, i, m in found}


def liquibase_run(liquibase: Liquibase, server: TcpPostgres, database: str, root: Path, command: str) -> str:
    return liquibase.run(
        command, root=root, changelog="data-model/main-liquibase.xml", url=server.jdbc_url(database)
    )


def test_liquibase_accepts_a_database_we_migrated(
    liquibase: Liquibase, server: TcpPostgres, database: str, regulation: Path
) -> None:
    report = migrate(read_regulation(regulation), server.url_for(database))
    assert [r.id for r in report.executed if r.file != "platform"] == [
        "table koatuu", "table laboratory", "laboratory changes", "staff",
        "dictionary koatuu", "views", "release 1",
    ]  # fmt: skip
    ours = changelog(server, database)
    assert all(value is not None and value.startswith("8:") for value in ours.values())

    assert "No validation errors found" in liquibase_run(liquibase, server, database, regulation, "validate")
    status = liquibase_run(liquibase, server, database, regulation, "status")
    assert "is up to date" in status
    update = liquibase_run(liquibase, server, database, regulation, "update")
    assert "Update has been successful" in update
    assert changelog(server, database) == ours  # Liquibase ran nothing and changed no checksum
    assert rows(server, database, "SELECT count(*) FROM koatuu") == [(3,)]  # no row loaded twice

    again = migrate(read_regulation(regulation), server.url_for(database))
    assert again.executed == [] and again.adopted == []


def test_a_database_liquibase_migrated_is_adopted_and_edits_are_still_caught(
    liquibase: Liquibase, server: TcpPostgres, database: str, regulation: Path, tmp_path: Path
) -> None:
    assert "Update has been successful" in liquibase_run(liquibase, server, database, regulation, "update")
    theirs = changelog(server, database)
    assert len(theirs) == 7

    report = migrate(read_regulation(regulation), server.url_for(database))
    assert [r.file for r in report.executed] == ["platform"] * len(report.executed)  # only our bootstrap
    assert len(report.adopted) == 7 and report.reran == []
    assert changelog(server, database) == theirs  # what Liquibase wrote stays as it wrote it
    assert rows(server, database, "SELECT count(*) FROM koatuu") == [(3,)]

    # The same regulation read by us gives Liquibase's checksums: each change kind is reproduced.
    other = f"{database}_ours"
    server.create_database(other)
    migrate(read_regulation(regulation), server.url_for(other))
    assert changelog(server, other) == theirs

    # An edit after the adoption is caught by our own checksum, whatever Liquibase recorded.
    tables = regulation / "data-model" / "tables.xml"
    tables.write_text(
        tables.read_text(encoding="utf-8").replace('type="VARCHAR(200)"', 'type="TEXT"'), encoding="utf-8"
    )
    with pytest.raises(
        MigrationError, match=r"'table laboratory' by 'registry owner'.*was changed after it was applied"
    ):
        migrate(read_regulation(regulation), server.url_for(database))
    result = CliRunner().invoke(
        app, ["status", str(regulation), "--database-url", server.url_for(database)], catch_exceptions=False
    )
    assert "changed" in result.output and "table laboratory" in result.output
    tables.write_text(TABLES, encoding="utf-8")

    # A changeset we add to a Liquibase database is one Liquibase then accepts.
    data = regulation / "data-model" / "data.xml"
    added = (
        '<changeSet id="phone index" author="registry owner">'
        '<createIndex tableName="laboratory" indexName="ix_laboratory_phone"><column name="phone_number"/>'
        "</createIndex></changeSet>\n</databaseChangeLog>"
    )
    data.write_text(DATA.replace("</databaseChangeLog>", added), encoding="utf-8")
    assert [r.id for r in migrate(read_regulation(regulation), server.url_for(database)).executed] == [
        "phone index"
    ]
    assert "No validation errors found" in liquibase_run(liquibase, server, database, regulation, "validate")
    assert "is up to date" in liquibase_run(liquibase, server, database, regulation, "status")


def test_a_database_an_older_version_of_ours_migrated_becomes_one_liquibase_accepts(
    liquibase: Liquibase, server: TcpPostgres, database: str, regulation: Path
) -> None:
    """Before the Liquibase-compatible bookkeeping, md5sum held ``9:<md5 of our checksum>``, which
    Liquibase calls an edit. The next migrate recognises those rows as ours and rewrites them."""
    model = read_regulation(regulation)
    migrate(model, server.url_for(database))
    with psycopg.connect(server.conninfo.replace("dbname=postgres", f"dbname={database}")) as connection:
        connection.execute("DROP TABLE ddm_changeset_checksums")
        for changeset in model.changesets:
            import hashlib

            legacy = "9:" + hashlib.md5(changeset.checksum.encode(), usedforsecurity=False).hexdigest()
            connection.execute(
                "UPDATE databasechangelog SET md5sum = %s WHERE id = %s AND author = %s AND filename = %s",
                (legacy, changeset.id, changeset.author, changeset.file),
            )
    report = migrate(model, server.url_for(database))
    assert report.executed == [] and report.adopted == []
    assert all(value is not None and value.startswith("8:") for value in changelog(server, database).values())
    assert "No validation errors found" in liquibase_run(liquibase, server, database, regulation, "validate")


def test_changesets_liquibase_cannot_compute_without_the_reference_jar_get_no_checksum(
    regulation: Path,
) -> None:
    """An ext: tag or attribute (computed by the reference's extension jar) or a ${property} (a
    deployment may pass another value on Liquibase's command line) leaves md5sum NULL: Liquibase fills
    in its own, and never calls NULL an edit."""
    plain = {c.id: c.liquibase_checksum for c in read_regulation(regulation).changesets}
    assert all(plain.values())
    tables = regulation / "data-model" / "tables.xml"
    extended = TABLES.replace(
        '<createTable tableName="staff">', '<createTable tableName="staff" ext:historyFlag="true">'
    )
    tables.write_text(
        extended.replace("<databaseChangeLog ", '<databaseChangeLog xmlns:ext="urn:ext" '), encoding="utf-8"
    )
    data = regulation / "data-model" / "data.xml"
    data.write_text(DATA.replace("WHERE active IS NULL", "WHERE active IS ${missing}"), encoding="utf-8")
    changed = {c.id: c.liquibase_checksum for c in read_regulation(regulation).changesets}
    assert {i for i, value in changed.items() if value is None} == {"staff", "views"}
    assert {i: v for i, v in changed.items() if v is not None} == {
        i: v for i, v in plain.items() if i not in ("staff", "views")
    }
