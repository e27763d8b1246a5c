"""What ``migrate`` would refuse, found without a database: the reader reports it (``lint`` errors), so
a regulation that lints clean never fails half-way through a migration for a reason the text shows.

The refusals checked are those of the runner and the SQL builders, on a fresh database:

* a context expression the runner cannot read (``contexts.ContextSyntaxError``);
* every change the builders refuse (``state.ChangeError``): a tag the migrator does not support, a
  missing or invalid attribute, an ``sqlFile``/``loadData`` file that is missing or outside the
  regulation, raw SQL calling a procedure of the reference platform's database, a search condition
  the view builder cannot express, ...

Duplicate changesets are the reader's own ``DUPLICATE_CHANGESET`` error. What only the database can
judge (a statement PostgreSQL rejects, a checksum of an applied changeset) is not predicted here; the
reader's schema checks (``UNKNOWN_COLUMN``) cover the common cases. A changeset with a context
expression runs only for some ``--contexts``: its refusals are reported apart (a warning), since
``migrate --contexts '!pub'`` may leave it out.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from codegen.migrate.changes import BuildEnv, build_change, track_change
from codegen.migrate.contexts import ContextExpression, ContextSyntaxError
from codegen.migrate.platform import platform_changesets
from codegen.migrate.state import ChangeError, SchemaState
from schemas.regulation import ChangeSet, Location, Regulation

# The reader's codes for them (codegen/reader/codes.py).
CONTEXT_INVALID = "CONTEXT_INVALID"
MIGRATION_REFUSED = "MIGRATION_REFUSED"
MIGRATION_REFUSED_IN_CONTEXT = "MIGRATION_REFUSED_IN_CONTEXT"


@dataclass(frozen=True, slots=True)
class Refusal:
    code: str
    message: str
    location: Location


def refusals(
    regulation: Regulation, skip: frozenset[tuple[str, str, str]] = frozenset()
) -> Iterator[Refusal]:
    """The refusals of a migration of ``regulation`` into an empty database, in changeset order.
    ``skip``: changesets (id, author, file) not to judge (the reader already found errors in them);
    they are still walked, so later changes see the tables they create."""
    state = SchemaState()
    root = Path(regulation.root)
    for changeset in platform_changesets(regulation) + regulation.changesets:
        judged = (changeset.id, changeset.author, changeset.file) not in skip
        conditional = bool(changeset.contexts and changeset.contexts.strip())
        if conditional and judged:
            try:
                ContextExpression.parse(changeset.contexts or "")
            except ContextSyntaxError as error:
                yield Refusal(CONTEXT_INVALID, f"{_name(changeset)}: {error}", changeset.location)
        env = BuildEnv(root=root, changeset=changeset, state=state)
        for change in changeset.changes:
            if judged:
                try:
                    build_change(change, env)
                except ChangeError as error:
                    yield _refusal(changeset, change.tag, str(error), change.location, conditional)
                except (OSError, UnicodeDecodeError) as error:  # an sqlFile/loadData file unreadable
                    reason = f"cannot read its file ({type(error).__name__})"
                    yield _refusal(changeset, change.tag, reason, change.location, conditional)
            track_change(change, state)


def _refusal(changeset: ChangeSet, tag: str, reason: str, location: Location, conditional: bool) -> Refusal:
    if conditional:
        return Refusal(
            MIGRATION_REFUSED_IN_CONTEXT,
            f"migrate cannot apply <{tag}> in {_name(changeset)}, which runs only for some --contexts "
            f"(context '{changeset.contexts}'): {reason}",
            location,
        )
    return Refusal(
        MIGRATION_REFUSED, f"migrate cannot apply <{tag}> in {_name(changeset)}: {reason}", location
    )


def _name(changeset: ChangeSet) -> str:
    return f"changeSet '{changeset.id}' by '{changeset.author}'"
