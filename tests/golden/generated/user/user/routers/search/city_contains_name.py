"""Search condition ``city_contains_name`` over the view ``city_contains_name_v``: `GET
/search/city-contains-name` (query string), `POST /search/city-contains-name` (JSON body) and the legacy
`GET /city-contains-name`.

Pagination: none; limit: none. Exposed to: nobody outside the platform.
Generated from createSearchCondition at data-model/createSearchConditions.xml:48; do not edit.
"""

from typing import Annotated
from uuid import UUID

from fastapi import Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from registry_api.http import search_endpoints
from registry_api.http.routes import LazyRouter
from registry_api.search.spec import OutputColumn, SearchParameter, SearchSpec, SearchType, SortKey

SPEC = SearchSpec(
    name="city_contains_name",
    view="city_contains_name_v",
    parameters=(SearchParameter(name="name", column="name", search_type=SearchType.CONTAINS),),
    outputs=(
        OutputColumn(column="city_id", name="cityId"),
        OutputColumn(column="name", name="name"),
    ),
    sorting=(SortKey(column="name"), SortKey(column="city_id")),
)


class CityContainsNameParametersBody(BaseModel):
    """JSON body of ``POST /search/city-contains-name``."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    name: str | None = Field(default=None, alias="name", description="contains on name")


class CityContainsNameResult(BaseModel):
    """One result of ``city_contains_name``: the columns it returns."""

    model_config = ConfigDict(populate_by_name=True)

    city_id: UUID | None = Field(default=None, alias="cityId")
    name: str | None = Field(default=None, alias="name")


# Query-string parameters are declared one by one (not as a pydantic model): FastAPI rebuilds a query
# model's fields once more than 128 such models exist, which broke the OpenAPI of large registries.
router = LazyRouter(tags=["search"])  # GET /search/...
body_router = LazyRouter(tags=["search"])  # POST /search/... (not on the read-only public profile)
legacy_router = LazyRouter(tags=["search"])  # GET /... (the reference's legacy path)

@router.get(
    "/search/city-contains-name",
    response_model=list[CityContainsNameResult],
)
def search_city_contains_name(
    request: Request,
    name: Annotated[str | None, Query(alias="name", description="contains on name")] = None,
) -> Response:
    """Run ``city_contains_name`` with query-string parameters."""
    return search_endpoints.by_query(SPEC, request)


@body_router.post(
    "/search/city-contains-name",
    response_model=list[CityContainsNameResult],
)
def search_city_contains_name_by_body(
    request: Request,
    body: CityContainsNameParametersBody,
) -> Response:
    """Run ``city_contains_name`` with a JSON body carrying the same parameters."""
    return search_endpoints.by_body(SPEC, body, request)


legacy_router.add_api_route(
    "/city-contains-name",
    search_city_contains_name,
    methods=["GET"],
    response_model=list[CityContainsNameResult],
    deprecated=True,
    summary="Search city_contains_name (legacy path)",
)
