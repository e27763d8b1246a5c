"""Realms the service trusts and their signing keys (Keycloak JWKS), cached per realm.

Keys are fetched from ``<keycloak>/realms/<realm>/protocol/openid-connect/certs`` with python-keycloak
the first time a realm's token arrives, then reused. A token whose ``kid`` is not in the cached set
triggers one refresh (key rotation), but never more often than ``refresh_min_interval_s`` per realm,
so a flood of forged ``kid`` values cannot turn into a flood of requests to Keycloak. Offline
deployments give a JWKS file instead and nothing is ever fetched.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jwcrypto import jwk
from keycloak import KeycloakOpenID

from rbac.errors import AuthenticationError

log = logging.getLogger(__name__)

CLIENT_ID = "registry-api"  # only used to build the python-keycloak client; certs need no client


@dataclass(frozen=True)
class Realm:
    """A realm the service accepts. ``name`` is the logical name (``officer-portal``) used by the
    regulation and the profiles; ``keycloak_name`` is the realm's name in Keycloak (namespaced)."""

    name: str
    keycloak_name: str
    keycloak_url: str

    @property
    def issuer(self) -> str:
        return f"{self.keycloak_url.rstrip('/')}/realms/{self.keycloak_name}"

    @property
    def certs_url(self) -> str:
        return f"{self.issuer}/protocol/openid-connect/certs"


def realm(keycloak_url: str, name: str, namespace: str | None = None) -> Realm:
    """The reference names Keycloak realms ``<namespace>-<realm>`` (e.g. ``reg-officer-portal``)."""
    return Realm(
        name=name, keycloak_name=f"{namespace}-{name}" if namespace else name, keycloak_url=keycloak_url
    )


def key_set_from_json(document: Mapping[str, Any]) -> jwk.JWKSet:
    keys = document.get("keys")
    if not isinstance(keys, list):
        raise ValueError("a JWKS document needs a 'keys' list")
    key_set = jwk.JWKSet()
    for entry in keys:
        if isinstance(entry, dict) and entry.get("use", "sig") == "sig":
            key_set.add(jwk.JWK(**entry))
    return key_set


def _fetch_with_keycloak(target: Realm, timeout_s: int) -> Mapping[str, Any]:
    client = KeycloakOpenID(
        server_url=target.keycloak_url.rstrip("/") + "/",
        realm_name=target.keycloak_name,
        client_id=CLIENT_ID,
        timeout=timeout_s,
    )
    return client.certs()


def _kids(key_set: jwk.JWKSet) -> frozenset[str]:
    return frozenset(str(k.get("kid")) for k in key_set["keys"] if k.get("kid") is not None)


@dataclass
class _Entry:
    key_set: jwk.JWKSet | None
    kids: frozenset[str]
    attempted_at: float


class RealmKeys:
    """Signing keys per realm: fetched and cached, or read from a file (``jwks_file``).

    A file holds either one JWKS (``{"keys": [...]}``, used for every realm) or one per realm
    (``{"officer-portal": {"keys": [...]}, ...}``, keyed by logical or Keycloak realm name).
    ``extra`` keys (development keys) are trusted for every realm in addition to its own.
    """

    def __init__(
        self,
        *,
        jwks_file: Path | None = None,
        refresh_min_interval_s: float = 30.0,
        extra: jwk.JWKSet | None = None,
        fetch: Callable[[Realm], Mapping[str, Any]] | None = None,
        fetch_timeout_s: int = 5,
        clock: Callable[[], float] = time.monotonic,
        observe: Callable[[str], None] | None = None,
    ) -> None:
        self._file = _read_jwks_file(jwks_file) if jwks_file is not None else None
        self._interval = refresh_min_interval_s
        self._extra = extra
        self._extra_kids = _kids(extra) if extra is not None else frozenset()
        self._fetch = fetch or (lambda target: _fetch_with_keycloak(target, fetch_timeout_s))
        self._clock = clock
        self._observe = observe or (lambda result: None)  # "hit" or "fetch", for the service's metrics
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def key_set(self, target: Realm, kid: str | None) -> jwk.JWKSet:
        """The keys to verify a token of ``target`` carrying ``kid``. Raises ``AuthenticationError``
        when no key could be obtained at all."""
        if self._extra is not None and kid is not None and kid in self._extra_kids:
            return self._extra
        if self._file is not None:
            found = self._file.get(target.name) or self._file.get(target.keycloak_name) or self._file.get("")
            if found is None:
                raise AuthenticationError(f"no signing keys configured for realm {target.name}")
            return found
        entry = self._entries.get(target.name)
        if entry is None or (kid is not None and kid not in entry.kids):
            entry = self._refresh(target, entry)
        else:
            self._observe("hit")
        if entry.key_set is None:
            raise AuthenticationError(f"signing keys of realm {target.name} are unavailable")
        return entry.key_set

    def _refresh(self, target: Realm, seen: _Entry | None) -> _Entry:
        with self._lock:
            current = self._entries.get(target.name)
            if current is not seen and current is not None:
                return current  # another thread refreshed meanwhile
            now = self._clock()
            if current is not None and now - current.attempted_at < self._interval:
                return current  # refreshed recently: an unknown kid stays unknown until the interval ends
            self._observe("fetch")
            try:
                key_set = key_set_from_json(self._fetch(target))
            except Exception as error:  # network, HTTP or JSON failure: keep the old keys, if any
                log.warning(
                    "fetching signing keys of realm %s from %s failed: %s",
                    target.name,
                    target.certs_url,
                    error,
                )
                entry = _Entry(
                    current.key_set if current else None, current.kids if current else frozenset(), now
                )
            else:
                entry = _Entry(key_set, _kids(key_set), now)
            self._entries[target.name] = entry
            return entry


def _read_jwks_file(path: Path) -> dict[str, jwk.JWKSet]:
    document = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict):
        raise ValueError(f"{path}: expected a JSON object")
    if "keys" in document:
        return {"": key_set_from_json(document)}
    return {str(name): key_set_from_json(entry) for name, entry in document.items()}
