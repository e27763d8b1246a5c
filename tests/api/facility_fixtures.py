"""The facility registry example (``examples/facility-registry``) served as ``serve`` serves it, one
database and service per test module: import the fixtures into a test module to use them."""

from __future__ import annotations

from collections.abc import Iterator

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
