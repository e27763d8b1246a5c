"""The database engine: sync SQLAlchemy Core over psycopg 3, one pool per process."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine

from registry_api.settings import Settings


def create_database_engine(settings: Settings) -> Engine:
    """An engine for ``settings.database.url``. ``pool_pre_ping`` replaces connections the server
    dropped (restarts, idle timeouts) instead of failing the next request with them."""
    url = settings.database.url
    if not url:
        raise ValueError("no database configured: set REGISTRY_DATABASE__URL (or run `registry-api serve`)")
    return create_engine(
        url,
        pool_size=settings.database.pool_size,
        max_overflow=settings.database.pool_size,
        pool_pre_ping=True,
        connect_args={"connect_timeout": max(1, round(settings.database.connect_timeout_s))},
    )
