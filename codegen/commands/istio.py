"""Command: ``istio`` — write (or check) the Istio resources of the three deployments.

    registry-api istio REGULATION --out DIR [--settings FILE] [--public-api FILE]
    registry-api istio --check DIR

Exit codes: 0 success, 1 the input has errors (nothing is written), 2 usage errors.
"""

from __future__ import annotations

from pathlib import Path

import typer

from istio.build import IstioBuildError
from istio.emit import Sources, write_istio
from istio.settings import IstioSettingsError, load_istio_settings
from istio.validate import check_directory
from schemas.public_api import PublicApiError, load_public_api, validate_public_api


def _fail(lines: list[str], code: int = 1) -> typer.Exit:
    for line in lines:
        typer.echo(f"error: {line}", err=True)
    return typer.Exit(code)


def _check(directory: Path) -> None:
    problems = check_directory(directory)
    if problems:
        raise _fail(problems)
    typer.echo(f"{directory}: all Istio resources are valid")


def istio(
    regulation_path: Path | None = typer.Argument(
        None, metavar="REGULATION", help="A regulation folder (with data-model/main-liquibase.xml)."
    ),
    out: Path | None = typer.Option(None, "--out", help="Output folder; files go to DIR/<profile>/*.yaml."),
    settings_file: Path | None = typer.Option(
        None, "--settings", help="Istio settings YAML (namespace, services, Keycloak, realms, gateway)."
    ),
    public_api_file: Path | None = typer.Option(
        None, "--public-api", help="Public-API settings (publicApi: [{name, url, enabled, limits}])."
    ),
    check: Path | None = typer.Option(
        None, "--check", help="Validate the Istio YAML already in this folder instead of generating."
    ),
) -> None:
    """Generate Istio RequestAuthentication/AuthorizationPolicy/VirtualService/EnvoyFilter per profile."""
    if check is not None:
        if regulation_path is not None or out is not None:
            raise _fail(["--check takes only a folder; do not pass REGULATION or --out"], 2)
        _check(check)
        return
    if regulation_path is None or out is None:
        raise _fail(["usage: registry-api istio REGULATION --out DIR (or --check DIR)"], 2)
    if not regulation_path.exists():
        raise _fail([f"{regulation_path} does not exist"], 2)

    from codegen.commands.common import read_valid_regulation

    regulation = read_valid_regulation(regulation_path, "nothing generated")
    try:
        settings = load_istio_settings(settings_file)
        public_api = load_public_api(public_api_file) if public_api_file is not None else None
    except (IstioSettingsError, PublicApiError) as error:
        raise _fail(str(error).splitlines()) from None
    if public_api is not None and (problems := validate_public_api(public_api, regulation)):
        raise _fail([f"{public_api_file}: {problem}" for problem in problems])
    sources = Sources(
        regulation=str(regulation_path),
        settings=str(settings_file) if settings_file else "defaults",
        public_api=str(public_api_file) if public_api_file else "none (the public profile allows nothing)",
    )
    try:
        written = write_istio(regulation, out, settings, public_api, sources)
    except (IstioBuildError, PublicApiError) as error:
        raise _fail(str(error).splitlines()) from None
    for path in written:
        typer.echo(str(path))


def register(app: typer.Typer) -> None:
    app.command("istio")(istio)
