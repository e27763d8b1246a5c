"""Shared fixtures: real servers, started lazily (only tests that ask for them pay), stopped always.

* ``postgres`` (session): embedded PostgreSQL 18 in a fresh temporary directory; ``.url`` is the
  server-wide admin database.
* ``database_url`` (function): a fresh empty database on that server, dropped after the test.
* ``s3`` (session): a fresh nanio S3 server; ``.client()`` gives a boto3 client configured as for Ceph.
  With ``REGISTRY_TEST_S3_ENDPOINT`` set it is that server instead (``tests.external_s3``: the Ceph RGW
  ``.ci/run`` starts for the file suite).
* ``shared_dir`` (session): ``../shared`` beside the repository (regulation corpus, Istio CRDs).
* ``realms`` (session): a test realm signing key and its JWKS file (``tests.served_registry.TestRealms``).
* ``generated_user`` (session): ``examples/user`` generated once, loaded as ``serve`` loads it; serve it
  with ``tests.served_registry.served_registry`` (``tests/files/conftest.py``: the ``user_api`` fixture).

Servers are stopped by fixture teardown, and also by atexit handlers (Ctrl-C, SIGTERM) in case pytest
never reaches teardown.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from registry_api.deploy import GeneratedRegistry, forget_package
from registry_api.embedded import EmbeddedPostgres, EmbeddedS3, stop_on_sigterm
from tests.external_s3 import ExternalS3
from tests.served_registry import USER_EXAMPLE, TestRealms, generate_registry

REPO_ROOT = Path(__file__).resolve().parents[1]


def pytest_configure(config: pytest.Config) -> None:
    # Python skips atexit on a plain SIGTERM; turning it into KeyboardInterrupt lets teardown run.
    stop_on_sigterm()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    path = (REPO_ROOT / ".." / "shared").resolve()
    if not (path / "regulations").is_dir():
        pytest.fail(f"the shared corpus is missing: expected {path} beside the repository", pytrace=False)
    return path


@pytest.fixture
def private_tmp_path() -> Iterator[Path]:
    """Like ``tmp_path``, but outside pytest's basetemp: for data directories of embedded PostgreSQL,
    whose own (non-root) user must keep access while another pytest run starts and resets the basetemp
    to 0700."""
    base = Path(tempfile.mkdtemp(prefix="registry-test-"))
    yield base
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[EmbeddedPostgres]:
    # Not under pytest's basetemp: pytest resets /tmp/pytest-of-<user> to 0700 at every start, which
    # would lock the server's own (non-root) user out of its data dir while another run is going on.
    base = Path(tempfile.mkdtemp(prefix="registry-test-pg-"))
    server = EmbeddedPostgres(base / "pgdata")
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)  # ~40 MB per run; nothing to inspect after a stop


@contextmanager
def created_database(server: EmbeddedPostgres, prefix: str = "test") -> Iterator[str]:
    """A fresh empty database on ``server`` for the duration of the block; its URL."""
    name = f"{prefix}_{secrets.token_hex(6)}"
    with psycopg.connect(server.conninfo, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield server.url_for(name)
    finally:
        # FORCE: a test that leaked a connection (or a pool) must not keep its database alive.
        with psycopg.connect(server.conninfo, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def database_url(postgres: EmbeddedPostgres) -> Iterator[str]:
    with created_database(postgres) as url:
        yield url


@pytest.fixture(scope="session")
def s3() -> Iterator[EmbeddedS3 | ExternalS3]:
    external = ExternalS3.from_environment()  # the Ceph RGW of .ci/run's file-suite step
    if external is not None:
        yield external
        return
    # A private temp dir for the same reason as ``postgres``: pytest prunes old basetemps of other runs.
    base = Path(tempfile.mkdtemp(prefix="registry-test-s3-"))
    server = EmbeddedS3(
        base,
        access_key=f"test-{secrets.token_hex(4)}",
        secret_key=secrets.token_urlsafe(24),
    )
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def realms(tmp_path_factory: pytest.TempPathFactory) -> TestRealms:
    return TestRealms(tmp_path_factory.mktemp("realms"))


@pytest.fixture(scope="session")
def generated_user(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GeneratedRegistry]:
    """``examples/user`` generated once, with its public-API settings."""
    out = tmp_path_factory.mktemp("generated-user")
    yield generate_registry(USER_EXAMPLE, out, public_api=USER_EXAMPLE / "public-api.yaml")
    forget_package("user")
