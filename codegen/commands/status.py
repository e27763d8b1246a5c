"""Commands: status (which changesets of a regulation are applied, pending or changed in a database)
and history (what ran there, in order). Both only read the database.

Exit codes: 0 success, 1 the regulation has errors or the database cannot be read, 2 usage errors.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from sqlalchemy.engine import make_url

from codegen.commands.common import environment_settings, read_valid_regulation
from codegen.commands.migrate import sqlalchemy_url
from codegen.migrate import MigrationError
from codegen.migrate.status import ChangeSetStatus, State, history, status

DATABASE_URL = typer.Option(
    None,
    "--database-url",
    help="SQLAlchemy URL of the database (default: environment variable REGISTRY_DATABASE__URL).",
)
FORMAT = typer.Option("text", "--format", help="text or json.")


def _database(url: str | None) -> str:
    url = url or environment_settings().database.url
    if not url:
        typer.echo(
            "error: no database given: pass --database-url postgresql+psycopg://user:password@host/db "
            "or set REGISTRY_DATABASE__URL",
            err=True,
        )
        raise typer.Exit(2)
    return sqlalchemy_url(url)


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _when(entry: ChangeSetStatus) -> str:
    return "-" if entry.executed_at is None else f"{entry.executed_at:%Y-%m-%d %H:%M:%S}"


def _as_json(entry: ChangeSetStatus) -> dict[str, object]:
    return {
        "id": entry.id,
        "author": entry.author,
        "file": entry.file,
        "state": entry.state.value,
        "executedAt": None if entry.executed_at is None else entry.executed_at.isoformat(),
        "orderExecuted": entry.order,
        "execType": entry.exectype,
    }


def _table(entries: tuple[ChangeSetStatus, ...]) -> None:
    width = max((len(e.state.value) for e in entries), default=5)
    for entry in entries:
        typer.echo(f"  {entry.state.value:<{width}}  {_when(entry):<19}  {entry.ref}")


def status_command(
    regulation_path: Path = typer.Argument(
        ..., metavar="REGULATION", help="A regulation folder (with data-model/main-liquibase.xml)."
    ),
    database_url: str | None = DATABASE_URL,
    contexts: str | None = typer.Option(
        None, "--contexts", help="Liquibase contexts, as for `migrate` (default: every changeset)."
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List applied changesets too."),
    output_format: str = FORMAT,
) -> None:
    """Which changesets are applied, pending (not yet run), changed after they ran, or will re-run."""
    if output_format not in ("text", "json"):
        typer.echo("error: --format must be text or json", err=True)
        raise typer.Exit(2)
    if not regulation_path.exists():
        typer.echo(f"error: {regulation_path} does not exist", err=True)
        raise typer.Exit(2)
    url = _database(database_url)
    regulation = read_valid_regulation(regulation_path, "the database was not read")
    try:
        report = status(regulation, url, contexts=contexts)
    except MigrationError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    if output_format == "json":
        document = {"database": _shown(url), "changeSets": [_as_json(e) for e in report.changesets]}
        typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    counts = {state: len(report.having(state)) for state in State}
    summary = ", ".join(f"{n} {state.value}" for state, n in counts.items() if n)
    typer.echo(f"{regulation.name} in {_shown(url)}: {summary or 'no changesets'}")
    shown = report.changesets if verbose else tuple(e for e in report.changesets if e.state != State.APPLIED)
    _table(shown)
    if report.having(State.CHANGED):
        typer.echo(
            "changed changesets were edited after they ran: `migrate` refuses to go on until the edit is "
            "reverted (add a new changeset instead)"
        )


def history_command(database_url: str | None = DATABASE_URL, output_format: str = FORMAT) -> None:
    """What ran in the database, in the order it ran (the databasechangelog table)."""
    if output_format not in ("text", "json"):
        typer.echo("error: --format must be text or json", err=True)
        raise typer.Exit(2)
    url = _database(database_url)
    try:
        rows = history(url)
    except MigrationError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    if output_format == "json":
        typer.echo(json.dumps([_as_json(r) for r in rows], indent=2, ensure_ascii=False))
        return
    typer.echo(f"{_shown(url)}: {len(rows)} changeset(s) ran")
    for row in rows:
        typer.echo(f"  {row.order:>4}  {_when(row)}  {row.exectype or '':<8}  {row.ref}")


def register(app: typer.Typer) -> None:
    app.command("status")(status_command)
    app.command("history")(history_command)
