"""Command: explain — would a deployment of a generated registry answer a request, and which rule
decided (routing, authentication, RBAC grant with its file:line, Istio policy)?

    registry-api explain DIR --profile P --realm R --role ROLE [--role ROLE...] METHOD PATH
    registry-api explain DIR --all-roles

Exit codes: 0 the service's handler would answer (or the matrix was printed), 1 the request would be
refused (not routed, 401, 403) or its access check is unknown, 2 usage errors (no such output tree, bad
options).
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from registry_api.settings import Profile, SettingsError, load_settings


def explain_command(
    registry: Path = typer.Argument(..., metavar="DIR", help="An output tree of `registry-api generate`."),
    method: str | None = typer.Argument(None, metavar="METHOD", help="GET, POST, PUT, PATCH, DELETE, HEAD."),
    path: str | None = typer.Argument(None, metavar="PATH", help="e.g. /api/data-factory/user/<id>"),
    profile: Profile = typer.Option(Profile.INTERNAL, "--profile", help="internal, ext or public."),
    realm: str | None = typer.Option(None, "--realm", help="The caller's token realm (none: no token)."),
    roles: list[str] = typer.Option([], "--role", help="A realm role of the caller; repeat for several."),
    all_roles: bool = typer.Option(
        False, "--all-roles", help="Print which role may read which table, column, search and file column."
    ),
    output_format: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """Explain how the service (and the mesh in front of it) would decide a request."""
    # imported here, not at the top: every command's start-up (e.g. `migrate`) would pay for it
    from codegen.explain.matrix import access_matrix, render_matrix
    from codegen.explain.request import deployment, explain, render_text
    from registry_api.deploy import DeployError

    if output_format not in ("text", "json"):
        typer.echo("error: --format must be text or json", err=True)
        raise typer.Exit(2)
    if not all_roles and (method is None or path is None):
        typer.echo("error: give METHOD and PATH, or --all-roles", err=True)
        raise typer.Exit(2)
    try:
        settings = load_settings({"profile": Profile.INTERNAL if all_roles else profile})
        with deployment(registry, settings) as deployed:
            if all_roles:
                matrix = access_matrix(deployed)
                typer.echo(
                    json.dumps(matrix.to_json(), indent=2)
                    if output_format == "json"
                    else render_matrix(matrix)
                )
                return
            assert method is not None and path is not None
            answer = explain(deployed, method, path, realm, roles)
    except (DeployError, SettingsError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    if output_format == "json":
        typer.echo(json.dumps(answer.to_json(), indent=2, ensure_ascii=False))
    else:
        typer.echo(render_text(answer), nl=False)
    if answer.service_status is not None or not answer.determined:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("explain")(explain_command)
