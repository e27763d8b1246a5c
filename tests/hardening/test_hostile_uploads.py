"""Hostile uploads and connections from the audit of issue 16 (findings 3, 4 and 9), over HTTP to the
generated user registry with a small upload limit: malformed multipart bodies are 400, an upload just over
the limit is 413 however it is sent, a body of countless empty parts is refused after a few of them, a
client trickling its headers is disconnected; nothing is left in S3 or the catalogue."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from registry_api.deploy import GeneratedRegistry
from registry_api.embedded import EmbeddedS3
from tests.served_registry import API, ServedRegistry, TestRealms, served_registry

LIMIT = 500_000
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def internal(
    generated_user: GeneratedRegistry,
    module_database: str,
    s3: EmbeddedS3,
    realms: TestRealms,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ServedRegistry]:
    with served_registry(
        generated_user,
        module_database,
        s3,
        realms,
        tmp_path_factory.mktemp("internal"),
        files={"max_upload_bytes": LIMIT},
        http={"header_timeout_s": 1.0},
    ) as served:
        yield served


def assert_problem(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == code


def staged_keys(served: ServedRegistry, s3: EmbeddedS3) -> list[str]:
    return served.keys(served.staging_bucket)


def catalogued(served: ServedRegistry) -> int:
    return int(served.rows("SELECT count(*) FROM ddm_files")[0][0])


def multipart(boundary: str, *parts: bytes) -> bytes:
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + part + b"\r\n" for part in parts)
    return body + b"--" + boundary.encode() + b"--\r\n"


def file_part(content: bytes, name: str = "file") -> bytes:
    return (
        f'Content-Disposition: form-data; name="{name}"; filename="a.bin"\r\n'.encode()
        + b"Content-Type: application/octet-stream\r\n\r\n"
        + content
    )


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data; boundary=xyz", b"this is not a multipart body at all" * 100),
        ("multipart/form-data; boundary=other", multipart("xyz", file_part(b"data"))),
        (
            "multipart/form-data; boundary=xyz",
            b"--xyz\r\nContent-Dispo\x00sition: form-data\r\n\r\ndata\r\n--xyz--",
        ),
        (
            "multipart/form-data; boundary=xyz",
            b"--xyz\r\nNo colon in this header line\r\n\r\nx\r\n--xyz--\r\n",
        ),
        ("multipart/form-data; boundary=xyz", b"--xyz\r\n" + file_part(b"cut off in the middle")),
    ],
    ids=["garbage", "wrong-boundary", "nul-in-part-header", "bad-part-header", "truncated"],
)
def test_a_malformed_multipart_body_is_400(
    internal: ServedRegistry, s3: EmbeddedS3, content_type: str, body: bytes
) -> None:
    before = catalogued(internal)
    with internal.client("officer") as client:
        answer = client.post("/files", content=body, headers={"Content-Type": content_type})
    assert_problem(answer, 400, "CLIENT_ERROR")
    assert catalogued(internal) == before


@pytest.mark.parametrize("size", [LIMIT + 1, 501_000, 530_000])
def test_an_upload_just_over_a_small_limit_is_413(
    internal: ServedRegistry, s3: EmbeddedS3, size: int
) -> None:
    before = (catalogued(internal), len(staged_keys(internal, s3)))
    with internal.client("officer") as client:
        answer = client.post("/files", files={"file": ("big.bin", b"\x01" * size)})
        assert_problem(answer, 413, "PAYLOAD_TOO_LARGE")
        assert client.post("/files", files={"file": ("ok.bin", b"\x01" * LIMIT)}).status_code == 201
    assert catalogued(internal) == before[0] + 1
    assert len(staged_keys(internal, s3)) == before[1] + 1


def test_a_chunked_upload_over_the_limit_is_413(internal: ServedRegistry, s3: EmbeddedS3) -> None:
    before = (catalogued(internal), len(staged_keys(internal, s3)))

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is found while counting
        yield b"--xyz\r\n" + file_part(b"")
        for _ in range(60):
            yield b"\x02" * 10_000
        yield b"\r\n--xyz--\r\n"

    with internal.client("officer") as client:
        answer = client.post(
            "/files", content=chunks(), headers={"Content-Type": "multipart/form-data; boundary=xyz"}
        )
    assert_problem(answer, 413, "PAYLOAD_TOO_LARGE")
    assert (catalogued(internal), len(staged_keys(internal, s3))) == before


def test_countless_empty_form_parts_are_refused_after_a_few(internal: ServedRegistry) -> None:
    """The parser stops at the 17th part before the file (each part costs callbacks: 150,000 of them
    used to cost seconds of CPU); 9,000 parts fit under this server's body limit."""
    empty = b"Content-Disposition: form-data; name=x\r\n\r\n"
    body = multipart("xyz", *([empty] * 9_000), file_part(b"data"))
    assert len(body) < LIMIT
    with internal.client("officer") as client:
        answer = client.post(
            "/files", content=body, headers={"Content-Type": "multipart/form-data; boundary=xyz"}
        )
    assert_problem(answer, 400, "CLIENT_ERROR")
    assert "form parts" in answer.json()["detail"]


def test_a_few_form_fields_before_the_file_are_fine(internal: ServedRegistry) -> None:
    fields = [f"Content-Disposition: form-data; name=f{i}\r\n\r\nvalue".encode() for i in range(5)]
    body = multipart("xyz", *fields, file_part(b"%PDF-1.4 data"))
    with internal.client("officer") as client:
        answer = client.post(
            "/files", content=body, headers={"Content-Type": "multipart/form-data; boundary=xyz"}
        )
    assert answer.status_code == 201, answer.text


def test_a_client_trickling_its_headers_is_disconnected(internal: ServedRegistry) -> None:
    """slowloris: one header byte every 0.1 s would hold the connection for minutes; the server closes
    it once its header deadline (1 s here) has passed, without answering."""
    port = int(internal.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(b"GET " + API.encode() + b"/user/x HTTP/1.1\r\nHost: x\r\n")
        closed = False
        for _ in range(600):
            try:
                connection.sendall(b"X")
            except OSError:
                closed = True
                break
            time.sleep(0.1)
            connection.setblocking(False)
            try:
                closed = connection.recv(1) == b""
            except BlockingIOError:
                pass
            finally:
                connection.setblocking(True)
            if closed:
                break
    assert closed
    with internal.client("officer") as client:  # others are served as before
        assert client.get("/user/00000000-0000-0000-0000-000000000001").status_code == 404
