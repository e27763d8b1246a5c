"""Commands: dev-token (development identities, see docs/security.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rbac.devkeys import DEFAULT_TTL_S, dev_signing_key, mint_token
from rbac.keys import realm
from registry_api.settings import Settings


def dev_token(
    realm_name: Annotated[str, typer.Option("--realm", help="Logical realm, e.g. officer-portal.")],
    roles: Annotated[list[str], typer.Option("--role", help="A realm role; repeat for several.")],
    subject: Annotated[str, typer.Option("--sub", help="The token's subject (user id).")] = "developer",
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Where the development key lives (default: settings).")
    ] = None,
    ttl: Annotated[int, typer.Option("--ttl", min=1, help="Lifetime in seconds.")] = DEFAULT_TTL_S,
) -> None:
    """Print an access token signed with the development key (trusted only by `serve --dev-auth`)."""
    settings = Settings()
    directory = data_dir if data_dir is not None else settings.data_dir
    target = realm(settings.auth.keycloak_url, realm_name, settings.auth.namespace)
    token = mint_token(
        dev_signing_key(directory), issuer=target.issuer, roles=roles, subject=subject, ttl_s=ttl
    )
    typer.echo(token)


def register(app: typer.Typer) -> None:
    app.command("dev-token")(dev_token)
