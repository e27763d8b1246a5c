"""Search condition ``user_public_photo`` over the view ``user_public_photo_v``: `GET
/search/user-public-photo` (query string), `POST /search/user-public-photo` (JSON body) and the legacy
`GET /user-public-photo`.

Pagination: offset; limit: 10. Exposed to: publicAccess.
Generated from createSearchCondition at data-model/createSearchConditions.xml:32; do not edit.
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
from schemas.wire import FileRef

SPEC = SearchSpec(
    name="user_public_photo",
    view="user_public_photo_v",
    parameters=(SearchParameter(name="name", column="name", search_type=SearchType.EQUAL),),
    outputs=(
        OutputColumn(column="user_id", name="userId"),
        OutputColumn(column="name", name="name"),
        OutputColumn(column="photo", name="photo", kind=OutputKind.FILE),
    ),
    sorting=(SortKey(column="user_id"), SortKey(column="name")),
    pagination=Pagination.OFFSET,
    limit=10,
)


class UserPublicPhotoParametersBody(BaseModel):
    """JSON body of ``POST /search/user-public-photo``."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    name: str | None = Field(default=None, alias="name", description="equal on name")
    limit: int | None = Field(
        default=None,
        alias="limit",
        description="rows to return (capped by the search condition's limit)",
        ge=0,
        le=2147483647,
    )
    offset: int | None = Field(default=None, alias="offset", description="rows to skip", ge=0, le=2147483647)


class UserPublicPhotoResult(BaseModel):
    """One result of ``user_public_photo``: the columns it returns."""

    model_config = ConfigDict(populate_by_name=True)

    user_id: UUID | None = Field(default=None, alias="userId")
    name: str | None = Field(default=None, alias="name")
    photo: FileRef | None = Field(default=None, alias="photo")


# Query-string parameters are declared one by one (not as a pydantic model): FastAPI rebuilds a query
# model's fields once more than 128 such models exist, which broke the OpenAPI of large registries.
router = LazyRouter(tags=["search"])  # GET /search/...
body_router = LazyRouter(tags=["search"])  # POST /search/... (not on the read-only public profile)
legacy_router = LazyRouter(tags=["search"])  # GET /... (the reference's legacy path)

@router.get(
    "/search/user-public-photo",
    response_model=list[UserPublicPhotoResult],
)
def search_user_public_photo(
    request: Request,
    name: Annotated[str | None, Query(alias="name", description="equal on name")] = None,
    limit: Annotated[int | None, Query(
        alias="limit",
        description="rows to return (capped by the search condition's limit)",
        ge=0,
        le=2147483647,
    )] = None,
    offset: Annotated[int | None, Query(
        alias="offset",
        description="rows to skip",
        ge=0,
        le=2147483647,
    )] = None,
) -> Response:
    """Run ``user_public_photo`` with query-string parameters."""
    return search_endpoints.by_query(SPEC, request)


@body_router.post(
    "/search/user-public-photo",
    response_model=list[UserPublicPhotoResult],
)
def search_user_public_photo_by_body(
    request: Request,
    body: UserPublicPhotoParametersBody,
) -> Response:
    """Run ``user_public_photo`` with a JSON body carrying the same parameters."""
    return search_endpoints.by_body(SPEC, body, request)


legacy_router.add_api_route(
    "/user-public-photo",
    search_user_public_photo,
    methods=["GET"],
    response_model=list[UserPublicPhotoResult],
    deprecated=True,
    summary="Search user_public_photo (legacy path)",
)
