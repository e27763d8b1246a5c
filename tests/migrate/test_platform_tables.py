"""The platform's own tables are declared once (``schemas/platform.py``): what the migrator creates is
exactly that declaration, and the runtime's SQLAlchemy view of the catalogue is built from it."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from codegen.migrate import migrate
from codegen.reader import read_regulation
from registry_api.files.catalogue import ddm_file_bindings, ddm_files
from registry_api.files.link_table import ddm_file_links
from schemas.platform import (
    FILE_BINDINGS_TABLE,
    FILE_BINDINGS_TABLE_COLUMNS,
    FILE_LINKS_TABLE,
    FILE_LINKS_TABLE_COLUMNS,
    FILES_TABLE,
    FILES_TABLE_COLUMNS,
    HISTORY_SERVICE_COLUMN_NAMES,
    MAIN_TABLE_SERVICE_COLUMN_NAMES,
    history_table_name,
)

REPO = Path(__file__).resolve().parents[2]
# information_schema spells types its own way.
SPELLED = {"varchar(24)": "character varying", "timestamptz": "timestamp with time zone"}


def columns(engine: sa.Engine, table: str) -> dict[str, tuple[str, bool]]:
    query = sa.text(
        "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_name = :table ORDER BY ordinal_position"
    )
    with engine.connect() as connection:
        return {
            name: (kind, nullable == "YES")
            for name, kind, nullable in connection.execute(query, {"table": table})
        }


def test_migrated_platform_tables_are_the_declared_ones(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    try:
        migrate(read_regulation(REPO / "examples" / "user"), engine)
        for name, declaration, view in (
            (FILES_TABLE, FILES_TABLE_COLUMNS, ddm_files),
            (FILE_BINDINGS_TABLE, FILE_BINDINGS_TABLE_COLUMNS, ddm_file_bindings),
            (FILE_LINKS_TABLE, FILE_LINKS_TABLE_COLUMNS, ddm_file_links),
        ):
            migrated = columns(engine, name)
            declared = {c.name: (SPELLED.get(c.type, c.type), c.nullable) for c in declaration}
            assert migrated == declared, name
            assert [c.name for c in view.columns] == [c.name for c in declaration]
        user = columns(engine, "user")
        assert set(MAIN_TABLE_SERVICE_COLUMN_NAMES) <= set(user)
        history = columns(engine, history_table_name("user"))
        assert set(history) >= HISTORY_SERVICE_COLUMN_NAMES
    finally:
        engine.dispose()
