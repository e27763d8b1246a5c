"""A file may be bound to several places (the reference platform's business processes copy the same
``{id, checksum}`` from record to record): each place reads it through its own path, its bytes are one
registry object, and updates and deletes unbind it. On the generated ``user`` registry, served the way
``serve`` builds it, with real tokens, PostgreSQL and S3."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus, unquote_plus

import httpx
import pytest
from typer.testing import CliRunner

from codegen.cli import app
from registry_api.deploy import GeneratedRegistry
from registry_api.embedded import EmbeddedPostgres, EmbeddedS3
from registry_api.settings import Profile, settings_environment
from tests.conftest import created_database
from tests.file_state import file_state
from tests.served_registry import (
    PROCESS_HEADER,
    USER_EXAMPLE,
    ServedRegistry,
    TestRealms,
    s3_settings,
    served_registry,
)

PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
SCAN = b"%PDF-1.7\n scanned passport \n%%EOF\n"
NO_CITY = "7f0c5e0a-6a8f-4d1e-9a57-0d2f1c3b9e11"


class Registry:
    """The served user registry as an officer uses it, and what the tests check around it."""

    def __init__(self, served: ServedRegistry, client: httpx.Client) -> None:
        self.served = served
        self.client = client

    def upload(self, content: bytes, name: str, **headers: str) -> dict[str, str]:
        files = {"file": (name, content, "application/octet-stream")}
        response = self.client.post("/files", files=files, headers=headers)
        assert response.status_code == 201, response.text
        return {"id": response.json()["id"], "checksum": response.json()["checksum"]}

    def create_user(self, body: dict[str, Any], **headers: str) -> str:
        response = self.client.post("/user", json=body, headers=headers)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def registry_objects(self) -> dict[str, str]:
        """Registry bucket key → its Last-Modified (a copy, even of the same bytes, changes it)."""
        listing = self.served.s3_client.list_objects_v2(Bucket=self.served.registry_bucket)
        return {o["Key"]: o["LastModified"].isoformat() for o in listing.get("Contents", [])}

    def bindings(self, file_id: str) -> list[tuple[str, str, str]]:
        return self.served.bindings(file_id)

    def unbound_at(self, file_id: str) -> Any:
        return self.served.catalogue_row(file_id)["unbound_at"]


@pytest.fixture
def registry(user_api: ServedRegistry) -> Iterator[Registry]:
    with user_api.client("officer") as officer:
        yield Registry(user_api, officer)


def file_url(user_id: str, field: str, ref: dict[str, str]) -> str:
    return f"/files/user/{user_id}/{field}/{ref['id']}"


def test_one_file_in_two_entities_is_read_through_each_own_path(registry: Registry) -> None:
    client = registry.client
    photo = registry.upload(PHOTO, "petro.png")
    first = registry.create_user({"name": "Petro", "photo": photo})
    stored = registry.registry_objects()[photo["id"]]

    # The same reference written into another record, in another field: bound, not copied again.
    second = registry.create_user({"name": "Petro's twin", "documents": [photo]})
    assert registry.registry_objects()[photo["id"]] == stored
    assert registry.bindings(photo["id"]) == [("user", first, "photo"), ("user", second, "documents")]

    assert client.get(file_url(first, "photo", photo)).content == PHOTO
    assert client.get(file_url(second, "documents", photo)).content == PHOTO
    # ...and each place only through its own path
    assert client.get(file_url(second, "photo", photo)).status_code == 404
    assert client.get(file_url(first, "documents", photo)).status_code == 404

    # One file twice in one write (two fields of the same row) is two bindings of one object.
    both = registry.create_user({"name": "Both", "photo": photo, "documents": [photo]})
    assert client.get(file_url(both, "photo", photo)).status_code == 200
    assert client.get(file_url(both, "documents", photo)).status_code == 200
    assert registry.registry_objects()[photo["id"]] == stored


def test_a_put_that_drops_the_file_unbinds_it_and_a_delete_unbinds_all(registry: Registry) -> None:
    client = registry.client
    scan = registry.upload(SCAN, "scan.pdf")
    kept = registry.create_user({"name": "Keeps", "documents": [scan]})
    dropped = registry.create_user({"name": "Drops", "photo": scan, "documents": [scan]})

    # A PUT keeping the file needs no staged copy any more: it stays bound as it was.
    registry.served.s3_client.delete_object(
        Bucket=registry.served.staging_bucket, Key=f"uploads/{scan['id']}"
    )
    put = client.put(f"/user/{dropped}", json={"name": "Drops", "documents": [scan]})
    assert put.status_code == 204, put.text
    assert client.get(file_url(dropped, "photo", scan)).status_code == 404
    assert client.get(file_url(dropped, "documents", scan)).status_code == 200
    assert registry.bindings(scan["id"]) == [("user", kept, "documents"), ("user", dropped, "documents")]

    # Binding it to a new place needs it staged (proof the writer holds it), as on the reference.
    again = client.put(f"/user/{dropped}", json={"name": "Drops", "photo": scan})
    assert again.status_code == 400 and again.json()["details"] == ["photo"]
    assert registry.bindings(scan["id"]) == [("user", kept, "documents"), ("user", dropped, "documents")]

    assert client.delete(f"/user/{dropped}").status_code == 204
    assert registry.bindings(scan["id"]) == [("user", kept, "documents")]
    assert registry.unbound_at(scan["id"]) is None  # still bound elsewhere
    assert client.get(file_url(kept, "documents", scan)).content == SCAN

    assert client.delete(f"/user/{kept}").status_code == 204
    assert registry.bindings(scan["id"]) == []
    assert registry.unbound_at(scan["id"]) is not None
    assert scan["id"] in registry.registry_objects()  # the bytes wait for `files prune`


def test_a_business_process_copies_a_file_from_one_record_into_another(registry: Registry) -> None:
    """The reference's way: read a record with the process header (its files are copied to the
    process area), write the same {id, checksum} into another record with the header."""
    client = registry.client
    root = {PROCESS_HEADER: "proc-reuse-1"}
    photo = registry.upload(PHOTO + b"bp", "bp.png")
    source = registry.create_user({"name": "Source", "photo": photo})
    stored = registry.registry_objects()[photo["id"]]

    read = client.get(f"/user/{source}", headers=root)
    assert read.status_code == 200 and read.json()["photo"] == photo
    staged = registry.served.s3_client.get_object(
        Bucket=registry.served.staging_bucket, Key=f"process/proc-reuse-1/{photo['id']}"
    )
    assert staged["Body"].read() == PHOTO + b"bp"

    target = registry.create_user({"name": "Target", "photo": read.json()["photo"]}, **root)
    assert client.get(file_url(target, "photo", photo)).content == PHOTO + b"bp"
    assert registry.registry_objects()[photo["id"]] == stored

    # A wrong checksum is still refused, however the file got there.
    wrong = {"id": photo["id"], "checksum": hashlib.sha256(b"other").hexdigest()}
    refused = client.post("/user", json={"name": "X", "photo": wrong}, headers=root)
    assert refused.status_code == 409 and refused.json()["code"] == "FILE_WAS_CHANGED"


def test_a_short_link_answers_through_a_place_the_file_is_bound(registry: Registry) -> None:
    client = registry.client
    photo = registry.upload(PHOTO + b"short", "short.png")
    short = client.post("/files", files={"file": ("x.txt", b"x")}).json()["shortName"]
    assert client.get(f"/s/{short}").status_code == 404  # bound nowhere
    photo_short = registry.served.catalogue_row(photo["id"])["short_name"]
    first = registry.create_user({"name": "Short A", "photo": photo})
    second = registry.create_user({"name": "Short B", "photo": photo})
    assert client.get(f"/s/{photo_short}").content == PHOTO + b"short"
    assert client.delete(f"/user/{first}").status_code == 204
    assert client.get(f"/s/{photo_short}").content == PHOTO + b"short"  # still bound to the second
    assert client.delete(f"/user/{second}").status_code == 204
    assert client.get(f"/s/{photo_short}").status_code == 404


def test_a_failed_write_leaves_bindings_as_they_were(registry: Registry) -> None:
    client = registry.client
    photo = registry.upload(PHOTO + b"fail", "fail.png")
    owner = registry.create_user({"name": "Owner", "photo": photo})
    # A foreign key that does not exist: the row write fails after the files were bound.
    failed = client.post(
        "/user",
        json={"name": "Fails", "photo": photo, "cityId": NO_CITY},
    )
    assert failed.status_code == 409, failed.text
    assert registry.bindings(photo["id"]) == [("user", owner, "photo")]
    failed_put = client.put(
        f"/user/{owner}",
        json={"name": "Owner", "cityId": NO_CITY},
    )
    assert failed_put.status_code == 409
    assert registry.bindings(photo["id"]) == [("user", owner, "photo")]  # the unbinding rolled back
    assert client.get(file_url(owner, "photo", photo)).status_code == 200


def test_platform_tables_before_the_bindings_changeset_are_carried_over(
    postgres: EmbeddedPostgres, tmp_path: Path
) -> None:
    """A database of the single-binding catalogue: its bindings move to ddm_file_bindings."""
    from sqlalchemy import create_engine, text

    import codegen.migrate.runner as runner
    from codegen.migrate import migrate
    from codegen.migrate.platform import platform_changesets
    from codegen.reader import read_regulation

    regulation = read_regulation(USER_EXAMPLE)
    with created_database(postgres, prefix="legacy") as url:
        engine = create_engine(url)
        try:
            before = tuple(c for c in platform_changesets(regulation) if c.id != "ddm_file_bindings")
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(runner, "platform_changesets", lambda _: before)
                migrate(regulation, engine)
            with engine.begin() as connection:
                connection.execute(
                    text(
                        "INSERT INTO ddm_files (id, path_in_storage, bucket, filename, size, file_type,"
                        " checksum, short_name, entity, entity_id, field, attached_at) VALUES"
                        " ('0b9c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d', 'uploads/x', 'b', 'a.pdf', 1, 't', 'c',"
                        " 'short1', 'user', 'e1', 'photo', now()),"
                        " ('1b9c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d', 'uploads/y', 'b', 'b.pdf', 1, 't', 'c',"
                        " 'short2', NULL, NULL, NULL, NULL)"
                    )
                )
            migrate(regulation, engine)
            with engine.connect() as connection:
                bindings = connection.execute(
                    text("SELECT file_id::text, entity, entity_id, field FROM ddm_file_bindings")
                ).all()
        finally:
            engine.dispose()
    assert [tuple(b) for b in bindings] == [("0b9c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d", "user", "e1", "photo")]


def test_search_responses_copy_their_files_to_the_process_area(user_api: ServedRegistry) -> None:
    """As entity reads do (and the reference does for every response): with the process header, each
    file a search returns is put at process/<root>/<id> in staging; without it, nothing is copied."""
    staging = user_api.staging_bucket
    with user_api.client("officer") as officer:
        registry = Registry(user_api, officer)
        photo = registry.upload(PHOTO, "search.png")
        scan = registry.upload(SCAN, "search.pdf")
        registry.create_user({"name": "Searched One", "photo": photo, "documents": [scan]})
        registry.create_user({"name": "Searched Two", "documents": [scan, photo]})
        registry.create_user({"name": "Other"})
        for key in user_api.keys(staging):
            user_api.s3_client.delete_object(Bucket=staging, Key=key)

        plain = officer.get("/search/user-search-by-name", params={"name": "Searched"})
        assert plain.status_code == 200 and len(plain.json()["content"]) == 2
        assert user_api.keys(staging) == []

        root = {PROCESS_HEADER: "proc-search-1"}
        by_get = officer.get("/search/user-search-by-name", params={"name": "Searched"}, headers=root)
        assert by_get.status_code == 200 and by_get.json() == plain.json()
        assert user_api.keys(staging) == sorted(f"process/proc-search-1/{f['id']}" for f in (photo, scan))
        copy = user_api.s3_client.get_object(Bucket=staging, Key=f"process/proc-search-1/{scan['id']}")
        assert copy["Body"].read() == SCAN

        other_root = {PROCESS_HEADER: "proc-search-2"}
        by_post = officer.post(
            "/search/user-search-by-name", json={"name": "Searched One"}, headers=other_root
        )
        assert by_post.status_code == 200
        assert sorted(k for k in user_api.keys(staging) if "proc-search-2" in k) == sorted(
            f"process/proc-search-2/{f['id']}" for f in (photo, scan)
        )

        # A file whose registry object is gone: the reference's 400 FILE_NOT_FOUND with the field.
        user_api.s3_client.delete_object(Bucket=user_api.registry_bucket, Key=photo["id"])
        broken = officer.get("/search/user-search-by-name", params={"name": "Searched"}, headers=root)
        assert broken.status_code == 400 and broken.json()["code"] == "FILE_NOT_FOUND"
        assert broken.json()["details"] == ["photo", "documents"]


def test_anonymous_public_searches_copy_nothing(
    user_api: ServedRegistry,
    generated_user: GeneratedRegistry,
    database_url: str,
    s3: EmbeddedS3,
    realms: TestRealms,
    tmp_path: Path,
) -> None:
    """The public profile's callers are anonymous, never a business process: the header is ignored
    (else anyone could make the service write into any process area)."""
    with user_api.client("officer") as officer:
        photo = Registry(user_api, officer).upload(PHOTO, "public.png")
        Registry(user_api, officer).create_user({"name": "Public", "photo": photo})
    for key in user_api.keys(user_api.staging_bucket):
        user_api.s3_client.delete_object(Bucket=user_api.staging_bucket, Key=key)
    shared = s3_settings(s3) | {
        "registry_bucket": user_api.registry_bucket,
        "staging_bucket": user_api.staging_bucket,
    }
    with (
        served_registry(
            generated_user,
            database_url,
            s3,
            realms,
            tmp_path / "pub",
            profile=Profile.PUBLIC,
            buckets=shared,
        ) as public,
        public.client(source_headers=False) as anonymous,
    ):
        found = anonymous.get(
            "/user-public-photo", params={"name": "Public"}, headers={PROCESS_HEADER: "p-1"}
        )
        assert found.status_code == 200 and found.json()[0]["photo"] == photo
        assert anonymous.get(file_url(found.json()[0]["userId"], "photo", photo)).content == PHOTO
    assert user_api.keys(user_api.staging_bucket) == []


def metadata_of(served: ServedRegistry, bucket: str, key: str) -> dict[str, str]:
    """An object's user metadata, names lowercased (S3 keeps x-amz-meta-* names case-insensitive)."""
    answer = served.s3_client.head_object(Bucket=bucket, Key=key)
    return {name.lower(): value for name, value in answer["Metadata"].items()}


def test_uploads_carry_the_reference_object_metadata(user_api: ServedRegistry) -> None:
    """What the reference's forms read from x-amz-meta-*: id, checksum, filename (URL-encoded UTF-8,
    as Java's URLEncoder writes it), fieldName, formKey; kept by the copies into the registry and back
    to a process area."""
    name = "Довідка + скан 100%.pdf"
    root = {PROCESS_HEADER: "proc-meta-1"}
    with user_api.client("officer") as officer:
        uploaded = officer.post(
            "/files",
            params={"fieldName": "scanFile", "formKey": "add-user-bp-upload"},
            files={"file": (name, SCAN, "application/octet-stream")},
            headers=root,
        )
        assert uploaded.status_code == 201, uploaded.text
        file_id = uploaded.json()["id"]
        expected = {
            "id": file_id,
            "checksum": hashlib.sha256(SCAN).hexdigest(),
            "filename": quote_plus(name),
            "fieldname": "scanFile",
            "formkey": "add-user-bp-upload",
        }
        staged = metadata_of(user_api, user_api.staging_bucket, f"process/proc-meta-1/{file_id}")
        assert staged == expected
        assert unquote_plus(staged["filename"]) == name

        user_id = Registry(user_api, officer).create_user(
            {"name": "Meta", "documents": [{"id": file_id, "checksum": expected["checksum"]}]}, **root
        )
        assert metadata_of(user_api, user_api.registry_bucket, file_id) == expected
        assert officer.get(f"/user/{user_id}", headers={PROCESS_HEADER: "proc-meta-2"}).status_code == 200
        assert metadata_of(user_api, user_api.staging_bucket, f"process/proc-meta-2/{file_id}") == expected

        plain = officer.post("/files", files={"file": ("plain.txt", b"no form")})
        assert metadata_of(user_api, user_api.staging_bucket, f"uploads/{plain.json()['id']}") == {
            "id": plain.json()["id"],
            "checksum": hashlib.sha256(b"no form").hexdigest(),
            "filename": "plain.txt",
        }
        bad = officer.post("/files", params={"formKey": "x\r\ny"}, files={"file": ("a.txt", b"a")})
        assert bad.status_code == 422 and bad.json()["details"]["errors"][0]["field"] == "formKey"


def test_a_business_process_file_name_is_decoded_as_the_reference_encodes_it(
    user_api: ServedRegistry,
) -> None:
    """Java's URLEncoder writes a space as '+': an adopted file's name reads as the modeller wrote it."""
    file_id = "2b9c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d"
    user_api.s3_client.put_object(
        Bucket=user_api.staging_bucket,
        Key=f"process/proc-meta-3/{file_id}",
        Body=SCAN,
        Metadata={"id": file_id, "filename": quote_plus("Витяг з реєстру.pdf"), "fieldName": "f"},
    )
    ref = {"id": file_id, "checksum": hashlib.sha256(SCAN).hexdigest()}
    with user_api.client("officer") as officer:
        user_id = Registry(user_api, officer).create_user(
            {"name": "Adopted", "photo": ref}, **{PROCESS_HEADER: "proc-meta-3"}
        )
        as_json = officer.get(file_url(user_id, "photo", ref), headers={"Accept": "application/json"})
    assert as_json.json()["filename"] == "Витяг з реєстру.pdf"


def test_a_file_of_several_parts_streams_with_its_metadata(
    generated_user: GeneratedRegistry, database_url: str, s3: EmbeddedS3, realms: TestRealms, tmp_path: Path
) -> None:
    """Beyond one S3 part (8 MiB) the upload streams in parts; the metadata known up front is set with
    the first part, the checksum by a metadata update after the last (stores that ignore a copy's
    metadata directive, like the nanio of these tests, keep the first)."""
    content = (bytes(range(256)) * 4096) * 9 + b"tail"  # 9 MiB and 4 bytes
    files = {"max_upload_bytes": 12 * 1024 * 1024}
    with (
        served_registry(generated_user, database_url, s3, realms, tmp_path, files=files) as served,
        served.client("officer") as officer,
    ):
        uploaded = officer.post(
            "/files",
            params={"fieldName": "bigScan", "formKey": "big-form"},
            files={"file": ("велика.bin", content, "application/octet-stream")},
        )
        assert uploaded.status_code == 201, uploaded.text
        file_id = uploaded.json()["id"]
        assert uploaded.json()["checksum"] == hashlib.sha256(content).hexdigest()
        metadata = metadata_of(served, served.staging_bucket, f"uploads/{file_id}")
        assert {k: metadata[k] for k in ("id", "filename", "fieldname", "formkey")} == {
            "id": file_id,
            "filename": quote_plus("велика.bin"),
            "fieldname": "bigScan",
            "formkey": "big-form",
        }
        stored = served.s3_client.get_object(Bucket=served.staging_bucket, Key=f"uploads/{file_id}")
        assert stored["Body"].read() == content


def run_prune(served: ServedRegistry, *options: str, **environment: str) -> str:
    env = settings_environment(served.settings) | environment
    result = CliRunner().invoke(app, ["files", "prune", "--older-than", "0s", *options], env=env)
    assert result.exit_code == 0, result.output
    return result.output


def test_a_file_no_entity_holds_any_more_is_collected_as_history_allows(user_api: ServedRegistry) -> None:
    """The acceptance scenario: one upload in two users; both read it through their own paths; after both
    are deleted, `files prune --dry-run` lists it — kept while the history rows of the deleted users
    name it (the default), collected once history keeps only {id, checksum}."""
    with user_api.client("officer") as officer:
        registry = Registry(user_api, officer)
        photo = registry.upload(PHOTO, "shared.png")
        first = registry.create_user({"name": "First", "photo": photo})
        second = registry.create_user({"name": "Second", "documents": [photo]})
        assert officer.get(file_url(first, "photo", photo)).content == PHOTO
        assert officer.get(file_url(second, "documents", photo)).content == PHOTO
        assert officer.get(file_url(second, "photo", photo)).status_code == 404
        assert officer.get(file_url(first, "documents", photo)).status_code == 404

        registry_key = f"{user_api.registry_bucket}/{photo['id']}"
        assert officer.delete(f"/user/{first}").status_code == 204
        assert registry_key not in run_prune(user_api, "--dry-run")  # still bound to the second user
        assert officer.delete(f"/user/{second}").status_code == 204

        kept = run_prune(user_api, "--dry-run")
        assert f"kept (a history row names it): file no entity holds any more: {registry_key}" in kept
        forgotten = run_prune(user_api, "--dry-run", REGISTRY_FILES__HISTORY_KEEPS_FILES="false")
        assert f"would remove file no entity holds any more: {registry_key}" in forgotten
        assert photo["id"] in user_api.keys(user_api.registry_bucket)  # a dry run removes nothing

        removed = run_prune(user_api, REGISTRY_FILES__HISTORY_KEEPS_FILES="false")
        assert f"removed file no entity holds any more: {registry_key}" in removed
        assert [r for r in user_api.catalogue_rows() if str(r["id"]) == photo["id"]] == []
        assert photo["id"] not in user_api.keys(user_api.registry_bucket)
        assert f"uploads/{photo['id']}" not in user_api.keys(user_api.staging_bucket)
        # history keeps what the file was, the bytes are gone: a new write cannot bind it again
        assert user_api.rows("SELECT count(*) FROM user_hst WHERE (photo).id = :id", id=photo["id"]) == [(2,)]
        again = officer.post("/user", json={"name": "Again", "photo": photo})
        assert again.status_code == 400 and again.json()["code"] == "FILE_NOT_FOUND"
        assert file_state(user_api).mismatches(pruned=True) == []


def test_a_file_still_named_by_a_row_is_never_collected(user_api: ServedRegistry) -> None:
    """Rows changed by SQL, not by the service: a binding whose row no longer holds the file is stale
    and goes (the file counts as unbound from then on); a row that names a file without a binding
    keeps it."""
    with user_api.client("officer") as officer:
        registry = Registry(user_api, officer)
        scan = registry.upload(SCAN, "kept-by-row.pdf")
        holder = registry.create_user({"name": "Holder", "photo": scan})
        emptied = registry.create_user({"name": "Emptied", "documents": [scan]})
    user_api.rows(
        'UPDATE "user" SET documents = NULL WHERE user_id = CAST(:id AS uuid) RETURNING 1', id=emptied
    )
    user_api.rows(
        "DELETE FROM ddm_file_bindings WHERE entity_id = :id AND field = 'photo' RETURNING 1", id=holder
    )

    dry = run_prune(user_api, "--dry-run")
    assert f"would remove binding whose row no longer holds the file: user/{emptied}/documents" in dry
    output = run_prune(user_api)
    assert f"removed binding whose row no longer holds the file: user/{emptied}/documents" in output
    assert user_api.bindings(scan["id"]) == []
    assert user_api.catalogue_row(scan["id"])["unbound_at"] is not None

    # No binding left, but Holder's row still names it: it is never collected, history or not.
    output = run_prune(user_api, REGISTRY_FILES__HISTORY_KEEPS_FILES="false")
    assert scan["id"] not in output
    assert scan["id"] in user_api.keys(user_api.registry_bucket)
