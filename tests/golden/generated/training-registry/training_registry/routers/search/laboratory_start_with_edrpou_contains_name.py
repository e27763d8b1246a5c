"""Search condition ``laboratory_start_with_edrpou_contains_name`` over the view
``laboratory_start_with_edrpou_contains_name_v``: `GET /search/laboratory-start-with-edrpou-contains-name`
(query string), `POST /search/laboratory-start-with-edrpou-contains-name` (JSON body) and the legacy `GET
/laboratory-start-with-edrpou-contains-name`.

Pagination: none; limit: none. Exposed to: nobody outside the platform.
Generated from createSearchCondition at data-model/createSearchConditions.xml:85; do not edit.
"""

from typing import Annotated
from uuid import UUID

from fastapi import Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from registry_api.http import search_endpoints
from registry_api.http.routes import LazyRouter
from registry_api.search.spec import OutputColumn, SearchParameter, SearchSpec, SearchType, SortKey

SPEC = SearchSpec(
    name="laboratory_start_with_edrpou_contains_name",
    view="laboratory_start_with_edrpou_contains_name_v",
    parameters=(
        SearchParameter(
            name="edrpou",
            column="edrpou",
            search_type=SearchType.STARTS_WITH,
        ),
        SearchParameter(name="name", column="name", search_type=SearchType.CONTAINS),
    ),
    outputs=(
        OutputColumn(column="laboratory_id", name="laboratoryId"),
        OutputColumn(column="edrpou", name="edrpou"),
        OutputColumn(column="name", name="name"),
    ),
    sorting=(SortKey(column="laboratory_id"), SortKey(column="edrpou"), SortKey(column="name")),
)


class LaboratoryStartWithEdrpouContainsNameParametersBody(BaseModel):
    """JSON body of ``POST /search/laboratory-start-with-edrpou-contains-name``."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    edrpou: str | None = Field(default=None, alias="edrpou", description="startsWith on edrpou")
    name: str | None = Field(default=None, alias="name", description="contains on name")


class LaboratoryStartWithEdrpouContainsNameResult(BaseModel):
    """One result of ``laboratory_start_with_edrpou_contains_name``: the columns it returns."""

    model_config = ConfigDict(populate_by_name=True)

    laboratory_id: UUID | None = Field(default=None, alias="laboratoryId")
    edrpou: str | None = Field(default=None, alias="edrpou")
    name: str | None = Field(default=None, alias="name")


# Query-string parameters are declared one by one (not as a pydantic model): FastAPI rebuilds a query
# model's fields once more than 128 such models exist, which broke the OpenAPI of large registries.
router = LazyRouter(tags=["search"])  # GET /search/...
body_router = LazyRouter(tags=["search"])  # POST /search/... (not on the read-only public profile)
legacy_router = LazyRouter(tags=["search"])  # GET /... (the reference's legacy path)

@router.get(
    "/search/laboratory-start-with-edrpou-contains-name",
    response_model=list[LaboratoryStartWithEdrpouContainsNameResult],
)
def search_laboratory_start_with_edrpou_contains_name(
    request: Request,
    edrpou: Annotated[str | None, Query(alias="edrpou", description="startsWith on edrpou")] = None,
    name: Annotated[str | None, Query(alias="name", description="contains on name")] = None,
) -> Response:
    """Run ``laboratory_start_with_edrpou_contains_name`` with query-string parameters."""
    return search_endpoints.by_query(SPEC, request)


@body_router.post(
    "/search/laboratory-start-with-edrpou-contains-name",
    response_model=list[LaboratoryStartWithEdrpouContainsNameResult],
)
def search_laboratory_start_with_edrpou_contains_name_by_body(
    request: Request,
    body: LaboratoryStartWithEdrpouContainsNameParametersBody,
) -> Response:
    """Run ``laboratory_start_with_edrpou_contains_name`` with a JSON body carrying the same parameters."""
    return search_endpoints.by_body(SPEC, body, request)


legacy_router.add_api_route(
    "/laboratory-start-with-edrpou-contains-name",
    search_laboratory_start_with_edrpou_contains_name,
    methods=["GET"],
    response_model=list[LaboratoryStartWithEdrpouContainsNameResult],
    deprecated=True,
    summary="Search laboratory_start_with_edrpou_contains_name (legacy path)",
)
