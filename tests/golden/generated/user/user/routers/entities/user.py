"""Entity ``user`` (Registry users): create, read, update and delete, and the content of its file columns.

Generated from createTable at data-model/createTables.xml:27; do not edit.
"""

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Path, Request, Response

from registry_api.entities import EntitySpec
from registry_api.http import dependencies, entity_endpoints, file_endpoints
from registry_api.http.openapi import FILE_CONTENT_OPENAPI_EXTRA, FILE_CONTENT_RESPONSES
from registry_api.http.routes import LazyRouter
from registry_api.runtime import Caller
from schemas.wire import EntityId

from ...models import User
from ...tables import user_history_table, user_table

USER = EntitySpec(
    user_table,
    user_history_table,
    primary_key="user_id",
)

router = LazyRouter(tags=["user"])

Creator = Annotated[Caller, Depends(dependencies.entity_writer("user", "insert"))]
Updater = Annotated[Caller, Depends(dependencies.entity_writer("user", "update"))]
Deleter = Annotated[Caller, Depends(dependencies.entity_writer("user", "delete"))]


@router.post("/user", status_code=201, response_model=EntityId)
def create_user(
    body: User,
    caller: Creator,
) -> dict[str, str]:
    """Create a user; its key is generated unless the body carries one."""
    return entity_endpoints.create(USER, body, caller)


@router.get("/user/{id}", response_model=User)
def read_user(
    id: UUID,
    request: Request,
) -> Response:
    """Read one user by its key."""
    return entity_endpoints.read(USER, id, request)


@router.put("/user/{id}", status_code=204, response_class=Response)
def update_user(
    id: UUID,
    body: User,
    caller: Updater,
) -> None:
    """Replace every column of a user (omitted properties become null)."""
    entity_endpoints.replace(USER, id, body, caller)


@router.delete("/user/{id}", status_code=204, response_class=Response)
def delete_user(
    id: UUID,
    caller: Deleter,
) -> None:
    """Delete a user; its history keeps the last state."""
    entity_endpoints.remove(USER, id, caller)


photo_files = LazyRouter(tags=["files"])


@photo_files.get(
    "/files/user/{id}/photo/{fileId}",
    response_class=Response,
    responses=FILE_CONTENT_RESPONSES,
    openapi_extra=FILE_CONTENT_OPENAPI_EXTRA,
)
def read_user_photo(
    request: Request,
    id: UUID,
    file_id: Annotated[str, Path(alias="fileId")],
) -> Response:
    """Content of a file held by ``user.photo``: raw bytes, or Base64 JSON."""
    return file_endpoints.content(request, USER.table, "photo", id, file_id)


# HEAD answers like GET without the body (kept out of the OpenAPI document, which lists GET).
photo_files.add_api_route(
    "/files/user/{id}/photo/{fileId}",
    read_user_photo,
    methods=["HEAD"],
    include_in_schema=False,
)


documents_files = LazyRouter(tags=["files"])


@documents_files.get(
    "/files/user/{id}/documents/{fileId}",
    response_class=Response,
    responses=FILE_CONTENT_RESPONSES,
    openapi_extra=FILE_CONTENT_OPENAPI_EXTRA,
)
def read_user_documents(
    request: Request,
    id: UUID,
    file_id: Annotated[str, Path(alias="fileId")],
) -> Response:
    """Content of a file held by ``user.documents``: raw bytes, or Base64 JSON."""
    return file_endpoints.content(request, USER.table, "documents", id, file_id)


# HEAD answers like GET without the body (kept out of the OpenAPI document, which lists GET).
documents_files.add_api_route(
    "/files/user/{id}/documents/{fileId}",
    read_user_documents,
    methods=["HEAD"],
    include_in_schema=False,
)
