"""Liveness and readiness apart, as the reference's actuator has them: an S3 or database outage makes
a pod unready (no traffic), never dead (no restart); a pod of a release whose migration has not run
is not ready."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from registry_api.embedded import EmbeddedS3
from tests.api.conftest import serve_generated

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "user"
LIVENESS = "/actuator/health/liveness"
READINESS = "/actuator/health/readiness"
FORGET_ONE_CHANGESET = (
    "DELETE FROM databasechangelog WHERE ctid = (SELECT ctid FROM databasechangelog "
    "WHERE filename <> 'platform' AND contexts IS NULL LIMIT 1) RETURNING *"
)
FORGET_ONE_CHANGESET = (
    "DELETE FROM databasechangelog WHERE ctid = (SELECT ctid FROM databasechangelog "
    "WHERE filename <> 'platform' AND contexts IS NULL LIMIT 1) RETURNING *"
)


@pytest.fixture
def own_s3() -> Iterator[EmbeddedS3]:
    """An S3 server of this test alone: it is stopped and started again."""
    with tempfile.TemporaryDirectory(prefix="registry-test-s3-") as base:
        server = EmbeddedS3(Path(base))
        try:
            yield server
        finally:
            server.stop()


def test_readiness_follows_s3_and_liveness_does_not(
    tmp_path: Path, database_url: str, own_s3: EmbeddedS3
) -> None:
    app, _ = serve_generated(EXAMPLE, tmp_path / "build", database_url, own_s3)
    with TestClient(app, raise_server_exceptions=False) as client:
        ready = client.get(READINESS)
        assert ready.status_code == 200
        assert ready.json() == {
            "status": "UP",
            "components": {"db": {"status": "UP"}, "migrations": {"status": "UP"}, "s3": {"status": "UP"}},
        }
        own_s3.stop()
        down = client.get(READINESS)
        assert down.status_code == 503
        assert down.json()["status"] == "DOWN"
        assert down.json()["components"]["s3"] == {"status": "DOWN"}
        assert down.json()["components"]["db"] == {"status": "UP"}
        assert client.get("/actuator/health").status_code == 503
        alive = client.get(LIVENESS)
        assert alive.status_code == 200 and alive.json() == {"status": "UP"}

        restarted = EmbeddedS3(own_s3.data_dir, port=own_s3.port, access_key=own_s3.access_key,
                               secret_key=own_s3.secret_key)  # fmt: skip
        try:
            assert client.get(READINESS).status_code == 200
        finally:
            restarted.stop()


def test_readiness_waits_for_the_release_migration(tmp_path: Path, database_url: str, s3: EmbeddedS3) -> None:
    """A changeset of the tree missing from the database's changelog (a new release whose migration
    Job has not run yet): not ready, and ready again once it is recorded."""
    app, _ = serve_generated(EXAMPLE, tmp_path / "build", database_url, s3)
    engine = create_engine(database_url)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            assert client.get(READINESS).status_code == 200
            with engine.begin() as connection:
                row = connection.execute(text(FORGET_ONE_CHANGESET)).mappings().one()
            waiting = client.get(READINESS)
            assert waiting.status_code == 503
            assert waiting.json()["components"] == {
                "db": {"status": "UP"}, "migrations": {"status": "DOWN"}, "s3": {"status": "UP"}
            }  # fmt: skip
            assert client.get(LIVENESS).status_code == 200
            with engine.begin() as connection:  # the migration of the release records it
                values = ", ".join(f":{column}" for column in row)
                insert = f"INSERT INTO databasechangelog ({', '.join(row)}) VALUES ({values})"  # noqa: S608
                connection.execute(text(insert), dict(row))
            assert client.get(READINESS).status_code == 200
    finally:
        engine.dispose()
