"""Commands: files prune (remove what no entity needs from S3 and the catalogue, docs/files.md "Prune").

Settings come from the environment like ``serve``'s (``REGISTRY_DATABASE__URL``, ``REGISTRY_S3__*``);
both must name running servers. Exit codes: 0 done (also when nothing was found), 1 the database or S3
could not be used, 2 usage errors (no database or S3 configured, a bad duration).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

import typer

from registry_api.errors import ApiError
from registry_api.settings import SettingsError, load_settings

_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
DEFAULT_OLDER_THAN = "24h"

files_app = typer.Typer(help="Manage the files of a registry (S3 objects and their catalogue).")


def parse_duration(text: str) -> timedelta:
    """``7d``, ``24h``, ``1h30m``, ``90s``, ``0s`` → a timedelta; anything else is a ValueError."""
    match = _DURATION.match(text.strip())
    if match is None or not text.strip() or not any(match.groups()):
        raise ValueError(f"{text!r} is not a duration such as 7d, 24h, 1h30m or 90s")
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


@files_app.command("prune")
def prune_command(
    older_than: Annotated[
        str,
        typer.Option(
            "--older-than",
            metavar="DURATION",
            help="Only what is older than this (e.g. 7d, 24h, 1h30m, 90s); longer than any write takes.",
        ),
    ] = DEFAULT_OLDER_THAN,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would be removed; remove nothing.")
    ] = False,
) -> None:
    """Remove uploads never attached, stray staging objects, registry objects of no attached file, stale
    bindings and files no entity holds any more (history rows keep them unless
    REGISTRY_FILES__HISTORY_KEEPS_FILES=false), and abort unfinished multipart uploads; print each one."""
    from sqlalchemy.exc import SQLAlchemyError

    from registry_api.database import create_database_engine
    from registry_api.files.prune import prune
    from registry_api.storage import Storage

    try:
        age = parse_duration(older_than)
        settings = load_settings()
    except (ValueError, SettingsError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    if not settings.database.url or not settings.s3.endpoint_url:
        typer.echo("error: set REGISTRY_DATABASE__URL and REGISTRY_S3__ENDPOINT_URL", err=True)
        raise typer.Exit(2)
    engine = create_database_engine(settings)
    try:
        result = prune(
            engine,
            Storage(settings.s3),
            older_than=age,
            dry_run=dry_run,
            history_keeps_files=settings.files.history_keeps_files,
            report=typer.echo,
        )
    except (ApiError, SQLAlchemyError) as error:
        typer.echo(f"error: {getattr(error, 'detail', None) or type(error).__name__}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    verb = "would be removed" if dry_run else "removed"
    typer.echo(f"{len(result.removed)} {verb}, {len(result.skipped)} kept")


def register(app: typer.Typer) -> None:
    app.add_typer(files_app, name="files")
