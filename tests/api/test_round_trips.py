"""Writes and downloads in as few round trips as their semantics allow, over HTTP on generated registries:
a row without files to bind is written together with its history snapshot by one statement on the
autocommit pool (no BEGIN/COMMIT); a write that binds files keeps its transaction. Either way the
history holds the same snapshot, author and headers."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from registry_api.deploy import GeneratedRegistry
from registry_api.embedded import EmbeddedS3
from registry_api.entities import HISTORY_NAMESPACE
from tests.api.conftest import SUBJECT, db_rows, write_mini_regulation
from tests.api.conftest import WRITE_HEADERS as HEADERS
from tests.served_registry import ServedRegistry, TestRealms, served_registry


@pytest.fixture
def served(
    generated_user: GeneratedRegistry, database_url: str, s3: EmbeddedS3, realms: TestRealms, tmp_path: Path
) -> Iterator[ServedRegistry]:
    with served_registry(generated_user, database_url, s3, realms, tmp_path) as registry:
        yield registry


class Statements:
    """What each of the service's two pools sent to PostgreSQL."""

    def __init__(self, app: FastAPI | None) -> None:
        assert app is not None
        runtime = app.state.runtime
        self.engines = {"transactions": runtime.engine, "autocommit": runtime.read_engine}
        self.sent: dict[str, list[str]] = {name: [] for name in self.engines}
        self.transactions = 0
        self._listeners: dict[str, Any] = {}

    def __enter__(self) -> Statements:
        for name, engine in self.engines.items():
            sa.event.listen(engine, "before_cursor_execute", self._remember(name))
            sa.event.listen(engine, "commit", self._committed)
        return self

    def __exit__(self, *exc: object) -> None:
        for engine in self.engines.values():
            sa.event.remove(engine, "commit", self._committed)
        for name, engine in self.engines.items():
            sa.event.remove(engine, "before_cursor_execute", self._listeners[name])

    def _remember(self, name: str) -> Any:
        def remember(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if not statement.lstrip().upper().startswith("SELECT 1"):  # pool pings are not the write's
                self.sent[name].append(statement)

        self._listeners[name] = remember
        return remember

    def _committed(self, conn: Any) -> None:
        self.transactions += 1


def history(served: ServedRegistry, table: str, key: str, entity_id: str) -> list[tuple[Any, ...]]:
    return served.rows(
        f'SELECT ddm_dml_op, name, ddm_created_by, ddm_system_id FROM "{table}_hst"'  # noqa: S608
        f" WHERE {key} = CAST(:id AS uuid) ORDER BY ddm_created_at, ddm_dml_op DESC",
        id=entity_id,
    )


def test_rows_without_files_are_one_statement_each(
    client_for: Callable[..., TestClient], tmp_path: Path, module_database: str
) -> None:
    client = client_for(write_mini_regulation(tmp_path / "mini"))
    system = uuid.uuid5(HISTORY_NAMESPACE, "test-system")
    with Statements(client.app) as sent:  # type: ignore[arg-type]
        created = client.post(
            "/api/data-factory/shop", json={"name": "Corner", "status": "ACTIVE"}, headers=HEADERS
        )
        assert created.status_code == 201, created.text
        shop = created.json()["id"]
        path = f"/api/data-factory/shop/{shop}"
        assert (
            client.put(path, json={"name": "Kiosk", "status": "ACTIVE"}, headers=HEADERS).status_code == 204
        )
        partial = f"/api/data-factory/partial/shop-status/{shop}"
        assert client.patch(partial, json={"status": "CLOSED"}, headers=HEADERS).status_code == 204
        assert client.delete(path, headers=HEADERS).status_code == 204
        assert client.delete(path, headers=HEADERS).status_code == 404
    assert sent.sent["transactions"] == [] and sent.transactions == 0
    assert len(sent.sent["autocommit"]) == 5
    assert all(s.lstrip().startswith("WITH written AS") for s in sent.sent["autocommit"])
    rows = db_rows(
        module_database,
        "SELECT ddm_dml_op, name, status::text, ddm_created_by, ddm_system_id FROM shop_hst"
        " WHERE shop_id = CAST(:p0 AS uuid) ORDER BY ddm_created_at, ddm_id",
        shop,
    )
    assert [r[0] for r in rows] == ["I", "U", "U", "D"]
    assert rows[-1][1:] == ("Kiosk", "CLOSED", SUBJECT, system)
    assert db_rows(module_database, "SELECT count(*) FROM shop WHERE shop_id = CAST(:p0 AS uuid)", shop) == [
        (0,)
    ]


def test_a_write_binding_files_keeps_its_transaction(served: ServedRegistry) -> None:
    with served.client("officer", subject="officer-1") as officer:
        uploaded = officer.post("/files", files={"file": ("a.pdf", b"%PDF-1.4 test", "application/pdf")})
        assert uploaded.status_code == 201, uploaded.text
        photo = {"id": uploaded.json()["id"], "checksum": uploaded.json()["checksum"]}
        with Statements(served.app) as sent:
            created = officer.post("/user", json={"name": "Olena", "photo": photo})
        assert created.status_code == 201, created.text
        user = created.json()["id"]
        with Statements(served.app) as plain:  # the same table, no file in the body: one statement
            assert officer.post("/user", json={"name": "Petro"}).status_code == 201
    assert sent.transactions == 1 and len(sent.sent["transactions"]) >= 3  # catalogue, row, history
    assert plain.transactions == 0 and len(plain.sent["autocommit"]) == 1
    assert history(served, "user", "user_id", user) == [
        ("I", "Olena", "officer-1", uuid.uuid5(HISTORY_NAMESPACE, "test-system"))
    ]


def test_write_statements_are_built_once_per_column_set(served: ServedRegistry) -> None:
    from user.routers.entities.city import CITY  # the generated package served above

    writes = CITY.writes
    assert writes.insert(frozenset({"name"}), with_history=True) is writes.insert(
        frozenset({"name"}), with_history=True
    )
    assert writes.insert(frozenset({"name"}), with_history=True) is not writes.insert(
        frozenset({"name", "city_id"}), with_history=True
    )
    assert writes.update(frozenset({"name"}), with_history=False) is writes.update(
        frozenset({"name"}), with_history=False
    )


def test_a_small_file_download_is_one_query(served: ServedRegistry) -> None:
    """The catalogue lookup and the entity check are one query on the autocommit pool (before the S3
    request); only the first download of a stored version writes, to remember it was verified."""
    with served.client("officer") as officer:
        uploaded = officer.post("/files", files={"file": ("p.png", b"\x89PNG\r\n\x1a\n" + b"0" * 1024)})
        photo = {"id": uploaded.json()["id"], "checksum": uploaded.json()["checksum"]}
        user = officer.post("/user", json={"name": "Olena", "photo": photo}).json()["id"]
        url = f"/files/user/{user}/photo/{photo['id']}"
        assert officer.get(url).status_code == 200  # hashed once, its version recorded
        with Statements(served.app) as sent:
            again = officer.get(url)
        assert again.status_code == 200 and again.content.startswith(b"\x89PNG")
        with Statements(served.app) as refused:
            assert officer.get(f"/files/user/{user}/photo/{uuid.uuid4()}").status_code == 404
    assert sent.transactions == 0 and sent.sent["transactions"] == []
    assert len(sent.sent["autocommit"]) == 1
    assert len(refused.sent["autocommit"]) == 1
