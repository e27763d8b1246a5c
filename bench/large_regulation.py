"""A regulation of 1,000 tables and 2,000 search conditions (``bench/read_regulation.py``'s) through the
commands, each a process of its own, timed with its peak memory (RSS of the process and its children):

* ``registry-api generate`` (target: under 60 s and 1 GiB);
* ``registry-api migrate`` on a fresh database, then again with nothing to do (target: under 2 s);
* ``registry-api serve --dev-auth``: from start to its health check answering, then the first entity
  read; and again with ``--no-migrate`` (what a deployment whose migration Job ran does).

    .venv/bin/python -m bench large_regulation          (200 tables, about a minute)
    .venv/bin/python -m bench --full large_regulation   (1,000 tables, the targets; about four minutes)

``BENCH_TABLES=N`` sets the number of tables.
"""

from __future__ import annotations

import os
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common import (
    API,
    MIB,
    PeakRss,
    dev_token,
    load_1min,
    machine_state,
    registry_api_command,
    serve_environment,
    sized,
    work_directory,
)
from bench.read_regulation import generate as write_regulation

TABLES = int(sized("TABLES", 200, 1000))


def timed_command(command: Sequence[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall time and peak RSS of a command run to completion."""
    started = time.perf_counter()
    running = subprocess.Popen(list(command), env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL)
    with PeakRss(running.pid) as peak:
        code = running.wait()
    if code != 0:
        raise RuntimeError(f"{' '.join(command[:2])} failed with exit code {code}")
    return time.perf_counter() - started, peak.peak


def serve_start(out_dir: Path, data_dir: Path, env: dict[str, str], *extra: str) -> tuple[float, float, int]:
    """Seconds until ``/actuator/health`` answers 200, until a first entity read answers, and the peak RSS."""
    from registry_api.embedded import free_port

    port = free_port()
    command = registry_api_command(
        "serve", str(out_dir), "--port", str(port), "--dev-auth", "--data-dir", str(data_dir), *extra
    )
    started = time.perf_counter()
    running = subprocess.Popen(
        command, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with PeakRss(running.pid) as peak:
            healthy = _until_ok(running, base + "/actuator/health")
            token = dev_token(data_dir)
            request = urllib.request.Request(  # noqa: S310 - our own local server
                f"{base}{API}/entity-{TABLES // 2:04d}/00000000-0000-0000-0000-000000000001",
                headers={"X-Access-Token": token},
            )
            try:
                urllib.request.urlopen(request, timeout=120)  # noqa: S310
            except urllib.error.HTTPError as answer:
                if answer.code != 404:  # no such row: the route, the policy and the database answered
                    raise
            first_read = time.perf_counter() - started
        return healthy, first_read, peak.peak
    finally:
        running.terminate()
        running.wait(30)


def _until_ok(running: subprocess.Popen[bytes], url: str) -> float:
    started = time.perf_counter()
    while True:
        if running.poll() is not None:
            error = running.stderr.read().decode()[-2000:] if running.stderr else ""
            raise RuntimeError(f"serve exited: {error}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 - our own local server
                if answer.status == 200:
                    return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.1)


def main() -> dict[str, Any]:
    from codegen.service_runner import ensure_database
    from registry_api.embedded import EmbeddedPostgres, EmbeddedS3

    print(f"machine before: {machine_state()}", flush=True)
    results: dict[str, Any] = {}
    with work_directory("bench-large-") as root:
        regulation = root / "big-registry"
        write_regulation(regulation, TABLES)
        print(f"regulation: {TABLES} tables, {2 * TABLES} search conditions", flush=True)
        out_dir = root / "generated"
        seconds, peak = timed_command(
            registry_api_command("generate", str(regulation), "--out", str(out_dir))
        )
        results |= {"generate_s": round(seconds, 1), "generate_peak_mib": round(peak / MIB)}
        print(
            f"generate: {seconds:.1f} s, peak RSS {peak / MIB:.0f} MiB (targets < 60 s, < 1024 MiB)"
            f" [load {load_1min():.2f}]",
            flush=True,
        )
        with EmbeddedPostgres(root / "pg") as postgres, EmbeddedS3(root / "s3") as s3:
            url = ensure_database(postgres, "bench")
            env = serve_environment(url, s3)
            migrate = registry_api_command("migrate", str(regulation), "--database-url", url)
            fresh, fresh_peak = timed_command(migrate)
            print(
                f"migrate fresh: {fresh:.1f} s, peak RSS {fresh_peak / MIB:.0f} MiB [load {load_1min():.2f}]"
            )
            again = [timed_command(migrate)[0] for _ in range(3)]
            median = sorted(again)[1]
            results |= {"migrate_fresh_s": round(fresh, 1), "migrate_nothing_to_do_s": round(median, 2)}
            print(
                f"migrate, nothing to do: median {median:.2f} s ({min(again):.2f}–{max(again):.2f}, 3 runs;"
                f" target < 2 s) [load {load_1min():.2f}]",
                flush=True,
            )
            data_dir = root / "var"
            for label, extra in (("serve", ()), ("serve --no-migrate", ("--no-migrate",))):
                healthy, first, peak = serve_start(out_dir, data_dir, env, *extra)
                key = label.replace(" ", "_").replace("--", "")
                results |= {f"{key}_healthy_s": round(healthy, 1), f"{key}_peak_mib": round(peak / MIB)}
                print(
                    f"{label}: healthy after {healthy:.1f} s, first entity read after {first:.1f} s, "
                    f"peak RSS {peak / MIB:.0f} MiB [load {load_1min():.2f}]",
                    flush=True,
                )
    print(f"machine after: {machine_state()}")
    return results
