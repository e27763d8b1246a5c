"""The generated search routes' entry points: check the caller, collect the parameters (query string
or JSON body), run the search condition (``registry_api.search``) and answer JSON."""

from __future__ import annotations

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from registry_api.http.dependencies import search_access
from registry_api.http.guards import reject_unstorable_text
from registry_api.http.responses import json_response
from registry_api.search.params import from_query
from registry_api.search.service import run_search
from registry_api.search.spec import SearchSpec


def by_query(spec: SearchSpec, request: Request) -> Response:
    """``GET /search/{sc}`` and the legacy ``GET /{sc}``."""
    caller = search_access(request, spec.name)
    return json_response(run_search(spec, from_query(spec, request.query_params), caller))


def by_body(spec: SearchSpec, body: BaseModel, request: Request) -> Response:
    """``POST /search/{sc}``."""
    caller = search_access(request, spec.name)
    reject_unstorable_text(body)
    return json_response(run_search(spec, body.model_dump(by_alias=True, exclude_none=True), caller))
