"""``registry-api diff`` on pairs built from ``examples/user`` and the training registry: each edit a
modeller makes is found in the model, in the API of the profiles that serve it and in the Istio rules,
and classified as docs/diff.md says; ``--fail-on breaking`` exit codes; git revisions as sides; the
Markdown report is golden."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codegen.cli import app
from codegen.diff import RULES, DiffReport, diff_regulations

REPO = Path(__file__).resolve().parents[2]
USER = REPO / "examples" / "user"
GOLDEN = REPO / "tests" / "golden" / "diff"
TABLES = "data-model/createTables.xml"
SEARCHES = "data-model/createSearchConditions.xml"
RBAC = "data-model/rbac.xml"
EMAIL = '<column name="email" type="TEXT" remarks="E-mail"/>'
DOCUMENTS = '<column name="documents" type="file[]" remarks="Scanned documents"/>'
INDENT = "\n            "


def edited(tmp_path: Path, source: Path, edits: list[tuple[str, str, str]], name: str = "new") -> Path:
    """A copy of ``source`` (under the folder name of ``source``) with each (file, old, new) applied."""
    copy = tmp_path / name / source.name
    shutil.copytree(source, copy)
    for file, old, new in edits:
        path = copy / file
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {file}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return copy


def rules(report: DiffReport) -> set[tuple[str, str, str]]:
    return {(c.area.value, c.scope, c.rule) for c in report.changes}


def test_the_same_regulation_has_no_changes(tmp_path: Path) -> None:
    report = diff_regulations(str(USER), str(edited(tmp_path, USER, [])))
    assert report.changes == ()


def test_removed_exposed_search_condition_breaks_everywhere_it_was_served(tmp_path: Path) -> None:
    search = USER / SEARCHES
    text = search.read_text(encoding="utf-8")
    start = text.index('    <changeSet id="searchCondition user_search_by_name"')
    end = text.index('    <changeSet id="searchCondition user_public_photo"')
    narrowing = (
        '            <ext:role name="officer" realm="officer-portal">\n'
        '                <ext:searchCondition name="user_search_by_name"/>\n'
        "            </ext:role>\n"
        '            <ext:role name="trembita-invoker" realm="external-system">\n'
        '                <ext:searchCondition name="user_search_by_name"/>\n'
        "            </ext:role>\n"
    )
    new = edited(tmp_path, USER, [(SEARCHES, text[start:end], ""), (RBAC, narrowing, "")])
    report = diff_regulations(str(USER), str(new))
    found = rules(report)
    assert ("model", "search user_search_by_name", "search-removed") in found
    assert ("api", "profile internal", "route-removed") in found
    assert ("api", "profile ext", "route-removed") in found
    assert ("istio", "profile ext", "mesh-allow-removed") in found
    ext_routes = {c.detail for c in report.changes if c.scope == "profile ext" and c.rule == "route-removed"}
    assert ext_routes == {
        "GET /api/data-factory/search/user-search-by-name is no longer served",
        "POST /api/data-factory/search/user-search-by-name is no longer served",
        "GET /api/data-factory/user-search-by-name is no longer served",
        # the file routes ext served only because this search condition returned them
        "GET /api/data-factory/files/user/{id}/photo/{fileId} is no longer served",
        "GET /api/data-factory/files/user/{id}/documents/{fileId} is no longer served",
    }
    removed = next(c for c in report.changes if c.rule == "search-removed")
    assert "exposed to platform, externalSystem" in removed.detail
    assert all(c.breaking for c in report.changes)  # nothing here is compatible


def test_renamed_column_is_breaking(tmp_path: Path) -> None:
    new = edited(
        tmp_path,
        USER,
        [
            (
                TABLES,
                EMAIL,
                '<column name="e_mail" type="TEXT"/>',
            ),
            (SEARCHES, '<ext:column name="email"/>', '<ext:column name="e_mail"/>'),
        ],
    )
    report = diff_regulations(str(USER), str(new))
    renamed = [c for c in report.changes if c.rule == "column-renamed"]
    assert [(c.scope, c.detail) for c in renamed] == [
        ("table user", "column email is renamed to e_mail (clients of email break)")
    ]
    found = rules(report)
    assert ("model", "search user_search_by_name", "search-output-removed") in found
    assert ("api", "profile internal", "response-field-removed") in found
    assert ("api", "profile internal", "request-field-removed") in found
    assert report.breaking


def test_new_optional_column_is_compatible(tmp_path: Path) -> None:
    new = edited(
        tmp_path,
        USER,
        [(TABLES, EMAIL, EMAIL + INDENT + '<column name="phone" type="varchar(20)"/>')],
    )
    report = diff_regulations(str(USER), str(new))
    assert report.breaking == ()
    found = rules(report)
    assert ("model", "table user", "column-added-optional") in found
    assert ("api", "profile internal", "response-field-added") in found
    assert ("api", "profile internal", "request-field-optional-added") in found
    assert not any(c.scope in ("profile ext", "profile public") for c in report.changes)  # no entities there


def test_new_required_column_breaks_writers(tmp_path: Path) -> None:
    required = '<column name="phone" type="TEXT"><constraints nullable="false"/></column>'
    email = EMAIL
    new = edited(tmp_path, USER, [(TABLES, email, email + required)])
    found = rules(diff_regulations(str(USER), str(new)))
    assert ("model", "table user", "column-added-required") in found
    assert ("api", "profile internal", "request-field-required-added") in found


def test_removed_rbac_grant_narrows(tmp_path: Path) -> None:
    auditor = (
        '            <ext:role name="auditor" realm="officer-portal">\n'
        '                <ext:table name="user" read="true"/>\n'
        "            </ext:role>\n"
    )
    report = diff_regulations(str(USER), str(edited(tmp_path, USER, [(RBAC, auditor, "")])))
    assert [(c.rule, c.detail) for c in report.changes] == [
        ("rbac-narrowed", "role auditor (realm officer-portal) may no longer read table/user/*")
    ]
    assert report.breaking == report.changes


def test_added_file_column_is_compatible_and_served(tmp_path: Path) -> None:
    passport = DOCUMENTS + INDENT + '<column name="passport" type="file"/>'
    new = edited(
        tmp_path,
        USER,
        [(TABLES, DOCUMENTS, passport)],
    )
    report = diff_regulations(str(USER), str(new))
    assert report.breaking == ()
    found = rules(report)
    assert ("model", "table user", "file-column-added") in found
    added = {c.detail for c in report.changes if c.rule == "route-added"}
    assert added == {"GET /api/data-factory/files/user/{id}/passport/{fileId} is served"}


def test_column_type_changes(tmp_path: Path) -> None:
    narrowed = edited(
        tmp_path,
        USER,
        [(TABLES, '<column name="email" type="TEXT"', '<column name="email" type="varchar(50)"')],
        "a",
    )
    widened = edited(narrowed, narrowed, [(TABLES, 'type="varchar(50)"', 'type="varchar(100)"')], "b")
    assert ("model", "table user", "column-type-narrowed") in rules(
        diff_regulations(str(USER), str(narrowed))
    )
    assert rules(diff_regulations(str(narrowed), str(widened))) == {
        ("model", "table user", "column-type-widened")
    }


def test_training_registry_pair(shared_dir: Path, tmp_path: Path) -> None:
    training = shared_dir / "regulations" / "assembled" / "training-registry"
    phone = """
    <changeSet id="add laboratory phone" author="registry owner">
        <addColumn tableName="laboratory">
            <column name="phone" type="TEXT" remarks="Phone"/>
        </addColumn>
    </changeSet>
</databaseChangeLog>"""
    added = edited(tmp_path, training, [(TABLES, "</databaseChangeLog>", phone)], "added")
    report = diff_regulations(str(training), str(added))
    assert report.breaking == ()
    assert ("model", "table laboratory", "column-added-optional") in rules(report)

    search = (training / SEARCHES).read_text(encoding="utf-8")
    start = search.index("    <changeSet", search.index("ownership_contains_name") - 400)
    end = search.index("</changeSet>", start) + len("</changeSet>")
    removed = edited(tmp_path, training, [(SEARCHES, search[start:end], "")], "removed")
    report = diff_regulations(str(training), str(removed))
    assert ("model", "search ownership_contains_name", "search-removed") in rules(report)
    assert ("api", "profile internal", "route-removed") in rules(report)
    assert not any(c.scope == "profile ext" for c in report.changes)  # it was never exposed


def test_fail_on_breaking_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    compatible = edited(tmp_path, USER, [(TABLES, EMAIL, '<column name="email" type="TEXT"/>')], "ok")
    # the column goes, and with it from the search condition (else migrate could not build its view)
    breaking = edited(
        tmp_path, USER, [(TABLES, EMAIL, ""), (SEARCHES, '<ext:column name="email"/>', "")], "bad"
    )
    ok = runner.invoke(app, ["diff", str(USER), str(compatible), "--fail-on", "breaking"])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(app, ["diff", str(USER), str(breaking), "--fail-on", "breaking"])
    assert bad.exit_code == 1
    assert "BREAKING table user: column email (TEXT) is removed [column-removed]" in bad.output
    report_only = runner.invoke(app, ["diff", str(USER), str(breaking), "--format", "json"])
    assert report_only.exit_code == 0
    document = json.loads(report_only.output)
    assert document["breaking"] == sum(c["breaking"] for c in document["changes"]) > 0
    usage = runner.invoke(app, ["diff", str(USER), str(breaking), "--fail-on", "anything"])
    assert usage.exit_code == 2
    missing = runner.invoke(app, ["diff", str(USER), str(tmp_path / "nowhere")])
    assert (
        missing.exit_code == 1
        and "NEW: " in missing.output
        and "is not a regulation folder" in missing.output
    )


def test_git_revisions_as_sides(tmp_path: Path) -> None:
    repository = tmp_path / "repo"
    shutil.copytree(USER, repository / "regulation" / "user")

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=repository, check=True, capture_output=True)

    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "v1")
    tables = repository / "regulation" / "user" / TABLES
    tables.write_text(tables.read_text(encoding="utf-8").replace(' remarks="E-mail"', ""), encoding="utf-8")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-am", "v2")
    report = diff_regulations("git:HEAD~1:regulation/user", "git:HEAD:regulation/user", cwd=repository)
    assert report.changes == ()  # a remark is no API change
    against_work_tree = diff_regulations(
        "git:HEAD~1:regulation/user", str(repository / "regulation" / "user"), cwd=repository
    )
    assert against_work_tree.changes == ()
    with pytest.raises(Exception, match="OLD: git"):
        diff_regulations("git:no-such-rev:regulation/user", str(USER), cwd=repository)


def test_every_rule_is_documented() -> None:
    docs = (REPO / "docs" / "diff.md").read_text(encoding="utf-8")
    assert [rule for rule in RULES if f"`{rule}`" not in docs] == []


def test_markdown_report_is_golden(tmp_path: Path) -> None:
    """One merge request of a modeller: a column renamed, an optional column and a file column added,
    the auditor's grant removed, the public search exposed to the platform too."""
    auditor = (
        '            <ext:role name="auditor" realm="officer-portal">\n'
        '                <ext:table name="user" read="true"/>\n'
        "            </ext:role>\n"
    )
    phone = '<column name="phone" type="TEXT"/>'
    new = edited(
        tmp_path,
        USER,
        [
            (TABLES, EMAIL, '<column name="e_mail" type="TEXT"/>' + INDENT + phone),
            (TABLES, DOCUMENTS, DOCUMENTS + INDENT + '<column name="passport" type="file"/>'),
            (SEARCHES, '<ext:column name="email"/>', '<ext:column name="e_mail"/>'),
            (SEARCHES, 'publicAccess="true"', 'publicAccess="true" platform="true"'),
            (RBAC, auditor, ""),
        ],
    )  # fmt: skip
    result = CliRunner().invoke(app, ["diff", str(USER), str(new), "--format", "markdown"])
    assert result.exit_code == 0, result.output
    text = result.output.replace(str(USER), "examples/user").replace(str(new), "new/user")
    golden = GOLDEN / "user-merge-request.md"
    if os.environ.get("REGEN_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), "markdown report changed (REGEN_GOLDEN=1 to accept)"


def test_public_api_and_exposure_changes(tmp_path: Path) -> None:
    photo_files = (
        "  - name: user-photo-files\n"
        "    url: /files/user/*/photo/*\n"
        "    limits:\n"
        "      second: 5\n"
        "      minute: 100"
    )
    new = edited(
        tmp_path,
        USER,
        [
            ("public-api.yaml", photo_files, ""),
            ("public-api.yaml", "minute: 60", "minute: 30"),
            (SEARCHES, 'platform="true" externalSystem="true"', 'platform="true"'),
        ],
    )
    report = diff_regulations(str(USER), str(new))
    found = {(c.scope, c.rule, c.detail) for c in report.changes}
    assert ("public api", "public-entry-removed", "/files/user/*/photo/* is no longer published") in found
    assert ("public api", "public-limit-lowered", "/user-public-photo: limit per minute 60 → 30") in found
    assert ("search user_search_by_name", "exposure-removed", "no longer exposed to externalSystem") in found
    public_routes = {
        c.detail for c in report.changes if c.scope == "profile public" and c.area.value == "api"
    }
    assert public_routes == {
        "GET /api/data-factory/files/user/{id}/photo/{fileId} is no longer served",
        "GET /api/data-factory/s/{short_name} is no longer served",  # no published file column is left
    }
    assert any(c.rule == "mesh-allow-removed" and c.scope == "profile public" for c in report.changes)
    assert not any(c.scope == "profile ext" for c in report.changes)  # still exposed to the platform
