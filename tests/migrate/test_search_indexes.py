"""``indexing="true"`` creates the index each search type can use, and PostgreSQL uses it for the very
statements the search layer sends; ``lint`` warns where no index can serve.

On a test-sized table PostgreSQL rightly prefers to read the table, so the plans are taken with
sequential scans off: an index that can serve the statement then shows in the plan, one that cannot
leaves a (disabled) sequential scan. How fast they make searches over a million rows is measured in
``bench/search_scale.py``."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from codegen.migrate import migrate
from codegen.reader import read_regulation
from registry_api.embedded import EmbeddedPostgres
from registry_api.search import execute_search, spec_from_model
from schemas.regulation import Regulation
from tests.conftest import created_database

HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<databaseChangeLog '
    'xmlns="http://www.liquibase.org/xml/ns/dbchangelog" '
    'xmlns:ext="http://www.liquibase.org/xml/ns/dbchangelog-ext">\n'
)
TABLE = """
<changeSet id="person" author="test">
  <createTable tableName="person">
    <column name="person_id" type="UUID" defaultValueComputed="gen_random_uuid()">
      <constraints primaryKey="true"/>
    </column>
    <column name="last_name" type="TEXT"/>
    <column name="code" type="VARCHAR(20)"/>
    <column name="ref" type="UUID"/>
    <column name="age" type="INTEGER"/>
    <column name="born" type="DATE"/>
  </createTable>
</changeSet>
"""
SEARCHES = """
<changeSet id="by name" author="test">
  <ext:createSearchCondition name="person_by_name" indexing="true" pagination="page" limit="100">
    <ext:table name="person" alias="p">
      <ext:column name="person_id"/>
      <ext:column name="last_name" searchType="contains" sorting="asc"/>
      <ext:column name="code" searchType="startsWith"/>
      <ext:column name="ref" searchType="contains" returning="false"/>
    </ext:table>
  </ext:createSearchCondition>
</changeSet>
<changeSet id="by age" author="test">
  <ext:createSearchCondition name="person_by_age" indexing="true" limit="100">
    <ext:table name="person" alias="p">
      <ext:column name="person_id"/>
      <ext:column name="age" searchType="equal"/>
      <ext:column name="born" searchType="between"/>
    </ext:table>
  </ext:createSearchCondition>
</changeSet>
<changeSet id="unindexed" author="test">
  <ext:createSearchCondition name="person_unindexed" limit="10">
    <ext:table name="person" alias="p">
      <ext:column name="person_id" searchType="equal"/>
      <ext:column name="last_name" searchType="equal"/>
      <ext:column name="age" searchType="notEqual"/>
    </ext:table>
  </ext:createSearchCondition>
</changeSet>
<changeSet id="dates as text" author="test">
  <ext:createSearchCondition name="person_born_text" indexing="true" limit="10">
    <ext:table name="person" alias="p">
      <ext:column name="person_id"/>
      <ext:column name="born" searchType="startsWith"/>
    </ext:table>
  </ext:createSearchCondition>
</changeSet>
"""
ROWS = """
INSERT INTO person (last_name, code, ref, age, born)
SELECT 'Surname ' || md5(n::text), 'C' || n, gen_random_uuid(), n, DATE '1950-01-01' + n
  FROM generate_series(1, 5000) AS n;
ANALYZE person;
"""


def write(root: Path) -> Path:
    (root / "data-model").mkdir(parents=True)
    text = HEADER + TABLE + SEARCHES + "</databaseChangeLog>\n"
    (root / "data-model" / "main-liquibase.xml").write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def regulation(tmp_path_factory: pytest.TempPathFactory) -> Regulation:
    return read_regulation(write(tmp_path_factory.mktemp("indexed")))


@pytest.fixture(scope="module")
def engine(regulation: Regulation, postgres: EmbeddedPostgres) -> Iterator[Engine]:
    with created_database(postgres, "indexes") as url:
        migrate(regulation, url)
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            connection.execute(sa.text(ROWS))
        yield engine
        engine.dispose()


def indexes(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'person'")
        )
        return {name: definition for name, definition in rows}


def test_each_search_type_gets_the_index_kind_it_can_use(engine: Engine) -> None:
    found = indexes(engine)
    assert "USING gin (last_name gin_trgm_ops)" in found["ix_person_by_name__person__last_name_trgm"]
    assert "USING gin (code gin_trgm_ops)" in found["ix_person_by_name__person__code_trgm"]
    assert "USING gin (((ref)::text) gin_trgm_ops)" in found["ix_person_by_name__person__ref_trgm"]
    assert "USING btree (last_name)" in found["ix_person_by_name__person__sort"]
    assert "USING btree (age)" in found["ix_person_by_age__person__age"]
    assert "USING btree (born)" in found["ix_person_by_age__person__born"]
    # a date's text form depends on DateStyle: PostgreSQL cannot index it, so nothing is attempted
    assert not [name for name in found if name.startswith("ix_person_born_text")]
    assert not [name for name in found if name.startswith("ix_person_unindexed")]


def plans(engine: Engine, regulation: Regulation, name: str, params: dict[str, Any]) -> tuple[Any, str]:
    """Run the search as the service does, and EXPLAIN every statement it sent."""
    sc = next(sc for sc in regulation.search_conditions if sc.name == name)
    spec = spec_from_model(sc, regulation)
    sent: list[tuple[str, Any]] = []

    def remember(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        sent.append((statement, parameters))

    with engine.connect() as connection:
        sa.event.listen(connection, "before_cursor_execute", remember)
        result = execute_search(connection, spec, params)
        sa.event.remove(connection, "before_cursor_execute", remember)
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        explained = [
            json.dumps(connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar())
            for statement, parameters in sent
        ]
    assert len(sent) == 1, "a search is one statement"
    return result, explained[0]


def test_contains_and_case_insensitive_starts_with_use_the_trigram_indexes(
    engine: Engine, regulation: Regulation
) -> None:
    wanted = hashlib.md5(b"1234", usedforsecurity=False).hexdigest()[4:16].upper()
    page, plan = plans(engine, regulation, "person_by_name", {"lastName": wanted})
    assert page["totalElements"] == 1
    assert "ix_person_by_name__person__last_name_trgm" in plan
    page, plan = plans(engine, regulation, "person_by_name", {"code": "c199"})
    assert page["totalElements"] == 11
    assert "ix_person_by_name__person__code_trgm" in plan


def test_equal_and_between_use_the_btrees(engine: Engine, regulation: Regulation) -> None:
    rows, plan = plans(engine, regulation, "person_by_age", {"age": 777})
    assert len(rows) == 1 and "ix_person_by_age__person__age" in plan
    rows, plan = plans(
        engine, regulation, "person_by_age", {"bornFrom": "1960-01-01", "bornTo": "1960-01-10"}
    )
    assert len(rows) == 10 and "ix_person_by_age__person__born" in plan


def test_lint_warns_where_no_index_can_serve(regulation: Regulation) -> None:
    warned = sorted(d.message.split(",")[0] for d in regulation.diagnostics if d.code == "SEARCH_NOT_INDEXED")
    assert warned == [
        "search condition 'person_born_text' searches 'person.born' with startsWith",
        "search condition 'person_unindexed' searches 'person.last_name' with equal",
    ]  # not person_id (the primary key), not notEqual (no index helps), not the indexed ones
    born = next(d for d in regulation.diagnostics if "person_born_text" in d.message)
    assert "cannot be indexed" in born.message
