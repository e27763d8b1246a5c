"""Specs as source (what generated routers embed) and the collection of raw input, without a database."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from starlette.datastructures import QueryParams

import registry_api.search.spec as spec_module
from codegen.reader import read_regulation
from registry_api.errors import ApiError, ErrorCode
from registry_api.search import from_body, from_query, parse_request, spec_from_model, spec_source
from registry_api.search.spec import (
    SOURCE_IMPORTS,
    LogicOperatorType,
    OutputColumn,
    OutputKind,
    Pagination,
    ParameterGroup,
    SearchParameter,
    SearchSpec,
    SearchType,
    SortKey,
    ValueType,
    used_names,
    value_type_of,
)

RICH = SearchSpec(
    name="rich_search",
    view="rich_search_v",
    parameters=(
        SearchParameter("name", "name", SearchType.CONTAINS, required=True),
        SearchParameter("code", "code", SearchType.STARTS_WITH_ARRAY),
        SearchParameter("born", "born", SearchType.BETWEEN, ValueType.DATE),
        SearchParameter("ids", "item_id", SearchType.NOT_IN, ValueType.UUID),
        SearchParameter("qty", "qty", SearchType.IN, ValueType.INTEGER),
        SearchParameter("kind", "kind", SearchType.NOT_EQUAL, ValueType.ENUM),
    ),
    outputs=(
        OutputColumn("item_id", "itemId"),
        OutputColumn("photo", "photo", OutputKind.FILE),
        OutputColumn("docs", "docs", OutputKind.FILE_ARRAY),
        OutputColumn("maker_id", "makerId", OutputKind.ENTITY, entity_table="maker", entity_key="maker_id"),
    ),
    sorting=(SortKey("name", descending=True), SortKey("item_id")),
    pagination=Pagination.PAGE,
    limit=50,
    groups=(
        ParameterGroup(
            LogicOperatorType.OR,
            ("name", "code"),
            (ParameterGroup(LogicOperatorType.AND, ("qty", "kind")),),
        ),
    ),
)


def corpus_specs(shared_dir: Path) -> list[SearchSpec]:
    specs = []
    for path in sorted((shared_dir / "regulations").rglob("*.xml")):
        if "fragment" not in path.name:
            regulation = read_regulation(path)
            specs += [spec_from_model(sc, regulation) for sc in regulation.search_conditions]
    return specs


def test_spec_source_round_trips(shared_dir: Path) -> None:
    specs = [RICH, *corpus_specs(shared_dir)]
    assert len(specs) > 20
    for spec in specs:
        source = spec_source(spec)
        assert eval(source, vars(spec_module)) == spec  # noqa: S307 - our own generated source
        assert spec_source(spec) == source


def test_spec_source_is_lint_clean_python(shared_dir: Path, tmp_path: Path) -> None:
    module = [SOURCE_IMPORTS]
    for index, spec in enumerate([RICH, *corpus_specs(shared_dir)]):
        module.append(f"\nSPEC_{index} = {spec_source(spec)}\n")
    text = "".join(module)
    assert set(used_names(spec_source(RICH))) == {
        "LogicOperatorType", "OutputColumn", "OutputKind", "Pagination", "ParameterGroup",
        "SearchParameter", "SearchSpec", "SearchType", "SortKey", "ValueType",
    }  # fmt: skip
    target = tmp_path / "specs.py"
    target.write_text(text, encoding="utf-8")
    ruff = Path(sys.executable).parent / "ruff"
    checked = subprocess.run(
        [
            str(ruff),
            "check",
            "--no-cache",
            "--config",
            str(Path(__file__).parents[2] / "pyproject.toml"),
            str(target),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("UUID", ValueType.UUID),
        ("varchar(50)", ValueType.TEXT),
        ("CHAR(1)", ValueType.TEXT),
        ("BIGINT", ValueType.INTEGER),
        ("DECIMAL(10, 2)", ValueType.NUMERIC),
        ("double precision", ValueType.NUMERIC),
        ("bool", ValueType.BOOLEAN),
        ("DATE", ValueType.DATE),
        ("TIMESTAMP WITH TIME ZONE", ValueType.TIMESTAMP),
        ("timestamptz", ValueType.TIMESTAMP),
        ("TIME", ValueType.TIME),
        ("file[]", ValueType.FILE),
        ("type_file", ValueType.FILE),
        ("jsonb", ValueType.TEXT),
        (None, ValueType.TEXT),
    ],
)
def test_value_type_of_declared_types(declared: str | None, expected: ValueType) -> None:
    assert value_type_of(declared) is expected


def test_from_query_flattens_lists_and_takes_first_scalars() -> None:
    query = QueryParams(
        "name=a&name=b&code=x,y&code=z&qty=1,2&bornFrom=2020-01-01&pageSize=5&pageNo=1&other=9"
    )
    assert from_query(RICH, query) == {
        "name": "a",
        "code": ["x", "y", "z"],
        "qty": ["1", "2"],
        "bornFrom": "2020-01-01",
        "pageSize": "5",
        "pageNo": "1",
    }
    request = parse_request(RICH, from_query(RICH, query))
    assert request.filters["qty"] == [1, 2] and str(request.filters["bornFrom"]) == "2020-01-01"
    assert (request.page_size, request.page_no) == (5, 1)


def test_from_body_takes_json_values_and_rejects_non_objects() -> None:
    body: dict[str, Any] = {"name": "a", "code": "x,y", "qty": [1, 2], "bornTo": None, "pageNo": 2}
    assert from_body(RICH, body) == {"name": "a", "code": "x,y", "qty": [1, 2], "pageNo": 2}
    assert parse_request(RICH, from_body(RICH, body)).filters["code"] == ["x", "y"]
    with pytest.raises(ApiError) as error:
        from_body(RICH, ["name"])
    assert error.value.code is ErrorCode.CLIENT_ERROR


def test_parse_request_reports_every_bad_field() -> None:
    with pytest.raises(ApiError) as error:
        parse_request(RICH, {"bornFrom": "yesterday", "ids": "1,2", "qty": [True], "pageSize": "0"})
    assert error.value.code is ErrorCode.VALIDATION_ERROR
    assert error.value.details == {
        "errors": [
            {"field": "name", "value": None, "message": "must not be null"},
            {"field": "bornFrom", "value": "yesterday", "message": "must be a date (YYYY-MM-DD)"},
            {"field": "ids", "value": "1,2", "message": "must be a UUID"},
            {"field": "qty", "value": [True], "message": "must be an integer"},
            {"field": "pageSize", "value": "0", "message": "must be greater than or equal to 1"},
        ]
    }


def test_page_size_defaults_to_ten_and_is_capped() -> None:
    assert parse_request(RICH, {"name": "x"}).page_size == 10
    assert parse_request(RICH, {"name": "x", "pageSize": 500}).page_size == 50
