"""``type_file`` / ``type_file[]`` columns through SQLAlchemy Core, both directions, against PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from registry_api.types import FileArrayType, FileType, array_literal, record_literal
from schemas.wire import FileRef

metadata = sa.MetaData()
holder = sa.Table(
    "holder",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("one", FileType()),
    sa.Column("many", FileArrayType()),
)
AWKWARD = {"id": 'quote " and \\ back, (paren)', "checksum": "ab" * 32}


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TYPE type_file AS (id text, checksum text)"))
        connection.execute(
            sa.text("CREATE TABLE holder (id int PRIMARY KEY, one type_file, many type_file[])")
        )
    yield engine
    engine.dispose()


@pytest.mark.parametrize(
    ("one", "many"),
    [
        (None, None),
        (None, []),
        (
            {"id": "a", "checksum": "0" * 64},
            [{"id": "b", "checksum": "1" * 64}, {"id": "c", "checksum": "2" * 64}],
        ),
        (AWKWARD, [AWKWARD, {"id": "", "checksum": "f" * 64}]),
    ],
)
def test_round_trip(engine: sa.Engine, one: Any, many: Any) -> None:
    with engine.begin() as connection:
        connection.execute(sa.insert(holder).values(id=1, one=one, many=many))
        row = connection.execute(sa.select(holder.c.one, holder.c.many)).one()
        raw = connection.execute(
            sa.text("SELECT one IS NULL, many IS NULL, cardinality(many) FROM holder")
        ).one()
    assert (row.one, row.many) == (one, many)
    assert raw[0] is (one is None) and raw[1] is (many is None)
    if many is not None:
        assert raw[2] == len(many)  # an empty list is an empty array, not NULL


def test_pydantic_file_refs_bind(engine: sa.Engine) -> None:
    ref = FileRef(id="x", checksum="c" * 64)
    with engine.begin() as connection:
        connection.execute(sa.insert(holder).values(id=2, one=ref, many=[ref]))
        row = connection.execute(sa.select(holder.c.one, holder.c.many)).one()
    assert row.one == {"id": "x", "checksum": "c" * 64} and row.many == [row.one]


def test_literals() -> None:
    assert record_literal({"id": "a", "checksum": None}) == '("a",)'
    assert array_literal([]) == "{}"
    assert array_literal(['("a","b")']) == '{"(\\"a\\",\\"b\\")"}'
