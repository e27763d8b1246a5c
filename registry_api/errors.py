"""Errors users see: one exception type carrying the reference platform's code, rendered as
RFC 9457 ``application/problem+json`` by the handlers installed in the app factory."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    CLIENT_ERROR = "CLIENT_ERROR"
    HEADERS_ARE_MISSING = "HEADERS_ARE_MISSING"
    INVALID_HEADER_VALUE = "INVALID_HEADER_VALUE"
    METHOD_ARGUMENT_TYPE_MISMATCH = "METHOD_ARGUMENT_TYPE_MISMATCH"
    AUTHENTICATION_FAILED = "AUTHENTICATION_FAILED"
    FORBIDDEN_OPERATION = "FORBIDDEN_OPERATION"
    NOT_FOUND = "NOT_FOUND"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    FILE_NOT_FOUND = "FILE_NOT_FOUND"
    CONSTRAINT_ERROR = "CONSTRAINT_ERROR"
    PRECONDITION_FAILED = "PRECONDITION_FAILED"
    SIGNATURE_VIOLATION = "SIGNATURE_VIOLATION"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    RANGE_NOT_SATISFIABLE = "RANGE_NOT_SATISFIABLE"
    VALIDATION_ERROR = "VALIDATION_ERROR"
    TOO_MANY_REQUESTS = "TOO_MANY_REQUESTS"
    FILE_WAS_CHANGED = "FILE_WAS_CHANGED"
    CSV_ENCODING_ERROR = "CSV_ENCODING_ERROR"
    CSV_PARSING_ERROR = "CSV_PARSING_ERROR"
    CSV_VALIDATION_ERROR = "CSV_VALIDATION_ERROR"
    LINK_EXPIRED = "LINK_EXPIRED"
    LINKS_NOT_CONFIGURED = "LINKS_NOT_CONFIGURED"
    RUNTIME_ERROR = "RUNTIME_ERROR"
    THIRD_PARTY_SERVICE_UNAVAILABLE = "THIRD_PARTY_SERVICE_UNAVAILABLE"


# The HTTP status each code answers with, and the human title of the problem.
STATUS: dict[ErrorCode, tuple[int, str]] = {
    ErrorCode.CLIENT_ERROR: (400, "Bad request"),
    ErrorCode.HEADERS_ARE_MISSING: (400, "Mandatory headers are missing"),
    ErrorCode.INVALID_HEADER_VALUE: (400, "A header or token claim is missing or invalid"),
    ErrorCode.METHOD_ARGUMENT_TYPE_MISMATCH: (400, "A path parameter has the wrong type"),
    ErrorCode.FILE_NOT_FOUND: (400, "File not found"),
    ErrorCode.AUTHENTICATION_FAILED: (401, "Authentication failed"),
    ErrorCode.FORBIDDEN_OPERATION: (403, "Forbidden"),
    ErrorCode.NOT_FOUND: (404, "Not found"),
    ErrorCode.METHOD_NOT_ALLOWED: (405, "Method not allowed"),
    ErrorCode.CONSTRAINT_ERROR: (409, "Constraint violation"),
    ErrorCode.LINK_EXPIRED: (410, "The link is no longer valid"),
    ErrorCode.PRECONDITION_FAILED: (412, "Precondition failed"),
    ErrorCode.SIGNATURE_VIOLATION: (412, "The digital signature is not valid"),
    ErrorCode.PAYLOAD_TOO_LARGE: (413, "Payload too large"),
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: (415, "Unsupported media type"),
    ErrorCode.RANGE_NOT_SATISFIABLE: (416, "Range not satisfiable"),
    ErrorCode.VALIDATION_ERROR: (422, "Validation failed"),
    ErrorCode.TOO_MANY_REQUESTS: (429, "Too many requests"),
    ErrorCode.FILE_WAS_CHANGED: (500, "Stored file does not match its checksum"),
    ErrorCode.CSV_ENCODING_ERROR: (400, "The CSV file is not UTF-8"),
    ErrorCode.CSV_PARSING_ERROR: (400, "The file is not a readable CSV"),
    ErrorCode.CSV_VALIDATION_ERROR: (422, "CSV rows failed validation"),
    ErrorCode.RUNTIME_ERROR: (500, "Internal error"),
    ErrorCode.THIRD_PARTY_SERVICE_UNAVAILABLE: (503, "A service this API depends on is unavailable"),
    ErrorCode.LINKS_NOT_CONFIGURED: (503, "Signed links are not configured on this service"),
}


class ApiError(Exception):
    """Raise anywhere below a route; the app's handler turns it into problem+json.

    ``details`` is the reference's ``details`` member (e.g. a list of field names for FILE_NOT_FOUND,
    ``{"constraint": name}`` for CONSTRAINT_ERROR, ``{"errors": [...]}`` for VALIDATION_ERROR).
    ``detail`` is a human sentence. ``headers`` are added to the response (e.g. WWW-Authenticate).
    Never put SQL, stack traces or internal hostnames in any of them."""

    def __init__(
        self,
        code: ErrorCode,
        detail: str | None = None,
        *,
        details: Any = None,
        headers: dict[str, str] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(detail or code.value)
        self.code = code
        self.detail = detail
        self.details = details
        self.headers = headers or {}
        self.status = status or STATUS[code][0]

    @property
    def title(self) -> str:
        return STATUS[self.code][1]
