"""Entity ``laboratory`` (Лабораторії що атестуються): create, read, update and delete, and the content of
its file columns.

Generated from createTable at data-model/createTables.xml:45; do not edit.
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

from ...models import Laboratory
from ...tables import laboratory_history_table, laboratory_table

LABORATORY = EntitySpec(
    laboratory_table,
    laboratory_history_table,
    primary_key="laboratory_id",
)

router = LazyRouter(tags=["laboratory"])

Creator = Annotated[Caller, Depends(dependencies.entity_writer("laboratory", "insert"))]
Updater = Annotated[Caller, Depends(dependencies.entity_writer("laboratory", "update"))]
Deleter = Annotated[Caller, Depends(dependencies.entity_writer("laboratory", "delete"))]


@router.post("/laboratory", status_code=201, response_model=EntityId)
def create_laboratory(
    body: Laboratory,
    caller: Creator,
) -> dict[str, str]:
    """Create a laboratory; its key is generated unless the body carries one."""
    return entity_endpoints.create(LABORATORY, body, caller)


@router.get("/laboratory/{id}", response_model=Laboratory)
def read_laboratory(
    id: UUID,
    request: Request,
) -> Response:
    """Read one laboratory by its key."""
    return entity_endpoints.read(LABORATORY, id, request)


@router.put("/laboratory/{id}", status_code=204, response_class=Response)
def update_laboratory(
    id: UUID,
    body: Laboratory,
    caller: Updater,
) -> None:
    """Replace every column of a laboratory (omitted properties become null)."""
    entity_endpoints.replace(LABORATORY, id, body, caller)


@router.delete("/laboratory/{id}", status_code=204, response_class=Response)
def delete_laboratory(
    id: UUID,
    caller: Deleter,
) -> None:
    """Delete a laboratory; its history keeps the last state."""
    entity_endpoints.remove(LABORATORY, id, caller)


premises_file_files = LazyRouter(tags=["files"])


@premises_file_files.get(
    "/files/laboratory/{id}/premises-file/{fileId}",
    response_class=Response,
    responses=FILE_CONTENT_RESPONSES,
    openapi_extra=FILE_CONTENT_OPENAPI_EXTRA,
)
def read_laboratory_premises_file(
    request: Request,
    id: UUID,
    file_id: Annotated[str, Path(alias="fileId")],
) -> Response:
    """Content of a file held by ``laboratory.premises_file``: raw bytes, or Base64 JSON."""
    return file_endpoints.content(request, LABORATORY.table, "premises_file", id, file_id)


# HEAD answers like GET without the body (kept out of the OpenAPI document, which lists GET).
premises_file_files.add_api_route(
    "/files/laboratory/{id}/premises-file/{fileId}",
    read_laboratory_premises_file,
    methods=["HEAD"],
    include_in_schema=False,
)
