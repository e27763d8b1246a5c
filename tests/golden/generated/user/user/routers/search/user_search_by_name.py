"""Search condition ``user_search_by_name`` over the view ``user_search_by_name_v``: `GET
/search/user-search-by-name` (query string), `POST /search/user-search-by-name` (JSON body) and the legacy
`GET /user-search-by-name`.

Pagination: page; limit: 100. Exposed to: platform, externalSystem.
Generated from createSearchCondition at data-model/createSearchConditions.xml:14; do not edit.
"""

from typing import Annotated
from uuid import UUID

from fastapi import Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from registry_api.http import search_endpoints
from registry_api.http.routes import LazyRouter
from registry_api.search.spec import (
    OutputColumn,
    OutputKind,
    Pagination,
    SearchParameter,
    SearchSpec,
    SearchType,
    SortKey,
)
from schemas.wire import FileRef, SearchPage

SPEC = SearchSpec(
    name="user_search_by_name",
    view="user_search_by_name_v",
    parameters=(SearchParameter(name="name", column="name", search_type=SearchType.STARTS_WITH),),
    outputs=(
        OutputColumn(column="user_id", name="userId"),
        OutputColumn(column="name", name="name"),
        OutputColumn(column="email", name="email"),
        OutputColumn(column="photo", name="photo", kind=OutputKind.FILE),
        OutputColumn(column="documents", name="documents", kind=OutputKind.FILE_ARRAY),
    ),
    sorting=(SortKey(column="name"), SortKey(column="user_id"), SortKey(column="email")),
    pagination=Pagination.PAGE,
    limit=100,
)


class UserSearchByNameParametersBody(BaseModel):
    """JSON body of ``POST /search/user-search-by-name``."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    name: str | None = Field(default=None, alias="name", description="startsWith on name")
    page_size: int | None = Field(
        default=None,
        alias="pageSize",
        description="rows per page (default 10)",
        ge=1,
        le=2147483647,
    )
    page_no: int | None = Field(
        default=None,
        alias="pageNo",
        description="page number, from 0",
        ge=0,
        le=2147483647,
    )


class UserSearchByNameResult(BaseModel):
    """One result of ``user_search_by_name``: the columns it returns."""

    model_config = ConfigDict(populate_by_name=True)

    user_id: UUID | None = Field(default=None, alias="userId")
    name: str | None = Field(default=None, alias="name")
    email: str | None = Field(default=None, alias="email")
    photo: FileRef | None = Field(default=None, alias="photo")
    documents: list[FileRef] | None = Field(default=None, alias="documents")


class UserSearchByNameResultPage(SearchPage):
    """A page of ``user_search_by_name`` results."""

    content: list[UserSearchByNameResult]


# Query-string parameters are declared one by one (not as a pydantic model): FastAPI rebuilds a query
# model's fields once more than 128 such models exist, which broke the OpenAPI of large registries.
router = LazyRouter(tags=["search"])  # GET /search/...
body_router = LazyRouter(tags=["search"])  # POST /search/... (not on the read-only public profile)
legacy_router = LazyRouter(tags=["search"])  # GET /... (the reference's legacy path)

@router.get(
    "/search/user-search-by-name",
    response_model=UserSearchByNameResultPage,
)
def search_user_search_by_name(
    request: Request,
    name: Annotated[str | None, Query(alias="name", description="startsWith on name")] = None,
    page_size: Annotated[int | None, Query(
        alias="pageSize",
        description="rows per page (default 10)",
        ge=1,
        le=2147483647,
    )] = None,
    page_no: Annotated[int | None, Query(
        alias="pageNo",
        description="page number, from 0",
        ge=0,
        le=2147483647,
    )] = None,
) -> Response:
    """Run ``user_search_by_name`` with query-string parameters."""
    return search_endpoints.by_query(SPEC, request)


@body_router.post(
    "/search/user-search-by-name",
    response_model=UserSearchByNameResultPage,
)
def search_user_search_by_name_by_body(
    request: Request,
    body: UserSearchByNameParametersBody,
) -> Response:
    """Run ``user_search_by_name`` with a JSON body carrying the same parameters."""
    return search_endpoints.by_body(SPEC, body, request)


legacy_router.add_api_route(
    "/user-search-by-name",
    search_user_search_by_name,
    methods=["GET"],
    response_model=UserSearchByNameResultPage,
    deprecated=True,
    summary="Search user_search_by_name (legacy path)",
)
