"""The demo's child services fail loudly and never outlive it: a service that dies before answering,
one that never becomes healthy and one that ignores SIGTERM, each a real child process."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import psutil
import pytest

from codegen.demo.errors import DemoError
from codegen.demo.services import Service, tail
from registry_api.embedded import free_port


def service(tmp_path: Path, script: str) -> Service:
    return Service(
        profile="internal",
        port=free_port(),
        command=[sys.executable, "-c", script],
        env=dict(os.environ),
        log_path=tmp_path / "logs" / "internal.log",
    )


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE  # dead, not yet reaped by init
    except psutil.NoSuchProcess:
        return True


def test_a_service_that_exits_before_answering_is_reported_with_its_log(tmp_path: Path) -> None:
    dying = service(tmp_path, "print('error: the database is gone'); raise SystemExit(3)")
    dying.start()
    with pytest.raises(DemoError) as raised:
        dying.wait_until_healthy(deadline=time.monotonic() + 60)
    message = str(raised.value)
    assert "the internal service exited with code 3 before answering" in message
    assert "error: the database is gone" in message and str(dying.log_path) in message


def test_a_service_that_never_answers_is_reported_and_stopped(tmp_path: Path) -> None:
    silent = service(tmp_path, "import time; print('starting', flush=True); time.sleep(600)")
    silent.start()
    try:
        with pytest.raises(
            DemoError, match=r"did not become healthy on http://127\.0\.0\.1:\d+/actuator/health"
        ):
            silent.wait_until_healthy(deadline=time.monotonic() + 1)
    finally:
        silent.stop()
    assert silent.process is not None and silent.process.returncode == -15  # SIGTERM
    silent.stop()  # twice is fine


def test_a_service_ignoring_sigterm_is_killed_with_its_children(tmp_path: Path) -> None:
    script = (
        "import signal, subprocess, sys, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import signal, time;"
        " signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)'])\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    stubborn = service(tmp_path, script)
    stubborn.start()
    assert stubborn.process is not None
    for _ in range(600):  # the script prints its child's pid once both run
        if stubborn.log_path.read_text().strip():
            break
        time.sleep(0.05)
    child = int(stubborn.log_path.read_text().split()[0])
    stubborn.stop(grace_s=0.5)
    assert stubborn.process.returncode == -9  # SIGKILL after the grace period
    for _ in range(200):  # SIGKILL went to the whole process group: the grandchild dies too
        if gone(child):
            break
        time.sleep(0.05)
    assert gone(child)


def test_tail_of_a_missing_log() -> None:
    assert tail(Path("/nonexistent/registry-demo.log")) == "(no log)"
