"""The generated search routes' entry points: collect the caller's parameters (query string or JSON
body), narrow the outputs to what the caller may read, and run the search condition
(``registry_api.search``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from registry_api.entities import json_response
from registry_api.guards import Caller
from registry_api.search.params import from_query
from registry_api.search.service import execute_search
from registry_api.search.spec import SearchSpec


class SearchPage(BaseModel):
    """A page of results (search conditions with ``pagination="page"``)."""

    content: list[dict[str, Any]]
    totalElements: int  # noqa: N815 - the reference's wire name
    totalPages: int  # noqa: N815
    pageNo: int  # noqa: N815
    pageSize: int  # noqa: N815


def search_by_query(spec: SearchSpec, request: Request, caller: Caller) -> Response:
    return run_search(spec, from_query(spec, request.query_params), caller)


def search_by_body(spec: SearchSpec, body: BaseModel, caller: Caller) -> Response:
    return run_search(spec, body.model_dump(by_alias=True, exclude_none=True), caller)


def run_search(spec: SearchSpec, params: dict[str, Any], caller: Caller) -> Response:
    runtime = caller.runtime
    outputs = [output.column for output in spec.outputs]
    visible = runtime.access.readable_search_columns(caller.identity, spec.name, outputs)
    with runtime.read_connection() as connection:
        result = execute_search(connection, spec, params, frozenset(visible))
    return json_response(result)
