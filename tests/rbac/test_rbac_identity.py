"""Keycloak token verification: realms by issuer, cached key sets, and every token attack → 401."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import responses
from jwcrypto import jwk, jws
from rbac_tokens import KEYCLOAK, TokenFactory, access_claims, make_realm, sign
from starlette.datastructures import Headers

from rbac.errors import AuthenticationError
from rbac.keycloak import KeycloakAuthenticator
from rbac.keys import RealmKeys

INTERNAL = ("officer-portal", "citizen-portal", "external-system")


def authenticator(
    *realms: str, keys: RealmKeys | None = None, namespace: str | None = None
) -> KeycloakAuthenticator:
    return KeycloakAuthenticator(
        [make_realm(name, namespace) for name in realms or INTERNAL], keys or RealmKeys(), leeway_s=0
    )


def certs_url(realm: str) -> str:
    return f"{KEYCLOAK}/realms/{realm}/protocol/openid-connect/certs"


@pytest.fixture
def keycloak(realm_jwks: dict[str, Any]) -> Iterator[responses.RequestsMock]:
    """A fake Keycloak answering the certs endpoint of every internal realm; counts the calls."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        for realm in (*INTERNAL, "reg-officer-portal"):
            mock.get(certs_url(realm), json=realm_jwks)
        yield mock


def connection(headers: dict[str, str]) -> Headers:
    """Request headers as the service hands them to the authenticator (case-insensitive)."""
    return Headers(headers=headers)


def fetches(mock: responses.RequestsMock, realm: str) -> int:
    return sum(1 for call in mock.calls if call.request.url == certs_url(realm))


def rejected(auth: KeycloakAuthenticator, token: str) -> AuthenticationError:
    with pytest.raises(AuthenticationError) as caught:
        auth.verify(token)
    return caught.value


def test_valid_token_gives_identity_with_realm_roles(
    keycloak: responses.RequestsMock, token_for: TokenFactory
) -> None:
    identity = authenticator().verify(token_for("officer-portal", ["officer", "default-roles"]))
    assert identity.realm == "officer-portal"
    assert identity.roles == {"officer", "default-roles"}
    assert identity.subject == "user-1" and not identity.anonymous


def test_token_from_either_header(keycloak: responses.RequestsMock, token_for: TokenFactory) -> None:
    auth = authenticator()
    token = token_for("citizen-portal", ["citizen"])
    assert auth.authenticate(connection({"X-Access-Token": token})).roles == {"citizen"}
    assert auth.authenticate(connection({"Authorization": f"Bearer {token}"})).roles == {"citizen"}
    with pytest.raises(AuthenticationError) as missing:
        auth.authenticate(connection({}))
    assert missing.value.www_authenticate == "Bearer"


def test_key_set_fetched_once_per_realm(keycloak: responses.RequestsMock, token_for: TokenFactory) -> None:
    auth = authenticator()
    for _ in range(5):
        auth.verify(token_for("officer-portal", ["officer"]))
        auth.verify(token_for("citizen-portal", ["citizen"]))
    assert fetches(keycloak, "officer-portal") == 1
    assert fetches(keycloak, "citizen-portal") == 1
    assert fetches(keycloak, "external-system") == 0


def test_namespaced_realm_names(keycloak: responses.RequestsMock, realm_key: jwk.JWK) -> None:
    auth = authenticator("officer-portal", namespace="reg")
    token = sign(realm_key, access_claims("officer-portal", ["officer"], namespace="reg"))
    assert auth.verify(token).realm == "officer-portal"
    assert fetches(keycloak, "reg-officer-portal") == 1
    rejected(auth, sign(realm_key, access_claims("officer-portal", ["officer"])))  # un-namespaced issuer


def test_unknown_kid_refreshes_once_then_fails(
    keycloak: responses.RequestsMock, token_for: TokenFactory
) -> None:
    clock = [1000.0]
    auth = authenticator(keys=RealmKeys(refresh_min_interval_s=30, clock=lambda: clock[0]))
    auth.verify(token_for("officer-portal", ["officer"]))
    clock[0] += 31  # keys fetched a while ago
    stranger = jwk.JWK.generate(kty="RSA", size=2048, kid="rotated-away")
    forged = sign(stranger, access_claims("officer-portal", ["officer"]))
    for _ in range(3):
        assert "unknown key" in rejected(auth, forged).reason
    assert fetches(keycloak, "officer-portal") == 2  # the first fetch + one refresh, not one per request
    clock[0] += 31
    rejected(auth, forged)
    assert fetches(keycloak, "officer-portal") == 3


def test_rotated_key_is_picked_up_by_the_refresh(
    keycloak: responses.RequestsMock, realm_jwks: dict[str, Any], token_for: TokenFactory
) -> None:
    clock = [0.0]
    auth = authenticator("officer-portal", keys=RealmKeys(clock=lambda: clock[0]))
    auth.verify(token_for("officer-portal", ["officer"]))
    clock[0] += 60
    new_key = jwk.JWK.generate(kty="RSA", size=2048, kid="realm-key-2")
    keycloak.replace(
        responses.GET,
        certs_url("officer-portal"),
        json={"keys": [*realm_jwks["keys"], new_key.export_public(as_dict=True)]},
    )
    assert auth.verify(sign(new_key, access_claims("officer-portal", ["officer"]))).roles == {"officer"}


def test_keys_from_a_file_never_fetch(
    keycloak: responses.RequestsMock, realm_jwks: dict[str, Any], token_for: TokenFactory, tmp_path: Path
) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"officer-portal": realm_jwks}))
    auth = authenticator("officer-portal", "citizen-portal", keys=RealmKeys(jwks_file=path))
    assert auth.verify(token_for("officer-portal", ["officer"])).roles == {"officer"}
    assert "no signing keys" in rejected(auth, token_for("citizen-portal", ["citizen"])).reason
    assert len(keycloak.calls) == 0


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _unsigned(claims: dict[str, Any]) -> str:
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."


def _hs256_with_public_key(realm_key: jwk.JWK, claims: dict[str, Any]) -> str:
    public_pem = realm_key.export_to_pem()
    secret = jwk.JWK(kty="oct", k=base64.urlsafe_b64encode(public_pem).rstrip(b"=").decode())
    token = jws.JWS(json.dumps(claims).encode())
    token.add_signature(
        secret, alg="HS256", protected=json.dumps({"alg": "HS256", "kid": realm_key.get("kid")})
    )
    return str(token.serialize(compact=True))


def _tampered(token: str) -> str:
    header, _, signature = token.split(".")
    claims = access_claims("officer-portal", ["officer", "admin"])
    return f"{header}.{_b64(claims)}.{signature}"


def test_token_attacks_are_rejected(
    keycloak: responses.RequestsMock, realm_key: jwk.JWK, token_for: TokenFactory
) -> None:
    now = int(time.time())
    auth = authenticator("officer-portal", "citizen-portal")
    attacks = {
        "alg none": _unsigned(access_claims("officer-portal", ["officer"])),
        "HS256 with the public key": _hs256_with_public_key(
            realm_key, access_claims("officer-portal", ["officer"])
        ),
        "wrong issuer": sign(
            realm_key, access_claims("officer-portal", ["officer"], iss="https://evil.test/realms/x")
        ),
        "realm not accepted": token_for("external-system", ["trembita-invoker"]),
        "expired": token_for("officer-portal", ["officer"], exp=now - 60, iat=now - 600, nbf=now - 600),
        "not yet valid": token_for("officer-portal", ["officer"], nbf=now + 600),
        "tampered payload": _tampered(token_for("officer-portal", ["officer"])),
        "garbage": "not-a-token",
        "garbage with dots": "a.b.c",
        "no exp": sign(
            realm_key, {k: v for k, v in access_claims("officer-portal", ["officer"]).items() if k != "exp"}
        ),
        "id token": token_for("officer-portal", ["officer"], typ="ID"),
    }
    for name, token in attacks.items():
        with pytest.raises(AuthenticationError):
            auth.verify(token)
            pytest.fail(f"accepted: {name}")
    # none of them made the service ask anybody but the configured realms for keys
    assert {call.request.url for call in keycloak.calls} <= {
        certs_url("officer-portal"),
        certs_url("citizen-portal"),
    }


def test_token_without_roles_fails_loudly(keycloak: responses.RequestsMock, token_for: TokenFactory) -> None:
    error = rejected(authenticator(), token_for("officer-portal", None))
    assert "lightweight" in error.reason and "realm_access.roles" in error.reason
    assert error.www_authenticate.startswith('Bearer error="invalid_token"')


def test_keycloak_down_is_an_authentication_failure_not_a_crash(token_for: TokenFactory) -> None:
    with responses.RequestsMock() as mock:
        mock.get(certs_url("officer-portal"), status=503)
        assert (
            "unavailable"
            in rejected(authenticator("officer-portal"), token_for("officer-portal", ["officer"])).reason
        )


def test_symmetric_algorithms_cannot_be_configured() -> None:
    with pytest.raises(ValueError, match="HS256"):
        KeycloakAuthenticator([make_realm("officer-portal")], RealmKeys(), algorithms=("HS256",))
