"""``registry-api lint`` and ``registry-api show`` through the real CLI app."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from codegen.cli import app

from .conftest import WriteChangelog

REPO = Path(__file__).resolve().parents[2]
TRAINING = REPO / ".." / "shared" / "regulations" / "assembled" / "training-registry"
runner = CliRunner()


def test_lint_clean_regulation_exits_0() -> None:
    result = runner.invoke(app, ["lint", str(TRAINING)])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert any(
        line.startswith("data-model/createSearchConditions.xml:62: WARNING UNKNOWN_TABLE ") for line in lines
    )
    assert lines[-1] == (
        "training-registry: 5 tables, 2 file columns, 7 search conditions, 0 exposures; 0 errors, 10 warnings"
    )


def test_lint_verbose_lists_changes_not_used_by_the_api() -> None:
    result = runner.invoke(app, ["lint", str(TRAINING), "--verbose"])
    assert (
        "data-model/populateDictionaries.xml:7: sql in changeSet 'load data to dictionaries' "
        in result.output
    )
    assert "(not used by the API)" in result.output


def test_lint_errors_exit_1_and_json(write_changelog: WriteChangelog, regulation_root: Path) -> None:
    write_changelog('<include file="../../etc/passwd"/>')
    result = runner.invoke(app, ["lint", str(regulation_root), "--format", "json"])
    assert result.exit_code == 1
    items = json.loads(result.stdout)
    assert {"file", "line", "severity", "code", "message"} == set(items[0])
    assert ("INCLUDE_OUTSIDE_ROOT", "error", 5) in [(i["code"], i["severity"], i["line"]) for i in items]


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert runner.invoke(app, ["lint"]).exit_code == 2
    assert runner.invoke(app, ["lint", str(tmp_path / "missing")]).exit_code == 2
    assert runner.invoke(app, ["lint", str(tmp_path)]).exit_code == 2  # no main-liquibase.xml
    assert runner.invoke(app, ["lint", str(TRAINING), "--format", "xml"]).exit_code == 2


def test_show_json_model() -> None:
    result = runner.invoke(app, ["show", str(REPO / "examples" / "user"), "--format", "json"])
    assert result.exit_code == 0, result.output
    model = json.loads(result.stdout)
    assert model["summary"]["fileColumns"] == 2
    user = next(e for e in model["entities"] if e["name"] == "user")
    assert user["fileColumns"] == [
        {"name": "photo", "jsonName": "photo", "kind": "file"},
        {"name": "documents", "jsonName": "documents", "kind": "file[]"},
    ]
    by_name = {s["name"]: s for s in model["searchConditions"]}
    search = by_name["user_search_by_name"]
    assert search["exposedTo"] == ["platform", "externalSystem"]
    assert search["pagination"] == "page" and search["limit"] == 100
    assert search["parameters"] == [
        {"name": "name", "tableAlias": "u", "column": "name", "searchType": "startsWith", "required": False}
    ]
    assert search["fileColumns"] == [
        {"entity": "user", "column": "photo"},
        {"entity": "user", "column": "documents"},
    ]
    assert by_name["user_public_photo"]["exposedTo"] == ["publicAccess"]
    assert {r["role"] for r in model["rbac"]} >= {"officer", "citizen"}


def test_show_text() -> None:
    result = runner.invoke(app, ["show", str(TRAINING), "--format", "text"])
    assert result.exit_code == 0
    assert "entity laboratory: 7 columns; files: premises_file (file)" in result.output
