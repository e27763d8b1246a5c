"""The routes the file service serves itself: upload, short links and (internal profile) presigned
links. The per-column content routes are generated; they call :meth:`FileService.serve`.

The router has no prefix: the app mounts it under ``settings.api_root`` like the generated ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from registry_api.access import Identity
from registry_api.errors import ApiError, ErrorCode
from registry_api.files.openapi import FILE_CONTENT_RESPONSES, UPLOAD_OPENAPI_EXTRA, UPLOAD_RESPONSES
from registry_api.profiles import RoutePlan
from schemas.wire import PresignedLink, UploadedFile

if TYPE_CHECKING:
    from registry_api.files.service import FileService

IdentityDependency = Callable[..., Identity]

# Without a plan: everything but presigned links, which only the internal profile may offer.
_DEFAULT_PLAN = RoutePlan(
    entities=True,
    search_conditions=None,
    legacy_search_paths=True,
    file_columns=None,
    short_links=True,
    presign=False,
    read_only=False,
)


def app_identity(request: Request) -> Identity:
    """The caller, as the app's authenticator sees them (``request.app.state.runtime``)."""
    runtime = getattr(request.app.state, "runtime", None)
    if runtime is None:
        raise ApiError(ErrorCode.AUTHENTICATION_FAILED, "No authenticator is configured")
    identity: Identity = runtime.authenticator.authenticate(request)
    return identity


def build_router(
    service: FileService, plan: RoutePlan | None, identity: IdentityDependency | None
) -> APIRouter:
    plan = plan or _DEFAULT_PLAN
    router = APIRouter(tags=["files"])
    who = Depends(identity or app_identity)

    if plan.entities and not plan.read_only:

        @router.post(
            "/files",
            status_code=201,
            response_model=UploadedFile,
            responses=UPLOAD_RESPONSES,
            openapi_extra=UPLOAD_OPENAPI_EXTRA,
            summary="Upload a file to the staging area",
        )
        async def upload_file(request: Request, caller: Identity = who) -> JSONResponse:
            # async: the body streams from the event loop; S3 and the database work in a thread.
            uploaded = await service.upload_request(request, caller)
            return JSONResponse(uploaded.model_dump(mode="json", by_alias=True), status_code=201)

    if plan.short_links:

        def short_link(short_name: str, request: Request, caller: Identity = who) -> Response:
            entry = service.resolve_short_name(short_name, request)
            if entry.entity is None or entry.field is None or entry.entity_id is None:
                raise ApiError(ErrorCode.NOT_FOUND, "No such file")
            if not plan.serves_file(entry.entity, entry.field):
                raise ApiError(ErrorCode.NOT_FOUND, "No such file")  # this deployment does not serve it
            return service.serve(request, entry.entity, entry.field, entry.entity_id, entry.id, caller)

        # GET and HEAD as two routes: one operation in OpenAPI (fastapi#1773: GET routes lack HEAD).
        router.add_api_route(
            "/s/{short_name}",
            short_link,
            methods=["GET"],
            responses=FILE_CONTENT_RESPONSES,
            response_class=Response,
            summary="The file behind a short link",
        )
        router.add_api_route("/s/{short_name}", short_link, methods=["HEAD"], include_in_schema=False)

    if plan.presign:

        @router.get(
            "/files/{entity}/{entity_id}/{field}/{file_id}/link",
            response_model=PresignedLink,
            responses={code: FILE_CONTENT_RESPONSES[code] for code in (403, 404, 503)},
            summary="A presigned S3 URL for the file (internal profile only)",
        )
        def presigned_link(
            entity: str,
            entity_id: str,
            field: str,
            file_id: str,
            request: Request,
            caller: Identity = who,
            expires_in: Annotated[int | None, Query(alias="expiresIn")] = None,
        ) -> JSONResponse:
            # Path segments are the names with "_" -> "-" (schemas.naming.to_path_segment).
            table, column = entity.replace("-", "_"), field.replace("-", "_")
            if not plan.serves_file(table, column):
                raise ApiError(ErrorCode.NOT_FOUND, "No such file")
            link = service.presigned_link(request, table, column, entity_id, file_id, caller, expires_in)
            return JSONResponse(link.model_dump(mode="json", by_alias=True))

    return router
