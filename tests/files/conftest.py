"""Fixtures of the file tests: the generated ``examples/user`` registry (``user.photo`` is ``file``,
``user.documents`` is ``file[]``) served over HTTP as ``serve`` serves it (``tests.served_registry``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from registry_api.deploy import GeneratedRegistry
from registry_api.embedded import EmbeddedS3
from tests.served_registry import ServedRegistry, TestRealms, served_registry

# Small enough that the integrity tests' files span several chunks and the limit test stays quick.
FILE_SETTINGS = {"max_upload_bytes": 8 * 1024 * 1024, "chunk_bytes": 64 * 1024, "presign_max_expiry_s": 600}


@pytest.fixture
def user_api(
    generated_user: GeneratedRegistry, database_url: str, s3: EmbeddedS3, realms: TestRealms, tmp_path: Path
) -> Iterator[ServedRegistry]:
    """The internal profile of the user registry on a fresh database and fresh buckets:
    ``user_api.client("officer")`` calls it as an officer (``"citizen"``, ``"auditor"``, ...)."""
    with served_registry(generated_user, database_url, s3, realms, tmp_path, files=FILE_SETTINGS) as served:
        yield served
