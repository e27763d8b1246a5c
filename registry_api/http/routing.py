"""Which route of a built app a request reaches, and what that route requires of its caller.

``registry-api explain`` asks this about a request it only imagines. The match is Starlette's own
(``Route.matches``, first full match wins, a path served for other methods only is 405), on the app
``registry_api.deploy`` built, so it is the service's routing and not a model of it.

A route's requirement comes from what the route itself declares: a :class:`Requires` dependency
(writes, partial updates, enums, uploads), or the :class:`RegistryRoutes` group it was generated in
(file columns, search conditions). Entity reads check inside the route (no dependency, see
``dependencies``); their table is the one their entity router's write routes name.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Match

from registry_api.entities import EntitySpec
from registry_api.http.app import RegistryRoutes, Router
from registry_api.http.dependencies import Requires
from registry_api.http.file_endpoints import FILE_IN_PATH_ROUTES, SHORT_LINK_ROUTE, SIGNED_LINK_ROUTE
from registry_api.http.routes import LazyRouter
from registry_api.requirements import (
    EntityRead,
    EntityWrite,
    FileRead,
    LinkedFile,
    PartialUpdate,
    Requirement,
    SearchRun,
    SignedLinkToken,
)
from schemas.naming import from_path_segment


@dataclass(frozen=True)
class Resolution:
    """``status`` 404: no route has the path; 405: the path is served for ``allowed_methods`` only;
    ``None``: ``route`` takes it (``requirement`` is None for routes without access control: health,
    API docs)."""

    status: int | None
    route: BaseRoute | None = None
    path_params: dict[str, Any] = field(default_factory=dict)
    requirement: Requirement | None = None
    allowed_methods: tuple[str, ...] = ()
    path: str = ""  # the route's path template, with the app's prefix
    requirement_unknown: bool = False  # a registry route whose access check is not known here

    @property
    def routed(self) -> bool:
        return self.status is None

    @property
    def route_name(self) -> str:
        return str(getattr(self.route, "name", ""))


def _dependency_requirements(dependant: Dependant) -> Iterator[Requirement]:
    for dependency in dependant.dependencies:
        if isinstance(dependency.call, Requires):
            yield dependency.call.requirement
        yield from _dependency_requirements(dependency)


def _declared(route: APIRoute) -> Requirement | None:
    return next(_dependency_requirements(route.dependant), None)


BuiltRoutes = Mapping[Any, Sequence[APIRoute]]  # endpoint → the app's routes calling it


def _endpoints(router: Router, built: BuiltRoutes) -> Iterator[tuple[APIRoute | None, Any]]:
    """(route, endpoint) of a generated router; for a ``LazyRouter`` the route is the one the app
    built (None when the profile did not mount it)."""
    if isinstance(router, LazyRouter):
        for declared in router.routes:
            for route in built.get(declared.endpoint) or (None,):
                yield route, declared.endpoint
        return
    for candidate in router.routes:
        if isinstance(candidate, APIRoute):
            yield candidate, candidate.endpoint


def _built_routes(app: FastAPI) -> dict[Any, list[APIRoute]]:
    built: dict[Any, list[APIRoute]] = {}
    for candidate in _flattened(app.router.routes):
        route = getattr(candidate, "original_route", candidate)
        if isinstance(route, APIRoute):
            built.setdefault(route.endpoint, []).append(route)
    return built


def requirements_by_endpoint(routes: RegistryRoutes, built: BuiltRoutes) -> dict[Any, Requirement]:
    """The requirement of every generated endpoint whose route does not declare one."""
    found: dict[Any, Requirement] = {}
    for (table, column), router in routes.file_routers.items():
        for _, endpoint in _endpoints(router, built):
            found[endpoint] = FileRead(table, column)
    for group in (routes.search_routers, routes.search_body_routers, routes.legacy_search_routers):
        for name, router in group.items():
            for _, endpoint in _endpoints(router, built):
                found[endpoint] = SearchRun(name)
    for router in routes.entity_routers:
        mounted = [(route, endpoint) for route, endpoint in _endpoints(router, built) if route is not None]
        tables = {
            r.table for route, _ in mounted if isinstance(r := _declared(route), EntityWrite | PartialUpdate)
        }
        if len(tables) != 1:
            continue  # the enums router (every route declares its requirement), or not mounted
        (table,) = tables
        for route, endpoint in mounted:
            if _declared(route) is None and "GET" in (route.methods or ()):
                found[endpoint] = EntityRead(table, _nested_tables(endpoint, table))
    return found


def _nested_tables(endpoint: Any, table: str) -> tuple[str, ...]:
    """The tables an entity read nests: its router module's ``EntitySpec`` knows them."""
    module = sys.modules.get(getattr(endpoint, "__module__", ""))
    specs = [v for v in vars(module).values() if isinstance(v, EntitySpec)] if module else []
    return next((spec.nested_tables for spec in specs if spec.name == table), ())


def _requirement(
    route: BaseRoute, params: dict[str, Any], generated: dict[Any, Requirement]
) -> Requirement | None:
    if not isinstance(route, APIRoute):
        return None
    declared = _declared(route)
    if declared is not None:
        return declared
    if route.name == SHORT_LINK_ROUTE:
        return LinkedFile()
    if route.name == SIGNED_LINK_ROUTE:
        return SignedLinkToken()
    if route.name in FILE_IN_PATH_ROUTES:
        return FileRead(from_path_segment(str(params["entity"])), from_path_segment(str(params["field"])))
    return generated.get(route.endpoint)


def _flattened(routes: Sequence[BaseRoute]) -> Iterator[Any]:
    """The app's routes in the order its router tries them. FastAPI includes routers lazily (one
    ``_IncludedRouter`` per ``include_router``, trying its routes in order, first full match wins), so
    trying their effective routes depth-first in order picks the same route."""
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if callable(contexts):
            yield from contexts()
        else:
            yield route


def resolve(app: FastAPI, routes: RegistryRoutes, method: str, path: str) -> Resolution:
    """Where ``method path`` (no query string) goes in ``app``, which was built from ``routes``."""
    scope: dict[str, Any] = {"type": "http", "method": method.upper(), "path": path, "root_path": ""}
    partial: list[Any] = []
    for candidate in _flattened(app.router.routes):
        match, child = candidate.matches(scope)
        route = getattr(candidate, "original_route", candidate)
        if match is Match.FULL:
            params = dict(child.get("path_params", {}))
            generated = requirements_by_endpoint(routes, _built_routes(app))
            requirement = _requirement(route, params, generated)
            shown = str(getattr(candidate, "path_format", None) or getattr(route, "path", ""))
            # Every route of the registry and of the file service carries tags; the platform's open
            # routes (health, API docs) do not. A tagged route whose requirement is not known here is
            # reported as unknown, never as open.
            unknown = requirement is None and isinstance(route, APIRoute) and bool(route.tags)
            return Resolution(None, route, params, requirement, path=shown, requirement_unknown=unknown)
        if match is Match.PARTIAL:
            partial.append(route)
    if partial:
        methods = sorted({m for r in partial for m in (getattr(r, "methods", None) or ())})
        return Resolution(405, partial[0], allowed_methods=tuple(methods))
    return Resolution(404)
