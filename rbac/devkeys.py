"""Development identities: a local RSA key that signs tokens for ``registry-api dev-token``.

The key lives in ``<data-dir>/dev-auth/signing-key.json`` (mode 0600), created by the service that
trusts it (``serve --dev-auth``, ``demo``), never by ``dev-token``: a token signed with a key no
service knows would only be refused later. A service started with ``serve --dev-auth`` trusts its
public half in addition to the configured realms, so a developer can call the API without a
Keycloak. Never enable it in production: anyone who can read the data directory can mint any role.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from jwcrypto import jwk, jwt

DEV_AUTH_DIR = "dev-auth"
KEY_FILE = "signing-key.json"
DEV_KID_PREFIX = "registry-dev-"
DEFAULT_TTL_S = 3600


def _key_path(data_dir: Path) -> Path:
    return data_dir / DEV_AUTH_DIR / KEY_FILE


class DevKeyMissingError(LookupError):
    """There is no development key under the data directory (``str()`` says where and what to do)."""


def dev_signing_key(data_dir: Path, *, create: bool = True) -> jwk.JWK:
    """The development private key; created when missing unless ``create`` is false."""
    path = _key_path(data_dir)
    if path.is_file():
        return jwk.JWK.from_json(path.read_text(encoding="utf-8"))
    if not create:
        raise DevKeyMissingError(
            f"no development key at {path}: start `registry-api serve --dev-auth --data-dir {data_dir}` "
            "(or `registry-api demo`) first, or pass the --data-dir that service uses"
        )
    key = jwk.JWK.generate(
        kty="RSA", size=2048, kid=f"{DEV_KID_PREFIX}{uuid.uuid4().hex[:12]}", use="sig", alg="RS256"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    # Create with 0600 from the start: no window in which the private key is world-readable.
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # created concurrently by another process
        return jwk.JWK.from_json(path.read_text(encoding="utf-8"))
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(key.export_private())
    return key


def dev_key_set(data_dir: Path) -> jwk.JWKSet:
    """The public development key as a key set, for ``RealmKeys(extra=...)``."""
    public = jwk.JWK.from_json(dev_signing_key(data_dir).export_public())
    key_set = jwk.JWKSet()
    key_set.add(public)
    return key_set


def mint_token(
    key: jwk.JWK,
    *,
    issuer: str,
    roles: Sequence[str],
    subject: str,
    ttl_s: int = DEFAULT_TTL_S,
    extra_claims: dict[str, object] | None = None,
    now: float | None = None,
) -> str:
    """A Keycloak-shaped access token (``typ`` Bearer, ``realm_access.roles``) signed with ``key``."""
    issued = int(now if now is not None else time.time())
    claims: dict[str, object] = {
        "iss": issuer,
        "sub": subject,
        "typ": "Bearer",
        "azp": "registry-dev",
        "iat": issued,
        "nbf": issued,
        "exp": issued + ttl_s,
        "jti": str(uuid.uuid4()),
        "preferred_username": subject,
        "realm_access": {"roles": list(roles)},
        "drfo": "0",  # the reference's claim filter expects these on every request
        "fullName": f"Development user {subject}",
        **(extra_claims or {}),
    }
    token = jwt.JWT(header={"alg": "RS256", "typ": "JWT", "kid": key.get("kid")}, claims=claims)
    token.make_signed_token(key)
    return str(token.serialize())
