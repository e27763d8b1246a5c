"""What the example registries lack, on a small regulation: an enum column and its enum endpoint,
a partial update, dates and numbers; and the error paths a user can hit (database down, bugs)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from tests.api.conftest import API, WRITE_HEADERS, db_rows, write_mini_regulation


@pytest.fixture(scope="module")
def client(client_for: Callable[..., TestClient], tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    return client_for(write_mini_regulation(tmp_path_factory.mktemp("mini") / "mini"))


def create_shop(client: TestClient, **body: Any) -> str:
    response = client.post(f"{API}/shop", json={"name": "Corner", **body}, headers=WRITE_HEADERS)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_enum_endpoint_lists_codes_and_names(client: TestClient) -> None:
    response = client.get(f"{API}/enum/type-status")
    assert response.status_code == 200
    assert response.json() == [{"code": "ACTIVE", "name": "Active"}, {"code": "CLOSED", "name": "Closed"}]
    assert client.get(f"{API}/enum/type-status/CLOSED").json() == {"code": "CLOSED", "name": "Closed"}
    assert client.get(f"{API}/enum/type-status/OPEN").json()["code"] == "NOT_FOUND"


def test_enum_dates_and_numbers_round_trip(client: TestClient) -> None:
    shop_id = create_shop(client, status="ACTIVE", openedOn="2024-02-29", rating=4.5)
    assert client.get(f"{API}/shop/{shop_id}").json() == {
        "shopId": shop_id,
        "name": "Corner",
        "status": "ACTIVE",
        "openedOn": "2024-02-29",
        "rating": 4.5,
    }


def test_enum_values_are_validated(client: TestClient) -> None:
    response = client.post(f"{API}/shop", json={"name": "Bad", "status": "OPEN"}, headers=WRITE_HEADERS)
    assert response.status_code == 422
    assert response.json()["details"]["errors"][0]["field"] == "status"


def test_partial_update_changes_only_its_columns(client: TestClient, module_database: str) -> None:
    shop_id = create_shop(client, status="ACTIVE", rating=3)
    response = client.patch(
        f"{API}/partial/shop-status/{shop_id}",
        json={"status": "CLOSED", "name": "Ignored"},
        headers=WRITE_HEADERS,
    )
    assert response.status_code == 204
    read = client.get(f"{API}/shop/{shop_id}").json()
    assert (read["status"], read["name"], read["rating"]) == ("CLOSED", "Corner", 3)
    operations = db_rows(
        module_database,
        "SELECT ddm_dml_op, status::text FROM shop_hst"
        " WHERE shop_id = CAST(:p0 AS uuid) ORDER BY ddm_created_at",
        shop_id,
    )
    assert operations == [("I", "ACTIVE"), ("U", "CLOSED")]


def test_partial_update_of_unknown_row(client: TestClient) -> None:
    response = client.patch(
        f"{API}/partial/shop-status/{uuid.uuid4()}", json={"status": "CLOSED"}, headers=WRITE_HEADERS
    )
    assert response.status_code == 404


def test_database_down_is_a_503_without_details(client: TestClient) -> None:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    healthy = runtime.engine, runtime.read_engine
    unreachable = create_engine(
        "postgresql+psycopg://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 1}
    )
    runtime.engine = runtime.read_engine = unreachable
    try:
        response = client.get(f"{API}/shop/{uuid.uuid4()}")
        write = client.post(f"{API}/shop", json={"name": "Down"}, headers=WRITE_HEADERS)
        health = client.get("/actuator/health")
    finally:
        unreachable.dispose()
        runtime.engine, runtime.read_engine = healthy
    assert response.status_code == 503
    assert response.json()["code"] == "THIRD_PARTY_SERVICE_UNAVAILABLE"
    assert "127.0.0.1" not in response.text and "psycopg" not in response.text
    assert write.status_code == 503
    assert health.status_code == 503 and health.json()["status"] == "DOWN"


def test_unexpected_errors_are_500_without_internals(client: TestClient) -> None:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    healthy = runtime.security

    class Broken:
        def __getattr__(self, name: str) -> Any:
            raise RuntimeError("secret internal detail /etc/passwd")

    runtime.security = dataclasses.replace(healthy, access=Broken())
    try:
        response = client.get(f"{API}/shop/{uuid.uuid4()}")
    finally:
        runtime.security = healthy
    assert response.status_code == 500
    assert response.json()["code"] == "RUNTIME_ERROR"
    assert "secret" not in response.text and "Traceback" not in response.text


def test_generated_package_is_importable_and_documented(client: TestClient, tmp_path: Path) -> None:
    document = client.get("/openapi.json").json()
    assert f"{API}/partial/shop-status/{{id}}" in document["paths"]
    assert f"{API}/enum/type-status" in document["paths"]
