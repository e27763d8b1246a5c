"""The acceptance scenario of the file issue on the generated ``user`` example registry, over real
HTTP (uvicorn) with nanio and PostgreSQL: upload, attach through entity writes, read, download."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from registry_api.embedded import EmbeddedS3
from tests.api.conftest import WRITE_HEADERS, serve_generated
from tests.files.files_harness import API, LoopbackServer

REPO_ROOT = Path(__file__).resolve().parents[2]
PASSPORT_NAME = "паспорт Петра.pdf"
PASSPORT = b"%PDF-1.7\n" + "паспорт громадянина України".encode() * 500 + b"\n%%EOF\n"
PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
LICENCE = b"%PDF-1.4\n licence \n%%EOF\n"


@pytest.fixture(scope="module")
def user_api(
    tmp_path_factory: pytest.TempPathFactory, s3: EmbeddedS3, postgres: Any
) -> Iterator[httpx.Client]:
    import secrets

    import psycopg
    from psycopg import sql

    name = f"files_user_{secrets.token_hex(4)}"
    with psycopg.connect(postgres.conninfo, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    out_dir = tmp_path_factory.mktemp("generated-user")
    app, token = serve_generated(REPO_ROOT / "examples" / "user", out_dir, postgres.url_for(name), s3)
    try:
        with (
            LoopbackServer(app) as server,
            httpx.Client(base_url=server.url, headers={"X-Access-Token": token}, timeout=30) as client,
        ):
            yield client
    finally:
        with psycopg.connect(postgres.conninfo, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def upload(client: httpx.Client, name: str, content: bytes) -> dict[str, Any]:
    response = client.post(f"{API}/files", files={"file": (name, content, "application/octet-stream")})
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_user_with_photo_and_documents(user_api: httpx.Client) -> None:
    client = user_api
    passport = upload(client, PASSPORT_NAME, PASSPORT)
    photo = upload(client, "petro.png", PHOTO)
    licence = upload(client, "licence.pdf", LICENCE)
    assert passport["filename"] == PASSPORT_NAME and passport["contentType"] == "application/pdf"

    def ref(uploaded: dict[str, Any]) -> dict[str, str]:
        return {"id": uploaded["id"], "checksum": uploaded["checksum"]}

    created = client.post(
        f"{API}/user",
        json={"name": "Petro", "photo": ref(photo), "documents": [ref(passport), ref(licence)]},
        headers=WRITE_HEADERS,
    )
    assert created.status_code == 201, created.text
    user_id = created.json()["id"]
    read = client.get(f"{API}/user/{user_id}").json()
    assert read["photo"] == ref(photo)
    assert read["documents"] == [ref(passport), ref(licence)]

    passport_url = f"{API}/files/user/{user_id}/documents/{passport['id']}"
    as_json = client.get(passport_url, headers={"Accept": "application/json"})
    assert as_json.status_code == 200, as_json.text
    assert int(as_json.headers["content-length"]) == len(as_json.content)
    body = as_json.json()
    assert base64.b64decode(body["content"], validate=True) == PASSPORT
    assert body["checksum"] == hashlib.sha256(PASSPORT).hexdigest() and body["filename"] == PASSPORT_NAME

    raw = client.get(passport_url)
    assert raw.status_code == 200 and raw.content == PASSPORT
    assert raw.headers["content-type"] == "application/pdf"
    disposition = raw.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="pasport Petra.pdf"; ')
    assert disposition.endswith("filename*=UTF-8''" + quote(PASSPORT_NAME, safe=""))
    assert raw.headers["etag"] == f'"{passport["checksum"]}"'
    assert raw.headers["accept-ranges"] == "bytes"
    assert raw.headers["x-content-type-options"] == "nosniff"
    assert "Accept" in raw.headers["vary"]

    ranged = client.get(passport_url, headers={"Range": "bytes=0-9"})
    assert ranged.status_code == 206 and ranged.content == PASSPORT[:10]
    assert client.get(passport_url, headers={"If-None-Match": raw.headers["etag"]}).status_code == 304
    assert client.head(passport_url).headers["content-length"] == str(len(PASSPORT))
    photo_url = f"{API}/files/user/{user_id}/photo/{photo['id']}"
    assert client.get(photo_url).content == PHOTO
    assert client.get(f"{API}/files/user/{user_id}/photo/{passport['id']}").status_code == 404
    assert client.get(f"{API}/s/{passport['shortName']}").content == PASSPORT
