"""The service columns ``ext:historyFlag="true"`` adds, as the reference platform's ``parameters.xml`` lists
them (types exactly as there). The generator imports these to declare the same tables the migrator creates.

Deviation from the reference, on purpose: only ``ddm_created_at`` (defaults to ``now()``) and, in history
tables, ``ddm_dml_op`` are NOT NULL. The reference also requires ``ddm_created_by``, ``ddm_updated_*``,
``ddm_system_id`` and ``ddm_application_id``; here the runtime fills them when it knows them, and plain
inserts (dictionary loads, ``insert`` changes) keep working.
"""

from __future__ import annotations

from dataclasses import dataclass

HISTORY_TABLE_SUFFIX = "_hst"


@dataclass(frozen=True, slots=True)
class ServiceColumn:
    name: str
    type: str  # PostgreSQL type, as in parameters.xml
    nullable: bool = True
    default: str | None = None  # SQL expression

    def ddl(self) -> str:
        parts = [f'"{self.name}"', self.type]
        if self.default is not None:
            parts.append(f"DEFAULT {self.default}")
        if not self.nullable:
            parts.append("NOT NULL")
        return " ".join(parts)


# Added to the main table of a history-flagged table (scope "all" and "primary" in parameters.xml).
MAIN_TABLE_SERVICE_COLUMNS: tuple[ServiceColumn, ...] = (
    ServiceColumn("ddm_created_at", "TIMESTAMPTZ", nullable=False, default="now()"),
    ServiceColumn("ddm_created_by", "TEXT"),
    ServiceColumn("ddm_updated_at", "TIMESTAMPTZ"),
    ServiceColumn("ddm_updated_by", "TEXT"),
)

# The history table's own key (not in parameters.xml: the reference keys history rows differently).
HISTORY_ID_COLUMN = ServiceColumn("ddm_id", "UUID", nullable=False, default="gen_random_uuid()")

# Added to ``<table>_hst`` after the table's own columns (scope "all" and "history" in parameters.xml).
HISTORY_TABLE_SERVICE_COLUMNS: tuple[ServiceColumn, ...] = (
    ServiceColumn("ddm_created_at", "TIMESTAMPTZ", nullable=False, default="now()"),
    ServiceColumn("ddm_created_by", "TEXT"),
    ServiceColumn("ddm_dml_op", "CHAR(1)", nullable=False),  # I(nsert) U(pdate) D(elete)
    ServiceColumn("ddm_system_id", "UUID"),
    ServiceColumn("ddm_application_id", "UUID"),
    ServiceColumn("ddm_business_process_id", "UUID"),
    ServiceColumn("ddm_business_process_definition_id", "TEXT"),
    ServiceColumn("ddm_business_process_instance_id", "TEXT"),
    ServiceColumn("ddm_business_activity", "TEXT"),
    ServiceColumn("ddm_business_activity_instance_id", "TEXT"),
    ServiceColumn("ddm_digital_sign", "TEXT"),
    ServiceColumn("ddm_digital_sign_derived", "TEXT"),
    ServiceColumn("ddm_digital_sign_checksum", "TEXT"),
    ServiceColumn("ddm_digital_sign_derived_checksum", "TEXT"),
)

MAIN_TABLE_SERVICE_COLUMN_NAMES = frozenset(c.name for c in MAIN_TABLE_SERVICE_COLUMNS)
HISTORY_SERVICE_COLUMN_NAMES = frozenset(c.name for c in (HISTORY_ID_COLUMN, *HISTORY_TABLE_SERVICE_COLUMNS))


def history_table_name(table: str) -> str:
    return f"{table}{HISTORY_TABLE_SUFFIX}"
