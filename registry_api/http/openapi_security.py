"""The security schemes of a profile's OpenAPI document, so Swagger UI shows an Authorize button and
clients see how to authenticate: the token in ``X-Access-Token`` (the reference's header, what the
mesh checks) or ``Authorization: Bearer``, on every operation of ``internal`` and ``ext``; nothing on
``public``, which is anonymous. Kept apart from the operations' own descriptions (``openapi.py``)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

ACCESS_TOKEN_SCHEME = "accessToken"  # noqa: S105 - a scheme name, not a secret
BEARER_SCHEME = "bearer"
SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    ACCESS_TOKEN_SCHEME: {
        "type": "apiKey",
        "in": "header",
        "name": "X-Access-Token",
        "description": "A Keycloak access token of a realm the deployment accepts (what the mesh reads).",
    },
    BEARER_SCHEME: {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "The same token as `Authorization: Bearer` (the service reads it, the mesh does not).",
    },
}


def install_security_schemes(app: FastAPI, *, anonymous: bool) -> None:
    """Make ``app.openapi()`` declare the schemes (every operation needs one of them, unless it says
    ``security: []``) unless the profile is ``anonymous``. Wraps whatever ``app.openapi`` already does
    (the error responses of ``openapi_errors``)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        document = build()  # cached by FastAPI after the first call: declared once
        if not anonymous and "security" not in document:
            document.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
            document["security"] = [{ACCESS_TOKEN_SCHEME: []}, {BEARER_SCHEME: []}]
        return document

    app.openapi = openapi  # type: ignore[method-assign]
