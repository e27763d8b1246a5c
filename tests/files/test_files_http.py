"""The file lifecycle end to end over HTTP: upload → attach → read → download, against nanio and
PostgreSQL (DESIGN.md §4 "File lifecycle")."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.files.files_harness import API, FilesApp

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(200))
TEXT = "Довідка про доходи\n".encode() * 10
PASSPORT = "паспорт Петра.pdf"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def upload(client: httpx.Client, name: str, data: bytes, claimed: str = "text/html", **headers: str) -> Any:
    response = client.post(f"{API}/files", files={"file": (name, data, claimed)}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def ref(uploaded: dict[str, Any]) -> dict[str, str]:
    return {"id": uploaded["id"], "checksum": uploaded["checksum"]}


@pytest.fixture
def dossier(files_app: FilesApp) -> dict[str, Any]:
    """Three uploads and a dossier holding them: the photo and two documents."""
    with files_app.client() as client:
        passport = upload(client, PASSPORT, PDF)
        photo = upload(client, "face.png", PNG, claimed="application/pdf")
        note = upload(client, "note.txt", TEXT)
        created = client.post(
            f"{API}/dossier",
            json={"title": "Petro", "photo": ref(photo), "documents": [ref(passport), ref(note)]},
        )
        assert created.status_code == 201, created.text
    return {"id": created.json()["id"], "passport": passport, "photo": photo, "note": note}


def file_url(dossier: dict[str, Any], field: str, file: str) -> str:
    return f"{API}/files/dossier/{dossier['id']}/{field}/{dossier[file]['id']}"


def test_upload_answers_the_catalogue_entry_with_the_detected_type(files_app: FilesApp) -> None:
    with files_app.client() as client:
        uploaded = upload(client, "C:\\scans\\" + "Звіт за ї.pdf".replace("ї", "і\u0308"), PDF)  # path, NFD
    assert uploaded["checksum"] == sha(PDF)
    assert uploaded["size"] == len(PDF)
    assert uploaded["contentType"] == "application/pdf"  # sniffed, not the client's text/html
    assert uploaded["filename"] == "Звіт за ї.pdf"  # last path part only, NFC
    assert "\\" not in uploaded["filename"] and "/" not in uploaded["filename"]
    assert 0 < len(uploaded["shortName"]) <= 24
    assert files_app.keys(files_app.storage.staging_bucket) == [f"uploads/{uploaded['id']}"]
    (row,) = files_app.catalogue_rows()
    assert row["created_by"] == "tester" and row["entity"] is None
    assert row["checksum"] == sha(PDF) and row["file_type"] == "application/pdf"


def test_entity_read_returns_references_and_both_representations_are_exact(
    files_app: FilesApp, dossier: dict[str, Any]
) -> None:
    with files_app.client() as client:
        entity = client.get(f"{API}/dossier/{dossier['id']}").json()
        assert entity["photo"] == ref(dossier["photo"])
        assert entity["documents"] == [ref(dossier["passport"]), ref(dossier["note"])]

        as_json = client.get(
            file_url(dossier, "documents", "passport"), headers={"Accept": "application/json"}
        )
        assert as_json.status_code == 200
        assert as_json.headers["content-type"] == "application/json"
        assert int(as_json.headers["content-length"]) == len(as_json.content)
        document = as_json.json()
        assert base64.b64decode(document["content"], validate=True) == PDF
        assert document["checksum"] == sha(PDF)
        assert document["filename"] == PASSPORT

        raw = client.get(file_url(dossier, "documents", "passport"))
        assert raw.status_code == 200 and raw.content == PDF
        upper = f"{API}/files/dossier/{dossier['id'].upper()}/documents/{dossier['passport']['id'].upper()}"
        assert client.get(upper).content == PDF  # ids are UUIDs, whatever their spelling
        headers = raw.headers
        assert headers["content-type"] == "application/pdf"
        assert headers["content-length"] == str(len(PDF))
        assert headers["content-disposition"] == (
            f"attachment; filename=\"pasport Petra.pdf\"; filename*=UTF-8''{quote(PASSPORT, safe='')}"
        )
        assert headers["etag"] == f'"{sha(PDF)}"'
        assert headers["accept-ranges"] == "bytes"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["vary"] == "Accept"
        assert headers["cache-control"] == "private"
        assert as_json.headers["etag"] != headers["etag"]  # another representation, another tag

        photo = client.get(file_url(dossier, "photo", "photo"), headers={"Accept": "text/html,*/*;q=0.8"})
        assert photo.content == PNG and photo.headers["content-type"] == "image/png"
        text = client.get(file_url(dossier, "documents", "note"))
        assert text.content == TEXT and text.headers["content-type"] == "text/plain"


@pytest.mark.parametrize(
    ("accept", "is_json"),
    [
        ("application/json", True),
        ("application/json, */*;q=0.5", True),
        ("*/*", False),
        ("application/octet-stream, application/json;q=0.9", False),
        ("application/json;q=0", False),
    ],
)
def test_negotiation(files_app: FilesApp, dossier: dict[str, Any], accept: str, is_json: bool) -> None:
    with files_app.client() as client:
        response = client.get(file_url(dossier, "photo", "photo"), headers={"Accept": accept})
    assert response.status_code == 200
    assert (response.headers["content-type"] == "application/json") is is_json


def test_ranges_validators_and_head(files_app: FilesApp, dossier: dict[str, Any]) -> None:
    url = file_url(dossier, "documents", "passport")
    size = len(PDF)
    with files_app.client() as client:
        first = client.get(url, headers={"Range": "bytes=0-9"})
        assert first.status_code == 206 and first.content == PDF[:10]
        assert first.headers["content-range"] == f"bytes 0-9/{size}"
        assert first.headers["content-length"] == "10"

        suffix = client.get(url, headers={"Range": "bytes=-5"})
        assert suffix.status_code == 206 and suffix.content == PDF[-5:]
        assert suffix.headers["content-range"] == f"bytes {size - 5}-{size - 1}/{size}"

        tail = client.get(url, headers={"Range": f"bytes={size - 3}-"})
        assert tail.status_code == 206 and tail.content == PDF[-3:]

        outside = client.get(url, headers={"Range": f"bytes={size}-"})
        assert outside.status_code == 416
        assert outside.headers["content-range"] == f"bytes */{size}"
        assert outside.headers["content-type"] == "application/problem+json"
        assert outside.json()["code"] == "RANGE_NOT_SATISFIABLE"

        stale = client.get(url, headers={"Range": "bytes=0-9", "If-Range": '"another"'})
        assert stale.status_code == 200 and stale.content == PDF

        etag = first.headers["etag"]
        for condition in (etag, f"W/{etag}", f'"nope", {etag}', "*"):
            not_modified = client.get(url, headers={"If-None-Match": condition})
            assert not_modified.status_code == 304, condition
            assert not_modified.headers["etag"] == etag and not_modified.content == b""
            assert not_modified.headers["vary"] == "Accept"
        assert client.get(url, headers={"If-None-Match": '"nope"'}).status_code == 200
        json_tag = client.get(url, headers={"Accept": "application/json"}).headers["etag"]
        assert (
            client.get(url, headers={"Accept": "application/json", "If-None-Match": json_tag}).status_code
            == 304
        )

        get = client.get(url)
        head = client.head(url)
        assert head.status_code == 200 and head.content == b""
        for name in ("content-length", "content-type", "content-disposition", "etag", "accept-ranges"):
            assert head.headers[name] == get.headers[name], name
        json_head = client.head(url, headers={"Accept": "application/json"})
        json_get = client.get(url, headers={"Accept": "application/json"})
        assert json_head.headers["content-length"] == json_get.headers["content-length"]


def test_head_answers_from_the_catalogue_without_s3(files_app: FilesApp, dossier: dict[str, Any]) -> None:
    # The object is gone from S3, HEAD still answers (it never reads the object); GET cannot.
    files_app.s3_client.delete_object(Bucket=files_app.storage.registry_bucket, Key=dossier["photo"]["id"])
    with files_app.client() as client:
        assert client.head(file_url(dossier, "photo", "photo")).status_code == 200
        assert client.get(file_url(dossier, "photo", "photo")).status_code == 404


def test_a_file_is_served_only_where_it_is_held(files_app: FilesApp, dossier: dict[str, Any]) -> None:
    with files_app.client() as client:
        other = client.post(f"{API}/dossier", json={"title": "other"}).json()["id"]
        wrong = [
            f"{API}/files/dossier/{dossier['id']}/photo/{dossier['passport']['id']}",  # another field
            f"{API}/files/dossier/{other}/documents/{dossier['passport']['id']}",  # another entity
            f"{API}/files/dossier/{dossier['id']}/documents/7f0c5e0a-6a8f-4d1e-9a57-0d2f1c3b9e11",
            f"{API}/files/dossier/not-a-uuid/documents/{dossier['passport']['id']}",
            f"{API}/files/dossier/{dossier['id']}/documents/not-a-uuid",
        ]
        for url in wrong:
            response = client.get(url)
            assert response.status_code == 404, url
            assert response.json()["code"] == "NOT_FOUND"


def test_reading_a_file_needs_read_access_to_the_field(
    database_url: str, files_app: FilesApp, dossier: dict[str, Any]
) -> None:
    files_app.access.denied_columns.add("documents")
    with files_app.client() as client:
        denied = client.get(file_url(dossier, "documents", "passport"))
        assert denied.status_code == 403 and denied.json()["code"] == "FORBIDDEN_OPERATION"
        assert client.get(file_url(dossier, "photo", "photo")).status_code == 200
        short = client.get(f"{API}/s/{dossier['passport']['shortName']}")
        assert short.status_code == 403


def test_short_link_resolves_to_the_same_answer(files_app: FilesApp, dossier: dict[str, Any]) -> None:
    with files_app.client() as client:
        short = client.get(f"{API}/s/{dossier['passport']['shortName']}")
        direct = client.get(file_url(dossier, "documents", "passport"))
        assert short.status_code == 200 and short.content == PDF
        assert short.headers["etag"] == direct.headers["etag"]
        assert short.headers["content-disposition"] == direct.headers["content-disposition"]
        as_json = client.get(
            f"{API}/s/{dossier['photo']['shortName']}", headers={"Accept": "application/json"}
        )
        assert base64.b64decode(as_json.json()["content"]) == PNG
        assert client.get(f"{API}/s/NoSuchShortName123").status_code == 404
        unattached = upload(client, "loose.txt", b"not attached yet")
        assert client.get(f"{API}/s/{unattached['shortName']}").status_code == 404


def test_attach_errors_name_the_fields(files_app: FilesApp, dossier: dict[str, Any]) -> None:
    with files_app.client() as client:
        fresh = upload(client, "fresh.txt", b"fresh content")
        unknown = {"id": "7f0c5e0a-6a8f-4d1e-9a57-0d2f1c3b9e11", "checksum": sha(b"x")}
        missing = client.post(f"{API}/dossier", json={"photo": unknown, "documents": [ref(fresh)]})
        assert missing.status_code == 400
        assert missing.json()["code"] == "FILE_NOT_FOUND" and missing.json()["details"] == ["photo"]

        wrong_sum = client.post(f"{API}/dossier", json={"photo": {"id": fresh["id"], "checksum": sha(b"y")}})
        assert wrong_sum.status_code == 409 and wrong_sum.json()["code"] == "FILE_WAS_CHANGED"

        reused = client.post(f"{API}/dossier", json={"photo": ref(dossier["photo"])})
        assert reused.status_code == 409 and reused.json()["code"] == "CONSTRAINT_ERROR"

        twice = client.post(f"{API}/dossier", json={"photo": ref(fresh), "documents": [ref(fresh)]})
        assert twice.status_code == 409

    # Nothing of the refused writes was bound or copied.
    row = next(r for r in files_app.catalogue_rows() if str(r["id"]) == fresh["id"])
    assert row["entity"] is None
    assert fresh["id"] not in files_app.keys(files_app.storage.registry_bucket)


def test_a_failed_write_removes_the_copies_it_made(files_app: FilesApp) -> None:
    with files_app.client() as client:
        fresh = upload(client, "fresh.txt", b"fresh content")
        failed = client.post(f"{API}/dossier", json={"title": "fail after attach", "photo": ref(fresh)})
        assert failed.status_code == 409
        assert fresh["id"] not in files_app.keys(files_app.storage.registry_bucket)
        row = next(r for r in files_app.catalogue_rows() if str(r["id"]) == fresh["id"])
        assert row["entity"] is None  # the binding rolled back with the transaction
        # ...and the file can still be attached by a write that succeeds
        assert client.post(f"{API}/dossier", json={"photo": ref(fresh)}).status_code == 201
        assert fresh["id"] in files_app.keys(files_app.storage.registry_bucket)


def test_business_process_staging(files_app: FilesApp) -> None:
    root = "proc-4711"
    header = {"X-Source-Root-Business-Process-Instance-Id": root}
    staging = files_app.storage.staging_bucket
    with files_app.client() as client:
        uploaded = upload(client, "form.pdf", PDF, **header)
        assert f"process/{root}/{uploaded['id']}" in files_app.keys(staging)
        # attach looks in the process area when the header is sent...
        missing = client.post(f"{API}/dossier", json={"photo": ref(uploaded)})
        assert missing.status_code == 400 and missing.json()["details"] == ["photo"]
        created = client.post(f"{API}/dossier", json={"photo": ref(uploaded)}, headers=header)
        assert created.status_code == 201
        entity_id = created.json()["id"]

        files_app.s3_client.delete_object(Bucket=staging, Key=f"process/{root}/{uploaded['id']}")
        client.get(f"{API}/dossier/{entity_id}")  # no header: nothing copied
        assert files_app.keys(staging) == []
        other = {"X-Source-Root-Business-Process-Instance-Id": "proc-815"}
        assert client.get(f"{API}/dossier/{entity_id}", headers=other).status_code == 200
        assert files_app.keys(staging) == [f"process/proc-815/{uploaded['id']}"]
        copy = files_app.s3_client.get_object(Bucket=staging, Key=f"process/proc-815/{uploaded['id']}")
        assert copy["Body"].read() == PDF

        bad = client.post(
            f"{API}/files",
            files={"file": ("a.txt", b"x")},
            headers={"X-Source-Root-Business-Process-Instance-Id": "../escape"},
        )
        assert bad.status_code == 400


def test_files_a_business_process_staged_itself_are_adopted(files_app: FilesApp) -> None:
    """The reference platform's business processes put files into staging themselves (key
    process/<root>/<id>, the name in user metadata) and never call POST /files."""
    root = "proc-2024"
    header = {"X-Source-Root-Business-Process-Instance-Id": root}
    staging = files_app.storage.staging_bucket

    def stage(file_id: str, content: bytes) -> dict[str, str]:
        files_app.s3_client.put_object(
            Bucket=staging,
            Key=f"process/{root}/{file_id}",
            Body=content,
            ContentType="application/octet-stream",  # not trusted: the type comes from the bytes
            Metadata={"id": file_id, "filename": quote(PASSPORT), "checksum": "not read"},
        )
        return {"id": file_id, "checksum": hashlib.sha256(content).hexdigest()}

    with files_app.client() as client:
        staged = stage("0b9c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d", PDF)
        without_header = client.post(f"{API}/dossier", json={"photo": staged})
        assert without_header.status_code == 400 and without_header.json()["code"] == "FILE_NOT_FOUND"

        wrong = {**staged, "checksum": hashlib.sha256(b"other").hexdigest()}
        changed = client.post(f"{API}/dossier", json={"photo": wrong}, headers=header)
        assert changed.status_code == 409 and changed.json()["code"] == "FILE_WAS_CHANGED"

        failed = client.post(
            f"{API}/dossier", json={"title": "fail after attach", "photo": staged}, headers=header
        )
        assert failed.status_code == 409
        assert all(str(row["id"]) != staged["id"] for row in files_app.catalogue_rows())  # rolled back

        created = client.post(f"{API}/dossier", json={"photo": staged}, headers=header)
        assert created.status_code == 201, created.text
        url = f"{API}/files/dossier/{created.json()['id']}/photo/{staged['id']}"
        raw = client.get(url)
        assert raw.content == PDF and raw.headers["content-type"] == "application/pdf"
        assert f"filename*=UTF-8''{quote(PASSPORT)}" in raw.headers["content-disposition"]
        row = next(r for r in files_app.catalogue_rows() if str(r["id"]) == staged["id"])
        assert (row["size"], row["checksum"], row["root_process_instance_id"]) == (
            len(PDF),
            staged["checksum"],
            root,
        )

        gone = {"id": "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "checksum": staged["checksum"]}
        missing = client.post(f"{API}/dossier", json={"photo": gone}, headers=header)
        assert missing.status_code == 400 and missing.json()["details"] == ["photo"]


def test_upload_over_the_limit_leaves_nothing(files_app: FilesApp) -> None:
    limit = files_app.service.settings.files.max_upload_bytes
    big = b"\x00" * (limit + 1)
    with files_app.client() as client:
        declared = client.post(f"{API}/files", files={"file": ("big.bin", big)})
        assert declared.status_code == 413 and declared.json()["code"] == "PAYLOAD_TOO_LARGE"

        def chunked() -> Any:  # no Content-Length: the limit is found while counting
            boundary = b"xBOUNDARYx"
            yield (
                b"--"
                + boundary
                + b'\r\nContent-Disposition: form-data; name="file"; filename="b.bin"\r\n\r\n'
            )
            for offset in range(0, len(big), 1024 * 1024):
                yield big[offset : offset + 1024 * 1024]
            yield b"\r\n--" + boundary + b"--\r\n"

        streamed = client.post(
            f"{API}/files",
            content=chunked(),
            headers={"Content-Type": "multipart/form-data; boundary=xBOUNDARYx"},
        )
        assert streamed.status_code == 413
        at_limit = client.post(f"{API}/files", files={"file": ("ok.bin", big[:limit])})
        assert at_limit.status_code == 201
    assert [r["filename"] for r in files_app.catalogue_rows()] == ["ok.bin"]
    assert files_app.keys(files_app.storage.staging_bucket) == [f"uploads/{at_limit.json()['id']}"]
    assert not files_app.s3_client.list_multipart_uploads(Bucket=files_app.storage.staging_bucket).get(
        "Uploads"
    )


def test_upload_rejects_what_is_not_a_file_upload(files_app: FilesApp) -> None:
    with files_app.client() as client:
        assert client.post(f"{API}/files", json={"file": "x"}).status_code == 415
        no_part = client.post(f"{API}/files", files={"other": ("a.txt", b"x")})
        assert no_part.status_code == 400 and no_part.json()["code"] == "CLIENT_ERROR"
        empty = upload(client, "", b"")
        assert empty["filename"] == "file" and empty["size"] == 0
        assert empty["contentType"] == "application/octet-stream"


def test_presigned_link_is_bounded_and_works(files_app: FilesApp, dossier: dict[str, Any]) -> None:
    link_url = file_url(dossier, "documents", "passport") + "/link"
    with files_app.client() as client:
        link = client.get(link_url, params={"expiresIn": 60})
        assert link.status_code == 200, link.text
        body = link.json()
        assert set(body) == {"url", "expiresAt"}
        fetched = httpx.get(body["url"])
        assert fetched.status_code == 200 and fetched.content == PDF
        too_long = client.get(link_url, params={"expiresIn": 601})
        assert too_long.status_code == 422 and too_long.json()["code"] == "VALIDATION_ERROR"
        other_field = f"{API}/files/dossier/{dossier['id']}/photo/{dossier['passport']['id']}/link"
        assert client.get(other_field).status_code == 404


def test_openapi_describes_both_representations(files_app: FilesApp) -> None:
    with files_app.client() as client:
        spec = client.get("/openapi.json").json()
    operation = spec["paths"][f"{API}/files/dossier/{{entity_id}}/photo/{{file_id}}"]["get"]
    content = operation["responses"]["200"]["content"]
    assert content["application/json"]["schema"]["properties"]["content"]["contentEncoding"] == "base64"
    assert "application/octet-stream" in content
    assert {"206", "304", "404", "416"} <= set(operation["responses"])
    upload_body = spec["paths"][f"{API}/files"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload_body
    json.dumps(spec)
