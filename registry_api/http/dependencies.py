"""Who is calling, may they do this, and did they send the headers a write needs. Each check returns
the request's :class:`~registry_api.runtime.Caller`, the plain value the services take.

Writes use them as FastAPI dependencies (``entity_writer``...), which run before the body is
validated, so a denied caller learns nothing about the payload's shape. Reads call them first thing
inside the route (``read_access``...): a sync dependency costs a second threadpool hop per request,
and a read has no body to protect (see docs/benchmarks.md "Entity read").

Every access decision of the service is taken here, entity, search and file reads alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import anyio.from_thread
from starlette.requests import HTTPConnection, Request

from registry_api.access import WriteAction
from registry_api.errors import ApiError, ErrorCode
from registry_api.headers import SourceHeaders, require_headers
from registry_api.requirements import (
    AnyCaller,
    CompositeWrite,
    EntityRead,
    EntityWrite,
    FileRead,
    PartialUpdate,
    Requirement,
    SearchRun,
    permits,
)
from registry_api.runtime import Caller, Runtime
from registry_api.signatures import SIGNATURE_HEADERS, SignedWrite, delete_payload, signed_payload


def runtime_of(connection: HTTPConnection) -> Runtime:
    runtime: Runtime = connection.app.state.runtime
    return runtime


def caller_of(request: Request, *, claims: bool = True) -> Caller:
    """The authenticated caller (401 otherwise) and the request's business-process headers. With
    ``claims``, a token lacking one of ``auth.required_claims`` is 400 INVALID_HEADER_VALUE (the
    reference checks them on every request but searches)."""
    runtime = runtime_of(request)
    identity = runtime.security.authenticator.authenticate(request.headers)
    request.state.subject = identity.subject  # for the request's log line (never the token)
    if claims and not identity.anonymous:
        _check_claims(identity.claims, runtime.settings.auth.required_claims)
    return Caller(runtime, identity, SourceHeaders.from_headers(request.headers))


def _check_claims(claims: Mapping[str, Any], required: Sequence[str]) -> None:
    missing = [name for name in required if claims.get(name) in (None, "")]
    if missing:
        raise ApiError(
            ErrorCode.INVALID_HEADER_VALUE,
            "The access token lacks the claims " + ", ".join(missing) + ".",
            details=missing,
        )


def _deny(what: str) -> ApiError:
    return ApiError(ErrorCode.FORBIDDEN_OPERATION, f"You may not {what}.")


def _require(request: Request, requirement: Requirement) -> Caller:
    caller = caller_of(request, claims=not isinstance(requirement, SearchRun))
    if not permits(requirement, caller.runtime.access, caller.identity):
        if isinstance(requirement, FileRead):
            raise ApiError(ErrorCode.FORBIDDEN_OPERATION, "Reading this file is not allowed")
        raise _deny(requirement.describe())
    return caller


def read_access(request: Request, table: str, nested: Sequence[str] = ()) -> Caller:
    """For ``GET /{entity}/{id}``: the caller, if they may read ``table`` and every table whose rows
    the read nests."""
    return _require(request, EntityRead(table, tuple(nested)))


def search_access(request: Request, search_condition: str) -> Caller:
    """For ``GET|POST /search/{sc}``: the caller, if they may run ``search_condition``."""
    return _require(request, SearchRun(search_condition))


def file_access(request: Request, table: str, column: str) -> Caller:
    """For file content, short and presigned links: the caller, if they may read ``table.column``
    (a table-level read grant or one on that column)."""
    return _require(request, FileRead(table, column))


@dataclass(frozen=True)
class Requires:
    """A route dependency deciding ``requirement`` before the body is read; ``explain`` finds the
    requirement of a route by looking for these among its dependencies."""

    requirement: Requirement
    needs_write_headers: bool = False

    def __call__(self, request: Request) -> Caller:
        caller = _require(request, self.requirement)
        if self.needs_write_headers:
            settings = caller.runtime.settings
            require_headers(request.headers, settings.headers.required_on_write)
            if settings.signatures.required_on_write:
                require_headers(request.headers, SIGNATURE_HEADERS)
            caller = _signed(request, caller)
        return caller


def _signed(request: Request, caller: Caller) -> Caller:
    """A write carrying a signature header: verified by the configured hook, and fingerprinted for its
    history row. Runs in the threadpool (a sync dependency), after FastAPI read the body: the body
    comes from Starlette's cache through the event loop."""
    headers = caller.headers
    if not (headers.digital_signature or headers.digital_signature_derived):
        return caller
    if request.method == "DELETE":
        payload = delete_payload(str(request.path_params.get("id", "")))
    else:
        payload = anyio.from_thread.run(request.body)
    write = SignedWrite(
        caller.identity,
        request.method,
        request.url.path,
        headers.digital_signature,
        headers.digital_signature_derived,
        payload,
    )
    return replace(caller, signed=signed_payload(headers, write, caller.runtime.security.verifier))


def entity_writer(table: str, action: WriteAction) -> Requires:
    return Requires(EntityWrite(table, action), needs_write_headers=True)


def composite_writer(name: str, tables: Sequence[str]) -> Requires:
    return Requires(CompositeWrite(name, tuple(tables)), needs_write_headers=True)


def partial_updater(table: str, columns: Sequence[str]) -> Requires:
    return Requires(PartialUpdate(table, tuple(columns)), needs_write_headers=True)


authenticated = Requires(AnyCaller())
"""Routes every authenticated caller may use (enums, uploads)."""
