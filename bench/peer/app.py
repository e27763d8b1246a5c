"""The peer: what a competent developer would write by hand for the same API, in plain FastAPI.

* a ``psycopg_pool`` connection pool (autocommit), one SQL statement per request;
* the access token verified on every request the way the python-keycloak documentation shows it
  (``KeycloakOpenID.decode_token(token, key=<the realm's JWKS>)``, jwcrypto underneath), with the same
  keys our service trusts;
* files: ``StreamingResponse`` over a boto3 ``get_object`` body; Base64 JSON by reading the object and
  encoding it (what a hand-written endpoint does);
* uvicorn with its defaults (httptools, uvloop, an access log line per request).

It serves the ``user`` example's tables: ``GET /user/{id}``, ``POST /user``,
``GET /files/user/{id}/photo/{fileId}``. Configured by ``PEER_*`` variables (see :func:`create_app`).
Run: ``python -m bench.peer --port PORT``.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from pathlib import Path
from typing import Annotated, Any

import boto3
from fastapi import FastAPI, Header, HTTPException
from fastapi.responses import JSONResponse, Response, StreamingResponse
from jwcrypto import jwk
from keycloak import KeycloakOpenID
from psycopg_pool import ConnectionPool
from pydantic import BaseModel

USER_COLUMNS = ("userId", "name", "email", "cityId", "photo", "documents")
READ_USER = (
    "SELECT user_id, name, email, city_id, to_jsonb(photo), to_jsonb(documents)"
    ' FROM "user" WHERE user_id = %s'
)
INSERT_USER = (
    'INSERT INTO "user" (name, email, city_id, ddm_created_by) VALUES (%s, %s, %s, %s) RETURNING user_id'
)
# the file, if that user's photo holds it (the catalogue row and the entity check in one query)
FIND_PHOTO = (
    'SELECT f.filename, f.file_type, f.size, f.checksum FROM "user" u JOIN ddm_files f ON f.id = %s'
    " WHERE u.user_id = %s AND (u.photo).id = %s"
)
Token = Annotated[str | None, Header(alias="X-Access-Token")]


class NewUser(BaseModel):
    name: str
    email: str | None = None
    cityId: uuid.UUID | None = None  # noqa: N815 - the API's JSON name


def create_app() -> FastAPI:
    """``PEER_DATABASE`` (a psycopg conninfo), ``PEER_JWKS`` (a JWKS file), ``PEER_KEYCLOAK_URL`` and
    ``PEER_REALM``, ``PEER_S3_ENDPOINT``/``PEER_S3_ACCESS_KEY``/``PEER_S3_SECRET_KEY``/``PEER_BUCKET``,
    ``PEER_POOL_SIZE`` (default 8)."""
    environ = os.environ
    size = int(environ.get("PEER_POOL_SIZE", "8"))
    pool = ConnectionPool(environ["PEER_DATABASE"], min_size=size, max_size=size, kwargs={"autocommit": True})
    keys = jwk.JWKSet.from_json(Path(environ["PEER_JWKS"]).read_text(encoding="utf-8"))
    keycloak = KeycloakOpenID(
        server_url=environ["PEER_KEYCLOAK_URL"].rstrip("/") + "/",
        realm_name=environ["PEER_REALM"],
        client_id="peer",
    )
    s3 = boto3.client(
        "s3",
        endpoint_url=environ["PEER_S3_ENDPOINT"],
        aws_access_key_id=environ["PEER_S3_ACCESS_KEY"],
        aws_secret_access_key=environ["PEER_S3_SECRET_KEY"],
        region_name="us-east-1",
    )
    bucket = environ["PEER_BUCKET"]
    app = FastAPI()

    def verified(token: str | None) -> dict[str, Any]:
        if not token:
            raise HTTPException(401, "no token")
        try:
            claims: dict[str, Any] = keycloak.decode_token(token, key=keys, validate=True)
        except Exception as error:
            raise HTTPException(401, "invalid token") from error
        return claims

    @app.get("/user/{user_id}")
    def read_user(user_id: uuid.UUID, x_access_token: Token = None) -> dict[str, Any]:
        verified(x_access_token)
        with pool.connection() as connection:
            row = connection.execute(READ_USER, (user_id,)).fetchone()
        if row is None:
            raise HTTPException(404)
        return dict(zip(USER_COLUMNS, row, strict=True))

    @app.post("/user", status_code=201)
    def create_user(body: NewUser, x_access_token: Token = None) -> dict[str, str]:
        claims = verified(x_access_token)
        with pool.connection() as connection:
            row = connection.execute(
                INSERT_USER, (body.name, body.email, body.cityId, claims.get("sub"))
            ).fetchone()
        assert row is not None
        return {"id": str(row[0])}

    @app.get("/files/user/{user_id}/photo/{file_id}")
    def download(
        user_id: uuid.UUID,
        file_id: uuid.UUID,
        x_access_token: Token = None,
        accept: Annotated[str | None, Header()] = None,
    ) -> Response:
        verified(x_access_token)
        with pool.connection() as connection:
            found = connection.execute(FIND_PHOTO, (file_id, user_id, str(file_id))).fetchone()
        if found is None:
            raise HTTPException(404)
        filename, file_type, size, checksum = found
        body = s3.get_object(Bucket=bucket, Key=str(file_id))["Body"]
        if accept == "application/json":
            content = base64.b64encode(body.read()).decode("ascii")
            return JSONResponse({"content": content, "checksum": checksum, "filename": filename})
        headers = {
            "Content-Length": str(size),
            "Content-Disposition": f"attachment; filename={json.dumps(filename)}",
        }
        return StreamingResponse(body.iter_chunks(1024 * 1024), media_type=file_type, headers=headers)

    return app
