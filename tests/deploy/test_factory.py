"""The generated package's factory (``uvicorn --factory user.app:create_app``) and the app builder fail
closed: nothing builds a service that lets an unauthenticated caller in, and a missing part is an error."""

from __future__ import annotations

import importlib
import inspect
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from jwcrypto import jwk
from sqlalchemy import create_engine, text

from codegen.emit import generate
from codegen.migrate import migrate
from codegen.reader import read_regulation
from registry_api.deploy import DeployError, forget_package
from registry_api.embedded import EmbeddedS3
from registry_api.http.app import create_app
from registry_api.settings import SettingsError
from tests.api.conftest import WRITE_HEADERS
from tests.rbac.rbac_tokens import KEYCLOAK, access_claims, sign

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = REPO_ROOT / "examples" / "user"
API = "/api/data-factory"


@pytest.fixture
def factory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, object]]:
    """The generated ``user.app.create_app``, imported as uvicorn imports it (the tree on sys.path)."""
    out = tmp_path / "build"
    generate(read_regulation(EXAMPLE), out)
    monkeypatch.chdir(tmp_path)
    for name in [n for n in list(__import__("os").environ) if n.startswith("REGISTRY_")]:
        monkeypatch.delenv(name)
    forget_package("user")
    sys.path.insert(0, str(out))
    try:
        yield out, importlib.import_module("user.app").create_app
    finally:
        sys.path.remove(str(out))
        forget_package("user")


def test_create_app_has_no_default_security() -> None:
    parameter = inspect.signature(create_app).parameters["security"]
    assert parameter.default is inspect.Parameter.empty and parameter.kind is not parameter.KEYWORD_ONLY


def test_factory_refuses_to_start_without_its_policy(factory: tuple[Path, object]) -> None:
    out, create = factory
    (out / "rbac" / "policy.csv").unlink()
    with pytest.raises(DeployError, match=r"policy\.csv"):
        create()  # type: ignore[operator]


def test_factory_refuses_invalid_settings(
    factory: tuple[Path, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, create = factory
    monkeypatch.setenv("REGISTRY_PROFILE", "everything")
    with pytest.raises(SettingsError, match="REGISTRY_PROFILE=everything"):
        create()  # type: ignore[operator]


def test_factory_refuses_without_a_database(factory: tuple[Path, object]) -> None:
    _, create = factory
    with pytest.raises(ValueError, match="no database configured"):
        create()  # type: ignore[operator]


def test_factory_app_authenticates_every_caller(
    factory: tuple[Path, object],
    database_url: str,
    s3: EmbeddedS3,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """Configured only from the environment, without any development flag: an anonymous write and a
    token signed with a key that is not the realm's (same ``kid``) are refused and nothing is written;
    the realm's own token is let in."""
    out, create = factory
    migrate(read_regulation(out / "regulation"), database_url)
    realm_key = jwk.JWK.generate(kty="RSA", size=2048, kid="realm-key")
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [realm_key.export_public(as_dict=True)]}))
    environment = {
        "REGISTRY_DATABASE__URL": database_url,
        "REGISTRY_S3__ENDPOINT_URL": s3.endpoint_url,
        "REGISTRY_S3__ACCESS_KEY": s3.access_key,
        "REGISTRY_S3__SECRET_KEY": s3.secret_key,
        "REGISTRY_AUTH__KEYCLOAK_URL": KEYCLOAK,
        "REGISTRY_AUTH__JWKS_FILE": str(jwks),
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    claims = access_claims("officer-portal", ["officer"])
    forged = sign(jwk.JWK.generate(kty="RSA", size=2048, kid="realm-key"), claims)
    genuine = sign(realm_key, claims)
    with TestClient(create(), raise_server_exceptions=False) as client:  # type: ignore[operator]
        anonymous = client.post(f"{API}/city", json={"name": "Kyiv"}, headers=WRITE_HEADERS)
        assert anonymous.status_code == 401 and anonymous.json()["code"] == "AUTHENTICATION_FAILED"
        stranger = client.post(
            f"{API}/city", json={"name": "Kyiv"}, headers={**WRITE_HEADERS, "X-Access-Token": forged}
        )
        assert stranger.status_code == 401
        assert client.get(f"{API}/search/city-contains-name", params={"name": "K"}).status_code == 401
        searched = client.get(
            f"{API}/search/city-contains-name", params={"name": "K"}, headers={"X-Access-Token": genuine}
        )
        assert searched.status_code == 200 and searched.json() == []
    engine = create_engine(database_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM city")).scalar_one() == 0
    engine.dispose()
