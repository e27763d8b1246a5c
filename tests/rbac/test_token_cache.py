"""The verified-token cache: a token is verified once and reused until its ``exp``; expired, evicted,
forged or tampered tokens are verified (and refused) again; nothing else is ever reused."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from jwcrypto import jwk
from rbac_tokens import TokenFactory, access_claims, make_realm, sign
from starlette.datastructures import Headers

from rbac.errors import AuthenticationError
from rbac.keycloak import KeycloakAuthenticator
from rbac.keys import RealmKeys
from rbac.principal import Identity
from rbac.token_cache import VerifiedTokens


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


class CountingAuthenticator(KeycloakAuthenticator):
    """The real authenticator, counting full verifications (the work the cache saves)."""

    verifications = 0

    def verify(self, token: str) -> Identity:
        self.verifications += 1
        return super().verify(token)


@pytest.fixture
def jwks_file(tmp_path: Path, realm_jwks: dict[str, Any]) -> Path:
    import json

    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(realm_jwks), encoding="utf-8")
    return path


def authenticator(jwks_file: Path, cache: VerifiedTokens) -> CountingAuthenticator:
    realms = [make_realm("officer-portal"), make_realm("citizen-portal")]
    return CountingAuthenticator(realms, RealmKeys(jwks_file=jwks_file), leeway_s=0, cache=cache)


def headers(token: str) -> Headers:
    return Headers(headers={"X-Access-Token": token})


def test_a_steady_client_is_verified_once(jwks_file: Path, token_for: TokenFactory) -> None:
    auth = authenticator(jwks_file, VerifiedTokens(100, 300))
    token = token_for("officer-portal", ["officer"])
    identities = [auth.authenticate(headers(token)) for _ in range(5)]
    assert auth.verifications == 1
    assert all(identity == identities[0] for identity in identities)
    assert identities[0].roles == {"officer"}
    assert auth.authenticate(headers(token_for("citizen-portal", ["citizen"], sub="u2"))).roles == {"citizen"}
    assert auth.verifications == 2  # another token, another verification


def test_a_cached_token_is_refused_once_it_expires(jwks_file: Path, token_for: TokenFactory) -> None:
    clock = Clock()
    auth = authenticator(jwks_file, VerifiedTokens(100, 3600, clock=clock))
    token = token_for("officer-portal", ["officer"], exp=int(clock.now) + 60)
    auth.authenticate(headers(token))
    clock.now += 59
    auth.authenticate(headers(token))
    assert auth.verifications == 1
    clock.now += 2  # past exp: the cache no longer answers, and verification refuses it
    time_travel = pytest.MonkeyPatch()
    time_travel.setattr(time, "time", clock)  # jwcrypto checks exp against time.time()
    try:
        with pytest.raises(AuthenticationError) as refused:
            auth.authenticate(headers(token))
    finally:
        time_travel.undo()
    assert "expired" in refused.value.reason
    assert auth.verifications == 2


def test_reuse_is_capped_by_the_maximum_age(jwks_file: Path, token_for: TokenFactory) -> None:
    clock = Clock()
    auth = authenticator(jwks_file, VerifiedTokens(100, 10, clock=clock))
    token = token_for("officer-portal", ["officer"], exp=int(clock.now) + 3600)
    auth.authenticate(headers(token))
    clock.now += 11
    auth.authenticate(headers(token))
    assert auth.verifications == 2


def test_the_least_recently_used_token_is_evicted(jwks_file: Path, token_for: TokenFactory) -> None:
    cache = VerifiedTokens(2, 300)
    auth = authenticator(jwks_file, cache)
    first, second, third = (token_for("officer-portal", ["officer"], sub=f"user-{n}") for n in range(3))
    auth.authenticate(headers(first))
    auth.authenticate(headers(second))
    auth.authenticate(headers(first))  # first is now the most recently used
    auth.authenticate(headers(third))  # evicts second
    assert len(cache) == 2 and auth.verifications == 3
    auth.authenticate(headers(first))
    assert auth.verifications == 3
    auth.authenticate(headers(second))
    assert auth.verifications == 4


def test_refused_tokens_are_never_cached(
    jwks_file: Path, realm_key: jwk.JWK, token_for: TokenFactory
) -> None:
    cache = VerifiedTokens(100, 300)
    auth = authenticator(jwks_file, cache)
    good = token_for("officer-portal", ["officer"])
    auth.authenticate(headers(good))
    header, _, signature = good.split(".")
    forged_payload = sign(realm_key, access_claims("officer-portal", ["admin"])).split(".")[1]
    tampered = f"{header}.{forged_payload}.{signature}"  # a valid signature of other claims
    for _ in range(2):
        with pytest.raises(AuthenticationError):
            auth.authenticate(headers(tampered))
    assert len(cache) == 1
    assert auth.verifications == 3  # the tampered token was verified (and refused) each time


def test_entries_are_keyed_by_the_token_hash(token_for: TokenFactory) -> None:
    cache = VerifiedTokens(10, 300)
    token = token_for("officer-portal", ["officer"])
    identity = Identity("user-1", "officer-portal", frozenset({"officer"}), {"exp": time.time() + 60})
    cache.put(token, identity)
    assert cache.get(token) is identity
    assert all(isinstance(key, bytes) and len(key) == 32 for key in cache._entries)
    assert cache.get(token + "x") is None


def test_a_size_of_zero_verifies_every_request(jwks_file: Path, token_for: TokenFactory) -> None:
    auth = authenticator(jwks_file, VerifiedTokens(0, 300))
    token = token_for("officer-portal", ["officer"])
    for _ in range(3):
        auth.authenticate(headers(token))
    assert auth.verifications == 3


def test_a_token_accepted_only_within_the_leeway_is_not_cached(token_for: TokenFactory) -> None:
    clock = Clock()
    cache = VerifiedTokens(10, 300, clock=clock)
    identity = Identity("user-1", "officer-portal", frozenset(), {"exp": clock.now - 5})
    cache.put("token", identity)
    assert len(cache) == 0 and cache.get("token") is None
