"""Every search condition of the training registry, through its generated routes: each declared
parameter, by query string (``GET /search/{sc}``), JSON body (``POST /search/{sc}``) and the legacy
``GET /{sc}``. (The search engine itself is tested in tests/search.)"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import API, WRITE_HEADERS, db_rows


@pytest.fixture(scope="module")
def client(client_for: Callable[..., TestClient], shared_dir: Path) -> TestClient:
    return client_for(shared_dir / "regulations" / "assembled" / "training-registry")


def post(client: TestClient, entity: str, body: dict[str, Any]) -> str:
    response = client.post(f"{API}/{entity}", json=body, headers=WRITE_HEADERS)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@pytest.fixture(scope="module")
def data(client: TestClient, module_database: str) -> dict[str, str]:
    region = post(
        client,
        "koatuu",
        {"code": "3200000000", "level1": "32", "level2": "00", "name": "Київська", "type": "О"},
    )
    district = post(
        client,
        "koatuu",
        {"code": "3210000000", "level1": "32", "level2": "10", "name": "Бориспільський", "type": "Р"},
    )
    town = post(
        client,
        "koatuu",
        {"code": "3210100000", "level1": "32", "level2": "3210000000", "name": "Бориспіль", "type": "НП"},
    )
    post(
        client,
        "koatuu",
        {"code": "4600000000", "level1": "46", "level2": "00", "name": "Львівська", "type": "О"},
    )
    state = post(client, "ownership", {"code": "1", "name": "Державна"})
    post(client, "ownership", {"code": "2", "name": "Приватна"})
    for number in range(3):
        post(
            client,
            "laboratory",
            {
                "name": f"Лабораторія {number}",
                "koatuuId": region,
                "address": "a",
                "edrpou": f"1234{number}",
                "ownershipId": state,
            },
        )
    post(client, "staff-status", {"name": "Працює"})
    post(client, "staff-status", {"name": "Звільнений"})
    db_rows(
        module_database,
        "INSERT INTO subject (subject_code, subject_type, subject_status) VALUES"
        " ('1010101010', 'INDIVIDUAL', 'REGISTERED'), ('20202020', 'LEGAL', 'CANCELED') RETURNING 1",
    )
    return {"region": region, "district": district, "town": town, "state": state}


def search(client: TestClient, sc: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """The same search three ways; all three must agree."""
    by_query = client.get(f"{API}/search/{sc}", params=params)
    by_body = client.post(f"{API}/search/{sc}", json=params)
    legacy = client.get(f"{API}/{sc}", params=params)
    for response in (by_query, by_body, legacy):
        assert response.status_code == 200, response.text
    assert by_query.json() == by_body.json() == legacy.json()
    result: list[dict[str, Any]] = by_query.json()
    return result


def test_koatuu_obl_contains_name(client: TestClient, data: dict[str, str]) -> None:
    rows = search(client, "koatuu-obl-contains-name", {"name": "київ"})
    assert rows == [{"koatuuId": data["region"], "code": "3200000000", "name": "Київська"}]
    assert [r["name"] for r in search(client, "koatuu-obl-contains-name", {})] == ["Київська", "Львівська"]


def test_koatuu_np_starts_with_name_by_obl(client: TestClient, data: dict[str, str]) -> None:
    rows = search(client, "koatuu-np-starts-with-name-by-obl", {"name": "борис", "level1": "32"})
    assert rows == [
        {"koatuuId": data["town"], "name": "Бориспіль", "level1": "32", "nameRn": "Бориспільський"}
    ]
    assert search(client, "koatuu-np-starts-with-name-by-obl", {"level1": "46"}) == []


def test_ownership_contains_name(client: TestClient, data: dict[str, str]) -> None:
    rows = search(client, "ownership-contains-name", {"name": "ДЕРЖ"})
    assert rows == [{"ownershipId": data["state"], "code": "1", "name": "Державна"}]


def test_subject_equal_subject_type_equal_subject_code(client: TestClient, data: dict[str, str]) -> None:
    sc = "subject-equal-subject-type-equal-subject-code"
    rows = search(client, sc, {"subjectCode": "1010101010"})
    assert [r["subjectStatus"] for r in rows] == ["REGISTERED"]
    assert [r["subjectStatus"] for r in search(client, sc, {"subjectType": "LEGAL"})] == ["CANCELED"]
    assert search(client, sc, {"subjectCode": "1010101010", "subjectType": "LEGAL"}) == []


def test_laboratory_equal_edrpou_name_count(client: TestClient, data: dict[str, str]) -> None:
    sc = "laboratory-equal-edrpou-name-count"
    assert search(client, sc, {"edrpou": "12340", "name": "Лабораторія 0"}) == [
        {"edrpou": "12340", "name": "Лабораторія 0", "cnt": 1}
    ]
    assert search(client, sc, {"name": "Лабораторія 1"})[0]["cnt"] == 1
    assert search(client, sc, {"edrpou": "99999"}) == []


def test_laboratory_start_with_edrpou_contains_name(client: TestClient, data: dict[str, str]) -> None:
    sc = "laboratory-start-with-edrpou-contains-name"
    assert len(search(client, sc, {"edrpou": "1234"})) == 3
    rows = search(client, sc, {"name": "торія 2"})
    assert [r["edrpou"] for r in rows] == ["12342"]


def test_staff_status_contains_name(client: TestClient, data: dict[str, str]) -> None:
    rows = search(client, "staff-status-contains-name", {"name": "прац"})
    assert [r["name"] for r in rows] == ["Працює"]


def test_bad_query_value_is_a_client_error(client: TestClient, data: dict[str, str]) -> None:
    response = client.post(f"{API}/search/ownership-contains-name", json={"name": {"nested": 1}})
    assert response.status_code == 422
    assert response.json()["code"] == "VALIDATION_ERROR"
