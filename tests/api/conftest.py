"""Generated registries served end to end: generate into a temporary directory, migrate a fresh
database from the output's own copy of the regulation, build the app the way ``serve`` does
(``codegen.service_runner.prepare_app``, on real PostgreSQL and S3), and talk HTTP to it through
``TestClient``. One database and one app per test module keeps it fast."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from codegen.emit import generate
from codegen.reader import read_regulation
from codegen.service_runner import prepare_app
from rbac.devkeys import dev_signing_key, mint_token
from rbac.keys import realm
from registry_api.embedded import EmbeddedPostgres, EmbeddedS3
from registry_api.settings import DatabaseSettings, Settings
from tests.conftest import created_database

REPO_ROOT = Path(__file__).resolve().parents[2]
API = "/api/data-factory"
WRITE_HEADERS = {
    "X-Source-System": "test-system",
    "X-Source-Application": "test-application",
    "X-Source-Business-Process": "test-process",
}

# A small regulation with what the example registries lack: an enum column and a partial update.
MINI_TABLES = """<?xml version="1.0" encoding="UTF-8"?>
<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog"
                   xmlns:ext="http://www.liquibase.org/xml/ns/dbchangelog-ext">
    <changeSet id="enum status" author="test">
        <ext:createType name="type_status">
            <ext:asEnum>
                <ext:label translation="Active">ACTIVE</ext:label>
                <ext:label translation="Closed">CLOSED</ext:label>
            </ext:asEnum>
        </ext:createType>
    </changeSet>
    <changeSet id="table shop" author="test">
        <createTable tableName="shop" ext:historyFlag="true">
            <column name="shop_id" type="UUID" defaultValueComputed="uuid_generate_v4()">
                <constraints nullable="false" primaryKey="true" primaryKeyName="pk_shop_id"/>
            </column>
            <column name="name" type="TEXT"><constraints nullable="false"/></column>
            <column name="status" type="type_status"/>
            <column name="opened_on" type="DATE"/>
            <column name="rating" type="NUMERIC(4,1)"/>
        </createTable>
    </changeSet>
    <changeSet id="partial shop status" author="test">
        <ext:partialUpdate name="shop_status">
            <ext:table name="shop">
                <ext:column name="status"/>
            </ext:table>
        </ext:partialUpdate>
    </changeSet>
</databaseChangeLog>
"""
MINI_MAIN = """<?xml version="1.0" encoding="UTF-8"?>
<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">
    <include file="data-model/tables.xml"/>
</databaseChangeLog>
"""


def write_mini_regulation(root: Path) -> Path:
    (root / "data-model").mkdir(parents=True, exist_ok=True)
    (root / "data-model" / "tables.xml").write_text(MINI_TABLES, encoding="utf-8")
    (root / "data-model" / "main-liquibase.xml").write_text(MINI_MAIN, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def module_database(postgres: EmbeddedPostgres) -> Iterator[str]:
    """A fresh database shared by the tests of one module."""
    with created_database(postgres, prefix="api") as url:
        yield url


SUBJECT = "test-officer"


def s3_settings(s3: EmbeddedS3, **overrides: Any) -> dict[str, Any]:
    """Settings for ``s3`` with buckets of their own (tests sharing the server never see each other's)."""
    suffix = secrets.token_hex(3)
    return {
        "endpoint_url": s3.endpoint_url,
        "access_key": s3.access_key,
        "secret_key": s3.secret_key,
        "region": s3.region,
        "create_buckets": True,
        "registry_bucket": f"file-ceph-bucket-{suffix}",
        "staging_bucket": f"lowcode-file-storage-{suffix}",
        **overrides,
    }


def serve_generated(
    regulation: Path,
    out_dir: Path,
    database_url: str,
    s3: EmbeddedS3,
    *,
    public_api: Path | None = None,
    **settings: Any,
) -> tuple[Any, str]:
    """Generate ``regulation`` into ``out_dir``, build its app (internal profile unless ``settings``
    say otherwise) on ``database_url`` and ``s3`` the way ``serve --dev-auth`` does, and mint an officer
    token it accepts. Returns (app, token)."""
    model = read_regulation(regulation)
    assert not model.errors, model.errors
    generate(model, out_dir, public_api_file=public_api)
    configured = Settings(
        database=DatabaseSettings(url=database_url),
        data_dir=out_dir / "var",
        s3=settings.pop("s3", None) or s3_settings(s3),
        auth=settings.pop("auth", None) or {"dev_auth": True},
        **settings,
    )
    app = prepare_app(out_dir, configured)
    auth = configured.auth
    issuer = realm(auth.keycloak_url, auth.officer_realm, auth.namespace).issuer
    token = mint_token(
        dev_signing_key(configured.data_dir), issuer=issuer, roles=["officer"], subject=SUBJECT
    )
    return app, token


@pytest.fixture(scope="module")
def client_for(
    tmp_path_factory: pytest.TempPathFactory, module_database: str, s3: EmbeddedS3
) -> Iterator[Callable[..., TestClient]]:
    """``client_for(regulation_path, **settings)`` → a started TestClient (one per module)."""
    clients: list[TestClient] = []

    def make(regulation: Path, **settings: Any) -> TestClient:
        out_dir = tmp_path_factory.mktemp("generated")
        app, token = serve_generated(regulation, out_dir, module_database, s3, **settings)
        client = TestClient(app, raise_server_exceptions=False, headers={"X-Access-Token": token})
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def db_rows(database_url: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
    """Run ``query`` straight on PostgreSQL, committed (to seed or check what the API wrote)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            bound = {f"p{i}": v for i, v in enumerate(params)}
            return [tuple(r) for r in connection.execute(text(query), bound)]
    finally:
        engine.dispose()
