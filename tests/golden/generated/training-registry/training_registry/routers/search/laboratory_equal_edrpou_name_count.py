"""Search condition ``laboratory_equal_edrpou_name_count`` over the view
``laboratory_equal_edrpou_name_count_v``: `GET /search/laboratory-equal-edrpou-name-count` (query string),
`POST /search/laboratory-equal-edrpou-name-count` (JSON body) and the legacy `GET
/laboratory-equal-edrpou-name-count`.

Pagination: none; limit: none. Exposed to: nobody outside the platform.
Generated from createSearchCondition at data-model/createSearchConditions.xml:74; do not edit.
"""

from typing import Annotated, Any

from fastapi import Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from registry_api.http import search_endpoints
from registry_api.http.routes import LazyRouter
from registry_api.search.spec import OutputColumn, SearchParameter, SearchSpec, SearchType, SortKey

SPEC = SearchSpec(
    name="laboratory_equal_edrpou_name_count",
    view="laboratory_equal_edrpou_name_count_v",
    parameters=(
        SearchParameter(name="edrpou", column="edrpou", search_type=SearchType.EQUAL),
        SearchParameter(name="name", column="name", search_type=SearchType.EQUAL),
    ),
    outputs=(
        OutputColumn(column="edrpou", name="edrpou"),
        OutputColumn(column="name", name="name"),
        OutputColumn(column="cnt", name="cnt"),
    ),
    sorting=(SortKey(column="edrpou"), SortKey(column="name"), SortKey(column="cnt")),
)


class LaboratoryEqualEdrpouNameCountParametersBody(BaseModel):
    """JSON body of ``POST /search/laboratory-equal-edrpou-name-count``."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    edrpou: str | None = Field(default=None, alias="edrpou", description="equal on edrpou")
    name: str | None = Field(default=None, alias="name", description="equal on name")


class LaboratoryEqualEdrpouNameCountResult(BaseModel):
    """One result of ``laboratory_equal_edrpou_name_count``: the columns it returns."""

    model_config = ConfigDict(populate_by_name=True)

    edrpou: str | None = Field(default=None, alias="edrpou")
    name: str | None = Field(default=None, alias="name")
    cnt: Any = Field(default=None, alias="cnt")


# Query-string parameters are declared one by one (not as a pydantic model): FastAPI rebuilds a query
# model's fields once more than 128 such models exist, which broke the OpenAPI of large registries.
router = LazyRouter(tags=["search"])  # GET /search/...
body_router = LazyRouter(tags=["search"])  # POST /search/... (not on the read-only public profile)
legacy_router = LazyRouter(tags=["search"])  # GET /... (the reference's legacy path)

@router.get(
    "/search/laboratory-equal-edrpou-name-count",
    response_model=list[LaboratoryEqualEdrpouNameCountResult],
)
def search_laboratory_equal_edrpou_name_count(
    request: Request,
    edrpou: Annotated[str | None, Query(alias="edrpou", description="equal on edrpou")] = None,
    name: Annotated[str | None, Query(alias="name", description="equal on name")] = None,
) -> Response:
    """Run ``laboratory_equal_edrpou_name_count`` with query-string parameters."""
    return search_endpoints.by_query(SPEC, request)


@body_router.post(
    "/search/laboratory-equal-edrpou-name-count",
    response_model=list[LaboratoryEqualEdrpouNameCountResult],
)
def search_laboratory_equal_edrpou_name_count_by_body(
    request: Request,
    body: LaboratoryEqualEdrpouNameCountParametersBody,
) -> Response:
    """Run ``laboratory_equal_edrpou_name_count`` with a JSON body carrying the same parameters."""
    return search_endpoints.by_body(SPEC, body, request)


legacy_router.add_api_route(
    "/laboratory-equal-edrpou-name-count",
    search_laboratory_equal_edrpou_name_count,
    methods=["GET"],
    response_model=list[LaboratoryEqualEdrpouNameCountResult],
    deprecated=True,
    summary="Search laboratory_equal_edrpou_name_count (legacy path)",
)
