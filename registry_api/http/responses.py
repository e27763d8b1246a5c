"""Responses the edge builds from the services' plain results: JSON bodies, and file content streamed
from a worker thread with the S3 body closed however the connection ends."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import anyio
from pydantic import BaseModel
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from registry_api.files.content import DownloadAnswer
from registry_api.files.download import close_iterator
from registry_api.metrics import count_streamed


def json_response(body: Any, status_code: int = 200) -> Response:
    """Serialise once, straight to bytes: entity reads skip FastAPI's response-model validation
    (the row came from our own typed table) — the hot path of the service."""
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=json_default)
    return Response(content.encode(), status_code=status_code, media_type="application/json")


def json_default(value: Any) -> Any:
    if isinstance(value, uuid.UUID | Decimal):
        return str(value) if isinstance(value, uuid.UUID) else _decimal(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _decimal(value: Decimal) -> int | float | str:
    if value == value.to_integral_value() and abs(value) < 2**53:
        return int(value)
    return float(value) if abs(value) < 2**53 else str(value)


def file_response(content: DownloadAnswer) -> Response:
    """The file endpoint's answer: a plain response, or a stream for what must not be held whole."""
    if isinstance(content.body, bytes):
        count_streamed(len(content.body))
        return Response(content.body, status_code=content.status, headers=content.headers)
    return ClosingStreamingResponse(content.body, status_code=content.status, headers=content.headers)


class ClosingStreamingResponse(StreamingResponse):
    """A streaming response over a *sync* iterator that is closed whatever happens to the
    connection: a client that goes away mid-download releases the S3 connection at once.

    The iterator runs in one worker thread for the whole response and stays up to ``read_ahead``
    chunks ahead of the socket, so reading S3, hashing and Base64 (which release the GIL or run
    between writes) overlap with uvicorn writing to the client, without a thread hop per chunk.
    Two is enough to overlap and keeps the chunk being written in the CPU's cache: with 4, raw 256 MiB
    ran at 1.44-1.47 GiB/s, with 2 at 1.67-1.79 (``bench peer_compare``'s files, docs/benchmarks.md)."""

    def __init__(self, chunks: Iterator[bytes], *, read_ahead: int = 2, **kwargs: Any) -> None:
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
        sent = 0
        try:
            while True:
                item = await self._queue.get()
                self._slots.release()
                if item is _DONE:
                    return
                if isinstance(item, _Failure):
                    raise item.error
                yield item  # type: ignore[misc]
                sent += len(item)  # type: ignore[arg-type]
        finally:
            count_streamed(sent)  # once a response, not once a chunk

    async def aclose(self) -> None:
        """Stop the producer and wait until it has closed the iterator (and so the S3 body)."""
        self._stopped = True
        self._slots.release()  # wakes a producer waiting for a free slot
        if self._producer is None:
            await anyio.to_thread.run_sync(close_iterator, self._chunks)
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
            close_iterator(self._chunks)  # here, in the thread that ran it: a generator closes cleanly
            self._hand_over(None, finished=True)

    def _hand_over(self, item: object, *, finished: bool = False) -> None:
        assert self._loop is not None
        callback = self._finished.set if finished else functools.partial(self._queue.put_nowait, item)
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody is waiting any more
            self._loop.call_soon_threadsafe(callback)
