"""The OpenAPI document of an app, built a slice of routes at a time.

FastAPI's ``get_openapi`` holds four copies of the whole document at once (the raw dict, its pydantic
model, that model dumped, and the dump encoded): for a registry of 1,000 tables (14,000 routes, 38 MiB
of JSON) that was 400 MiB on top of the app. Built :data:`ROUTES_PER_SLICE` routes at a time, only the
merged result grows with the registry. The merge gives FastAPI's document (paths in route order,
components sorted by name); a test compares the two on the example registries.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

ROUTES_PER_SLICE = 500


class OpenApiMergeError(RuntimeError):
    """Two slices described one component differently (models sharing a name): a generator bug."""


def openapi_document(app: FastAPI, *, routes_per_slice: int = ROUTES_PER_SLICE) -> dict[str, Any]:
    """What ``FastAPI.openapi`` returns for ``app``, with a bounded working set."""
    document = get_openapi(
        title=app.title,
        version=app.version,
        openapi_version=app.openapi_version,
        summary=app.summary,
        description=app.description,
        terms_of_service=app.terms_of_service,
        contact=app.contact,
        license_info=app.license_info,
        routes=[],
        webhooks=app.webhooks.routes,
        tags=app.openapi_tags,
        servers=app.servers,
        separate_input_output_schemas=app.separate_input_output_schemas,
        external_docs=app.openapi_external_docs,
    )
    paths: dict[str, dict[str, Any]] = document.setdefault("paths", {})
    components: dict[str, dict[str, Any]] = document.get("components", {})
    routes = list(app.routes)
    for start in range(0, len(routes), max(1, routes_per_slice)):
        part = get_openapi(
            title=app.title,
            version=app.version,
            openapi_version=app.openapi_version,
            routes=routes[start : start + routes_per_slice],
            separate_input_output_schemas=app.separate_input_output_schemas,
        )
        for path, operations in part.get("paths", {}).items():
            paths.setdefault(path, {}).update(operations)
        for section, entries in part.get("components", {}).items():
            merged = components.setdefault(section, {})
            for name, value in entries.items():
                if merged.setdefault(name, value) != value:
                    raise OpenApiMergeError(f"components/{section}/{name} differs between route slices")
    if components:
        document["components"] = {
            section: dict(sorted(entries.items())) for section, entries in components.items()
        }
    return document
