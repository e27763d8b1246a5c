"""What the benchmarks share: the machine's state, servers in processes of their own, the load client
(wrk, from Debian: ``apt-get install -y wrk``), memory sampling and honest statistics (medians and
ranges of interleaved rounds)."""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
# ``python -m bench --full`` (or BENCH_FULL=1): the sizes of docs/benchmarks.md; small ones otherwise
FULL = os.environ.get("BENCH_FULL", "") not in ("", "0")
EXAMPLE_USER = REPO / "examples" / "user"
API = "/api/data-factory"
MIB = 1024 * 1024
WRITE_HEADERS = {
    "X-Source-System": "bench",
    "X-Source-Application": "bench",
    "X-Source-Business-Process": "bench",
}


# --- the machine ---------------------------------------------------------------------------------


def machine_state() -> str:
    """Load average and benchmark-relevant processes of others: figures taken on a busy machine are
    not comparable with figures taken on an idle one, and the report says which it was."""
    one, five, fifteen = os.getloadavg()
    others = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True, check=False).stdout
    mine = {os.getpid(), os.getppid()}
    busy = [
        line.strip()
        for line in others.splitlines()[1:]
        if re.search(r"\bpytest\b|\buvicorn\b|registry-api serve", line)
        and int(line.split()[0]) not in mine
        and "bench" not in line
    ]
    verdict = "quiet" if one < 0.5 and not busy else "BUSY (figures taken under load)"
    load = f"load average {one:.2f} {five:.2f} {fifteen:.2f}"
    return f"{load}; {len(busy)} test/server processes of others: {verdict}"


def load_1min() -> float:
    """The one-minute load average, recorded next to each figure (others share the machine)."""
    return os.getloadavg()[0]


def sized(name: str, small: float, full: float) -> float:
    """A size or count: ``BENCH_<NAME>`` if set, else the full or the small default."""
    value = os.environ.get(f"BENCH_{name}")
    return float(value) if value else (full if FULL else small)


def need_wrk() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise RuntimeError("wrk is not installed: apt-get install -y wrk")
    return found


# --- statistics ----------------------------------------------------------------------------------


def median_range(values: Sequence[float]) -> tuple[float, float, float]:
    return statistics.median(values), min(values), max(values)


def ratio_summary(ours: Sequence[float], peer: Sequence[float]) -> str:
    """The median ratio of the rounds (each round's own ratio: both sides ran back to back) and its range."""
    ratios = [a / b for a, b in zip(ours, peer, strict=True) if b]
    median, low, high = median_range(ratios)
    return f"{median:.2f} ({low:.2f}–{high:.2f})"


def figures(values: Sequence[float], unit: str = "", scale: float = 1.0) -> str:
    median, low, high = median_range([v / scale for v in values])
    return f"{median:,.0f}{unit} ({low:,.0f}–{high:,.0f})"


# --- the load client ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    requests_per_s: float
    bytes_per_s: float
    p50_ms: float
    errors: int


_UNITS = {"": 1, "B": 1, "KB": 1024, "MB": MIB, "GB": 1024 * MIB}
_TIME = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(
    url: str,
    *,
    connections: int,
    seconds: float,
    headers: Mapping[str, str] | None = None,
    script: Path | None = None,
    threads: int = 1,
) -> Load:
    """Drive ``url`` with wrk (a separate process, written in C) for ``seconds``; non-2xx answers and
    socket errors are counted as errors."""
    command = [
        need_wrk(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "--timeout",
        "60s",
    ]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script is not None:
        command += ["-s", str(script)]
    done = subprocess.run([*command, url], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    output = done.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    transfer = re.search(r"Transfer/sec:\s+([\d.]+)(\w*)", output)
    bytes_per_s = float(transfer.group(1)) * _UNITS[transfer.group(2)] if transfer else 0.0
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)\b", output)
    p50_ms = float(p50.group(1)) * _TIME[p50.group(2)] if p50 else 0.0
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket:
        errors += sum(int(g) for g in socket.groups())
    return Load(rate, bytes_per_s, p50_ms, errors)


def post_script(directory: Path, body: str, headers: Mapping[str, str]) -> Path:
    """A wrk Lua script sending ``body`` as a JSON POST with ``headers``."""
    lines = [
        'wrk.method = "POST"',
        f"wrk.body = [[{body}]]",
        'wrk.headers["Content-Type"] = "application/json"',
    ]
    lines += [f'wrk.headers["{name}"] = "{value}"' for name, value in headers.items()]
    path = directory / f"post-{abs(hash(body))}.lua"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- servers in processes of their own -------------------------------------------------------------


@contextmanager
def process(
    command: Sequence[str], *, env: Mapping[str, str], ready_url: str, timeout_s: float = 180
) -> Iterator[subprocess.Popen[bytes]]:
    """Start ``command`` (its output discarded, as a service's would go to a log collector) and wait
    until ``ready_url`` answers 200."""
    started = subprocess.Popen(
        list(command), env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if started.poll() is not None:
                raise RuntimeError(
                    f"{command[0]} exited: {started.stderr.read().decode()[-2000:] if started.stderr else ''}"
                )
            try:
                with urllib.request.urlopen(ready_url, timeout=2) as answer:  # noqa: S310 - our own local server
                    if answer.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{ready_url} did not answer within {timeout_s:.0f} s")
            time.sleep(0.2)
        assert started.stderr is not None
        threading.Thread(
            target=lambda: started.stderr.read() if started.stderr else None, daemon=True
        ).start()
        yield started
    finally:
        started.terminate()
        try:
            started.wait(20)
        except subprocess.TimeoutExpired:
            started.kill()
            started.wait()


def python_command(*args: str) -> list[str]:
    return [sys.executable, *args]


def registry_api_command(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("registry-api")), *args]


# --- memory ----------------------------------------------------------------------------------------


def rss_of(pid: int) -> int:
    """Resident set size of ``pid`` and its children (``serve --workers`` runs workers as children)."""
    total = 0
    for candidate in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{candidate}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except FileNotFoundError:
            continue
    return total


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        direct = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:
        return found
    for child in map(int, direct):
        found += [child, *_children(child)]
    return found


class PeakRss:
    """The peak RSS of a process (and its children) while the block runs, sampled every 20 ms."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_of(self.pid))
            time.sleep(0.02)

    def __enter__(self) -> PeakRss:
        self.peak = rss_of(self.pid)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@contextmanager
def work_directory(prefix: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix=prefix) as directory:
        path = Path(directory)
        os.chmod(path, 0o755)  # noqa: S103 - embedded PostgreSQL runs as its own user under root
        yield path


def dev_token(data_dir: Path, roles: Sequence[str] = ("officer",), ttl_s: int = 4 * 3600) -> str:
    """An officer token signed with the development key of ``data_dir`` (``serve --dev-auth``)."""
    from rbac.devkeys import dev_signing_key, mint_token
    from rbac.keys import realm
    from registry_api.settings import AuthSettings

    auth = AuthSettings()
    issuer = realm(auth.keycloak_url, auth.officer_realm).issuer
    return mint_token(
        dev_signing_key(data_dir), issuer=issuer, roles=list(roles), subject="bench", ttl_s=ttl_s
    )


def public_jwks(data_dir: Path, target: Path) -> Path:
    """The development key set of ``data_dir`` as a public JWKS file (the peer's realm keys)."""
    from rbac.devkeys import dev_key_set

    target.write_text(dev_key_set(data_dir).export(private_keys=False), encoding="utf-8")
    return target


def quiet_enough(report: list[str]) -> Any:
    state = machine_state()
    report.append(f"machine: {state}")
    print(f"machine: {state}", flush=True)
    return state


def serve_environment(database_url: str, s3: Any) -> dict[str, str]:
    """The variables that point a ``serve`` (or ``migrate``) process at a bench's PostgreSQL and S3."""
    return {
        "REGISTRY_DATABASE__URL": database_url,
        "REGISTRY_S3__ENDPOINT_URL": s3.endpoint_url,
        "REGISTRY_S3__ACCESS_KEY": s3.access_key,
        "REGISTRY_S3__SECRET_KEY": s3.secret_key,
        "REGISTRY_S3__CREATE_BUCKETS": "true",
    }
