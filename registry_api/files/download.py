"""Response bodies of the file endpoint: raw bytes or Base64 inside JSON, streamed and verified.

Integrity: the SHA-256 of the whole object is computed while it streams and the last chunk is held
back until it matches the catalogue. On a mismatch the iterator raises instead of sending that
chunk, so the client receives fewer bytes than ``Content-Length`` announced — the transfer fails and
is never mistaken for a success.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import json
import logging
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import anyio
import pybase64
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from registry_api.errors import ApiError, ErrorCode

log = logging.getLogger(__name__)

_HASH_BACKLOG = 3  # chunks read ahead of the hash


class ContentChangedError(Exception):
    """The stored object no longer matches the catalogue's checksum (FILE_WAS_CHANGED)."""


def file_was_changed() -> ApiError:
    return ApiError(ErrorCode.FILE_WAS_CHANGED, "The stored file does not match its checksum")


def verified_chunks(
    chunks: Iterator[bytes],
    expected_sha256: str,
    *,
    label: str,
    on_verified: Callable[[], None] | None = None,
) -> Iterator[bytes]:
    """Pass ``chunks`` through, holding the last one back until the SHA-256 of all of them matches
    (then ``on_verified`` runs, before that last chunk is released).

    SHA-256 runs in a thread of its own (hashlib releases the GIL on big buffers), so hashing a
    chunk overlaps with reading the next one from S3 and with sending the previous one."""
    with _Hasher() as digest:
        pending: bytes | None = None
        with contextlib.closing(_closable(chunks)):
            for chunk in chunks:
                digest.update(chunk)
                if pending is not None:
                    yield pending
                pending = chunk
        actual = digest.hexdigest()
    if actual != expected_sha256:
        log.error("FILE_WAS_CHANGED: %s does not match its catalogue checksum; transfer aborted", label)
        raise ContentChangedError(label)
    if on_verified is not None:
        on_verified()
    if pending is not None:
        yield pending


class _Hasher:
    """SHA-256 fed in order from one background thread; at most ``_HASH_BACKLOG`` chunks wait for it,
    so memory stays bounded when hashing is the slowest stage."""

    def __init__(self) -> None:
        self._digest = hashlib.sha256()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sha256")
        self._backlog: deque[Future[None]] = deque()

    def update(self, chunk: bytes) -> None:
        while len(self._backlog) >= _HASH_BACKLOG:
            self._backlog.popleft().result()
        self._backlog.append(self._worker.submit(self._digest.update, chunk))

    def hexdigest(self) -> str:
        while self._backlog:
            self._backlog.popleft().result()
        return self._digest.hexdigest()

    def __enter__(self) -> _Hasher:
        return self

    def __exit__(self, *exc: object) -> None:
        self._worker.shutdown(wait=True, cancel_futures=True)


def base64_chunks(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Base64 of the concatenated chunks, piece by piece: a carry of ``len % 3`` bytes between pieces
    keeps every piece a whole number of 4-character groups, so no ``=`` appears before the end.
    Chunks whose sizes are multiples of 3 (what the service reads for JSON) are encoded without a copy;
    pybase64 (SIMD) encodes at tens of GiB/s where the standard library manages under 1 GiB/s."""
    carry = b""
    with contextlib.closing(_closable(chunks)):
        for chunk in chunks:
            data = carry + chunk if carry else chunk
            cut = len(data) - len(data) % 3
            carry = data[cut:]
            if cut:
                yield pybase64.b64encode(memoryview(data)[:cut])
    if carry:
        yield pybase64.b64encode(carry)


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
    """A streaming response over a *sync* iterator that is closed whatever happens to the
    connection: a client that goes away mid-download releases the S3 connection at once.

    The iterator runs in one worker thread for the whole response and stays up to ``read_ahead``
    chunks ahead of the socket, so reading S3, hashing and Base64 (which release the GIL or run
    between writes) overlap with uvicorn writing to the client, without a thread hop per chunk."""

    def __init__(self, chunks: Iterator[bytes], *, read_ahead: int = 4, **kwargs: Any) -> None:
        self._pump = _ThreadPump(chunks, read_ahead)
        super().__init__(self._pump.stream(), **kwargs)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            with anyio.CancelScope(shield=True):
                await self._pump.aclose()


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


_DONE = object()


class _ThreadPump:
    """Runs a sync iterator in a worker thread, handing its chunks to the event loop through a
    bounded queue (a semaphore of ``read_ahead`` slots is the back-pressure)."""

    def __init__(self, chunks: Iterator[bytes], read_ahead: int) -> None:
        self._chunks = chunks
        self._slots = threading.Semaphore(max(1, read_ahead))
        self._stopped = False
        self._queue: asyncio.Queue[object] = asyncio.Queue()
        self._finished = asyncio.Event()
        self._producer: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def stream(self) -> AsyncIterator[bytes]:
        self._loop = asyncio.get_running_loop()
        # A thread of its own, not a pool's: a long download must not hold a worker that short
        # requests (or other downloads) wait for.
        self._producer = threading.Thread(target=self._produce, name="file-download", daemon=True)
        self._producer.start()
        while True:
            item = await self._queue.get()
            self._slots.release()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item  # type: ignore[misc]

    async def aclose(self) -> None:
        """Stop the producer and wait until it has closed the iterator (and so the S3 body)."""
        self._stopped = True
        self._slots.release()  # wakes a producer waiting for a free slot
        if self._producer is None:
            await anyio.to_thread.run_sync(_close, self._chunks)
        else:
            await self._finished.wait()

    def _produce(self) -> None:
        try:
            for chunk in self._chunks:
                self._slots.acquire()
                if self._stopped:
                    return
                self._hand_over(chunk)
            self._hand_over(_DONE)
        except BaseException as error:  # re-raised in the event loop by stream()
            self._hand_over(_Failure(error))
        finally:
            _close(self._chunks)  # here, in the thread that ran it: a generator closes cleanly
            self._hand_over(None, finished=True)

    def _hand_over(self, item: object, *, finished: bool = False) -> None:
        assert self._loop is not None
        callback = self._finished.set if finished else functools.partial(self._queue.put_nowait, item)
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody is waiting any more
            self._loop.call_soon_threadsafe(callback)


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
