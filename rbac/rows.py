"""Row-level security (``ext:rls``): which rows a caller sees and may write, from a token claim.

A rule says: a row of ``checkTable`` is the caller's when its ``checkColumn`` starts with one of the
values of the token claim ``jwtAttribute`` (a string or a list of strings; a claim that is missing,
empty or holds only empty strings matches nothing — the reference once showed every row then).

* **Read rules** filter entity reads, file reads of those rows, nested rows, and every search
  condition whose view holds rows of the table: the view is filtered by the table's check column as
  the view selects it. A search condition that does not select it (for every time it reads the table)
  cannot be filtered and is denied to everyone — fail closed; lint says so (``RLS_SEARCH_UNFILTERABLE``).
  A read rule may also name a view ``<sc>_v`` (the reference's form): that search condition is then
  filtered by the view column.
* **Write rules** apply to creating, replacing, partially updating and deleting rows: the row as it is
  before the change (updates, deletes) and as it is after it (creates, updates) must be the caller's.

Several rules on one table must all hold (the reference applies only the first one it finds).

The generator writes the rules, already resolved per search condition, into ``rbac/row-security.json``;
the service loads them with :meth:`RowSecurity.from_directory`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rbac.principal import Identity
from schemas.regulation import (
    Cte,
    Regulation,
    RlsKind,
    ScTable,
    SearchCondition,
)

ROWS_FILE = "row-security.json"
ROWS_VERSION = 1


class RowSecurityError(ValueError):
    """``row-security.json`` is missing or not one this version understands."""


@dataclass(frozen=True, slots=True)
class RowRule:
    """One rule as it applies to a relation: ``column`` of that relation must start with a value of
    the claim ``claim``."""

    rule: str
    claim: str
    column: str


@dataclass(frozen=True, slots=True)
class RowFilter:
    """What a caller may see of a relation: every ``(column, prefixes)`` must hold (the column starts
    with one of the prefixes; no prefixes: no row)."""

    conditions: tuple[tuple[str, tuple[str, ...]], ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(column for column, _ in self.conditions)

    def matches(self, row: Mapping[str, Any]) -> bool:
        """Whether a row (column → value) passes, compared as the database compares: as text."""
        for column, prefixes in self.conditions:
            value = row.get(column)
            if value is None or not any(_as_text(value).startswith(p) for p in prefixes):
                return False
        return True


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class SearchRows:
    """How a search condition's view is filtered, or why it cannot be."""

    rules: tuple[RowRule, ...] = ()
    denied: str | None = None


# ---------------------------------------------------------------------------------------------
# Claims


def claim_values(claims: Mapping[str, Any], name: str) -> tuple[str, ...]:
    """The non-empty values of the claim ``name`` (a string, a number or a list of them; a dotted name
    also finds a nested claim, as Keycloak's mappers nest ``a.b``)."""
    value: Any = claims.get(name)
    if value is None and "." in name:
        value = claims
        for part in name.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
    items = value if isinstance(value, list | tuple) else [value]
    texts = [
        str(item) for item in items if isinstance(item, str | int | float) and not isinstance(item, bool)
    ]
    return tuple(dict.fromkeys(t for t in texts if t))


# ---------------------------------------------------------------------------------------------
# The service's view


@dataclass(frozen=True)
class RowSecurity:
    """The rules of one registry. Decisions take the caller's identity (its token claims)."""

    read: Mapping[str, tuple[RowRule, ...]] = field(default_factory=dict)  # table → rules
    write: Mapping[str, tuple[RowRule, ...]] = field(default_factory=dict)
    searches: Mapping[str, SearchRows] = field(default_factory=dict)

    @classmethod
    def from_directory(cls, directory: Path) -> RowSecurity:
        path = directory / ROWS_FILE
        if not path.is_file():
            raise RowSecurityError(f"generated row-security file missing: {path}")
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")), str(path))

    @classmethod
    def from_json(cls, document: Mapping[str, Any], source: str = ROWS_FILE) -> RowSecurity:
        if document.get("version") != ROWS_VERSION:
            raise RowSecurityError(f"{source}: unsupported version {document.get('version')!r}")

        def rules(raw: Sequence[Mapping[str, str]]) -> tuple[RowRule, ...]:
            return tuple(RowRule(str(r["rule"]), str(r["claim"]), str(r["column"])) for r in raw)

        tables = document["tables"]
        return cls(
            read={name: rules(entry["read"]) for name, entry in tables.items() if entry["read"]},
            write={name: rules(entry["write"]) for name, entry in tables.items() if entry["write"]},
            searches={
                name: SearchRows(rules(entry["rules"]), entry.get("denied"))
                for name, entry in document["searchConditions"].items()
            },
        )

    @property
    def empty(self) -> bool:
        return not (self.read or self.write or self.searches)

    def read_filter(self, identity: Identity, table: str) -> RowFilter | None:
        """The rows of ``table`` the caller may see; None when no read rule names the table."""
        return _filter(identity, self.read.get(table, ()))

    def write_filter(self, identity: Identity, table: str) -> RowFilter | None:
        """The rows of ``table`` the caller may create, change or delete; None without write rules."""
        return _filter(identity, self.write.get(table, ()))

    def search_filter(self, identity: Identity, search_condition: str) -> RowFilter | None:
        """The view rows of the search condition the caller may see; None without rules. Raises
        :class:`SearchDeniedError` for a search condition the rules cannot filter."""
        rows = self.searches.get(search_condition)
        if rows is None:
            return None
        if rows.denied is not None:
            raise SearchDeniedError(rows.denied)
        return _filter(identity, rows.rules)


class SearchDeniedError(Exception):
    """A search condition over rows with read rules that cannot be filtered by them."""


def _filter(identity: Identity, rules: Sequence[RowRule]) -> RowFilter | None:
    if not rules:
        return None
    return RowFilter(tuple((r.column, claim_values(identity.claims, r.claim)) for r in rules))


# ---------------------------------------------------------------------------------------------
# From the regulation (generate time)


@dataclass(frozen=True)
class _Occurrence:
    """A base table as a relation exposes it: relation column → the table's column."""

    table: str
    columns: Mapping[str, str]
    where: str  # for messages: "table t (alias a)"


def _occurrences(
    regulation: Regulation, sc: SearchCondition, sc_table: ScTable, seen: frozenset[str]
) -> list[_Occurrence] | None:
    """The base tables behind one relation of a search condition, with the columns it selects from
    them (by the names it gives them); None for a relation that is no table, CTE or many-to-many view
    of the regulation (its rows cannot be told)."""
    cte = next((c for c in sc.ctes if c.name == sc_table.name), None)
    if cte is not None and sc_table.name not in seen:
        return _cte_occurrences(regulation, sc, cte, seen | {cte.name})
    table = regulation.table(sc_table.name)
    if table is not None:
        exposed = {c.name: c.name for c in table.columns}
        return [_Occurrence(table.name, exposed, f"table '{table.name}' (alias '{sc_table.alias}')")]
    link = next((m for m in regulation.many2many if m.view_name == sc_table.name), None)
    if link is not None:
        main = {link.main_key: link.main_key, **{c.output_name: c.name for c in link.main_columns}}
        found = [_Occurrence(link.main_table, main, f"table '{link.main_table}' (in {link.view_name})")]
        reference = regulation.table(link.reference_table)
        if reference is not None:
            ref = {c.output_name: c.name for c in link.reference_columns}
            ref.update({key: key for key in reference.primary_key})
            found.append(_Occurrence(reference.name, ref, f"table '{reference.name}' (in {link.view_name})"))
        return found
    return None


def _cte_occurrences(
    regulation: Regulation, sc: SearchCondition, cte: Cte, seen: frozenset[str]
) -> list[_Occurrence] | None:
    found: list[_Occurrence] = []
    for inner in cte.tables:
        occurrences = _occurrences(regulation, sc, inner, seen)
        if occurrences is None:
            return None
        for occurrence in occurrences:
            exposed = {
                c.output_name: occurrence.columns[c.name]
                for c in inner.columns
                if c.name in occurrence.columns
            }
            found.append(_Occurrence(occurrence.table, exposed, f"{occurrence.where} in CTE '{cte.name}'"))
    return found


def search_rows(regulation: Regulation, sc: SearchCondition) -> SearchRows | None:
    """How the view of ``sc`` is filtered by the read rules, or why it cannot be; None when no rule
    concerns it."""
    own = tuple(
        RowRule(r.name, r.jwt_attribute, r.check_column)
        for r in regulation.rls_rules_on(sc.view_name, RlsKind.READ)
    )
    reading = {r.check_table for r in regulation.rls_rules if r.kind is RlsKind.READ}
    rules: list[RowRule] = list(own)
    for sc_table in sc.tables:
        occurrences = _occurrences(regulation, sc, sc_table, frozenset())
        if occurrences is None:
            if reading and not own:
                return SearchRows(
                    denied=f"search condition '{sc.name}' reads '{sc_table.name}', whose rows row-level "
                    "security cannot tell; add a read rule on its view to filter it"
                )
            continue
        for occurrence in occurrences:
            checked = [r for r in regulation.rls_rules_on(occurrence.table, RlsKind.READ)]
            if not checked:
                continue
            if _has_window(sc):
                return SearchRows(
                    denied=f"search condition '{sc.name}' numbers rows (row_number) over {occurrence.where}, "
                    "which has read rules: the numbers would reveal hidden rows"
                )
            view_columns = _view_columns(sc, sc_table, occurrence)
            for rule in checked:
                column = next((v for v, c in view_columns.items() if c == rule.check_column), None)
                if column is None:
                    return SearchRows(
                        denied=f"search condition '{sc.name}' reads {occurrence.where} without its column "
                        f"'{rule.check_column}', which read rule '{rule.name}' filters on; select it "
                        '(returning="false" is enough) so the rows can be filtered'
                    )
                rules.append(RowRule(rule.name, rule.jwt_attribute, column))
    if not rules:
        return None
    return SearchRows(tuple(dict.fromkeys(rules)))


def _view_columns(sc: SearchCondition, sc_table: ScTable, occurrence: _Occurrence) -> dict[str, str]:
    """View column → the occurrence's base column, for the columns ``sc_table`` contributes."""
    if sc.simple:  # the view is ``SELECT alias.*``
        return {column: base for column, base in occurrence.columns.items()}
    return {
        c.output_name: occurrence.columns[c.name] for c in sc_table.columns if c.name in occurrence.columns
    }


def _has_window(sc: SearchCondition) -> bool:
    functions = [f for t in sc.tables for f in t.functions]
    functions += [f for cte in sc.ctes for t in cte.tables for f in t.functions]
    return any(f.name.strip().lower() == "row_number" for f in functions)


def _rule_json(rule: RowRule) -> dict[str, str]:
    return {"rule": rule.rule, "claim": rule.claim, "column": rule.column}


def _table_rules(regulation: Regulation, table: str, kind: RlsKind) -> list[dict[str, str]]:
    return [
        _rule_json(RowRule(r.name, r.jwt_attribute, r.check_column))
        for r in regulation.rls_rules_on(table, kind)
    ]


def rows_document(regulation: Regulation) -> dict[str, Any]:
    """``row-security.json``: table rules, and every search condition's filter (or denial)."""
    tables = sorted({r.check_table for r in regulation.rls_rules if regulation.table(r.check_table)})
    searches: dict[str, Any] = {}
    for sc in regulation.search_conditions:
        rows = search_rows(regulation, sc)
        if rows is not None:
            searches[sc.name] = {"rules": [_rule_json(r) for r in rows.rules], "denied": rows.denied}
    return {
        "version": ROWS_VERSION,
        "tables": {
            name: {
                "read": _table_rules(regulation, name, RlsKind.READ),
                "write": _table_rules(regulation, name, RlsKind.WRITE),
            }
            for name in tables
        },
        "searchConditions": dict(sorted(searches.items())),
    }


def rows_json(regulation: Regulation) -> str:
    return json.dumps(rows_document(regulation), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
