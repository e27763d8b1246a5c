"""Hostile input from the audit of issue 16, sent over HTTP to the generated user registry: every
reproducer answers 4xx problem+json (never 500), nothing of it reaches the logs."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Iterator

import httpx
import pytest

from registry_api.deploy import GeneratedRegistry
from registry_api.embedded import EmbeddedS3
from registry_api.settings import Profile
from tests.served_registry import WRITE_HEADERS, ServedRegistry, TestRealms, served_registry

PROBLEM = "application/problem+json"


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


@pytest.fixture(scope="module")
def internal(
    generated_user: GeneratedRegistry,
    module_database: str,
    s3: EmbeddedS3,
    realms: TestRealms,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ServedRegistry]:
    with served_registry(
        generated_user,
        module_database,
        s3,
        realms,
        tmp_path_factory.mktemp("internal"),
        http={"max_json_body_bytes": 64 * 1024},
    ) as served:
        yield served


@pytest.fixture(scope="module")
def public(
    generated_user: GeneratedRegistry,
    module_database: str,
    s3: EmbeddedS3,
    realms: TestRealms,
    tmp_path_factory: pytest.TempPathFactory,
    internal: ServedRegistry,  # migrates the database first
) -> Iterator[ServedRegistry]:
    with served_registry(
        generated_user, module_database, s3, realms, tmp_path_factory.mktemp("public"), profile=Profile.PUBLIC
    ) as served:
        yield served


def assert_problem(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == code


def create_user(client: httpx.Client, **body: object) -> str:
    response = client.post("/user", json={"name": unique("user"), **body})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


# -- NUL bytes and lone surrogates (finding 2) ---------------------------------------------------


def test_nul_in_a_query_parameter_of_the_public_profile_is_400(public: ServedRegistry) -> None:
    with public.client() as client:
        assert_problem(client.get("/user-public-photo?name=%00"), 400, "CLIENT_ERROR")
        assert_problem(client.get("/user-public-photo?name=a%00b"), 400, "CLIENT_ERROR")
        assert client.get("/user-public-photo?name=a").status_code == 200


@pytest.mark.parametrize("value", ["a\u0000b", "a\ud800b", "\udfff"], ids=["nul", "high", "low"])
def test_nul_and_lone_surrogates_in_json_bodies_are_422(internal: ServedRegistry, value: str) -> None:
    json_headers = {**WRITE_HEADERS, "Content-Type": "application/json"}

    def body(**values: str) -> bytes:
        return json.dumps(values).encode()  # ASCII with \u escapes: valid JSON, whatever it encodes

    with internal.client("officer") as client:
        created = client.post("/user", content=body(name=value), headers=json_headers)
        assert_problem(created, 422, "VALIDATION_ERROR")
        assert created.json()["details"]["errors"][0]["field"] == "name"
        searched = client.post("/search/user-search-by-name", content=body(name=value), headers=json_headers)
        assert_problem(searched, 422, "VALIDATION_ERROR")
        user_id = create_user(client)
        replaced = client.put(f"/user/{user_id}", content=body(name="x", email=value), headers=json_headers)
        assert_problem(replaced, 422, "VALIDATION_ERROR")
        not_a_uuid = client.post("/user", content=body(name="x", cityId=value), headers=json_headers)
        assert_problem(not_a_uuid, 422, "VALIDATION_ERROR")  # the value is echoed: the answer survives it


def test_nul_in_a_path_or_query_of_an_authenticated_route_is_400(internal: ServedRegistry) -> None:
    with internal.client("officer") as client:
        assert_problem(client.get("/search/user-search-by-name?name=%00"), 400, "CLIENT_ERROR")
        assert_problem(client.get("/city-contains-name?name=x%00"), 400, "CLIENT_ERROR")
        assert_problem(client.get("/s/abc%00def"), 400, "CLIENT_ERROR")


# -- values the database cannot hold (finding 6) ---------------------------------------------------


def test_a_value_too_large_for_a_unique_index_is_422(internal: ServedRegistry) -> None:
    name = secrets.token_urlsafe(3000)  # ~4,000 incompressible characters: over the btree row limit
    with internal.client("officer") as client:
        created = client.post("/city", json={"name": name})
        assert_problem(created, 422, "VALIDATION_ERROR")
        assert name not in created.text
        assert client.post("/city", json={"name": unique("Kyiv")}).status_code == 201


# -- JSON body size (finding 5) ----------------------------------------------------------------------


def test_a_json_body_over_the_limit_is_413_before_it_is_read(internal: ServedRegistry) -> None:
    too_long = "x" * (64 * 1024)
    with internal.client("officer") as client:
        declared = client.post("/user", json={"name": "a", "email": too_long})
        assert_problem(declared, 413, "PAYLOAD_TOO_LARGE")

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted while it arrives
            yield b'{"name": "a", "email": "'
            for _ in range(200):
                yield b"y" * 1024
            yield b'"}'

        chunked = client.post(
            "/user",
            content=chunks(),
            headers={**WRITE_HEADERS, "Content-Type": "application/json"},
        )
        assert_problem(chunked, 413, "PAYLOAD_TOO_LARGE")
        search = client.post("/search/user-search-by-name", json={"name": too_long})
        assert_problem(search, 413, "PAYLOAD_TOO_LARGE")
        assert client.post("/user", json={"name": "a", "email": "a@b.c"}).status_code == 201


# -- small items (finding 9) ---------------------------------------------------------------------------


def test_presigned_link_on_a_column_that_is_not_a_file_is_404(internal: ServedRegistry) -> None:
    with internal.client("officer") as client:
        user_id = create_user(client)
        file_id = "00000000-0000-0000-0000-000000000001"
        for field in ("name", "email", "city-id", "user-id", "no-such-column"):
            answer = client.get(f"/files/user/{user_id}/{field}/{file_id}/link")
            assert_problem(answer, 404, "NOT_FOUND")
        content = client.get(f"/files/user/{user_id}/name/{file_id}")
        assert content.status_code == 404  # no content route is mounted for a column that is not a file


def test_entity_and_search_json_is_never_stored_by_shared_caches(
    internal: ServedRegistry, public: ServedRegistry
) -> None:
    with internal.client("officer") as client:
        user_id = create_user(client, email="petro@example.org")
        for answer in (
            client.get(f"/user/{user_id}"),
            client.get("/search/user-search-by-name", params={"name": "user"}),
            client.post("/search/user-search-by-name", json={"name": "user"}),
            client.get("/user-search-by-name", params={"name": "user"}),
            client.get("/user/00000000-0000-0000-0000-000000000001"),  # errors too
        ):
            assert answer.headers["cache-control"] == "no-store", answer.request.url
    with public.client() as client:
        assert client.get("/user-public-photo", params={"name": "x"}).headers["cache-control"] == "no-store"


def test_the_server_does_not_name_its_software(internal: ServedRegistry) -> None:
    with internal.client("officer") as client:
        assert "server" not in client.get("/user/00000000-0000-0000-0000-000000000001").headers


# -- X-Source-Root-Business-Process-Instance-Id (finding 10) -----------------------------------------------


@pytest.mark.parametrize("root", ["..", ".", "a/b", "../other", "a\\b", "x" * 129])
def test_attach_refuses_a_root_process_id_that_is_not_a_key_segment(
    internal: ServedRegistry, root: str
) -> None:
    with internal.client("officer") as client:
        file_id = "00000000-0000-0000-0000-00000000abcd"
        photo = {"id": file_id, "checksum": "0" * 64}
        headers = {**WRITE_HEADERS, "X-Source-Root-Business-Process-Instance-Id": root}
        answer = client.post("/user", json={"name": unique("bp"), "photo": photo}, headers=headers)
        assert_problem(answer, 400, "CLIENT_ERROR")
        assert "X-Source-Root-Business-Process-Instance-Id" in answer.json()["detail"]


# -- personal data in logs (finding 7) ---------------------------------------------------------------------


def test_failed_writes_never_log_the_values_they_carried(
    internal: ServedRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret_name = "Taras Shevchenko " + secrets.token_hex(4)
    secret_mail = f"taras.{secrets.token_hex(4)}@example.org"
    with internal.client("officer") as client:
        city = unique("Lviv")
        assert client.post("/city", json={"name": city}).status_code == 201
        duplicate = client.post("/city", json={"name": city})
        assert_problem(duplicate, 409, "CONSTRAINT_ERROR")
        unknown_city = "00000000-0000-0000-0000-000000000077"  # a foreign key violation
        body = {"name": secret_name, "email": secret_mail, "cityId": unknown_city}
        assert_problem(client.post("/user", json=body), 409, "CONSTRAINT_ERROR")
        huge = {"name": secrets.token_urlsafe(3000) + secret_name}
        assert_problem(client.post("/city", json=huge), 422, "VALIDATION_ERROR")
    assert secret_name not in caplog.text and secret_mail not in caplog.text
    assert city not in caplog.text
