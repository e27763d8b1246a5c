"""The HTTP and naming rules of the file endpoint, piece by piece."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import threading
from collections.abc import Iterator, MutableMapping
from typing import Any

import anyio
import pytest
from starlette.requests import ClientDisconnect

from registry_api.files import conditional
from registry_api.files.download import (
    ContentChangedError,
    base64_chunks,
    base64_length,
    verified_chunks,
)
from registry_api.files.names import ascii_fallback, content_disposition, sanitize_filename
from registry_api.files.sniffing import detect_file_type
from registry_api.http.responses import ClosingStreamingResponse


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-9", (0, 9)),
        ("bytes=-5", (95, 99)),
        ("bytes=-500", (0, 99)),
        ("bytes=90-", (90, 99)),
        ("bytes=90-1000", (90, 99)),
        ("bytes=5-2", None),  # invalid: ignored
        ("bytes=0-1,5-6", None),  # several ranges: the whole file
        ("items=0-9", None),
        ("bytes=abc", None),
    ],
)
def test_parse_range(header: str | None, expected: tuple[int, int] | None) -> None:
    parsed = conditional.parse_range(header, 100)
    assert (None if parsed is None else (parsed.first, parsed.last)) == expected


@pytest.mark.parametrize(("header", "size"), [("bytes=100-", 100), ("bytes=-0", 100), ("bytes=0-", 0)])
def test_unsatisfiable_ranges(header: str, size: int) -> None:
    with pytest.raises(conditional.RangeNotSatisfiableError):
        conditional.parse_range(header, size)


def test_if_none_match_uses_weak_comparison_lists_and_star() -> None:
    tag = '"abc"'
    assert conditional.none_match('"abc"', tag)
    assert conditional.none_match('W/"abc"', tag)
    assert conditional.none_match('"x", W/"abc"', tag)
    assert conditional.none_match("*", tag)
    assert not conditional.none_match('"abcd"', tag)
    assert not conditional.none_match(None, tag)
    assert conditional.if_range_allows(None, tag) and conditional.if_range_allows('"abc"', tag)
    assert not conditional.if_range_allows('W/"abc"', tag)
    assert not conditional.if_range_allows("Wed, 21 Oct 2015 07:28:00 GMT", tag)


def test_content_disposition_has_an_ascii_fallback_first() -> None:
    header = content_disposition("паспорт Петра.pdf")
    assert header == (
        'attachment; filename="pasport Petra.pdf"; '
        "filename*=UTF-8''%D0%BF%D0%B0%D1%81%D0%BF%D0%BE%D1%80%D1%82%20%D0%9F%D0%B5%D1%82%D1%80%D0%B0.pdf"
    )
    header.encode("latin-1")  # Starlette encodes headers as latin-1
    assert ascii_fallback('a"b\\c.txt') == "a_b_c.txt"
    assert ascii_fallback("中文") != ""


def test_filenames_are_normalised_and_sanitised() -> None:
    assert sanitize_filename("ї.txt".replace("ї", "і\u0308")) == "ї.txt"  # NFD from macOS → NFC
    assert sanitize_filename("../../etc/passwd") == "passwd"
    assert sanitize_filename("C:\\Users\\me\\report.pdf") == "report.pdf"
    assert sanitize_filename("evil\r\nX-Injected: 1.txt") == "evilX-Injected: 1.txt"
    assert sanitize_filename("  ..  ") == "file" and sanitize_filename(None) == "file"
    long = sanitize_filename("я" * 400 + ".pdf")
    assert len(long) == 255 and long.endswith(".pdf")


def test_types_are_sniffed_from_bytes() -> None:
    assert detect_file_type(b"%PDF-1.7\n...") == "application/pdf"
    assert detect_file_type(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20) == "image/png"
    assert detect_file_type("Привіт, світ".encode()) == "text/plain"
    assert detect_file_type(b"\x00\x01\x02") == "application/octet-stream"
    assert detect_file_type(b"") == "application/octet-stream"


@pytest.mark.parametrize("sizes", [[1, 1, 1, 1], [5, 7, 11], [3, 3], [65536, 1, 2, 65535], [0, 4], []])
def test_base64_pieces_concatenate_to_the_one_shot_encoding(sizes: list[int]) -> None:
    chunks = [os.urandom(n) for n in sizes]
    whole = b"".join(chunks)
    encoded = b"".join(base64_chunks(iter(chunks)))
    assert encoded == base64.b64encode(whole)
    assert len(encoded) == base64_length(len(whole))


def test_verified_chunks_withhold_the_last_chunk_on_a_mismatch() -> None:
    chunks = [b"aaa", b"bbb", b"ccc"]
    good = hashlib.sha256(b"".join(chunks)).hexdigest()
    assert list(verified_chunks(iter(chunks), good, label="t")) == chunks
    delivered: list[bytes] = []
    with pytest.raises(ContentChangedError):
        for chunk in verified_chunks(iter(chunks), "0" * 64, label="t"):
            delivered.append(chunk)
    assert delivered == [b"aaa", b"bbb"]


def test_the_stream_is_closed_when_the_client_goes_away() -> None:
    closed = threading.Event()

    def chunks() -> Iterator[bytes]:
        try:
            while True:
                yield b"x" * 1024
        finally:
            closed.set()  # where the S3 body is closed in the real iterator

    response = ClosingStreamingResponse(chunks(), media_type="application/octet-stream")
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        await anyio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)
        if len(sent) > 3:
            raise OSError("client went away")

    async def run() -> None:
        scope = {"type": "http", "method": "GET", "asgi": {"spec_version": "2.4"}}
        with pytest.raises((OSError, ClientDisconnect)):
            await response(scope, receive, send)

    anyio.run(run)
    assert closed.is_set()


def test_the_streamed_body_arrives_whole_and_in_order_or_not_at_all() -> None:
    chunks = [os.urandom(n) for n in (3000, 1, 65536, 7)]
    good = hashlib.sha256(b"".join(chunks)).hexdigest()

    async def deliver(expected: str) -> list[bytes]:
        response = ClosingStreamingResponse(verified_chunks(iter(chunks), expected, label="t"), read_ahead=2)
        bodies: list[bytes] = []

        async def receive() -> dict[str, Any]:
            await anyio.sleep(3600)
            return {"type": "http.disconnect"}

        async def send(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.body" and message.get("body"):
                bodies.append(message["body"])

        scope = {"type": "http", "method": "GET", "asgi": {"spec_version": "2.4"}}
        with contextlib.suppress(ContentChangedError):
            await response(scope, receive, send)
        return bodies

    assert anyio.run(deliver, good) == chunks
    assert anyio.run(deliver, "0" * 64) == chunks[:-1]  # the last chunk is withheld on a mismatch


def test_a_prefixed_reader_fills_every_read_so_no_s3_part_is_short() -> None:
    """boto3 makes each read of a streamed upload a part; S3 (Ceph RGW, AWS) refuses a part below 5 MiB
    that is not the last with EntityTooSmall, so a read after the head must not stop at the head's end."""
    from registry_api.files.upload import MultipartFileReader, PrefixedReader

    content = os.urandom(3000)
    body = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\n'
        + content
        + b"\r\n--b--\r\n"
    )
    pieces = iter([body[:100], body[100:], b""])
    reader = MultipartFileReader(lambda: next(pieces), b"b", field_name="file", max_bytes=10_000)
    reader.open()
    head = reader.read(1001)
    prefixed = PrefixedReader(head, reader)
    assert [len(prefixed.read(1000)), len(prefixed.read(1000)), len(prefixed.read(1000))] == [
        1000,
        1000,
        1000,
    ]
    assert prefixed.read(1000) == b""
