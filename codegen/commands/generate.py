"""Commands: generate, serve."""

from __future__ import annotations

import contextlib
import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from codegen.emit import GenerationError, generate
from codegen.emit.generator import MANIFEST, PUBLIC_API_FILE, REGULATION_DIR

PROFILES = ("internal", "ext", "public")


def register(app: typer.Typer) -> None:
    app.command("generate")(generate_command)
    app.command("serve")(serve_command)


def generate_command(
    regulation: Annotated[Path, typer.Argument(help="Regulation folder (or its main changelog).")],
    out: Annotated[Path, typer.Option("--out", help="Output directory.")],
    public_api: Annotated[
        Path | None, typer.Option("--public-api", help="Public-API settings (YAML) baked into the output.")
    ] = None,
    settings: Annotated[
        Path | None, typer.Option("--settings", help="Deployment settings (YAML) for the Istio resources.")
    ] = None,
) -> None:
    """Generate the registry's API package, OpenAPI documents, RBAC policy and Istio resources."""
    from codegen.reader import read_regulation

    model = read_regulation(regulation)
    if model.errors:
        for diagnostic in model.errors:
            typer.echo(f"{diagnostic.location}: error {diagnostic.code}: {diagnostic.message}", err=True)
        typer.echo(f"{len(model.errors)} error(s): nothing generated.", err=True)
        raise typer.Exit(1)
    try:
        written = generate(model, out, public_api_file=public_api, settings=_istio_settings(settings))
    except GenerationError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    except ValueError as error:  # bad public-API or deployment settings
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"wrote {len(written)} files to {out} (listed in {out / MANIFEST})")


def _istio_settings(path: Path | None) -> Any:
    if path is None:
        return None
    from istio.settings import load_istio_settings

    return load_istio_settings(path)


def serve_command(
    directory: Annotated[Path, typer.Argument(help="Output directory of `registry-api generate`.")],
    profile: Annotated[str, typer.Option(help="Deployment profile: internal, ext or public.")] = "internal",
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    data_dir: Annotated[
        Path, typer.Option("--data-dir", help="Where embedded PostgreSQL and S3 keep their data.")
    ] = Path("var"),
    public_api: Annotated[
        Path | None, typer.Option("--public-api", help="Public-API settings (default: the baked-in file).")
    ] = None,
    contexts: Annotated[
        str, typer.Option(help="Liquibase contexts for the migration (default skips 'pub').")
    ] = "!pub",
    dev_auth: Annotated[
        bool, typer.Option("--dev-auth", help="Also trust `registry-api dev-token` tokens (key in data dir).")
    ] = False,
) -> None:
    """Migrate and serve a generated registry; with no database/S3 configured, start embedded ones."""
    if profile not in PROFILES:
        typer.echo(f"error: --profile must be one of {', '.join(PROFILES)}", err=True)
        raise typer.Exit(2)
    from registry_api.settings import Settings

    settings = Settings(profile=profile, data_dir=data_dir)  # type: ignore[arg-type]
    with _servers(settings) as settings:
        app = build_served_app(
            directory, settings, public_api=public_api, contexts=contexts, dev_auth=dev_auth
        )
        import uvicorn

        typer.echo(f"serving {profile} profile on http://{host}:{port}{settings.api_root} (Ctrl-C stops)")
        uvicorn.run(app, host=host, port=port, log_level="info")


@contextlib.contextmanager
def _servers(settings: Any) -> Iterator[Any]:
    """Embedded PostgreSQL/S3 for whatever the settings leave unconfigured, stopped on exit."""
    from registry_api.embedded import EmbeddedPostgres, EmbeddedS3

    started: list[Any] = []
    try:
        if not settings.database.url:
            postgres = EmbeddedPostgres(settings.data_dir / "postgres")
            started.append(postgres)
            _ensure_database(postgres, "registry")
            settings.database.url = postgres.url_for("registry")
            typer.echo(f"embedded PostgreSQL under {postgres.data_dir}")
        if not settings.s3.endpoint_url:
            s3 = EmbeddedS3(
                settings.data_dir / "s3",
                access_key=settings.s3.access_key,
                secret_key=settings.s3.secret_key.get_secret_value(),
                region=settings.s3.region,
            )
            started.append(s3)
            settings.s3.endpoint_url = s3.endpoint_url
            settings.s3.create_buckets = True
            typer.echo(f"embedded S3 at {s3.endpoint_url}")
        yield settings
    finally:
        for server in reversed(started):
            server.stop()


def _ensure_database(postgres: Any, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(postgres.conninfo, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists is None:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def build_served_app(
    directory: Path,
    settings: Any,
    *,
    public_api: Path | None = None,
    contexts: str = "!pub",
    dev_auth: bool = False,
) -> Any:
    """Migrate ``settings.database.url`` from ``DIR/regulation`` and build the generated app for
    ``settings.profile`` (used by ``serve``, and by tests without uvicorn)."""
    from codegen.migrate import MigrationError, migrate
    from codegen.reader import read_regulation

    directory = directory.resolve()
    regulation = read_regulation(directory / REGULATION_DIR)
    if regulation.errors:
        raise typer.BadParameter(f"{directory / REGULATION_DIR} has errors; regenerate the output")
    if "pub" not in contexts.replace("!pub", ""):
        typer.echo("migrating without changesets of context 'pub' (pass --contexts to change)")
    try:
        # The deployments (internal, ext, public) start together and each migrates: the later ones wait.
        report = migrate(
            regulation,
            settings.database.url,
            contexts=contexts,
            lock_wait_s=settings.database.migration_lock_wait_s,
        )
    except MigrationError as error:
        typer.echo(f"migration failed: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"migrations: {len(report.executed)} applied, {len(report.up_to_date)} up to date")

    generated = import_generated(directory)
    public_settings = _public_api(directory, generated, public_api or settings.public_api_file)
    plan = generated.route_plan(settings.profile.value, public_settings)
    authenticator, access = _security(directory, settings, plan, dev_auth)
    return generated.create_app(settings, authenticator=authenticator, access=access, plan=plan)


def import_generated(directory: Path) -> Any:
    """The generated package's ``app`` module (the package is the folder holding ``app.py``)."""
    candidates = sorted(
        p.parent.name for p in directory.glob("*/app.py") if (p.parent / "tables.py").is_file()
    )
    if len(candidates) != 1:
        raise typer.BadParameter(f"{directory} does not hold exactly one generated package")
    from codegen.emit.openapi import forget

    forget(candidates[0])  # another output of the same registry may have been imported before
    sys.path.insert(0, str(directory))
    try:
        return importlib.import_module(f"{candidates[0]}.app")
    finally:
        sys.path.remove(str(directory))


def _public_api(directory: Path, generated: Any, explicit: Path | None) -> Any:
    baked = directory / generated.__name__.split(".")[0] / PUBLIC_API_FILE
    path = explicit or (baked if baked.is_file() else None)
    if path is None:
        return None
    from schemas.public_api import load_public_api

    return load_public_api(path)


def _security(directory: Path, settings: Any, plan: Any, dev_auth: bool) -> tuple[Any, Any]:
    """The authenticator and access policy of the profile. Development auth only when asked for."""
    from registry_api.access import AnonymousAuthenticator

    access = _access_policy(directory / "rbac", plan)
    if settings.profile.value == "public":
        return AnonymousAuthenticator(), access
    # The profile's Keycloak realms; --dev-auth also trusts `registry-api dev-token` tokens (logged loudly).
    from registry_api.security import keycloak_authenticator

    dev = dev_auth or settings.auth.dev_auth
    return keycloak_authenticator(settings.profile, settings, dev_auth=dev), access


def _access_policy(rbac_dir: Path, plan: Any) -> Any:
    try:
        from rbac.enforcer import CasbinAccessPolicy
    except ImportError:
        from registry_api.access import AllowAll

        return AllowAll()
    if not plan.read_only:  # only the public plan lets the anonymous caller read anything
        return CasbinAccessPolicy.from_directory(rbac_dir)
    return CasbinAccessPolicy.from_directory(
        rbac_dir, anonymous_search=plan.serves_search, anonymous_file=plan.serves_file
    )
