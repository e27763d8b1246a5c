"""``registry-api serve`` as an operator runs it: a real process with embedded PostgreSQL and S3.

The profile comes from the environment when no option names it; ``--workers 2`` runs two processes,
each built by the secure builder (an anonymous write and a forged token get 401, however often asked);
SIGTERM leaves no process of ours behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
from jwcrypto import jwk

from codegen.emit import generate
from codegen.reader import read_regulation
from registry_api.deploy import forget_package
from registry_api.embedded import free_port
from tests.rbac.rbac_tokens import access_claims, sign

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

REPO_ROOT = Path(__file__).resolve().parents[2]
API = "/api/data-factory"
START_TIMEOUT_S = 90.0


@pytest.fixture
def data_dir(private_tmp_path: Path) -> Path:
    return private_tmp_path / "var"


@pytest.fixture(scope="module")
def user_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    out = tmp_path_factory.mktemp("user-build")
    example = REPO_ROOT / "examples" / "user"
    generate(read_regulation(example), out, public_api_file=example / "public-api.yaml")
    forget_package("user")
    yield out


@dataclass
class Served:
    process: subprocess.Popen[str]
    base_url: str
    data_dir: Path
    log: Path

    def call(self, method: str, path: str, headers: dict[str, str] | None = None) -> int:
        request = urllib.request.Request(self.base_url + path, method=method, headers=headers or {})  # noqa: S310
        if method in ("POST", "PUT"):
            request.data = b"{}"
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - local server
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def _wait_healthy(served: Served) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            pytest.fail(f"serve exited with {served.process.returncode}:\n{served.output()}")
        with contextlib.suppress(OSError):
            if served.call("GET", "/actuator/health") == 200:
                return
        time.sleep(0.3)
    pytest.fail(f"serve did not become healthy:\n{served.output()}")


@contextlib.contextmanager
def serving(
    directory: Path, data_dir: Path, *options: str, env: dict[str, str] | None = None
) -> Iterator[Served]:
    port = free_port()
    log = data_dir.parent / f"{data_dir.name}-serve.log"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    environment |= {"REGISTRY_PORT": str(port), "REGISTRY_DATA_DIR": str(data_dir), **(env or {})}
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "codegen.cli", "serve", str(directory), *options],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
    served = Served(process, f"http://127.0.0.1:{port}", data_dir, log)
    try:
        _wait_healthy(served)
        yield served
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def our_processes(served: Served) -> dict[str, list[int]]:
    """The serve process, its workers, and the embedded servers (by their recorded pids)."""
    parent = psutil.Process(served.process.pid)
    children = parent.children(recursive=True)
    found = {"serve": [parent.pid], "children": [c.pid for c in children]}
    postmaster = served.data_dir / "postgres" / "postmaster.pid"
    nanio = served.data_dir / "s3" / "nanio.pid"
    found["postgres"] = [int(postmaster.read_text().splitlines()[0])] if postmaster.exists() else []
    found["s3"] = [int(nanio.read_text().strip())] if nanio.exists() else []
    return found


def still_running(pids: list[int]) -> list[int]:
    alive = []
    for pid in pids:
        with contextlib.suppress(psutil.NoSuchProcess):
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
    return alive


def stop_with_sigterm(served: Served) -> None:
    """SIGTERM, as Kubernetes stops a pod: serve exits 0 and nothing it started is left running."""
    processes = our_processes(served)
    everything = [pid for pids in processes.values() for pid in pids]
    assert processes["postgres"] and processes["s3"], processes
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(60) == 0, served.output()
    deadline = time.monotonic() + 20
    while still_running(everything) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert still_running(everything) == [], served.output()


def test_profile_from_the_environment_serves_the_ext_plan(user_build: Path, data_dir: Path) -> None:
    with serving(user_build, data_dir, env={"REGISTRY_PROFILE": "ext"}) as served:
        assert "serving the ext profile" in served.output()
        assert served.call("GET", f"{API}/search/user-search-by-name?name=A") == 401  # routed, needs a token
        assert served.call("GET", f"{API}/city/00000000-0000-0000-0000-000000000001") == 404  # no entities
        assert served.call("POST", f"{API}/city") == 404
        stop_with_sigterm(served)


def test_two_workers_refuse_anonymous_writes_and_stop_on_sigterm(user_build: Path, data_dir: Path) -> None:
    forged = sign(
        jwk.JWK.generate(kty="RSA", size=2048, kid="not-a-realm-key"),
        access_claims("officer-portal", ["officer"]),
    )
    # The profile comes from the option here, beating the environment's.
    with serving(
        user_build, data_dir, "--workers", "2", "--profile", "internal", "--dev-auth",
        env={"REGISTRY_PROFILE": "public"},
    ) as served:  # fmt: skip
        processes = our_processes(served)
        workers = [
            pid
            for pid in processes["children"]
            if "multiprocessing" in " ".join(psutil.Process(pid).cmdline())
            and "resource_tracker" not in " ".join(psutil.Process(pid).cmdline())
        ]
        assert len(workers) == 2, processes
        assert "serving the internal profile" in served.output()
        # each worker builds the secure service (the second may still be starting on a busy machine)
        deadline = time.monotonic() + 60
        while served.output().count("built the internal service of user") < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert served.output().count("built the internal service of user") == 2, served.output()
        with urllib.request.urlopen(served.base_url + "/actuator/health", timeout=10) as answer:  # noqa: S310
            assert answer.headers.get("server") is None  # serve's uvicorn options: no software named
        # Many fresh connections: the kernel spreads them over both workers.
        for _ in range(40):
            assert served.call("POST", f"{API}/city") == 401
            assert served.call("POST", f"{API}/city", {"X-Access-Token": forged}) == 401
        stop_with_sigterm(served)
