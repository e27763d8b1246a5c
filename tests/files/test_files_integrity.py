"""Streaming, integrity and failure behaviour on the generated ``user`` registry served over HTTP: big
files, tampered objects, S3 going away."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from registry_api.deploy import GeneratedRegistry
from registry_api.embedded import EmbeddedS3
from tests.files.conftest import FILE_SETTINGS
from tests.served_registry import ServedRegistry, TestRealms, served_registry

CHUNK = FILE_SETTINGS["chunk_bytes"]  # the served app's chunk size: files above it stream


@pytest.fixture
def client(user_api: ServedRegistry) -> Any:
    """An officer's client: officers may create users and read all their files."""
    with user_api.client("officer") as client:
        yield client


def upload_and_attach(client: httpx.Client, data: bytes, name: str = "big.bin") -> tuple[str, dict[str, Any]]:
    uploaded = client.post("/files", files={"file": (name, data)})
    assert uploaded.status_code == 201, uploaded.text
    body = uploaded.json()
    created = client.post(
        "/user", json={"name": name, "photo": {"id": body["id"], "checksum": body["checksum"]}}
    )
    assert created.status_code == 201, created.text
    return created.json()["id"], body


def test_large_files_stream_in_both_representations(user_api: ServedRegistry, client: httpx.Client) -> None:
    data = os.urandom(5 * CHUNK + 7)  # several chunks, not a multiple of 3: exercises the Base64 carry
    entity_id, uploaded = upload_and_attach(client, data)
    url = f"/files/user/{entity_id}/photo/{uploaded['id']}"
    raw = client.get(url)
    assert raw.content == data and raw.headers["content-length"] == str(len(data))
    as_json = client.get(url, headers={"Accept": "application/json"})
    assert int(as_json.headers["content-length"]) == len(as_json.content)
    assert base64.b64decode(as_json.json()["content"], validate=True) == data
    middle = client.get(url, headers={"Range": f"bytes={CHUNK - 1}-{3 * CHUNK}"})
    assert middle.status_code == 206 and middle.content == data[CHUNK - 1 : 3 * CHUNK + 1]


def test_a_tampered_small_file_is_a_500_before_any_byte(
    user_api: ServedRegistry, client: httpx.Client
) -> None:
    data = b"original content of a small file"
    entity_id, uploaded = upload_and_attach(client, data, "small.txt")
    bucket = user_api.registry_bucket
    user_api.s3_client.put_object(Bucket=bucket, Key=uploaded["id"], Body=b"Original content of a small file")
    url = f"/files/user/{entity_id}/photo/{uploaded['id']}"
    for accept in ("*/*", "application/json"):
        response = client.get(url, headers={"Accept": accept})
        assert response.status_code == 500
        assert response.json()["code"] == "FILE_WAS_CHANGED"
    user_api.s3_client.put_object(Bucket=bucket, Key=uploaded["id"], Body=data + b"!")  # other size
    assert client.get(url).json()["code"] == "FILE_WAS_CHANGED"


def test_a_tampered_large_file_never_completes(user_api: ServedRegistry, client: httpx.Client) -> None:
    data = os.urandom(4 * CHUNK)
    entity_id, uploaded = upload_and_attach(client, data)
    tampered = bytearray(data)
    tampered[-1] ^= 0xFF  # same size: only the streamed hash can tell
    put = user_api.s3_client.put_object
    put(Bucket=user_api.registry_bucket, Key=uploaded["id"], Body=bytes(tampered))
    url = f"/files/user/{entity_id}/photo/{uploaded['id']}"
    for accept in ("*/*", "application/json"):
        with pytest.raises(httpx.RemoteProtocolError):  # fewer bytes than Content-Length, then closed
            client.get(url, headers={"Accept": accept})
    # a range of it is no way around: the whole object is checked before any byte of a range
    ranged = client.get(url, headers={"Range": "bytes=0-9"})
    assert ranged.status_code == 500 and ranged.json()["code"] == "FILE_WAS_CHANGED"
    # the original bytes back in place: delivered again
    put(Bucket=user_api.registry_bucket, Key=uploaded["id"], Body=data)
    assert client.get(url, headers={"Range": "bytes=0-9"}).content == data[:10]
    assert client.get(url).content == data


def test_a_verified_file_replaced_through_s3_is_checked_again(
    user_api: ServedRegistry, client: httpx.Client
) -> None:
    data = os.urandom(4 * CHUNK)
    entity_id, uploaded = upload_and_attach(client, data)
    url = f"/files/user/{entity_id}/photo/{uploaded['id']}"
    assert client.get(url).content == data  # hashed and found intact: this version is trusted now
    assert client.get(url, headers={"Range": "bytes=5-9"}).content == data[5:10]
    tampered = bytes([data[0] ^ 0xFF]) + data[1:]
    user_api.s3_client.put_object(
        Bucket=user_api.registry_bucket, Key=uploaded["id"], Body=tampered
    )  # a new object version: new ETag, new Last-Modified
    with pytest.raises(httpx.RemoteProtocolError):
        client.get(url)
    ranged = client.get(url, headers={"Range": "bytes=0-9"})
    assert ranged.status_code == 500 and ranged.json()["code"] == "FILE_WAS_CHANGED"


def _corrupt_below_s3(s3: EmbeddedS3, bucket: str, key: str) -> None:
    """Flip one byte of the stored file in place: what the S3 API reports (ETag, Last-Modified)
    stays the same, like bit rot or an edit on the storage node's disk."""
    with (s3.objects_dir / bucket / key).open("r+b") as stored:
        stored.seek(CHUNK + 1)
        byte = stored.read(1)
        stored.seek(CHUNK + 1)
        stored.write(bytes([byte[0] ^ 0xFF]))


@pytest.mark.below_s3  # edits nanio's files: a store whose disk the tests cannot reach has no "below"
def test_by_default_a_verified_version_is_not_hashed_again(
    user_api: ServedRegistry, client: httpx.Client, s3: EmbeddedS3
) -> None:
    # The documented trade-off of files.rehash_every_download=false (docs/files.md "Integrity").
    data = os.urandom(4 * CHUNK)
    entity_id, uploaded = upload_and_attach(client, data)
    url = f"/files/user/{entity_id}/photo/{uploaded['id']}"
    assert client.get(url).content == data
    _corrupt_below_s3(s3, user_api.registry_bucket, uploaded["id"])
    served = client.get(url).content
    assert served != data and len(served) == len(data)


@pytest.mark.below_s3  # edits nanio's files: a store whose disk the tests cannot reach has no "below"
def test_rehash_every_download_catches_changes_below_s3(
    generated_user: GeneratedRegistry, database_url: str, s3: EmbeddedS3, realms: TestRealms, tmp_path: Path
) -> None:
    settings = {**FILE_SETTINGS, "rehash_every_download": True}
    with (
        served_registry(generated_user, database_url, s3, realms, tmp_path, files=settings) as served,
        served.client("officer") as client,
    ):
        entity_id, uploaded = upload_and_attach(client, os.urandom(4 * CHUNK))
        url = f"/files/user/{entity_id}/photo/{uploaded['id']}"
        assert hashlib.sha256(client.get(url).content).hexdigest() == uploaded["checksum"]
        _corrupt_below_s3(s3, served.registry_bucket, uploaded["id"])
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(url)
        ranged = client.get(url, headers={"Range": "bytes=0-9"})
        assert ranged.status_code == 500 and ranged.json()["code"] == "FILE_WAS_CHANGED"


def test_clients_leaving_mid_download_do_not_disturb_the_server(
    user_api: ServedRegistry, client: httpx.Client
) -> None:
    data = os.urandom(64 * CHUNK)
    entity_id, uploaded = upload_and_attach(client, data)
    url = f"/files/user/{entity_id}/photo/{uploaded['id']}"
    for _ in range(40):  # more than the S3 connection pool (32): a leak would hang the next GET
        with client.stream("GET", url) as response:
            next(response.iter_raw(CHUNK))
    assert hashlib.sha256(client.get(url).content).hexdigest() == uploaded["checksum"]


def test_s3_down_is_a_503_and_leaves_nothing_half_done(
    generated_user: GeneratedRegistry, database_url: str, realms: TestRealms, tmp_path: Path
) -> None:
    s3 = EmbeddedS3(tmp_path / "s3-to-stop")
    try:
        with (
            served_registry(
                generated_user, database_url, s3, realms, tmp_path, files=FILE_SETTINGS
            ) as served,
            served.client("officer") as client,
        ):
            entity_id, uploaded = upload_and_attach(client, b"%PDF-1.4 kept", "kept.pdf")
            staged = client.post("/files", files={"file": ("staged.txt", b"staged only")}).json()
            s3.stop()

            failed_upload = client.post("/files", files={"file": ("lost.txt", b"never stored")})
            assert failed_upload.status_code == 503
            assert failed_upload.json()["code"] == "THIRD_PARTY_SERVICE_UNAVAILABLE"

            ref = {"id": staged["id"], "checksum": staged["checksum"]}
            failed_write = client.post("/user", json={"name": "x", "photo": ref})
            assert failed_write.status_code == 503
            assert failed_write.json()["code"] == "THIRD_PARTY_SERVICE_UNAVAILABLE"

            download = client.get(f"/files/user/{entity_id}/photo/{uploaded['id']}")
            assert download.status_code == 503
            assert "127.0.0.1" not in download.text  # no internal endpoint in the answer

            names = served.rows(
                "SELECT filename, entity FROM ddm_files LEFT JOIN ddm_file_bindings ON file_id = id"
                " ORDER BY filename"
            )
            assert names == [("kept.pdf", "user"), ("staged.txt", None)]  # no orphan row
            assert served.rows('SELECT name FROM "user"') == [("kept.pdf",)]  # only the user written before
    finally:
        s3.stop()
