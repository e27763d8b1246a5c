"""The demo's child processes: one ``registry-api serve`` per profile, each in its own process group.

Each child gets its own session (a terminal's Ctrl-C reaches only the demo, which then stops the
children in order: services first, then S3 and PostgreSQL) and asks Linux to SIGTERM it should the
demo die without cleaning up (``PR_SET_PDEATHSIG``), so no service outlives the demo.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from codegen.demo.errors import DemoError
from codegen.demo.http import call

HEALTH_PATH = "/actuator/health"


def cli_command(*arguments: str) -> list[str]:
    """``registry-api ARGS`` run by this very interpreter (no dependence on PATH)."""
    return [sys.executable, "-m", "codegen.cli", *arguments]


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As servers bind: a port whose old connections linger in TIME_WAIT is free, a listener is not.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _die_with_parent() -> None:  # runs in the child between fork and exec
    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


@dataclass
class Service:
    """One ``registry-api serve`` child for one profile."""

    profile: str
    port: int
    command: list[str]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,  # only sets a process attribute; takes no locks
            )

    def wait_until_healthy(self, deadline: float) -> None:
        assert self.process is not None
        while True:
            if self.process.poll() is not None:
                raise DemoError(
                    f"the {self.profile} service exited with code {self.process.returncode} "
                    f"before answering; last lines of {self.log_path}:\n{tail(self.log_path)}"
                )
            try:
                if call("GET", self.base_url + HEALTH_PATH, timeout_s=2).status == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise DemoError(
                    f"the {self.profile} service did not become healthy on {self.base_url}{HEALTH_PATH}; "
                    f"last lines of {self.log_path}:\n{tail(self.log_path)}"
                )
            time.sleep(0.2)

    def stop(self, grace_s: float = 10.0) -> None:
        """SIGTERM to the child's whole process group, SIGKILL after ``grace_s``. Safe to call twice."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(grace_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(grace_s)
