"""Connections PostgreSQL dropped under a live service (a failover, a restart, an idle timeout, an
administrator's ``pg_terminate_backend``) are replaced: the generated ``user`` registry served over HTTP
keeps answering reads, searches and writes after every backend serving it was terminated."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from registry_api.deploy import GeneratedRegistry
from registry_api.embedded import EmbeddedS3
from tests.served_registry import ServedRegistry, TestRealms, served_registry


@pytest.fixture(params=[10.0, 0.0], ids=["ping-idle-connections", "ping-every-checkout"])
def user_api(
    request: pytest.FixtureRequest,
    generated_user: GeneratedRegistry,
    database_url: str,
    s3: EmbeddedS3,
    realms: TestRealms,
    tmp_path: Path,
) -> Iterator[ServedRegistry]:
    database = {"url": database_url, "ping_after_idle_s": request.param}
    with served_registry(generated_user, database_url, s3, realms, tmp_path, database=database) as served:
        yield served


def terminate_service_backends(served: ServedRegistry) -> int:
    """Terminate every backend connected to the service's database but the caller's own, waiting (up to
    5 s each) until each is gone."""
    (count,) = served.rows(
        "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )[0]
    return int(count)


def test_requests_succeed_after_every_connection_was_terminated(user_api: ServedRegistry) -> None:
    with user_api.client("officer") as officer:

        def round_trip(name: str) -> None:
            created = officer.post("/user", json={"name": name})
            assert created.status_code == 201, created.text
            # a create is one statement on the autocommit pool; a PUT of a table with file columns
            # (re)binds its files in a transaction, on the other pool
            replaced = officer.put(f"/user/{created.json()['id']}", json={"name": name})
            assert replaced.status_code == 204, replaced.text
            read = officer.get(f"/user/{created.json()['id']}")
            assert read.status_code == 200 and read.json()["name"] == name
            found = officer.get("/search/user-search-by-name", params={"name": name})
            assert found.status_code == 200 and [r["name"] for r in found.json()["content"]] == [name]
            assert officer.get("/city-contains-name", params={"name": "x"}).status_code == 200

        round_trip("Before")  # both pools (transactions, autocommit statements) hold live connections now
        assert terminate_service_backends(user_api) >= 2
        for attempt in range(3):  # every request after the cut succeeds, the first one included
            round_trip(f"After {attempt}")
        assert httpx.get(f"{user_api.url}/actuator/health").json()["status"] == "UP"
    assert user_api.rows('SELECT count(*) FROM "user"') == [(4,)]
