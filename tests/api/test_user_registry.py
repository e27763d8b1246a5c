"""The ``user`` example registry, served with real S3: its ``photo`` (``type_file``) and ``documents``
(``type_file[]``) columns hold ``{id, checksum}`` values of uploaded files; its search conditions page
and offset. (What happens to the file bytes is tested with the file service in tests/files.)"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import API, REPO_ROOT, WRITE_HEADERS, db_rows


@pytest.fixture(scope="module")
def client(client_for: Callable[..., TestClient]) -> TestClient:
    return client_for(REPO_ROOT / "examples" / "user")


def upload(client: TestClient, content: bytes, name: str) -> dict[str, str]:
    response = client.post(f"{API}/files", files={"file": (name, content, "application/octet-stream")})
    assert response.status_code == 201, response.text
    uploaded = response.json()
    assert uploaded["checksum"] == hashlib.sha256(content).hexdigest()
    return {"id": uploaded["id"], "checksum": uploaded["checksum"]}


def create_user(client: TestClient, body: dict[str, Any]) -> str:
    response = client.post(f"{API}/user", json=body, headers=WRITE_HEADERS)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_file_columns_store_and_return_id_and_checksum(client: TestClient, module_database: str) -> None:
    photo = upload(client, b"\x89PNG\r\n\x1a\n photo bytes", "petro.png")
    passport = upload(client, b"%PDF-1.4 passport", "passport.pdf")
    licence = upload(client, b"%PDF-1.4 licence", "licence.pdf")
    user_id = create_user(client, {"name": "Petro", "photo": photo, "documents": [passport, licence]})

    read = client.get(f"{API}/user/{user_id}").json()
    assert read["photo"] == photo
    assert read["documents"] == [passport, licence]

    [(photo_type, documents_type)] = db_rows(
        module_database,
        'SELECT pg_typeof(photo)::text, pg_typeof(documents)::text FROM "user"'
        " WHERE user_id = CAST(:p0 AS uuid)",
        user_id,
    )
    assert (photo_type, documents_type) == ("type_file", "type_file[]")


def test_null_and_empty_file_values(client: TestClient) -> None:
    user_id = create_user(client, {"name": "Nobody", "photo": None, "documents": []})
    read = client.get(f"{API}/user/{user_id}").json()
    assert read["photo"] is None
    assert read["documents"] == []
    user_id = create_user(client, {"name": "Unset"})
    assert client.get(f"{API}/user/{user_id}").json()["documents"] is None


def test_unknown_file_is_refused_and_nothing_is_written(client: TestClient) -> None:
    ghost = {"id": "5b8a3b1e-0f0e-4c1c-9a57-000000000000", "checksum": "00" * 32}
    response = client.post(f"{API}/user", json={"name": "Ghost", "photo": ghost}, headers=WRITE_HEADERS)
    assert response.status_code == 400
    assert response.json()["code"] == "FILE_NOT_FOUND"
    assert response.json()["details"] == ["photo"]


def test_malformed_file_value_is_a_validation_error(client: TestClient) -> None:
    body = {"name": "Bad", "photo": {"id": "x", "checksum": "not-hex"}}
    response = client.post(f"{API}/user", json=body, headers=WRITE_HEADERS)
    assert response.status_code == 422
    assert response.json()["details"]["errors"][0]["field"] == "photo.checksum"


def test_search_by_name_pages(client: TestClient) -> None:
    for name in ("Page A", "Page B", "Page C"):
        create_user(client, {"name": name, "email": f"{name[-1].lower()}@example.com"})
    sc = "user-search-by-name"
    first = client.get(f"{API}/search/{sc}", params={"name": "Page", "pageSize": 2, "pageNo": 0}).json()
    assert first["totalElements"] == 3 and first["totalPages"] == 2
    assert (first["pageNo"], first["pageSize"]) == (0, 2)
    assert [r["name"] for r in first["content"]] == ["Page A", "Page B"]
    second = client.post(f"{API}/search/{sc}", json={"name": "Page", "pageSize": 2, "pageNo": 1}).json()
    assert [r["name"] for r in second["content"]] == ["Page C"]
    assert set(second["content"][0]) == {"userId", "name", "email", "photo", "documents"}
    legacy = client.get(f"{API}/{sc}", params={"name": "Page"}).json()
    assert legacy["pageSize"] == 10 and len(legacy["content"]) == 3


def test_search_returns_file_values(client: TestClient) -> None:
    photo = upload(client, b"\x89PNG\r\n\x1a\n another photo", "olena.png")
    create_user(client, {"name": "Olena", "photo": photo})
    rows = client.get(f"{API}/search/user-public-photo", params={"name": "Olena"}).json()
    assert [r["photo"] for r in rows] == [photo]


def test_search_offset_and_hard_limit(client: TestClient) -> None:
    for _number in range(12):
        create_user(client, {"name": "Many"})
    sc = "user-public-photo"
    assert len(client.get(f"{API}/search/{sc}", params={"name": "Many"}).json()) == 10  # limit="10"
    assert len(client.get(f"{API}/search/{sc}", params={"name": "Many", "limit": 50}).json()) == 10
    assert len(client.get(f"{API}/search/{sc}", params={"name": "Many", "limit": 4}).json()) == 4
    tail = client.post(f"{API}/search/{sc}", json={"name": "Many", "offset": 9}).json()
    assert len(tail) == 3


def test_contains_search_without_pagination(client: TestClient) -> None:
    for name in ("Київ", "Львів"):
        response = client.post(f"{API}/city", json={"name": name}, headers=WRITE_HEADERS)
        assert response.status_code == 201
    rows = client.get(f"{API}/search/city-contains-name", params={"name": "В"}).json()  # case-insensitive
    assert [r["name"] for r in rows] == ["Київ", "Львів"]
    assert client.post(f"{API}/search/city-contains-name", json={"name": "льв"}).json()[0]["name"] == "Львів"
