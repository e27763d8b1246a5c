"""``registry-api generate``: the output tree, its determinism, its manifest and its lint-cleanliness."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codegen.cli import app as cli
from codegen.emit import GenerationError, generate
from codegen.emit.generator import MANIFEST
from codegen.reader import read_regulation
from schemas.regulation import Regulation
from tests.api.conftest import write_mini_regulation

REPO_ROOT = Path(__file__).resolve().parents[2]
USER = REPO_ROOT / "examples" / "user"


@pytest.fixture(scope="module")
def training(shared_dir: Path) -> Regulation:
    return read_regulation(shared_dir / "regulations" / "assembled" / "training-registry")


@pytest.fixture(scope="module")
def user() -> Regulation:
    return read_regulation(USER)


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_output_layout_and_manifest(training: Regulation, tmp_path: Path) -> None:
    written = generate(training, tmp_path)
    manifest = (tmp_path / MANIFEST).read_text(encoding="utf-8").splitlines()
    assert manifest == sorted(manifest)
    assert set(manifest) == {p.relative_to(tmp_path).as_posix() for p in written}
    assert set(manifest) == set(tree(tmp_path)) - {MANIFEST}
    for expected in (
        "training_registry/tables.py",
        "training_registry/models.py",
        "training_registry/app.py",
        "training_registry/routers/entities/laboratory.py",
        "training_registry/routers/search/koatuu_obl_contains_name.py",
        "openapi/internal.json",
        "openapi/ext.json",
        "openapi/public.json",
        "rbac/policy.csv",
        "regulation/data-model/main-liquibase.xml",
        "regulation/data-model/createTables.xml",
    ):
        assert expected in manifest, expected
    assert any(name.startswith("istio/internal/") for name in manifest)
    assert not any(name.endswith(".pyc") for name in tree(tmp_path))


def test_generating_twice_gives_identical_trees(user: Regulation, tmp_path: Path) -> None:
    public_api = USER / "public-api.yaml"
    generate(user, tmp_path / "a", public_api_file=public_api)
    generate(user, tmp_path / "b", public_api_file=public_api)
    first = tree(tmp_path / "a")
    assert first == tree(tmp_path / "b")
    generate(user, tmp_path / "a", public_api_file=public_api)
    assert tree(tmp_path / "a") == first


def test_generated_code_passes_ruff(training: Regulation, user: Regulation, tmp_path: Path) -> None:
    generate(training, tmp_path / "training")
    generate(user, tmp_path / "user")
    generate(read_regulation(write_mini_regulation(tmp_path / "mini-regulation")), tmp_path / "mini")
    ruff = Path(sys.executable).with_name("ruff")
    result = subprocess.run(
        [
            str(ruff),
            "check",
            "--no-cache",
            "--config",
            str(REPO_ROOT / "pyproject.toml"),
            str(tmp_path / "training"),
            str(tmp_path / "user"),
            str(tmp_path / "mini"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_generated_modules_name_their_regulation_element(training: Regulation, tmp_path: Path) -> None:
    generate(training, tmp_path)
    router = (tmp_path / "training_registry/routers/entities/laboratory.py").read_text(encoding="utf-8")
    assert "createTable at data-model/createTables.xml:" in router
    search = (tmp_path / "training_registry/routers/search/ownership_contains_name.py").read_text(
        encoding="utf-8"
    )
    assert "createSearchCondition at data-model/createSearchConditions.xml:" in search


def test_rerun_removes_what_it_no_longer_generates_and_nothing_else(user: Regulation, tmp_path: Path) -> None:
    generate(user, tmp_path)
    mine = tmp_path / "user" / "my_notes.txt"
    mine.write_text("kept", encoding="utf-8")
    generate(
        read_regulation(write_mini_regulation(tmp_path.parent / f"{tmp_path.name}-mini" / "mini")), tmp_path
    )
    assert not (tmp_path / "user" / "app.py").exists()
    assert not (tmp_path / "user" / "routers").exists()
    assert mine.read_text(encoding="utf-8") == "kept"
    assert (tmp_path / "mini" / "app.py").is_file()
    assert not (tmp_path / "regulation" / "data-model" / "createSearchConditions.xml").exists()


def test_profiles_get_their_own_openapi(user: Regulation, tmp_path: Path) -> None:
    generate(user, tmp_path, public_api_file=USER / "public-api.yaml")

    def paths(profile: str) -> set[str]:
        return set(
            json.loads((tmp_path / "openapi" / f"{profile}.json").read_text(encoding="utf-8"))["paths"]
        )

    api = "/api/data-factory"
    internal, ext, public = paths("internal"), paths("ext"), paths("public")
    assert f"{api}/user/{{id}}" in internal and f"{api}/enum/type-status" not in internal
    assert f"{api}/search/user-search-by-name" in ext and f"{api}/user/{{id}}" not in ext
    assert f"{api}/search/user-public-photo" not in ext
    assert f"{api}/search/user-public-photo" in public and f"{api}/search/user-search-by-name" not in public
    assert f"{api}/files/user/{{id}}/photo/{{fileId}}" in public
    assert f"{api}/files/user/{{id}}/documents/{{fileId}}" not in public
    assert (tmp_path / "user" / "public-api.yaml").read_bytes() == (USER / "public-api.yaml").read_bytes()
    public_document = json.loads((tmp_path / "openapi" / "public.json").read_text(encoding="utf-8"))
    methods = {method for operations in public_document["paths"].values() for method in operations}
    assert methods == {"get"}  # read-only: no POST /search/<sc> on the public profile


def test_service_tables_get_no_api(tmp_path: Path) -> None:
    root = write_mini_regulation(tmp_path / "mini")
    tables = root / "data-model" / "tables.xml"
    tables.write_text(
        tables.read_text(encoding="utf-8").replace(
            "</databaseChangeLog>",
            '<changeSet id="service" author="t"><createTable tableName="ddm_internal">'
            '<column name="id" type="UUID"><constraints primaryKey="true"/></column>'
            "</createTable></changeSet></databaseChangeLog>",
        ),
        encoding="utf-8",
    )
    generate(read_regulation(root), tmp_path / "out")
    assert "ddm_internal" not in (tmp_path / "out/mini/tables.py").read_text(encoding="utf-8")
    assert not (tmp_path / "out/mini/routers/entities/ddm_internal.py").exists()


def test_a_regulation_with_errors_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(GenerationError):
        generate(read_regulation(empty), tmp_path / "out")
    result = CliRunner().invoke(cli, ["generate", str(empty), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "CHANGELOG_NOT_FOUND" in result.output
    assert not (tmp_path / "out").exists()


def test_cli_generate(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["generate", str(USER), "--out", str(tmp_path), "--public-api", str(USER / "public-api.yaml")]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "user" / "app.py").is_file()
    shutil.rmtree(tmp_path / "user")


def test_many_search_conditions_get_their_openapi(tmp_path: Path) -> None:
    """FastAPI keeps the fields of at most 128 query-parameter models: past that its OpenAPI step
    failed with a KeyError. Generated search routes declare their parameters one by one."""
    header = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<databaseChangeLog '
        'xmlns="http://www.liquibase.org/xml/ns/dbchangelog" '
        'xmlns:ext="http://www.liquibase.org/xml/ns/dbchangelog-ext">\n'
    )
    table = (
        '<changeSet id="t" author="test"><createTable tableName="item">'
        '<column name="item_id" type="UUID"><constraints primaryKey="true"/></column>'
        '<column name="name" type="TEXT"/></createTable></changeSet>\n'
    )
    searches = "".join(
        f'<changeSet id="sc{n}" author="test"><ext:createSearchCondition name="item_by_name_{n}">'
        f'<ext:table name="item" alias="i"><ext:column name="item_id"/>'
        f'<ext:column name="name" searchType="contains"/></ext:table>'
        "</ext:createSearchCondition></changeSet>\n"
        for n in range(140)
    )
    root = tmp_path / "many"
    (root / "data-model").mkdir(parents=True)
    (root / "data-model" / "main-liquibase.xml").write_text(
        header + table + searches + "</databaseChangeLog>\n", encoding="utf-8"
    )
    regulation = read_regulation(root)
    assert not regulation.errors, regulation.errors
    generate(regulation, tmp_path / "out")
    document = json.loads((tmp_path / "out" / "openapi" / "internal.json").read_text(encoding="utf-8"))
    searched = [path for path in document["paths"] if path.startswith("/api/data-factory/search/")]
    assert len(searched) == 140
    parameters = document["paths"]["/api/data-factory/search/item-by-name-139"]["get"]["parameters"]
    assert [p["name"] for p in parameters] == ["name"]
