"""Commands: generate."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from schemas.layout import MANIFEST


def register(app: typer.Typer) -> None:
    app.command("generate")(generate_command)


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
    from codegen.commands.common import read_valid_regulation
    from codegen.emit import GenerationError, generate

    model = read_valid_regulation(regulation, "nothing generated")
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
