"""What several commands need from the deployment's settings."""

from __future__ import annotations

from pathlib import Path

import typer

from registry_api.settings import Settings, SettingsError, load_settings
from schemas.realms import RealmKind
from schemas.regulation import Regulation


def environment_settings() -> Settings:
    """The settings of the environment (and ``.env``); exits with code 2 and one line naming the variable
    when one is invalid (never a traceback)."""
    try:
        return load_settings()
    except SettingsError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None


def configured_realms() -> dict[str, RealmKind]:
    """The realm names regulations may use here (the reference's and the ``REGISTRY_AUTH__*_REALM``
    ones); exits with code 2 when the environment's settings are invalid."""
    return environment_settings().auth.realm_names()


def read_valid_regulation(path: Path, consequence: str) -> Regulation:
    """The regulation at ``path``, read with the deployment's realm names. When it has errors, lists each
    as ``lint`` does and exits with code 1 saying what was not done (``consequence``, e.g. "nothing was
    migrated"): every command refuses a regulation with errors the same way."""
    from codegen.reader import read_regulation  # the reader is heavy; commands that fail earlier skip it

    regulation = read_regulation(path, realms=configured_realms())
    if regulation.errors:
        for d in regulation.errors:
            typer.echo(f"{d.location.file}:{d.location.line}: ERROR {d.code} {d.message}", err=True)
        typer.echo(
            f"error: {consequence}: the regulation has errors ({len(regulation.errors)} error(s) above; "
            "`registry-api lint` lists the warnings too)",
            err=True,
        )
        raise typer.Exit(1)
    return regulation
