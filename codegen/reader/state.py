"""The mutable state the reader applies changes to, and the diagnostics it collects.

Everything is frozen into ``schemas.regulation`` objects at the end (``freeze_table`` per table).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from codegen.reader.codes import severity_of
from schemas.platform import MAIN_TABLE_SERVICE_COLUMN_NAMES
from schemas.realms import REFERENCE_REALM_NAMES, RealmKind
from schemas.regulation import (
    Column,
    CompositeEntity,
    CompositeType,
    Diagnostic,
    Domain,
    EnumType,
    Exposure,
    ForeignKey,
    Location,
    Many2Many,
    PartialUpdate,
    RlsKind,
    RlsRule,
    RoleGrants,
    SearchCondition,
    Severity,
    Table,
    TableReadParameters,
    UniqueConstraint,
)

# Columns ``ext:historyFlag`` adds to the main table (reference ``parameters.xml``, scope all/primary).
HISTORY_COLUMNS = MAIN_TABLE_SERVICE_COLUMN_NAMES


class Diagnostics:
    def __init__(self) -> None:
        self.items: list[Diagnostic] = []
        self._seen: set[tuple[str, str, int, str]] = set()

    def add(
        self,
        code: str,
        message: str,
        location: Location,
        severity: Severity | None = None,
    ) -> None:
        key = (code, location.file, location.line, message)
        if key in self._seen:
            return
        self._seen.add(key)
        self.items.append(Diagnostic(code, severity or severity_of(code), message, location))


@dataclass
class TableState:
    name: str
    columns: dict[str, Column] = field(default_factory=dict)
    primary_key: tuple[str, ...] = ()
    primary_key_name: str | None = None
    unique_constraints: list[UniqueConstraint] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    remarks: str | None = None
    history: bool = False
    read_mode: str | None = None
    bulk_load: bool = False
    location: Location | None = None
    # raw SQL ran since the table was created: it may have columns the regulation does not declare
    touched_by_sql: bool = False

    def has_column(self, name: str) -> bool:
        return name in self.columns or (self.history and name in HISTORY_COLUMNS)

    def freeze(self) -> Table:
        columns = tuple(
            _with_key_flags(column, self.primary_key, self.unique_constraints)
            for column in self.columns.values()
        )
        return Table(
            name=self.name,
            columns=columns,
            primary_key=self.primary_key,
            primary_key_name=self.primary_key_name,
            unique_constraints=tuple(self.unique_constraints),
            foreign_keys=tuple(self.foreign_keys),
            remarks=self.remarks,
            history=self.history,
            read_mode=self.read_mode,
            bulk_load=self.bulk_load,
            location=self.location,
        )


def _with_key_flags(column: Column, primary_key: tuple[str, ...], uniques: list[UniqueConstraint]) -> Column:
    from dataclasses import replace

    in_pk = column.name in primary_key
    single_unique = any(u.columns == (column.name,) for u in uniques)
    if in_pk == column.primary_key and (column.unique or not single_unique):
        return column
    return replace(
        column,
        primary_key=in_pk,
        nullable=column.nullable and not in_pk,
        unique=column.unique or single_unique,
    )


@dataclass
class ReaderState:
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    tables: dict[str, TableState] = field(default_factory=dict)
    enums: dict[str, EnumType] = field(default_factory=dict)
    composites: dict[str, CompositeType] = field(default_factory=dict)
    domains: dict[str, Domain] = field(default_factory=dict)
    search_conditions: dict[str, SearchCondition] = field(default_factory=dict)
    ever_created_scs: dict[str, Location] = field(default_factory=dict)
    exposures: dict[str, Exposure] = field(default_factory=dict)
    rbac: tuple[RoleGrants, ...] = ()
    partial_updates: dict[str, PartialUpdate] = field(default_factory=dict)
    read_parameters: dict[str, TableReadParameters] = field(default_factory=dict)
    composite_entities: dict[str, CompositeEntity] = field(default_factory=dict)
    many2many: dict[str, Many2Many] = field(default_factory=dict)
    rls_rules: dict[tuple[RlsKind, str], RlsRule] = field(default_factory=dict)
    # realm names ``ext:role realm`` may use (the reference's, plus the deployment's when known)
    realms: Mapping[str, RealmKind] = field(default_factory=lambda: REFERENCE_REALM_NAMES)

    def report(self, code: str, message: str, location: Location, severity: Severity | None = None) -> None:
        self.diagnostics.add(code, message, location, severity)

    def known_table(self, name: str, where: Location, context: str) -> TableState | None:
        """The table, or a UNKNOWN_TABLE diagnostic naming ``context``."""
        table = self.tables.get(name)
        if table is None:
            self.report(
                "UNKNOWN_TABLE",
                f"{context} names table '{name}', which the regulation does not declare at this point",
                where,
            )
        return table

    def check_columns(
        self, table: TableState, columns: list[str] | tuple[str, ...], where: Location, context: str
    ) -> None:
        for column in columns:
            if not table.has_column(column):
                self.report(
                    unknown_column_code(table),
                    f"{context} names column '{column}', which table '{table.name}' does not have",
                    where,
                )


def unknown_column_code(table: TableState) -> str:
    """An unknown column is an error while the table's columns are exactly the declared ones (migrate
    would fail on it), a warning once raw SQL may have added columns."""
    return "UNKNOWN_COLUMN_AFTER_SQL" if table.touched_by_sql else "UNKNOWN_COLUMN"
