"""The public-API settings file: shape, clear errors, and what its entries may point at."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.public_api import (
    PublicApiError,
    PublicFileColumn,
    PublicSearchCondition,
    load_public_api,
    parse_public_api,
    parse_url,
    published_file_columns,
    published_search_conditions,
    resolve_entry,
    validate_public_api,
)
from schemas.regulation import Regulation


def _entry(name: str = "user-photo", url: str = "/user-public-photo", **extra: object) -> dict[str, object]:
    return {"name": name, "url": url, "limits": {"minute": 10}, **extra}


def _problems(data: object) -> list[str]:
    with pytest.raises(PublicApiError) as caught:
        parse_public_api(data, "public-api.yaml")
    return caught.value.problems


def test_example_file_loads(user_public_api) -> None:  # type: ignore[no-untyped-def]
    names = [e.name for e in user_public_api.entries]
    assert names == ["user-public-photo", "user-photo-files"]
    assert user_public_api.entries[1].limits.windows() == {"second": 5, "minute": 100}
    assert all(e.enabled for e in user_public_api.entries)


def test_json_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "public-api.json"
    path.write_text('{"publicApi": [{"name": "abc", "url": "/x", "limits": {"day": 1}}]}', encoding="utf-8")
    assert load_public_api(path).entries[0].limits.day == 1


@pytest.mark.parametrize(
    ("data", "needles"),
    [
        ({"publicAPI": []}, ["top-level key 'publicApi'"]),
        ({"publicApi": [_entry(name="AB")]}, ["publicApi[0] (AB)", "name"]),
        ({"publicApi": [_entry(name="-abc")]}, ["publicApi[0] (-abc)", "name", "pattern"]),
        ({"publicApi": [_entry(name="a" * 33)]}, ["name"]),
        ({"publicApi": [{**_entry(), "limits": {}}]}, ["limits", "at least one"]),
        ({"publicApi": [{**_entry(), "limits": {"second": 0}}]}, ["limits.second", "greater than 0"]),
        (
            {"publicApi": [{**_entry(), "limits": {"month": 0}}]},
            ["user-photo", "limits.month", "greater than 0"],
        ),
        (
            {"publicApi": [{**_entry(), "limits": {"week": 100}}]},
            ["limits.week", "unknown field", "month, year"],
        ),
        ({"publicApi": [{**_entry(), "limit": {"second": 1}}]}, ["limit:", "unknown field"]),
        ({"publicApi": [_entry(), _entry(url="/other")]}, ["name 'user-photo'", "unique"]),
        ({"publicApi": [_entry(), _entry(name="other")]}, ["url '/user-public-photo'", "unique"]),
    ],
)
def test_bad_shapes_name_the_entry_and_field(data: object, needles: list[str]) -> None:
    problems = _problems(data)
    assert any(all(n in p for n in needles) for p in problems), problems


def test_unsafe_yaml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "public-api.yaml"
    path.write_text("publicApi: !!python/object/apply:os.system ['true']\n", encoding="utf-8")
    with pytest.raises(PublicApiError, match="not valid YAML"):
        load_public_api(path)


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("/files/user/{*}/photo/{*}", "not as regex groups or templates"),
        ("/files/user/(.*)/photo/(.*)", "not as regex groups"),
        ("/files/user/*/photo", "exactly /files/"),
        ("/files/user/*/photo/*/x", "exactly /files/"),
        ("/user/*", "'*' is allowed only"),
        ("user-public-photo", "must be /<search-condition-path>"),
        ("/search/user-public-photo", "must be /<search-condition-path>"),
    ],
)
def test_bad_urls(url: str, needle: str) -> None:
    with pytest.raises(ValueError, match=r".*") as caught:
        parse_url(url)
    assert needle in str(caught.value)


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("/city-contains-name", "not exposed with publicAccess"),
        ("/user-search-by-name", "not exposed with publicAccess"),
        ("/no-such-thing", "names no search condition"),
        (
            "/files/user/*/documents/*",
            "no search condition with publicAccess=\"true\" returns 'user.documents'",
        ),
        ("/files/user/*/name/*", "'user.name' is not a file column"),
        ("/files/city/*/photo/*", "entity 'city' has no field 'photo'"),
        ("/files/users/*/photo/*", "no entity 'users'"),
    ],
)
def test_entries_pointing_at_the_wrong_thing_are_refused(
    user_regulation: Regulation, url: str, needle: str
) -> None:
    settings = parse_public_api({"publicApi": [_entry(name="broken", url=url)]})
    problems = validate_public_api(settings, user_regulation)
    assert len(problems) == 1 and "'broken'" in problems[0] and needle in problems[0], problems


def test_disabled_entries_are_checked_but_not_published(user_regulation: Regulation) -> None:
    settings = parse_public_api(
        {"publicApi": [_entry(enabled=False), _entry(name="files", url="/files/user/*/photo/*")]}
    )
    assert validate_public_api(settings, user_regulation) == []
    assert published_search_conditions(settings, user_regulation) == frozenset()
    assert published_file_columns(settings, user_regulation) == {("user", "photo")}


def test_helpers_map_entries_to_targets(user_regulation: Regulation, user_public_api) -> None:  # type: ignore[no-untyped-def]
    search, files = (resolve_entry(e, user_regulation) for e in user_public_api.entries)
    assert isinstance(search, PublicSearchCondition) and search.search_condition.name == "user_public_photo"
    assert isinstance(files, PublicFileColumn) and (files.table.name, files.column.name) == ("user", "photo")
    assert published_search_conditions(user_public_api, user_regulation) == {"user_public_photo"}
