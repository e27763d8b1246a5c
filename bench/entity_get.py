"""Entity read: requests/second of ``GET /laboratory/{id}`` through the generated training-registry API
against a minimal hand-written FastAPI + psycopg endpoint running the same query on the same database.

Both servers run under uvicorn (one worker, in a child process each) on loopback, one after the other,
twice, and are loaded by the same bounded pool of httpx client threads for a fixed number of requests.
The generated API is measured as ``serve --dev-auth`` would build it minus Keycloak: the development
authenticator and the allow-all policy, so the figure is the cost of the generated route and the core
(guards, access filtering, JSON), not of token verification (see ``## Authorization`` for that).

    .venv/bin/python -m bench entity_get
"""

from __future__ import annotations

import multiprocessing
import queue
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]
TRAINING = REPO_ROOT / ".." / "shared" / "regulations" / "assembled" / "training-registry"
REQUESTS = 4000
WARMUP = 300
THREADS = 8
ROUNDS = 2
QUERY = (
    "SELECT laboratory_id, name, koatuu_id, address, edrpou, ownership_id, to_jsonb(premises_file) "
    "FROM laboratory WHERE laboratory_id = %s"
)


# ---------------------------------------------------------------------------------------------
# The two servers (each runs in its own process)


def serve_generated(out_dir: str, database_url: str, port: int) -> None:
    """The generated service as ``serve --dev-auth`` builds it: every request's token is verified."""
    import uvicorn

    from registry_api.deploy import build_app, load_generated
    from registry_api.settings import Settings

    settings = Settings.model_validate(
        {
            "data_dir": str(Path(out_dir) / "var"),
            "database": {"url": database_url, "pool_size": THREADS},
            "auth": {"dev_auth": True},
        }
    )
    app = build_app(settings, load_generated(Path(out_dir)))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def officer_token(out_dir: str) -> str:
    from rbac.devkeys import dev_signing_key, mint_token
    from rbac.keys import realm
    from registry_api.settings import AuthSettings

    auth = AuthSettings()
    issuer = realm(auth.keycloak_url, auth.officer_realm).issuer
    key = dev_signing_key(Path(out_dir) / "var")
    return mint_token(key, issuer=issuer, roles=["officer"], subject="bench", ttl_s=7200)


def serve_baseline(conninfo: str, port: int) -> None:
    """What a developer would write by hand: one query, a small connection pool, a dict back."""
    import psycopg
    import uvicorn
    from fastapi import FastAPI, HTTPException

    pool: queue.Queue[psycopg.Connection[Any]] = queue.Queue()
    for _ in range(THREADS):
        pool.put(psycopg.connect(conninfo, autocommit=True))
    app = FastAPI()

    @app.get("/laboratory/{laboratory_id}")
    def read_laboratory(laboratory_id: uuid.UUID) -> dict[str, Any]:
        connection = pool.get()
        try:
            row = connection.execute(QUERY, (laboratory_id,)).fetchone()
        finally:
            pool.put(connection)
        if row is None:
            raise HTTPException(404)
        keys = ("laboratoryId", "name", "koatuuId", "address", "edrpou", "ownershipId", "premisesFile")
        return dict(zip(keys, row, strict=True))

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


@contextmanager
def running(target: Callable[..., None], *args: Any, port: int) -> Iterator[str]:
    process = multiprocessing.get_context("spawn").Process(target=target, args=(*args, port), daemon=True)
    process.start()
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(base + "/openapi.json", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"the server on port {port} did not start")
        yield base
    finally:
        process.terminate()
        process.join(10)


# ---------------------------------------------------------------------------------------------
# Load


def load(url: str, total: int, threads: int = THREADS, token: str = "") -> float:
    """Requests per second for ``total`` GETs of ``url`` from ``threads`` keep-alive clients."""
    remaining = iter(range(total))
    lock = threading.Lock()
    failures: list[int] = []

    def worker() -> None:
        with httpx.Client(timeout=10, headers={"X-Access-Token": token}) as client:
            while True:
                with lock:
                    if next(remaining, None) is None:
                        return
                status = client.get(url).status_code
                if status != 200:
                    failures.append(status)

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    started = time.perf_counter()
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} requests failed, e.g. HTTP {failures[0]}")
    return total / elapsed


def measure(url: str, token: str = "") -> float:
    load(url, WARMUP, token=token)
    return load(url, REQUESTS, token=token)


# ---------------------------------------------------------------------------------------------
# Setup and report


def prepare(work: Path, postgres: Any) -> tuple[str, str, str]:
    """Generate and migrate the training registry; return (out_dir, database URL, laboratory id)."""
    import psycopg

    from codegen.emit import generate
    from codegen.migrate import migrate
    from codegen.reader import read_regulation

    regulation = read_regulation(TRAINING)
    out_dir = work / "generated"
    generate(regulation, out_dir)
    with psycopg.connect(postgres.conninfo, autocommit=True) as admin:
        admin.execute("CREATE DATABASE bench")
    url = postgres.url_for("bench")
    migrate(regulation, url, contexts="!pub")
    with psycopg.connect(f"host={postgres.socket_dir} user=postgres dbname=bench", autocommit=True) as db:
        koatuu = db.execute(
            "INSERT INTO koatuu (code, level1, level2, name)"
            " VALUES ('1', '1', '1', 'Київ') RETURNING koatuu_id"
        ).fetchone()
        ownership = db.execute(
            "INSERT INTO ownership (code, name) VALUES ('1', 'Державна') RETURNING ownership_id"
        ).fetchone()
        assert koatuu is not None and ownership is not None
        lab = db.execute(
            "INSERT INTO laboratory (name, koatuu_id, address, edrpou, ownership_id, premises_file)"
            " VALUES ('Лабораторія', %s, 'вул. Хрещатик, 1', '12345678', %s, ROW('f', repeat('a', 64)))"
            " RETURNING laboratory_id",
            (koatuu[0], ownership[0]),
        ).fetchone()
        assert lab is not None
    return str(out_dir), url, str(lab[0])


def main() -> str:
    from registry_api.embedded import EmbeddedPostgres, free_port

    with tempfile.TemporaryDirectory(prefix="bench-entity-get-") as temporary:
        work = Path(temporary)
        postgres = EmbeddedPostgres(work / "pgdata")
        try:
            out_dir, url, lab_id = prepare(work, postgres)
            conninfo = f"host={postgres.socket_dir} user=postgres dbname=bench"
            generated: list[float] = []
            baseline: list[float] = []
            for _ in range(ROUNDS):
                token = officer_token(out_dir)
                with running(serve_generated, out_dir, url, port=free_port()) as base:
                    generated.append(measure(f"{base}/api/data-factory/laboratory/{lab_id}", token))
                with running(serve_baseline, conninfo, port=free_port()) as base:
                    baseline.append(measure(f"{base}/laboratory/{lab_id}"))
        finally:
            postgres.stop()
    gen, hand = statistics.median(generated), statistics.median(baseline)
    lines = [
        f"requests: {REQUESTS} per run after {WARMUP} warm-up, {THREADS} client threads, {ROUNDS} rounds",
        f"generated API : {gen:8.0f} req/s  (runs: {', '.join(f'{r:.0f}' for r in generated)})",
        f"hand-written  : {hand:8.0f} req/s  (runs: {', '.join(f'{r:.0f}' for r in baseline)})",
        f"ratio generated / hand-written: {gen / hand:.2f} (target >= 0.8)",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(print(main()))
