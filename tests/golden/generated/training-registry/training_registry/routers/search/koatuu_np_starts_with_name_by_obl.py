"""Search condition ``koatuu_np_starts_with_name_by_obl`` over the view
``koatuu_np_starts_with_name_by_obl_v``: `GET /search/koatuu-np-starts-with-name-by-obl` (query string),
`POST /search/koatuu-np-starts-with-name-by-obl` (JSON body) and the legacy `GET
/koatuu-np-starts-with-name-by-obl`.

Pagination: none; limit: 100. Exposed to: nobody outside the platform.
Generated from createSearchCondition at data-model/createSearchConditions.xml:25; do not edit.
"""

from typing import Annotated
from uuid import UUID

from fastapi import Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from registry_api.http import search_endpoints
from registry_api.http.routes import LazyRouter
from registry_api.search.spec import OutputColumn, SearchParameter, SearchSpec, SearchType, SortKey

SPEC = SearchSpec(
    name="koatuu_np_starts_with_name_by_obl",
    view="koatuu_np_starts_with_name_by_obl_v",
    parameters=(
        SearchParameter(name="name", column="name", search_type=SearchType.STARTS_WITH),
        SearchParameter(name="level1", column="level1", search_type=SearchType.EQUAL),
    ),
    outputs=(
        OutputColumn(column="koatuu_id", name="koatuuId"),
        OutputColumn(column="name", name="name"),
        OutputColumn(column="level1", name="level1"),
        OutputColumn(column="name_rn", name="nameRn"),
    ),
    sorting=(
        SortKey(column="name"),
        SortKey(column="koatuu_id"),
        SortKey(column="level1"),
        SortKey(column="name_rn"),
    ),
    limit=100,
)


class KoatuuNpStartsWithNameByOblParametersBody(BaseModel):
    """JSON body of ``POST /search/koatuu-np-starts-with-name-by-obl``."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    name: str | None = Field(default=None, alias="name", description="startsWith on name")
    level1: str | None = Field(default=None, alias="level1", description="equal on level1")


class KoatuuNpStartsWithNameByOblResult(BaseModel):
    """One result of ``koatuu_np_starts_with_name_by_obl``: the columns it returns."""

    model_config = ConfigDict(populate_by_name=True)

    koatuu_id: UUID | None = Field(default=None, alias="koatuuId")
    name: str | None = Field(default=None, alias="name")
    level1: str | None = Field(default=None, alias="level1")
    name_rn: str | None = Field(default=None, alias="nameRn")


# Query-string parameters are declared one by one (not as a pydantic model): FastAPI rebuilds a query
# model's fields once more than 128 such models exist, which broke the OpenAPI of large registries.
router = LazyRouter(tags=["search"])  # GET /search/...
body_router = LazyRouter(tags=["search"])  # POST /search/... (not on the read-only public profile)
legacy_router = LazyRouter(tags=["search"])  # GET /... (the reference's legacy path)

@router.get(
    "/search/koatuu-np-starts-with-name-by-obl",
    response_model=list[KoatuuNpStartsWithNameByOblResult],
)
def search_koatuu_np_starts_with_name_by_obl(
    request: Request,
    name: Annotated[str | None, Query(alias="name", description="startsWith on name")] = None,
    level1: Annotated[str | None, Query(alias="level1", description="equal on level1")] = None,
) -> Response:
    """Run ``koatuu_np_starts_with_name_by_obl`` with query-string parameters."""
    return search_endpoints.by_query(SPEC, request)


@body_router.post(
    "/search/koatuu-np-starts-with-name-by-obl",
    response_model=list[KoatuuNpStartsWithNameByOblResult],
)
def search_koatuu_np_starts_with_name_by_obl_by_body(
    request: Request,
    body: KoatuuNpStartsWithNameByOblParametersBody,
) -> Response:
    """Run ``koatuu_np_starts_with_name_by_obl`` with a JSON body carrying the same parameters."""
    return search_endpoints.by_body(SPEC, body, request)


legacy_router.add_api_route(
    "/koatuu-np-starts-with-name-by-obl",
    search_koatuu_np_starts_with_name_by_obl,
    methods=["GET"],
    response_model=list[KoatuuNpStartsWithNameByOblResult],
    deprecated=True,
    summary="Search koatuu_np_starts_with_name_by_obl (legacy path)",
)
