"""The facility registry example (``examples/facility-registry``) served as ``serve`` serves it, one
database and service per test module: import the fixtures into a test module to use them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from registry_api.embedded import EmbeddedPostgres, EmbeddedS3
from tests.conftest import created_database
from tests.served_registry import REPO_ROOT, ServedRegistry, TestRealms, generate_registry, served_registry

FACILITIES = REPO_ROOT / "examples" / "facility-registry"
PUBLIC_API = FACILITIES / "public-api.yaml"
NATIONAL = {"katottg": "UA"}  # every territory code starts with UA
LINKS = {"signing_keys": ["facility-test-signing-key-" + "x" * 32]}


@pytest.fixture(scope="module")
def database(postgres: EmbeddedPostgres) -> Iterator[str]:
    with created_database(postgres, prefix="facility") as url:
        yield url


@pytest.fixture(scope="module")
def facilities(
    tmp_path_factory: pytest.TempPathFactory, database: str, s3: EmbeddedS3, realms: TestRealms
) -> Iterator[ServedRegistry]:
    """The internal profile."""
    registry = generate_registry(
        FACILITIES, tmp_path_factory.mktemp("facility-registry"), public_api=PUBLIC_API
    )
    data_dir = tmp_path_factory.mktemp("var")
    with served_registry(registry, database, s3, realms, data_dir, links=LINKS) as served:
        yield served


def upload(
    client: httpx.Client, name: str, content: bytes, media_type: str = "application/pdf"
) -> dict[str, str]:
    """``POST /files``; the ``{id, checksum}`` reference an entity's file column takes."""
    uploaded = client.post("/files", files={"file": (name, content, media_type)})
    assert uploaded.status_code == 201, uploaded.text
    return {"id": uploaded.json()["id"], "checksum": uploaded.json()["checksum"]}


def inspection_with_new_facility(
    name: str, report: dict[str, str], licence: dict[str, str], katottg: str = "UA0511"
) -> dict[str, Any]:
    """A ``PUT /nested/facility-inspection`` body: a passed inspection of a new facility, both with a file."""
    return {
        "inspectedOn": "2024-07-01",
        "result": "passed",
        "report": report,
        "facility": {"name": name, "katottg": katottg, "licenceScan": licence},
    }
