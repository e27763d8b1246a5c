"""What a caller may read and write, worked out from the regulation's ``ext:rbac`` grants as the
reference platform defines them (reference-platform.md §1.5, DESIGN.md §4 "RBAC semantics"), written
here independently of ``rbac/`` so the HTTP tests compare the service with the regulation, not with
itself:

* a table no grant names is open to every authenticated caller; a grant applies to a caller holding
  its role (``isAuthenticated``: everyone) in its realm (no realm: every realm);
* an entity read needs a table-level read; create, full update and delete a table-level insert,
  update, delete; a partial update an update (table or column) on each listed column;
* a column is readable with a table-level read or a read on that column;
* a search condition needs a read of every column its tables list (returned or not) and of every
  function's column and, when ``ext:searchCondition`` grants name it, one of them; its rows carry the
  returned columns (camelCase of the alias or name) and the functions' aliases.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from schemas.regulation import IS_AUTHENTICATED, Regulation, SearchCondition, TableGrant

SERVICE_PREFIXES = ("ddm", "dcm")  # the reference keeps these columns and tables out of the API


def camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


@dataclass(frozen=True)
class Caller:
    roles: frozenset[str]
    realm: str

    def __str__(self) -> str:
        return f"{'+'.join(sorted(self.roles)) or '(no role)'}@{self.realm}"


class ExpectedAccess:
    def __init__(self, regulation: Regulation, caller: Caller) -> None:
        self.regulation = regulation
        self.caller = caller
        held = caller.roles | {IS_AUTHENTICATED}
        mine = [g for g in regulation.rbac if g.role in held and g.realm in (None, caller.realm)]
        self._tables: list[TableGrant] = [t for g in mine for t in g.tables]
        self._search_conditions = {name for g in mine for name in g.search_conditions}
        self._granted_tables = {t.table for g in regulation.rbac for t in g.tables}
        self._narrowed = {name for g in regulation.rbac for name in g.search_conditions}

    def _grants(self, table: str) -> Iterator[TableGrant]:
        return (t for t in self._tables if t.table == table)

    def _open(self, table: str) -> bool:
        return table not in self._granted_tables

    def table_may(self, table: str, action: str) -> bool:
        """``action`` is read, insert, update or delete, at table level."""
        return self._open(table) or any(getattr(t, action) for t in self._grants(table))

    def column_may(self, table: str, column: str, action: str) -> bool:
        """``action`` is read or update, on one column."""
        if self.table_may(table, action):
            return True
        return any(getattr(c, action) for t in self._grants(table) for c in t.columns if c.name == column)

    def entity_fields(self, table: str) -> frozenset[str] | None:
        """The JSON properties of an entity read, or None when the read is refused."""
        if not self.table_may(table, "read"):
            return None
        model = self.regulation.table(table)
        assert model is not None, table
        return frozenset(
            camel(c.name)
            for c in model.columns
            if not c.name.startswith(SERVICE_PREFIXES) and self.column_may(table, c.name, "read")
        )

    def search_fields(self, sc: SearchCondition) -> frozenset[str] | None:
        """The properties of a search condition's rows, or None when the search is refused."""
        if sc.name in self._narrowed and sc.name not in self._search_conditions:
            return None
        assert not sc.ctes, "tracing CTE columns is not covered by this oracle"
        tables = {t.alias: t.name for t in sc.tables}
        needed = [(t.name, c.name) for t in sc.tables for c in t.columns]
        needed += [(tables[f.table_alias], f.column_name) for t in sc.tables for f in t.functions]
        if not all(self.column_may(table, column, "read") for table, column in needed):
            return None
        returned = {camel(c.alias or c.name) for t in sc.tables for c in t.columns if c.returning}
        return frozenset(returned | {camel(f.alias) for t in sc.tables for f in t.functions})

    def partial_update_allowed(self, table: str, columns: Iterable[str]) -> bool:
        listed = list(columns)
        return bool(listed) and all(self.column_may(table, c, "update") for c in listed)
