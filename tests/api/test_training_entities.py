"""The training registry, generated and served: laboratories and their parents over HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from registry_api.entities import history_uuid
from tests.api.conftest import API, SUBJECT, WRITE_HEADERS, db_rows


@pytest.fixture(scope="module")
def client(client_for: Callable[..., TestClient], shared_dir: Path) -> TestClient:
    return client_for(shared_dir / "regulations" / "assembled" / "training-registry")


def create(client: TestClient, entity: str, body: dict[str, Any]) -> str:
    response = client.post(f"{API}/{entity}", json=body, headers=WRITE_HEADERS)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@pytest.fixture(scope="module")
def parents(client: TestClient) -> dict[str, str]:
    koatuu = create(client, "koatuu", {"code": "8000000000", "level1": "80", "level2": "00", "name": "Київ"})
    ownership = create(client, "ownership", {"code": "10", "name": "Державна"})
    return {"koatuuId": koatuu, "ownershipId": ownership}


def laboratory(parents: dict[str, str], **overrides: Any) -> dict[str, Any]:
    return {
        "name": "Лабораторія №1",
        "address": "вул. Хрещатик, 1",
        "edrpou": "12345678",
        **parents,
        **overrides,
    }


def test_laboratory_lifecycle(client: TestClient, parents: dict[str, str]) -> None:
    lab_id = create(client, "laboratory", laboratory(parents, name="Lifecycle"))

    read = client.get(f"{API}/laboratory/{lab_id}")
    assert read.status_code == 200
    assert read.headers["content-type"] == "application/json"
    assert read.json() == {
        "laboratoryId": lab_id,
        "name": "Lifecycle",
        "koatuuId": parents["koatuuId"],
        "address": "вул. Хрещатик, 1",
        "edrpou": "12345678",
        "ownershipId": parents["ownershipId"],
        "premisesFile": None,
    }

    updated = laboratory(parents, name="Lifecycle", address="вул. Нова, 2")
    put = client.put(f"{API}/laboratory/{lab_id}", json=updated, headers=WRITE_HEADERS)
    assert put.status_code == 204 and put.content == b""
    assert client.get(f"{API}/laboratory/{lab_id}").json()["address"] == "вул. Нова, 2"

    deleted = client.delete(f"{API}/laboratory/{lab_id}", headers=WRITE_HEADERS)
    assert deleted.status_code == 204
    gone = client.get(f"{API}/laboratory/{lab_id}")
    assert gone.status_code == 404
    assert gone.json()["code"] == "NOT_FOUND"
    assert gone.headers["content-type"] == "application/problem+json"


def test_key_from_the_body_is_kept(client: TestClient, parents: dict[str, str]) -> None:
    chosen = str(uuid.uuid4())
    assert create(client, "laboratory", laboratory(parents, laboratoryId=chosen, name="Chosen")) == chosen


def test_history_records_every_write_with_the_source_headers(
    client: TestClient, parents: dict[str, str], module_database: str
) -> None:
    lab_id = create(client, "laboratory", laboratory(parents, name="Historic"))
    headers = {**WRITE_HEADERS, "X-Source-Business-Process-Instance-Id": "proc-42"}
    client.put(f"{API}/laboratory/{lab_id}", json=laboratory(parents, name="Historic 2"), headers=headers)
    client.delete(f"{API}/laboratory/{lab_id}", headers=WRITE_HEADERS)

    rows = db_rows(
        module_database,
        "SELECT ddm_dml_op, name, ddm_created_by, ddm_system_id, ddm_application_id,"
        " ddm_business_process_id, ddm_business_process_instance_id"
        " FROM laboratory_hst WHERE laboratory_id = CAST(:p0 AS uuid) ORDER BY ddm_created_at",
        lab_id,
    )
    assert [(r[0], r[1]) for r in rows] == [("I", "Historic"), ("U", "Historic 2"), ("D", "Historic 2")]
    assert {r[2] for r in rows} == {SUBJECT}
    assert rows[0][3:6] == (
        history_uuid("test-system"),
        history_uuid("test-application"),
        history_uuid("test-process"),
    )
    assert rows[1][6] == "proc-42"


def test_main_table_records_who_wrote_it(
    client: TestClient, parents: dict[str, str], module_database: str
) -> None:
    lab_id = create(client, "laboratory", laboratory(parents, name="Stamped"))
    [(created_by, updated_by, created_at, updated_at)] = db_rows(
        module_database,
        "SELECT ddm_created_by, ddm_updated_by, ddm_created_at, ddm_updated_at FROM laboratory"
        " WHERE laboratory_id = CAST(:p0 AS uuid)",
        lab_id,
    )
    assert created_by == updated_by == SUBJECT
    assert created_at is not None and updated_at is not None


def test_foreign_key_violation_names_the_constraint(client: TestClient, parents: dict[str, str]) -> None:
    body = laboratory(parents, name="Orphan", koatuuId=str(uuid.uuid4()))
    response = client.post(f"{API}/laboratory", json=body, headers=WRITE_HEADERS)
    assert response.status_code == 409
    problem = response.json()
    assert problem["code"] == "CONSTRAINT_ERROR"
    assert problem["details"] == {"constraint": "fk_laboratory_koatuu"}
    assert "INSERT" not in response.text and "laboratory_id" not in response.text  # no SQL leaks


def test_unique_violation_names_the_constraint(client: TestClient, parents: dict[str, str]) -> None:
    create(client, "laboratory", laboratory(parents, name="Twin"))
    response = client.post(f"{API}/laboratory", json=laboratory(parents, name="Twin"), headers=WRITE_HEADERS)
    assert response.status_code == 409
    assert response.json()["details"]["constraint"] == "laboratory_name_edrpou_key"


def test_invalid_body_lists_the_fields(client: TestClient, parents: dict[str, str]) -> None:
    body = {"name": 5, "koatuuId": "not-a-uuid", "ownershipId": parents["ownershipId"]}
    response = client.post(f"{API}/laboratory", json=body, headers=WRITE_HEADERS)
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "VALIDATION_ERROR"
    errors = {e["field"]: e for e in problem["details"]["errors"]}
    assert set(errors) == {"name", "koatuuId", "address", "edrpou"}
    assert errors["koatuuId"]["value"] == "not-a-uuid"
    assert errors["address"]["value"] is None


def test_unreadable_json_is_a_client_error(client: TestClient) -> None:
    response = client.post(
        f"{API}/laboratory",
        content=b'{"name": ',
        headers={**WRITE_HEADERS, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "CLIENT_ERROR"


def test_writes_need_the_source_headers(client: TestClient, parents: dict[str, str]) -> None:
    partial = {"X-Source-System": "test-system"}
    response = client.post(f"{API}/laboratory", json=laboratory(parents, name="Headless"), headers=partial)
    assert response.status_code == 400
    problem = response.json()
    assert problem["code"] == "HEADERS_ARE_MISSING"
    assert problem["details"] == ["X-Source-Application", "X-Source-Business-Process"]
    assert client.delete(f"{API}/laboratory/{uuid.uuid4()}").json()["code"] == "HEADERS_ARE_MISSING"


def test_unknown_ids_are_not_found(client: TestClient, parents: dict[str, str]) -> None:
    unknown = uuid.uuid4()
    assert client.get(f"{API}/laboratory/{unknown}").status_code == 404
    put = client.put(f"{API}/laboratory/{unknown}", json=laboratory(parents), headers=WRITE_HEADERS)
    assert put.status_code == 404
    assert client.delete(f"{API}/laboratory/{unknown}", headers=WRITE_HEADERS).status_code == 404


def test_bad_uuid_in_the_path(client: TestClient) -> None:
    response = client.get(f"{API}/laboratory/12345")
    assert response.status_code == 400
    assert response.json()["code"] == "METHOD_ARGUMENT_TYPE_MISMATCH"


def test_trace_id_comes_from_the_b3_header(client: TestClient) -> None:
    response = client.get(f"{API}/laboratory/{uuid.uuid4()}", headers={"X-B3-TraceId": "463ac35c9f6413ad"})
    assert response.json()["traceId"] == "463ac35c9f6413ad"
    generated = client.get(f"{API}/laboratory/{uuid.uuid4()}").json()["traceId"]
    assert len(generated) == 32


def test_unknown_route_and_method(client: TestClient) -> None:
    missing = client.get(f"{API}/no-such-entity/{uuid.uuid4()}/x")
    assert missing.status_code == 404 and missing.json()["code"] == "NOT_FOUND"
    wrong = client.patch(f"{API}/laboratory", json={})
    assert wrong.status_code == 405 and wrong.json()["code"] == "METHOD_NOT_ALLOWED"


def test_file_column_refuses_a_file_never_uploaded(client: TestClient, parents: dict[str, str]) -> None:
    """A file value must name an uploaded file: the service never stores an unchecked reference."""
    file_value = {"id": str(uuid.uuid4()), "checksum": "ab" * 32}
    body = laboratory(parents, name="Filed", premisesFile=file_value)
    refused = client.post(f"{API}/laboratory", json=body, headers=WRITE_HEADERS)
    assert refused.status_code == 400, refused.text
    assert refused.json()["code"] == "FILE_NOT_FOUND" and refused.json()["details"] == ["premisesFile"]


def test_health_and_openapi(client: TestClient) -> None:
    assert client.get("/actuator/health").json()["status"] == "UP"
    document = client.get("/openapi.json").json()
    assert f"{API}/laboratory/{{id}}" in document["paths"]
    assert f"{API}/search/ownership-contains-name" in document["paths"]


def test_requests_without_a_token_are_refused(client: TestClient) -> None:
    response = client.get(f"{API}/laboratory/{uuid.uuid4()}", headers={"X-Access-Token": ""})
    assert response.status_code == 401
    assert response.json()["code"] == "AUTHENTICATION_FAILED"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
