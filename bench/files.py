"""File downloads through the API against a direct boto3 GET, and the server's memory while moving
big files.

One run generates the ``user`` example, starts an embedded PostgreSQL and a nanio S3 server, then the
service (built by ``registry_api.deploy.build_app`` as ``serve`` builds it, development tokens verified
on every request) under uvicorn in a *separate process* (so its memory can be sampled from /proc), and
measures (files are attached to ``user.photo``):

* a 256 MiB file downloaded raw and as Base64 JSON through the API, next to a direct boto3 GET of
  the same object from the same nanio (median of seven interleaved rounds; every variant reads the
  whole body). "raw" and "JSON" are the steady state: that object version was hashed once and is
  trusted since (docs/files.md "Integrity"); "raw, hashed" forgets that before each round, so it is
  what a first download — or every download with ``files.rehash_every_download`` — costs;
* the same file through a signed link (``/l/<token>``, no token: the signature, the link's row and
  its use count instead), next to the API path;
* the server's peak RSS over its idle RSS (after start-up, before any transfer) while a 1 GiB
  file is uploaded (streamed multipart) and then downloaded raw — after the 256 MiB runs, so what
  the allocator kept from them counts too.

Targets: raw ≥ 0.8× direct, JSON ≥ 0.5× direct, memory growth < 64 MiB.
Run: ``.venv/bin/python -m bench files`` (about a minute; needs ~3 GiB of free disk in /tmp).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import urllib3

API = "/api/data-factory"
MIB = 1024 * 1024
BOUNDARY = b"benchBOUNDARY7MA4YWxkTrZu0gW"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "user"
RUNS = 7  # rounds of the 256 MiB downloads; medians are reported
LINK_KEY = "bench-link-key-" + "k" * 32
WRITE_HEADERS = {
    "X-Source-System": "bench",
    "X-Source-Application": "bench",
    "X-Source-Business-Process": "bench",
}


# --- the server process ----------------------------------------------------------------------------


def serve(config: dict[str, Any]) -> None:
    """Child process: the generated ``user`` registry, internal profile, development tokens."""
    import uvicorn

    from registry_api.deploy import build_app, load_generated
    from registry_api.settings import Settings

    settings = Settings.model_validate(
        {
            "data_dir": config["data_dir"],
            "database": {"url": config["database_url"]},
            "s3": {
                "endpoint_url": config["endpoint_url"],
                "access_key": config["access_key"],
                "secret_key": config["secret_key"],
                "read_timeout_s": 120,
                "create_buckets": True,
            },
            "files": {"max_upload_bytes": 2 * 1024 * MIB, "chunk_bytes": config.get("chunk_bytes", MIB)},
            "auth": {"dev_auth": True},
            "links": {"signing_keys": [LINK_KEY]},
        }
    )
    app = build_app(settings, load_generated(Path(config["out_dir"])))
    storage = app.state.runtime.files.storage
    # uvicorn[standard]: httptools + uvloop, what `serve` picks by default too ("auto").
    uvicorn.run(
        bare_relay(storage, app),
        host="127.0.0.1",
        port=config["port"],
        log_level="warning",
        access_log=False,
        http="httptools",
        loop="uvloop",
    )


def bare_relay(storage: Any, app: Any) -> Any:
    """``GET /bare/{key}``: the ceiling of any file route under this server — the registry object
    relayed by a raw ASGI app (no framework, no catalogue, no checks), read from S3 in a thread of
    its own as the service does; every other path goes to ``app``."""
    import asyncio

    async def relay(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/bare/"):
            await app(scope, receive, send)
            return
        stream = await asyncio.to_thread(storage.open, storage.registry_bucket, scope["path"][6:])
        loop = asyncio.get_running_loop()
        chunks: asyncio.Queue[bytes | None] = asyncio.Queue(4)

        def produce() -> None:
            for chunk in stream.iter_chunks(MIB):
                asyncio.run_coroutine_threadsafe(chunks.put(chunk), loop).result()
            asyncio.run_coroutine_threadsafe(chunks.put(None), loop).result()

        threading.Thread(target=produce, daemon=True).start()
        length = str(stream.length).encode()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", length)]})
        while (chunk := await chunks.get()) is not None:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    return relay


# --- the measuring process -------------------------------------------------------------------------


class RssSampler:
    """Peak resident set size of a process, sampled from /proc every 20 ms."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def rss(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.rss())
            time.sleep(0.02)

    def __enter__(self) -> RssSampler:
        self.peak = self.rss()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def multipart_body(size: int, name: str) -> Iterator[bytes]:
    block = os.urandom(MIB)
    yield b"--" + BOUNDARY + b'\r\nContent-Disposition: form-data; name="file"; filename="' + name.encode()
    yield b'"\r\nContent-Type: application/octet-stream\r\n\r\n'
    sent = 0
    while sent < size:
        piece = block[: min(MIB, size - sent)]
        sent += len(piece)
        yield piece
    yield b"\r\n--" + BOUNDARY + b"--\r\n"


def upload(client: httpx.Client, size: int, name: str) -> dict[str, Any]:
    response = client.post(
        f"{API}/files",
        content=multipart_body(size, name),
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY.decode()}"},
    )
    response.raise_for_status()
    uploaded: dict[str, Any] = response.json()
    return uploaded


def attach(client: httpx.Client, uploaded: dict[str, Any]) -> str:
    photo = {"id": uploaded["id"], "checksum": uploaded["checksum"]}
    response = client.post(f"{API}/user", json={"name": "Bench", "photo": photo}, headers=WRITE_HEADERS)
    response.raise_for_status()
    return str(response.json()["id"])


def timed_download(pool: urllib3.PoolManager, url: str, accept: str, token: str = "") -> tuple[float, int]:
    """The API download with urllib3, the HTTP client boto3 itself uses (a like-for-like client)."""
    started = time.perf_counter()
    received = 0
    headers = {"Accept": accept, "X-Access-Token": token}
    response = pool.request("GET", url, headers=headers, preload_content=False)
    try:
        if response.status != 200:
            raise RuntimeError(f"GET {url} answered {response.status}")
        for chunk in response.stream(MIB):
            received += len(chunk)
    finally:
        response.release_conn()
    return time.perf_counter() - started, received


def timed_direct(s3_client: Any, bucket: str, key: str) -> tuple[float, int]:
    started = time.perf_counter()
    received = 0
    body = s3_client.get_object(Bucket=bucket, Key=key)["Body"]
    try:
        for chunk in body.iter_chunks(MIB):
            received += len(chunk)
    finally:
        body.close()
    return time.perf_counter() - started, received


def medians(runs: int, measures: dict[str, Any]) -> dict[str, tuple[float, int]]:
    """Median duration of each measurement over ``runs`` rounds, interleaved so that a slow spell
    of the machine hits all of them alike (same client-side work: each reads the whole body)."""
    results: dict[str, list[tuple[float, int]]] = {name: [] for name in measures}
    for _ in range(runs):
        for name, measure in measures.items():
            results[name].append(measure())
    return {name: statistics.median_low(values) for name, values in results.items()}


def officer_token(data_dir: Path) -> str:
    from rbac.devkeys import dev_signing_key, mint_token
    from rbac.keys import realm
    from registry_api.settings import AuthSettings

    auth = AuthSettings()
    issuer = realm(auth.keycloak_url, auth.officer_realm).issuer
    return mint_token(
        dev_signing_key(data_dir), issuer=issuer, roles=["officer"], subject="bench", ttl_s=7200
    )


def main() -> dict[str, Any]:
    from codegen.emit import generate
    from codegen.migrate import migrate
    from codegen.reader import read_regulation
    from codegen.service_runner import ensure_database
    from registry_api.embedded import EmbeddedPostgres, EmbeddedS3, free_port

    with tempfile.TemporaryDirectory(prefix="bench-files-") as tmp:
        root = Path(tmp)
        os.chmod(root, 0o755)  # noqa: S103 - embedded PostgreSQL runs as its own user under root
        regulation = read_regulation(EXAMPLE)
        generate(regulation, root / "generated")
        with EmbeddedPostgres(root / "pg") as postgres, EmbeddedS3(root / "s3") as s3:
            database_url = ensure_database(postgres, "bench")
            migrate(regulation, database_url)
            port = free_port()
            config = {
                "out_dir": str(root / "generated"),
                "data_dir": str(root / "var"),
                "endpoint_url": s3.endpoint_url,
                "access_key": s3.access_key,
                "secret_key": s3.secret_key,
                "database_url": database_url,
                "port": port,
                "chunk_bytes": int(os.environ.get("BENCH_CHUNK_BYTES", MIB)),
            }
            token = officer_token(root / "var")
            server = subprocess.Popen([sys.executable, "-m", "bench.files", "--serve", json.dumps(config)])
            try:
                conninfo = f"host={postgres.socket_dir} user=postgres dbname=bench"
                return _measure(f"http://127.0.0.1:{port}", server.pid, s3, conninfo, token)
            finally:
                server.terminate()
                server.wait(10)


def _measure(base_url: str, server_pid: int, s3: Any, conninfo: str, token: str) -> dict[str, Any]:
    import psycopg

    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base_url + "/s/none", timeout=1)  # noqa: S310 - our local server
            break
        except urllib.error.HTTPError:
            break  # it answers
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    s3_client = s3.client()
    idle = RssSampler(server_pid).rss()  # after start-up, before any transfer
    results: dict[str, Any] = {}
    headers = {"X-Access-Token": token}
    with httpx.Client(base_url=base_url, timeout=600, headers=headers) as client:
        size = 256 * MIB
        uploaded = upload(client, size, "quarter.bin")
        entity_id = attach(client, uploaded)
        url = f"{base_url}{API}/files/user/{entity_id}/photo/{uploaded['id']}"
        minted = client.post(f"{API}/files/user/{entity_id}/photo/{uploaded['id']}/links", json={})
        minted.raise_for_status()
        signed_url = base_url + minted.json()["url"]  # opened without a token, as a browser does
        pool = urllib3.PoolManager()

        def hashed_download() -> tuple[float, int]:
            with psycopg.connect(conninfo, autocommit=True) as connection:  # forget the verified version
                connection.execute(
                    "UPDATE ddm_files SET verified_version = NULL WHERE id = %s", [uploaded["id"]]
                )
            return timed_download(pool, url, "*/*", token)

        timed = medians(
            RUNS,
            {
                "direct": lambda: timed_direct(s3_client, "file-ceph-bucket", uploaded["id"]),
                "bare relay": lambda: timed_download(pool, f"{base_url}/bare/{uploaded['id']}", "*/*"),
                "raw, hashed": hashed_download,
                "raw": lambda: timed_download(pool, url, "*/*", token),
                "json": lambda: timed_download(pool, url, "application/json", token),
                "signed": lambda: timed_download(pool, signed_url, "*/*"),
            },
        )
        direct_s, direct_n = timed["direct"]
        direct_rate = size / direct_s / MIB
        print(f"256 MiB {'direct boto3 GET':22}: {direct_s:6.2f} s  {direct_rate:7.1f} MiB/s")
        labels = {
            "bare relay": "bare ASGI relay",
            "raw, hashed": "API raw, hashed",
            "raw": "API raw",
            "json": "API JSON (Base64)",
            "signed": "signed link, no token",
        }
        for name, label in labels.items():
            seconds, received = timed[name]
            rate = size / seconds / MIB
            ratio = f"{rate / direct_rate:.2f}x"
            if name == "json":
                ratio += f"; {received / MIB:.0f} MiB on the wire"
            print(f"256 MiB {label:22}: {seconds:6.2f} s  {rate:7.1f} MiB/s of file  ({ratio})")
            results[f"{name.replace(', ', '_')}_vs_direct"] = round(rate / direct_rate, 2)
        assert direct_n == timed["raw"][1] == size

        gib = 1024 * MIB
        with RssSampler(server_pid) as sampler:
            before_upload = sampler.peak
            started = time.perf_counter()
            big = upload(client, gib, "one-gib.bin")
            upload_s = time.perf_counter() - started
        upload_growth = (sampler.peak - before_upload) / MIB
        upload_over_idle = (sampler.peak - idle) / MIB
        big_entity = attach(client, big)
        big_url = f"{base_url}{API}/files/user/{big_entity}/photo/{big['id']}"
        with RssSampler(server_pid) as sampler:
            before_download = sampler.peak
            download_s, received = timed_download(pool, big_url, "*/*", token)
        download_growth = (sampler.peak - before_download) / MIB
        download_over_idle = (sampler.peak - idle) / MIB
        assert received == gib
        print(
            f"1 GiB upload  : {upload_s:6.2f} s  {gib / upload_s / MIB:7.1f} MiB/s, server RSS growth "
            f"+{upload_growth:.1f} MiB (over idle {idle / MIB:.0f} MiB: +{upload_over_idle:.1f})"
        )
        print(
            f"1 GiB download: {download_s:6.2f} s  {gib / download_s / MIB:7.1f} MiB/s, server RSS growth "
            f"+{download_growth:.1f} MiB (over idle: +{download_over_idle:.1f})"
        )
        results |= {
            "upload_rss_growth_mib": round(upload_growth, 1),
            "download_rss_growth_mib": round(download_growth, 1),
        }
    return results


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        serve(json.loads(sys.argv[2]))
    else:
        print(main())
