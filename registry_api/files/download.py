"""Response bodies of the file endpoint: raw bytes or Base64 inside JSON, streamed and verified.

Integrity: the SHA-256 of the whole object is computed while it streams and the last chunk is held
back until it matches the catalogue. On a mismatch the iterator raises instead of sending that
chunk, so the client receives fewer bytes than ``Content-Length`` announced — the transfer fails and
is never mistaken for a success.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from registry_api.errors import ApiError, ErrorCode

log = logging.getLogger(__name__)


class ContentChangedError(Exception):
    """The stored object no longer matches the catalogue's checksum (FILE_WAS_CHANGED)."""


def file_was_changed() -> ApiError:
    return ApiError(ErrorCode.FILE_WAS_CHANGED, "The stored file does not match its checksum")


def verified_chunks(chunks: Iterator[bytes], expected_sha256: str, *, label: str) -> Iterator[bytes]:
    """Pass ``chunks`` through, holding the last one back until the SHA-256 of all of them matches."""
    digest = hashlib.sha256()
    pending: bytes | None = None
    with contextlib.closing(_closable(chunks)):
        for chunk in chunks:
            digest.update(chunk)
            if pending is not None:
                yield pending
            pending = chunk
    if digest.hexdigest() != expected_sha256:
        log.error("FILE_WAS_CHANGED: %s does not match its catalogue checksum; transfer aborted", label)
        raise ContentChangedError(label)
    if pending is not None:
        yield pending


def base64_chunks(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Base64 of the concatenated chunks, piece by piece: a carry of ``len % 3`` bytes between pieces
    keeps every piece a whole number of 4-character groups, so no ``=`` appears before the end."""
    carry = b""
    with contextlib.closing(_closable(chunks)):
        for chunk in chunks:
            data = carry + chunk if carry else chunk
            cut = len(data) - len(data) % 3
            carry = data[cut:]
            if cut:
                yield base64.b64encode(data[:cut])
    if carry:
        yield base64.b64encode(carry)


def json_envelope(checksum: str, filename: str) -> tuple[bytes, bytes]:
    """Prefix and suffix around the Base64 content: ``{"checksum":…,"filename":…,"content":"`` … ``"}``."""
    head = json.dumps({"checksum": checksum, "filename": filename}, ensure_ascii=False, separators=(",", ":"))
    prefix = head[:-1] + ',"content":"'
    return prefix.encode(), b'"}'


def base64_length(size: int) -> int:
    return 4 * ((size + 2) // 3)


def json_body_chunks(prefix: bytes, content: Iterator[bytes], suffix: bytes) -> Iterator[bytes]:
    yield prefix
    yield from base64_chunks(content)
    yield suffix


class ClosingStreamingResponse(StreamingResponse):
    """A streaming response over a *sync* generator that is closed whatever happens to the
    connection: a client that goes away mid-download releases the S3 connection at once."""

    def __init__(self, chunks: Iterator[bytes], **kwargs: Any) -> None:
        self._chunks = chunks
        super().__init__(_in_threads(chunks), **kwargs)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(_close, self._chunks)


async def _in_threads(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    """Each chunk is produced in a worker thread while the previous one is being sent (one chunk
    of read-ahead: reading S3 and hashing overlap with writing to the client)."""
    done = object()
    loop = asyncio.get_running_loop()
    pending = loop.run_in_executor(None, next, chunks, done)
    try:
        while True:
            chunk = await pending
            if chunk is done:
                return
            pending = loop.run_in_executor(None, next, chunks, done)
            yield chunk  # type: ignore[misc]
    finally:
        # Let a read that is still running finish, so the generator can be closed after us.
        with anyio.CancelScope(shield=True), contextlib.suppress(BaseException):
            await pending


class _closable:  # noqa: N801 - used like contextlib.closing's argument
    """Closes a nested generator as soon as its consumer stops (not when it is garbage-collected)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks

    def close(self) -> None:
        _close(self._chunks)


def _close(chunks: Iterator[bytes]) -> None:
    close = getattr(chunks, "close", None)
    if close is not None:
        with contextlib.suppress(ValueError):  # still running in a worker thread: it closes itself
            close()
