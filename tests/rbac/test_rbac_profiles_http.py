"""The three profiles end to end over HTTP: the generated user registry built by
``registry_api.deploy.build_app`` (as ``serve`` builds it), a real PostgreSQL and S3, tokens signed by a
local realm key (offline JWKS file)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rbac_tokens import KEYCLOAK, REPO, TokenFactory

from codegen.migrate.runner import migrate
from codegen.reader import read_regulation
from registry_api.deploy import GeneratedRegistry, build_app
from registry_api.embedded import EmbeddedS3
from registry_api.settings import AuthSettings, DatabaseSettings, Profile, Settings
from tests.api.conftest import s3_settings

EXAMPLE = REPO / "examples" / "user"
ROOT = "/api/data-factory"
UNKNOWN_ID = "00000000-0000-0000-0000-000000000001"


@pytest.fixture
def client_for(
    user_registry: GeneratedRegistry,
    database_url: str,
    s3: EmbeddedS3,
    realm_jwks: dict[str, Any],
    tmp_path: Path,
) -> Iterator[Any]:
    migrate(read_regulation(EXAMPLE), database_url)
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(realm_jwks))
    clients: list[TestClient] = []

    def factory(profile: Profile) -> TestClient:
        settings = Settings(
            profile=profile,
            data_dir=tmp_path,
            database=DatabaseSettings(url=database_url),
            s3=s3_settings(s3),
            auth=AuthSettings(keycloak_url=KEYCLOAK, jwks_file=jwks),
        )
        client = TestClient(build_app(settings, user_registry), raise_server_exceptions=False)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()


def test_ext_profile(client_for: Any, token_for: TokenFactory) -> None:
    client = client_for(Profile.EXT)
    external = {"X-Access-Token": token_for("external-system", ["trembita-invoker"])}
    officer = {"X-Access-Token": token_for("officer-portal", ["officer"])}
    assert client.get(f"{ROOT}/city-contains-name", headers=external).status_code == 404  # not exposed
    assert client.get(f"{ROOT}/search/user-public-photo", headers=external).status_code == 404  # public only
    assert client.get(f"{ROOT}/city/{UNKNOWN_ID}", headers=external).status_code == 404  # no entities on ext
    # exposed and granted to trembita-invoker: an external system may search
    answer = client.get(f"{ROOT}/search/user-search-by-name", params={"name": "A"}, headers=external)
    assert answer.status_code == 200, answer.text
    legacy = client.get(f"{ROOT}/user-search-by-name", params={"name": "A"}, headers=external)
    assert legacy.status_code == 200
    # an external system without the role is refused by RBAC
    stranger = {"X-Access-Token": token_for("external-system", ["some-other-system"])}
    denied = client.get(f"{ROOT}/search/user-search-by-name", params={"name": "A"}, headers=stranger)
    assert denied.status_code == 403 and denied.json()["code"] == "FORBIDDEN_OPERATION"
    refused = client.get(f"{ROOT}/search/user-search-by-name", params={"name": "A"}, headers=officer)
    assert refused.status_code == 401  # the officer realm is not accepted by ext
    assert refused.json()["code"] == "AUTHENTICATION_FAILED"
    assert client.get(f"{ROOT}/search/user-search-by-name").status_code == 401


def test_internal_profile(client_for: Any, token_for: TokenFactory) -> None:
    client = client_for(Profile.INTERNAL)
    officer = {"X-Access-Token": token_for("officer-portal", ["officer"])}
    citizen = {"Authorization": "Bearer " + token_for("citizen-portal", ["citizen"])}
    answer = client.get(f"{ROOT}/search/user-search-by-name", params={"name": "A"}, headers=officer)
    assert answer.status_code == 200, answer.text
    denied = client.get(f"{ROOT}/search/user-search-by-name", params={"name": "A"}, headers=citizen)
    assert denied.status_code == 403 and denied.json()["code"] == "FORBIDDEN_OPERATION"
    assert client.get(f"{ROOT}/user/{UNKNOWN_ID}", headers=citizen).status_code == 403  # column grants only
    assert client.get(f"{ROOT}/user/{UNKNOWN_ID}", headers=officer).status_code == 404
    assert client.get(f"{ROOT}/city-contains-name", params={"name": "x"}, headers=citizen).status_code == 200


def test_public_profile(client_for: Any) -> None:
    client = client_for(Profile.PUBLIC)
    listed = client.get(f"{ROOT}/user-public-photo", params={"name": "nobody"})
    assert listed.status_code == 200, listed.text
    # Read-only, with or without the mesh: other methods on a served path are 405, elsewhere 404.
    assert client.get(f"{ROOT}/search/user-public-photo", params={"name": "nobody"}).status_code == 200
    refused = client.post(f"{ROOT}/search/user-public-photo", json={"name": "nobody"})
    assert refused.status_code == 405 and refused.json()["code"] == "METHOD_NOT_ALLOWED"
    assert client.post(f"{ROOT}/user-public-photo", json={}).status_code == 405
    assert client.put(f"{ROOT}/user-public-photo").status_code == 405
    assert client.delete(f"{ROOT}/user-public-photo").status_code == 405
    assert client.get(f"{ROOT}/user-search-by-name", params={"name": "A"}).status_code == 404
    assert client.get(f"{ROOT}/city/{UNKNOWN_ID}").status_code == 404
    assert client.post(f"{ROOT}/city", json={"name": "x"}).status_code == 404
    assert client.post(f"{ROOT}/files", files={"file": ("a.txt", b"a")}).status_code == 404
    assert client.get(f"{ROOT}/files/user/{UNKNOWN_ID}/documents/{UNKNOWN_ID}").status_code == 404


def test_a_served_profile_verifies_a_steady_token_once(client_for: Any, token_for: TokenFactory) -> None:
    client = client_for(Profile.INTERNAL)
    cache = client.app.state.runtime.security.authenticator.cache  # type: ignore[attr-defined]
    officer = {"X-Access-Token": token_for("officer-portal", ["officer"])}
    for _ in range(3):
        assert client.get(f"{ROOT}/city/{UNKNOWN_ID}", headers=officer).status_code == 404
    assert (cache.misses, cache.hits) == (1, 2)
    forged = {"X-Access-Token": officer["X-Access-Token"][:-4] + "AAAA"}
    assert client.get(f"{ROOT}/city/{UNKNOWN_ID}", headers=forged).status_code == 401
    assert len(cache) == 1
