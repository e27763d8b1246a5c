"""Streaming, integrity and failure behaviour: big files, tampered objects, S3 going away."""

from __future__ import annotations

import base64
import hashlib
import os
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from registry_api.embedded import EmbeddedS3
from registry_api.files.catalogue import ddm_files
from tests.files.files_harness import (
    API,
    FilesApp,
    LoopbackServer,
    apply_platform_sql,
    build_app,
    dossier,
    make_files_app,
)

CHUNK = 64 * 1024  # the test app's chunk size: files above it stream


def upload_and_attach(client: httpx.Client, data: bytes, name: str = "big.bin") -> tuple[str, dict[str, Any]]:
    uploaded = client.post(f"{API}/files", files={"file": (name, data)})
    assert uploaded.status_code == 201, uploaded.text
    body = uploaded.json()
    created = client.post(f"{API}/dossier", json={"photo": {"id": body["id"], "checksum": body["checksum"]}})
    assert created.status_code == 201, created.text
    return created.json()["id"], body


def test_large_files_stream_in_both_representations(files_app: FilesApp) -> None:
    data = os.urandom(5 * CHUNK + 7)  # several chunks, not a multiple of 3: exercises the Base64 carry
    with files_app.client() as client:
        entity_id, uploaded = upload_and_attach(client, data)
        url = f"{API}/files/dossier/{entity_id}/photo/{uploaded['id']}"
        raw = client.get(url)
        assert raw.content == data and raw.headers["content-length"] == str(len(data))
        as_json = client.get(url, headers={"Accept": "application/json"})
        assert int(as_json.headers["content-length"]) == len(as_json.content)
        assert base64.b64decode(as_json.json()["content"], validate=True) == data
        middle = client.get(url, headers={"Range": f"bytes={CHUNK - 1}-{3 * CHUNK}"})
        assert middle.status_code == 206 and middle.content == data[CHUNK - 1 : 3 * CHUNK + 1]


def test_a_tampered_small_file_is_a_500_before_any_byte(files_app: FilesApp) -> None:
    data = b"original content of a small file"
    with files_app.client() as client:
        entity_id, uploaded = upload_and_attach(client, data, "small.txt")
        bucket = files_app.storage.registry_bucket
        files_app.s3_client.put_object(
            Bucket=bucket, Key=uploaded["id"], Body=b"Original content of a small file"
        )
        url = f"{API}/files/dossier/{entity_id}/photo/{uploaded['id']}"
        for accept in ("*/*", "application/json"):
            response = client.get(url, headers={"Accept": accept})
            assert response.status_code == 500
            assert response.json()["code"] == "FILE_WAS_CHANGED"
        files_app.s3_client.put_object(Bucket=bucket, Key=uploaded["id"], Body=data + b"!")  # other size
        assert client.get(url).json()["code"] == "FILE_WAS_CHANGED"


def test_a_tampered_large_file_never_completes(files_app: FilesApp) -> None:
    data = os.urandom(4 * CHUNK)
    with files_app.client() as client:
        entity_id, uploaded = upload_and_attach(client, data)
        tampered = bytearray(data)
        tampered[-1] ^= 0xFF  # same size: only the streamed hash can tell
        put = files_app.s3_client.put_object
        put(Bucket=files_app.storage.registry_bucket, Key=uploaded["id"], Body=bytes(tampered))
        url = f"{API}/files/dossier/{entity_id}/photo/{uploaded['id']}"
        for accept in ("*/*", "application/json"):
            with pytest.raises(httpx.RemoteProtocolError):  # fewer bytes than Content-Length, then closed
                client.get(url, headers={"Accept": accept})
        # a range of it is no way around: the whole object is checked before any byte of a range
        ranged = client.get(url, headers={"Range": "bytes=0-9"})
        assert ranged.status_code == 500 and ranged.json()["code"] == "FILE_WAS_CHANGED"
        # the original bytes back in place: delivered again
        put(Bucket=files_app.storage.registry_bucket, Key=uploaded["id"], Body=data)
        assert client.get(url, headers={"Range": "bytes=0-9"}).content == data[:10]
        assert client.get(url).content == data


def test_a_verified_file_replaced_through_s3_is_checked_again(files_app: FilesApp) -> None:
    data = os.urandom(4 * CHUNK)
    with files_app.client() as client:
        entity_id, uploaded = upload_and_attach(client, data)
        url = f"{API}/files/dossier/{entity_id}/photo/{uploaded['id']}"
        assert client.get(url).content == data  # hashed and found intact: this version is trusted now
        assert client.get(url, headers={"Range": "bytes=5-9"}).content == data[5:10]
        tampered = bytes([data[0] ^ 0xFF]) + data[1:]
        files_app.s3_client.put_object(
            Bucket=files_app.storage.registry_bucket, Key=uploaded["id"], Body=tampered
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


def test_by_default_a_verified_version_is_not_hashed_again(files_app: FilesApp, s3: EmbeddedS3) -> None:
    # The documented trade-off of files.rehash_every_download=false (docs/files.md "Integrity").
    data = os.urandom(4 * CHUNK)
    with files_app.client() as client:
        entity_id, uploaded = upload_and_attach(client, data)
        url = f"{API}/files/dossier/{entity_id}/photo/{uploaded['id']}"
        assert client.get(url).content == data
        _corrupt_below_s3(s3, files_app.storage.registry_bucket, uploaded["id"])
        served = client.get(url).content
        assert served != data and len(served) == len(data)


def test_rehash_every_download_catches_changes_below_s3(database_url: str, s3: EmbeddedS3) -> None:
    apply_platform_sql(database_url)
    service, engine, storage = make_files_app(database_url, s3, rehash_every_download=True)
    with LoopbackServer(build_app(service, engine)) as server, httpx.Client(base_url=server.url) as client:
        entity_id, uploaded = upload_and_attach(client, os.urandom(4 * CHUNK))
        url = f"{API}/files/dossier/{entity_id}/photo/{uploaded['id']}"
        assert hashlib.sha256(client.get(url).content).hexdigest() == uploaded["checksum"]
        _corrupt_below_s3(s3, storage.registry_bucket, uploaded["id"])
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(url)
        ranged = client.get(url, headers={"Range": "bytes=0-9"})
        assert ranged.status_code == 500 and ranged.json()["code"] == "FILE_WAS_CHANGED"
    engine.dispose()


def test_clients_leaving_mid_download_do_not_disturb_the_server(files_app: FilesApp) -> None:
    data = os.urandom(64 * CHUNK)
    with files_app.client() as client:
        entity_id, uploaded = upload_and_attach(client, data)
        url = f"{API}/files/dossier/{entity_id}/photo/{uploaded['id']}"
        for _ in range(40):  # more than the S3 connection pool (32): a leak would hang the next GET
            with client.stream("GET", url) as response:
                next(response.iter_raw(CHUNK))
        assert hashlib.sha256(client.get(url).content).hexdigest() == uploaded["checksum"]


def test_s3_down_is_a_503_and_leaves_nothing_half_done(database_url: str, tmp_path: Any) -> None:
    apply_platform_sql(database_url)
    s3 = EmbeddedS3(tmp_path / "s3-to-stop")
    try:
        service, engine, _ = make_files_app(database_url, s3)
        with (
            LoopbackServer(build_app(service, engine)) as server,
            httpx.Client(base_url=server.url) as client,
        ):
            entity_id, uploaded = upload_and_attach(client, b"%PDF-1.4 kept", "kept.pdf")
            staged = client.post(f"{API}/files", files={"file": ("staged.txt", b"staged only")}).json()
            s3.stop()

            failed_upload = client.post(f"{API}/files", files={"file": ("lost.txt", b"never stored")})
            assert failed_upload.status_code == 503
            assert failed_upload.json()["code"] == "THIRD_PARTY_SERVICE_UNAVAILABLE"

            ref = {"id": staged["id"], "checksum": staged["checksum"]}
            failed_write = client.post(f"{API}/dossier", json={"title": "x", "photo": ref})
            assert failed_write.status_code == 503

            download = client.get(f"{API}/files/dossier/{entity_id}/photo/{uploaded['id']}")
            assert download.status_code == 503
            assert "127.0.0.1" not in download.text  # no internal endpoint in the answer
        with engine.connect() as connection:
            names = connection.execute(select(ddm_files.c.filename, ddm_files.c.entity)).all()
            dossiers = connection.execute(select(func.count()).select_from(dossier))
            assert dossiers.scalar() == 1  # only the dossier written before S3 stopped
        assert sorted(names) == [("kept.pdf", "dossier"), ("staged.txt", None)]  # no orphan row
        engine.dispose()
    finally:
        s3.stop()
