"""Per-caller and per-process bounds of the file service (findings 8 and 9 of issue 16), over HTTP to the
generated user registry: a caller uploading more than ``files.max_uploads_per_minute`` gets 429 with
``Retry-After`` while other callers go on uploading; a download beyond ``files.max_concurrent_downloads``
gets 429 until a running one finishes."""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from registry_api.deploy import GeneratedRegistry
from registry_api.embedded import EmbeddedS3
from tests.served_registry import ServedRegistry, TestRealms, served_registry

BIG = os.urandom(12 * 1024 * 1024)  # more than the socket buffers below hold: the download stays open


@pytest.fixture(scope="module")
def served(
    generated_user: GeneratedRegistry,
    module_database: str,
    s3: EmbeddedS3,
    realms: TestRealms,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ServedRegistry]:
    files = {"max_uploads_per_minute": 3, "max_concurrent_downloads": 1, "chunk_bytes": 64 * 1024}
    with served_registry(
        generated_user, module_database, s3, realms, tmp_path_factory.mktemp("bounds"), files=files
    ) as running:
        yield running


@contextlib.contextmanager
def slow_reader(served: ServedRegistry, url: str) -> Iterator[bytes]:
    """A client that asks for ``url`` and then reads no more than the first bytes (a small receive
    buffer, so the kernel cannot take the whole file off the server's hands); yields what it read."""
    host, port = served.url.removeprefix("http://").split(":")
    connection = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 * 1024)
    try:
        connection.connect((host, int(port)))
        token = served.token("officer", subject="slow")
        request = (
            f"GET {served.settings.api_root}{url} HTTP/1.1\r\nHost: {host}\r\nX-Access-Token: {token}\r\n\r\n"
        )
        connection.sendall(request.encode())
        yield connection.recv(64)
    finally:
        connection.close()


def upload(client: httpx.Client, data: bytes) -> httpx.Response:
    return client.post("/files", files={"file": ("a.bin", data, "application/octet-stream")})


def test_a_caller_over_its_upload_rate_gets_429_and_others_do_not(served: ServedRegistry) -> None:
    with (
        served.client("officer", subject="busy-officer") as busy,
        served.client("officer", subject="calm") as calm,
    ):
        assert [upload(busy, b"%PDF-1.4 x").status_code for _ in range(3)] == [201, 201, 201]
        refused = upload(busy, b"%PDF-1.4 x")
        assert refused.status_code == 429, refused.text
        assert refused.json()["code"] == "TOO_MANY_REQUESTS"
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert upload(calm, b"%PDF-1.4 y").status_code == 201


def test_downloads_beyond_the_bound_wait_for_a_free_slot(served: ServedRegistry) -> None:
    with served.client("officer", subject="downloader") as officer:
        uploaded = upload(officer, BIG)
        assert uploaded.status_code == 201, uploaded.text
        file_ref = {"id": uploaded.json()["id"], "checksum": uploaded.json()["checksum"]}
        created = officer.post("/user", json={"name": "Big", "photo": file_ref})
        assert created.status_code == 201, created.text
        url = f"/files/user/{created.json()['id']}/photo/{file_ref['id']}"
        with slow_reader(served, url) as first:  # holds the only slot while it reads nothing more
            assert first.startswith(b"HTTP/1.1 200")
            with served.client("officer", subject="second") as other:
                second = other.get(url)
                assert second.status_code == 429, second.text
                assert second.json()["code"] == "TOO_MANY_REQUESTS" and second.headers["retry-after"] == "1"
                assert other.head(url).status_code == 200  # HEAD reads no body: it needs no slot
        # the first client went away: once the server has closed that download, its slot is free again
        deadline = time.monotonic() + 30
        while (again := officer.get(url)).status_code == 429 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert again.status_code == 200
        assert again.content == BIG, "the download differs"
