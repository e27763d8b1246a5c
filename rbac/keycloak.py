"""Who is calling: Keycloak access tokens verified with python-keycloak against cached realm keys.

The token comes from ``X-Access-Token`` (reference) or ``Authorization: Bearer``. Its unverified
``iss`` only selects a realm from the allow-list — a token naming any other issuer is refused before
any key is looked up, so no request can make the service fetch keys from a host of its choosing.
Then python-keycloak's ``decode_token(..., key=<JWKSet>)`` checks the signature with a fixed
algorithm list and the claims (``iss``, ``exp``, ``nbf`` always). Roles come from
``realm_access.roles``; a token without them (Keycloak's lightweight access tokens) is refused with
a message saying so rather than silently denied everything.

``authenticate`` reuses the identity of a token it verified before, until the token's ``exp``
(``rbac.token_cache``); ``verify`` always verifies.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from jwcrypto.common import JWException
from keycloak import KeycloakOpenID

from rbac.errors import AuthenticationError
from rbac.keys import CLIENT_ID, Realm, RealmKeys
from rbac.principal import Identity
from rbac.token_cache import VerifiedTokens

log = logging.getLogger(__name__)

TOKEN_HEADER = "x-access-token"  # noqa: S105 - a header name, not a secret
# Asymmetric only: a symmetric algorithm would let a public key act as an HMAC secret.
SUPPORTED_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}
)
_MAX_TOKEN_LENGTH = 16_384


def token_from(headers: Mapping[str, str]) -> str | None:
    """The access token of a request: ``X-Access-Token``, else ``Authorization: Bearer``.
    ``headers`` looks names up case-insensitively (as Starlette's ``Headers`` does)."""
    token = headers.get(TOKEN_HEADER)
    if token:
        return token.strip()
    authorization = headers.get("authorization")
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    return None


def _b64_json(segment: str) -> dict[str, Any]:
    padded = segment + "=" * (-len(segment) % 4)
    value = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def unverified_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and payload of a compact JWS, NOT verified: only for choosing the realm and key."""
    parts = token.split(".")
    if len(parts) != 3 or len(token) > _MAX_TOKEN_LENGTH:
        raise AuthenticationError("the access token is not a signed JWT")
    try:
        return _b64_json(parts[0]), _b64_json(parts[1])
    except (ValueError, UnicodeError) as error:
        raise AuthenticationError("the access token is not a signed JWT") from error


class KeycloakAuthenticator:
    """Implements ``registry_api.access.Authenticator`` for the realms a profile accepts."""

    def __init__(
        self,
        realms: Sequence[Realm],
        keys: RealmKeys,
        *,
        algorithms: Sequence[str] = ("RS256",),
        leeway_s: int = 30,
        cache: VerifiedTokens | None = None,
    ) -> None:
        if not realms:
            raise ValueError("a Keycloak authenticator needs at least one realm")
        unsupported = set(algorithms) - SUPPORTED_ALGORITHMS
        if unsupported or not algorithms:
            raise ValueError(
                f"unsupported token algorithms {sorted(unsupported)}; allowed: {sorted(SUPPORTED_ALGORITHMS)}"
            )
        self._by_issuer = {r.issuer: r for r in realms}
        self._clients = {
            r.issuer: KeycloakOpenID(
                server_url=r.keycloak_url.rstrip("/") + "/", realm_name=r.keycloak_name, client_id=CLIENT_ID
            )
            for r in realms
        }
        self._keys = keys
        self._algorithms = list(algorithms)
        self._leeway = leeway_s
        self.cache = cache if cache is not None else VerifiedTokens(0, 0)

    @property
    def realms(self) -> tuple[Realm, ...]:
        return tuple(self._by_issuer.values())

    def authenticate(self, headers: Mapping[str, str]) -> Identity:
        token = token_from(headers)
        if token is None:
            raise AuthenticationError(
                "an access token is required (X-Access-Token or Authorization: Bearer)", error=""
            )
        identity = self.cache.get(token)
        if identity is None:
            identity = self.verify(token)
            self.cache.put(token, identity)
        return identity

    def verify(self, token: str) -> Identity:
        """Verify ``token`` fully (no cache): signature, algorithm, issuer, ``exp``/``nbf``, roles."""
        header, unverified = unverified_parts(token)
        if header.get("alg") not in self._algorithms:
            raise AuthenticationError(f"token algorithm {header.get('alg')!r} is not accepted")
        issuer = unverified.get("iss")
        target = self._by_issuer.get(issuer) if isinstance(issuer, str) else None
        if target is None:
            raise AuthenticationError("the token's issuer is not a realm this service accepts")
        kid = header.get("kid")
        key_set = self._keys.key_set(target, kid if isinstance(kid, str) else None)
        try:
            claims = self._clients[target.issuer].decode_token(
                token,
                validate=True,
                key=key_set,
                algs=self._algorithms,
                # Listing claims switches off jwcrypto's default checks: exp and nbf must be listed.
                check_claims={"iss": target.issuer, "exp": None, "nbf": None}
                if "nbf" in unverified
                else {"iss": target.issuer, "exp": None},
                expected_type="JWS",
                leeway=self._leeway,
            )
        except (JWException, ValueError, TypeError, KeyError) as error:
            raise AuthenticationError(_reason(error)) from error
        return _identity(target, claims)


def _reason(error: Exception) -> str:
    name = type(error).__name__
    if name == "JWTExpired":
        return "the access token has expired"
    if name == "JWTNotYetValid":
        return "the access token is not valid yet"
    if name == "JWTMissingKey":
        return "the access token is signed with an unknown key"
    if name == "JWTMissingClaim":
        return "the access token lacks a required claim (exp)"
    if name == "JWTInvalidClaimValue":
        return "the access token has an invalid claim"
    return "the access token signature or format is invalid"


def _identity(target: Realm, claims: Mapping[str, Any]) -> Identity:
    token_type = claims.get("typ")
    if not isinstance(token_type, str) or token_type.lower() != "bearer":
        raise AuthenticationError("the token is not an access token (typ must be Bearer)")
    realm_access = claims.get("realm_access")
    roles = realm_access.get("roles") if isinstance(realm_access, Mapping) else None
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise AuthenticationError(
            "the access token carries no roles claim (realm_access.roles): a lightweight access token? "
            "Enable 'Always use lightweight access token' = off or add the realm roles mapper"
        )
    subject = claims.get("sub")
    return Identity(
        subject=str(subject) if subject else str(claims.get("preferred_username") or claims.get("azp") or ""),
        realm=target.name,
        roles=frozenset(roles),
        claims=dict(claims),
    )
