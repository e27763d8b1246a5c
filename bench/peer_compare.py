"""Ours against the peer (``bench/peer``: plain FastAPI, psycopg pool, one SQL per request, a boto3 GET
streamed back, the same token verification on every request), side by side on this machine.

Ours is ``registry-api serve --dev-auth`` (the command, one worker unless said otherwise): built by
``registry_api.deploy.build_app``, tokens verified, RBAC, request log and metrics on, as deployed.
Both serve the generated ``examples/user`` registry on one embedded PostgreSQL and one nanio S3.
The load client is wrk, a process of its own; every measurement runs ours and the peer back to back
(A/B, alternating who goes first), ``BENCH_ROUNDS`` rounds (default 3) of ``BENCH_SECONDS`` seconds
(3, or 8 with ``--full``); the figures are the medians of the rounds and their ranges, ratios computed
per round, the one-minute load average at the start of each measurement beside it.

Measured: entity GET and POST at 1, 16 and 64 connections; a 10 KiB file at 1 and 16; raw downloads of
1 MiB, 16 MiB (and 256 MiB with ``--full``) and Base64 JSON of 16 MiB (and 256 MiB) at 1 connection;
entity GET with our token cache off; ``serve --workers 2`` against one worker for entity GET at 64
connections; and each server's RSS growth while ``BENCH_MEMORY_MIB`` (256, or 1024 with ``--full``) is
uploaded to ours and downloaded from both, over its idle RSS and over its RSS after a warm-up.
``BENCH_PARTS`` (``memory,compare,uncached,workers``) runs some of these only, ``BENCH_ONLY`` (row names
separated by ``;``) some of the compared rows.

    .venv/bin/python -m bench peer_compare              (about five minutes)
    .venv/bin/python -m bench --full peer_compare       (about fifteen minutes; ~3 GiB of /tmp)
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    API,
    EXAMPLE_USER,
    FULL,
    MIB,
    WRITE_HEADERS,
    Load,
    PeakRss,
    dev_token,
    figures,
    load_1min,
    machine_state,
    post_script,
    process,
    public_jwks,
    python_command,
    ratio_summary,
    registry_api_command,
    rss_of,
    serve_environment,
    sized,
    work_directory,
    wrk,
)

ROUNDS = int(sized("ROUNDS", 3, 3))
SECONDS = sized("SECONDS", 3, 8)
SIZES = {"10 KiB": 10 * 1024, "1 MiB": MIB, "16 MiB": 16 * MIB} | ({"256 MiB": 256 * MIB} if FULL else {})
MEMORY_BYTES = int(sized("MEMORY_MIB", 256, 1024)) * MIB
# BENCH_PARTS=memory,compare,uncached,workers (the default: all): some of them only
PARTS = set(os.environ.get("BENCH_PARTS", "memory,compare,uncached,workers").split(","))
# BENCH_ONLY="raw 1 MiB;entity GET, 64 conn.": of the compared rows, these only (names as in the table)
ONLY = {name.strip() for name in os.environ.get("BENCH_ONLY", "").split(";") if name.strip()}
BOUNDARY = "benchBOUNDARYpeer7MA4YWxk"


@dataclass(frozen=True)
class Measurement:
    name: str
    ours: str
    peer: str
    connections: int
    metric: str  # "rps" or "bytes"
    headers: dict[str, str]
    script: Path | None = None
    target: float | None = None
    seconds: float = SECONDS  # long enough for several whole answers


@dataclass
class Servers:
    ours: str
    peer: str
    token: str
    data_dir: Path
    serve_env: dict[str, str]
    out_dir: Path
    ours_pid: int
    peer_pid: int
    ours_idle_rss: int  # after start-up, before any request
    peer_idle_rss: int


def large_file_environment(database_url: str, s3: Any) -> dict[str, str]:
    """``serve_environment`` for transfers of up to 2 GiB."""
    return {
        **serve_environment(database_url, s3),
        "REGISTRY_S3__READ_TIMEOUT_S": "120",
        "REGISTRY_FILES__MAX_UPLOAD_BYTES": str(2 * 1024 * MIB),
    }


@contextmanager
def ours_serving(
    out_dir: Path, data_dir: Path, env: dict[str, str], port: int, workers: int = 1
) -> Iterator[tuple[str, int]]:
    """``serve`` in a process of its own; its base URL and process id."""
    command = registry_api_command(
        "serve",
        str(out_dir),
        "--port",
        str(port),
        "--dev-auth",
        "--data-dir",
        str(data_dir),
        "--workers",
        str(workers),
    )
    base = f"http://127.0.0.1:{port}"
    with process(command, env=env, ready_url=base + "/actuator/health") as running:
        yield base, running.pid


@contextmanager
def servers(root: Path) -> Iterator[Servers]:
    from codegen.emit import generate
    from codegen.reader import read_regulation
    from codegen.service_runner import ensure_database
    from registry_api.embedded import EmbeddedPostgres, EmbeddedS3, free_port
    from registry_api.settings import AuthSettings, S3Settings

    out_dir, data_dir = root / "generated", root / "var"
    generate(read_regulation(EXAMPLE_USER), out_dir)
    with ExitStack() as stack:
        postgres = stack.enter_context(EmbeddedPostgres(root / "pg"))
        s3 = stack.enter_context(EmbeddedS3(root / "s3"))
        database_url = ensure_database(postgres, "bench")
        env = large_file_environment(database_url, s3)
        ours, ours_pid = stack.enter_context(ours_serving(out_dir, data_dir, env, free_port()))
        auth = AuthSettings()
        peer_env = {
            "PEER_DATABASE": f"host={postgres.socket_dir} user=postgres dbname=bench",
            "PEER_JWKS": str(public_jwks(data_dir, root / "peer-jwks.json")),
            "PEER_KEYCLOAK_URL": auth.keycloak_url,
            "PEER_REALM": auth.officer_realm,
            "PEER_S3_ENDPOINT": s3.endpoint_url,
            "PEER_S3_ACCESS_KEY": s3.access_key,
            "PEER_S3_SECRET_KEY": s3.secret_key,
            "PEER_BUCKET": S3Settings().registry_bucket,
            "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
        }
        peer_port = free_port()
        peer = f"http://127.0.0.1:{peer_port}"
        peer_process = stack.enter_context(
            process(
                python_command("-m", "bench.peer", "--port", str(peer_port)),
                env=peer_env,
                ready_url=peer + "/docs",
            )
        )
        yield Servers(
            ours,
            peer,
            dev_token(data_dir),
            data_dir,
            env,
            out_dir,
            ours_pid,
            peer_process.pid,
            rss_of(ours_pid),
            rss_of(peer_process.pid),
        )


def multipart(size: int, name: str) -> Iterator[bytes]:
    block = os.urandom(MIB)
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    sent = 0
    while sent < size:
        piece = block[: min(MIB, size - sent)]
        sent += len(piece)
        yield piece
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def seed(servers: Servers) -> dict[str, tuple[str, str]]:
    """A user per file size, its photo that file; each downloaded once (its stored version verified,
    so later downloads are the steady state). Returns size → (user id, file id)."""
    headers = {"X-Access-Token": servers.token, **WRITE_HEADERS}
    photos: dict[str, tuple[str, str]] = {}
    with httpx.Client(base_url=servers.ours + API, headers=headers, timeout=600) as client:
        for label, size in SIZES.items():
            uploaded = client.post(
                "/files",
                content=multipart(size, f"{size}.bin"),
                headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
            )
            uploaded.raise_for_status()
            file = uploaded.json()
            photo = {"id": file["id"], "checksum": file["checksum"]}
            created = client.post("/user", json={"name": f"Bench {label}", "photo": photo})
            created.raise_for_status()
            user = created.json()["id"]
            with client.stream("GET", f"/files/user/{user}/photo/{file['id']}") as first:
                first.raise_for_status()
                for _ in first.iter_bytes(MIB):
                    pass
            photos[label] = (user, file["id"])
    return photos


def measurements(servers: Servers, photos: dict[str, tuple[str, str]], scripts: Path) -> list[Measurement]:
    token = {"X-Access-Token": servers.token}
    reader, _ = photos["10 KiB"]
    found: list[Measurement] = []
    for connections in (1, 16, 64):
        found.append(
            Measurement(
                f"entity GET, {connections} conn.",
                f"{servers.ours}{API}/user/{reader}",
                f"{servers.peer}/user/{reader}",
                connections,
                "rps",
                token,
                target=1.0,
            )
        )
    post = post_script(
        scripts, '{"name": "Bench writer", "email": "writer@example.com"}', {**token, **WRITE_HEADERS}
    )
    for connections in (1, 16, 64):
        found.append(
            Measurement(
                f"entity POST, {connections} conn.",
                f"{servers.ours}{API}/user",
                f"{servers.peer}/user",
                connections,
                "rps",
                {},
                post,
                target=0.6,
            )
        )

    def file_paths(label: str) -> tuple[str, str]:
        user, file = photos[label]
        return (
            f"{servers.ours}{API}/files/user/{user}/photo/{file}",
            f"{servers.peer}/files/user/{user}/photo/{file}",
        )

    for connections in (1, 16):
        ours, peer = file_paths("10 KiB")
        found.append(
            Measurement(
                f"10 KiB file, {connections} conn.", ours, peer, connections, "rps", token, target=1.0
            )
        )
    for label in [size for size in ("1 MiB", "16 MiB", "256 MiB") if size in SIZES]:
        ours, peer = file_paths(label)
        target = 1.0 if label != "16 MiB" else None
        seconds = SECONDS * (3 if label == "256 MiB" else 1)
        found.append(
            Measurement(f"raw {label}", ours, peer, 1, "bytes", token, target=target, seconds=seconds)
        )
    for label in [size for size in ("16 MiB", "256 MiB") if size in SIZES]:
        ours, peer = file_paths(label)
        json_headers = {**token, "Accept": "application/json"}
        seconds = SECONDS * (3 if label == "256 MiB" else 1)
        found.append(
            Measurement(
                f"JSON/Base64 {label}", ours, peer, 1, "bytes", json_headers, target=2.0, seconds=seconds
            )
        )
    return found


def interleaved(runs: list[tuple[str, Callable[[], Load]]], rounds: int) -> dict[str, list[Load]]:
    """Each round runs every side once, the order alternating between rounds (A B, then B A)."""
    results: dict[str, list[Load]] = {name: [] for name, _ in runs}
    for number in range(rounds):
        for name, run in runs if number % 2 == 0 else list(reversed(runs)):
            load = run()
            if load.errors:
                raise RuntimeError(f"{name}: {load.errors} failed requests")
            results[name].append(load)
    return results


def loader(m: Measurement, url: str) -> Callable[[], Load]:
    def run() -> Load:
        return wrk(url, connections=m.connections, seconds=m.seconds, headers=m.headers, script=m.script)

    return run


def value(load: Load, metric: str) -> float:
    return load.requests_per_s if metric == "rps" else load.bytes_per_s


def compare(servers: Servers, found: list[Measurement], lines: list[str]) -> dict[str, float]:
    lines.append("| path | ours | peer | ours / peer (range) | target | load |")
    lines.append("|---|---|---|---|---|---|")
    return {m.name: measure(m, lines) for m in found}


def measure(m: Measurement, lines: list[str]) -> float:
    """Ours and the peer interleaved on one measurement: its table row (printed too) and the ratio."""
    load = load_1min()
    results = interleaved([("ours", loader(m, m.ours)), ("peer", loader(m, m.peer))], ROUNDS)
    ours = [value(run, m.metric) for run in results["ours"]]
    peer = [value(run, m.metric) for run in results["peer"]]
    unit, scale = (" req/s", 1.0) if m.metric == "rps" else (" MiB/s", MIB)
    ratio = ratio_summary(ours, peer)
    target = f"≥ {m.target:.1f}×" if m.target else "—"
    line = (
        f"| {m.name} | {figures(ours, unit, scale)} | {figures(peer, unit, scale)} | {ratio} | {target}"
        f" | {load:.2f} |"
    )
    lines.append(line)
    print(line, flush=True)
    return float(ratio.split()[0])


def create_reader(servers: Servers, name: str) -> str:
    """A user row of ours to read; its id."""
    with httpx.Client(
        base_url=servers.ours + API, headers={"X-Access-Token": servers.token, **WRITE_HEADERS}
    ) as client:
        created = client.post("/user", json={"name": name})
        created.raise_for_status()
        return str(created.json()["id"])


def workers(servers: Servers, lines: list[str]) -> float:
    from registry_api.embedded import free_port

    user_url = f"{API}/user"
    reader = create_reader(servers, "Workers")
    token = {"X-Access-Token": servers.token}
    load = load_1min()
    serving = ours_serving(servers.out_dir, servers.data_dir, servers.serve_env, free_port(), workers=2)
    with serving as (two, _):
        results = interleaved(
            [
                (
                    "1 worker",
                    lambda: wrk(
                        f"{servers.ours}{user_url}/{reader}", connections=64, seconds=SECONDS, headers=token
                    ),
                ),
                (
                    "2 workers",
                    lambda: wrk(f"{two}{user_url}/{reader}", connections=64, seconds=SECONDS, headers=token),
                ),
            ],
            ROUNDS,
        )
    one = [load.requests_per_s for load in results["1 worker"]]
    both = [load.requests_per_s for load in results["2 workers"]]
    ratio = ratio_summary(both, one)
    name = "`serve --workers 2` / 1 worker, entity GET, 64 conn."
    line = (
        f"| {name} | {figures(both, ' req/s')} | {figures(one, ' req/s')} | {ratio} | ≥ 1.6× | {load:.2f} |"
    )
    lines.append(line)
    print(line, flush=True)
    return float(ratio.split()[0])


def uncached(servers: Servers, lines: list[str]) -> dict[str, float]:
    """Entity GET with our token cache off (``REGISTRY_AUTH__TOKEN_CACHE_SIZE=0``): ours verifying the
    signature on every request, as the peer does, next to the peer."""
    from registry_api.embedded import free_port

    reader = create_reader(servers, "Uncached")
    token = {"X-Access-Token": servers.token}
    env = {**servers.serve_env, "REGISTRY_AUTH__TOKEN_CACHE_SIZE": "0"}
    found: dict[str, float] = {}
    with ours_serving(servers.out_dir, servers.data_dir, env, free_port()) as (base, _):
        for connections in (1, 16):
            m = Measurement(
                f"entity GET, {connections} conn., our token cache off",
                f"{base}{API}/user/{reader}",
                f"{servers.peer}/user/{reader}",
                connections,
                "rps",
                token,
            )
            found[m.name] = measure(m, lines)
    return found


def memory(servers: Servers, lines: list[str]) -> dict[str, float]:
    """RSS growth while MEMORY_BYTES is uploaded to ours, then downloaded from ours and from the peer
    (the peer has no upload): each transfer's peak RSS over the server's idle RSS (just started,
    nothing served yet), and over its RSS after a 1 MiB warm-up upload and download (what the first
    requests load once: modules, clients, thread pools) — the second is what a transfer's size costs."""
    headers = {"X-Access-Token": servers.token, **WRITE_HEADERS}
    sides = {"ours": (servers.ours + API, servers.ours_pid), "peer": (servers.peer, servers.peer_pid)}
    idle = {"ours": servers.ours_idle_rss, "peer": servers.peer_idle_rss}

    def upload(size: int, name: str) -> tuple[str, int]:
        """A file of ``size`` as a user's photo; the download path and ours' peak RSS meanwhile."""
        with httpx.Client(base_url=servers.ours + API, headers=headers, timeout=1200) as client:
            with PeakRss(servers.ours_pid) as peak:
                uploaded = client.post(
                    "/files",
                    content=multipart(size, name),
                    headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
                )
                uploaded.raise_for_status()
            file = uploaded.json()
            photo = {"id": file["id"], "checksum": file["checksum"]}
            created = client.post("/user", json={"name": name, "photo": photo})
            created.raise_for_status()
        return f"/files/user/{created.json()['id']}/photo/{file['id']}", peak.peak

    def download(side: str, path: str, size: int) -> int:
        base, pid = sides[side]
        with (
            httpx.Client(base_url=base, headers=headers, timeout=1200) as client,
            PeakRss(pid) as peak,
            client.stream("GET", path) as answer,
        ):
            answer.raise_for_status()
            received = sum(len(piece) for piece in answer.iter_bytes(MIB))
        if received != size:
            raise RuntimeError(f"{side}: {received} of {size} bytes downloaded")
        return peak.peak

    small, _ = upload(MIB, "warm-up")
    for side in sides:
        download(side, small, MIB)
    warm = {side: rss_of(pid) for side, (_, pid) in sides.items()}
    big, upload_peak = upload(MEMORY_BYTES, "memory")
    peaks = {"ours upload": ("ours", upload_peak)}
    for side in sides:
        peaks[f"{side} download"] = (side, download(side, big, MEMORY_BYTES))
    load = load_1min()
    lines.append("")
    lines.append(
        f"RSS growth while moving {MEMORY_BYTES // MIB} MiB (target: < 64 MiB per GiB moved, from idle):"
    )
    found: dict[str, float] = {}
    for name, (side, peak) in peaks.items():
        found[f"{name} from idle"] = (peak - idle[side]) / MIB
        found[f"{name} after warm-up"] = (peak - warm[side]) / MIB
        lines.append(
            f"- {name}: {found[f'{name} from idle']:+.0f} MiB from idle, "
            f"{found[f'{name} after warm-up']:+.0f} MiB after warm-up [load {load:.2f}]"
        )
    lines.append(
        f"- RSS idle / after warm-up: ours {idle['ours'] / MIB:.0f} / {warm['ours'] / MIB:.0f} MiB,"
        f" peer {idle['peer'] / MIB:.0f} / {warm['peer'] / MIB:.0f} MiB"
    )
    print("\n".join(lines[-len(peaks) - 3 :]), flush=True)
    return found


def main() -> dict[str, Any]:
    lines = [
        f"machine before: {machine_state()}",
        f"rounds: {ROUNDS} × {SECONDS:.0f} s per side and measurement",
    ]
    print("\n".join(lines), flush=True)
    summary: dict[str, Any] = {}
    with work_directory("bench-peer-") as root, servers(root) as running:
        if "memory" in PARTS:  # first: from idle, before any other request
            growth = memory(running, lines)
            summary |= {f"RSS growth MiB, {name}": round(value, 1) for name, value in growth.items()}
        if "compare" in PARTS:
            photos = seed(running)
            found = [m for m in measurements(running, photos, root) if not ONLY or m.name in ONLY]
            summary |= compare(running, found, lines)
        if "uncached" in PARTS:
            summary |= uncached(running, lines)
        if "workers" in PARTS:
            summary["workers 2 / 1"] = workers(running, lines)
    lines.append(f"machine after: {machine_state()}")
    print("\n".join(lines))
    return summary


if __name__ == "__main__":
    sys.exit(print(main()))
