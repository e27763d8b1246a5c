"""A small registry app around the file service, served by uvicorn on loopback (real HTTP): the
service's own routes (``files_router``) and the generated-style content routes of a ``dossier`` table
with a ``type_file`` column (``photo``) and a ``type_file[]`` column (``documents``), plus hand-written
create/read routes that call ``attach`` and ``copy_to_process`` the way the entity service does. The
app is built by ``registry_api.http.app.create_app`` with an explicit test security (a fixed officer,
a policy that denies the columns a test lists)."""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import uvicorn
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import SecretStr
from sqlalchemy import Column, Engine, MetaData, Table, Text, Uuid, create_engine, insert, select
from sqlalchemy.pool import NullPool

from registry_api.access import Identity, WriteAction
from registry_api.embedded import EmbeddedS3, free_port
from registry_api.errors import ApiError, ErrorCode
from registry_api.files import FileService
from registry_api.headers import SourceHeaders
from registry_api.http import file_endpoints
from registry_api.http.app import RegistryRoutes, create_app
from registry_api.http.openapi import FILE_CONTENT_RESPONSES
from registry_api.profiles import SERVE_EVERYTHING
from registry_api.runtime import Security
from registry_api.settings import DatabaseSettings, FileSettings, S3Settings, Settings
from registry_api.storage import Storage
from registry_api.types import FileArrayType, FileType

REPO_ROOT = Path(__file__).resolve().parents[2]
PLATFORM_SQL = REPO_ROOT / "codegen" / "migrate" / "platform.sql"
API = "/api/data-factory"
TESTER = Identity(subject="tester", realm="officer-portal", roles=frozenset({"officer"}))

metadata = MetaData()
dossier = Table(
    "dossier",
    metadata,
    Column("id", Uuid(as_uuid=False), primary_key=True),
    Column("title", Text),
    Column("photo", FileType),
    Column("documents", FileArrayType),
)
DOSSIER_DDL = "CREATE TABLE dossier (id uuid PRIMARY KEY, title text, photo type_file, documents type_file[])"


def apply_platform_sql(database_url: str) -> None:
    """The migrator's bootstrap (type_file, ddm_files) and the test table."""
    conninfo = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(PLATFORM_SQL.read_text())
        connection.execute(DOSSIER_DDL)


class TesterAuthenticator:
    """Every caller is the officer ``TESTER``."""

    def authenticate(self, headers: Mapping[str, str]) -> Identity:
        return TESTER


class ColumnDenyingAccess:
    """Everything is allowed but reading the file columns listed in ``denied_columns``."""

    def __init__(self) -> None:
        self.denied_columns: set[str] = set()

    def can_read_entity(self, identity: Identity, table: str) -> bool:
        return True

    def readable_columns(self, identity: Identity, table: str, columns: Sequence[str]) -> frozenset[str]:
        return frozenset(columns)

    def can_write_entity(self, identity: Identity, table: str, action: WriteAction) -> bool:
        return True

    def can_partial_update(self, identity: Identity, table: str, columns: Sequence[str]) -> bool:
        return True

    def can_read_file(self, identity: Identity, table: str, column: str) -> bool:
        return column not in self.denied_columns

    def can_search(self, identity: Identity, search_condition: str) -> bool:
        return True

    def readable_search_columns(
        self, identity: Identity, search_condition: str, columns: Sequence[str]
    ) -> frozenset[str]:
        return frozenset(columns)


@dataclass
class FilesApp:
    url: str
    service: FileService
    storage: Storage
    engine: Engine
    s3_client: Any
    access: ColumnDenyingAccess

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kwargs)

    def catalogue_rows(self) -> list[dict[str, Any]]:
        from registry_api.files.catalogue import ddm_files

        with self.engine.connect() as connection:
            return [dict(r._mapping) for r in connection.execute(select(ddm_files))]

    def keys(self, bucket: str) -> list[str]:
        listing = self.s3_client.list_objects_v2(Bucket=bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))


def build_app(service: FileService, engine: Engine, access: ColumnDenyingAccess | None = None) -> FastAPI:
    dossier_routes = APIRouter()

    @dossier_routes.post("/dossier", status_code=201)
    def create_dossier(body: dict[str, Any], request: Request) -> dict[str, str]:
        entity_id = str(uuid.uuid4())
        files: dict[str, Any] = {c: body.get(c) for c in ("photo", "documents") if c in body}
        root = SourceHeaders.from_headers(request.headers).root_business_process_instance_id
        with engine.begin() as connection:
            service.attach(connection, dossier, entity_id, files, root)
            if body.get("title") == "fail after attach":
                raise ApiError(ErrorCode.CONSTRAINT_ERROR, "the row write failed")
            connection.execute(insert(dossier).values(id=entity_id, title=body.get("title"), **files))
        return {"id": entity_id}

    @dossier_routes.get("/dossier/{entity_id}")
    def read_dossier(entity_id: uuid.UUID, request: Request) -> JSONResponse:
        with engine.connect() as connection:
            row = connection.execute(select(dossier).where(dossier.c.id == str(entity_id))).first()
            if row is None:
                raise ApiError(ErrorCode.NOT_FOUND, "no dossier")
            values = dict(row._mapping)
            root = SourceHeaders.from_headers(request.headers).root_business_process_instance_id
            if root:
                files = {c: values[c] for c in ("photo", "documents")}
                service.copy_to_process(connection, dossier, entity_id, files, root)
        return JSONResponse({k: v for k, v in values.items()})

    file_routers = {("dossier", column): _content_router(column) for column in ("photo", "documents")}
    routes = RegistryRoutes(name="dossier", entity_routers=(dossier_routes,), file_routers=file_routers)
    security = Security(TesterAuthenticator(), access or ColumnDenyingAccess(), SERVE_EVERYTHING)
    return create_app(routes, service.settings, security, engine=engine, files=service)


def _content_router(column: str) -> APIRouter:
    router = APIRouter()

    def serve(entity_id: str, file_id: str, request: Request) -> Response:
        return file_endpoints.content(request, dossier, column, entity_id, file_id)

    path = f"/files/dossier/{{entity_id}}/{column}/{{file_id}}"
    router.add_api_route(
        path, serve, methods=["GET"], responses=FILE_CONTENT_RESPONSES, response_class=Response
    )
    router.add_api_route(path, serve, methods=["HEAD"], include_in_schema=False)
    return router


class LoopbackServer:
    """uvicorn in a thread on a free port: the tests talk real HTTP to the app."""

    def __init__(self, app: FastAPI) -> None:
        self.port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="critical", lifespan="off")
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


def make_files_app(
    database_url: str,
    s3: EmbeddedS3,
    *,
    max_upload_bytes: int = 8 * 1024 * 1024,
    chunk_bytes: int = 64 * 1024,
    rehash_every_download: bool = False,
) -> tuple[FileService, Engine, Storage]:
    suffix = secrets.token_hex(4)
    s3_settings = S3Settings(
        endpoint_url=s3.endpoint_url,
        access_key=s3.access_key,
        secret_key=SecretStr(s3.secret_key),
        region=s3.region,
        registry_bucket=f"registry-{suffix}",
        staging_bucket=f"staging-{suffix}",
        connect_timeout_s=1,
        read_timeout_s=5,
    )
    settings = Settings(
        api_root=API,
        database=DatabaseSettings(url=database_url),
        s3=s3_settings,
        files=FileSettings(
            max_upload_bytes=max_upload_bytes,
            chunk_bytes=chunk_bytes,
            presign_max_expiry_s=600,
            rehash_every_download=rehash_every_download,
        ),
    )
    storage = Storage(s3_settings)
    storage.ensure_buckets()
    engine = create_engine(database_url, poolclass=NullPool)
    return FileService(settings, engine, storage), engine, storage
