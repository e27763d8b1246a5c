"""A generated registry served the way ``registry-api serve`` serves it, for tests that go through the
product: generated once per session, migrated into a fresh database and built by
``codegen.service_runner.prepare_app`` (the migration and ``registry_api.deploy.build_app`` of a
``serve`` process) with real settings, served by uvicorn on loopback (real HTTP), and called with
access tokens signed by a test realm key that the verifier reads from a JWKS file
(``REGISTRY_AUTH__JWKS_FILE``), checked by the generated Casbin policy.

* :class:`TestRealms` mints tokens; :func:`generate_registry` writes and loads an output tree;
  :func:`served_registry` is the context manager that serves it; :class:`ServedRegistry` is what tests
  get: ``client("officer")``, uploads, catalogue rows, S3 keys and plain SQL on the service's database.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from jwcrypto import jwk, jwt
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.pool import NullPool

from codegen.emit import generate
from codegen.reader import read_regulation
from codegen.service_runner import prepare_app, uvicorn_options
from rbac.keys import realm
from registry_api.deploy import GeneratedRegistry, load_generated
from registry_api.embedded import EmbeddedS3, free_port
from registry_api.files.catalogue import ddm_files
from registry_api.settings import AuthSettings, Profile, Settings, load_settings
from schemas.realms import RealmKind
from schemas.regulation import IS_AUTHENTICATED, Regulation

REPO_ROOT = Path(__file__).resolve().parents[1]
USER_EXAMPLE = REPO_ROOT / "examples" / "user"
API = "/api/data-factory"
KEYCLOAK = "https://keycloak.test"
WRITE_HEADERS = {
    "X-Source-System": "test-system",
    "X-Source-Application": "test-application",
    "X-Source-Business-Process": "test-process",
}
PROCESS_HEADER = "X-Source-Root-Business-Process-Instance-Id"


class TestRealms:
    """A locally generated realm signing key, published to the service as a JWKS file: the tokens it
    signs are what Keycloak would issue (issuer of the realm, ``realm_access.roles``, ``typ`` Bearer)."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(self, directory: Path) -> None:
        self.key = jwk.JWK.generate(kty="RSA", size=2048, kid="test-realm-key", use="sig", alg="RS256")
        self.jwks_file = directory / "jwks.json"
        self.jwks_file.write_text(json.dumps({"keys": [self.key.export_public(as_dict=True)]}))

    def token(self, realm_name: str, roles: Iterable[str], *, subject: str, **claims: Any) -> str:
        now = int(time.time())
        payload: dict[str, Any] = {
            "iss": realm(KEYCLOAK, realm_name).issuer,
            "sub": subject,
            "typ": "Bearer",
            "iat": now,
            "nbf": now,
            "exp": now + 600,
            "realm_access": {"roles": sorted(roles)},
            **claims,
        }
        signed = jwt.JWT(header={"alg": "RS256", "typ": "JWT", "kid": self.key.get("kid")}, claims=payload)
        signed.make_signed_token(self.key)
        return str(signed.serialize())


def generate_registry(
    regulation: Path, out_dir: Path, *, public_api: Path | None = None
) -> GeneratedRegistry:
    """``registry-api generate`` into ``out_dir``, loaded as ``serve`` loads it."""
    model = read_regulation(regulation)
    assert not model.errors, model.errors
    generate(model, out_dir, public_api_file=public_api)
    return load_generated(out_dir)


def realms_of_roles(regulation: Regulation, auth: AuthSettings | None = None) -> dict[str, str]:
    """Role → the deployment's name of the realm its ``ext:role`` elements name (``realm="officer"``
    → ``officer-portal``; roles without a realm: the officer portal)."""
    auth = auth or AuthSettings()
    names = auth.realm_names()
    deployed = {
        RealmKind.OFFICER: auth.officer_realm,
        RealmKind.CITIZEN: auth.citizen_realm,
        RealmKind.EXTERNAL_SYSTEM: auth.external_system_realm,
    }
    found: dict[str, str] = {}
    for grants in regulation.rbac:
        if grants.role != IS_AUTHENTICATED:
            kind = names.get(grants.realm or "", RealmKind.OFFICER)
            found.setdefault(grants.role, deployed[kind])
    return found


class LoopbackServer:
    """uvicorn in a thread on a free port, with the app's lifespan (its pools are closed on exit) and
    the server options ``registry-api serve`` gives it for ``settings``."""

    def __init__(self, app: FastAPI, settings: Settings) -> None:
        self.port = free_port()
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="critical",
            lifespan="on",
            **uvicorn_options(settings),
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LoopbackServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@dataclass
class ServedRegistry:
    """A running service of a generated registry and what a test needs around it."""

    url: str
    settings: Settings
    registry: GeneratedRegistry
    realms: TestRealms
    role_realms: Mapping[str, str]
    engine: Engine  # the test's own connection to the service's database, for checks
    s3_client: Any
    app: FastAPI | None = None  # the served app itself (its runtime, pools), for white-box checks

    @property
    def registry_bucket(self) -> str:
        return self.settings.s3.registry_bucket

    @property
    def staging_bucket(self) -> str:
        return self.settings.s3.staging_bucket

    def token(
        self,
        *roles: str,
        realm_name: str | None = None,
        subject: str | None = None,
        claims: Mapping[str, Any] | None = None,
    ) -> str:
        """A token of ``roles`` (realm: the first role's in the regulation, unless given), with extra
        ``claims`` (e.g. the ones row-level security reads)."""
        chosen = realm_name or (
            self.role_realms.get(roles[0], "officer-portal") if roles else "officer-portal"
        )
        subject = subject or f"test-{roles[0] if roles else 'nobody'}"
        return self.realms.token(chosen, roles, subject=subject, **dict(claims or {}))

    def client(
        self,
        *roles: str,
        realm_name: str | None = None,
        subject: str | None = None,
        headers: Mapping[str, str] | None = None,
        source_headers: bool = True,
        claims: Mapping[str, Any] | None = None,
    ) -> httpx.Client:
        """An HTTP client calling as ``roles`` (anonymous with none), with the ``X-Source-*`` headers
        every write needs unless ``source_headers`` is false."""
        sent: dict[str, str] = dict(WRITE_HEADERS) if source_headers else {}
        if roles or realm_name:
            sent["X-Access-Token"] = self.token(*roles, realm_name=realm_name, subject=subject, claims=claims)
        sent.update(headers or {})
        return httpx.Client(base_url=self.url + self.settings.api_root, headers=sent, timeout=30)

    def catalogue_rows(self) -> list[dict[str, Any]]:
        with self.engine.connect() as connection:
            return [dict(r._mapping) for r in connection.execute(select(ddm_files))]

    def catalogue_row(self, file_id: str) -> dict[str, Any]:
        (row,) = [r for r in self.catalogue_rows() if str(r["id"]) == file_id]
        return row

    def bindings(self, file_id: str) -> list[tuple[str, str, str]]:
        """Where ``file_id`` is bound: (entity, entity id, field), oldest first."""
        query = (
            "SELECT entity, entity_id, field FROM ddm_file_bindings WHERE file_id = CAST(:id AS uuid)"
            " ORDER BY bound_at, entity_id, field"
        )
        return [(str(e), str(i), str(f)) for e, i, f in self.rows(query, id=file_id)]

    def keys(self, bucket: str) -> list[str]:
        listing = self.s3_client.list_objects_v2(Bucket=bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def rows(self, query: str, **params: Any) -> list[tuple[Any, ...]]:
        """``query`` on the service's database, committed."""
        with self.engine.begin() as connection:
            return [tuple(r) for r in connection.execute(text(query), params)]


def s3_settings(s3: EmbeddedS3) -> dict[str, Any]:
    """``s3`` with buckets of their own: services sharing the server never see each other's objects."""
    suffix = secrets.token_hex(4)
    return {
        "endpoint_url": s3.endpoint_url,
        "access_key": s3.access_key,
        "secret_key": s3.secret_key,
        "region": s3.region,
        "create_buckets": True,
        "registry_bucket": f"file-ceph-bucket-{suffix}",
        "staging_bucket": f"lowcode-file-storage-{suffix}",
        "connect_timeout_s": 1,
        "read_timeout_s": 5,
    }


@contextmanager
def served_registry(
    registry: GeneratedRegistry,
    database_url: str,
    s3: EmbeddedS3,
    realms: TestRealms,
    data_dir: Path,
    *,
    profile: Profile = Profile.INTERNAL,
    files: Mapping[str, Any] | None = None,
    buckets: Mapping[str, Any] | None = None,
    **settings: Any,
) -> Iterator[ServedRegistry]:
    """Migrate ``database_url`` to ``registry``'s regulation and serve it for ``profile`` on loopback,
    as one ``serve`` process does (settings through ``load_settings``, like command-line options).
    ``files`` overrides the file settings; ``buckets`` the S3 settings (default: buckets of its own; pass
    one ``s3_settings(s3)`` to several services to share them); ``settings`` any other top-level setting."""
    configured = load_settings(
        {
            "profile": profile,
            "data_dir": data_dir,
            "database": {"url": database_url},
            "s3": dict(buckets) if buckets is not None else s3_settings(s3),
            "files": dict(files or {}),
            "auth": {"keycloak_url": KEYCLOAK, "jwks_file": realms.jwks_file},
            **settings,
        }
    )
    app = prepare_app(registry, configured)
    role_realms = realms_of_roles(read_regulation(registry.regulation_dir), configured.auth)
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with LoopbackServer(app, configured) as server:
            yield ServedRegistry(
                server.url, configured, registry, realms, role_realms, engine, s3.client(), app
            )
    finally:
        engine.dispose()
