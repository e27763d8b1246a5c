"""What several commands need from the deployment's settings."""

from __future__ import annotations

import typer

from registry_api.settings import SettingsError, load_settings
from schemas.realms import RealmKind


def configured_realms() -> dict[str, RealmKind]:
    """The realm names regulations may use here (the reference's and the ``REGISTRY_AUTH__*_REALM``
    ones); exits with code 2 when the environment's settings are invalid."""
    try:
        return load_settings().auth.realm_names()
    except SettingsError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
