"""``POST /search/<sc>`` with JSON numbers, booleans and lists, over HTTP on a registry served as ``serve``
serves it: each typed parameter finds exactly the rows it should, answers what the query string answers,
and a value of the wrong JSON type is a 422 naming the field (docs/search.md "Parameters")."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from registry_api.deploy import forget_package
from registry_api.embedded import EmbeddedPostgres, EmbeddedS3
from tests.conftest import created_database
from tests.served_registry import ServedRegistry, TestRealms, generate_registry, served_registry

TABLES = """<?xml version="1.0" encoding="UTF-8"?>
<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog"
                   xmlns:ext="http://www.liquibase.org/xml/ns/dbchangelog-ext">
    <changeSet id="table product" author="test">
        <createTable tableName="product" ext:historyFlag="true">
            <column name="product_id" type="UUID" defaultValueComputed="uuid_generate_v4()">
                <constraints nullable="false" primaryKey="true" primaryKeyName="pk_product_id"/>
            </column>
            <column name="name" type="TEXT"><constraints nullable="false"/></column>
            <column name="category" type="TEXT"/>
            <column name="quantity" type="INTEGER"/>
            <column name="price" type="NUMERIC(10,2)"/>
            <column name="in_stock" type="BOOLEAN"/>
            <column name="released" type="DATE"/>
        </createTable>
    </changeSet>
    <changeSet id="sc product_typed" author="test">
        <ext:createSearchCondition name="product_typed">
            <ext:table name="product">
                <ext:column name="name" searchType="startsWithArray" sorting="asc"/>
                <ext:column name="category" searchType="in"/>
                <ext:column name="quantity" searchType="in"/>
                <ext:column name="price" searchType="between"/>
                <ext:column name="in_stock" searchType="equal"/>
                <ext:column name="released" searchType="between"/>
            </ext:table>
        </ext:createSearchCondition>
    </changeSet>
    <changeSet id="sc product_excluding" author="test">
        <ext:createSearchCondition name="product_excluding">
            <ext:table name="product">
                <ext:column name="name" sorting="asc"/>
                <ext:column name="quantity" searchType="notIn"/>
                <ext:column name="price" searchType="equal"/>
            </ext:table>
        </ext:createSearchCondition>
    </changeSet>
</databaseChangeLog>
"""
MAIN = """<?xml version="1.0" encoding="UTF-8"?>
<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">
    <include file="data-model/tables.xml"/>
</databaseChangeLog>
"""
PRODUCTS = [
    {
        "name": "Apple",
        "category": "fruit",
        "quantity": 5,
        "price": 9.5,
        "inStock": True,
        "released": "2024-01-10",
    },
    {
        "name": "Apricot",
        "category": "fruit",
        "quantity": 0,
        "price": 12,
        "inStock": False,
        "released": "2024-03-01",
    },
    {
        "name": "Bread",
        "category": "bakery",
        "quantity": 20,
        "price": 2.25,
        "inStock": True,
        "released": "2023-12-31",
    },
    {
        "name": "Cheese",
        "category": "dairy",
        "quantity": 7,
        "price": 30.1,
        "inStock": True,
        "released": "2024-06-15",
    },
    {"name": "Dates", "category": None, "quantity": None, "price": None, "inStock": None, "released": None},
]


@pytest.fixture(scope="module")
def shop(
    postgres: EmbeddedPostgres, s3: EmbeddedS3, realms: TestRealms, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServedRegistry]:
    root = tmp_path_factory.mktemp("regulations") / "typed-shop"
    (root / "data-model").mkdir(parents=True)
    (root / "data-model" / "tables.xml").write_text(TABLES, encoding="utf-8")
    (root / "data-model" / "main-liquibase.xml").write_text(MAIN, encoding="utf-8")
    generated = generate_registry(root, tmp_path_factory.mktemp("generated-typed-shop"))
    try:
        with (
            created_database(postgres, prefix="typed_search") as url,
            served_registry(generated, url, s3, realms, tmp_path_factory.mktemp("typed-shop")) as served,
            served.client("officer") as client,
        ):
            for product in PRODUCTS:
                created = client.post("/product", json=product)
                assert created.status_code == 201, created.text
            yield served
    finally:
        forget_package(generated.package)


@pytest.fixture
def client(shop: ServedRegistry) -> Iterator[httpx.Client]:
    with shop.client("officer") as client:
        yield client


def names(client: httpx.Client, sc: str, body: Any) -> list[str]:
    answer = client.post(f"/search/{sc}", json=body)
    assert answer.status_code == 200, (body, answer.text)
    return [row["name"] for row in answer.json()]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"quantity": [5, 7]}, ["Apple", "Cheese"]),  # a list of JSON integers
        ({"quantity": [0]}, ["Apricot"]),  # 0 is a value, not "missing"
        ({"quantity": 20}, ["Bread"]),  # a single number is a list of one
        ({"quantity": "5,20"}, ["Apple", "Bread"]),  # a comma-separated string, as documented
        ({"priceFrom": 9.5, "priceTo": 12}, ["Apple", "Apricot"]),  # JSON float and integer, inclusive
        ({"priceFrom": 10.0}, ["Apricot", "Cheese"]),
        ({"priceTo": 2.25}, ["Bread"]),
        ({"inStock": True}, ["Apple", "Bread", "Cheese"]),  # JSON booleans
        ({"inStock": False}, ["Apricot"]),
        ({"category": ["fruit", "dairy"]}, ["Apple", "Apricot", "Cheese"]),  # a list of strings
        ({"name": ["ap", "CH"]}, ["Apple", "Apricot", "Cheese"]),  # startsWithArray, case-insensitive
        ({"releasedFrom": "2024-01-01", "releasedTo": "2024-03-01"}, ["Apple", "Apricot"]),
        ({"category": ["fruit"], "inStock": True, "quantity": [5, 0]}, ["Apple"]),  # ANDed
        (
            {"inStock": None, "quantity": None},
            ["Apple", "Apricot", "Bread", "Cheese", "Dates"],
        ),  # null: missing
        ({}, ["Apple", "Apricot", "Bread", "Cheese", "Dates"]),
    ],
)
def test_typed_values_in_a_json_body_find_their_rows(
    client: httpx.Client, body: Any, expected: list[str]
) -> None:
    assert names(client, "product-typed", body) == expected


def test_rows_carry_json_types(client: httpx.Client) -> None:
    (row,) = client.post("/search/product-typed", json={"name": ["Apple"]}).json()
    assert row == {
        "name": "Apple",
        "category": "fruit",
        "quantity": 5,
        "price": 9.5,
        "inStock": True,
        "released": "2024-01-10",
    }


def test_not_in_and_equal_on_numbers(client: httpx.Client) -> None:
    assert names(client, "product-excluding", {"quantity": [5, 20]}) == ["Apricot", "Cheese"]  # NULL never
    assert names(client, "product-excluding", {"price": 30.1}) == ["Cheese"]
    assert names(client, "product-excluding", {"price": 12}) == ["Apricot"]  # 12 equals 12.00


@pytest.mark.parametrize(
    "body",
    [
        {"quantity": [5, 7]},
        {"priceFrom": 9.5, "priceTo": 12},
        {"inStock": False},
        {"category": ["fruit", "dairy"], "name": ["a"]},
        {"releasedFrom": "2024-01-01"},
    ],
)
def test_a_body_answers_what_the_query_string_answers(client: httpx.Client, body: dict[str, Any]) -> None:
    query = {
        k: [str(x) for x in v] if isinstance(v, list) else str(v).lower() if isinstance(v, bool) else str(v)
        for k, v in body.items()
    }
    by_body = client.post("/search/product-typed", json=body)
    by_query = client.get("/search/product-typed", params=query)
    assert by_body.status_code == by_query.status_code == 200
    assert by_body.json() == by_query.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"quantity": ["five"]}, "quantity.0"),  # the item is named
        ({"quantity": [5, 1.5]}, "quantity.1"),  # not an integer
        ({"quantity": "5,x"}, "quantity.1"),
        ({"priceFrom": "cheap"}, "priceFrom"),
        ({"inStock": "maybe"}, "inStock"),
        ({"inStock": [True]}, "inStock"),  # equal takes one value
        ({"releasedTo": 20240101}, "releasedTo"),
        ({"category": {"nested": 1}}, "category"),
    ],
)
def test_a_value_of_the_wrong_type_is_a_422_naming_the_field(
    client: httpx.Client, body: dict[str, Any], field: str
) -> None:
    answer = client.post("/search/product-typed", json=body)
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["code"] == "VALIDATION_ERROR"
    assert [error["field"] for error in problem["details"]["errors"]] == [field]


@pytest.mark.parametrize("body", [[1, 2], "quantity", 5, None])
def test_a_body_that_is_not_an_object_is_a_client_error(client: httpx.Client, body: Any) -> None:
    answer = client.post("/search/product-typed", json=body)
    assert (answer.status_code, answer.json()["code"]) == (400, "CLIENT_ERROR")
