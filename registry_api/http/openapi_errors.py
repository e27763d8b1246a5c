"""The error answers of every operation in the OpenAPI documents (issue 16): FastAPI documents a 422
``{"detail": [...]}`` that the service never sends (its handlers answer RFC 9457 problem+json, see
``problems.py``). The app's document is rewritten once, when it is first built, to say what each
operation really answers, so that fuzzers and client generators see the real contract:

* every operation: 400 (bad parameter, header, URL or file reference) and 503 (PostgreSQL or S3 down,
  or no pooled connection free in time);
* on authenticated profiles: 401 and 403;
* a path with parameters: 404; query parameters or a JSON body: 422 (a value that cannot be stored);
* a request body: 413; entity writes: 409; uploads and file content: 429 (``files/quota.py``).

What an operation documents itself (the file routes: 206, 304, 416, ...) is kept.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI

PROBLEM_SCHEMA_NAME = "Problem"
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details with the reference platform's code, trace id and details.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "code": {"type": "string", "description": "The reference platform's error code."},
        "detail": {"type": "string"},
        "traceId": {"type": "string"},
        "instance": {"type": "string"},
        "details": {},
    },
    "required": ["type", "title", "status", "code", "traceId"],
}
_PROBLEM_REF = {
    "application/problem+json": {"schema": {"$ref": f"#/components/schemas/{PROBLEM_SCHEMA_NAME}"}}
}
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")

ERROR_DESCRIPTIONS: dict[str, str] = {
    "400": "A parameter, header or referenced file is not valid, or the URL holds a NUL character "
    "(CLIENT_ERROR, METHOD_ARGUMENT_TYPE_MISMATCH, HEADERS_ARE_MISSING, FILE_NOT_FOUND).",
    "401": "No valid access token (AUTHENTICATION_FAILED).",
    "403": "The caller's roles do not allow this (FORBIDDEN_OPERATION).",
    "404": "No such entity or file (NOT_FOUND).",
    "409": "The write violates a constraint, or a file reference is bound elsewhere or changed "
    "(CONSTRAINT_ERROR, FILE_WAS_CHANGED).",
    "413": "The request body is larger than allowed (PAYLOAD_TOO_LARGE).",
    "429": "Too many uploads by this caller in a minute, or too many downloads at once; try again after "
    "Retry-After seconds (TOO_MANY_REQUESTS).",
    "422": "A value is not valid or cannot be stored (VALIDATION_ERROR).",
    "503": "PostgreSQL or S3 is unavailable, or every database connection stayed busy (then with "
    "Retry-After); try again later (THIRD_PARTY_SERVICE_UNAVAILABLE).",
}


def document_error_responses(app: FastAPI, *, anonymous: bool) -> None:
    """Make ``app.openapi()`` describe the problem+json answers of each operation (``anonymous``: the
    public profile, where nobody authenticates)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_error_responses(build(), anonymous=anonymous)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def with_error_responses(document: dict[str, Any], *, anonymous: bool) -> dict[str, Any]:
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            responses: dict[str, Any] = operation.setdefault("responses", {})
            if _is_fastapi_validation(responses.get("422")):
                del responses["422"]
            for status in _error_statuses(path, method, operation, anonymous=anonymous):
                answer: dict[str, Any] = {"description": ERROR_DESCRIPTIONS[status], "content": _PROBLEM_REF}
                if status in ("429", "503"):
                    answer["headers"] = {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}}
                responses.setdefault(status, answer)
            operation["responses"] = dict(sorted(responses.items()))
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    schemas[PROBLEM_SCHEMA_NAME] = PROBLEM_SCHEMA
    return document


def _error_statuses(path: str, method: str, operation: dict[str, Any], *, anonymous: bool) -> list[str]:
    statuses = ["400", "503"]
    if not anonymous:
        statuses += ["401", "403"]
    if "{" in path:
        statuses.append("404")
    queried = any(parameter.get("in") == "query" for parameter in operation.get("parameters", []))
    if queried or _json_body(operation):
        statuses.append("422")  # a value the database cannot hold (out of range, too large for an index)
    if "requestBody" in operation:
        statuses.append("413")
    uploads = "multipart/form-data" in operation.get("requestBody", {}).get("content", {})
    if uploads or "206" in operation.get("responses", {}):  # an upload, or a file's content
        statuses.append("429")
    entity_write = (_json_body(operation) and "/search/" not in path) or (
        method == "delete" and "/files/" not in path
    )
    if entity_write:
        statuses.append("409")
    return statuses


def _json_body(operation: dict[str, Any]) -> bool:
    return "application/json" in operation.get("requestBody", {}).get("content", {})


def _is_fastapi_validation(response: Any) -> bool:
    return isinstance(response, dict) and "HTTPValidationError" in json.dumps(response)
