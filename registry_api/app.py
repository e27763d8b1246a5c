"""The app factory: one FastAPI application for a generated registry, shaped by a deployment profile.

A generated package describes its routes as :class:`RegistryRoutes`; :func:`create_app` mounts the
ones the :class:`~registry_api.profiles.RoutePlan` serves under ``settings.api_root`` (a route a
profile does not serve is not mounted at all, so it is a 404 even without the mesh in front), installs
the problem+json error handlers, and keeps the :class:`~registry_api.runtime.Runtime` on
``app.state`` for the routes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import JSONResponse, Response

from registry_api.access import AccessPolicy, AllowAll, Authenticator
from registry_api.database import create_database_engine
from registry_api.problems import install_problem_handlers
from registry_api.profiles import SERVE_EVERYTHING, RoutePlan
from registry_api.runtime import DevelopmentAuthenticator, Runtime
from registry_api.settings import Settings

log = logging.getLogger("registry_api")

HEALTH_PATH = "/actuator/health"


@dataclass(frozen=True)
class RegistryRoutes:
    """Everything a generated package can serve, grouped the way profiles select it."""

    name: str
    title: str = ""
    version: str = "1.0.0"
    entity_routers: tuple[APIRouter, ...] = ()  # CRUD, partial updates and enums
    file_routers: Mapping[tuple[str, str], APIRouter] = field(default_factory=dict)  # (table, column)
    search_routers: Mapping[str, APIRouter] = field(default_factory=dict)  # GET|POST /search/{sc}
    legacy_search_routers: Mapping[str, APIRouter] = field(default_factory=dict)  # GET /{sc}

    def routers_for(self, plan: RoutePlan) -> Iterator[APIRouter]:
        if plan.entities:
            yield from self.entity_routers
        for (table, column), router in sorted(self.file_routers.items()):
            if plan.serves_file(table, column):
                yield router
        for name, router in sorted(self.search_routers.items()):
            if plan.serves_search(name):
                yield router
                legacy = self.legacy_search_routers.get(name)
                if plan.legacy_search_paths and legacy is not None:
                    yield legacy


def create_app(
    registry: RegistryRoutes,
    settings: Settings | None = None,
    *,
    authenticator: Authenticator | None = None,
    access: AccessPolicy | None = None,
    plan: RoutePlan = SERVE_EVERYTHING,
    engine: Engine | None = None,
    files: Any | None = None,
) -> FastAPI:
    """Build the service. ``engine`` defaults to one from ``settings.database``; ``files`` (a
    ``registry_api.files.FileService``) to one from ``settings.s3`` when an endpoint is configured.
    Without an authenticator every caller is a development identity — fine for tests, and the reason
    ``serve`` passes a real one unless told ``--dev-auth``."""
    settings = settings or Settings()
    owns_engine = engine is None
    runtime = Runtime(
        settings=settings,
        engine=engine if engine is not None else create_database_engine(settings),
        authenticator=authenticator if authenticator is not None else DevelopmentAuthenticator(),
        access=access if access is not None else AllowAll(),
        plan=plan,
        files=files if files is not None else _file_service(settings, plan),
        read_engine=create_database_engine(settings, autocommit=True) if owns_engine else None,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        yield
        if owns_engine:
            runtime.engine.dispose()
            if runtime.read_engine is not None:
                runtime.read_engine.dispose()

    app = FastAPI(
        title=registry.title or f"{registry.name} data factory",
        version=registry.version,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    install_problem_handlers(app)

    api_root = settings.api_root.rstrip("/")
    for router in registry.routers_for(plan):
        app.include_router(router, prefix=api_root)
    if runtime.files is not None:
        files_router = _files_router(runtime.files, plan)
        if files_router is not None:
            app.include_router(files_router, prefix=api_root)

    app.add_api_route(HEALTH_PATH, _health, methods=["GET"], include_in_schema=False)
    return app


def _health(request: Request) -> Response:
    """Liveness and readiness in one: UP when the database answers."""
    runtime: Runtime = request.app.state.runtime
    try:
        with runtime.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return JSONResponse({"status": "DOWN", "components": {"db": {"status": "DOWN"}}}, status_code=503)
    return JSONResponse({"status": "UP", "components": {"db": {"status": "UP"}}})


def _file_service(settings: Settings, plan: RoutePlan) -> Any | None:
    """The file service, when S3 is configured and the files package is installed."""
    if not settings.s3.endpoint_url:
        return None
    try:
        from registry_api.files import service as files_service
    except ImportError:
        log.warning("S3 is configured but registry_api.files is unavailable: file columns are values only")
        return None
    return files_service.FileService.from_settings(settings)


def _files_router(files: Any, plan: RoutePlan) -> APIRouter | None:
    build = getattr(files, "router", None)
    if build is None:
        return None
    router: APIRouter | None = build(plan)
    return router


def route_plan(
    profile: str,
    exposed_to: Mapping[str, tuple[str, ...]],
    file_columns: Mapping[str, tuple[tuple[str, str], ...]],
    public_api: Any | None = None,
) -> RoutePlan:
    """The profile's route plan from a generated package's ``exposure`` constants."""
    from registry_api.profiles import plan_for

    exposures = {sc: frozenset(consumers) for sc, consumers in exposed_to.items()}
    files = {sc: frozenset(pairs) for sc, pairs in file_columns.items()}
    return plan_for(profile, exposures, files, public_api)
