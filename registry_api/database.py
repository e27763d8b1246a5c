"""The database engines: sync SQLAlchemy Core over psycopg 3, pooled per process."""

from __future__ import annotations

import select
import time
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError

from registry_api.metrics import instrument_pool
from registry_api.settings import Settings

_CHECKED_IN_AT = "registry_checked_in_at"


def create_database_engine(settings: Settings, *, autocommit: bool = False) -> Engine:
    """An engine for ``settings.database.url``.

    ``autocommit``: an engine for single-statement reads (entity reads, searches): no BEGIN/ROLLBACK
    round trips around each query. It has its own pool, so connections never switch modes.

    Connections the server dropped (restart, idle timeout) are replaced before use, like
    ``pool_pre_ping`` does — but only for connections idle longer than
    ``database.ping_after_idle_s`` or to which the server sent something while they rested (it does
    when it ends them): a busy pool skips the extra round trip on every request.

    The pool is fixed (``pool_size`` connections, kept open; ``pool_overflow`` more only if asked):
    a request beyond it waits up to ``pool_timeout_s`` for a connection rather than opening one,
    because overflow connections are closed when returned, and under a steady load around the pool's
    size that opened a new server process for one request in ten.

    Errors never show statement parameters (``hide_parameters``): they are names, e-mails, ids."""
    database = settings.database
    if not database.url:
        raise ValueError("no database configured: set REGISTRY_DATABASE__URL (or run `registry-api serve`)")
    engine = create_engine(
        database.url,
        pool_size=database.pool_size,
        max_overflow=database.pool_overflow,
        pool_timeout=database.pool_timeout_s,
        pool_pre_ping=database.ping_after_idle_s <= 0,
        connect_args={"connect_timeout": max(1, round(database.connect_timeout_s))},
        hide_parameters=True,  # statement parameters are personal data: never in an error or a log
        **({"isolation_level": "AUTOCOMMIT"} if autocommit else {}),
    )
    if database.ping_after_idle_s > 0:
        _ping_idle_connections(engine, database.ping_after_idle_s)
    instrument_pool(engine, "read" if autocommit else "write")  # after the ping: counts what is handed out
    return engine


def _ping_idle_connections(engine: Engine, idle_s: float) -> None:
    @event.listens_for(engine, "connect")
    def remember_connect(dbapi_connection: Any, record: Any) -> None:
        record.info[_CHECKED_IN_AT] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def remember_checkin(dbapi_connection: Any, record: Any) -> None:
        record.info[_CHECKED_IN_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping_if_idle(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        recent = time.monotonic() - record.info.get(_CHECKED_IN_AT, 0.0) <= idle_s
        if recent and not _server_spoke(dbapi_connection):
            return
        try:
            dbapi_connection.execute("SELECT 1")
            if not dbapi_connection.autocommit:
                dbapi_connection.rollback()
        except Exception as error:  # any failure: the pool retries with a fresh connection
            raise DisconnectionError("a pooled connection is dead") from error


def _server_spoke(dbapi_connection: Any) -> bool:
    """Whether the server sent something to a connection resting in the pool. An idle connection gets
    nothing unless the server is ending it (``pg_terminate_backend``, a restart or failover: an error,
    then the socket closes), so this free check catches those between the idle pings."""
    try:
        readable, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
    except (OSError, ValueError):  # already closed
        return True
    return bool(readable)
