"""Token helpers for the identity and access tests (signing with locally generated keys)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jwcrypto import jwk, jwt

from rbac.keys import Realm, realm

REPO = Path(__file__).resolve().parents[2]
KEYCLOAK = "https://keycloak.test"
TokenFactory = Callable[..., str]


def make_realm(name: str, namespace: str | None = None) -> Realm:
    return realm(KEYCLOAK, name, namespace)


def sign(key: jwk.JWK, claims: dict[str, Any], header: dict[str, Any] | None = None) -> str:
    token = jwt.JWT(header=header or {"alg": "RS256", "typ": "JWT", "kid": key.get("kid")}, claims=claims)
    token.make_signed_token(key)
    return str(token.serialize())


def access_claims(
    realm_name: str, roles: list[str] | None, *, namespace: str | None = None, **overrides: Any
) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": make_realm(realm_name, namespace).issuer,
        "sub": "user-1",
        "typ": "Bearer",
        "iat": now,
        "nbf": now,
        "exp": now + 300,
    }
    if roles is not None:
        claims["realm_access"] = {"roles": roles}
    claims.update(overrides)
    return claims
