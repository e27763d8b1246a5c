"""`registry-api demo` end to end, as a newcomer runs it: start, paste every printed command, Ctrl-C.

The printed `curl` commands are run verbatim with bash (the token lines too); their results are
compared with the sample files the demo uploaded. Then SIGINT must stop every process the demo
started, and a second start on the same data directory must reuse the data.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest

from codegen.demo import samples
from codegen.demo.instructions import READY_LINE
from registry_api.embedded import free_port

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 120.0


@dataclass
class RunningDemo:
    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    _queue: queue.Queue[str | None] = field(default_factory=queue.Queue)

    def __post_init__(self) -> None:
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, text: str, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                pytest.fail(f"the demo did not print {text!r} in {timeout_s} s:\n{self.output}")
            try:
                line = self._queue.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                self.process.wait(10)
                pytest.fail(f"the demo exited ({self.process.returncode}) before {text!r}:\n{self.output}")
            self.lines.append(line)
            if text in line:
                return

    def drain(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            if line is None:
                return
            self.lines.append(line)


@dataclass(frozen=True)
class Printed:
    token_lines: list[str]
    commands: list[tuple[str, str]]  # (the comment above it, the command)


def parse_instructions(output: str) -> Printed:
    token_lines: list[str] = []
    commands: list[tuple[str, str]] = []
    comment = ""
    for raw in output.splitlines():
        line = raw.strip()
        if line.startswith("#"):
            comment = line
        elif line.startswith(("OFFICER_TOKEN=", "SYSTEM_TOKEN=")):
            token_lines.append(line)
        elif line.startswith("curl "):
            commands.append((comment, line))
    return Printed(token_lines, commands)


@contextlib.contextmanager
def demo_process(tmp_path: Path, ports: list[int], form_port: int | None = None) -> Iterator[RunningDemo]:
    command = [
        sys.executable, "-m", "codegen.cli", "demo",
        "--data-dir", str(tmp_path / "var"),
        "--build-dir", str(tmp_path / "build" / "user"),
        "--ports", ",".join(map(str, ports)),
        "--form-port", str(form_port or free_port()),
    ]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8"
    )
    demo = RunningDemo(process)
    try:
        yield demo
    finally:
        if process.poll() is None:  # a failed test: still stop everything
            process.send_signal(signal.SIGINT)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def started_processes(demo: RunningDemo, data_dir: Path) -> list[psutil.Process]:
    """The demo's children (services, S3) and the PostgreSQL server it started on ``data_dir``."""
    found = psutil.Process(demo.process.pid).children(recursive=True)
    with contextlib.suppress(OSError, ValueError, psutil.Error):
        pid = int((data_dir / "pgdata" / "postmaster.pid").read_text().splitlines()[0])
        found.append(psutil.Process(pid))
    return found


def stop_with_ctrl_c(demo: RunningDemo, data_dir: Path) -> None:
    processes = started_processes(demo, data_dir)
    assert len(processes) >= 4, "expected three services, S3 and PostgreSQL"
    demo.process.send_signal(signal.SIGINT)
    assert demo.process.wait(45) == 0, demo.output
    demo.drain(5)
    assert "Stopped" in demo.output
    survivors = []
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                survivors.append(f"{process.pid} {process.cmdline()}")
    assert survivors == [], f"processes outlived the demo: {survivors}"


def run_shell(
    command: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run one pasted line the way a user's bash would."""
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=env, capture_output=True, timeout=60, check=False
    )


def tokens(printed: Printed, cwd: Path) -> dict[str, str]:
    assert len(printed.token_lines) == 2, printed.token_lines
    script = "\n".join([*printed.token_lines, 'printf "%s\\n%s\\n" "$OFFICER_TOKEN" "$SYSTEM_TOKEN"'])
    result = run_shell(script, cwd)
    assert result.returncode == 0, result.stderr.decode()
    officer, system = result.stdout.decode().split()
    return {"OFFICER_TOKEN": officer, "SYSTEM_TOKEN": system}


def test_demo_serves_what_it_prints_and_stops_cleanly(private_tmp_path: Path) -> None:
    tmp_path = private_tmp_path  # embedded PostgreSQL keeps its data here
    # The demo prints curl commands for a newcomer to paste: without curl this test cannot do its job,
    # so it fails rather than vanish (.ci/run installs curl where it is missing).
    assert shutil.which("curl") is not None, "curl is required to run the demo's printed commands"
    ports = [free_port() for _ in range(3)]
    data_dir = tmp_path / "var"
    workdir = tmp_path / "paste-here"
    workdir.mkdir()

    with demo_process(tmp_path, ports) as demo:
        demo.wait_for(READY_LINE, START_TIMEOUT_S)
        for port in ports:
            assert f"http://127.0.0.1:{port}/docs" in demo.output
        printed = parse_instructions(demo.output)
        assert len(printed.commands) == 8, demo.output
        env = {**os.environ, **tokens(printed, workdir)}
        results = []
        for comment, command in printed.commands:
            result = run_shell(command, workdir, env)
            assert result.returncode == 0, f"{comment}\n{command}\n{result.stdout!r}\n{result.stderr!r}"
            results.append(result.stdout)
        read_user, as_json, as_bytes, ext_search, ext_file, public_search, public_photo, made_link = results
        assert as_bytes == ext_file == public_photo == b""  # -o: written to files, checked below

        user = json.loads(read_user)
        assert user["name"] == samples.USER_NAME
        assert user["photo"]["checksum"] == samples.PHOTO.checksum
        assert [d["checksum"] for d in user["documents"]] == [d.checksum for d in samples.DOCUMENTS]

        document = json.loads(as_json)
        assert base64.b64decode(document["content"]) == samples.PASSPORT.content
        assert document["checksum"] == samples.PASSPORT.checksum
        assert document["filename"] == samples.PASSPORT.filename

        assert (workdir / samples.PASSPORT.filename).read_bytes() == samples.PASSPORT.content

        page = json.loads(ext_search)
        rows = page["content"] if isinstance(page, dict) else page
        assert [row["name"] for row in rows] == [samples.USER_NAME]
        assert (workdir / "document.pdf").read_bytes() == samples.PASSPORT.content

        public_rows = json.loads(public_search)
        public_rows = public_rows["content"] if isinstance(public_rows, dict) else public_rows
        assert [row["photo"]["id"] for row in public_rows] == [user["photo"]["id"]]
        assert (workdir / "photo.png").read_bytes() == samples.PHOTO.content

        # The signed link a business process made opens on the public port without any token.
        link = json.loads(made_link)
        assert link["url"].startswith(f"http://127.0.0.1:{ports[2]}/api/data-factory/l/")
        with urllib.request.urlopen(link["url"], timeout=10) as opened:  # noqa: S310 - the demo's own link
            assert opened.read() == samples.PASSPORT.content

        # What is not published stays closed: the documents on the public port, the officer on ext.
        user_id = printed.commands[0][1].rsplit("/", 1)[1]
        document_id = user["documents"][0]["id"]
        public_document = f"http://127.0.0.1:{ports[2]}/api/data-factory/files/user/{user_id}/documents/"
        assert status_of(public_document + document_id) == 404
        officer_on_ext = f"http://127.0.0.1:{ports[1]}/api/data-factory/user/{user_id}"  # ext: no entities
        assert status_of(officer_on_ext, {"X-Access-Token": env["OFFICER_TOKEN"]}) == 404

        stop_with_ctrl_c(demo, data_dir)

    # A second start reuses the data: no new sample records, the same commands work.
    with demo_process(tmp_path, ports) as again:
        again.wait_for(READY_LINE, START_TIMEOUT_S)
        assert "already loaded" in again.output
        printed_again = parse_instructions(again.output)
        assert printed_again.commands == printed.commands
        result = run_shell(printed_again.commands[0][1], workdir, env)
        assert result.returncode == 0 and json.loads(result.stdout) == user
        stop_with_ctrl_c(again, data_dir)


def status_of(url: str, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - local test server
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
