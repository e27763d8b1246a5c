"""``status`` and ``history`` against a real PostgreSQL: a fresh database lists everything pending, a
migrated one nothing, an added changeset is pending, an edited one changed (and ``migrate`` refuses
it, the same decision), a dropped one unknown; ``history`` lists what ran in order."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codegen.cli import app
from codegen.migrate import MigrationError, migrate
from codegen.migrate.platform import platform_changesets
from codegen.migrate.status import State, history, status
from codegen.reader import read_regulation
from schemas.regulation import Regulation

REPO = Path(__file__).resolve().parents[2]
ADDED = """
    <changeSet id="table street" author="registry owner">
        <createTable tableName="street">
            <column name="street_id" type="UUID">
                <constraints nullable="false" primaryKey="true" primaryKeyName="pk_street_id"/>
            </column>
            <column name="name" type="TEXT"/>
        </createTable>
    </changeSet>
"""


@pytest.fixture
def example(tmp_path: Path) -> Path:
    copy = tmp_path / "user"
    shutil.copytree(REPO / "examples" / "user", copy)
    return copy


def read(path: Path) -> Regulation:
    regulation = read_regulation(path)
    assert not regulation.errors, regulation.errors
    return regulation


def add_changeset(regulation: Path) -> None:
    tables = regulation / "data-model" / "createTables.xml"
    text = tables.read_text(encoding="utf-8")
    closing = text.rindex("</databaseChangeLog>")
    tables.write_text(text[:closing] + ADDED + text[closing:], encoding="utf-8")


def states(regulation: Regulation, database_url: str) -> dict[str, State]:
    return {entry.id: entry.state for entry in status(regulation, database_url).changesets}


def test_fresh_database_has_everything_pending(example: Path, database_url: str) -> None:
    regulation = read(example)
    report = status(regulation, database_url)
    expected = len(platform_changesets(regulation)) + len(regulation.changesets)
    assert len(report.changesets) == expected
    assert {e.state for e in report.changesets} == {State.PENDING}
    assert all(e.executed_at is None for e in report.changesets)
    assert not report.up_to_date


def test_added_changeset_is_pending_and_edited_one_changed(example: Path, database_url: str) -> None:
    migrate(read(example), database_url)
    after_migrate = status(read(example), database_url)
    assert after_migrate.having(State.PENDING, State.CHANGED) == ()
    assert [e.id for e in after_migrate.having(State.RERUN)] == ["roles"]  # runAlways
    city = next(e for e in after_migrate.changesets if e.id == "table city")
    assert city.state is State.APPLIED and city.executed_at is not None and city.exectype == "EXECUTED"

    add_changeset(example)
    pending = status(read(example), database_url).having(State.PENDING)
    assert [(e.id, e.author, e.file) for e in pending] == [
        ("table street", "registry owner", "data-model/createTables.xml")
    ]

    tables = example / "data-model" / "createTables.xml"
    tables.write_text(
        tables.read_text(encoding="utf-8").replace('remarks="City name"', 'remarks="Name of the city"'),
        encoding="utf-8",
    )
    found = states(read(example), database_url)
    assert found["table city"] is State.CHANGED
    assert found["table street"] is State.PENDING
    assert found["table user"] is State.APPLIED
    with pytest.raises(MigrationError, match="'table city'"):  # the migrator decides alike
        migrate(read(example), database_url)


def test_dropped_changeset_is_unknown(example: Path, database_url: str) -> None:
    add_changeset(example)
    migrate(read(example), database_url)
    shutil.copy(REPO / "examples" / "user" / "data-model" / "createTables.xml", example / "data-model")
    unknown = status(read(example), database_url).having(State.UNKNOWN)
    assert [e.id for e in unknown] == ["table street"]
    assert unknown[0].executed_at is not None


def test_history_lists_runs_in_order(example: Path, database_url: str) -> None:
    assert history(database_url) == ()  # no databasechangelog yet; nothing is created
    regulation = read(example)
    migrate(regulation, database_url)
    migrate(regulation, database_url)  # "roles" runs again and moves to the end
    rows = history(database_url)
    assert [r.order for r in rows] == sorted(r.order for r in rows)
    assert rows[-1].id == "roles" and rows[-1].exectype == "RERAN"
    ours = [r.id for r in rows if r.file.startswith("data-model/")]
    assert ours[:2] == ["table city", "table user"]


def test_status_and_history_commands(example: Path, database_url: str) -> None:
    runner = CliRunner()
    migrate(read(example), database_url)
    add_changeset(example)
    result = runner.invoke(app, ["status", str(example), "--database-url", database_url])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "1 pending" in lines[0] and "1 rerun" in lines[0]
    assert any(
        line.split()[0] == "pending" and "data-model/createTables.xml::table street::registry owner" in line
        for line in lines[1:]
    )
    assert not any("table city" in line for line in lines)  # applied ones only with --verbose
    verbose = runner.invoke(app, ["status", str(example), "--database-url", database_url, "-v"])
    assert any(line.split()[0] == "applied" and "table city" in line for line in verbose.output.splitlines())

    as_json = runner.invoke(app, ["status", str(example), "--database-url", database_url, "--format", "json"])
    entries = {e["id"]: e for e in json.loads(as_json.output)["changeSets"]}
    assert entries["table street"]["state"] == "pending" and entries["table street"]["executedAt"] is None
    assert entries["table city"]["state"] == "applied" and entries["table city"]["orderExecuted"] >= 1

    ran = runner.invoke(app, ["history", "--database-url", database_url])
    assert ran.exit_code == 0, ran.output
    assert "table city::registry owner" in ran.output and "table street" not in ran.output


def test_status_refuses_unreachable_database(example: Path) -> None:
    result = CliRunner().invoke(
        app, ["status", str(example), "--database-url", "postgresql+psycopg://nobody@127.0.0.1:1/none"]
    )
    assert result.exit_code == 1
    assert "cannot read the database" in result.output
