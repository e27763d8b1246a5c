"""The migrator against a real PostgreSQL (a fresh database per test): the training registry and the
``user`` example migrate; re-runs, added and edited changesets, runAlways, locking, dry runs, failures."""

from __future__ import annotations

import io
import re
import shutil
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from codegen.cli import app
from codegen.migrate import MigrationError, MigrationLockedError, MigrationReport, migrate
from codegen.migrate.changelog import ADVISORY_LOCK_KEY, changelog_lock
from codegen.migrate.platform import platform_changesets
from codegen.reader import read_regulation
from schemas.regulation import Regulation

REPO = Path(__file__).resolve().parents[2]
NOT_PUB = "!pub"  # the training registry's dictionary load needs the reference platform's procedures
USER_CHANGESETS = 8  # examples/user's own changesets


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = sa.create_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def training(shared_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the training registry, free to edit."""
    copy = tmp_path / "training-registry"
    shutil.copytree(shared_dir / "regulations" / "assembled" / "training-registry", copy)
    return copy


def read(path: Path) -> Regulation:
    regulation = read_regulation(path)
    assert not regulation.errors, regulation.errors
    return regulation


def scalar(engine: Engine, query: str, **params: object) -> object:
    with engine.connect() as connection:
        return connection.execute(sa.text(query), params).scalar()


def udt(engine: Engine, table: str, column: str) -> object:
    return scalar(
        engine,
        "SELECT udt_name FROM information_schema.columns WHERE table_name = :t AND column_name = :c",
        t=table,
        c=column,
    )


def changelog_rows(engine: Engine) -> list[sa.Row[tuple[object, ...]]]:
    with engine.connect() as connection:
        return list(
            connection.execute(
                sa.text(
                    "SELECT id, author, filename, exectype, orderexecuted, md5sum, contexts "
                    "FROM databasechangelog ORDER BY orderexecuted"
                )
            )
        )


def append_changeset(changelog: Path, changeset_xml: str) -> None:
    text = changelog.read_text(encoding="utf-8")
    closing = text.rindex("</databaseChangeLog>")
    changelog.write_text(text[:closing] + changeset_xml + "\n" + text[closing:], encoding="utf-8")


def test_training_registry_migrates(training: Path, engine: Engine) -> None:
    regulation = read(training)
    report = migrate(regulation, engine, contexts=NOT_PUB)

    assert [str(r) for r in report.not_in_context] == [
        "data-model/populateDictionaries.xml::load data to dictionaries::registry owner"
    ]
    tables = {t.name for t in regulation.tables}
    inspector = sa.inspect(engine)
    existing = set(inspector.get_table_names())
    assert tables | {f"{t}_hst" for t in tables} | {"ddm_files", "databasechangelog"} <= existing
    assert udt(engine, "laboratory", "premises_file") == "type_file"
    assert udt(engine, "staff_hst", "hygienist_certificate_file") == "type_file"
    assert udt(engine, "laboratory", "ddm_created_at") == "timestamptz"
    assert udt(engine, "laboratory_hst", "ddm_dml_op") == "bpchar"
    views = set(inspector.get_view_names())
    assert {sc.view_name for sc in regulation.search_conditions} <= views
    for sc in regulation.search_conditions:  # every SC column is a view column, returning or not
        view_columns = {c["name"] for c in inspector.get_columns(sc.view_name)}
        assert {c.output_name for c in sc.columns} | {f.alias for f in sc.functions} <= view_columns
    # 13 regulation changesets minus the pub one, plus the platform bootstrap (incl. "subject")
    rows = changelog_rows(engine)
    expected = 12 + len(platform_changesets(regulation))
    assert len(rows) == expected and all(r.exectype == "EXECUTED" for r in rows)
    assert [r.orderexecuted for r in rows] == list(range(1, expected + 1))

    with engine.begin() as connection:
        koatuu = "INSERT INTO koatuu (code, level1, level2, type, name) VALUES (:c, :l1, :l2, :t, :n)"
        connection.execute(sa.text(koatuu), {"c": "R1", "l1": "1", "l2": "-", "t": "Р", "n": "District"})
        connection.execute(sa.text(koatuu), {"c": "V1", "l1": "1", "l2": "R1", "t": "НП", "n": "Village"})
        found = connection.execute(
            sa.text("SELECT name, name_rn FROM koatuu_np_starts_with_name_by_obl_v WHERE level1 = '1'")
        ).all()
    assert [tuple(r) for r in found] == [("Village", "District")]


def test_platform_procedures_fail_clearly_without_contexts(training: Path, engine: Engine) -> None:
    regulation = read(training)
    with pytest.raises(MigrationError) as raised:
        migrate(regulation, engine)
    message = str(raised.value)
    assert "'load data to dictionaries'" in message and "populateDictionaries.xml" in message
    assert "p_load_table_from_csv" in message and "--contexts" in message
    # what ran before it stays applied; the failing changeset is not recorded
    assert len(changelog_rows(engine)) == 12 + len(platform_changesets(regulation))


def test_user_example_has_file_columns(engine: Engine) -> None:
    regulation = read(REPO / "examples" / "user")
    migrate(regulation, engine)
    assert udt(engine, "user", "photo") == "type_file"
    assert udt(engine, "user", "documents") == "_type_file"
    assert udt(engine, "user_hst", "documents") == "_type_file"
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO \"user\" (name, photo, documents) VALUES ('Ann', ROW('f1', 'c1')::type_file, "
                "ARRAY[ROW('f2', 'c2')::type_file, ROW('f3', 'c3')::type_file])"
            )
        )
        row = connection.execute(
            sa.text(
                "SELECT (photo).id, (documents[2]).checksum FROM user_search_by_name_v WHERE name = 'Ann'"
            )
        ).one()
    assert tuple(row) == ("f1", "c3")
    assert scalar(engine, "SELECT uuid_generate_v4() IS NOT NULL") is True


def test_rerun_is_a_noop_except_run_always(engine: Engine) -> None:
    regulation = read(REPO / "examples" / "user")
    first = migrate(regulation, engine)
    before = {r.id: r for r in changelog_rows(engine)}
    second = migrate(regulation, engine)

    assert second.executed == []
    assert [r.id for r in second.reran] == ["roles"]  # runAlways="true"
    assert len(second.up_to_date) == len(first.executed) - 1
    after = {r.id: r for r in changelog_rows(engine)}
    assert after["roles"].exectype == "RERAN"
    assert after["roles"].orderexecuted > before["roles"].orderexecuted
    assert after["table user"] == before["table user"]


def test_added_changeset_applies_alone(training: Path, engine: Engine) -> None:
    migrate(read(training), engine, contexts=NOT_PUB)
    append_changeset(
        training / "data-model" / "createTables.xml",
        """
    <changeSet id="add laboratory phone" author="registry owner">
        <addColumn tableName="laboratory">
            <column name="phone" type="TEXT" remarks="Phone"/>
        </addColumn>
    </changeSet>""",
    )
    out = io.StringIO()
    report = migrate(read(training), engine, contexts=NOT_PUB, out=out)

    assert [r.id for r in report.executed] == ["add laboratory phone"]
    assert report.reran == []
    assert udt(engine, "laboratory", "phone") == "text"
    assert udt(engine, "laboratory_hst", "phone") == "text"  # history tables follow
    assert "add laboratory phone" in out.getvalue()


def test_edited_changeset_is_an_error_naming_it(training: Path, engine: Engine) -> None:
    migrate(read(training), engine, contexts=NOT_PUB)
    tables = training / "data-model" / "createTables.xml"
    tables.write_text(
        tables.read_text(encoding="utf-8").replace(
            '<column name="category" type="CHAR(1)"/>', '<column name="category" type="CHAR(2)"/>'
        ),
        encoding="utf-8",
    )
    with pytest.raises(MigrationError) as raised:
        migrate(read(training), engine, contexts=NOT_PUB)
    message = str(raised.value)
    assert "'table koatuu'" in message and "'registry owner'" in message
    assert "data-model/createTables.xml" in message and "changed after it was applied" in message
    assert udt(engine, "koatuu", "category") == "bpchar"  # nothing ran

    result = CliRunner().invoke(
        app,
        [
            "migrate",
            str(training),
            "--database-url",
            str(engine.url.render_as_string(False)),
            "--contexts",
            NOT_PUB,
        ],
    )
    assert result.exit_code == 1
    assert "table koatuu" in result.output


def test_valid_checksum_any_and_run_on_change(tmp_path: Path, engine: Engine) -> None:
    root = tmp_path / "reg"
    write_regulation(
        root,
        f"""
    <changeSet id="t" author="me">{table("t")}</changeSet>
    <changeSet id="seed" author="me" runOnChange="true">
        <sql>DELETE FROM t; INSERT INTO t VALUES (1)</sql>
    </changeSet>
    <changeSet id="note" author="me"><validCheckSum>ANY</validCheckSum><sql>SELECT 1</sql></changeSet>""",  # noqa: S608 -- a changelog, not a query
    )
    migrate(read(root), engine)
    changes = root / "data-model" / "changes.xml"
    changes.write_text(
        changes.read_text(encoding="utf-8")
        .replace("VALUES (1)", "VALUES (2)")
        .replace("SELECT 1", "SELECT 2"),
        encoding="utf-8",
    )
    report = migrate(read(root), engine)
    assert [r.id for r in report.reran] == ["seed"]
    assert [r.id for r in report.checksums_updated] == ["note"]
    assert scalar(engine, "SELECT max(id) FROM t") == 2


def table(name: str) -> str:
    """A minimal createTable (the reader insists on a primary key)."""
    return (
        f'<createTable tableName="{name}"><column name="id" type="INT">'
        '<constraints primaryKey="true"/></column></createTable>'
    )


def write_regulation(root: Path, changesets: str) -> None:
    (root / "data-model").mkdir(parents=True)
    namespaces = (
        'xmlns="http://www.liquibase.org/xml/ns/dbchangelog" '
        'xmlns:ext="http://www.liquibase.org/xml/ns/dbchangelog-ext"'
    )
    (root / "data-model" / "main-liquibase.xml").write_text(
        f'<databaseChangeLog {namespaces}><include file="data-model/changes.xml"/></databaseChangeLog>',
        encoding="utf-8",
    )
    (root / "data-model" / "changes.xml").write_text(
        f"<databaseChangeLog {namespaces}>{changesets}\n</databaseChangeLog>", encoding="utf-8"
    )


def test_failing_changeset_rolls_back_only_itself(tmp_path: Path, engine: Engine) -> None:
    root = tmp_path / "reg"
    write_regulation(
        root,
        f"""
    <changeSet id="good" author="me">{table("a")}</changeSet>
    <changeSet id="bad" author="me">
        {table("b")}
        <addColumn tableName="nowhere"><column name="x" type="TEXT"/></addColumn>
    </changeSet>
    <changeSet id="later" author="me">{table("c")}</changeSet>""",
    )
    with pytest.raises(MigrationError) as raised:
        migrate(read(root), engine)
    message = str(raised.value)
    assert "'bad'" in message and "'me'" in message and 'relation "nowhere" does not exist' in message
    existing = set(sa.inspect(engine).get_table_names())
    assert "a" in existing and "b" not in existing and "c" not in existing
    assert [r.id for r in changelog_rows(engine) if r.filename != "platform"] == ["good"]
    assert scalar(engine, "SELECT locked FROM databasechangeloglock") is False  # the lock was released


def test_lock_prevents_a_concurrent_run_and_stale_locks_are_taken_over(engine: Engine) -> None:
    regulation = read(REPO / "examples" / "user")
    with (
        engine.connect() as holder,
        changelog_lock(holder, []),
        pytest.raises(MigrationLockedError, match="another migrator is running"),
    ):
        migrate(regulation, engine, lock_wait_s=0)
    assert "user" not in sa.inspect(engine).get_table_names()

    with engine.begin() as connection:  # a migrator that died and left the row locked
        connection.execute(
            sa.text(
                "UPDATE databasechangeloglock SET locked = TRUE, lockgranted = now(), lockedby = 'ghost' "
                "WHERE id = 1"
            )
        )
    report = migrate(regulation, engine)
    assert any("stale" in n and "ghost" in n for n in report.notices)
    assert "user" in sa.inspect(engine).get_table_names()


def test_concurrent_migrators_wait_for_each_other_and_apply_everything_once(database_url: str) -> None:
    """Like the internal, ext and public deployments starting together on one database."""
    regulation = read(REPO / "examples" / "user")
    reports: list[MigrationReport] = []
    failures: list[BaseException] = []
    start = threading.Barrier(2)

    def run() -> None:
        start.wait()
        try:
            reports.append(migrate(regulation, database_url, lock_wait_s=60))
        except BaseException as error:  # reported by the assertion below
            failures.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == [] and len(reports) == 2

    executed = [ref for report in reports for ref in report.executed]
    expected = len(platform_changesets(regulation)) + USER_CHANGESETS
    assert len(executed) == len(set(executed)) == expected  # each applied by one migrator only
    engine = sa.create_engine(database_url)
    try:
        recorded = Counter((r.id, r.author, r.filename) for r in changelog_rows(engine))
        assert len(recorded) == expected and set(recorded.values()) == {1}
        assert scalar(engine, "SELECT locked FROM databasechangeloglock") is False
    finally:
        engine.dispose()


def test_a_held_lock_is_waited_for_then_refused(engine: Engine) -> None:
    regulation = read(REPO / "examples" / "user")
    out = io.StringIO()
    with engine.connect() as holder:
        holder.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
        holder.commit()
        with pytest.raises(
            MigrationLockedError, match=r"another migrator is running.*gave up after waiting 0\.5 s"
        ):
            migrate(regulation, engine, out=out, lock_wait_s=0.5)
    assert out.getvalue().count("waiting up to 0.5 s") == 1  # said once, not on every poll
    assert "held by PostgreSQL session pid" in out.getvalue()  # a holder that wrote no lock row yet
    assert "user" not in sa.inspect(engine).get_table_names()


def test_cli_waits_as_long_as_told(engine: Engine) -> None:
    url = engine.url.render_as_string(hide_password=False)
    with engine.connect() as holder:
        holder.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
        holder.commit()
        result = CliRunner().invoke(
            app, ["migrate", str(REPO / "examples" / "user"), "--database-url", url, "--lock-wait", "0.3"]
        )
    assert result.exit_code == 1
    assert "waiting up to 0.3 s" in result.output and "gave up after waiting 0.3 s" in result.output


def test_dry_run_prints_sql_and_touches_nothing(engine: Engine) -> None:
    out = io.StringIO()
    regulation = read(REPO / "examples" / "user")
    report = migrate(regulation, engine, dry_run=True, out=out)
    printed = out.getvalue()
    assert "-- changeset data-model/createTables.xml::table user::registry owner" in printed
    assert 'CREATE TABLE "user" (' in printed and '"photo" type_file' in printed
    assert "CREATE TYPE type_file" in printed  # the platform bootstrap is part of the plan
    assert report.dry_run and len(report.executed) == len(platform_changesets(regulation)) + USER_CHANGESETS
    assert sa.inspect(engine).get_table_names() == []


def test_cli_needs_a_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REGISTRY_DATABASE__URL", raising=False)
    monkeypatch.chdir(REPO / "examples")  # no .env here
    result = CliRunner().invoke(app, ["migrate", str(REPO / "examples" / "user")])
    assert result.exit_code == 2
    assert "REGISTRY_DATABASE__URL" in result.output


def test_cli_migrates_from_the_environment(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGISTRY_DATABASE__URL", engine.url.render_as_string(hide_password=False))
    result = CliRunner().invoke(app, ["migrate", str(REPO / "examples" / "user")])
    assert result.exit_code == 0, result.output
    applied = len(platform_changesets(read(REPO / "examples" / "user"))) + USER_CHANGESETS
    assert f"applied {applied} new" in result.output


def test_every_extension_tag_of_the_reference_corpus(
    shared_dir: Path, tmp_path: Path, engine: Engine
) -> None:
    """allTags.xml (liquibase-ddm-ext's own test changelog) without its two calls to p_version_control."""
    source = shared_dir / "regulations" / "edp-ddm-liquibase-ddm-ext" / "src__test__resources__allTags.xml"
    text = source.read_text(encoding="utf-8")
    for changeset_id in ("set initial registry_version", "makeObject sql"):
        text = re.sub(rf'<changeSet[^>]*id="{changeset_id}".*?</changeSet>', "", text, flags=re.DOTALL)
    changelog = tmp_path / "allTags.xml"
    changelog.write_text(text, encoding="utf-8")

    report = migrate(read(changelog), engine)

    assert any("ext:distributeTable" in n and "not applicable" in n for n in report.notices)
    inspector = sa.inspect(engine)
    assert {"view_v", "simple_view_v", "main_table_rel_v"} <= set(inspector.get_view_names())
    assert "main_table_hst" in inspector.get_table_names()
    assert udt(engine, "view_v", "field_composite") == "typecomposite"  # CTE column next to it:
    assert udt(engine, "view_v", "dictionary_name") == "text"
    assert udt(engine, "main_table", "field_enum") == "typeenum"
    with engine.connect() as connection:  # the CTE/join view and the many-to-many view can be queried
        assert connection.execute(sa.text("SELECT count(*) FROM view_v")).scalar() == 0
        assert connection.execute(sa.text("SELECT count(*) FROM main_table_rel_v")).scalar() == 0


def test_file_bindings_follow_renames_and_drops(tmp_path: Path, engine: Engine) -> None:
    """A binding names its table and column: renames carry it along, drops remove it (and stamp the
    file that lost its last binding, for `files prune`)."""
    files = """
    <changeSet id="dossier" author="me">
        <createTable tableName="dossier" ext:historyFlag="true">
            <column name="id" type="UUID"><constraints primaryKey="true"/></column>
            <column name="scan" type="type_file"/>
            <column name="extra" type="type_file[]"/>
        </createTable>
        <createTable tableName="box">
            <column name="id" type="UUID"><constraints primaryKey="true"/></column>
            <column name="scan" type="type_file"/>
        </createTable>
    </changeSet>"""
    root = tmp_path / "reg"
    write_regulation(root, files)
    migrate(read(root), engine)
    with engine.begin() as connection:
        for n, (entity, field) in enumerate([("dossier", "scan"), ("dossier", "extra"), ("box", "scan")]):
            file_id = f"00000000-0000-4000-8000-00000000000{n}"
            connection.execute(
                sa.text(
                    "INSERT INTO ddm_files (id, path_in_storage, bucket, filename, size, file_type,"
                    " checksum, short_name, attached_at) VALUES (CAST(:id AS uuid), 'k', 'b', 'f', 1, 't',"
                    " 'c', :short, now())"
                ),
                {"id": file_id, "short": f"s{n}"},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO ddm_file_bindings (file_id, entity, entity_id, field)"
                    " VALUES (CAST(:id AS uuid), :entity, 'e1', :field)"
                ),
                {"id": file_id, "entity": entity, "field": field},
            )
    changes = root / "data-model" / "changes.xml"
    append_changeset(
        changes,
        """<changeSet id="rename" author="me">
            <renameTable oldTableName="dossier" newTableName="case_file"/>
            <renameColumn tableName="case_file" oldColumnName="scan" newColumnName="main_scan"/>
            <dropColumn tableName="case_file" columnName="extra"/>
            <dropTable tableName="box"/>
        </changeSet>""",
    )
    migrate(read(root), engine)
    with engine.connect() as connection:
        bindings = connection.execute(
            sa.text("SELECT file_id::text, entity, field FROM ddm_file_bindings ORDER BY file_id")
        ).all()
        unbound = connection.execute(
            sa.text("SELECT id::text FROM ddm_files WHERE unbound_at IS NOT NULL ORDER BY id")
        ).all()
    assert [tuple(b) for b in bindings] == [
        ("00000000-0000-4000-8000-000000000000", "case_file", "main_scan")
    ]
    assert [u for (u,) in unbound] == [
        "00000000-0000-4000-8000-000000000001",
        "00000000-0000-4000-8000-000000000002",
    ]
