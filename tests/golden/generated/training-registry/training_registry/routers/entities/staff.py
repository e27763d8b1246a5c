"""Entity ``staff`` (Кадровий склад): create, read, update and delete, and the content of its file columns.

Generated from createTable at data-model/createTables.xml:79; do not edit.
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

from ...models import Staff
from ...tables import staff_history_table, staff_table

STAFF = EntitySpec(
    staff_table,
    staff_history_table,
    primary_key="staff_id",
)

router = LazyRouter(tags=["staff"])

Creator = Annotated[Caller, Depends(dependencies.entity_writer("staff", "insert"))]
Updater = Annotated[Caller, Depends(dependencies.entity_writer("staff", "update"))]
Deleter = Annotated[Caller, Depends(dependencies.entity_writer("staff", "delete"))]


@router.post("/staff", status_code=201, response_model=EntityId)
def create_staff(
    body: Staff,
    caller: Creator,
) -> dict[str, str]:
    """Create a staff; its key is generated unless the body carries one."""
    return entity_endpoints.create(STAFF, body, caller)


@router.get("/staff/{id}", response_model=Staff)
def read_staff(
    id: UUID,
    request: Request,
) -> Response:
    """Read one staff by its key."""
    return entity_endpoints.read(STAFF, id, request)


@router.put("/staff/{id}", status_code=204, response_class=Response)
def update_staff(
    id: UUID,
    body: Staff,
    caller: Updater,
) -> None:
    """Replace every column of a staff (omitted properties become null)."""
    entity_endpoints.replace(STAFF, id, body, caller)


@router.delete("/staff/{id}", status_code=204, response_class=Response)
def delete_staff(
    id: UUID,
    caller: Deleter,
) -> None:
    """Delete a staff; its history keeps the last state."""
    entity_endpoints.remove(STAFF, id, caller)


hygienist_certificate_file_files = LazyRouter(tags=["files"])


@hygienist_certificate_file_files.get(
    "/files/staff/{id}/hygienist-certificate-file/{fileId}",
    response_class=Response,
    responses=FILE_CONTENT_RESPONSES,
    openapi_extra=FILE_CONTENT_OPENAPI_EXTRA,
)
def read_staff_hygienist_certificate_file(
    request: Request,
    id: UUID,
    file_id: Annotated[str, Path(alias="fileId")],
) -> Response:
    """Content of a file held by ``staff.hygienist_certificate_file``: raw bytes, or Base64 JSON."""
    return file_endpoints.content(request, STAFF.table, "hygienist_certificate_file", id, file_id)


# HEAD answers like GET without the body (kept out of the OpenAPI document, which lists GET).
hygienist_certificate_file_files.add_api_route(
    "/files/staff/{id}/hygienist-certificate-file/{fileId}",
    read_staff_hygienist_certificate_file,
    methods=["HEAD"],
    include_in_schema=False,
)
