"""The reference's actuator probes: ``/actuator/health/liveness`` (the process answers: a restart is
the cure only for a process that does not), ``/actuator/health/readiness`` (database, migrations and
S3: send traffic elsewhere until they are back) and ``/actuator/health`` (readiness, for clients of
the single endpoint). Outside the API root, not in the OpenAPI documents, open on every profile."""

from __future__ import annotations

from collections.abc import Collection

from fastapi import FastAPI, Request
from starlette.responses import JSONResponse, Response

from registry_api.health import ChangeSetKey, check_readiness
from registry_api.runtime import Runtime

HEALTH_PATH = "/actuator/health"
LIVENESS_PATH = "/actuator/health/liveness"
READINESS_PATH = "/actuator/health/readiness"


def _status(up: bool) -> dict[str, str]:
    return {"status": "UP" if up else "DOWN"}


def install_health(app: FastAPI, expected_changesets: Collection[ChangeSetKey]) -> None:
    expected = frozenset(expected_changesets)

    async def liveness() -> Response:
        return JSONResponse(_status(True))

    def readiness(request: Request) -> Response:  # sync: the checks block, FastAPI runs it in a thread
        runtime: Runtime = request.app.state.runtime
        result = check_readiness(runtime.engine, runtime.files.storage, expected, runtime.read_engine)
        body = {**_status(result.up), "components": {k: _status(v) for k, v in result.components.items()}}
        return JSONResponse(body, status_code=200 if result.up else 503)

    app.add_api_route(LIVENESS_PATH, liveness, methods=["GET"], include_in_schema=False)
    app.add_api_route(READINESS_PATH, readiness, methods=["GET"], include_in_schema=False)
    app.add_api_route(HEALTH_PATH, readiness, methods=["GET"], include_in_schema=False)
