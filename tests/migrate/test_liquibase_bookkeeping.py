"""The migrator's bookkeeping as Liquibase reads it (docs/migrations.md "Liquibase interop"), on
PostgreSQL without Liquibase itself (``tests/interop`` runs the real one): ``md5sum`` holds Liquibase's
checksum or NULL, our own checksum lives in ``ddm_changeset_checksums``, and rows without ours are
adopted when they agree with the regulation."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from codegen.migrate import MigrationError, migrate
from codegen.migrate.status import State, status
from codegen.reader import read_regulation
from tests.migrate.test_migrate_database import write_regulation

PLAIN = """
    <changeSet id="person" author="me">
        <createTable tableName="person">
            <column name="id" type="INT"><constraints primaryKey="true"/></column>
            <column name="name" type="TEXT"/>
        </createTable>
    </changeSet>
    <changeSet id="index" author="me">
        <createIndex tableName="person" indexName="ix_person_name"><column name="name"/></createIndex>
    </changeSet>
    <changeSet id="history" author="me">
        <createTable tableName="note" ext:historyFlag="true">
            <column name="id" type="INT"><constraints primaryKey="true"/></column>
        </createTable>
    </changeSet>"""


@pytest.fixture
def engine(database_url: str) -> Engine:
    engine = sa.create_engine(database_url)
    yield engine  # type: ignore[misc]
    engine.dispose()


def rows(engine: Engine, query: str) -> list[tuple[object, ...]]:
    with engine.begin() as connection:
        result = connection.execute(sa.text(query))
        return [tuple(r) for r in result] if result.returns_rows else []


def set_md5sum(engine: Engine, changeset: str, value: str | None) -> None:
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE databasechangelog SET md5sum = :value WHERE id = :id"),
            {"value": value, "id": changeset},
        )


def test_md5sum_is_liquibase_s_and_ours_is_kept_apart(tmp_path: Path, engine: Engine) -> None:
    root = tmp_path / "reg"
    write_regulation(root, PLAIN)
    regulation = read_regulation(root)
    migrate(regulation, engine)
    recorded = dict(rows(engine, "SELECT id, md5sum FROM databasechangelog WHERE filename <> 'platform'"))
    expected = {c.id: c.liquibase_checksum for c in regulation.changesets}
    assert recorded == expected
    assert expected["history"] is None and str(expected["person"]).startswith("8:")  # ext: → NULL
    ours = dict(rows(engine, "SELECT id, checksum FROM ddm_changeset_checksums WHERE filename <> 'platform'"))
    assert ours == {c.id: c.checksum for c in regulation.changesets}

    # Liquibase fills in NULL checksums on its next update: our own checksum still decides.
    set_md5sum(engine, "history", "8:00000000000000000000000000000000")
    assert migrate(regulation, engine).executed == []


def test_rows_without_our_checksum_are_adopted_when_they_agree(tmp_path: Path, engine: Engine) -> None:
    """What a database Liquibase migrated looks like: its rows, no ddm_changeset_checksums entries."""
    root = tmp_path / "reg"
    write_regulation(root, PLAIN)
    regulation = read_regulation(root)
    migrate(regulation, engine)
    rows(engine, "DELETE FROM ddm_changeset_checksums")
    set_md5sum(engine, "history", "8:ffffffffffffffffffffffffffffffff")

    report = migrate(regulation, engine)
    assert report.executed == [] and {r.id for r in report.adopted} == {"person", "index", "history"}
    assert rows(engine, "SELECT count(*) FROM ddm_changeset_checksums WHERE filename <> 'platform'") == [(3,)]

    # A Liquibase checksum that is not the regulation's is an edit, as Liquibase would say.
    rows(engine, "DELETE FROM ddm_changeset_checksums WHERE id = 'index'")
    set_md5sum(engine, "index", "8:0123456789abcdef0123456789abcdef")
    with pytest.raises(MigrationError, match=r"'index' by 'me'.*was changed after it was applied"):
        migrate(regulation, engine)
    states = {s.id: s.state for s in status(regulation, engine).changesets}
    assert states["index"] is State.CHANGED and states["person"] is State.APPLIED


def test_an_edit_after_adoption_is_detected_by_our_checksum(tmp_path: Path, engine: Engine) -> None:
    root = tmp_path / "reg"
    write_regulation(root, PLAIN)
    migrate(read_regulation(root), engine)
    rows(engine, "DELETE FROM ddm_changeset_checksums")
    rows(engine, "UPDATE databasechangelog SET md5sum = NULL")  # as after `liquibase clear-checksums`
    assert len(migrate(read_regulation(root), engine).adopted) == 0  # NULL: nothing to compare, taken as is
    changes = root / "data-model" / "changes.xml"
    changes.write_text(changes.read_text().replace('ext:historyFlag="true"', ""), encoding="utf-8")
    with pytest.raises(MigrationError, match="'history' by 'me'"):
        migrate(read_regulation(root), engine)
