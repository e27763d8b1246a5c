"""The migrator's refusals as the reader's diagnostics (``codegen/migrate/preflight.py``): what
``migrate`` would refuse is a ``lint`` error, so ``generate`` and ``migrate`` refuse the regulation
before anything is changed, not half-way through."""

from __future__ import annotations

import bisect
from collections import defaultdict

from codegen.migrate.preflight import refusals
from codegen.reader.codes import CODES
from schemas.regulation import Diagnostic, Regulation, Severity


def migration_diagnostics(regulation: Regulation) -> list[Diagnostic]:
    """One diagnostic per refusal, except in changesets the reader already found errors in (their
    refusals would repeat the reader's findings)."""
    starts: dict[str, list[tuple[int, tuple[str, str, str]]]] = defaultdict(list)
    for changeset in regulation.changesets:
        starts[changeset.file].append(
            (changeset.location.line, (changeset.id, changeset.author, changeset.file))
        )
    for entries in starts.values():
        entries.sort()
    erroneous: set[tuple[str, str, str]] = set()
    for diagnostic in regulation.diagnostics:
        if diagnostic.severity is not Severity.ERROR:
            continue
        entries = starts.get(diagnostic.location.file, [])
        index = bisect.bisect_right([line for line, _ in entries], diagnostic.location.line) - 1
        if index >= 0:
            erroneous.add(entries[index][1])
    return [
        Diagnostic(refusal.code, CODES[refusal.code].severity, refusal.message, refusal.location)
        for refusal in refusals(regulation, frozenset(erroneous))
    ]
