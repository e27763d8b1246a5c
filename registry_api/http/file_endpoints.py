"""The file routes: the per-column content routes (generated; they call :func:`content`) and the
routes of the file service itself (:func:`files_router`): upload, short links, signed links and, on
the internal profile, presigned links and the management of signed links. Access is decided here, like
for entities; the file and link services do the work. A signed link (``/l/<token>``) is the one route
with no access check of its own: its signature is the authorisation (``registry_api/files/links.py``).

The router has no prefix: the app mounts it under ``settings.api_root`` like the generated ones.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Table
from starlette.responses import Response

from registry_api.errors import ApiError, ErrorCode
from registry_api.files import DownloadQuery, FormContext, UploadBody
from registry_api.http.dependencies import authenticated, caller_of, file_access, runtime_of
from registry_api.http.openapi import (
    FILE_CONTENT_OPENAPI_EXTRA,
    FILE_CONTENT_RESPONSES,
    LINK_CONTENT_RESPONSES,
    LIST_LINKS_RESPONSES,
    MINT_LINK_RESPONSES,
    REVOKE_LINK_RESPONSES,
    UPLOAD_OPENAPI_EXTRA,
    UPLOAD_RESPONSES,
)
from registry_api.http.responses import file_response
from registry_api.metrics import observe_upload
from registry_api.profiles import RoutePlan
from registry_api.runtime import Caller
from schemas.naming import from_path_segment
from schemas.wire import (
    PresignedLink,
    RevokedLinks,
    SignedLink,
    SignedLinkInfo,
    SignedLinkRequest,
    UploadedFile,
)

UPLOAD_PATH = "/files"
FILE_PATH = "/files/{entity}/{entity_id}/{field}/{file_id}"
# Route names ``explain`` recognises (registry_api.http.routing); a route's name is its function's.
SHORT_LINK_ROUTE = "short_link"  # decided for the file column the link resolves to
SIGNED_LINK_ROUTE = "signed_link"  # the link's signature is the authorisation
PRESIGNED_LINK_ROUTE = "presigned_link"
# Decided as a read of the file column the path names (``{entity}``, ``{field}``).
FILE_IN_PATH_ROUTES = frozenset(
    {PRESIGNED_LINK_ROUTE, "mint_link", "list_links", "revoke_links", "revoke_link"}
)


def download_query(request: Request) -> DownloadQuery:
    headers = request.headers
    return DownloadQuery(
        head=request.method == "HEAD",
        accept=headers.get("accept"),
        range=headers.get("range"),
        if_none_match=headers.get("if-none-match"),
        if_range=headers.get("if-range"),
    )


def content(request: Request, table: Table, column: str, entity_id: Any, file_id: str) -> Response:
    """``GET|HEAD /files/{entity}/{entityId}/{field}/{fileId}``: 403 without a read grant on the table
    or that column; 404 unless the entity exists and that field holds that file."""
    caller = file_access(request, table.name, column)
    rows = caller.runtime.rows.read_filter(caller.identity, table.name)
    answer = caller.runtime.files.content(table, column, entity_id, file_id, download_query(request), rows)
    return file_response(answer)


def files_router(plan: RoutePlan, file_columns: frozenset[tuple[str, str]] | None = None) -> APIRouter:
    """The file service's own routes ``plan`` serves; ``file_columns`` are the registry's (table, column)
    file columns (None: not known here, the database is asked)."""
    router = APIRouter(tags=["files"])

    if plan.entities and not plan.read_only:

        @router.post(
            UPLOAD_PATH,
            status_code=201,
            response_model=UploadedFile,
            responses=UPLOAD_RESPONSES,
            openapi_extra=UPLOAD_OPENAPI_EXTRA,
            summary="Upload a file to the staging area",
        )
        async def upload_file(
            request: Request, caller: Annotated[Caller, Depends(authenticated)]
        ) -> JSONResponse:
            # async: the body streams from the event loop; S3 and the database work in a thread.
            form = FormContext.checked(
                request.query_params.get("fieldName"), request.query_params.get("formKey")
            )
            body = UploadBody(
                request.stream(),
                request.headers.get("content-type"),
                request.headers.get("content-length"),
                form,
            )
            files = caller.runtime.files
            uploaded = await files.upload_stream(
                body, caller.identity, caller.headers.root_business_process_instance_id
            )
            observe_upload(uploaded.size)
            return JSONResponse(uploaded.model_dump(mode="json", by_alias=True), status_code=201)

    if plan.short_links:

        def short_link(short_name: str, request: Request) -> Response:
            runtime = runtime_of(request)
            entry, places = runtime.files.resolve_short_name(short_name)
            served = [place for place in places if plan.serves_file(place.entity, place.field)]
            if not served:
                raise ApiError(ErrorCode.NOT_FOUND, "No such file")  # this deployment does not serve it
            # A file bound to several places: the first (oldest) one the caller may read answers.
            caller = caller_of(request)
            readable = (p for p in served if runtime.access.can_read_file(caller.identity, p.entity, p.field))
            place = next(readable, None)
            if place is None:
                raise ApiError(ErrorCode.FORBIDDEN_OPERATION, "Reading this file is not allowed")
            rows = runtime.rows.read_filter(caller.identity, place.entity)
            answer = runtime.files.content(
                place.entity, place.field, place.entity_id, entry.id, download_query(request), rows
            )
            return file_response(answer)

        # GET and HEAD as two routes: one operation in OpenAPI (fastapi#1773: GET routes lack HEAD).
        router.add_api_route(
            "/s/{short_name}",
            short_link,
            methods=["GET"],
            responses=FILE_CONTENT_RESPONSES,
            openapi_extra=FILE_CONTENT_OPENAPI_EXTRA,
            response_class=Response,
            summary="The file behind a short link",
            name=SHORT_LINK_ROUTE,
        )
        router.add_api_route(
            "/s/{short_name}", short_link, methods=["HEAD"], include_in_schema=False, name=SHORT_LINK_ROUTE
        )

    if plan.presign:

        @router.get(
            "/files/{entity}/{entity_id}/{field}/{file_id}/link",
            response_model=PresignedLink,
            responses={code: FILE_CONTENT_RESPONSES[code] for code in (403, 404, 503)},
            summary="A presigned S3 URL for the file (internal profile only)",
            name=PRESIGNED_LINK_ROUTE,
        )
        def presigned_link(
            entity: str,
            entity_id: str,
            field: str,
            file_id: str,
            request: Request,
            expires_in: Annotated[int | None, Query(alias="expiresIn")] = None,
        ) -> JSONResponse:
            table, column = from_path_segment(entity), from_path_segment(field)
            if not plan.serves_file(table, column):
                raise ApiError(ErrorCode.NOT_FOUND, "No such file")
            caller = file_access(request, table, column)
            rows = caller.runtime.rows.read_filter(caller.identity, table)
            link = caller.runtime.files.presigned_link(table, column, entity_id, file_id, expires_in, rows)
            return JSONResponse(link.model_dump(mode="json", by_alias=True))

    if plan.signed_links:
        _add_signed_link_routes(router)
    if plan.mint_links:
        _add_link_management_routes(router, plan, file_columns)
    return router


def _add_signed_link_routes(router: APIRouter) -> None:
    def signed_link(request: Request, token: str) -> Response:
        # no pattern on the parameter: a malformed token is an unknown link (404), not a bad request
        answer = runtime_of(request).links.open(token, download_query(request))
        return file_response(answer)

    router.add_api_route(
        "/l/{token}",
        signed_link,
        methods=["GET"],
        responses=LINK_CONTENT_RESPONSES,
        openapi_extra={**FILE_CONTENT_OPENAPI_EXTRA, "security": []},  # the link is the authorisation
        response_class=Response,
        summary="The file behind a signed link (no token needed: the link is the authorisation)",
    )
    router.add_api_route("/l/{token}", signed_link, methods=["HEAD"], include_in_schema=False)


def _add_link_management_routes(
    router: APIRouter, plan: RoutePlan, file_columns: frozenset[tuple[str, str]] | None
) -> None:
    """Make, list and revoke the signed links of one file of one entity field: for whoever may read it."""

    def readable(
        request: Request, entity: str, field: str, entity_id: str, file_id: str
    ) -> tuple[Caller, str, str]:
        table, column = from_path_segment(entity), from_path_segment(field)
        known = file_columns is None or (table, column) in file_columns
        if not known or not plan.serves_file(table, column):
            raise ApiError(ErrorCode.NOT_FOUND, "No such file")
        caller = file_access(request, table, column)
        rows = caller.runtime.rows.read_filter(caller.identity, table)
        if rows is not None:  # a row the caller may not see has no file to link (ext:rls): 404
            caller.runtime.files.bound_entry(table, column, entity_id, file_id, rows)
        return caller, table, column

    @router.post(
        f"{FILE_PATH}/links",
        status_code=201,
        response_model=SignedLink,
        responses=MINT_LINK_RESPONSES,
        summary="Make a signed link to the file, for a form (opened with a plain GET, no token)",
    )
    def mint_link(
        entity: str,
        entity_id: str,
        field: str,
        file_id: str,
        request: Request,
        body: Annotated[SignedLinkRequest | None, Body()] = None,
    ) -> JSONResponse:
        caller, table, column = readable(request, entity, field, entity_id, file_id)
        asked = body or SignedLinkRequest()
        link = caller.runtime.links.mint(
            table,
            column,
            entity_id,
            file_id,
            caller.identity,
            expires_in_s=asked.expires_in,
            inline=asked.disposition == "inline",
            max_uses=asked.max_uses,
        )
        return JSONResponse(link.model_dump(mode="json", by_alias=True), status_code=201)

    @router.get(
        f"{FILE_PATH}/links",
        response_model=list[SignedLinkInfo],
        responses=LIST_LINKS_RESPONSES,
        summary="The signed links made for the file (without their tokens)",
    )
    def list_links(entity: str, entity_id: str, field: str, file_id: str, request: Request) -> JSONResponse:
        caller, table, column = readable(request, entity, field, entity_id, file_id)
        links = caller.runtime.links.list(table, column, entity_id, file_id)
        return JSONResponse([link.model_dump(mode="json", by_alias=True) for link in links])

    @router.delete(
        f"{FILE_PATH}/links",
        response_model=RevokedLinks,
        responses=LIST_LINKS_RESPONSES,
        summary="Revoke every signed link of the file",
    )
    def revoke_links(entity: str, entity_id: str, field: str, file_id: str, request: Request) -> JSONResponse:
        caller, table, column = readable(request, entity, field, entity_id, file_id)
        revoked = caller.runtime.links.revoke_all(table, column, entity_id, file_id)
        return JSONResponse(RevokedLinks(revoked=revoked).model_dump(mode="json"))

    @router.delete(
        f"{FILE_PATH}/links/{{link_id}}",
        status_code=204,
        response_class=Response,
        responses=REVOKE_LINK_RESPONSES,
        summary="Revoke one signed link of the file",
    )
    def revoke_link(
        entity: str, entity_id: str, field: str, file_id: str, link_id: str, request: Request
    ) -> Response:
        caller, table, column = readable(request, entity, field, entity_id, file_id)
        caller.runtime.links.revoke(table, column, entity_id, file_id, link_id)
        return Response(status_code=204)
