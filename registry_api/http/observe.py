"""What every request leaves behind: its trace id (``X-Trace-Id`` header, error bodies, the log
line), one log line and the request metrics.

A plain ASGI middleware, the outermost layer of the app, kept cheap: the hot path pays one header
scan, a ``perf_counter`` pair, a counter, a histogram and one log record (measured in
docs/benchmarks.md). An exception nothing else handled is answered here as a problem+json 500, so
that answer carries the trace header and is counted and logged like any other.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from registry_api.http.problems import unexpected_error_response
from registry_api.logs import REQUEST_LOGGER
from registry_api.metrics import UNMATCHED_ROUTE, observe_request
from registry_api.tracing import RESPONSE_HEADER, trace_id_from

log = logging.getLogger(REQUEST_LOGGER)

_TRACE_HEADER = RESPONSE_HEADER.lower().encode("ascii")


class RouteTemplates:
    """The full path template (``/api/data-factory/city/{id}``) of each route: bounded, and free of
    the ids and values a concrete path carries. FastAPI puts the matched route of an included router
    in the scope without the router's prefix, so the app records the prefixed template at mount time."""

    def __init__(self) -> None:
        self._templates: dict[int, str] = {}
        self._routes: list[object] = []  # keeps the ids valid: the routes live as long as the app

    def add(self, route: object, prefix: str) -> None:
        path = getattr(route, "path_format", None) or getattr(route, "path", None)
        if isinstance(path, str):
            self._templates[id(route)] = prefix + path
            self._routes.append(route)

    def of(self, scope: Scope) -> str:
        route = scope.get("route")
        if route is None:
            return UNMATCHED_ROUTE
        found = self._templates.get(id(route))
        if found is not None:
            return found
        path = getattr(route, "path_format", None) or getattr(route, "path", None)
        return path if isinstance(path, str) else UNMATCHED_ROUTE


class ObservedRequests:
    def __init__(self, app: ASGIApp, templates: RouteTemplates) -> None:
        self.app = app
        self.templates = templates

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        trace_id = trace_id_from(scope["headers"])
        state: dict[str, Any] = scope.setdefault("state", {})
        state["trace_id"] = trace_id  # request.state.trace_id, read by the problem handlers
        trace_header = (_TRACE_HEADER, trace_id.encode("ascii"))
        status = 500
        started_response = False

        async def send_traced(message: Message) -> None:
            nonlocal status, started_response
            if message["type"] == "http.response.start":
                status = message["status"]
                started_response = True
                message["headers"] = [*message.get("headers", ()), trace_header]
            await send(message)

        try:
            await self.app(scope, receive, send_traced)
        except Exception as error:
            if started_response:
                raise  # too late for an answer: the server closes the connection
            await unexpected_error_response(Request(scope), error)(scope, receive, send_traced)
        finally:
            seconds = time.perf_counter() - started
            route = self.templates.of(scope)
            method = scope["method"]
            observe_request(method, route, status, seconds)
            if log.isEnabledFor(logging.INFO):
                log.info(
                    "request",
                    extra={
                        "method": method,
                        "route": route,
                        "status": status,
                        "durationMs": round(seconds * 1000, 2),
                        "subject": state.get("subject"),
                        "traceId": trace_id,
                    },
                )
