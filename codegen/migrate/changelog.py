"""Liquibase's bookkeeping tables: ``databasechangelog`` (what ran) and ``databasechangeloglock``
(one migrator at a time), with the same columns Liquibase uses so either tool can read them.

Mutual exclusion is a PostgreSQL session advisory lock held for the whole run (released by the server if
the migrator dies), mirrored in the lock row for people and tools that look there. A migrator that finds
the lock held waits for it (polling, up to a timeout) rather than failing at once: the service's
deployments migrate at start and are started together. A lock row left ``locked`` by a migrator that
died is recognised as stale (nobody holds the advisory lock) and taken over with a message saying so.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

from codegen.migrate.errors import MigrationLockedError

# pg_advisory_lock key: any constant unique to this purpose (crc32 of "databasechangeloglock").
ADVISORY_LOCK_KEY = 0x5F3C_2A91
LOCK_POLL_S = 0.25  # between tries while another migrator holds the lock

CREATE_CHANGELOG = """
CREATE TABLE IF NOT EXISTS databasechangelog (
    id VARCHAR(255) NOT NULL,
    author VARCHAR(255) NOT NULL,
    filename VARCHAR(255) NOT NULL,
    dateexecuted TIMESTAMP NOT NULL,
    orderexecuted INTEGER NOT NULL,
    exectype VARCHAR(10) NOT NULL,
    md5sum VARCHAR(35),
    description VARCHAR(255),
    comments VARCHAR(255),
    tag VARCHAR(255),
    liquibase VARCHAR(20),
    contexts VARCHAR(255),
    labels VARCHAR(255),
    deployment_id VARCHAR(10)
)"""

# Our own checksum of each changeset we applied or adopted (``ChangeSet.checksum``), kept where Liquibase
# does not look: ``databasechangelog.md5sum`` holds what Liquibase itself computes (or NULL where that
# is not reproduced), so either tool accepts the other's database while edits are still detected.
CHECKSUMS_TABLE = "ddm_changeset_checksums"
CREATE_CHECKSUMS = """
CREATE TABLE IF NOT EXISTS ddm_changeset_checksums (
    id VARCHAR(255) NOT NULL,
    author VARCHAR(255) NOT NULL,
    filename VARCHAR(255) NOT NULL,
    checksum TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (id, author, filename)
)"""

CREATE_LOCK = """
CREATE TABLE IF NOT EXISTS databasechangeloglock (
    id INTEGER NOT NULL PRIMARY KEY,
    locked BOOLEAN NOT NULL,
    lockgranted TIMESTAMP,
    lockedby VARCHAR(255)
)"""

LIQUIBASE_COLUMN = "rdf-migrate 0.1"  # what ran the changeset (Liquibase writes its version here)


@dataclass(frozen=True, slots=True)
class AppliedChangeSet:
    id: str
    author: str
    filename: str
    md5sum: str | None
    orderexecuted: int
    exectype: str
    dateexecuted: datetime
    checksum: str | None = None  # ours (``ddm_changeset_checksums``); None: Liquibase (or an old us) ran it


def _table_exists(connection: Connection, name: str) -> bool:
    return bool(connection.execute(text("SELECT to_regclass(:name) IS NOT NULL"), {"name": name}).scalar())


def read_applied(connection: Connection) -> dict[tuple[str, str, str], AppliedChangeSet]:
    """What ran, with our own checksum where we recorded one (read-only: nothing is created)."""
    if not _table_exists(connection, "databasechangelog"):
        return {}
    columns = "SELECT d.id, d.author, d.filename, d.md5sum, d.orderexecuted, d.exectype, d.dateexecuted, "
    if _table_exists(connection, CHECKSUMS_TABLE):
        query = columns + (
            "c.checksum FROM databasechangelog d "
            "LEFT JOIN ddm_changeset_checksums c USING (id, author, filename) ORDER BY d.orderexecuted"
        )
    else:  # Liquibase's database, or one an older version of ours migrated
        query = columns + "NULL AS checksum FROM databasechangelog d ORDER BY d.orderexecuted"
    rows = connection.execute(text(query))
    return {(r.id, r.author, r.filename): AppliedChangeSet(*r) for r in rows}


def _holder(connection: Connection) -> str:
    if _table_exists(connection, "databasechangeloglock"):
        row = connection.execute(
            text("SELECT lockedby, lockgranted FROM databasechangeloglock WHERE id = 1")
        ).first()
        if row is not None and row.lockedby is not None:
            return f"{row.lockedby} since {row.lockgranted:%Y-%m-%d %H:%M:%S}"
    return _advisory_holder(connection)


def _advisory_holder(connection: Connection) -> str:
    """The session holding the advisory lock, for a holder that has not written the lock row yet."""
    row = connection.execute(
        text(
            "SELECT l.pid, a.client_addr, a.application_name FROM pg_locks l "
            "LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND l.classid = 0 AND l.objid = :key AND l.objsubid = 1"
        ),
        {"key": ADVISORY_LOCK_KEY},
    ).first()
    if row is None:
        return "an unknown process"
    client = f" from {row.client_addr}" if row.client_addr else ""
    application = f" ({row.application_name})" if row.application_name else ""
    return f"PostgreSQL session pid {row.pid}{client}{application}"


def _who() -> str:
    return f"{socket.gethostname()} (pid {os.getpid()})"[:255]


def _try_lock(connection: Connection) -> bool:
    got = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}).scalar()
    connection.rollback()  # no transaction stays open while waiting; the session lock outlives it
    return bool(got)


def _acquire(connection: Connection, wait_s: float, on_wait: Callable[[str], None] | None) -> None:
    """Take the advisory lock, polling for up to ``wait_s`` seconds while another migrator holds it."""
    deadline = time.monotonic() + max(wait_s, 0.0)
    if _try_lock(connection):
        return
    if wait_s > 0 and on_wait is not None:
        holder = _holder(connection)
        connection.rollback()
        on_wait(
            f"another migrator is running on this database (databasechangeloglock held by {holder}); "
            f"waiting up to {wait_s:g} s for it to finish"
        )
    while (remaining := deadline - time.monotonic()) > 0:
        time.sleep(min(LOCK_POLL_S, remaining))
        if _try_lock(connection):
            return
    holder = _holder(connection)
    connection.rollback()
    waited = f"; gave up after waiting {wait_s:g} s" if wait_s > 0 else ""
    raise MigrationLockedError(
        f"another migrator is running on this database (databasechangeloglock held by {holder}){waited}; "
        "wait for it to finish and try again"
    )


@contextmanager
def changelog_lock(
    connection: Connection,
    notices: list[str],
    wait_s: float = 0.0,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the migration lock on this connection for the duration of the block.

    ``wait_s``: how long to wait for another migrator to release it (``on_wait`` is told once, with the
    holder) before raising ``MigrationLockedError``; 0 tries once.
    """
    _acquire(connection, wait_s, on_wait)
    try:
        connection.execute(text(CREATE_CHANGELOG))
        connection.execute(text(CREATE_CHECKSUMS))
        connection.execute(text(CREATE_LOCK))
        connection.commit()
        row = connection.execute(
            text("SELECT locked, lockedby, lockgranted FROM databasechangeloglock WHERE id = 1 FOR UPDATE")
        ).first()
        if row is None:
            connection.execute(text("INSERT INTO databasechangeloglock (id, locked) VALUES (1, FALSE)"))
        elif row.locked:
            notices.append(
                f"NOTICE: released a stale migration lock left by {row.lockedby} since {row.lockgranted}; "
                "that migrator is no longer connected"
            )
        connection.execute(
            text(
                "UPDATE databasechangeloglock SET locked = TRUE, lockgranted = now(), lockedby = :who "
                "WHERE id = 1"
            ),
            {"who": _who()},
        )
        connection.commit()
        yield
    finally:
        connection.rollback()
        connection.connection.dbapi_connection.rollback()  # type: ignore[union-attr]
        connection.execute(
            text(
                "UPDATE databasechangeloglock SET locked = FALSE, lockgranted = NULL, lockedby = NULL "
                "WHERE id = 1"
            )
        )
        connection.commit()
        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
        connection.commit()


def next_order(connection: Connection) -> int:
    value = connection.execute(
        text("SELECT coalesce(max(orderexecuted), 0) + 1 FROM databasechangelog")
    ).scalar()
    return int(value or 1)


def record(
    connection: Connection,
    *,
    key: tuple[str, str, str],
    md5sum: str | None,
    checksum: str,
    exectype: str,
    description: str,
    comments: str | None,
    tag: str | None,
    contexts: str | None,
    labels: str | None,
    deployment_id: str,
    rerun: bool,
) -> None:
    """Insert the changeset's row, or update it when it ran before (runAlways/runOnChange)."""
    values = {
        "id": key[0],
        "author": key[1],
        "filename": key[2],
        "md5sum": md5sum,
        "exectype": exectype,
        "description": description[:255],
        "comments": (comments or "")[:255],
        "tag": tag,
        "liquibase": LIQUIBASE_COLUMN,
        "contexts": (contexts or None) and contexts[:255],
        "labels": (labels or None) and labels[:255],
        "deployment_id": deployment_id,
        "order": next_order(connection),
    }
    if rerun:
        connection.execute(
            text(
                "UPDATE databasechangelog SET dateexecuted = now(), orderexecuted = :order, "
                "exectype = :exectype, "
                "md5sum = :md5sum, description = :description, comments = :comments, "
                "tag = coalesce(:tag, tag), liquibase = :liquibase, contexts = :contexts, labels = :labels, "
                "deployment_id = :deployment_id WHERE id = :id AND author = :author AND filename = :filename"
            ),
            values,
        )
    else:
        connection.execute(
            text(
                "INSERT INTO databasechangelog (id, author, filename, dateexecuted, orderexecuted, exectype, "
                "md5sum, description, comments, tag, liquibase, contexts, labels, deployment_id) VALUES "
                "(:id, :author, :filename, now(), :order, :exectype, :md5sum, :description, :comments, :tag, "
                ":liquibase, :contexts, :labels, :deployment_id)"
            ),
            values,
        )
    record_checksum(connection, key, checksum)


def update_checksum(
    connection: Connection, key: tuple[str, str, str], md5sum: str | None, checksum: str
) -> None:
    """Accept the changeset as it is now: Liquibase's checksum (or NULL) and ours."""
    connection.execute(
        text(
            "UPDATE databasechangelog SET md5sum = :md5sum "
            "WHERE id = :id AND author = :author AND filename = :filename"
        ),
        {"md5sum": md5sum, "id": key[0], "author": key[1], "filename": key[2]},
    )
    record_checksum(connection, key, checksum)


def record_checksum(connection: Connection, key: tuple[str, str, str], checksum: str) -> None:
    """Our checksum of a changeset applied (by us or, adopted, by Liquibase)."""
    connection.execute(
        text(
            "INSERT INTO ddm_changeset_checksums (id, author, filename, checksum) "
            "VALUES (:id, :author, :filename, :checksum) ON CONFLICT (id, author, filename) "
            "DO UPDATE SET checksum = EXCLUDED.checksum, recorded_at = now()"
        ),
        {"id": key[0], "author": key[1], "filename": key[2], "checksum": checksum},
    )
