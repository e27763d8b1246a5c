"""The file catalogue ``ddm_files`` (created by the migrator from ``codegen/migrate/platform.sql``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
)
from sqlalchemy.engine import Row

catalogue_metadata = MetaData()

ddm_files = Table(
    "ddm_files",
    catalogue_metadata,
    Column("id", Uuid(as_uuid=False), primary_key=True),
    Column("path_in_storage", Text, nullable=False),
    Column("bucket", Text, nullable=False),
    Column("filename", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("file_type", Text, nullable=False),
    Column("checksum", Text, nullable=False),
    Column("short_name", String(24), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", Text),
    Column("entity", Text),
    Column("entity_id", Text),
    Column("field", Text),
    Column("attached_at", DateTime(timezone=True)),
    Column("root_process_instance_id", Text),
    Column("verified_version", Text),  # the S3 object version last hashed against `checksum`
)


@dataclass(frozen=True)
class CatalogueEntry:
    id: str
    path_in_storage: str
    bucket: str
    filename: str
    size: int
    file_type: str
    checksum: str
    short_name: str
    created_at: datetime
    created_by: str | None
    entity: str | None
    entity_id: str | None
    field: str | None
    attached_at: datetime | None
    root_process_instance_id: str | None
    verified_version: str | None = None

    @classmethod
    def from_row(cls, row: Row[tuple[object, ...]]) -> CatalogueEntry:
        return cls(**{key: value for key, value in row._mapping.items()})

    def bound_to(self, entity: str, entity_id: str, field: str) -> bool:
        return (self.entity, self.entity_id, self.field) == (entity, entity_id, field)

    @property
    def attached(self) -> bool:
        return self.entity is not None


def is_file_id(value: str) -> bool:
    """File ids are UUIDs; anything else can never name a catalogued file (and must not reach SQL)."""
    try:
        uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return False
    return True
