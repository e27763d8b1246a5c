"""Every error leaves the service as RFC 9457 ``application/problem+json`` carrying the reference
platform's ``code``, ``traceId`` and ``details`` (DESIGN.md §4 "Errors").

The handlers here turn our ``ApiError``, FastAPI's validation errors, Starlette's HTTP errors, database
failures and anything unexpected into that shape. Nothing internal (SQL, stack traces, hostnames) is
ever copied into a response; unexpected errors are logged with the trace id instead.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from rbac.errors import AuthenticationError
from registry_api.database_errors import api_error_for, pool_exhausted
from registry_api.errors import STATUS, ApiError, ErrorCode
from registry_api.tracing import trace_id_from

PROBLEM_JSON = "application/problem+json"

log = logging.getLogger("registry_api")

_HTTP_STATUS_CODES: dict[int, ErrorCode] = {
    400: ErrorCode.CLIENT_ERROR,
    401: ErrorCode.AUTHENTICATION_FAILED,
    403: ErrorCode.FORBIDDEN_OPERATION,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    412: ErrorCode.PRECONDITION_FAILED,
    413: ErrorCode.PAYLOAD_TOO_LARGE,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    416: ErrorCode.RANGE_NOT_SATISFIABLE,
    422: ErrorCode.VALIDATION_ERROR,
    429: ErrorCode.TOO_MANY_REQUESTS,
    503: ErrorCode.THIRD_PARTY_SERVICE_UNAVAILABLE,
}


def trace_id_of(request: Request) -> str:
    """The request's trace id (``registry_api.tracing``), set by the request middleware; a request
    that did not pass through it gets one from its headers, once."""
    cached = getattr(request.state, "trace_id", None)
    if isinstance(cached, str):
        return cached
    trace_id = trace_id_from(request.scope.get("headers", ()))
    request.state.trace_id = trace_id
    return trace_id


def problem_response(
    request: Request,
    code: ErrorCode,
    detail: str | None = None,
    *,
    details: Any = None,
    status: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    status_code = status or STATUS[code][0]
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": STATUS[code][1],
        "status": status_code,
        "code": code.value,
        "traceId": trace_id_of(request),
        "instance": request.url.path,
    }
    if detail:
        body["detail"] = detail
    if details is not None:
        body["details"] = details
    # "replace": a lone surrogate the client sent and a message echoes must not fail the answer
    content = json.dumps(body, ensure_ascii=False, default=str).encode("utf-8", "replace")
    response = Response(
        content, status_code=status_code, media_type=PROBLEM_JSON, headers=dict(headers or {})
    )
    if request.method == "HEAD":
        response.body = b""
    return response


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)  # type: ignore[arg-type]
    app.add_exception_handler(AuthenticationError, _authentication_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(DBAPIError, _database_error)  # type: ignore[arg-type]
    app.add_exception_handler(PoolTimeoutError, _pool_exhausted)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected_error)


def _api_error(request: Request, error: ApiError) -> Response:
    return problem_response(
        request, error.code, error.detail, details=error.details, status=error.status, headers=error.headers
    )


def _authentication_error(request: Request, error: AuthenticationError) -> Response:
    return problem_response(
        request,
        ErrorCode.AUTHENTICATION_FAILED,
        error.reason,
        headers={"WWW-Authenticate": error.www_authenticate},
    )


def _validation_error(request: Request, error: RequestValidationError) -> Response:
    """Body problems are 422 ``VALIDATION_ERROR``; a bad path parameter is
    ``METHOD_ARGUMENT_TYPE_MISMATCH``; query parameters and unreadable JSON are 400 ``CLIENT_ERROR``; a
    body that is not declared JSON (``text/plain``...) is 415 ``UNSUPPORTED_MEDIA_TYPE``."""
    errors = list(error.errors())
    items = [_error_item(e) for e in errors]
    sources = {str(e.get("loc", ("",))[0]) for e in errors}
    unreadable = any(e.get("type") == "json_invalid" for e in errors)
    if "path" in sources:
        return problem_response(
            request,
            ErrorCode.METHOD_ARGUMENT_TYPE_MISMATCH,
            "A path parameter has the wrong type.",
            details={"errors": [i for i, e in zip(items, errors, strict=True) if e["loc"][0] == "path"]},
        )
    if "body" in sources and not _declares_json(request.headers.get("content-type")):
        # text/plain, form data, ...: the reference answers 415 (FastAPI would not parse such a body)
        return problem_response(
            request,
            ErrorCode.UNSUPPORTED_MEDIA_TYPE,
            "The request body must be JSON (Content-Type: application/json).",
        )
    if unreadable:
        return problem_response(request, ErrorCode.CLIENT_ERROR, "The request body is not valid JSON.")
    if any(tuple(e.get("loc", ())) == ("body",) for e in errors):
        # No body, or JSON that is not an object (an array, a string, null): nothing to validate
        # field by field; the reference answers 400 for a body it cannot read (docs/api.md "Errors").
        return problem_response(request, ErrorCode.CLIENT_ERROR, "The request body must be a JSON object.")
    if sources <= {"body"}:
        return problem_response(
            request, ErrorCode.VALIDATION_ERROR, "The request body is not valid.", details={"errors": items}
        )
    return problem_response(
        request, ErrorCode.CLIENT_ERROR, "Request parameters are not valid.", details={"errors": items}
    )


def _declares_json(content_type: str | None) -> bool:
    """No Content-Type (read as JSON, leniently), ``application/json`` or any ``+json`` type."""
    if content_type is None or not content_type.strip():
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _error_item(error: Mapping[str, Any]) -> dict[str, Any]:
    location: Sequence[Any] = error.get("loc", ())
    field = ".".join(str(part) for part in location[1:]) or str(location[0] if location else "")
    value = error.get("input")
    if error.get("type") == "missing" or (location and location[0] == "body" and len(location) == 1):
        value = None  # absent, or the whole body: nothing to echo back
    return {"field": field, "value": _safe_value(value), "message": str(error.get("msg", ""))}


def _safe_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 200 else text[:200] + "…"


def _http_error(request: Request, error: StarletteHTTPException) -> Response:
    code = _HTTP_STATUS_CODES.get(error.status_code, ErrorCode.CLIENT_ERROR)
    if error.status_code >= 500:
        code = ErrorCode.RUNTIME_ERROR if error.status_code != 503 else code
    detail = error.detail if isinstance(error.detail, str) else None
    if error.status_code == 404 and detail == "Not Found":
        detail = "No such resource."
    return problem_response(
        request, code, detail, status=error.status_code, headers=getattr(error, "headers", None)
    )


def _database_error(request: Request, error: DBAPIError) -> Response:
    """Every database failure, by the one mapping of ``registry_api.database_errors``."""
    problem = api_error_for(error)
    if problem is None:
        return _unexpected_error(request, error)
    if problem.code is ErrorCode.THIRD_PARTY_SERVICE_UNAVAILABLE:
        log.warning("database unavailable (trace %s): %s", trace_id_of(request), type(error.orig).__name__)
    return _api_error(request, problem)


def _pool_exhausted(request: Request, error: PoolTimeoutError) -> Response:
    log.warning("no free database connection (trace %s): raise database.pool_size?", trace_id_of(request))
    return _api_error(request, pool_exhausted())


def unexpected_error_response(request: Request, error: Exception) -> Response:
    """The answer to an exception nothing else handled (also used by the request middleware)."""
    return _unexpected_error(request, error)


def _unexpected_error(request: Request, error: Exception) -> Response:
    log.error("unexpected error (trace %s)", trace_id_of(request), exc_info=error)
    return problem_response(request, ErrorCode.RUNTIME_ERROR, "An internal error occurred.")
