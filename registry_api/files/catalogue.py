"""The file catalogue ``ddm_files`` (declared in ``schemas/platform.py``, created by the migrator)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, MetaData, String, Table, Text, Uuid
from sqlalchemy.engine import Row
from sqlalchemy.types import TypeEngine

from schemas.platform import FILES_SHORT_NAME_LENGTH, FILES_TABLE, FILES_TABLE_COLUMNS

catalogue_metadata = MetaData()

_TYPES: dict[str, TypeEngine[Any]] = {
    "uuid": Uuid(as_uuid=False),
    "text": Text(),
    "bigint": BigInteger(),
    f"varchar({FILES_SHORT_NAME_LENGTH})": String(FILES_SHORT_NAME_LENGTH),
    "timestamptz": DateTime(timezone=True),
}

# Declared in schemas/platform.py; the SQLAlchemy view of it for the runtime's queries.
ddm_files = Table(
    FILES_TABLE,
    catalogue_metadata,
    *(
        Column(c.name, _TYPES[c.type], primary_key=c.name == "id", nullable=c.nullable)
        for c in FILES_TABLE_COLUMNS
    ),
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
