"""Databases for the search tests that live for a whole test module (one per test would dominate
their time)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from registry_api.embedded import EmbeddedPostgres

from .databases import scratch_database


@pytest.fixture(scope="module")
def module_engine(postgres: EmbeddedPostgres) -> Iterator[Engine]:
    with scratch_database(postgres) as engine:
        yield engine
