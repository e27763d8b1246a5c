"""Who is calling, may they do this, and did they send the headers a write needs. Each check
returns a :class:`Caller` the route hands to the entity or search services.

Writes use them as FastAPI dependencies (``entity_writer``...), which run before the body is
validated, so a denied caller learns nothing about the payload's shape. Reads call them first thing
inside the route (``read_access``...): a sync dependency costs a second threadpool hop per request,
and a read has no body to protect (see docs/benchmarks.md "Entity read")."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from starlette.requests import Request

from registry_api.access import Identity, WriteAction
from registry_api.errors import ApiError, ErrorCode
from registry_api.headers import SourceHeaders, require_headers
from registry_api.runtime import Runtime, runtime_of


@dataclass(frozen=True, slots=True)
class Caller:
    runtime: Runtime
    identity: Identity
    headers: SourceHeaders
    request: Request


def _caller(request: Request) -> Caller:
    runtime = runtime_of(request)
    identity = runtime.authenticator.authenticate(request)
    return Caller(runtime, identity, SourceHeaders.from_request(request), request)


def _deny(what: str) -> ApiError:
    return ApiError(ErrorCode.FORBIDDEN_OPERATION, f"You may not {what}.")


def read_access(request: Request, table: str) -> Caller:
    """For ``GET /{entity}/{id}``: the caller, if they may read ``table``."""
    caller = _caller(request)
    if not caller.runtime.access.can_read_entity(caller.identity, table):
        raise _deny(f"read {table}")
    return caller


def search_access(request: Request, search_condition: str) -> Caller:
    """For ``GET|POST /search/{sc}``: the caller, if they may run ``search_condition``."""
    caller = _caller(request)
    if not caller.runtime.access.can_search(caller.identity, search_condition):
        raise _deny(f"search {search_condition}")
    return caller


def file_access(request: Request) -> Caller:
    """For file content routes: the authenticated caller; the file service decides per column (it
    knows the entity and field, and applies ``can_read_file``)."""
    return _caller(request)


def entity_writer(table: str, action: WriteAction) -> Callable[[Request], Caller]:
    def write_access(request: Request) -> Caller:
        caller = _caller(request)
        if not caller.runtime.access.can_write_entity(caller.identity, table, action):
            raise _deny(f"{action} {table}")
        require_headers(request, caller.runtime.settings.headers.required_on_write)
        return caller

    return write_access


def partial_updater(table: str, columns: Sequence[str]) -> Callable[[Request], Caller]:
    listed = tuple(columns)

    def partial_access(request: Request) -> Caller:
        caller = _caller(request)
        if not caller.runtime.access.can_partial_update(caller.identity, table, listed):
            raise _deny(f"update {', '.join(listed)} of {table}")
        require_headers(request, caller.runtime.settings.headers.required_on_write)
        return caller

    return partial_access


def anyone(request: Request) -> Caller:
    """Routes every authenticated caller may use (enums)."""
    return _caller(request)
