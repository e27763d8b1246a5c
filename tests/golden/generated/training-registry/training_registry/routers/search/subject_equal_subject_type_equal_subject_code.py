"""Search condition ``subject_equal_subject_type_equal_subject_code`` over the view
``subject_equal_subject_type_equal_subject_code_v``: `GET
/search/subject-equal-subject-type-equal-subject-code` (query string), `POST
/search/subject-equal-subject-type-equal-subject-code` (JSON body) and the legacy `GET
/subject-equal-subject-type-equal-subject-code`.

Pagination: none; limit: none. Exposed to: nobody outside the platform.
Generated from createSearchCondition at data-model/createSearchConditions.xml:62; do not edit.
"""

from typing import Annotated, Any

from fastapi import Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from registry_api.http import search_endpoints
from registry_api.http.routes import LazyRouter
from registry_api.search.spec import OutputColumn, SearchParameter, SearchSpec, SearchType, SortKey

SPEC = SearchSpec(
    name="subject_equal_subject_type_equal_subject_code",
    view="subject_equal_subject_type_equal_subject_code_v",
    parameters=(
        SearchParameter(
            name="subjectCode",
            column="subject_code",
            search_type=SearchType.EQUAL,
        ),
        SearchParameter(
            name="subjectType",
            column="subject_type",
            search_type=SearchType.EQUAL,
        ),
    ),
    outputs=(
        OutputColumn(column="subject_id", name="subjectId"),
        OutputColumn(column="subject_status", name="subjectStatus"),
        OutputColumn(column="subject_code", name="subjectCode"),
        OutputColumn(column="subject_type", name="subjectType"),
    ),
    sorting=(
        SortKey(column="subject_id"),
        SortKey(column="subject_status"),
        SortKey(column="subject_code"),
        SortKey(column="subject_type"),
    ),
)


class SubjectEqualSubjectTypeEqualSubjectCodeParametersBody(BaseModel):
    """JSON body of ``POST /search/subject-equal-subject-type-equal-subject-code``."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    subject_code: str | None = Field(default=None, alias="subjectCode", description="equal on subject_code")
    subject_type: str | None = Field(default=None, alias="subjectType", description="equal on subject_type")


class SubjectEqualSubjectTypeEqualSubjectCodeResult(BaseModel):
    """One result of ``subject_equal_subject_type_equal_subject_code``: the columns it returns."""

    model_config = ConfigDict(populate_by_name=True)

    subject_id: Any = Field(default=None, alias="subjectId")
    subject_status: Any = Field(default=None, alias="subjectStatus")
    subject_code: Any = Field(default=None, alias="subjectCode")
    subject_type: Any = Field(default=None, alias="subjectType")


# Query-string parameters are declared one by one (not as a pydantic model): FastAPI rebuilds a query
# model's fields once more than 128 such models exist, which broke the OpenAPI of large registries.
router = LazyRouter(tags=["search"])  # GET /search/...
body_router = LazyRouter(tags=["search"])  # POST /search/... (not on the read-only public profile)
legacy_router = LazyRouter(tags=["search"])  # GET /... (the reference's legacy path)

@router.get(
    "/search/subject-equal-subject-type-equal-subject-code",
    response_model=list[SubjectEqualSubjectTypeEqualSubjectCodeResult],
)
def search_subject_equal_subject_type_equal_subject_code(
    request: Request,
    subject_code: Annotated[str | None, Query(
        alias="subjectCode",
        description="equal on subject_code",
    )] = None,
    subject_type: Annotated[str | None, Query(
        alias="subjectType",
        description="equal on subject_type",
    )] = None,
) -> Response:
    """Run ``subject_equal_subject_type_equal_subject_code`` with query-string parameters."""
    return search_endpoints.by_query(SPEC, request)


@body_router.post(
    "/search/subject-equal-subject-type-equal-subject-code",
    response_model=list[SubjectEqualSubjectTypeEqualSubjectCodeResult],
)
def search_subject_equal_subject_type_equal_subject_code_by_body(
    request: Request,
    body: SubjectEqualSubjectTypeEqualSubjectCodeParametersBody,
) -> Response:
    """Run ``subject_equal_subject_type_equal_subject_code`` with a JSON body carrying the same parameters."""
    return search_endpoints.by_body(SPEC, body, request)


legacy_router.add_api_route(
    "/subject-equal-subject-type-equal-subject-code",
    search_subject_equal_subject_type_equal_subject_code,
    methods=["GET"],
    response_model=list[SubjectEqualSubjectTypeEqualSubjectCodeResult],
    deprecated=True,
    summary="Search subject_equal_subject_type_equal_subject_code (legacy path)",
)
