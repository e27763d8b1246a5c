"""Every search type, value type, logic group, pagination mode and output kind, over a hand-made view.

The search conditions are declared with the regulation model (as the reader would produce them) and
turned into specs by ``spec_from_model``, so the derivation of names and value types is covered too."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from registry_api.errors import ApiError, ErrorCode
from registry_api.search import execute_search, spec_from_model
from registry_api.search.spec import OutputKind, SearchSpec, ValueType
from schemas.regulation import (
    Column,
    ColumnRef,
    EnumLabel,
    EnumType,
    ForeignKey,
    LogicGroup,
    LogicOperatorType,
    Pagination,
    Regulation,
    ScColumn,
    ScTable,
    SearchCondition,
    SearchType,
    SortDirection,
    Table,
)

IDS = [f"00000000-0000-0000-0000-00000000000{i}" for i in range(1, 8)]
FILE_A = {"id": "f0000000-0000-0000-0000-00000000000a", "checksum": "a" * 64}
FILE_B = {"id": "f0000000-0000-0000-0000-00000000000b", "checksum": "b" * 64}

SCHEMA = """
CREATE TYPE type_file AS (id text, checksum text);
CREATE TYPE colour AS ENUM ('RED', 'GREEN', 'BLUE');
CREATE TABLE maker (maker_id uuid PRIMARY KEY, title text, made_in text);
CREATE TABLE item (
    item_id uuid PRIMARY KEY,
    name text, code varchar(20), qty integer, price numeric(10, 2), active boolean,
    born date, seen timestamp, opens time, colour colour, maker_id uuid REFERENCES maker,
    photo type_file, docs type_file[]
);
INSERT INTO maker VALUES ('10000000-0000-0000-0000-000000000001', 'Acme', 'Kyiv');
INSERT INTO item VALUES
 ('{0}', 'Alpha', 'A-1', 1, 10.50, true, '2020-01-01', '2020-01-01 10:00', '08:00', 'RED',
  '10000000-0000-0000-0000-000000000001',
  ROW('{f}', '{fc}')::type_file, ARRAY[ROW('{f}', '{fc}')::type_file, ROW('{g}', '{gc}')::type_file]),
 ('{1}', 'alphabet', 'A-2', 2, 20.00, false, '2020-06-15', '2020-06-15 12:30', '09:30', 'GREEN',
  NULL, NULL, ARRAY[]::type_file[]),
 ('{2}', 'Beta', 'B-1', 3, 30.25, true, '2021-01-01', '2021-01-01 00:00', '10:00', 'BLUE',
  NULL, NULL, NULL),
 ('{3}', '100% pure', 'C_1', 4, 40.00, NULL, '2021-12-31', '2021-12-31 23:59', '11:00', 'RED',
  NULL, NULL, NULL),
 ('{4}', 'a_b', 'C%1', 5, 50.00, true, '2022-03-01', '2022-03-01 08:00', '12:00', NULL,
  NULL, NULL, NULL),
 ('{5}', 'axb', 'D-1', 6, 60.00, false, NULL, NULL, NULL, 'GREEN',
  NULL, NULL, NULL),
 ('{6}', 'Ωmega Лаб', 'E-1', 7, 70.00, true, '2023-01-01', '2023-01-01 00:00', '13:00', 'BLUE',
  NULL, NULL, NULL);
""".format(*IDS, f=FILE_A["id"], fc=FILE_A["checksum"], g=FILE_B["id"], gc=FILE_B["checksum"])

ITEM = Table(
    name="item",
    columns=(
        Column("item_id", "UUID", primary_key=True),
        Column("name", "TEXT"),
        Column("code", "varchar(20)"),
        Column("qty", "INTEGER"),
        Column("price", "NUMERIC(10,2)"),
        Column("active", "BOOLEAN"),
        Column("born", "DATE"),
        Column("seen", "TIMESTAMP WITHOUT TIME ZONE"),
        Column("opens", "TIME"),
        Column("colour", "colour"),
        Column("maker_id", "UUID"),
        Column("photo", "type_file"),
        Column("docs", "type_file[]"),
    ),
    primary_key=("item_id",),
    foreign_keys=(ForeignKey("fk_item_maker", ("maker_id",), "maker", ("maker_id",)),),
)
MAKER = Table(
    name="maker",
    columns=(
        Column("maker_id", "UUID", primary_key=True),
        Column("title", "TEXT"),
        Column("made_in", "TEXT"),
    ),
    primary_key=("maker_id",),
)
COLOUR = EnumType("colour", (EnumLabel("RED"), EnumLabel("GREEN"), EnumLabel("BLUE")))


def sc_column(name: str, **kwargs: Any) -> ScColumn:
    return ScColumn(table_alias="i", name=name, **kwargs)


def make_spec(
    name: str,
    columns: tuple[ScColumn, ...],
    *,
    pagination: Pagination = Pagination.NONE,
    limit: int | None = None,
    logic: tuple[LogicGroup, ...] = (),
) -> SearchSpec:
    sc = SearchCondition(
        name=name,
        tables=(ScTable(name="item", alias="i", columns=columns),),
        pagination=pagination,
        limit=limit,
        logic=logic,
    )
    regulation = Regulation(
        root="", name="synthetic", tables=(ITEM, MAKER), enums=(COLOUR,), search_conditions=(sc,)
    )
    return spec_from_model(sc, regulation)


def by(search_type: SearchType, column: str) -> SearchSpec:
    """A spec named after ``column`` returning id and name, searching ``column`` with ``search_type``."""
    return make_spec(
        f"by_{column}",
        (
            sc_column("item_id"),
            sc_column(
                "name", sorting=SortDirection.ASC, search_type=search_type if column == "name" else None
            ),
            *((sc_column(column, returning=False, search_type=search_type),) if column != "name" else ()),
        ),
    )


@pytest.fixture(scope="module")
def engine(module_engine: Engine) -> Iterator[Engine]:
    with module_engine.begin() as conn:
        conn.execute(sa.text(SCHEMA))
        for view in (
            "by_name",
            "by_code",
            "by_qty",
            "by_price",
            "by_active",
            "by_born",
            "by_seen",
            "by_opens",
            "by_colour",
            "by_item_id",
            "everything",
            "grouped",
            "paged",
            "offsets",
            "capped",
            "needs",
        ):
            conn.execute(sa.text(f"CREATE VIEW {view}_v AS SELECT * FROM item"))  # noqa: S608
    yield module_engine


def search(engine: Engine, spec: SearchSpec, params: dict[str, Any], **kwargs: Any) -> Any:
    with engine.connect() as conn:
        return execute_search(conn, spec, params, **kwargs)


def names(engine: Engine, spec: SearchSpec, params: dict[str, Any]) -> list[str]:
    """The names found, in code point order (row order is the collation's business, tested elsewhere)."""
    rows = search(engine, spec, params)
    return sorted(row["name"] for row in rows)


def validation_fields(error: pytest.ExceptionInfo[ApiError]) -> list[str]:
    assert error.value.code is ErrorCode.VALIDATION_ERROR
    return [e["field"] for e in error.value.details["errors"]]


# ---------------------------------------------------------------------------------------------


def test_value_types_come_from_the_table_columns() -> None:
    spec = make_spec(
        "types",
        tuple(sc_column(c.name, search_type=SearchType.EQUAL) for c in ITEM.columns if not c.is_file),
    )
    types = {p.name: p.value_type for p in spec.parameters}
    assert types == {
        "itemId": ValueType.UUID,
        "name": ValueType.TEXT,
        "code": ValueType.TEXT,
        "qty": ValueType.INTEGER,
        "price": ValueType.NUMERIC,
        "active": ValueType.BOOLEAN,
        "born": ValueType.DATE,
        "seen": ValueType.TIMESTAMP,
        "opens": ValueType.TIME,
        "colour": ValueType.ENUM,
        "makerId": ValueType.UUID,
    }


def test_equal_is_case_sensitive_and_not_equal_excludes(engine: Engine) -> None:
    assert names(engine, by(SearchType.EQUAL, "name"), {"name": "Alpha"}) == ["Alpha"]
    assert names(engine, by(SearchType.EQUAL, "name"), {"name": "alpha"}) == []
    not_equal = names(engine, by(SearchType.NOT_EQUAL, "code"), {"code": "A-1"})
    assert "Alpha" not in not_equal and len(not_equal) == 6


def test_contains_is_case_insensitive_and_wildcards_are_literal(engine: Engine) -> None:
    spec = by(SearchType.CONTAINS, "name")
    assert names(engine, spec, {"name": "ALPHA"}) == ["Alpha", "alphabet"]
    assert names(engine, spec, {"name": "%"}) == ["100% pure"]
    assert names(engine, spec, {"name": "_"}) == ["a_b"]
    assert names(engine, spec, {"name": "лаб"}) == ["Ωmega Лаб"]  # Unicode case folding
    assert names(engine, spec, {"name": "\\"}) == []
    assert len(names(engine, spec, {})) == 7  # missing optional parameter: ignored


def test_starts_with_and_starts_with_array(engine: Engine) -> None:
    assert names(engine, by(SearchType.STARTS_WITH, "name"), {"name": "AL"}) == ["Alpha", "alphabet"]
    assert names(engine, by(SearchType.STARTS_WITH, "name"), {"name": "a_"}) == ["a_b"]
    prefixes = by(SearchType.STARTS_WITH_ARRAY, "code")
    assert names(engine, prefixes, {"code": ["a-", "b"]}) == ["Alpha", "Beta", "alphabet"]
    assert names(engine, prefixes, {"code": "a-,b"}) == ["Alpha", "Beta", "alphabet"]
    assert names(engine, prefixes, {"code": []}) == []
    # Prefix and substring searches compare any column as text.
    assert names(engine, by(SearchType.CONTAINS, "qty"), {"qty": "7"}) == ["Ωmega Лаб"]
    assert names(engine, by(SearchType.STARTS_WITH, "item_id"), {"itemId": IDS[5][:-1]}) == sorted(
        ["Alpha", "alphabet", "Beta", "100% pure", "a_b", "axb", "Ωmega Лаб"]
    )


def test_in_and_not_in_accept_lists_single_values_and_comma_strings(engine: Engine) -> None:
    assert names(engine, by(SearchType.IN, "qty"), {"qty": [1, "3"]}) == ["Alpha", "Beta"]
    assert names(engine, by(SearchType.IN, "qty"), {"qty": "1,3"}) == ["Alpha", "Beta"]
    assert names(engine, by(SearchType.IN, "qty"), {"qty": 2}) == ["alphabet"]
    assert names(engine, by(SearchType.IN, "item_id"), {"itemId": f"{IDS[0]},{IDS[2]}"}) == ["Alpha", "Beta"]
    assert names(engine, by(SearchType.IN, "colour"), {"colour": ["RED"]}) == ["100% pure", "Alpha"]
    not_in = names(engine, by(SearchType.NOT_IN, "colour"), {"colour": "RED,GREEN"})
    assert not_in == ["Beta", "Ωmega Лаб"]  # NULL colour is neither in nor not in, as in SQL


def test_between_is_inclusive_with_either_side_optional(engine: Engine) -> None:
    assert names(engine, by(SearchType.BETWEEN, "qty"), {"qtyFrom": 2, "qtyTo": "3"}) == ["Beta", "alphabet"]
    assert names(engine, by(SearchType.BETWEEN, "qty"), {"qtyFrom": "6"}) == ["axb", "Ωmega Лаб"]
    assert names(engine, by(SearchType.BETWEEN, "price"), {"priceTo": "20"}) == ["Alpha", "alphabet"]
    dates = {"bornFrom": "2020-06-15", "bornTo": "2021-12-31"}
    assert names(engine, by(SearchType.BETWEEN, "born"), dates) == ["100% pure", "Beta", "alphabet"]
    times = {"seenFrom": "2021-12-31T23:59:00", "seenTo": "2022-03-01T08:00"}
    assert names(engine, by(SearchType.BETWEEN, "seen"), times) == ["100% pure", "a_b"]
    assert names(engine, by(SearchType.BETWEEN, "opens"), {"opensFrom": "12:00"}) == ["a_b", "Ωmega Лаб"]


def test_equal_on_typed_columns(engine: Engine) -> None:
    assert names(engine, by(SearchType.EQUAL, "active"), {"active": "false"}) == ["alphabet", "axb"]
    assert names(engine, by(SearchType.EQUAL, "colour"), {"colour": "BLUE"}) == ["Beta", "Ωmega Лаб"]
    assert names(engine, by(SearchType.EQUAL, "item_id"), {"itemId": IDS[4]}) == ["a_b"]
    assert names(engine, by(SearchType.EQUAL, "price"), {"price": 30.25}) == ["Beta"]
    assert names(engine, by(SearchType.EQUAL, "born"), {"born": "2020-01-01"}) == ["Alpha"]


def test_bad_values_are_validation_errors_naming_every_field(engine: Engine) -> None:
    with pytest.raises(ApiError) as error:
        search(engine, by(SearchType.BETWEEN, "qty"), {"qtyFrom": "many", "qtyTo": "1.5"})
    assert validation_fields(error) == ["qtyFrom", "qtyTo"]
    assert error.value.status == 422
    with pytest.raises(ApiError) as error:
        search(engine, by(SearchType.IN, "item_id"), {"itemId": "not-a-uuid"})
    assert validation_fields(error) == ["itemId"]
    assert error.value.details["errors"][0]["message"] == "must be a UUID"


def test_required_parameters_must_be_given(engine: Engine) -> None:
    spec = make_spec(
        "needs",
        (
            sc_column("name", sorting=SortDirection.ASC, search_type=SearchType.CONTAINS, required=True),
            sc_column("qty", returning=False, search_type=SearchType.EQUAL),
        ),
    )
    with pytest.raises(ApiError) as error:
        search(engine, spec, {"qty": 1})
    assert validation_fields(error) == ["name"]
    assert error.value.details["errors"][0] == {"field": "name", "value": None, "message": "must not be null"}
    assert [r["name"] for r in search(engine, spec, {"name": "a", "qty": 1})] == ["Alpha"]


def test_logic_groups_combine_parameters_with_or_inside_and(engine: Engine) -> None:
    # (name contains X OR code startsWith Y) AND active = true
    spec = make_spec(
        "grouped",
        (
            sc_column("name", sorting=SortDirection.ASC, search_type=SearchType.CONTAINS),
            sc_column("code", returning=False, search_type=SearchType.STARTS_WITH),
            sc_column("active", returning=False, search_type=SearchType.EQUAL),
        ),
        logic=(LogicGroup(LogicOperatorType.OR, columns=(ColumnRef("i", "name"), ColumnRef("i", "code"))),),
    )
    assert [g.parameters for g in spec.groups] == [("name", "code")]
    assert names(engine, spec, {"name": "alpha", "code": "C", "active": "true"}) == ["Alpha", "a_b"]
    assert names(engine, spec, {"code": "C"}) == ["100% pure", "a_b"]  # a group with one given parameter


def test_offset_pagination_caps_the_limit(engine: Engine) -> None:
    spec = make_spec(
        "offsets",
        (sc_column("name"), sc_column("qty", sorting=SortDirection.DESC)),
        pagination=Pagination.OFFSET,
        limit=3,
    )
    assert [r["qty"] for r in search(engine, spec, {})] == [7, 6, 5]
    assert [r["qty"] for r in search(engine, spec, {"limit": 2, "offset": "1"})] == [6, 5]
    assert [r["qty"] for r in search(engine, spec, {"limit": "50", "offset": 2})] == [5, 4, 3]
    assert search(engine, spec, {"offset": 10}) == []
    with pytest.raises(ApiError) as error:
        search(engine, spec, {"limit": -1, "offset": -2})
    assert validation_fields(error) == ["limit", "offset"]


def test_page_pagination_shape_and_page_size_cap(engine: Engine) -> None:
    spec = make_spec(
        "paged",
        (
            sc_column("qty", sorting=SortDirection.ASC),
            sc_column("active", returning=False, search_type=SearchType.EQUAL),
        ),
        pagination=Pagination.PAGE,
        limit=4,
    )
    page = search(engine, spec, {"pageSize": 2, "pageNo": 1})
    assert page == {
        "content": [{"qty": 3}, {"qty": 4}],
        "totalElements": 7,
        "totalPages": 4,
        "pageNo": 1,
        "pageSize": 2,
    }
    capped = search(engine, spec, {"active": True})
    assert capped["pageSize"] == 4  # default 10, capped by the search condition's limit
    assert [r["qty"] for r in capped["content"]] == [1, 3, 5, 7]
    assert (capped["totalElements"], capped["totalPages"], capped["pageNo"]) == (4, 1, 0)
    empty = search(engine, spec, {"pageNo": 9})
    assert empty["content"] == [] and empty["totalElements"] == 7
    with pytest.raises(ApiError) as error:
        search(engine, spec, {"pageSize": 0, "pageNo": -1})
    assert validation_fields(error) == ["pageSize", "pageNo"]


def test_a_page_is_one_statement_with_an_exact_total(engine: Engine) -> None:
    """The count rides along with the page (a window count over the same scan): one statement per
    page. Only a page past the end, which has no row to carry it, counts separately."""
    spec = make_spec(
        "paged",
        (
            sc_column("qty", sorting=SortDirection.ASC),
            sc_column("active", returning=False, search_type=SearchType.EQUAL),
        ),
        pagination=Pagination.PAGE,
        limit=4,
    )
    statements: list[str] = []

    def remember(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", remember)
    try:
        last = search(engine, spec, {"pageSize": 3, "pageNo": 2})
        assert (last["content"], last["totalElements"], last["totalPages"]) == ([{"qty": 7}], 7, 3)
        assert len(statements) == 1 and "count(*) OVER ()" in statements[0]
        statements.clear()
        first = search(engine, spec, {"active": True, "pageSize": 2, "pageNo": 0})
        assert first["totalElements"] == 4 and len(statements) == 1
        statements.clear()
        beyond = search(engine, spec, {"active": False, "pageSize": 2, "pageNo": 5})
        assert (beyond["content"], beyond["totalElements"], beyond["totalPages"]) == ([], 2, 1)
        assert len(statements) == 2
    finally:
        sa.event.remove(engine, "before_cursor_execute", remember)


def test_no_pagination_uses_the_limit_as_a_hard_cap(engine: Engine) -> None:
    spec = make_spec("capped", (sc_column("qty", sorting=SortDirection.ASC),), limit=2)
    assert search(engine, spec, {"limit": 100, "offset": 3}) == [{"qty": 1}, {"qty": 2}]


def test_outputs_are_json_ready_files_included(engine: Engine) -> None:
    spec = make_spec(
        "everything",
        tuple(
            sc_column(c.name, search_type=SearchType.EQUAL if c.name == "name" else None)
            for c in ITEM.columns
        ),
    )
    assert {o.name: o.kind for o in spec.outputs}["docs"] is OutputKind.FILE_ARRAY
    (alpha,) = search(engine, spec, {"name": "Alpha"})
    assert alpha == {
        "itemId": IDS[0],
        "name": "Alpha",
        "code": "A-1",
        "qty": 1,
        "price": 10.5,
        "active": True,
        "born": "2020-01-01",
        "seen": "2020-01-01T10:00:00",
        "opens": "08:00:00",
        "colour": "RED",
        "makerId": "10000000-0000-0000-0000-000000000001",
        "photo": FILE_A,
        "docs": [FILE_A, FILE_B],
    }
    (alphabet,) = search(engine, spec, {"name": "alphabet"})
    assert (alphabet["photo"], alphabet["docs"]) == (None, [])


def test_visible_restricts_the_returned_columns(engine: Engine) -> None:
    spec = make_spec(
        "everything",
        (sc_column("item_id"), sc_column("name", search_type=SearchType.EQUAL), sc_column("photo")),
    )
    (row,) = search(engine, spec, {"name": "Alpha"}, visible=frozenset({"name", "photo"}))
    assert row == {"name": "Alpha", "photo": FILE_A}
    (row,) = search(engine, spec, {"name": "Alpha"}, visible=frozenset({"itemId"}))  # camelCase works too
    assert row == {"itemId": IDS[0]}
    assert search(engine, spec, {"name": "Alpha"}, visible=frozenset()) == [{}]


def test_fetch_type_entity_nests_the_referenced_row(engine: Engine) -> None:
    from schemas.regulation import FetchType

    spec = make_spec(
        "everything",
        (sc_column("name", search_type=SearchType.EQUAL), sc_column("maker_id", fetch_type=FetchType.ENTITY)),
    )
    rows = search(engine, spec, {"name": "Alpha"}) + search(engine, spec, {"name": "Beta"})
    assert rows == [
        {
            "name": "Alpha",
            "makerId": {"makerId": "10000000-0000-0000-0000-000000000001", "title": "Acme", "madeIn": "Kyiv"},
        },
        {"name": "Beta", "makerId": None},
    ]
