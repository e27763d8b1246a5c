"""Entity ``staff_status`` (Довідник статусів співробітників): create, read, update and delete.

Generated from createTable at data-model/createTables.xml:69; do not edit.
"""

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request, Response

from registry_api.entities import EntitySpec
from registry_api.http import dependencies, entity_endpoints
from registry_api.http.routes import LazyRouter
from registry_api.runtime import Caller
from schemas.wire import EntityId

from ...models import StaffStatus
from ...tables import staff_status_history_table, staff_status_table

STAFF_STATUS = EntitySpec(
    staff_status_table,
    staff_status_history_table,
    primary_key="staff_status_id",
)

router = LazyRouter(tags=["staff-status"])

Creator = Annotated[Caller, Depends(dependencies.entity_writer("staff_status", "insert"))]
Updater = Annotated[Caller, Depends(dependencies.entity_writer("staff_status", "update"))]
Deleter = Annotated[Caller, Depends(dependencies.entity_writer("staff_status", "delete"))]


@router.post("/staff-status", status_code=201, response_model=EntityId)
def create_staff_status(
    body: StaffStatus,
    caller: Creator,
) -> dict[str, str]:
    """Create a staff_status; its key is generated unless the body carries one."""
    return entity_endpoints.create(STAFF_STATUS, body, caller)


@router.get("/staff-status/{id}", response_model=StaffStatus)
def read_staff_status(
    id: UUID,
    request: Request,
) -> Response:
    """Read one staff_status by its key."""
    return entity_endpoints.read(STAFF_STATUS, id, request)


@router.put("/staff-status/{id}", status_code=204, response_class=Response)
def update_staff_status(
    id: UUID,
    body: StaffStatus,
    caller: Updater,
) -> None:
    """Replace every column of a staff_status (omitted properties become null)."""
    entity_endpoints.replace(STAFF_STATUS, id, body, caller)


@router.delete("/staff-status/{id}", status_code=204, response_class=Response)
def delete_staff_status(
    id: UUID,
    caller: Deleter,
) -> None:
    """Delete a staff_status; its history keeps the last state."""
    entity_endpoints.remove(STAFF_STATUS, id, caller)
