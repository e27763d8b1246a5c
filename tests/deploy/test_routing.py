"""``registry_api.http.routing``: a route of the registry whose access check is not known is reported
as unknown, never as open; the platform's own open routes (health) have no requirement; an entity
read takes its table from its router's write routes."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI

from registry_api.http.app import RegistryRoutes
from registry_api.http.dependencies import entity_writer
from registry_api.http.routing import resolve
from registry_api.requirements import EntityRead, EntityWrite


def read_city(id: str) -> None:
    """Checks access inside, like a generated entity read."""


def delete_city(id: str) -> None:
    """Declares its requirement as a dependency, like a generated write."""


def mystery() -> None:
    """A registry route nobody taught explain about."""


def test_unknown_access_checks_are_never_reported_open() -> None:
    entity = APIRouter(tags=["city"])
    entity.add_api_route("/city/{id}", read_city, methods=["GET"])
    writer = Depends(entity_writer("city", "delete"))
    entity.add_api_route("/city/{id}", delete_city, methods=["DELETE"], dependencies=[writer])
    other = APIRouter(tags=["thing"])
    other.add_api_route("/thing", mystery, methods=["POST"])
    routes = RegistryRoutes(name="t", entity_routers=(entity, other))
    app = FastAPI()
    for router in routes.entity_routers:
        app.include_router(router, prefix="/api")
    app.add_api_route("/actuator/health", mystery, methods=["GET"], include_in_schema=False)

    unknown = resolve(app, routes, "POST", "/api/thing")
    assert unknown.routed and unknown.requirement is None and unknown.requirement_unknown
    read = resolve(app, routes, "GET", "/api/city/1")
    assert read.requirement == EntityRead("city") and not read.requirement_unknown
    assert read.path == "/api/city/{id}" and read.path_params == {"id": "1"}
    assert resolve(app, routes, "DELETE", "/api/city/1").requirement == EntityWrite("city", "delete")
    health = resolve(app, routes, "GET", "/actuator/health")
    assert health.routed and health.requirement is None and not health.requirement_unknown
    refused = resolve(app, routes, "PUT", "/api/city/1")
    assert refused.status == 405 and refused.allowed_methods == ("DELETE", "GET")
    assert resolve(app, routes, "GET", "/api/nothing").status == 404
