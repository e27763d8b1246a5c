"""Command: diff — what changes between two versions of a regulation, each change classified breaking
or not (docs/diff.md); a modeller's CI gate with ``--fail-on breaking``.

    registry-api diff OLD NEW [--format text|json|markdown] [--fail-on breaking]

OLD and NEW: regulation folders, or ``git:REV:PATH`` (PATH relative to the repository root).
Exit codes: 0 done (or nothing breaking with ``--fail-on breaking``), 1 breaking changes found with
``--fail-on breaking``, or a side cannot be read or generated, 2 usage errors.
"""

from __future__ import annotations

import typer

from codegen.commands.common import configured_realms


def diff_command(
    old: str = typer.Argument(..., metavar="OLD", help="A regulation folder, or git:REV:PATH."),
    new: str = typer.Argument(..., metavar="NEW", help="A regulation folder, or git:REV:PATH."),
    output_format: str = typer.Option("text", "--format", help="text, json or markdown."),
    fail_on: str | None = typer.Option(
        None, "--fail-on", help="'breaking': exit with 1 when any breaking change is found."
    ),
) -> None:
    """Compare two versions of a regulation: model, API per profile and Istio rules."""
    # imported here, not at the top: every command's start-up (e.g. `migrate`) would pay for it
    from codegen.diff import DiffError, diff_regulations
    from codegen.diff.render import RENDERERS

    if output_format not in RENDERERS:
        typer.echo(f"error: --format must be one of {', '.join(RENDERERS)}", err=True)
        raise typer.Exit(2)
    if fail_on not in (None, "breaking"):
        typer.echo("error: --fail-on takes 'breaking'", err=True)
        raise typer.Exit(2)
    try:
        report = diff_regulations(old, new, realms=configured_realms())
    except DiffError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(RENDERERS[output_format](report), nl=False)
    if fail_on == "breaking" and report.breaking:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("diff")(diff_command)
