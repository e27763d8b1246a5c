"""What several commands need from the deployment's settings."""

from __future__ import annotations

import typer

from registry_api.settings import Settings, SettingsError, load_settings
from schemas.realms import RealmKind


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
