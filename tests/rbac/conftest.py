"""Fixtures for identity and access tests: a locally generated realm key, tokens signed with it, and
the example regulation's generated policy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jwcrypto import jwk
from rbac_tokens import REPO, TokenFactory, access_claims, sign

from codegen.emit import generate
from codegen.reader import read_regulation
from rbac.enforcer import CasbinAccessPolicy
from registry_api.deploy import GeneratedRegistry, forget_package, load_generated
from schemas.regulation import Regulation


@pytest.fixture(scope="session")
def realm_key() -> jwk.JWK:
    return jwk.JWK.generate(kty="RSA", size=2048, kid="realm-key-1", use="sig", alg="RS256")


@pytest.fixture(scope="session")
def realm_jwks(realm_key: jwk.JWK) -> dict[str, Any]:
    return {"keys": [realm_key.export_public(as_dict=True)]}


@pytest.fixture(scope="session")
def token_for(realm_key: jwk.JWK) -> TokenFactory:
    """``token_for("officer-portal", ["officer"], exp=...)`` → a token signed with the realm key."""

    def factory(realm_name: str, roles: list[str] | None, **overrides: Any) -> str:
        return sign(realm_key, access_claims(realm_name, roles, **overrides))

    return factory


@pytest.fixture(scope="session")
def user_regulation() -> Regulation:
    regulation = read_regulation(REPO / "examples" / "user")
    assert not regulation.errors, regulation.errors
    return regulation


@pytest.fixture(scope="session")
def user_registry(
    user_regulation: Regulation, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[GeneratedRegistry]:
    """The example generated with its public-API settings, as ``serve`` loads it."""
    out = tmp_path_factory.mktemp("user-build")
    generate(user_regulation, out, public_api_file=REPO / "examples" / "user" / "public-api.yaml")
    yield load_generated(out)
    forget_package("user")


@pytest.fixture(scope="session")
def user_rbac_dir(user_registry: GeneratedRegistry) -> Path:
    return user_registry.rbac_dir


@pytest.fixture
def user_policy(user_rbac_dir: Path) -> CasbinAccessPolicy:
    return CasbinAccessPolicy.from_directory(user_rbac_dir)
