"""The generated per-column file content routes hand over to the file service here."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from starlette.requests import Request
from starlette.responses import Response

from registry_api.errors import ApiError, ErrorCode
from registry_api.guards import Caller


def serve_file(
    caller: Caller, request: Request, table: Table, column: str, entity_id: Any, file_id: str
) -> Response:
    """``GET|HEAD /files/{entity}/{id}/{field}/{fileId}``: the file service checks that the entity holds
    that file in that field and that the caller may read it, then streams it."""
    files = caller.runtime.files
    if files is None:
        raise ApiError(ErrorCode.THIRD_PARTY_SERVICE_UNAVAILABLE, "File storage is not configured.")
    response: Response = files.serve(request, table, column, entity_id, file_id, caller.identity)
    return response
