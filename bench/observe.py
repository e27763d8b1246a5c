"""What the request middleware (``registry_api.http.observe``: trace id, one JSON log line, two
metrics) costs per request, in process: the same tiny ASGI app called with and without it, A/B
interleaved, medians of the rounds with their range. The log line goes through the production JSON
formatter into a discarded stream, as it would into a pipe."""

from __future__ import annotations

import asyncio
import io
import logging
import statistics
import time
from typing import Any

from registry_api.http.observe import ObservedRequests, RouteTemplates
from registry_api.logs import REQUEST_LOGGER, configure_logging
from registry_api.settings import LogSettings

REQUESTS = 20_000
ROUNDS = 7


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


def _scope() -> dict[str, Any]:
    headers = [
        (b"host", b"127.0.0.1"),
        (b"traceparent", b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
    ]
    return {"type": "http", "method": "GET", "path": "/api/data-factory/city/1", "headers": headers}


async def _run(app: Any, count: int) -> float:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        return None

    started = time.perf_counter()
    for _ in range(count):
        await app(_scope(), receive, send)
    return (time.perf_counter() - started) / count


def main() -> None:
    configure_logging(LogSettings())
    for handler in logging.getLogger(REQUEST_LOGGER).handlers:
        handler.stream = io.StringIO()  # type: ignore[attr-defined]
    observed = ObservedRequests(_app, RouteTemplates())
    bare: list[float] = []
    with_middleware: list[float] = []
    for _ in range(ROUNDS):
        bare.append(asyncio.run(_run(_app, REQUESTS)))
        with_middleware.append(asyncio.run(_run(observed, REQUESTS)))
        for handler in logging.getLogger(REQUEST_LOGGER).handlers:
            handler.stream = io.StringIO()  # type: ignore[attr-defined]
    overhead = [b - a for a, b in zip(bare, with_middleware, strict=True)]
    print(f"observe middleware, {REQUESTS} requests x {ROUNDS} rounds (A/B interleaved):")
    print(f"  bare app      median {statistics.median(bare) * 1e6:6.1f} us")
    print(f"  with observe  median {statistics.median(with_middleware) * 1e6:6.1f} us")
    print(
        f"  overhead      median {statistics.median(overhead) * 1e6:6.1f} us per request "
        f"(range {min(overhead) * 1e6:.1f}-{max(overhead) * 1e6:.1f})"
    )


if __name__ == "__main__":
    main()
