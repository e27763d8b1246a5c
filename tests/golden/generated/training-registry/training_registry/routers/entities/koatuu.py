"""Entity ``koatuu``: create, read, update and delete.

Generated from createTable at data-model/createTables.xml:11; do not edit.
"""

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request, Response

from registry_api.entities import EntitySpec
from registry_api.http import dependencies, entity_endpoints
from registry_api.http.routes import LazyRouter
from registry_api.runtime import Caller
from schemas.wire import EntityId

from ...models import Koatuu
from ...tables import koatuu_history_table, koatuu_table

KOATUU = EntitySpec(
    koatuu_table,
    koatuu_history_table,
    primary_key="koatuu_id",
)

router = LazyRouter(tags=["koatuu"])

Creator = Annotated[Caller, Depends(dependencies.entity_writer("koatuu", "insert"))]
Updater = Annotated[Caller, Depends(dependencies.entity_writer("koatuu", "update"))]
Deleter = Annotated[Caller, Depends(dependencies.entity_writer("koatuu", "delete"))]


@router.post("/koatuu", status_code=201, response_model=EntityId)
def create_koatuu(
    body: Koatuu,
    caller: Creator,
) -> dict[str, str]:
    """Create a koatuu; its key is generated unless the body carries one."""
    return entity_endpoints.create(KOATUU, body, caller)


@router.get("/koatuu/{id}", response_model=Koatuu)
def read_koatuu(
    id: UUID,
    request: Request,
) -> Response:
    """Read one koatuu by its key."""
    return entity_endpoints.read(KOATUU, id, request)


@router.put("/koatuu/{id}", status_code=204, response_class=Response)
def update_koatuu(
    id: UUID,
    body: Koatuu,
    caller: Updater,
) -> None:
    """Replace every column of a koatuu (omitted properties become null)."""
    entity_endpoints.replace(KOATUU, id, body, caller)


@router.delete("/koatuu/{id}", status_code=204, response_class=Response)
def delete_koatuu(
    id: UUID,
    caller: Deleter,
) -> None:
    """Delete a koatuu; its history keeps the last state."""
    entity_endpoints.remove(KOATUU, id, caller)
