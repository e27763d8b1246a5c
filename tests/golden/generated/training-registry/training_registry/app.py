"""The training-registry service: every generated router, grouped for the deployment profiles, and
the factory that builds the running service.

Generated from the regulation; do not edit.
"""

from pathlib import Path

from fastapi import FastAPI

from registry_api import deploy
from registry_api.http.app import RegistryRoutes

from .routers import entities, search

REGISTRY_NAME = "training-registry"
OUTPUT_DIR = Path(__file__).resolve().parents[1]  # the tree `registry-api generate` wrote

ENTITIES = (
    entities.koatuu,
    entities.ownership,
    entities.laboratory,
    entities.staff_status,
    entities.staff,
)
PARTIAL_UPDATES = ()
COMPOSITE_ENTITIES = ()
SEARCH_CONDITIONS = (
    search.koatuu_obl_contains_name,
    search.koatuu_np_starts_with_name_by_obl,
    search.ownership_contains_name,
    search.subject_equal_subject_type_equal_subject_code,
    search.laboratory_equal_edrpou_name_count,
    search.laboratory_start_with_edrpou_contains_name,
    search.staff_status_contains_name,
)

ROUTES = RegistryRoutes(
    name=REGISTRY_NAME,
    entity_routers=(
        *(module.router for module in ENTITIES),
        *(module.router for module in PARTIAL_UPDATES),
        *(module.router for module in COMPOSITE_ENTITIES),
    ),
    file_routers={
        ("laboratory", "premises_file"): entities.laboratory.premises_file_files,
        ("staff", "hygienist_certificate_file"): entities.staff.hygienist_certificate_file_files,
    },
    search_routers={module.SPEC.name: module.router for module in SEARCH_CONDITIONS},
    search_body_routers={module.SPEC.name: module.body_router for module in SEARCH_CONDITIONS},
    legacy_search_routers={module.SPEC.name: module.legacy_router for module in SEARCH_CONDITIONS},
)


def create_app() -> FastAPI:
    """The service as the ``REGISTRY_*`` environment configures it (profile, database, S3, realms):
    the factory for ``uvicorn --factory training_registry.app:create_app`` and gunicorn workers. Its
    RBAC policy comes from ``OUTPUT_DIR/rbac``; without it the service refuses to start."""
    return deploy.app_from_environment(OUTPUT_DIR)
