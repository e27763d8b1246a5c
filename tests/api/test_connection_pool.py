"""The service's database pools are fixed: a burst of requests beyond ``database.pool_size`` waits for a
pooled connection instead of opening (and closing again) one more server process per request, and a
request that waits longer than ``database.pool_timeout_s`` is a clean 503 the caller may retry."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx

from registry_api.deploy import GeneratedRegistry
from registry_api.embedded import EmbeddedS3
from tests.served_registry import ServedRegistry, TestRealms, served_registry

POOL_SIZE = 2


@contextmanager
def served_with_pool(
    generated_user: GeneratedRegistry,
    database_url: str,
    s3: EmbeddedS3,
    realms: TestRealms,
    tmp_path: Path,
    **database: object,
) -> Iterator[ServedRegistry]:
    settings = {"url": database_url, "pool_size": POOL_SIZE, **database}
    with served_registry(generated_user, database_url, s3, realms, tmp_path, database=settings) as served:
        yield served


def sessions_opened(served: ServedRegistry) -> int:
    """Connections the database server accepted so far (each a server process); this query's included."""
    ((count,),) = served.rows("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
    return int(count)


def test_a_burst_of_reads_shares_the_pooled_connections(
    generated_user: GeneratedRegistry, database_url: str, s3: EmbeddedS3, realms: TestRealms, tmp_path: Path
) -> None:
    with (
        served_with_pool(generated_user, database_url, s3, realms, tmp_path) as served,
        served.client("officer") as officer,
    ):
        created = officer.post("/user", json={"name": "Pooled"})
        assert created.status_code == 201, created.text
        path = f"/user/{created.json()['id']}"
        before = sessions_opened(served)
        with ThreadPoolExecutor(max_workers=16) as burst:
            statuses = list(burst.map(lambda _: officer.get(path).status_code, range(160)))
        assert statuses == [200] * 160
        # the reads' pool opened at most its size; the one more is the second count's own connection
        assert sessions_opened(served) - before <= POOL_SIZE + 1


def test_a_request_that_finds_no_free_connection_in_time_is_503_with_retry_after(
    generated_user: GeneratedRegistry, database_url: str, s3: EmbeddedS3, realms: TestRealms, tmp_path: Path
) -> None:
    with (
        served_with_pool(generated_user, database_url, s3, realms, tmp_path, pool_timeout_s=0.3) as served,
        served.client("officer") as officer,
    ):
        created = officer.post("/user", json={"name": "Waiting"})
        assert created.status_code == 201, created.text
        path = f"/user/{created.json()['id']}"
        assert served.app is not None
        reads = served.app.state.runtime.read_engine
        held = [reads.connect() for _ in range(POOL_SIZE)]  # every connection of the reads' pool busy
        try:
            busy = officer.get(path)
        finally:
            for connection in held:
                connection.close()
        assert busy.status_code == 503
        assert busy.headers["Retry-After"] == "1"
        problem = busy.json()
        assert problem["code"] == "THIRD_PARTY_SERVICE_UNAVAILABLE"
        assert "SELECT" not in busy.text and "Traceback" not in busy.text
        again = officer.get(path)  # connections back in the pool: served again
        assert again.status_code == 200 and again.json()["name"] == "Waiting"
        assert httpx.get(f"{served.url}/actuator/health").json()["status"] == "UP"
