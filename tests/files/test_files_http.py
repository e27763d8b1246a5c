"""The file lifecycle end to end over HTTP on the generated ``user`` registry, served as ``serve``
serves it (real tokens, the generated Casbin policy, nanio and PostgreSQL): upload → attach through
entity writes → read → download, the denials, the business-process area and rollback after real
database constraint violations (DESIGN.md §4 "File lifecycle")."""

from __future__ import annotations

import base64
import hashlib
import uuid
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.served_registry import API, PROCESS_HEADER, ServedRegistry

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(200))
TEXT = "Довідка про доходи\n".encode() * 10
PASSPORT = "паспорт Петра.pdf"
UNKNOWN_ID = "7f0c5e0a-6a8f-4d1e-9a57-0d2f1c3b9e11"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def upload(client: httpx.Client, name: str, data: bytes, claimed: str = "text/html", **headers: str) -> Any:
    response = client.post("/files", files={"file": (name, data, claimed)}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def ref(uploaded: dict[str, Any]) -> dict[str, str]:
    return {"id": uploaded["id"], "checksum": uploaded["checksum"]}


@pytest.fixture
def officer(user_api: ServedRegistry) -> Any:
    with user_api.client("officer") as client:
        yield client


@pytest.fixture
def petro(officer: httpx.Client) -> dict[str, Any]:
    """Three uploads and a user holding them: the photo and two documents."""
    passport = upload(officer, PASSPORT, PDF)
    photo = upload(officer, "face.png", PNG, claimed="application/pdf")
    note = upload(officer, "note.txt", TEXT)
    created = officer.post(
        "/user", json={"name": "Petro", "photo": ref(photo), "documents": [ref(passport), ref(note)]}
    )
    assert created.status_code == 201, created.text
    return {"id": created.json()["id"], "passport": passport, "photo": photo, "note": note}


def file_url(user: dict[str, Any], field: str, file: str) -> str:
    return f"/files/user/{user['id']}/{field}/{user[file]['id']}"


def test_upload_answers_the_catalogue_entry_with_the_detected_type(
    user_api: ServedRegistry, officer: httpx.Client
) -> None:
    uploaded = upload(officer, "C:\\scans\\" + "Звіт за ї.pdf".replace("ї", "і\u0308"), PDF)  # path, NFD
    assert uploaded["checksum"] == sha(PDF)
    assert uploaded["size"] == len(PDF)
    assert uploaded["contentType"] == "application/pdf"  # sniffed, not the client's text/html
    assert uploaded["filename"] == "Звіт за ї.pdf"  # last path part only, NFC
    assert 0 < len(uploaded["shortName"]) <= 24
    assert user_api.keys(user_api.staging_bucket) == [f"uploads/{uploaded['id']}"]
    assert user_api.keys(user_api.registry_bucket) == []  # nothing is in the registry until attached
    (row,) = user_api.catalogue_rows()
    assert row["created_by"] == "test-officer" and row["attached_at"] is None  # the token's subject
    assert row["checksum"] == sha(PDF) and row["file_type"] == "application/pdf"


def test_uploading_needs_a_token(user_api: ServedRegistry) -> None:
    with user_api.client() as anonymous:
        refused = anonymous.post("/files", files={"file": ("a.txt", b"a")})
    assert refused.status_code == 401 and refused.json()["code"] == "AUTHENTICATION_FAILED"
    assert user_api.catalogue_rows() == [] and user_api.keys(user_api.staging_bucket) == []


def test_entity_read_returns_references_and_both_representations_are_exact(
    user_api: ServedRegistry, officer: httpx.Client, petro: dict[str, Any]
) -> None:
    entity = officer.get(f"/user/{petro['id']}").json()
    assert entity["photo"] == ref(petro["photo"])
    assert entity["documents"] == [ref(petro["passport"]), ref(petro["note"])]
    assert sorted(user_api.keys(user_api.registry_bucket)) == sorted(
        petro[name]["id"] for name in ("passport", "photo", "note")
    )

    as_json = officer.get(file_url(petro, "documents", "passport"), headers={"Accept": "application/json"})
    assert as_json.status_code == 200
    assert as_json.headers["content-type"] == "application/json"
    assert int(as_json.headers["content-length"]) == len(as_json.content)
    document = as_json.json()
    assert base64.b64decode(document["content"], validate=True) == PDF
    assert document["checksum"] == sha(PDF)
    assert document["filename"] == PASSPORT

    raw = officer.get(file_url(petro, "documents", "passport"))
    assert raw.status_code == 200 and raw.content == PDF
    upper = f"/files/user/{petro['id'].upper()}/documents/{petro['passport']['id'].upper()}"
    assert officer.get(upper).content == PDF  # ids are UUIDs, whatever their spelling
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

    photo = officer.get(file_url(petro, "photo", "photo"), headers={"Accept": "text/html,*/*;q=0.8"})
    assert photo.content == PNG and photo.headers["content-type"] == "image/png"
    text = officer.get(file_url(petro, "documents", "note"))
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
def test_negotiation(officer: httpx.Client, petro: dict[str, Any], accept: str, is_json: bool) -> None:
    response = officer.get(file_url(petro, "photo", "photo"), headers={"Accept": accept})
    assert response.status_code == 200
    assert (response.headers["content-type"] == "application/json") is is_json


def test_ranges_validators_and_head(officer: httpx.Client, petro: dict[str, Any]) -> None:
    url = file_url(petro, "documents", "passport")
    size = len(PDF)
    client = officer
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
        client.get(url, headers={"Accept": "application/json", "If-None-Match": json_tag}).status_code == 304
    )

    get = client.get(url)
    head = client.head(url)
    assert head.status_code == 200 and head.content == b""
    for name in ("content-length", "content-type", "content-disposition", "etag", "accept-ranges"):
        assert head.headers[name] == get.headers[name], name
    json_head = client.head(url, headers={"Accept": "application/json"})
    json_get = client.get(url, headers={"Accept": "application/json"})
    assert json_head.headers["content-length"] == json_get.headers["content-length"]


def test_head_answers_what_get_answers_when_the_object_is_gone(
    user_api: ServedRegistry, officer: httpx.Client, petro: dict[str, Any]
) -> None:
    # HEAD looks at the object (never reads it): gone from S3, both answer 404.
    user_api.s3_client.delete_object(Bucket=user_api.registry_bucket, Key=petro["photo"]["id"])
    head = officer.head(file_url(petro, "photo", "photo"))
    assert head.status_code == 404 and head.content == b""
    gone = officer.get(file_url(petro, "photo", "photo"))
    assert gone.status_code == 404 and gone.json()["code"] == "NOT_FOUND"


def test_a_file_is_served_only_where_it_is_held(officer: httpx.Client, petro: dict[str, Any]) -> None:
    other = officer.post("/user", json={"name": "other"}).json()["id"]
    wrong = [
        f"/files/user/{petro['id']}/photo/{petro['passport']['id']}",  # another field
        f"/files/user/{other}/documents/{petro['passport']['id']}",  # another entity
        f"/files/user/{other}/photo/{petro['photo']['id']}",
        f"/files/user/{UNKNOWN_ID}/photo/{petro['photo']['id']}",  # no such entity
        f"/files/user/{petro['id']}/documents/{UNKNOWN_ID}",
        f"/files/user/{petro['id']}/documents/not-a-uuid",
        f"/files/user/{petro['id']}/email/{petro['passport']['id']}",  # not a file column
        f"/files/city/{petro['id']}/photo/{petro['photo']['id']}",  # not a file table
    ]
    for url in wrong:
        response = officer.get(url)
        assert response.status_code == 404, url
        assert response.json()["code"] == "NOT_FOUND", url
    malformed = officer.get(f"/files/user/not-a-uuid/documents/{petro['passport']['id']}")
    assert malformed.status_code == 400 and malformed.json()["code"] == "METHOD_ARGUMENT_TYPE_MISMATCH"


def test_reading_a_file_needs_a_read_grant_on_its_column(
    user_api: ServedRegistry, petro: dict[str, Any]
) -> None:
    """``citizen`` may read ``user.name`` and ``user.photo`` only; ``auditor`` reads the whole table;
    a role the regulation does not name may read no file."""
    documents, photo = file_url(petro, "documents", "passport"), file_url(petro, "photo", "photo")
    with user_api.client("citizen") as citizen:
        denied = citizen.get(documents)
        assert denied.status_code == 403 and denied.json()["code"] == "FORBIDDEN_OPERATION"
        assert citizen.head(documents).status_code == 403
        assert citizen.get(documents + "/link").status_code == 403
        assert citizen.get(f"/s/{petro['passport']['shortName']}").status_code == 403
        assert citizen.get(photo).content == PNG
        assert citizen.get(f"/s/{petro['photo']['shortName']}").content == PNG
        # the grant is on a column, not on a user: another user's path to the photo is still a 404
        other = f"/files/user/{UNKNOWN_ID}/photo/{petro['photo']['id']}"
        assert citizen.get(other).status_code == 404
    with user_api.client("auditor") as auditor:
        assert auditor.get(documents).content == PDF
    with user_api.client("stranger", realm_name="officer-portal") as stranger:
        for url in (documents, photo, f"/s/{petro['photo']['shortName']}"):
            assert stranger.get(url).status_code == 403, url
    with user_api.client("officer", realm_name="citizen-portal") as wrong_realm:
        assert wrong_realm.get(documents).status_code == 403  # officer grants are for officer-portal
    with user_api.client() as anonymous:
        assert anonymous.get(photo).status_code == 401


def test_short_link_resolves_to_the_same_answer(officer: httpx.Client, petro: dict[str, Any]) -> None:
    short = officer.get(f"/s/{petro['passport']['shortName']}")
    direct = officer.get(file_url(petro, "documents", "passport"))
    assert short.status_code == 200 and short.content == PDF
    assert short.headers["etag"] == direct.headers["etag"]
    assert short.headers["content-disposition"] == direct.headers["content-disposition"]
    as_json = officer.get(f"/s/{petro['photo']['shortName']}", headers={"Accept": "application/json"})
    assert base64.b64decode(as_json.json()["content"]) == PNG
    assert officer.get("/s/NoSuchShortName123").status_code == 404
    unattached = upload(officer, "loose.txt", b"not attached yet")
    assert officer.get(f"/s/{unattached['shortName']}").status_code == 404


def test_attach_errors_name_the_fields(
    user_api: ServedRegistry, officer: httpx.Client, petro: dict[str, Any]
) -> None:
    fresh = upload(officer, "fresh.txt", b"fresh content")
    unknown = {"id": UNKNOWN_ID, "checksum": sha(b"x")}
    missing = officer.post("/user", json={"name": "x", "photo": unknown, "documents": [ref(fresh)]})
    assert missing.status_code == 400
    assert missing.json()["code"] == "FILE_NOT_FOUND" and missing.json()["details"] == ["photo"]

    wrong_sum = officer.post("/user", json={"name": "x", "photo": {"id": fresh["id"], "checksum": sha(b"y")}})
    assert wrong_sum.status_code == 409 and wrong_sum.json()["code"] == "FILE_WAS_CHANGED"

    # Nothing of the refused writes was bound, copied or written.
    assert user_api.bindings(fresh["id"]) == [] and user_api.catalogue_row(fresh["id"])["attached_at"] is None
    assert fresh["id"] not in user_api.keys(user_api.registry_bucket)
    assert user_api.rows('SELECT name FROM "user"') == [("Petro",)]


def test_staged_files_are_checked_together_and_a_missing_one_is_named(
    user_api: ServedRegistry, officer: httpx.Client
) -> None:
    """The staging objects of a write's files are checked side by side before anything is copied:
    one missing object among several is reported by its field, and nothing is copied or bound."""
    documents = [upload(officer, f"d{n}.pdf", PDF + bytes([n])) for n in range(5)]
    photo = upload(officer, "p.png", PNG)
    user_api.s3_client.delete_object(Bucket=user_api.staging_bucket, Key=f"uploads/{documents[3]['id']}")
    body = {"name": "Many", "photo": ref(photo), "documents": [ref(d) for d in documents]}
    refused = officer.post("/user", json=body)
    assert refused.status_code == 400, refused.text
    assert refused.json()["code"] == "FILE_NOT_FOUND" and refused.json()["details"] == ["documents"]
    assert user_api.keys(user_api.registry_bucket) == []
    assert all(user_api.bindings(d["id"]) == [] for d in [*documents, photo])
    kept = officer.post("/user", json={**body, "documents": [ref(d) for d in documents if d != documents[3]]})
    assert kept.status_code == 201, kept.text
    assert len(user_api.keys(user_api.registry_bucket)) == 5


def test_a_write_refused_by_the_database_removes_the_copies_it_made(
    user_api: ServedRegistry, officer: httpx.Client, petro: dict[str, Any]
) -> None:
    """Files are copied into the registry bucket before the row is written; when PostgreSQL then
    refuses the row (a foreign key, a duplicate primary key), the transaction rolls back and the
    copies go: no orphan object, no bound catalogue row, and the files can still be attached."""
    held = sorted(petro[name]["id"] for name in ("passport", "photo", "note"))
    photo, document = upload(officer, "p.png", PNG), upload(officer, "d.pdf", PDF)
    body = {"name": "Ivan", "photo": ref(photo), "documents": [ref(document)]}
    refused = [
        officer.post("/user", json={**body, "cityId": UNKNOWN_ID}),  # fk_user_city: no such city
        officer.post("/user", json={**body, "userId": petro["id"]}),  # pk_user_id: Petro's key
        officer.put(f"/user/{petro['id']}", json={**body, "cityId": UNKNOWN_ID}),
    ]
    assert [(r.status_code, r.json()["code"], r.json()["details"]) for r in refused] == [
        (409, "CONSTRAINT_ERROR", {"constraint": "fk_user_city"}),
        (409, "CONSTRAINT_ERROR", {"constraint": "pk_user_id"}),
        (409, "CONSTRAINT_ERROR", {"constraint": "fk_user_city"}),
    ]
    assert user_api.keys(user_api.registry_bucket) == held  # 0 orphan objects
    for file in (photo, document):
        assert user_api.bindings(file["id"]) == []  # the binding rolled back
    assert officer.get(f"/user/{petro['id']}").json()["photo"] == ref(petro["photo"])  # update undone
    assert user_api.rows('SELECT count(*) FROM "user"') == [(1,)]
    assert user_api.rows("SELECT count(*) FROM user_hst") == [(1,)]  # no history of refused writes

    city = officer.post("/city", json={"name": "Lviv"})
    assert city.status_code == 201, city.text
    created = officer.post("/user", json={**body, "cityId": city.json()["id"]})
    assert created.status_code == 201, created.text
    assert user_api.keys(user_api.registry_bucket) == sorted([*held, photo["id"], document["id"]])
    assert officer.get(f"/files/user/{created.json()['id']}/documents/{document['id']}").content == PDF


def test_entity_reads_copy_files_to_the_business_process_area(
    user_api: ServedRegistry, officer: httpx.Client
) -> None:
    root = "proc-4711"
    header = {PROCESS_HEADER: root}
    staging = user_api.staging_bucket
    uploaded = upload(officer, "form.pdf", PDF, **header)
    photo = upload(officer, "face.png", PNG, **header)
    assert user_api.keys(staging) == sorted(f"process/{root}/{f['id']}" for f in (uploaded, photo))
    # attach looks in the process area when the header is sent...
    missing = officer.post("/user", json={"name": "x", "documents": [ref(uploaded)]})
    assert missing.status_code == 400 and missing.json()["details"] == ["documents"]
    created = officer.post(
        "/user", json={"name": "x", "photo": ref(photo), "documents": [ref(uploaded)]}, headers=header
    )
    assert created.status_code == 201, created.text
    entity_id = created.json()["id"]

    for key in user_api.keys(staging):
        user_api.s3_client.delete_object(Bucket=staging, Key=key)
    assert officer.get(f"/user/{entity_id}").status_code == 200  # no header: nothing copied
    assert user_api.keys(staging) == []
    with user_api.client("citizen", headers={PROCESS_HEADER: "proc-666"}) as citizen:
        assert citizen.get(f"/user/{entity_id}").status_code == 403  # refused reads copy nothing
    assert user_api.keys(staging) == []

    read = officer.get(f"/user/{entity_id}", headers={PROCESS_HEADER: "proc-815"})
    assert read.status_code == 200 and read.json()["documents"] == [ref(uploaded)]
    assert user_api.keys(staging) == sorted(f"process/proc-815/{f['id']}" for f in (uploaded, photo))
    copy = user_api.s3_client.get_object(Bucket=staging, Key=f"process/proc-815/{uploaded['id']}")
    assert copy["Body"].read() == PDF

    bad = officer.post("/files", files={"file": ("a.txt", b"x")}, headers={PROCESS_HEADER: "../escape"})
    assert bad.status_code == 400
    assert officer.get(f"/user/{entity_id}", headers={PROCESS_HEADER: "../escape"}).status_code == 400


def test_files_a_business_process_staged_itself_are_adopted(
    user_api: ServedRegistry, officer: httpx.Client
) -> None:
    """The reference platform's business processes put files into staging themselves (key
    process/<root>/<id>, the name in user metadata) and never call POST /files."""
    root = "proc-2024"
    header = {PROCESS_HEADER: root}
    staging = user_api.staging_bucket

    def stage(file_id: str, content: bytes) -> dict[str, str]:
        user_api.s3_client.put_object(
            Bucket=staging,
            Key=f"process/{root}/{file_id}",
            Body=content,
            ContentType="application/octet-stream",  # not trusted: the type comes from the bytes
            Metadata={"id": file_id, "filename": quote(PASSPORT), "checksum": "not read"},
        )
        return {"id": file_id, "checksum": sha(content)}

    staged = stage("0b9c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d", PDF)
    without_header = officer.post("/user", json={"name": "x", "photo": staged})
    assert without_header.status_code == 400 and without_header.json()["code"] == "FILE_NOT_FOUND"

    wrong = {**staged, "checksum": sha(b"other")}
    changed = officer.post("/user", json={"name": "x", "photo": wrong}, headers=header)
    assert changed.status_code == 409 and changed.json()["code"] == "FILE_WAS_CHANGED"

    failed = officer.post("/user", json={"name": "x", "cityId": UNKNOWN_ID, "photo": staged}, headers=header)
    assert failed.status_code == 409 and failed.json()["details"] == {"constraint": "fk_user_city"}
    assert user_api.catalogue_rows() == []  # the adoption rolled back with the row
    assert user_api.keys(user_api.registry_bucket) == []

    created = officer.post("/user", json={"name": "x", "photo": staged}, headers=header)
    assert created.status_code == 201, created.text
    raw = officer.get(f"/files/user/{created.json()['id']}/photo/{staged['id']}")
    assert raw.content == PDF and raw.headers["content-type"] == "application/pdf"
    assert f"filename*=UTF-8''{quote(PASSPORT)}" in raw.headers["content-disposition"]
    row = user_api.catalogue_row(staged["id"])
    assert (row["size"], row["checksum"], row["root_process_instance_id"]) == (
        len(PDF),
        staged["checksum"],
        root,
    )
    assert user_api.bindings(staged["id"]) == [("user", created.json()["id"], "photo")]

    gone = {"id": "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "checksum": staged["checksum"]}
    missing = officer.post("/user", json={"name": "x", "photo": gone}, headers=header)
    assert missing.status_code == 400 and missing.json()["details"] == ["photo"]


def test_upload_over_the_limit_leaves_nothing(user_api: ServedRegistry, officer: httpx.Client) -> None:
    limit = user_api.settings.files.max_upload_bytes
    big = b"\x00" * (limit + 1)
    declared = officer.post("/files", files={"file": ("big.bin", big)})
    assert declared.status_code == 413 and declared.json()["code"] == "PAYLOAD_TOO_LARGE"

    def chunked() -> Any:  # no Content-Length: the limit is found while counting
        boundary = b"xBOUNDARYx"
        yield b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="b.bin"\r\n\r\n'
        for offset in range(0, len(big), 1024 * 1024):
            yield big[offset : offset + 1024 * 1024]
        yield b"\r\n--" + boundary + b"--\r\n"

    streamed = officer.post(
        "/files", content=chunked(), headers={"Content-Type": "multipart/form-data; boundary=xBOUNDARYx"}
    )
    assert streamed.status_code == 413
    at_limit = officer.post("/files", files={"file": ("ok.bin", big[:limit])})
    assert at_limit.status_code == 201
    assert [r["filename"] for r in user_api.catalogue_rows()] == ["ok.bin"]
    assert user_api.keys(user_api.staging_bucket) == [f"uploads/{at_limit.json()['id']}"]
    assert not user_api.s3_client.list_multipart_uploads(Bucket=user_api.staging_bucket).get("Uploads")


def test_upload_rejects_what_is_not_a_file_upload(officer: httpx.Client) -> None:
    assert officer.post("/files", json={"file": "x"}).status_code == 415
    no_part = officer.post("/files", files={"other": ("a.txt", b"x")})
    assert no_part.status_code == 400 and no_part.json()["code"] == "CLIENT_ERROR"
    empty = upload(officer, "", b"")
    assert empty["filename"] == "file" and empty["size"] == 0
    assert empty["contentType"] == "application/octet-stream"


def test_presigned_link_is_bounded_and_works(officer: httpx.Client, petro: dict[str, Any]) -> None:
    link_url = file_url(petro, "documents", "passport") + "/link"
    link = officer.get(link_url, params={"expiresIn": 60})
    assert link.status_code == 200, link.text
    body = link.json()
    assert set(body) == {"url", "expiresAt"}
    fetched = httpx.get(body["url"])
    assert fetched.status_code == 200 and fetched.content == PDF
    too_long = officer.get(link_url, params={"expiresIn": 601})
    assert too_long.status_code == 422 and too_long.json()["code"] == "VALIDATION_ERROR"
    other_field = f"/files/user/{petro['id']}/photo/{petro['passport']['id']}/link"
    assert officer.get(other_field).status_code == 404
    assert (
        officer.get(f"/files/user/{uuid.uuid4()}/documents/{petro['passport']['id']}/link").status_code == 404
    )


def test_openapi_describes_both_representations(user_api: ServedRegistry) -> None:
    spec = httpx.get(f"{user_api.url}/openapi.json").json()
    operation = spec["paths"][f"{API}/files/user/{{id}}/photo/{{fileId}}"]["get"]
    content = operation["responses"]["200"]["content"]
    assert content["application/json"]["schema"]["properties"]["content"]["contentEncoding"] == "base64"
    assert "application/octet-stream" in content
    assert {"206", "304", "404", "416"} <= set(operation["responses"])
    upload_body = spec["paths"][f"{API}/files"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload_body
