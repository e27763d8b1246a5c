"""Who is calling, may they do this, and did they send the headers a write needs. Each check returns
the request's :class:`~registry_api.runtime.Caller`, the plain value the services take.

Writes use them as FastAPI dependencies (``entity_writer``...), which run before the body is
validated, so a denied caller learns nothing about the payload's shape. Reads call them first thing
inside the route (``read_access``...): a sync dependency costs a second threadpool hop per request,
and a read has no body to protect (see docs/benchmarks.md "Entity read").

Every access decision of the service is taken here, entity, search and file reads alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from starlette.requests import HTTPConnection, Request

from registry_api.access import WriteAction
from registry_api.errors import ApiError, ErrorCode
from registry_api.headers import SourceHeaders, require_headers
from registry_api.runtime import Caller, Runtime


def runtime_of(connection: HTTPConnection) -> Runtime:
    runtime: Runtime = connection.app.state.runtime
    return runtime


def caller_of(request: Request) -> Caller:
    """The authenticated caller (401 otherwise) and the request's business-process headers."""
    runtime = runtime_of(request)
    identity = runtime.security.authenticator.authenticate(request.headers)
    request.state.subject = identity.subject  # for the request's log line (never the token)
    return Caller(runtime, identity, SourceHeaders.from_headers(request.headers))


def _deny(what: str) -> ApiError:
    return ApiError(ErrorCode.FORBIDDEN_OPERATION, f"You may not {what}.")


def read_access(request: Request, table: str) -> Caller:
    """For ``GET /{entity}/{id}``: the caller, if they may read ``table``."""
    caller = caller_of(request)
    if not caller.runtime.access.can_read_entity(caller.identity, table):
        raise _deny(f"read {table}")
    return caller


def search_access(request: Request, search_condition: str) -> Caller:
    """For ``GET|POST /search/{sc}``: the caller, if they may run ``search_condition``."""
    caller = caller_of(request)
    if not caller.runtime.access.can_search(caller.identity, search_condition):
        raise _deny(f"search {search_condition}")
    return caller


def file_access(request: Request, table: str, column: str) -> Caller:
    """For file content, short and presigned links: the caller, if they may read ``table.column``
    (a table-level read grant or one on that column)."""
    caller = caller_of(request)
    if not caller.runtime.access.can_read_file(caller.identity, table, column):
        raise ApiError(ErrorCode.FORBIDDEN_OPERATION, "Reading this file is not allowed")
    return caller


def entity_writer(table: str, action: WriteAction) -> Callable[[Request], Caller]:
    def write_access(request: Request) -> Caller:
        caller = caller_of(request)
        if not caller.runtime.access.can_write_entity(caller.identity, table, action):
            raise _deny(f"{action} {table}")
        require_headers(request.headers, caller.runtime.settings.headers.required_on_write)
        return caller

    return write_access


def partial_updater(table: str, columns: Sequence[str]) -> Callable[[Request], Caller]:
    listed = tuple(columns)

    def partial_access(request: Request) -> Caller:
        caller = caller_of(request)
        if not caller.runtime.access.can_partial_update(caller.identity, table, listed):
            raise _deny(f"update {', '.join(listed)} of {table}")
        require_headers(request.headers, caller.runtime.settings.headers.required_on_write)
        return caller

    return partial_access


def authenticated(request: Request) -> Caller:
    """Routes every authenticated caller may use (enums, uploads)."""
    return caller_of(request)
