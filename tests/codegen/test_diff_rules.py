"""The rules of docs/diff.md that ``tests/codegen/test_diff.py`` does not reach, each from an edit a
modeller makes to ``examples/user``: type widenings and narrowings as the table of rules lists them,
file kinds, nullability, search parameters, outputs, pagination and limits."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from codegen.diff import DiffReport, diff_regulations
from codegen.diff.model import widens

REPO = Path(__file__).resolve().parents[2]
USER = REPO / "examples" / "user"
TABLES = "data-model/createTables.xml"
SEARCHES = "data-model/createSearchConditions.xml"


def edited(tmp_path: Path, edits: list[tuple[str, str, str]]) -> Path:
    copy = tmp_path / "new" / USER.name
    shutil.copytree(USER, copy)
    for file, old, new in edits:
        path = copy / file
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {file}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return copy


def model_rules(report: DiffReport) -> set[tuple[str, str]]:
    return {(c.scope, c.rule) for c in report.changes if c.area.value == "model"}


@pytest.mark.parametrize(
    ("old", "new", "widened"),
    [
        ("varchar(50)", "varchar(100)", True),
        ("varchar(50)", "varchar(50)", True),
        ("VARCHAR(100)", "varchar(50)", False),
        ("varchar(50)", "varchar", True),  # unbounded
        ("varchar", "varchar(50)", False),
        ("varchar(50)", "text", True),
        ("char(3)", "text", True),
        ("character varying(10)", "character varying ( 20 )", True),
        ("TEXT", "varchar(50)", False),
        ("smallint", "integer", True),
        ("integer", "bigint", True),
        ("int4", "int8", True),
        ("bigint", "integer", False),
        ("integer", "numeric", True),  # unbounded numeric holds every integer
        ("integer", "numeric(10,2)", False),
        ("numeric(5,2)", "numeric(7,3)", True),  # more digits on both sides
        ("numeric(5,2)", "numeric(6,1)", False),  # fewer after the point
        ("numeric(5,2)", "numeric(5,3)", False),  # fewer before it
        ("numeric(5,2)", "numeric", True),
        ("numeric", "numeric(10,2)", False),
        ("decimal(4)", "numeric(6,2)", True),
        ("real", "double precision", True),
        ("double precision", "real", False),
        ("timestamp", "timestamptz", True),
        ("timestamptz", "timestamp", False),
        ("text", "integer", False),
    ],
)
def test_type_changes_are_widenings_as_documented(old: str, new: str, widened: bool) -> None:
    assert widens(old, new) is widened


def test_column_kinds_and_nullability(tmp_path: Path) -> None:
    new = edited(
        tmp_path,
        [
            (TABLES, '<column name="photo" type="file"', '<column name="photo" type="file[]"'),
            (
                TABLES,
                '<column name="email" type="TEXT" remarks="E-mail"/>',
                '<column name="email" type="UUID"/>',
            ),
            (
                TABLES,
                '<column name="name" type="TEXT" remarks="City name">\n'
                '                <constraints nullable="false" unique="true"/>',
                '<column name="name" type="TEXT" remarks="City name">\n'
                '                <constraints unique="true"/>',
            ),
        ],
    )
    assert model_rules(diff_regulations(str(USER), str(new))) >= {
        ("table user", "file-kind-changed"),
        ("table user", "column-type-narrowed"),
        ("table city", "column-now-optional"),
    }
    back = model_rules(diff_regulations(str(new), str(USER)))
    assert ("table city", "column-now-required") in back and ("table user", "file-kind-changed") in back


def test_search_parameters_outputs_pagination_and_limits(tmp_path: Path) -> None:
    new = edited(
        tmp_path,
        [
            (
                SEARCHES,
                '<ext:column name="name" searchType="startsWith" sorting="asc"/>',
                '<ext:column name="name" searchType="contains" sorting="asc" required="true"/>',
            ),
            (SEARCHES, '<ext:column name="email"/>\n', ""),
            (SEARCHES, 'pagination="page" limit="100"', 'pagination="offset" limit="50"'),
            (SEARCHES, 'pagination="offset" limit="10"', 'pagination="offset" limit="20"'),
        ],
    )
    found = model_rules(diff_regulations(str(USER), str(new)))
    assert found >= {
        ("search user_search_by_name", "search-param-type-changed"),
        ("search user_search_by_name", "search-param-now-required"),
        ("search user_search_by_name", "search-output-removed"),
        ("search user_search_by_name", "search-pagination-changed"),
        ("search user_search_by_name", "search-limit-lowered"),
        ("search user_public_photo", "search-limit-raised"),
    }
    back = model_rules(diff_regulations(str(new), str(USER)))
    assert {
        ("search user_search_by_name", "search-param-now-optional"),
        ("search user_search_by_name", "search-output-added"),
        ("search user_search_by_name", "search-limit-raised"),
        ("search user_public_photo", "search-limit-lowered"),
    } <= back
