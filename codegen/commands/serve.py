"""Command: serve. Parses the options, applies the settings precedence (option > environment variable >
``.env`` > default) and hands over to ``codegen.service_runner``.

Exit codes: 0 stopped by SIGTERM or Ctrl-C, 1 the service could not start (migration failed, broken
output tree), 2 usage errors (an invalid option or variable, a folder that is not a generated tree).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from registry_api.settings import Profile, SettingsError, load_settings

# Option -> where it lands in the settings (it wins over the environment only when given).
_OPTIONS: dict[str, str] = {
    "profile": "--profile",
    "host": "--host",
    "port": "--port",
    "workers": "--workers",
    "data_dir": "--data-dir",
    "public_api_file": "--public-api",
}


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)


def serve_command(
    directory: Annotated[Path, typer.Argument(help="Output directory of `registry-api generate`.")],
    profile: Annotated[
        Profile | None,
        typer.Option(
            help="Deployment profile [env: REGISTRY_PROFILE; default: internal].", show_default=False
        ),
    ] = None,
    host: Annotated[
        str | None,
        typer.Option(help="Interface [env: REGISTRY_HOST; default: 127.0.0.1].", show_default=False),
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port [env: REGISTRY_PORT; default: 8000].", show_default=False)
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Processes serving requests [env: REGISTRY_WORKERS; default: 1].", show_default=False
        ),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="Where embedded PostgreSQL and S3 and the development key live "
            "[env: REGISTRY_DATA_DIR; default: var].",
            show_default=False,
        ),
    ] = None,
    public_api: Annotated[
        Path | None,
        typer.Option(
            "--public-api",
            help="Public-API settings [env: REGISTRY_PUBLIC_API_FILE; default: the file baked in].",
            show_default=False,
        ),
    ] = None,
    contexts: Annotated[
        str, typer.Option(help="Liquibase contexts for the migration (default skips 'pub').")
    ] = "!pub",
    run_migrations: Annotated[
        bool,
        typer.Option(
            "--migrate/--no-migrate",
            help="Migrate the database before serving (--no-migrate: a migration Job does it, as the "
            "Kubernetes manifests of `registry-api deploy` have it).",
        ),
    ] = True,
    dev_auth: Annotated[
        bool,
        typer.Option(
            "--dev-auth",
            help="Also trust `registry-api dev-token` tokens (key in the data dir) "
            "[env: REGISTRY_AUTH__DEV_AUTH]. Never in production.",
        ),
    ] = False,
) -> None:
    """Migrate and serve a generated registry; with no database/S3 configured, start embedded ones."""
    from codegen.service_runner import DeployError, ServeError, run_service

    given: dict[str, Any] = {
        "profile": profile,
        "host": host,
        "port": port,
        "workers": workers,
        "data_dir": data_dir,
        "public_api_file": public_api,
    }
    overrides: dict[str, Any] = {key: value for key, value in given.items() if value is not None}
    if dev_auth:
        overrides["auth"] = {"dev_auth": True}
    try:
        settings = load_settings(overrides, options=_OPTIONS)
        run_service(
            directory,
            settings,
            contexts=contexts,
            run_migrations=run_migrations,
            echo=typer.echo,
            data_dir_option="--data-dir" if data_dir is not None else None,
        )
    except (SettingsError, DeployError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    except ServeError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        typer.echo("stopped: the service and the servers it started are down")
