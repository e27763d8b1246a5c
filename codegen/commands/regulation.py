"""Commands: ``lint`` and ``show`` (the regulation reader).

Exit codes: 0 no errors, 1 the regulation has errors (or, with ``lint --strict``, warnings), 2 usage
errors (bad option, missing path).
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer

from codegen.commands.common import configured_realms
from codegen.reader import read_regulation
from codegen.reader.export import diagnostic_json, regulation_json, summary
from schemas.regulation import Regulation, Severity


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


def _read(path: Path) -> Regulation:
    if not path.exists():
        typer.echo(f"error: {path} does not exist", err=True)
        raise typer.Exit(2)
    regulation = read_regulation(path, realms=configured_realms())
    if any(d.code == "CHANGELOG_NOT_FOUND" for d in regulation.diagnostics):
        typer.echo(
            f"error: {path} is neither a changelog file nor a folder holding data-model/main-liquibase.xml",
            err=True,
        )
        raise typer.Exit(2)
    return regulation


def _summary_line(regulation: Regulation) -> str:
    counts = summary(regulation)
    return (
        f"{regulation.name}: {counts['tables']} tables, {counts['fileColumns']} file columns, "
        f"{counts['searchConditions']} search conditions, {counts['exposures']} exposures; "
        f"{counts['errors']} errors, {counts['warnings']} warnings"
    )


def _not_used_by_api(regulation: Regulation) -> list[str]:
    return [
        f"{change.location}: {change.tag} in changeSet '{changeset.id}' (not used by the API)"
        for changeset in regulation.changesets
        for change in changeset.changes
        if not change.api_relevant
    ]


def lint(
    regulation_path: Path = typer.Argument(
        ...,
        metavar="REGULATION",
        help="A regulation folder (with data-model/main-liquibase.xml) or a changelog file.",
    ),
    output_format: OutputFormat = typer.Option(OutputFormat.TEXT, "--format", help="text or json."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Also list the changes not used by the API."),
    strict: bool = typer.Option(False, "--strict", help="Warnings fail too (exit 1): for a modeller's CI."),
) -> None:
    """Read a regulation and print its diagnostics (exit 1 when it has errors, or warnings with --strict)."""
    regulation = _read(regulation_path)
    if output_format is OutputFormat.JSON:
        typer.echo(
            json.dumps([diagnostic_json(d) for d in regulation.diagnostics], ensure_ascii=False, indent=2)
        )
        typer.echo(_summary_line(regulation), err=True)
    else:
        for d in regulation.diagnostics:
            typer.echo(
                f"{d.location.file}:{d.location.line}: {d.severity.value.upper()} {d.code} {d.message}"
            )
        if verbose:
            for line in _not_used_by_api(regulation):
                typer.echo(line)
        typer.echo(_summary_line(regulation))
    failing = (Severity.ERROR, Severity.WARNING) if strict else (Severity.ERROR,)
    if any(d.severity in failing for d in regulation.diagnostics):
        raise typer.Exit(1)


def show(
    regulation_path: Path = typer.Argument(
        ..., metavar="REGULATION", help="A regulation folder or a changelog file."
    ),
    output_format: OutputFormat = typer.Option(OutputFormat.JSON, "--format", help="json (default) or text."),
) -> None:
    """Print the model of a regulation: entities, file columns, search conditions, exposure, RBAC, enums."""
    regulation = _read(regulation_path)
    if output_format is OutputFormat.JSON:
        typer.echo(json.dumps(regulation_json(regulation), ensure_ascii=False, indent=2))
        return
    typer.echo(_summary_line(regulation))
    for table in regulation.tables:
        files = ", ".join(f"{c.name} ({c.file_kind})" for c in table.file_columns)
        typer.echo(
            f"entity {table.name}: {len(table.columns)} columns" + (f"; files: {files}" if files else "")
        )
    for sc in regulation.search_conditions:
        consumers = ", ".join(regulation.exposure(sc.name).consumers) or "not exposed"
        params = ", ".join(f"{c.output_name}:{c.search_type}" for c in sc.search_columns)
        typer.echo(
            f"search condition {sc.name} [{sc.pagination}, limit {sc.limit or 'all'}] ({params})"
            f" → {consumers}"
        )


def register(app: typer.Typer) -> None:
    app.command("lint")(lint)
    app.command("show")(show)
