"""``read_regulation``: a regulation folder or a changelog file → ``schemas.Regulation``.

It never raises for bad input: every problem becomes a ``Diagnostic`` and reading goes on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from codegen.reader.apply import apply_changeset
from codegen.reader.checks import check_composites, check_final_tables, check_read_parameters
from codegen.reader.indexes import index_diagnostics
from codegen.reader.liquibase_checksum import liquibase_checksum
from codegen.reader.loader import Loader
from codegen.reader.migration import migration_diagnostics
from codegen.reader.rls import check_final_rules, search_diagnostics
from codegen.reader.state import ReaderState
from schemas.realms import REFERENCE_REALM_NAMES, RealmKind
from schemas.regulation import ChangeSet, Diagnostic, Location, Regulation

MAIN_CHANGELOG = Path("data-model") / "main-liquibase.xml"


def locate(path: Path) -> tuple[Path, Path | None, str]:
    """(root, main changelog or None, registry name) for a folder or a changelog file.

    A file inside a ``data-model`` folder has the folder's parent as root (includes are written
    relative to the regulation root, e.g. ``data-model/createTables.xml``)."""
    if path.is_dir():
        for candidate in (path / MAIN_CHANGELOG, path / "main-liquibase.xml"):
            if candidate.is_file():
                return path, candidate, path.resolve().name
        return path, None, path.resolve().name
    root = path.parent
    if root.name == "data-model":
        root = root.parent
    return root, path if path.is_file() else None, path.stem


def read_regulation(path: str | Path, *, realms: Mapping[str, RealmKind] | None = None) -> Regulation:
    """``realms``: the realm names ``ext:role realm`` may use (default: the reference's names; the
    commands pass ``AuthSettings.realm_names()`` so a deployment's own realm names are understood)."""
    requested = Path(path)
    state = ReaderState(realms=realms if realms is not None else REFERENCE_REALM_NAMES)
    root, main, name = locate(requested)
    if main is None:
        state.report(
            "CHANGELOG_NOT_FOUND",
            f"'{requested}' is neither a changelog file nor a folder holding {MAIN_CHANGELOG.as_posix()}",
            Location(requested.name or str(requested), 0),
        )
        return Regulation(root=str(root.resolve()), name=name, diagnostics=tuple(state.diagnostics.items))

    loader = Loader(root, state)
    loader.load(main)
    changesets: list[ChangeSet] = []
    seen: set[tuple[str, str, str]] = set()
    for raw in loader.result.changesets:
        try:
            changeset = apply_changeset(state, raw, seen)
            lb_checksum = liquibase_checksum(changeset, loader.root, raw.node)
            changesets.append(replace(changeset, liquibase_checksum=lb_checksum))
        except Exception as error:  # the contract is "never raises for bad input"
            state.report(
                "READER_INTERNAL_ERROR",
                f"the reader failed on this changeSet ({type(error).__name__}); please report it",
                Location(raw.file, raw.node.line),
            )
    if not changesets and not any(d.code == "EMPTY_CHANGELOG" for d in state.diagnostics.items):
        state.report(
            "EMPTY_CHANGELOG",
            "the regulation declares no changeSet",
            Location(loader.result.files[0] if loader.result.files else main.name, 1),
        )
    check_final_tables(state)
    check_read_parameters(state)
    check_composites(state)
    check_final_rules(state)
    order = {file: index for index, file in enumerate(loader.result.files)}
    diagnostics = _in_order(tuple(state.diagnostics.items), order)

    regulation = Regulation(
        root=str(loader.root),
        name=name,
        tables=tuple(t.freeze() for t in state.tables.values()),
        enums=tuple(state.enums.values()),
        composites=tuple(state.composites.values()),
        domains=tuple(state.domains.values()),
        search_conditions=tuple(state.search_conditions.values()),
        exposures=tuple(state.exposures.values()),
        rbac=state.rbac,
        partial_updates=tuple(state.partial_updates.values()),
        read_parameters=tuple(state.read_parameters.values()),
        composite_entities=tuple(state.composite_entities.values()),
        many2many=tuple(state.many2many.values()),
        rls_rules=tuple(state.rls_rules.values()),
        changesets=tuple(changesets),
        properties=tuple(loader.result.properties),
        diagnostics=tuple(diagnostics),
    )
    if regulation.rls_rules:
        found = search_diagnostics(regulation)
        if found:
            diagnostics = _in_order((*diagnostics, *found), order)
            regulation = replace(regulation, diagnostics=diagnostics)
    refused = migration_diagnostics(regulation)
    unindexed = index_diagnostics(regulation)
    if refused or unindexed:
        diagnostics = _in_order((*diagnostics, *refused, *unindexed), order)
        regulation = replace(regulation, diagnostics=diagnostics)
    return regulation


def _in_order(diagnostics: tuple[Diagnostic, ...], order: dict[str, int]) -> tuple[Diagnostic, ...]:
    return tuple(sorted(diagnostics, key=lambda d: (order.get(d.location.file, len(order)), d.location.line)))
