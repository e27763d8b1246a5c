"""Entity ``city`` (Cities): create, read, update and delete.

Generated from createTable at data-model/createTables.xml:14; do not edit.
"""

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request, Response

from registry_api.entities import EntitySpec
from registry_api.http import dependencies, entity_endpoints
from registry_api.http.routes import LazyRouter
from registry_api.runtime import Caller
from schemas.wire import EntityId

from ...models import City
from ...tables import city_history_table, city_table

CITY = EntitySpec(
    city_table,
    city_history_table,
    primary_key="city_id",
)

router = LazyRouter(tags=["city"])

Creator = Annotated[Caller, Depends(dependencies.entity_writer("city", "insert"))]
Updater = Annotated[Caller, Depends(dependencies.entity_writer("city", "update"))]
Deleter = Annotated[Caller, Depends(dependencies.entity_writer("city", "delete"))]


@router.post("/city", status_code=201, response_model=EntityId)
def create_city(
    body: City,
    caller: Creator,
) -> dict[str, str]:
    """Create a city; its key is generated unless the body carries one."""
    return entity_endpoints.create(CITY, body, caller)


@router.get("/city/{id}", response_model=City)
def read_city(
    id: UUID,
    request: Request,
) -> Response:
    """Read one city by its key."""
    return entity_endpoints.read(CITY, id, request)


@router.put("/city/{id}", status_code=204, response_class=Response)
def update_city(
    id: UUID,
    body: City,
    caller: Updater,
) -> None:
    """Replace every column of a city (omitted properties become null)."""
    entity_endpoints.replace(CITY, id, body, caller)


@router.delete("/city/{id}", status_code=204, response_class=Response)
def delete_city(
    id: UUID,
    caller: Deleter,
) -> None:
    """Delete a city; its history keeps the last state."""
    entity_endpoints.remove(CITY, id, caller)
