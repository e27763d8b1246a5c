"""Commands: dev-token (development identities, see docs/security.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rbac.devkeys import DEFAULT_TTL_S, DevKeyMissingError, dev_signing_key, mint_token
from rbac.keys import realm
from registry_api.settings import Settings, SettingsError, load_settings


def dev_token(
    realm_name: Annotated[str, typer.Option("--realm", help="Logical realm, e.g. officer-portal.")],
    roles: Annotated[list[str], typer.Option("--role", help="A realm role; repeat for several.")],
    subject: Annotated[str, typer.Option("--sub", help="The token's subject (user id).")] = "developer",
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Where the development key lives (default: settings).")
    ] = None,
    ttl: Annotated[int, typer.Option("--ttl", min=1, help="Lifetime in seconds.")] = DEFAULT_TTL_S,
    claims: Annotated[
        list[str] | None,
        typer.Option(
            "--claim",
            metavar="NAME=VALUE",
            help="An extra claim (e.g. katottg=UA05 for row-level security); repeat a name for a list.",
        ),
    ] = None,
) -> None:
    """Print an access token signed with the development key (trusted only by `serve --dev-auth`)."""
    try:
        settings = load_settings()
    except SettingsError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    accepted = known_realms(settings)
    if realm_name not in accepted:
        typer.echo(
            f"error: --realm {realm_name}: not a realm the service accepts; use one of "
            f"{', '.join(accepted)} (REGISTRY_AUTH__*_REALM)",
            err=True,
        )
        raise typer.Exit(2)
    directory = data_dir if data_dir is not None else settings.data_dir
    try:
        key = dev_signing_key(directory, create=False)
    except DevKeyMissingError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    target = realm(settings.auth.keycloak_url, realm_name, settings.auth.namespace)
    token = mint_token(
        key, issuer=target.issuer, roles=roles, subject=subject, ttl_s=ttl, extra_claims=_claims(claims or [])
    )
    typer.echo(token)


def known_realms(settings: Settings) -> tuple[str, ...]:
    """The logical realm names the profiles accept (officer and citizen portals, external systems)."""
    auth = settings.auth
    return (auth.officer_realm, auth.citizen_realm, auth.external_system_realm)


_RESERVED_CLAIMS = frozenset({"iss", "sub", "typ", "azp", "iat", "nbf", "exp", "jti", "realm_access"})


def _claims(pairs: list[str]) -> dict[str, object]:
    """``["katottg=UA05", "katottg=UA08"]`` → ``{"katottg": ["UA05", "UA08"]}`` (one value: a string)."""
    values: dict[str, list[str]] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise typer.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="--claim")
        if name.strip() in _RESERVED_CLAIMS:
            raise typer.BadParameter(f"{name.strip()} is set by the token itself", param_hint="--claim")
        values.setdefault(name.strip(), []).append(value)
    return {name: items[0] if len(items) == 1 else items for name, items in values.items()}


def register(app: typer.Typer) -> None:
    app.command("dev-token")(dev_token)
