"""A small registry app around the file service, served by uvicorn on loopback (real HTTP):
the service's own router, plus hand-written routes for a ``dossier`` table with a ``type_file``
column (``photo``) and a ``type_file[]`` column (``documents``) that call ``attach``,
``copy_to_process`` and ``serve`` the way generated code does."""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import uvicorn
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import SecretStr
from sqlalchemy import Column, Engine, MetaData, Table, Text, Uuid, create_engine, insert, select
from sqlalchemy.pool import NullPool

from registry_api.access import AccessPolicy, AllowAll, Identity
from registry_api.embedded import EmbeddedS3, free_port
from registry_api.errors import ApiError, ErrorCode
from registry_api.files import FILE_CONTENT_RESPONSES, FileService, root_process_id
from registry_api.problems import install_problem_handlers
from registry_api.profiles import SERVE_EVERYTHING
from registry_api.settings import FileSettings, S3Settings, Settings
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


class DenyDocuments(AllowAll):
    def can_read_file(self, identity: Identity, table: str, column: str) -> bool:
        return column != "documents"


@dataclass
class FilesApp:
    url: str
    service: FileService
    storage: Storage
    engine: Engine
    s3_client: Any

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kwargs)

    def catalogue_rows(self) -> list[dict[str, Any]]:
        from registry_api.files.catalogue import ddm_files

        with self.engine.connect() as connection:
            return [dict(r._mapping) for r in connection.execute(select(ddm_files))]

    def keys(self, bucket: str) -> list[str]:
        listing = self.s3_client.list_objects_v2(Bucket=bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))


def build_app(service: FileService, engine: Engine) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    def caller() -> Identity:
        return TESTER

    app.include_router(service.router(SERVE_EVERYTHING, identity=caller), prefix=API)

    @app.post(f"{API}/dossier", status_code=201)
    def create_dossier(body: dict[str, Any], request: Request) -> dict[str, str]:
        entity_id = str(uuid.uuid4())
        files: dict[str, Any] = {c: body.get(c) for c in ("photo", "documents") if c in body}
        with engine.begin() as connection:
            service.attach(connection, dossier, entity_id, files, root_process_id(request))
            if body.get("title") == "fail after attach":
                raise ApiError(ErrorCode.CONSTRAINT_ERROR, "the row write failed")
            connection.execute(insert(dossier).values(id=entity_id, title=body.get("title"), **files))
        return {"id": entity_id}

    @app.get(f"{API}/dossier/{{entity_id}}")
    def read_dossier(entity_id: uuid.UUID, request: Request) -> JSONResponse:
        with engine.connect() as connection:
            row = connection.execute(select(dossier).where(dossier.c.id == str(entity_id))).first()
            if row is None:
                raise ApiError(ErrorCode.NOT_FOUND, "no dossier")
            values = dict(row._mapping)
            root = root_process_id(request)
            if root:
                files = {c: values[c] for c in ("photo", "documents")}
                service.copy_to_process(connection, dossier, entity_id, files, root)
        return JSONResponse({k: v for k, v in values.items()})

    for column in ("photo", "documents"):
        path = f"{API}/files/dossier/{{entity_id}}/{column}/{{file_id}}"
        route = _content_route(service, column, caller)
        app.add_api_route(
            path, route, methods=["GET"], responses=FILE_CONTENT_RESPONSES, response_class=Response
        )
        app.add_api_route(path, route, methods=["HEAD"], include_in_schema=False)
    return app


def _content_route(service: FileService, column: str, caller: Any) -> Any:
    def serve(
        entity_id: str, file_id: str, request: Request, identity: Identity = Depends(caller)
    ) -> Response:
        return service.serve(request, dossier, column, entity_id, file_id, identity)

    return serve


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
    access: AccessPolicy | None = None,
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
    return FileService(settings, engine, storage, access=access or AllowAll()), engine, storage
