"""Commands: migrate (apply a regulation's changesets to PostgreSQL, Liquibase style).

Exit codes: 0 success (or nothing to do), 1 the regulation has errors or a changeset failed / was edited /
the database is locked, 2 usage errors (no database URL, missing path).
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from codegen.commands.common import environment_settings, read_valid_regulation
from codegen.migrate import MigrationError, migrate
from codegen.progress import progress_bar


def sqlalchemy_url(url: str) -> str:
    """``postgresql://`` / ``postgres://`` URLs get the psycopg 3 driver the project uses."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def migrate_command(
    regulation_path: Path = typer.Argument(
        ...,
        metavar="REGULATION",
        help="A regulation folder (with data-model/main-liquibase.xml) or a changelog file.",
    ),
    database_url: str | None = typer.Option(
        None,
        "--database-url",
        help="SQLAlchemy URL of the database (default: environment variable REGISTRY_DATABASE__URL).",
    ),
    contexts: str | None = typer.Option(
        None,
        "--contexts",
        help="Liquibase contexts, comma-separated; '!name' leaves out changesets that need context 'name' "
        "(e.g. '!pub' skips the reference platform's dictionary loads). Default: every changeset runs.",
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the SQL that would run; change nothing."),
    lock_wait: float | None = typer.Option(
        None,
        "--lock-wait",
        metavar="SECONDS",
        min=0,
        help="How long to wait for another migrator holding the database's changelog lock "
        "(default: REGISTRY_DATABASE__MIGRATION_LOCK_WAIT_S, else 120; 0: do not wait).",
    ),
) -> None:
    """Apply the regulation's pending changesets to the database, each once and in its own transaction."""
    if not regulation_path.exists():
        typer.echo(f"error: {regulation_path} does not exist", err=True)
        raise typer.Exit(2)
    defaults = environment_settings().database  # the environment / .env, for what the options leave out
    url = database_url or defaults.url
    if not url:
        typer.echo(
            "error: no database given: pass --database-url postgresql+psycopg://user:password@host/db "
            "or set REGISTRY_DATABASE__URL",
            err=True,
        )
        raise typer.Exit(2)
    regulation = read_valid_regulation(regulation_path, "nothing was migrated")
    try:
        with progress_bar("migrating", enabled=None if not dry_run else False) as advance:
            migrate(
                regulation,
                sqlalchemy_url(url),
                contexts=contexts,
                dry_run=dry_run,
                out=sys.stdout,
                lock_wait_s=defaults.migration_lock_wait_s if lock_wait is None else lock_wait,
                progress=advance,
            )
    except MigrationError as error:  # MigrationLockedError included
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None


def register(app: typer.Typer) -> None:
    app.command("migrate")(migrate_command)
