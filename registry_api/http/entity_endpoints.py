"""The generated entity routes' entry points: the caller was checked by ``dependencies``; the work is
done by ``registry_api.entities``; the answer is shaped here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from registry_api import bulk, composites, entities
from registry_api.bulk import BulkSpec
from registry_api.composites import CompositeSpec
from registry_api.entities import EntitySpec
from registry_api.http.dependencies import read_access
from registry_api.http.guards import reject_unstorable_text
from registry_api.http.responses import json_response
from registry_api.runtime import Caller
from schemas.wire import FileRef


def read(spec: EntitySpec, entity_id: Any, request: Request) -> Response:
    """``GET /{entity}/{id}``."""
    caller = read_access(request, spec.name, spec.nested_tables)
    return json_response(entities.read(spec, entity_id, caller))


def create(spec: EntitySpec, body: BaseModel, caller: Caller) -> dict[str, str]:
    """``POST /{entity}`` → ``{"id"}``."""
    reject_unstorable_text(body)
    return entities.create(spec, body, caller)


def replace(spec: EntitySpec, entity_id: Any, body: BaseModel, caller: Caller) -> None:
    """``PUT /{entity}/{id}`` → 204."""
    reject_unstorable_text(body)
    entities.replace(spec, entity_id, body, caller)


def remove(spec: EntitySpec, entity_id: Any, caller: Caller) -> None:
    """``DELETE /{entity}/{id}`` → 204."""
    entities.remove(spec, entity_id, caller)


def patch(spec: EntitySpec, entity_id: Any, body: BaseModel, columns: Sequence[str], caller: Caller) -> None:
    """``PATCH /partial/{name}/{id}`` → 204."""
    reject_unstorable_text(body)
    entities.patch(spec, entity_id, body, columns, caller)


def upsert_composite(spec: CompositeSpec, body: BaseModel, caller: Caller) -> dict[str, str]:
    """``PUT /nested/{name}`` → ``{"id"}`` of the root row."""
    return composites.upsert(spec, body, caller)


def create_list(spec: BulkSpec, rows: Sequence[BaseModel], caller: Caller) -> list[dict[str, str]]:
    """``POST /{entity}/list`` → 201 ``[{"id"}, ...]``."""
    return bulk.create_list(spec, rows, caller)


def load_csv(spec: BulkSpec, body: FileRef, caller: Caller) -> list[dict[str, str]]:
    """``POST /{entity}/csv`` → 201 ``[{"id"}, ...]``."""
    return bulk.load_csv(spec, body.id, body.checksum, caller, commit=True)


def validate_csv(spec: BulkSpec, body: FileRef, caller: Caller) -> Response:
    """``POST /{entity}/csv/validation`` → 200 without a body when ``/csv`` would load the file."""
    bulk.load_csv(spec, body.id, body.checksum, caller, commit=False)
    return Response(status_code=200)
