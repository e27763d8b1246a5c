"""Upgrading a live registry on PostgreSQL: the ``library`` regulation (``tests/migrate/library``) is
served at release 1 and given data through its API (rows, history, an attached file), then the same
database is upgraded to release 2, which takes those tables through every change the migrator applies
(renames and drops with their history tables, column changes, constraints, indexes, data changes,
sequences, types, views, search conditions). The catalogue is checked for what release 2 declares, the
data for what release 1 wrote, and release 2 is served and read over HTTP, as ``serve`` does after an
upgrade."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from codegen.migrate import migrate
from codegen.reader import read_regulation
from registry_api.deploy import forget_package
from registry_api.embedded import EmbeddedPostgres, EmbeddedS3
from tests.conftest import created_database
from tests.served_registry import (
    ServedRegistry,
    TestRealms,
    generate_registry,
    s3_settings,
    served_registry,
)

LIBRARY = Path(__file__).resolve().parent / "library"
COVER = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
RELEASE_1_MAIN = """<?xml version="1.0" encoding="UTF-8"?>
<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">
    <include file="data-model/release-1.xml"/>
</databaseChangeLog>
"""


def release(base: Path, number: int) -> Path:
    """The library regulation as it was at release ``number`` (1 or 2), in a folder of its own."""
    root = base / f"release-{number}" / "library"
    shutil.copytree(LIBRARY, root)
    if number == 1:
        (root / "data-model" / "main-liquibase.xml").write_text(RELEASE_1_MAIN, encoding="utf-8")
    return root


@dataclass
class Upgrade:
    served: ServedRegistry  # release 2, on the upgraded database
    ids: dict[str, str] = field(default_factory=dict)
    cover: dict[str, Any] = field(default_factory=dict)
    history_before: int = 0

    def scalar(self, query: str, **params: Any) -> Any:
        ((value,),) = self.served.rows(query, **params)
        return value


def write_release_1_data(served: ServedRegistry, upgrade: Upgrade) -> None:
    with served.client("officer") as client:

        def create(entity: str, body: dict[str, Any]) -> str:
            answer = client.post(f"/{entity}", json=body)
            assert answer.status_code == 201, answer.text
            return str(answer.json()["id"])

        uploaded = client.post("/files", files={"file": ("cover.png", COVER, "image/png")})
        assert uploaded.status_code == 201, uploaded.text
        upgrade.cover = uploaded.json()
        cover = {"id": upgrade.cover["id"], "checksum": upgrade.cover["checksum"]}
        ids = upgrade.ids
        ids["lesya"] = create("author", {"name": "Леся Українка", "country": "UA"})
        ids["franko"] = create("author", {"name": "Іван Франко", "country": "UA"})
        ids["nobody"] = create("author", {"name": "Nobody", "country": "—"})
        ids["forest"] = create(
            "book",
            {
                "title": "Лісова пісня",
                "isbn": "978-966-03-0001",
                "authorId": ids["lesya"],
                "pages": 120,
                "legacyCode": "L-1",
                "cover": cover,
            },
        )
        ids["zakhar"] = create(
            "book", {"title": "Захар Беркут", "authorId": ids["franko"], "pages": 200, "status": "LENT"}
        )
        ids["stonebreakers"] = create("book", {"title": "Каменярі", "authorId": ids["franko"]})
        changed = client.put(
            f"/book/{ids['stonebreakers']}", json={"title": "Каменярі", "authorId": ids["franko"], "pages": 8}
        )
        assert changed.status_code == 204, changed.text
        ids["poetry"] = create("genre", {"code": "poetry", "name": "Поезія"})
        ids["note"] = create("shelf-note", {"body": "to be dropped"})
        found = client.get("/search/book-by-title", params={"title": "Ліс"})
        assert [row["bookId"] for row in found.json()] == [ids["forest"]]
    upgrade.history_before = served.rows("SELECT count(*) FROM book_hst")[0][0]


@pytest.fixture(scope="module")
def upgrade(
    postgres: EmbeddedPostgres, s3: EmbeddedS3, realms: TestRealms, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Upgrade]:
    base = tmp_path_factory.mktemp("library")
    with created_database(postgres, prefix="upgrade") as url:
        first = generate_registry(release(base, 1), base / "generated-1")
        upgrade = Upgrade(served=None)  # type: ignore[arg-type]
        buckets = s3_settings(s3)  # one set of buckets: release 2 serves the files release 1 stored
        with served_registry(first, url, s3, realms, base / "var-1", buckets=buckets) as served:
            write_release_1_data(served, upgrade)
        forget_package(first.package)
        second = generate_registry(release(base, 2), base / "generated-2")
        try:
            with served_registry(second, url, s3, realms, base / "var-2", buckets=buckets) as served:
                upgrade.served = served
                yield upgrade
        finally:
            forget_package(second.package)


def test_history_tables_follow_renames_and_drops(upgrade: Upgrade) -> None:
    exists = {
        name: upgrade.scalar("SELECT to_regclass(:name) IS NOT NULL", name=name)
        for table in ("book", "publication", "genre", "category", "shelf_note", "scratch")
        for name in (table, f"{table}_hst")
    }
    assert {name for name, found in exists.items() if found} == {
        "publication",
        "publication_hst",
        "category",
        "category_hst",
    }
    history_columns = {
        row[0]
        for row in upgrade.served.rows(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'publication_hst'"
        )
    }
    assert {"publication_id", "isbn13", "front_cover", "year", "inventory_no", "format"} <= history_columns
    assert not {"book_id", "isbn", "cover", "legacy_code"} & history_columns
    # the history written under release 1 is still there, under the new names
    assert upgrade.scalar("SELECT count(*) FROM publication_hst") == upgrade.history_before == 4
    assert (
        upgrade.scalar(
            "SELECT count(*) FROM publication_hst WHERE publication_id = :id", id=upgrade.ids["stonebreakers"]
        )
        == 2
    )


def test_constraints_and_column_changes_exist_in_the_catalogue(upgrade: Upgrade) -> None:
    constraints = dict(
        upgrade.served.rows(
            "SELECT conname, contype::text FROM pg_constraint"
            " WHERE conrelid IN ('publication'::regclass, 'author'::regclass, 'category'::regclass)"
            " AND contype <> 'n'"  # PostgreSQL 18 also lists NOT NULL as constraints: checked below
        )
    )
    assert constraints == {
        "pk_book_id": "p",  # a renamed table keeps its constraints' names
        "fk_publication_author": "f",
        "pk_author_id": "p",
        "uq_author_name": "u",
        "pk_genre_id": "p",
    }
    (foreign,) = upgrade.served.rows(
        "SELECT confrelid::regclass::text, confdeltype::text FROM pg_constraint"
        " WHERE conname = 'fk_publication_author'"
    )
    assert foreign == ("author", "r")  # ON DELETE RESTRICT
    columns = {
        (table, column): (data_type, nullable, default)
        for table, column, data_type, nullable, default in upgrade.served.rows(
            "SELECT table_name, column_name, data_type, is_nullable, column_default"
            " FROM information_schema.columns WHERE table_name IN ('publication', 'author')"
        )
    }
    assert columns["publication", "status"][1:] == ("NO", "'AVAILABLE'::text")
    assert columns["publication", "pages"][0] == "bigint"
    assert columns["publication", "year"][0] == "integer"
    assert columns["publication", "format"][0] == "USER-DEFINED"
    assert "nextval('inventory_seq'" in columns["publication", "inventory_no"][2]
    assert columns["author", "country"][1] == "YES"
    assert ("publication", "legacy_code") not in columns
    assert upgrade.scalar("SELECT enum_range(NULL::type_format)::text") == "{PAPER,EBOOK}"
    assert upgrade.scalar("SELECT obj_description('publication'::regclass)") == "Publications (was book)"
    remarks = upgrade.scalar(
        "SELECT col_description(attrelid, attnum) FROM pg_attribute"
        " WHERE attrelid = 'publication'::regclass AND attname = 'year'"
    )
    assert remarks == "Year of publication"
    gone = upgrade.served.rows(
        "SELECT to_regtype('type_scratch') IS NULL, to_regtype('dom_scratch') IS NULL,"
        " to_regclass('scratch_seq') IS NULL, to_regclass('scratch_codes') IS NULL"
    )
    assert gone == [(True, True, True, True)]


def test_indexes_exist(upgrade: Upgrade) -> None:
    indexes = dict(
        upgrade.served.rows(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('publication', 'category')"
        )
    )
    assert indexes["ix_publication_title"].endswith("USING btree (title)")
    assert indexes["ux_category_code"].startswith("CREATE UNIQUE INDEX")
    assert indexes["ix_publication_year"].endswith("USING btree (year)")  # from the sqlFile
    assert upgrade.scalar("SELECT to_regclass('publication_titles') IS NOT NULL")  # createView
    gin = upgrade.served.rows(
        "SELECT indexdef FROM pg_indexes WHERE tablename = 'author' AND indexdef LIKE '%USING gin%'"
    )
    assert gin == [("CREATE INDEX ix_author__category_ids_gin ON public.author USING gin (category_ids)",)]


def test_many_to_many_view_joins_the_renamed_table(upgrade: Upgrade) -> None:
    linked = upgrade.served.rows(
        "SELECT a.name, c.code FROM author_rel_v v JOIN author a USING (author_id)"
        " JOIN category c ON c.genre_id = v.genre_id ORDER BY c.code"
    )
    assert linked == [("Леся Українка", "essay"), ("Леся Українка", "poetry")]


def test_data_survives_and_data_changes_applied(upgrade: Upgrade) -> None:
    rows = {
        str(row[0]): row[1:]
        for row in upgrade.served.rows(
            "SELECT publication_id, title, isbn13, pages, status, year, inventory_no FROM publication"
        )
    }
    ids = upgrade.ids
    assert rows[ids["forest"]][:5] == ("Лісова пісня", "978-966-03-0001", 120, "AVAILABLE", 1911)
    assert rows[ids["zakhar"]][:5] == ("Захар Беркут", None, 200, "LENT", 1911)  # status kept, year filled
    assert rows[ids["stonebreakers"]][:5] == ("Каменярі", None, 8, "AVAILABLE", 1911)
    assert sorted(row[5] for row in rows.values()) == [1000, 1001, 1002]  # numbered by the new sequence
    authors = sorted(row[0] for row in upgrade.served.rows("SELECT name FROM author"))
    assert authors == ["Іван Франко", "Леся Українка", "Тарас Шевченко"]  # delete and insert ran
    categories = sorted(upgrade.served.rows("SELECT code, name FROM category"))
    assert categories == [("essay", "Есе, статті"), ("novel", "Роман"), ("poetry", "Поезія")]  # loadData
    # the file's binding followed the table and column renames
    assert upgrade.served.bindings(upgrade.cover["id"]) == [("publication", ids["forest"], "front_cover")]
    tags = upgrade.served.rows("SELECT tag FROM databasechangelog WHERE tag IS NOT NULL")
    assert tags == [("release-2",)]


def test_release_2_is_served_over_http(upgrade: Upgrade) -> None:
    ids, cover = upgrade.ids, upgrade.cover
    with upgrade.served.client("officer") as client:
        forest = client.get(f"/publication/{ids['forest']}")
        assert forest.status_code == 200, forest.text
        assert forest.json() == {
            "publicationId": ids["forest"],
            "title": "Лісова пісня",
            "isbn13": "978-966-03-0001",
            "authorId": ids["lesya"],
            "pages": 120,
            "status": "AVAILABLE",
            "frontCover": {"id": cover["id"], "checksum": cover["checksum"]},
            "year": 1911,
            "inventoryNo": forest.json()["inventoryNo"],
            "format": None,
        }
        download = client.get(f"/files/publication/{ids['forest']}/front-cover/{cover['id']}")
        assert download.status_code == 200 and download.content == COVER
        assert client.get(f"/book/{ids['forest']}").status_code == 404  # the old routes are gone
        assert client.get(f"/files/book/{ids['forest']}/cover/{cover['id']}").status_code == 404
        assert client.get(f"/shelf-note/{ids['note']}").status_code == 404
        assert client.get("/search/book-by-title", params={"title": "Ліс"}).status_code == 404
        assert client.get(f"/category/{ids['poetry']}").json() == {
            "genreId": ids["poetry"],
            "code": "poetry",
            "name": "Поезія",
        }

        found = client.get(
            "/search/publication-by-year", params={"yearFrom": 1900, "yearTo": 1920, "title": "З"}
        )
        assert found.status_code == 200, found.text
        assert found.json() == [
            {
                "publicationId": ids["zakhar"],
                "title": "Захар Беркут",
                "isbn13": None,
                "year": 1911,
                "frontCover": None,
                "authorName": "Іван Франко",
            }
        ]
        essay = client.get("/search/category-by-code", params={"code": "essay"})
        assert [row["name"] for row in essay.json()] == ["Есе, статті"]

        # the new constraints and defaults act on writes
        orphan = client.post("/publication", json={"title": "Кобзар", "authorId": ids["nobody"]})
        assert orphan.status_code == 409 and orphan.json()["details"] == {
            "constraint": "fk_publication_author"
        }
        twin = client.post("/author", json={"name": "Іван Франко"})
        assert twin.status_code == 409 and twin.json()["details"] == {"constraint": "uq_author_name"}
        held = client.delete(f"/author/{ids['franko']}")
        assert held.status_code == 409 and held.json()["details"] == {"constraint": "fk_publication_author"}
        created = client.post("/publication", json={"title": "Кобзар", "format": "PAPER"})
        assert created.status_code == 201, created.text
        kobzar = client.get(f"/publication/{created.json()['id']}").json()
        # 1003 went to the insert refused above: a sequence is not rolled back
        assert (kobzar["status"], kobzar["format"], kobzar["inventoryNo"]) == ("AVAILABLE", "PAPER", 1004)
        assert client.post("/publication", json={"title": "?", "format": "VINYL"}).status_code == 422


def test_migrating_again_changes_nothing(upgrade: Upgrade) -> None:
    regulation = read_regulation(upgrade.served.registry.regulation_dir)
    url = upgrade.served.settings.database.url
    assert url is not None
    before = upgrade.served.rows("SELECT count(*) FROM databasechangelog")
    report = migrate(regulation, url)
    assert report.executed == []
    assert upgrade.served.rows("SELECT count(*) FROM databasechangelog") == before
