"""Fixtures of the hardening tests: the generated user registry (``generated_user``) served as ``serve``
serves it (``tests.served_registry``), one database per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from registry_api.embedded import EmbeddedPostgres
from tests.conftest import created_database


@pytest.fixture(scope="module")
def module_database(postgres: EmbeddedPostgres) -> Iterator[str]:
    with created_database(postgres, prefix="hardening") as url:
        yield url
