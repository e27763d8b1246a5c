"""The FastAPI application of a generated registry, shaped by a deployment profile.

A generated package describes its routes as :class:`RegistryRoutes`; :func:`create_app` mounts the
ones the :class:`~registry_api.profiles.RoutePlan` serves under ``settings.api_root`` (a route a
profile does not serve is not mounted at all, so it is a 404 or 405 even without the mesh in front),
installs the problem+json error handlers, and keeps the :class:`~registry_api.runtime.Runtime` on
``app.state`` for the routes.

``create_app`` takes its :class:`~registry_api.runtime.Security` explicitly and has no default for it:
``registry_api.deploy`` is the one place that builds it (``serve``, the generated factory, the OpenAPI
emitter and the tests all go through there).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import Engine

from registry_api.database import create_database_engine
from registry_api.files import FileService, LinkService
from registry_api.health import ChangeSetKey
from registry_api.http.docs import install_docs
from registry_api.http.file_endpoints import UPLOAD_PATH, files_router
from registry_api.http.guards import RequestGuard
from registry_api.http.health import install_health
from registry_api.http.observe import ObservedRequests, RouteTemplates
from registry_api.http.openapi_document import openapi_document
from registry_api.http.openapi_errors import document_error_responses
from registry_api.http.openapi_security import install_security_schemes
from registry_api.http.problems import install_problem_handlers
from registry_api.http.routes import LazyRouter
from registry_api.profiles import RoutePlan
from registry_api.runtime import Runtime, Security
from registry_api.settings import Profile, Settings

OPENAPI_PATH = "/openapi.json"
READ_METHODS = frozenset({"GET", "HEAD"})


class RegistryApp(FastAPI):
    """A FastAPI app whose OpenAPI document is built in slices (``http/openapi_document.py``)."""

    def openapi(self) -> dict[str, Any]:
        if not self.openapi_schema:
            self.openapi_schema = openapi_document(self)
        return self.openapi_schema


class RouteMountError(RuntimeError):
    """A route the profile must never serve was about to be mounted (a bug: fail before serving)."""


Router = APIRouter | LazyRouter  # generated packages declare LazyRouters (built when mounted)


@dataclass(frozen=True)
class RegistryRoutes:
    """Everything a generated package can serve, grouped the way profiles select it."""

    name: str
    title: str = ""
    version: str = "1.0.0"
    entity_routers: tuple[Router, ...] = ()  # CRUD, partial updates and enums
    file_routers: Mapping[tuple[str, str], Router] = field(default_factory=dict)  # (table, column)
    search_routers: Mapping[str, Router] = field(default_factory=dict)  # GET /search/{sc}
    search_body_routers: Mapping[str, Router] = field(default_factory=dict)  # POST /search/{sc}
    legacy_search_routers: Mapping[str, Router] = field(default_factory=dict)  # GET /{sc}

    @property
    def has_files(self) -> bool:
        return bool(self.file_routers)

    def routers_for(self, plan: RoutePlan) -> Iterator[Router]:
        if plan.entities:
            yield from self.entity_routers
        for (table, column), router in sorted(self.file_routers.items()):
            if plan.serves_file(table, column):
                yield router
        for name, router in sorted(self.search_routers.items()):
            if not plan.serves_search(name):
                continue
            yield router
            body = self.search_body_routers.get(name)
            if body is not None and not plan.read_only:
                yield body
            legacy = self.legacy_search_routers.get(name)
            if legacy is not None and plan.legacy_search_paths:
                yield legacy


def create_app(
    routes: RegistryRoutes,
    settings: Settings,
    security: Security,
    *,
    engine: Engine | None = None,
    files: FileService | None = None,
    expected_changesets: Collection[ChangeSetKey] = (),
) -> FastAPI:
    """Build the service. ``engine`` defaults to pools on ``settings.database`` (closed at shutdown);
    ``files`` to a file service on ``settings.s3`` and that engine; signed links use ``settings.links``;
    readiness waits for ``expected_changesets`` in the database's changelog."""
    owns_engine = engine is None
    main_engine = engine if engine is not None else create_database_engine(settings)
    read_engine = create_database_engine(settings, autocommit=True) if owns_engine else None
    file_service = (
        files if files is not None else FileService.from_settings(settings, main_engine, read_engine)
    )
    runtime = Runtime(
        settings=settings,
        engine=main_engine,
        security=security,
        files=file_service,
        links=LinkService.from_settings(settings, main_engine, file_service),
        read_engine=read_engine,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        yield
        if owns_engine:
            runtime.engine.dispose()
            if runtime.read_engine is not None:
                runtime.read_engine.dispose()

    app = RegistryApp(
        title=routes.title or f"{routes.name} data factory",
        version=routes.version,
        openapi_url=OPENAPI_PATH,
        docs_url=None,  # served from local assets by install_docs, not from a CDN
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    install_problem_handlers(app)
    templates = RouteTemplates()

    plan = security.plan
    api_root = settings.api_root.rstrip("/")
    for router in routes.routers_for(plan):
        _mount(app, router, api_root, plan, templates)
    if routes.has_files:
        _mount(app, files_router(plan, frozenset(routes.file_routers)), api_root, plan, templates)

    install_health(app, expected_changesets)
    install_docs(app, OPENAPI_PATH)
    document_error_responses(app, anonymous=settings.profile is Profile.PUBLIC)
    install_security_schemes(app, anonymous=settings.profile is Profile.PUBLIC)
    app.add_middleware(
        RequestGuard,
        max_body_bytes=settings.http.max_json_body_bytes,
        exempt={("POST", api_root + UPLOAD_PATH)},  # streamed to S3 under files.max_upload_bytes
    )
    app.add_middleware(ObservedRequests, templates=templates)  # outermost: every answer is traced
    return app


def _mount(app: FastAPI, router: Router, prefix: str, plan: RoutePlan, templates: RouteTemplates) -> None:
    if plan.read_only:
        for path, methods in _methods(router):
            if methods - READ_METHODS:
                raise RouteMountError(f"a read-only profile may not serve {sorted(methods)} {path}")
    if isinstance(router, LazyRouter):
        router.mount(app.router, prefix)  # each route built once, into the app itself (prefixed)
        return
    app.include_router(router, prefix=prefix)
    for route in router.routes:
        templates.add(route, prefix)


def _methods(router: Router) -> Iterator[tuple[str, set[str]]]:
    if isinstance(router, LazyRouter):
        for declared in router.routes:
            yield declared.path, set(declared.methods)
        return
    for route in router.routes:
        methods = set(route.methods or ()) if isinstance(route, APIRoute) else set()
        yield getattr(route, "path", str(route)), methods
