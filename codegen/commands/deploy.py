"""Command: deploy (render the Kubernetes manifests of a generated registry, docs/deployment.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    app.command("deploy")(deploy_command)


def deploy_command(
    tree: Annotated[
        Path, typer.Argument(help="Output directory of `registry-api generate` (what the image holds).")
    ],
    out: Annotated[Path, typer.Option("--out", help="Directory of the manifests (a kustomize base).")],
    values: Annotated[
        Path | None, typer.Option("--values", help="Deployment values (YAML); every key optional.")
    ] = None,
) -> None:
    """Render and validate the Kubernetes and Istio manifests of a registry (`kubectl apply -k OUT`)."""
    from codegen.deploy import DeployError, load_values, write_manifests
    from codegen.deploy.values import ValuesError
    from registry_api.deploy import DeployError as TreeError

    try:
        written = write_manifests(tree, out, load_values(values))
    except (ValuesError, TreeError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    except (DeployError, ValueError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"wrote {len(written)} files to {out} (kubectl apply -k {out})")
