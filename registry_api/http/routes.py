"""Routes a generated module declares, built only when an app mounts them.

A FastAPI ``APIRouter`` builds every route (signature analysis, a pydantic adapter per parameter) as
soon as it is declared, and FastAPI builds each route again for every app that includes the router.
A registry of 1,000 tables and 2,000 search conditions declares some 14,000 routes: built at import
and again per app, that was over half a minute and hundreds of MiB before anything was served
(docs/benchmarks.md "Large regulations"). :class:`LazyRouter` has the same decorators, only records
them, and :meth:`LazyRouter.mount` adds each route to the app once, under the app's prefix — and
only the routes a profile serves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import APIRouter

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


@dataclass(frozen=True)
class DeclaredRoute:
    """One ``add_api_route`` call, waiting for an app: its path, endpoint and keyword arguments."""

    path: str
    endpoint: Callable[..., Any]
    methods: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict)


class LazyRouter:
    """An ``APIRouter`` look-alike for generated modules: ``get``/``post``/``put``/``patch``/
    ``delete``/``add_api_route`` record the route; nothing is built until :meth:`mount`."""

    def __init__(self, *, tags: Sequence[str] = ()) -> None:
        self.tags = list(tags)
        self.routes: list[DeclaredRoute] = []

    def add_api_route(
        self, path: str, endpoint: Callable[..., Any], *, methods: Sequence[str], **options: Any
    ) -> None:
        self.routes.append(DeclaredRoute(path, endpoint, tuple(m.upper() for m in methods), options))

    def api_route(
        self, path: str, *, methods: Sequence[str], **options: Any
    ) -> Callable[[Endpoint], Endpoint]:
        def decorator(endpoint: Endpoint) -> Endpoint:
            self.add_api_route(path, endpoint, methods=methods, **options)
            return endpoint

        return decorator

    def get(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self.api_route(path, methods=["GET"], **options)

    def post(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self.api_route(path, methods=["POST"], **options)

    def put(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self.api_route(path, methods=["PUT"], **options)

    def patch(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self.api_route(path, methods=["PATCH"], **options)

    def delete(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self.api_route(path, methods=["DELETE"], **options)

    @property
    def methods(self) -> frozenset[str]:
        return frozenset(method for route in self.routes for method in route.methods)

    def mount(self, target: APIRouter, prefix: str = "") -> None:
        """Build every recorded route once, straight into ``target`` (an app's router) under ``prefix``."""
        for route in self.routes:
            options = dict(route.options)
            options["tags"] = [*self.tags, *options.get("tags", ())]
            target.add_api_route(prefix + route.path, route.endpoint, methods=list(route.methods), **options)
