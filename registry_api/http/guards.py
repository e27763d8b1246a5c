"""Checks every request passes before any route sees it, and headers every JSON answer carries.

One pure ASGI middleware (no per-request task or body copy, unlike Starlette's ``BaseHTTPMiddleware``):

* a NUL byte (``%00``) in the path or the query string is refused with 400: PostgreSQL text cannot
  hold it, and no identifier or search value of ours contains one;
* a request body is bounded by ``http.max_json_body_bytes``: a declared ``Content-Length`` over it is
  refused before anything is read, and a body without one is counted while it arrives (the 413 is raised
  from ``receive``, so nothing larger than the limit is ever buffered). Uploads (``exempt``) stream
  through their own limit, ``files.max_upload_bytes``;
* :func:`reject_unstorable_text` checks the strings of JSON bodies (the entity and search endpoints
  call it);
* JSON answers (entities, searches, problems) get ``Cache-Control: no-store`` unless the route set
  its own: they carry personal data that no shared cache may keep.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from pydantic import BaseModel
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from registry_api.errors import ApiError, ErrorCode
from registry_api.http.problems import problem_response

_JSON_TYPES = (b"application/json", b"application/problem+json")


class BodyTooLargeError(HTTPException):
    """Raised from ``receive``; the app's handler answers it with a 413 problem."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Request bodies may have at most {limit} bytes")


class RequestGuard:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, exempt: Collection[tuple[str, str]]) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.exempt = frozenset(exempt)  # (method, path) whose bodies have a limit of their own

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if b"%00" in scope.get("raw_path", b"") or b"%00" in scope.get("query_string", b""):
            response = problem_response(
                Request(scope), ErrorCode.CLIENT_ERROR, "The URL contains a NUL character."
            )
            await response(scope, receive, _no_store(send))
            return
        if (scope["method"], scope["path"]) not in self.exempt:
            receive = _bounded(receive, Headers(scope=scope).get("content-length"), self.max_body_bytes)
        await self.app(scope, receive, _no_store(send))


def _bounded(receive: Receive, declared: str | None, limit: int) -> Receive:
    received = 0

    async def bounded_receive() -> Message:
        nonlocal received
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise BodyTooLargeError(limit)
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLargeError(limit)
        return message

    return bounded_receive


def _no_store(send: Send) -> Send:
    async def send_with_cache_control(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            content_type = headers.get("content-type", "").encode("latin-1")
            if content_type.startswith(_JSON_TYPES) and "cache-control" not in headers:
                headers["Cache-Control"] = "no-store"
        await send(message)

    return send_with_cache_control


def reject_unstorable_text(body: BaseModel) -> None:
    """422 for a JSON body whose strings PostgreSQL cannot store: a NUL character, or an unpaired
    surrogate (``"\\ud800"`` is valid JSON but no UTF-8). Checked at the edge, before any database work,
    so the answer names the field."""
    bad = [name for name, value in body.model_dump(by_alias=True).items() if not _storable(value)]
    if bad:
        raise ApiError(
            ErrorCode.VALIDATION_ERROR,
            "Text values may not contain NUL characters or unpaired surrogates.",
            details={
                "errors": [{"field": name, "value": None, "message": "unstorable text"} for name in bad]
            },
        )


def _storable(value: Any) -> bool:
    if isinstance(value, str):
        if value.isascii():
            return "\x00" not in value
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return "\x00" not in value
    if isinstance(value, list | tuple):
        return all(_storable(item) for item in value)
    if isinstance(value, dict):
        return all(_storable(key) and _storable(item) for key, item in value.items())
    return True
