"""The user service: every generated router, grouped for the deployment profiles, and
the factory that builds the running service.

Generated from the regulation; do not edit.
"""

from pathlib import Path

from fastapi import FastAPI

from registry_api import deploy
from registry_api.http.app import RegistryRoutes

from .routers import entities, search

REGISTRY_NAME = "user"
OUTPUT_DIR = Path(__file__).resolve().parents[1]  # the tree `registry-api generate` wrote

ENTITIES = (
    entities.city,
    entities.user,
)
PARTIAL_UPDATES = ()
COMPOSITE_ENTITIES = ()
SEARCH_CONDITIONS = (
    search.user_search_by_name,
    search.user_public_photo,
    search.city_contains_name,
)

ROUTES = RegistryRoutes(
    name=REGISTRY_NAME,
    entity_routers=(
        *(module.router for module in ENTITIES),
        *(module.router for module in PARTIAL_UPDATES),
        *(module.router for module in COMPOSITE_ENTITIES),
    ),
    file_routers={
        ("user", "photo"): entities.user.photo_files,
        ("user", "documents"): entities.user.documents_files,
    },
    search_routers={module.SPEC.name: module.router for module in SEARCH_CONDITIONS},
    search_body_routers={module.SPEC.name: module.body_router for module in SEARCH_CONDITIONS},
    legacy_search_routers={module.SPEC.name: module.legacy_router for module in SEARCH_CONDITIONS},
)


def create_app() -> FastAPI:
    """The service as the ``REGISTRY_*`` environment configures it (profile, database, S3, realms):
    the factory for ``uvicorn --factory user.app:create_app`` and gunicorn workers. Its
    RBAC policy comes from ``OUTPUT_DIR/rbac``; without it the service refuses to start."""
    return deploy.app_from_environment(OUTPUT_DIR)
