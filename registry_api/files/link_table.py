"""The signed-link table ``ddm_file_links`` (declared in ``schemas/platform.py``, created by the migrator)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, DateTime, Integer, MetaData, Table, Text, Uuid
from sqlalchemy.types import TypeEngine

from schemas.platform import FILE_LINKS_TABLE, FILE_LINKS_TABLE_COLUMNS

_TYPES: dict[str, TypeEngine[Any]] = {
    "uuid": Uuid(as_uuid=False),
    "text": Text(),
    "integer": Integer(),
    "timestamptz": DateTime(timezone=True),
}

ddm_file_links = Table(
    FILE_LINKS_TABLE,
    MetaData(),
    *(
        Column(c.name, _TYPES[c.type], primary_key=c.name == "id", nullable=c.nullable)
        for c in FILE_LINKS_TABLE_COLUMNS
    ),
)
