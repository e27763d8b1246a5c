"""``status`` and ``history``: what the database's ``databasechangelog`` says about a regulation,
read-only (no lock, no table created), like ``liquibase status --verbose`` and ``liquibase history``.

Whether a changeset is applied, pending or changed is decided by the migrator's own
:func:`codegen.migrate.runner.classify` — the very decision ``migrate`` takes — so the two can never
disagree (however checksums are stored).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import DBAPIError

from codegen.migrate import changelog
from codegen.migrate.contexts import ContextSyntaxError, RuntimeContexts
from codegen.migrate.errors import MigrationError
from codegen.migrate.platform import platform_changesets
from codegen.migrate.runner import Action, classify, postgres_message
from schemas.regulation import Regulation


class State(StrEnum):
    APPLIED = "applied"
    PENDING = "pending"  # never ran: the next migrate runs it
    CHANGED = "changed"  # edited after it ran: the next migrate refuses until it is reverted
    RERUN = "rerun"  # runAlways, or runOnChange and edited: the next migrate runs it again
    CHECKSUM_ACCEPTED = "checksum-accepted"  # edited, but a validCheckSum accepts it: nothing runs
    NOT_IN_CONTEXT = "not-in-context"  # the given contexts leave it out
    UNKNOWN = "unknown"  # recorded in the database, no longer in the regulation


_STATES = {
    Action.UP_TO_DATE: State.APPLIED,
    Action.EXECUTE: State.PENDING,
    Action.CHANGED: State.CHANGED,
    Action.RERUN: State.RERUN,
    Action.ACCEPT_CHECKSUM: State.CHECKSUM_ACCEPTED,
    Action.NOT_IN_CONTEXT: State.NOT_IN_CONTEXT,
}


@dataclass(frozen=True, slots=True)
class ChangeSetStatus:
    id: str
    author: str
    file: str
    state: State
    executed_at: datetime | None = None  # when it last ran, if it ever did
    order: int | None = None  # its ``orderexecuted``
    exectype: str | None = None

    @property
    def ref(self) -> str:
        return f"{self.file}::{self.id}::{self.author}"


@dataclass(frozen=True)
class StatusReport:
    changesets: tuple[ChangeSetStatus, ...]  # the regulation's order, then unknown ones by order

    def having(self, *states: State) -> tuple[ChangeSetStatus, ...]:
        return tuple(c for c in self.changesets if c.state in states)

    @property
    def up_to_date(self) -> bool:
        """Nothing would run and nothing would be refused."""
        return not self.having(State.PENDING, State.CHANGED, State.RERUN)


def _applied(engine_or_url: Engine | str) -> dict[tuple[str, str, str], changelog.AppliedChangeSet]:
    engine = engine_or_url if isinstance(engine_or_url, Engine) else create_engine(engine_or_url)
    try:
        with engine.connect() as connection:
            return changelog.read_applied(connection)
    except DBAPIError as error:
        raise MigrationError(f"cannot read the database: {postgres_message(error)}") from None
    finally:
        if engine is not engine_or_url:
            engine.dispose()


def status(regulation: Regulation, engine_or_url: Engine | str, contexts: str | None = None) -> StatusReport:
    """Every changeset of the regulation (the platform's bootstrap first, as ``migrate`` runs them)
    with its state in the database, then the recorded changesets the regulation no longer has."""
    try:
        runtime = RuntimeContexts.parse(contexts)
    except ContextSyntaxError as error:
        raise MigrationError(f"--contexts: {error}") from None
    applied = _applied(engine_or_url)
    entries: list[ChangeSetStatus] = []
    known: set[tuple[str, str, str]] = set()
    for changeset in platform_changesets(regulation) + regulation.changesets:
        key = (changeset.id, changeset.author, changeset.file)
        if key in known:
            continue  # migrate refuses the duplicate; lint reports it
        known.add(key)
        try:
            state = _STATES[classify(changeset, applied, runtime)]
        except ContextSyntaxError as error:
            raise MigrationError(f"changeset {changeset.file}::{changeset.id}: {error}") from None
        row = applied.get(key)
        entries.append(
            ChangeSetStatus(
                changeset.id,
                changeset.author,
                changeset.file,
                state,
                row.dateexecuted if row else None,
                row.orderexecuted if row else None,
                row.exectype if row else None,
            )
        )
    for key, row in applied.items():
        if key not in known:
            entries.append(
                ChangeSetStatus(*key, State.UNKNOWN, row.dateexecuted, row.orderexecuted, row.exectype)
            )
    return StatusReport(tuple(entries))


def history(engine_or_url: Engine | str) -> tuple[ChangeSetStatus, ...]:
    """What ran, in the order it (last) ran: the ``databasechangelog`` rows by ``orderexecuted``."""
    rows = sorted(_applied(engine_or_url).values(), key=lambda r: r.orderexecuted)
    return tuple(
        ChangeSetStatus(
            r.id, r.author, r.filename, State.APPLIED, r.dateexecuted, r.orderexecuted, r.exectype
        )
        for r in rows
    )
