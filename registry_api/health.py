"""Readiness of a running service: can it answer requests now? (Liveness needs no check: a process
that answers HTTP is alive; restarting it cannot fix a database or S3 outage.)

* ``db``: the database answers ``SELECT 1``;
* ``migrations``: every changeset the output tree expects (those that run in any context, and the
  platform's) is recorded in ``databasechangelog`` — a pod of a new release is not ready until the
  release's migration ran;
* ``s3``: both buckets answer.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from registry_api.storage import Storage

log = logging.getLogger(__name__)

ChangeSetKey = tuple[str, str, str]  # id, author, filename: Liquibase's identity of a changeset


@dataclass(frozen=True)
class Readiness:
    components: dict[str, bool]

    @property
    def up(self) -> bool:
        return all(self.components.values())


def check_readiness(
    engine: Engine,
    storage: Storage,
    expected: Collection[ChangeSetKey],
    read_engine: Engine | None = None,
) -> Readiness:
    """``read_engine`` (the autocommit pool of reads) is checked too: after a database outage the
    check renews its dead connections, so the first read served afterwards does not fail on one."""
    database, migrations = _database_and_migrations(engine, expected)
    if database and read_engine is not None:
        database = _answers(read_engine)
    return Readiness({"db": database, "migrations": migrations, "s3": storage.reachable()})


def _answers(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        log.warning("database not ready: %s", type(error).__name__)
        return False
    return True


def _database_and_migrations(engine: Engine, expected: Collection[ChangeSetKey]) -> tuple[bool, bool]:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            if not expected:
                return True, True
            recorded = connection.execute(
                text("SELECT to_regclass('databasechangelog') IS NOT NULL")
            ).scalar_one() and {
                (row.id, row.author, row.filename)
                for row in connection.execute(text("SELECT id, author, filename FROM databasechangelog"))
            }
    except SQLAlchemyError as error:
        log.warning("database not ready: %s", type(error).__name__)
        return False, False
    missing = [key for key in expected if key not in (recorded or set())]
    if missing:
        log.warning("migrations not applied yet: %d changeset(s) missing, e.g. %s", len(missing), missing[0])
    return True, not missing
