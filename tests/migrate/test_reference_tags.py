"""Reference tags that other tests do not reach, carried out on a real PostgreSQL: composite types and
domains created and dropped, every search-condition function (with ``parameter`` and ``window``), the
simple search condition, and a column's declared ``type`` typing its search parameter."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from codegen.migrate import migrate
from codegen.reader import read_regulation
from registry_api.search import execute_search, spec_from_model
from registry_api.search.spec import ValueType
from schemas.regulation import Regulation
from tests.reader.helpers import wrap

REGULATION = """
<changeSet id="types" author="test">
  <ext:createType name="type_scratch"><ext:asComposite>
    <ext:column name="a" type="TEXT" collation="C"/><ext:column name="b" type="INTEGER"/>
  </ext:asComposite></ext:createType>
  <ext:createDomain name="dn_scratch" type="TEXT" nullable="false" defaultValue="'x'">
    <ext:constraint name="dn_scratch_short" implementation="CHECK (length(VALUE) &lt; 10)"/>
  </ext:createDomain>
</changeSet>
<changeSet id="drop types" author="test">
  <ext:dropType name="type_scratch"/>
  <ext:dropDomain name="dn_scratch"/>
</changeSet>
<changeSet id="table" author="test">
  <createTable tableName="item" ext:historyFlag="true">
    <column name="item_id" type="UUID"><constraints nullable="false" primaryKey="true"/></column>
    <column name="kind" type="TEXT"/>
    <column name="name" type="TEXT"/>
    <column name="qty" type="INTEGER"/>
  </createTable>
</changeSet>
<changeSet id="rows" author="test">
  <sql>INSERT INTO item (item_id, kind, name, qty) VALUES
    ('00000000-0000-0000-0000-000000000001', 'fruit', 'apple', 3),
    ('00000000-0000-0000-0000-000000000002', 'fruit', 'pear', 5),
    ('00000000-0000-0000-0000-000000000003', 'fruit', 'pear', 1),
    ('00000000-0000-0000-0000-000000000004', 'veg', 'leek', 2)</sql>
</changeSet>
<changeSet id="sc stats" author="test">
  <ext:createSearchCondition name="item_stats">
    <ext:table name="item" alias="i">
      <ext:column name="kind" searchType="equal" sorting="asc"/>
      <ext:function name="count" columnName="item_id" alias="items"/>
      <ext:function name="count" columnName="name" alias="names" parameter="distinct"/>
      <ext:function name="string_agg" columnName="name" alias="all_names" parameter="'|'"/>
      <ext:function name="min" columnName="qty" alias="least"/>
      <ext:function name="max" columnName="qty" alias="most"/>
      <ext:function name="sum" columnName="qty" alias="total"/>
      <ext:function name="avg" columnName="qty" alias="mean"/>
    </ext:table>
  </ext:createSearchCondition>
</changeSet>
<changeSet id="sc numbered" author="test">
  <ext:createSearchCondition name="item_numbered">
    <ext:table name="item" alias="i">
      <ext:column name="name"/>
      <ext:column name="qty" type="INTEGER" searchType="equal"/>
      <ext:function name="row_number" columnName="item_id" alias="n" window="ORDER BY qty DESC"/>
    </ext:table>
  </ext:createSearchCondition>
</changeSet>
<changeSet id="sc simple" author="test">
  <ext:createSimpleSearchCondition name="item_by_kind" indexing="true" limit="2">
    <ext:table name="item" alias="i" searchType="equal" searchColumn="kind"/>
  </ext:createSimpleSearchCondition>
</changeSet>
"""


@pytest.fixture
def migrated(database_url: str, tmp_path: Path) -> Iterator[tuple[Regulation, Engine]]:
    path = tmp_path / "tags.xml"
    path.write_text(wrap(REGULATION), encoding="utf-8")
    regulation = read_regulation(path)
    assert not regulation.errors, regulation.errors
    migrate(regulation, database_url)
    engine = sa.create_engine(database_url)
    yield regulation, engine
    engine.dispose()


def search(regulation: Regulation, engine: Engine, name: str, **params: object) -> object:
    sc = regulation.search_condition(name)
    assert sc is not None
    with engine.connect() as connection:
        return execute_search(connection, spec_from_model(sc, regulation), params)


def test_types_and_domains_are_created_and_dropped(migrated: tuple[Regulation, Engine]) -> None:
    _, engine = migrated
    with engine.connect() as connection:
        left = connection.execute(
            sa.text("SELECT typname FROM pg_type WHERE typname IN ('type_scratch', 'dn_scratch')")
        ).all()
    assert left == []


def test_every_function_of_a_search_condition(migrated: tuple[Regulation, Engine]) -> None:
    regulation, engine = migrated
    rows = search(regulation, engine, "item_stats")
    assert rows == [
        {
            "kind": "fruit",
            "items": 3,
            "names": 2,
            "allNames": rows[0]["allNames"],  # aggregation order is PostgreSQL's
            "least": 1,
            "most": 5,
            "total": 9,
            "mean": 3,
        },
        {
            "kind": "veg",
            "items": 1,
            "names": 1,
            "allNames": "leek",
            "least": 2,
            "most": 2,
            "total": 2,
            "mean": 2,
        },
    ]
    assert sorted(rows[0]["allNames"].split("|")) == ["apple", "pear", "pear"]  # type: ignore[index]


def test_a_window_function_and_a_declared_type(migrated: tuple[Regulation, Engine]) -> None:
    regulation, engine = migrated
    rows = search(regulation, engine, "item_numbered")
    assert sorted((r["n"], r["name"]) for r in rows) == [(1, "pear"), (2, "apple"), (3, "leek"), (4, "pear")]  # type: ignore[index]
    sc = regulation.search_condition("item_numbered")
    assert sc is not None
    (parameter,) = spec_from_model(sc, regulation).parameters
    assert parameter.value_type is ValueType.INTEGER
    assert search(regulation, engine, "item_numbered", qty="5") == [{"name": "pear", "qty": 5, "n": 1}]


def test_a_simple_search_condition_returns_whole_rows(migrated: tuple[Regulation, Engine]) -> None:
    regulation, engine = migrated
    rows = search(regulation, engine, "item_by_kind", kind="fruit")
    assert isinstance(rows, list) and len(rows) == 2  # limit="2"
    assert set(rows[0]) >= {"itemId", "kind", "name", "qty"} and {r["kind"] for r in rows} == {"fruit"}
    with engine.connect() as connection:
        indexes = connection.execute(
            sa.text("SELECT indexdef FROM pg_indexes WHERE tablename = 'item'")
        ).scalars()
        assert any("(kind)" in definition for definition in indexes)
