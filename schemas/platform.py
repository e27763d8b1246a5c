"""The platform's own tables and columns, declared once: the file catalogue ``ddm_files``, the ``ddm_*``
service columns ``ext:historyFlag`` adds, the history tables, and which request header lands in which
history column.

The reader, the migrator, the generator and the runtime all read these; nothing else spells them out.
``codegen/migrate/platform.sql`` creates ``ddm_files`` and ``ddm_file_bindings`` in Liquibase
formatted-SQL changesets (their text is checksummed, so it is not rendered from here); a test checks
that the migrated tables have exactly the columns declared below.
"""

from __future__ import annotations

from dataclasses import dataclass

SERVICE_PREFIX = "ddm_"  # tables and columns with this prefix are the platform's, never the API's
HISTORY_TABLE_SUFFIX = "_hst"


@dataclass(frozen=True, slots=True)
class PlatformColumn:
    name: str
    type: str  # PostgreSQL type (for service columns: as in the reference's parameters.xml)
    nullable: bool = True
    default: str | None = None  # SQL expression

    def ddl(self) -> str:
        parts = [f'"{self.name}"', self.type]
        if self.default is not None:
            parts.append(f"DEFAULT {self.default}")
        if not self.nullable:
            parts.append("NOT NULL")
        return " ".join(parts)


# ---------------------------------------------------------------------------------------------
# History (reference ``parameters.xml``). Deviation, on purpose: only ``ddm_created_at`` and, in history
# tables, ``ddm_dml_op`` are NOT NULL; the runtime fills the others when it knows them, and plain inserts
# (dictionary loads, ``insert`` changes) keep working.

# Added to the main table of a history-flagged table (scope "all" and "primary" in parameters.xml).
MAIN_TABLE_SERVICE_COLUMNS: tuple[PlatformColumn, ...] = (
    PlatformColumn("ddm_created_at", "TIMESTAMPTZ", nullable=False, default="now()"),
    PlatformColumn("ddm_created_by", "TEXT"),
    PlatformColumn("ddm_updated_at", "TIMESTAMPTZ"),
    PlatformColumn("ddm_updated_by", "TEXT"),
)

# The history table's own key (not in parameters.xml: the reference keys history rows differently).
HISTORY_ID_COLUMN = PlatformColumn("ddm_id", "UUID", nullable=False, default="gen_random_uuid()")

# Added to ``<table>_hst`` after the table's own columns (scope "all" and "history" in parameters.xml).
HISTORY_TABLE_SERVICE_COLUMNS: tuple[PlatformColumn, ...] = (
    PlatformColumn("ddm_created_at", "TIMESTAMPTZ", nullable=False, default="now()"),
    PlatformColumn("ddm_created_by", "TEXT"),
    PlatformColumn("ddm_dml_op", "CHAR(1)", nullable=False),  # I(nsert) U(pdate) D(elete)
    PlatformColumn("ddm_system_id", "UUID"),
    PlatformColumn("ddm_application_id", "UUID"),
    PlatformColumn("ddm_business_process_id", "UUID"),
    PlatformColumn("ddm_business_process_definition_id", "TEXT"),
    PlatformColumn("ddm_business_process_instance_id", "TEXT"),
    PlatformColumn("ddm_business_activity", "TEXT"),
    PlatformColumn("ddm_business_activity_instance_id", "TEXT"),
    PlatformColumn("ddm_digital_sign", "TEXT"),
    PlatformColumn("ddm_digital_sign_derived", "TEXT"),
    PlatformColumn("ddm_digital_sign_checksum", "TEXT"),
    PlatformColumn("ddm_digital_sign_derived_checksum", "TEXT"),
)

MAIN_TABLE_SERVICE_COLUMN_NAMES = tuple(c.name for c in MAIN_TABLE_SERVICE_COLUMNS)
HISTORY_SERVICE_COLUMN_NAMES = frozenset(c.name for c in (HISTORY_ID_COLUMN, *HISTORY_TABLE_SERVICE_COLUMNS))

# The business-process headers (reference-platform.md §1.4) and the history column each is kept in.
SOURCE_SYSTEM = "X-Source-System"
SOURCE_APPLICATION = "X-Source-Application"
SOURCE_BUSINESS_PROCESS = "X-Source-Business-Process"
SOURCE_BUSINESS_PROCESS_DEFINITION_ID = "X-Source-Business-Process-Definition-Id"
SOURCE_BUSINESS_PROCESS_INSTANCE_ID = "X-Source-Business-Process-Instance-Id"
SOURCE_ROOT_BUSINESS_PROCESS_INSTANCE_ID = "X-Source-Root-Business-Process-Instance-Id"
SOURCE_BUSINESS_ACTIVITY = "X-Source-Business-Activity"
SOURCE_BUSINESS_ACTIVITY_INSTANCE_ID = "X-Source-Business-Activity-Instance-Id"
DIGITAL_SIGNATURE = "X-Digital-Signature"
DIGITAL_SIGNATURE_DERIVED = "X-Digital-Signature-Derived"

HISTORY_COLUMN_OF_HEADER: dict[str, str] = {
    SOURCE_SYSTEM: "ddm_system_id",
    SOURCE_APPLICATION: "ddm_application_id",
    SOURCE_BUSINESS_PROCESS: "ddm_business_process_id",
    SOURCE_BUSINESS_PROCESS_DEFINITION_ID: "ddm_business_process_definition_id",
    SOURCE_BUSINESS_PROCESS_INSTANCE_ID: "ddm_business_process_instance_id",
    SOURCE_BUSINESS_ACTIVITY: "ddm_business_activity",
    SOURCE_BUSINESS_ACTIVITY_INSTANCE_ID: "ddm_business_activity_instance_id",
    DIGITAL_SIGNATURE: "ddm_digital_sign",
    DIGITAL_SIGNATURE_DERIVED: "ddm_digital_sign_derived",
}


# A signed write also keeps the SHA-256 of the signed payload, one column per signature header
# (registry_api/signatures.py).
CHECKSUM_COLUMN_OF_SIGNATURE_HEADER: dict[str, str] = {
    DIGITAL_SIGNATURE: "ddm_digital_sign_checksum",
    DIGITAL_SIGNATURE_DERIVED: "ddm_digital_sign_derived_checksum",
}


def history_table_name(table: str) -> str:
    return f"{table}{HISTORY_TABLE_SUFFIX}"


def is_service_name(name: str) -> bool:
    """A platform table or column (``ddm_*``): no API, never a property of an entity."""
    return name.startswith(SERVICE_PREFIX)


# ---------------------------------------------------------------------------------------------
# The file catalogue: one row per uploaded file (its bytes: one staging object, and once attached one
# registry object ``<fileId>``), and where each file is used: its bindings, one row per (entity, entity
# id, field). A file may be bound to several places, as the reference platform lets business processes
# copy the same ``{id, checksum}`` from record to record (docs/files.md "Bindings").

FILES_TABLE = "ddm_files"
FILES_TABLE_COLUMNS: tuple[PlatformColumn, ...] = (
    PlatformColumn("id", "uuid", nullable=False),  # the primary key
    PlatformColumn("path_in_storage", "text", nullable=False),
    PlatformColumn("bucket", "text", nullable=False),
    PlatformColumn("filename", "text", nullable=False),
    PlatformColumn("size", "bigint", nullable=False),
    PlatformColumn("file_type", "text", nullable=False),
    PlatformColumn("checksum", "text", nullable=False),
    PlatformColumn("short_name", "varchar(24)", nullable=False),  # unique
    PlatformColumn("created_at", "timestamptz", nullable=False, default="now()"),
    PlatformColumn("created_by", "text"),
    PlatformColumn("attached_at", "timestamptz"),  # first attached: since then in the registry bucket
    PlatformColumn("root_process_instance_id", "text"),
    PlatformColumn("verified_version", "text"),  # the S3 object version last hashed against `checksum`
    PlatformColumn("unbound_at", "timestamptz"),  # when its last binding went (null while bound)
)
FILES_SHORT_NAME_LENGTH = 24

FILE_BINDINGS_TABLE = "ddm_file_bindings"
FILE_BINDINGS_TABLE_COLUMNS: tuple[PlatformColumn, ...] = (
    PlatformColumn("file_id", "uuid", nullable=False),  # references ddm_files (id)
    PlatformColumn("entity", "text", nullable=False),  # the table name
    PlatformColumn("entity_id", "text", nullable=False),  # its key as text (UUIDs canonical)
    PlatformColumn("field", "text", nullable=False),  # the file column
    PlatformColumn("bound_at", "timestamptz", nullable=False, default="now()"),
)

# ---------------------------------------------------------------------------------------------
# Signed links for forms: one row per minted link. The token carries the link id, its expiry and
# disposition, signed; the row holds what the link opens, how often it was used and whether it was
# revoked (registry_api/files/links.py).

FILE_LINKS_TABLE = "ddm_file_links"
FILE_LINKS_TABLE_COLUMNS: tuple[PlatformColumn, ...] = (
    PlatformColumn("id", "uuid", nullable=False),  # the primary key, also in the token
    PlatformColumn("file_id", "uuid", nullable=False),  # references ddm_files (deleted with it)
    PlatformColumn("entity", "text", nullable=False),
    PlatformColumn("entity_id", "text", nullable=False),
    PlatformColumn("field", "text", nullable=False),
    PlatformColumn("checksum", "text", nullable=False),  # the file's checksum when the link was made
    PlatformColumn("disposition", "text", nullable=False),  # attachment | inline (as served)
    PlatformColumn("uses", "integer", nullable=False, default="0"),  # GETs that delivered content
    PlatformColumn("max_uses", "integer"),  # null: unlimited until expiry
    PlatformColumn("created_at", "timestamptz", nullable=False, default="now()"),
    PlatformColumn("created_by", "text"),
    PlatformColumn("expires_at", "timestamptz", nullable=False),
    PlatformColumn("revoked_at", "timestamptz"),
)
