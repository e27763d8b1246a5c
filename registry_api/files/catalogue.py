"""The file catalogue ``ddm_files`` and its bindings ``ddm_file_bindings`` (declared in
``schemas/platform.py``, created by the migrator): the SQLAlchemy view of them for the runtime."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, MetaData, String, Table, Text, Uuid
from sqlalchemy.engine import Row
from sqlalchemy.types import TypeEngine

from schemas.platform import (
    FILE_BINDINGS_TABLE,
    FILE_BINDINGS_TABLE_COLUMNS,
    FILES_SHORT_NAME_LENGTH,
    FILES_TABLE,
    FILES_TABLE_COLUMNS,
    PlatformColumn,
)

catalogue_metadata = MetaData()

_TYPES: dict[str, TypeEngine[Any]] = {
    "uuid": Uuid(as_uuid=False),
    "text": Text(),
    "bigint": BigInteger(),
    f"varchar({FILES_SHORT_NAME_LENGTH})": String(FILES_SHORT_NAME_LENGTH),
    "timestamptz": DateTime(timezone=True),
}


def _table(name: str, columns: tuple[PlatformColumn, ...], key: tuple[str, ...]) -> Table:
    return Table(
        name,
        catalogue_metadata,
        *(Column(c.name, _TYPES[c.type], primary_key=c.name in key, nullable=c.nullable) for c in columns),
    )


ddm_files = _table(FILES_TABLE, FILES_TABLE_COLUMNS, ("id",))
ddm_file_bindings = _table(
    FILE_BINDINGS_TABLE, FILE_BINDINGS_TABLE_COLUMNS, ("entity", "entity_id", "field", "file_id")
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
    attached_at: datetime | None
    root_process_instance_id: str | None
    verified_version: str | None = None
    unbound_at: datetime | None = None

    @classmethod
    def from_row(cls, row: Row[tuple[object, ...]], *, skip: tuple[str, ...] = ()) -> CatalogueEntry:
        """The entry of a ``ddm_files`` row (``skip``: other columns the query selected beside it)."""
        return cls(**{key: value for key, value in row._mapping.items() if key not in skip})

    @property
    def in_registry(self) -> bool:
        """Attached once: its bytes were copied to the registry bucket as ``<fileId>`` (and stay there
        until ``files prune`` collects the file)."""
        return self.attached_at is not None


@dataclass(frozen=True, slots=True)
class Binding:
    """One place a file is used: ``field`` of the row ``entity_id`` of table ``entity``."""

    entity: str
    entity_id: str
    field: str


def is_file_id(value: str) -> bool:
    """File ids are UUIDs; anything else can never name a catalogued file (and must not reach SQL)."""
    try:
        uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return False
    return True
