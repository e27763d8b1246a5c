"""``migrate()``: applies a regulation's pending changesets to a database, Liquibase style.

Each changeset runs in its own transaction together with its ``databasechangelog`` row, so a failure
rolls back exactly that changeset and stops the run. Checksums of applied changesets are verified for
the whole regulation before anything runs.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TextIO

import psycopg
from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.exc import DBAPIError

from codegen.migrate import changelog
from codegen.migrate.changes import BuildEnv, build_change, track_change
from codegen.migrate.contexts import ContextSyntaxError, RuntimeContexts
from codegen.migrate.errors import MigrationError
from codegen.migrate.platform import platform_changesets
from codegen.migrate.state import ChangeError, SchemaState, local_tag
from codegen.reader.liquibase_checksum import LIQUIBASE_CHECKSUM_VERSION
from schemas.regulation import ChangeSet, Regulation

log = logging.getLogger(__name__)

DEFAULT_LOCK_WAIT_S = 120.0  # long enough for another deployment's migrator to finish a first migration


class Action(StrEnum):
    EXECUTE = "EXECUTED"
    RERUN = "RERAN"
    ACCEPT_CHECKSUM = "CHECKSUM"  # validCheckSum accepted a changed checksum: nothing runs
    UP_TO_DATE = "UP_TO_DATE"
    NOT_IN_CONTEXT = "NOT_IN_CONTEXT"
    CHANGED = "CHANGED"  # edited after it was applied, without runOnChange or validCheckSum: refused


@dataclass(frozen=True, slots=True)
class ChangeSetRef:
    id: str
    author: str
    file: str

    def __str__(self) -> str:
        return f"{self.file}::{self.id}::{self.author}"


@dataclass
class MigrationReport:
    dry_run: bool
    deployment_id: str
    executed: list[ChangeSetRef] = field(default_factory=list)  # first run
    reran: list[ChangeSetRef] = field(default_factory=list)  # runAlways / runOnChange
    checksums_updated: list[ChangeSetRef] = field(default_factory=list)
    up_to_date: list[ChangeSetRef] = field(default_factory=list)
    not_in_context: list[ChangeSetRef] = field(default_factory=list)
    adopted: list[ChangeSetRef] = field(default_factory=list)  # ran by Liquibase; our checksum recorded now
    notices: list[str] = field(default_factory=list)
    statements: dict[ChangeSetRef, list[str]] = field(default_factory=dict)

    @property
    def applied(self) -> list[ChangeSetRef]:
        return self.executed + self.reran

    def summary(self) -> str:
        verb = "would apply" if self.dry_run else "applied"
        return (
            f"{verb} {len(self.executed)} new and {len(self.reran)} re-run changeset(s); "
            f"{len(self.up_to_date)} up to date, {len(self.not_in_context)} outside the contexts"
            + (f", {len(self.checksums_updated)} checksum(s) accepted" if self.checksums_updated else "")
            + (f", {len(self.adopted)} adopted from Liquibase" if self.adopted else "")
        )


def legacy_md5sum(changeset: ChangeSet) -> str:
    """What versions before the Liquibase-compatible bookkeeping wrote into ``md5sum`` (``9:`` and the
    MD5 of our checksum): recognised as ours, then rewritten to Liquibase's value."""
    digest = hashlib.md5(changeset.checksum.encode(), usedforsecurity=False).hexdigest()
    return f"9:{digest}"


def matches_record(changeset: ChangeSet, row: changelog.AppliedChangeSet) -> bool:
    """Whether ``changeset`` as it is now is what ran. Our own checksum decides where we recorded one;
    a row without it (Liquibase ran the changeset, or an older version of ours) is compared by its
    ``md5sum``: ours of old, or Liquibase's where it is reproduced. A row Liquibase wrote for a change
    whose checksum is not reproduced here (``ext:`` tags, computed by the reference's extension) or
    with no checksum at all is taken as applied: adopted, and watched for edits from then on."""
    if row.checksum is not None:
        return row.checksum == changeset.checksum
    recorded = row.md5sum
    if recorded is None or recorded == legacy_md5sum(changeset):
        return True
    expected = changeset.liquibase_checksum
    if expected is None or not recorded.startswith(f"{LIQUIBASE_CHECKSUM_VERSION}:"):
        return True  # nothing to compare with (another algorithm version: Liquibase re-computes those)
    return recorded == expected


def _ref(changeset: ChangeSet) -> ChangeSetRef:
    return ChangeSetRef(changeset.id, changeset.author, changeset.file)


def _describe(changeset: ChangeSet) -> str:
    parts = []
    for change in changeset.changes:
        node = change.node
        name = next(
            (
                node.get(a)
                for a in ("tableName", "name", "viewName", "indexName", "baseTableName")
                if node.get(a)
            ),
            None,
        )
        parts.append(local_tag(change.tag) + (f" {name}" if name else ""))
    return "; ".join(parts) or "empty"


def classify(
    changeset: ChangeSet,
    applied: dict[tuple[str, str, str], changelog.AppliedChangeSet],
    contexts: RuntimeContexts,
) -> Action:
    """What ``migrate`` does with ``changeset`` given the ``databasechangelog`` rows ``applied``;
    :attr:`Action.CHANGED` where it refuses to go on (``status`` reports it instead)."""
    if not contexts.allows(changeset.contexts):
        return Action.NOT_IN_CONTEXT
    row = applied.get((changeset.id, changeset.author, changeset.file))
    if row is None:
        return Action.EXECUTE
    if changeset.run_always:
        return Action.RERUN
    if matches_record(changeset, row):
        return Action.UP_TO_DATE
    valid = {v.strip().lower() for v in changeset.valid_checksums}
    candidates = {changeset.checksum, changeset.liquibase_checksum, row.md5sum, row.checksum}
    if "any" in valid or any(c is not None and c.lower() in valid for c in candidates):
        return Action.ACCEPT_CHECKSUM
    if changeset.run_on_change:
        return Action.RERUN
    return Action.CHANGED


def _action(
    changeset: ChangeSet,
    applied: dict[tuple[str, str, str], changelog.AppliedChangeSet],
    contexts: RuntimeContexts,
) -> Action:
    action = classify(changeset, applied, contexts)
    if action is not Action.CHANGED:
        return action
    row = applied[(changeset.id, changeset.author, changeset.file)]
    raise MigrationError(
        f"changeset '{changeset.id}' by '{changeset.author}' in {changeset.file} was changed after it was "
        f"applied (checksum {row.checksum or row.md5sum} applied, {_current(changeset, row)} now); "
        'revert the edit and add a new changeset instead, or mark it runOnChange="true" or <validCheckSum>'
    )


def _current(changeset: ChangeSet, row: changelog.AppliedChangeSet) -> str:
    """The checksum of the same kind as the one the row holds."""
    if row.checksum is not None:
        return changeset.checksum
    return changeset.liquibase_checksum or changeset.checksum


def _plan(
    changesets: tuple[ChangeSet, ...],
    applied: dict[tuple[str, str, str], changelog.AppliedChangeSet],
    contexts: RuntimeContexts,
) -> list[tuple[ChangeSet, Action]]:
    seen: set[tuple[str, str, str]] = set()
    errors: list[str] = []
    plan: list[tuple[ChangeSet, Action]] = []
    for changeset in changesets:
        key = (changeset.id, changeset.author, changeset.file)
        if key in seen:
            errors.append(
                f"changeset '{changeset.id}' by '{changeset.author}' appears twice in {changeset.file}"
            )
            continue
        seen.add(key)
        try:
            plan.append((changeset, _action(changeset, applied, contexts)))
        except MigrationError as error:
            errors.append(str(error))
        except ContextSyntaxError as error:
            errors.append(f"changeset '{changeset.id}' by '{changeset.author}' in {changeset.file}: {error}")
    if errors:
        raise MigrationError("\n".join(errors))
    return plan


def _build(changeset: ChangeSet, env: BuildEnv, run: bool) -> list[str]:
    statements: list[str] = []
    for change in changeset.changes:
        if run:
            try:
                statements += build_change(change, env)
            except ChangeError as error:
                raise MigrationError(
                    f"changeset '{changeset.id}' by '{changeset.author}' in {changeset.file}: "
                    f"cannot apply {change.tag} at {change.location}: {error}"
                ) from None
        track_change(change, env.state)
    return statements


def _execute(connection: Connection, statements: list[str]) -> None:
    # The DBAPI cursor directly: statements are run as written (no placeholder parsing of '%').
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        for statement in statements:
            cursor.execute(statement)
    finally:
        cursor.close()


def postgres_message(error: Exception) -> str:
    original = error.orig if isinstance(error, DBAPIError) else error
    primary = original.diag.message_primary if isinstance(original, psycopg.Error) else None
    if isinstance(original, psycopg.Error) and primary:
        diag = original.diag
        text = primary
        if diag.message_detail:
            text += f" ({diag.message_detail})"
        if diag.message_hint:
            text += f" Hint: {diag.message_hint}"
        return text
    return str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__


@dataclass
class _Output:
    stream: TextIO | None

    def line(self, message: str = "") -> None:
        if self.stream is not None:
            print(message, file=self.stream)

    def waiting(self, message: str) -> None:
        """Said while the run is blocked, so it cannot wait for the end like the notices."""
        if self.stream is not None:
            print(f"NOTICE: {message}", file=self.stream, flush=True)
        else:
            log.warning("%s", message)


def _header(changeset: ChangeSet, action: Action) -> str:
    context = f" [context {changeset.contexts}]" if changeset.contexts else ""
    return f"-- changeset {changeset.file}::{changeset.id}::{changeset.author} ({action.value}){context}"


def _engine(engine_or_url: Engine | str) -> tuple[Engine, bool]:
    if isinstance(engine_or_url, Engine):
        return engine_or_url, False
    return create_engine(engine_or_url, pool_pre_ping=True), True


def migrate(
    regulation: Regulation,
    engine_or_url: Engine | str,
    contexts: str | None = None,
    dry_run: bool = False,
    out: TextIO | None = None,
    lock_wait_s: float = DEFAULT_LOCK_WAIT_S,
    progress: Callable[[int, int], None] | None = None,
) -> MigrationReport:
    """Apply the regulation's pending changesets (after the platform bootstrap) and report what ran.

    ``contexts``: comma-separated runtime contexts (``"!pub"`` skips changesets that need ``pub``).
    ``dry_run``: print the SQL that would run to ``out`` and change nothing.
    ``lock_wait_s``: how long to wait for another migrator holding the database's changelog lock (said
    once, on ``out`` or else the log); what it applied is then up to date here.
    ``progress(position, total)`` is called as each changeset is taken up (a bar for long migrations).
    Raises ``MigrationError`` (the regulation has errors: nothing is done; a changeset failed or was
    edited) or ``MigrationLockedError`` (the lock was still held after ``lock_wait_s``).
    """
    if regulation.errors:  # what lint reports as an error would fail here, maybe half-way through
        first = regulation.errors[0]
        raise MigrationError(
            f"the regulation has {len(regulation.errors)} error(s) (`registry-api lint` lists them), e.g. "
            f"{first.location.file}:{first.location.line}: {first.code} {first.message}; nothing was migrated"
        )
    try:
        runtime = RuntimeContexts.parse(contexts)
    except ContextSyntaxError as error:
        raise MigrationError(f"--contexts: {error}") from None
    engine, owned = _engine(engine_or_url)
    report = MigrationReport(dry_run=dry_run, deployment_id=secrets.token_hex(5))
    output = _Output(out)
    changesets = platform_changesets(regulation) + regulation.changesets
    try:
        try:
            connection = engine.connect()
        except DBAPIError as error:
            raise MigrationError(f"cannot connect to the database: {postgres_message(error)}") from None
        with connection:
            if dry_run:
                applied = changelog.read_applied(connection)
                connection.rollback()
                _run(connection, regulation, changesets, applied, runtime, report, output, progress)
            else:
                with changelog.changelog_lock(
                    connection, report.notices, wait_s=lock_wait_s, on_wait=output.waiting
                ):
                    applied = changelog.read_applied(connection)
                    connection.commit()
                    _run(connection, regulation, changesets, applied, runtime, report, output, progress)
    finally:
        if owned:
            engine.dispose()
    for notice in report.notices:
        output.line(notice)
    output.line(("-- " if dry_run else "") + report.summary())
    return report


def _run(
    connection: Connection,
    regulation: Regulation,
    changesets: tuple[ChangeSet, ...],
    applied: dict[tuple[str, str, str], changelog.AppliedChangeSet],
    runtime: RuntimeContexts,
    report: MigrationReport,
    output: _Output,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    plan = _plan(changesets, applied, runtime)
    state = SchemaState()
    root = Path(regulation.root)
    for position, (changeset, action) in enumerate(plan, start=1):
        if progress is not None:
            progress(position, len(plan))
        ref = _ref(changeset)
        runs = action in (Action.EXECUTE, Action.RERUN)
        env = BuildEnv(root=root, changeset=changeset, state=state)
        statements = _build(changeset, env, runs)
        report.notices += env.notices
        if action is Action.UP_TO_DATE:
            report.up_to_date.append(ref)
            row = applied.get((ref.id, ref.author, ref.file))
            if row is not None and row.checksum is None and not report.dry_run:
                _adopt(connection, changeset, row, report)
            continue
        if action is Action.NOT_IN_CONTEXT:
            report.not_in_context.append(ref)
            continue
        if action is Action.ACCEPT_CHECKSUM:
            report.checksums_updated.append(ref)
            if not report.dry_run:
                key = (ref.id, ref.author, ref.file)
                changelog.update_checksum(connection, key, changeset.liquibase_checksum, changeset.checksum)
                connection.commit()
            continue
        report.statements[ref] = statements
        (report.executed if action is Action.EXECUTE else report.reran).append(ref)
        if report.dry_run:
            output.line(_header(changeset, action))
            for statement in statements:
                output.line(statement.rstrip().rstrip(";") + ";")
            output.line()
            continue
        _apply(connection, changeset, action, statements, env, report)
        output.line(f"{action.value.lower():9} {ref}")


def _adopt(
    connection: Connection, changeset: ChangeSet, row: changelog.AppliedChangeSet, report: MigrationReport
) -> None:
    """A changeset Liquibase (or an older version of ours) ran: record our checksum, so edits are
    detected from now on; an old-style md5sum of ours becomes Liquibase's (Liquibase would call ours an
    edit). What Liquibase wrote itself stays as it is."""
    key = (changeset.id, changeset.author, changeset.file)
    if row.md5sum is not None and row.md5sum == legacy_md5sum(changeset):
        changelog.update_checksum(connection, key, changeset.liquibase_checksum, changeset.checksum)
    else:
        changelog.record_checksum(connection, key, changeset.checksum)
        if row.md5sum is not None:
            report.adopted.append(_ref(changeset))
    connection.commit()


def _apply(
    connection: Connection,
    changeset: ChangeSet,
    action: Action,
    statements: list[str],
    env: BuildEnv,
    report: MigrationReport,
) -> None:
    if not connection.in_transaction():
        connection.begin()  # so that rollback() below reaches the statements run on the raw cursor
    try:
        _execute(connection, statements)
        changelog.record(
            connection,
            key=(changeset.id, changeset.author, changeset.file),
            md5sum=changeset.liquibase_checksum,
            checksum=changeset.checksum,
            exectype=action.value,
            description=_describe(changeset),
            comments=changeset.comment,
            tag=env.tag,
            contexts=changeset.contexts,
            labels=changeset.labels,
            deployment_id=report.deployment_id,
            rerun=action is Action.RERUN,
        )
        connection.commit()
    except (DBAPIError, psycopg.Error) as error:
        connection.rollback()
        if not changeset.fail_on_error:  # failOnError="false": Liquibase logs it and goes on, unrecorded
            report.notices.append(
                f"NOTICE: changeset {_ref(changeset)} failed and was skipped (failOnError=false): "
                f"{postgres_message(error)}"
            )
            return
        raise MigrationError(
            f"changeset '{changeset.id}' by '{changeset.author}' in {changeset.file} failed and was rolled "
            "back: "
            f"{postgres_message(error)}"
        ) from error
