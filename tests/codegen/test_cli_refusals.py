"""What every command says when it cannot do its job: one ``error:`` line naming the problem and the
documented exit code (2: the command was called wrongly or the settings are invalid; 1: the input or the
database refused), never a traceback, and nothing half done."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codegen.cli import app
from registry_api.embedded import EmbeddedS3

REPO = Path(__file__).resolve().parents[2]
USER = REPO / "examples" / "user"
BROKEN_TABLE = """<?xml version="1.0" encoding="UTF-8"?>
<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">
    <changeSet id="broken" author="test">
        <createTable tableName="прізвище"><column name="id" type="UUID"/></createTable>
    </changeSet>
</databaseChangeLog>
"""
FAILING_SQL = """<?xml version="1.0" encoding="UTF-8"?>
<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">
    <changeSet id="bad sql" author="test">
        <sql>SELECT * FROM a_table_nobody_created</sql>
    </changeSet>
</databaseChangeLog>
"""
runner = CliRunner()


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No ``REGISTRY_*`` variable and no ``.env`` of the developer's leaks into a command."""
    for name in [n for n in os.environ if n.startswith("REGISTRY_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def regulation(tmp_path: Path, changelog: str) -> Path:
    root = tmp_path / "registry"
    (root / "data-model").mkdir(parents=True)
    (root / "data-model" / "main-liquibase.xml").write_text(changelog, encoding="utf-8")
    return root


def refused(args: list[str], code: int, *phrases: str) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    for phrase in phrases:
        assert phrase in result.output, result.output
    return result.output


@pytest.fixture
def generated_user(tmp_path: Path) -> Iterator[Path]:
    """A fresh output tree of the user example."""
    out = tmp_path / "build"
    result = runner.invoke(app, ["generate", str(USER), "--out", str(out)])
    assert result.exit_code == 0, result.output
    yield out
    from registry_api.deploy import forget_package

    forget_package("user")


def test_generate_refuses_a_regulation_with_errors(tmp_path: Path) -> None:
    out = tmp_path / "out"
    refused(["generate", str(regulation(tmp_path, BROKEN_TABLE)), "--out", str(out)], 1, "nothing generated")
    assert not out.exists()


def test_generate_refuses_public_api_settings_it_cannot_use(tmp_path: Path) -> None:
    settings = tmp_path / "public-api.yaml"
    settings.write_text("- name: everything\n  url: /user/*\n", encoding="utf-8")
    refused(
        ["generate", str(USER), "--out", str(tmp_path / "out"), "--public-api", str(settings)], 1, "error:"
    )


def test_invalid_settings_in_the_environment_stop_every_command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("REGISTRY_PROFILE", "bogus")
    for args in (
        ["generate", str(USER), "--out", str(tmp_path / "out")],
        ["migrate", str(USER), "--database-url", "postgresql://nobody@127.0.0.1:1/none"],
        ["dev-token", "--realm", "officer-portal", "--role", "officer"],
        ["files", "prune", "--dry-run"],
        ["status", str(USER)],
        ["history"],
    ):
        refused(args, 2, "REGISTRY_PROFILE=bogus")


def test_migrate_refusals(tmp_path: Path, database_url: str) -> None:
    refused(["migrate", str(tmp_path / "missing")], 2, "does not exist")
    refused(["migrate", str(USER)], 2, "no database given")
    refused(["migrate", str(regulation(tmp_path / "a", BROKEN_TABLE)), "--database-url", database_url], 1)
    output = refused(
        ["migrate", str(regulation(tmp_path / "b", FAILING_SQL)), "--database-url", database_url], 1
    )
    assert "bad sql" in output  # the changeset that failed is named


def test_status_and_history_refusals(tmp_path: Path) -> None:
    refused(["status", str(USER), "--format", "xml"], 2, "--format must be text or json")
    refused(["status", str(tmp_path / "missing")], 2, "does not exist")
    refused(["status", str(USER)], 2, "no database given")
    broken = regulation(tmp_path, BROKEN_TABLE)
    refused(["status", str(broken), "--database-url", "postgresql://nobody@127.0.0.1:1/none"], 1, "error(s)")
    unreachable = "postgresql://nobody@127.0.0.1:1/none"
    refused(["status", str(USER), "--database-url", unreachable], 1, "error:")
    refused(["history", "--format", "xml"], 2, "--format must be text or json")
    refused(["history"], 2, "no database given")
    output = refused(
        ["history", "--database-url", "postgresql://nobody:secret@127.0.0.1:1/none"], 1, "error:"
    )
    assert "secret" not in output  # the password never shows


def test_istio_refusals(tmp_path: Path) -> None:
    refused(["istio", str(tmp_path / "missing"), "--out", str(tmp_path / "out")], 2, "does not exist")
    settings = tmp_path / "public-api.yaml"
    settings.write_text("- name: documents\n  url: /files/user/*/documents/*\n", encoding="utf-8")
    refused(["istio", str(USER), "--out", str(tmp_path / "out"), "--public-api", str(settings)], 1)


def test_files_prune_refusals(monkeypatch: pytest.MonkeyPatch, database_url: str, s3: EmbeddedS3) -> None:
    refused(["files", "prune", "--dry-run"], 2, "REGISTRY_DATABASE__URL")
    monkeypatch.setenv("REGISTRY_DATABASE__URL", database_url)  # a database never migrated: no catalogue
    monkeypatch.setenv("REGISTRY_S3__ENDPOINT_URL", s3.endpoint_url)
    output = refused(["files", "prune", "--dry-run"], 1, "error:")
    assert "SELECT" not in output  # no SQL in the message


def test_serve_refuses_an_output_tree_whose_regulation_copy_is_broken(
    generated_user: Path, database_url: str, s3: EmbeddedS3
) -> None:
    # A process of its own: `serve` configures logging for the whole process, as it should.
    copy = generated_user / "regulation" / "data-model" / "createTables.xml"
    copy.write_text(BROKEN_TABLE, encoding="utf-8")
    env = {
        **os.environ,
        "REGISTRY_DATABASE__URL": database_url,
        "REGISTRY_S3__ENDPOINT_URL": s3.endpoint_url,
        "REGISTRY_S3__ACCESS_KEY": s3.access_key,
        "REGISTRY_S3__SECRET_KEY": s3.secret_key,
    }
    result = subprocess.run(
        [sys.executable, "-m", "codegen.cli", "serve", str(generated_user)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "has errors; regenerate" in result.stderr and "Traceback" not in result.stderr
