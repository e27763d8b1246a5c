"""A fresh database per use, for fixtures that outlive one test."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from registry_api.embedded import EmbeddedPostgres


@contextmanager
def scratch_database(postgres: EmbeddedPostgres) -> Iterator[Engine]:
    """An engine on a fresh database of ``postgres``, dropped on exit."""
    name = f"search_{secrets.token_hex(6)}"
    admin = sa.create_engine(postgres.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine = sa.create_engine(make_url(postgres.url).set(database=name))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
