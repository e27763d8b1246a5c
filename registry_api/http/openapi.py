"""OpenAPI 3.1 descriptions of the file routes (``responses=`` / ``openapi_extra=`` for FastAPI)."""

from __future__ import annotations

from typing import Any

from registry_api.files.metadata import FORM_IDENTIFIER_PATTERN

_PROBLEM_INLINE: dict[str, Any] = {
    "application/problem+json": {
        "schema": {
            "type": "object",
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "code": {"type": "string"},
                "traceId": {"type": "string"},
                "details": {},
            },
            "required": ["title", "status", "code"],
        }
    }
}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": _PROBLEM_INLINE}


_HEADER_STRING = {"schema": {"type": "string"}}

FILE_CONTENT_JSON_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "content": {"type": "string", "contentEncoding": "base64"},
        "checksum": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "filename": {"type": "string"},
    },
    "required": ["content", "checksum", "filename"],
}

FILE_CONTENT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The file: raw bytes, or Base64 inside JSON for `Accept: application/json`.",
        "content": {
            "application/octet-stream": {},  # OAS 3.1: binary is an empty schema under the media type
            "application/json": {"schema": FILE_CONTENT_JSON_SCHEMA},
        },
        "headers": {
            "ETag": _HEADER_STRING,
            "Content-Disposition": _HEADER_STRING,
            "Accept-Ranges": _HEADER_STRING,
            "Vary": _HEADER_STRING,
        },
    },
    206: {
        "description": "The requested byte range of the raw file.",
        "content": {"application/octet-stream": {}},
        "headers": {"Content-Range": _HEADER_STRING, "ETag": _HEADER_STRING},
    },
    304: {
        "description": "Not modified (`If-None-Match` matched the ETag).",
        "headers": {"ETag": _HEADER_STRING},
    },
    403: _problem("Reading this field is not allowed (FORBIDDEN_OPERATION)."),
    404: _problem("No such entity, or that field does not hold that file (NOT_FOUND)."),
    416: {**_problem("The range lies outside the file."), "headers": {"Content-Range": _HEADER_STRING}},
    500: _problem("The stored file no longer matches its checksum (FILE_WAS_CHANGED)."),
    503: _problem("S3 or the database is unavailable (THIRD_PARTY_SERVICE_UNAVAILABLE)."),
}

_FORM_IDENTIFIER = {"type": "string", "pattern": f"^{FORM_IDENTIFIER_PATTERN}$"}
UPLOAD_OPENAPI_EXTRA: dict[str, Any] = {
    "parameters": [
        {
            "name": name,
            "in": "query",
            "required": False,
            "schema": _FORM_IDENTIFIER,
            "description": f"The form's {what}, kept in the object's metadata as `{name}`.",
        }
        for name, what in (("fieldName", "field the file is uploaded for"), ("formKey", "key"))
    ],
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "contentMediaType": "application/octet-stream"}
                    },
                    "required": ["file"],
                },
            }
        },
    },
}

UPLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _problem("The body has no `file` part (CLIENT_ERROR)."),
    422: _problem("`fieldName` or `formKey` is not a form identifier (VALIDATION_ERROR)."),
    413: _problem("The file is larger than allowed (PAYLOAD_TOO_LARGE)."),
    415: _problem("The body is not multipart/form-data (UNSUPPORTED_MEDIA_TYPE)."),
    503: _problem("S3 or the database is unavailable (THIRD_PARTY_SERVICE_UNAVAILABLE)."),
}


# ``GET|HEAD /l/{token}``: the content route's answers, but no 403 (the signature authorises) and 410.
LINK_CONTENT_RESPONSES: dict[int | str, dict[str, Any]] = {
    **{code: answer for code, answer in FILE_CONTENT_RESPONSES.items() if code != 403},
    404: _problem("The token is not a link of this service (forged, mangled or unknown) (NOT_FOUND)."),
    410: _problem(
        "The link expired, was revoked or used up, or its file was replaced or removed (LINK_EXPIRED)."
    ),
}

_LINK_MANAGEMENT_ERRORS: dict[int | str, dict[str, Any]] = {
    403: _problem("Reading this field is not allowed, so neither are its links (FORBIDDEN_OPERATION)."),
    404: _problem("No such entity, or that field does not hold that file (NOT_FOUND)."),
    503: _problem("The database is unavailable (THIRD_PARTY_SERVICE_UNAVAILABLE)."),
}

MINT_LINK_RESPONSES: dict[int | str, dict[str, Any]] = {
    **_LINK_MANAGEMENT_ERRORS,
    422: _problem("`expiresIn` or `maxUses` out of bounds, or an unknown member (VALIDATION_ERROR)."),
    503: _problem(
        "No signing key is configured (LINKS_NOT_CONFIGURED), or the database is unavailable "
        "(THIRD_PARTY_SERVICE_UNAVAILABLE)."
    ),
}

LIST_LINKS_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: answer for code, answer in _LINK_MANAGEMENT_ERRORS.items() if code != 404
}

REVOKE_LINK_RESPONSES: dict[int | str, dict[str, Any]] = {
    204: {"description": "Revoked (also when it already was)."},
    **_LINK_MANAGEMENT_ERRORS,
    404: _problem("No such link of that file (NOT_FOUND)."),
}


def _header(name: str, description: str, example: str) -> dict[str, Any]:
    return {"name": name, "in": "header", "required": False, "schema": {"type": "string"},
            "description": description, "example": example}  # fmt: skip


_ETAG = '"5d41402abc4b2a76"'

# The request headers a file route honours (``registry_api.files.conditional``), for ``openapi_extra``.
FILE_CONTENT_OPENAPI_EXTRA: dict[str, Any] = {
    "parameters": [
        _header(
            "Accept",
            "`application/json`: the file as Base64 inside JSON (`content`, `checksum`, `filename`); "
            "anything else: the raw bytes (`application/octet-stream` or the file's own type).",
            "application/octet-stream",
        ),
        _header(
            "Range",
            "One byte range of the raw file (`bytes=0-1023`, `bytes=-500`): 206, or 416.",
            "bytes=0-1023",
        ),
        _header(
            "If-None-Match",
            "The ETag of a copy you hold: 304 when the file is unchanged.",
            '"5d41402abc4b2a76"',
        ),
        _header(
            "If-Range",
            "With `Range`: the range only while the file still has this ETag, else all of it.",
            '"5d41402abc4b2a76"',
        ),
    ]
}
