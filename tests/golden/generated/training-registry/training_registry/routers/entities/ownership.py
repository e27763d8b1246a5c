"""Entity ``ownership`` (Довідник форм власності): create, read, update and delete.

Generated from createTable at data-model/createTables.xml:32; do not edit.
"""

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request, Response

from registry_api.entities import EntitySpec
from registry_api.http import dependencies, entity_endpoints
from registry_api.http.routes import LazyRouter
from registry_api.runtime import Caller
from schemas.wire import EntityId

from ...models import Ownership
from ...tables import ownership_history_table, ownership_table

OWNERSHIP = EntitySpec(
    ownership_table,
    ownership_history_table,
    primary_key="ownership_id",
)

router = LazyRouter(tags=["ownership"])

Creator = Annotated[Caller, Depends(dependencies.entity_writer("ownership", "insert"))]
Updater = Annotated[Caller, Depends(dependencies.entity_writer("ownership", "update"))]
Deleter = Annotated[Caller, Depends(dependencies.entity_writer("ownership", "delete"))]


@router.post("/ownership", status_code=201, response_model=EntityId)
def create_ownership(
    body: Ownership,
    caller: Creator,
) -> dict[str, str]:
    """Create a ownership; its key is generated unless the body carries one."""
    return entity_endpoints.create(OWNERSHIP, body, caller)


@router.get("/ownership/{id}", response_model=Ownership)
def read_ownership(
    id: UUID,
    request: Request,
) -> Response:
    """Read one ownership by its key."""
    return entity_endpoints.read(OWNERSHIP, id, request)


@router.put("/ownership/{id}", status_code=204, response_class=Response)
def update_ownership(
    id: UUID,
    body: Ownership,
    caller: Updater,
) -> None:
    """Replace every column of a ownership (omitted properties become null)."""
    entity_endpoints.replace(OWNERSHIP, id, body, caller)


@router.delete("/ownership/{id}", status_code=204, response_class=Response)
def delete_ownership(
    id: UUID,
    caller: Deleter,
) -> None:
    """Delete a ownership; its history keeps the last state."""
    entity_endpoints.remove(OWNERSHIP, id, caller)
