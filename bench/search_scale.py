"""Searches over a million rows, through HTTP, with the indexes ``indexing="true"`` creates and without.

A ``person`` table gets ``BENCH_ROWS`` rows (100,000; 1,050,000 with ``--full``: random surnames,
codes, birth dates); then a second release of
the regulation adds search conditions with ``indexing="true"`` (the migrator builds their indexes on
the populated table, as when a live registry adds indexing). ``registry-api serve --dev-auth`` serves
it; one client asks each search 30 times with different values, one request at a time (latency,
not throughput), and reports p50 and p90:

* ``contains`` on a surname (trigram GIN index), ``equal`` on a code and ``between`` on a date (btree),
  all page mode, so each answer carries an exact ``totalElements``: target p50 < 50 ms;
* a broad search (most rows match) at pages 0, 100 and 1000: what deep pages cost;
* the same selective searches with the indexes dropped: the whole-table reads they replace;
* ``SELECT count(*)`` of the broad search alone: the second scan a page used to pay for its total;
* ``EXPLAIN (ANALYZE, BUFFERS)`` of the one statement each page-mode search sends (captured from the
  service's own search code on the same database): one scan of the index, the count a window.

    .venv/bin/python -m bench search_scale          (100,000 rows, about a minute)
    .venv/bin/python -m bench --full search_scale   (1,050,000 rows, about five minutes; ~1 GiB of /tmp)
"""

from __future__ import annotations

import hashlib
import random
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    API,
    dev_token,
    load_1min,
    machine_state,
    process,
    registry_api_command,
    serve_environment,
    sized,
    work_directory,
)

ROWS = int(sized("ROWS", 100_000, 1_050_000))
REQUESTS = int(sized("REQUESTS", 30, 30))
HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<databaseChangeLog '
    'xmlns="http://www.liquibase.org/xml/ns/dbchangelog" '
    'xmlns:ext="http://www.liquibase.org/xml/ns/dbchangelog-ext">\n'
)
TABLE = """
<changeSet id="person" author="bench">
  <createTable tableName="person">
    <column name="person_id" type="UUID" defaultValueComputed="gen_random_uuid()">
      <constraints nullable="false" primaryKey="true"/>
    </column>
    <column name="last_name" type="TEXT"><constraints nullable="false"/></column>
    <column name="code" type="VARCHAR(20)"/>
    <column name="born" type="DATE"/>
  </createTable>
</changeSet>
"""
SEARCHES = """
<changeSet id="person by name" author="bench">
  <ext:createSearchCondition name="person_by_name" indexing="true" pagination="page" limit="100">
    <ext:table name="person" alias="p">
      <ext:column name="person_id"/>
      <ext:column name="last_name" searchType="contains" sorting="asc"/>
      <ext:column name="born"/>
    </ext:table>
  </ext:createSearchCondition>
</changeSet>
<changeSet id="person by code" author="bench">
  <ext:createSearchCondition name="person_by_code" indexing="true" pagination="page" limit="100">
    <ext:table name="person" alias="p">
      <ext:column name="person_id"/>
      <ext:column name="last_name"/>
      <ext:column name="code" searchType="equal"/>
    </ext:table>
  </ext:createSearchCondition>
</changeSet>
<changeSet id="person by birth" author="bench">
  <ext:createSearchCondition name="person_by_birth" indexing="true" pagination="page" limit="100">
    <ext:table name="person" alias="p">
      <ext:column name="person_id"/>
      <ext:column name="last_name"/>
      <ext:column name="born" searchType="between" sorting="asc"/>
    </ext:table>
  </ext:createSearchCondition>
</changeSet>
"""
ROWS_SQL = """
INSERT INTO person (last_name, code, born)
SELECT 'Surname ' || md5(n::text), 'C' || n, DATE '1940-01-01' + (n % 30000)
  FROM generate_series(1, ROWS) AS n;
ANALYZE person;
""".replace("ROWS", str(ROWS))
DROP_INDEXES = """
DO $$ DECLARE name text; BEGIN
  FOR name IN SELECT indexname FROM pg_indexes WHERE tablename = 'person' AND indexname LIKE 'ix_%' LOOP
    EXECUTE format('DROP INDEX %I', name);
  END LOOP;
END $$;
"""


def write_release(root: Path, with_searches: bool) -> Path:
    (root / "data-model").mkdir(parents=True, exist_ok=True)
    body = TABLE + (SEARCHES if with_searches else "")
    (root / "data-model" / "main-liquibase.xml").write_text(
        HEADER + body + "</databaseChangeLog>\n", encoding="utf-8"
    )
    return root


def md5_piece(n: int) -> str:
    return hashlib.md5(str(n).encode(), usedforsecurity=False).hexdigest()[3:15]


def timed(client: httpx.Client, path: str, params: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    answer = client.get(path, params=params)
    elapsed = (time.perf_counter() - started) * 1000
    answer.raise_for_status()
    body: dict[str, Any] = answer.json()
    return elapsed, body


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return f"p50 {statistics.median(ordered):7.1f} ms, p90 {p90:7.1f} ms"


def series(
    client: httpx.Client, path: str, params_of: Callable[[int], dict[str, Any]], count: int
) -> tuple[list[float], list[int]]:
    times: list[float] = []
    totals: list[int] = []
    for number in range(count):
        elapsed, body = timed(client, path, params_of(number))
        times.append(elapsed)
        totals.append(int(body["totalElements"]))
    return times, totals


@contextmanager
def served(root: Path) -> Iterator[tuple[httpx.Client, Any, dict[str, float]]]:
    import psycopg

    from codegen.emit import generate
    from codegen.migrate import migrate
    from codegen.reader import read_regulation
    from codegen.service_runner import ensure_database
    from registry_api.embedded import EmbeddedPostgres, EmbeddedS3, free_port

    timings: dict[str, float] = {}
    with ExitStack() as stack:
        postgres = stack.enter_context(EmbeddedPostgres(root / "pg"))
        s3 = stack.enter_context(EmbeddedS3(root / "s3"))
        url = ensure_database(postgres, "bench")
        migrate(read_regulation(write_release(root / "release-1", with_searches=False)), url)
        database = stack.enter_context(
            psycopg.connect(f"host={postgres.socket_dir} user=postgres dbname=bench", autocommit=True)
        )
        started = time.perf_counter()
        database.execute(ROWS_SQL)
        timings[f"load {ROWS:,} rows"] = time.perf_counter() - started
        regulation = read_regulation(write_release(root / "release-2", with_searches=True))
        started = time.perf_counter()
        migrate(regulation, url)
        timings["migrate release 2 (builds the indexes)"] = time.perf_counter() - started
        generate(regulation, root / "generated")
        port = free_port()
        env = serve_environment(url, s3)
        data_dir = root / "var"
        command = registry_api_command(
            "serve", str(root / "generated"), "--port", str(port), "--dev-auth", "--data-dir", str(data_dir)
        )
        base = f"http://127.0.0.1:{port}"
        stack.enter_context(process(command, env=env, ready_url=base + "/actuator/health"))
        client = stack.enter_context(
            httpx.Client(base_url=base + API, headers={"X-Access-Token": dev_token(data_dir)}, timeout=120)
        )
        yield client, (database, url, regulation), timings


def explained(url: str, regulation: Any, name: str, params: dict[str, Any]) -> list[str]:
    """The plan of every statement the service's search code sends for ``params`` (EXPLAIN ANALYZE)."""
    import sqlalchemy as sa

    from registry_api.search import execute_search, spec_from_model

    spec = spec_from_model(next(sc for sc in regulation.search_conditions if sc.name == name), regulation)
    sent: list[tuple[str, Any]] = []

    def remember(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        sent.append((statement, parameters))

    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            sa.event.listen(connection, "before_cursor_execute", remember)
            execute_search(connection, spec, params)
            sa.event.remove(connection, "before_cursor_execute", remember)
            plans = []
            for statement, parameters in sent:
                rows = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                plans.append("\n".join(row[0] for row in rows))
    finally:
        engine.dispose()
    return plans


def main() -> dict[str, Any]:
    print(f"machine before: {machine_state()}", flush=True)
    randomly = random.Random(1)
    picks = [randomly.randrange(1, ROWS) for _ in range(max(REQUESTS, 5))]
    results: dict[str, Any] = {}
    with work_directory("bench-search-") as root, served(root) as (client, state, timings):
        database, url, regulation = state
        for name, seconds in timings.items():
            print(f"{name}: {seconds:.1f} s")

        def between(n: int) -> dict[str, Any]:
            day = f"{1940 + picks[n] % 80}-03-01"
            return {"bornFrom": day, "bornTo": day}

        cases: dict[str, tuple[str, Callable[[int], dict[str, Any]]]] = {
            "contains (1 match)": (
                "/search/person-by-name",
                lambda n: {"lastName": md5_piece(picks[n]).upper()},
            ),
            "equal (1 match)": ("/search/person-by-code", lambda n: {"code": f"C{picks[n]}"}),
            "between (one day)": ("/search/person-by-birth", between),
        }
        for name, (path, params_of) in cases.items():
            series(client, path, params_of, 3)  # warm the connection and the plan cache
            times, totals = series(client, path, params_of, REQUESTS)
            results[f"{name} p50 ms"] = round(statistics.median(times), 1)
            total = f"totalElements e.g. {totals[0]}"
            print(
                f"indexed   {name:24}: {percentiles(times)}  ({total}; target p50 < 50 ms)"
                f" [load {load_1min():.2f}]",
                flush=True,
            )
        broad = "/search/person-by-name"
        for page in (0, 100, 1000):
            times, totals = series(
                client, broad, lambda n, page=page: {"lastName": "surname", "pageNo": page}, 3
            )
            results[f"broad page {page} p50 ms"] = round(statistics.median(times), 1)
            print(
                f"broad search (all {totals[0]:,} rows match), page {page:4}: {percentiles(times)}"
                f" [load {load_1min():.2f}]",
                flush=True,
            )
        started = time.perf_counter()
        database.execute("SELECT count(*) FROM person WHERE last_name ILIKE '%surname%'").fetchone()
        count_ms = (time.perf_counter() - started) * 1000
        results["broad count alone ms"] = round(count_ms, 1)
        print(f"count(*) of the broad search alone (the second scan a page used to pay): {count_ms:.0f} ms")
        for title, name, params in (
            ("contains, 1 match", "person_by_name", {"lastName": md5_piece(picks[0]).upper()}),
            ("equal, 1 match", "person_by_code", {"code": f"C{picks[0]}"}),
            ("between, one day", "person_by_birth", between(0)),
            ("broad contains, page 0", "person_by_name", {"lastName": "surname"}),
        ):
            plans = explained(url, regulation, name, params)
            print(f"\nEXPLAIN ANALYZE, {title}: {len(plans)} statement(s) sent\n" + "\n\n".join(plans))
            results[f"statements per page, {title}"] = len(plans)
        database.execute(DROP_INDEXES)
        for name, (path, params_of) in cases.items():
            times, _ = series(client, path, params_of, 5)
            results[f"{name} without index p50 ms"] = round(statistics.median(times), 1)
            print(f"no index  {name:24}: {percentiles(times)}")
    print(f"machine after: {machine_state()}")
    return results
