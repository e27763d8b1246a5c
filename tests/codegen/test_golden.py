"""Golden files: the generated package, OpenAPI documents and RBAC policy of the user example and the
training registry, exactly as committed under ``tests/golden/generated/`` (Istio output has its own
goldens in ``tests/golden/istio``; ``regulation/`` is a copy of the input).

Regenerate after an intended change, then review the diff:
    REGEN_GOLDEN=1 .venv/bin/pytest tests/codegen/test_golden.py
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from codegen.emit import generate
from codegen.reader import read_regulation
from schemas.layout import ISTIO_DIR, REGULATION_DIR

REPO_ROOT = Path(__file__).resolve().parents[2]
GOLDEN = REPO_ROOT / "tests" / "golden" / "generated"
USER = REPO_ROOT / "examples" / "user"
NOT_COMPARED = (ISTIO_DIR, REGULATION_DIR)


def output_files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.relative_to(root).parts[0] not in NOT_COMPARED
    }


def sources(case: str, shared_dir: Path) -> tuple[Path, Path | None]:
    if case == "user":
        return USER, USER / "public-api.yaml"
    return shared_dir / "regulations" / "assembled" / "training-registry", None


def compare(case: str, actual: dict[str, bytes]) -> None:
    expected_dir = GOLDEN / case
    if os.environ.get("REGEN_GOLDEN"):
        for old in [p for p in expected_dir.rglob("*") if p.is_file()]:
            old.unlink()
        for name, content in actual.items():
            (expected_dir / name).parent.mkdir(parents=True, exist_ok=True)
            (expected_dir / name).write_bytes(content)
    expected = output_files(expected_dir)
    assert sorted(actual) == sorted(expected), "the set of generated files changed (REGEN_GOLDEN=1 to accept)"
    for name in expected:
        assert actual[name] == expected[name], (
            f"{name} differs from its golden copy (REGEN_GOLDEN=1 to accept)"
        )


@pytest.mark.parametrize("case", ["user", "training-registry"])
def test_generated_output_matches_the_golden_copy(case: str, tmp_path: Path, shared_dir: Path) -> None:
    regulation, public_api = sources(case, shared_dir)
    generate(read_regulation(regulation), tmp_path, public_api_file=public_api)
    compare(case, output_files(tmp_path))


def test_output_does_not_depend_on_the_environment(tmp_path: Path) -> None:
    """`generate` run twice by the CLI, once with service variables set (S3, database, API root,
    profile, a .env file in the working directory), gives byte-identical trees."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    configured = {
        **environment,
        "REGISTRY_S3__ENDPOINT_URL": "http://s3.example:9000",
        "REGISTRY_DATABASE__URL": "postgresql+psycopg://u@db.example/registry",
        "REGISTRY_API_ROOT": "/somewhere/else",
        "REGISTRY_PROFILE": "public",
        "REGISTRY_FILES__PRESIGN_MAX_EXPIRY_S": "60",
    }
    workdir = tmp_path / "work"
    workdir.mkdir()
    (workdir / ".env").write_text(
        "REGISTRY_AUTH__DEV_AUTH=true\nREGISTRY_API_ROOT=/dotenv\n", encoding="utf-8"
    )
    trees = []
    for name, env, cwd in (("plain", environment, REPO_ROOT), ("configured", configured, workdir)):
        out = tmp_path / name
        command = [sys.executable, "-m", "codegen.cli", "generate", str(USER), "--out", str(out)]
        command += ["--public-api", str(USER / "public-api.yaml")]
        result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
        trees.append(
            {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
        )
    assert trees[0] == trees[1]
    internal = (tmp_path / "configured" / "openapi" / "internal.json").read_text(encoding="utf-8")
    for route in (
        '"/api/data-factory/files"',
        '"/api/data-factory/s/{short_name}"',
        '"/api/data-factory/files/{entity}/{entity_id}/{field}/{file_id}/link"',
    ):
        assert route in internal, route
