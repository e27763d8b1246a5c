"""``openapi/<profile>.json``: the OpenAPI document of each deployment, taken from the app that
``registry_api.deploy`` builds for that profile — the very builder ``serve`` uses, so the documents can
never drift from the routes. Built with the default settings only (``DefaultSettings``: no environment,
no ``.env``), so the same regulation always gives the same documents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine

from registry_api.deploy import GeneratedRegistry, build_app, forget_package, import_generated
from registry_api.settings import DefaultSettings, Profile
from schemas.layout import OPENAPI_DIR

PROFILES = tuple(profile.value for profile in Profile)
# Never connected to: building an app and its OpenAPI document touches no database.
_OFFLINE_URL = "postgresql+psycopg://openapi@127.0.0.1:1/openapi"


def write_documents(out_dir: Path, package: str) -> list[Path]:
    written: list[Path] = []
    target = out_dir / OPENAPI_DIR
    target.mkdir(parents=True, exist_ok=True)
    registry = import_generated(out_dir, package)
    try:
        for profile in PROFILES:
            document = document_for(registry, Profile(profile))
            path = target / f"{profile}.json"
            text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                path.write_text(text, encoding="utf-8")
            written.append(path)
    finally:
        forget_package(package)  # a later run in this process must see the files it writes
    return written


def document_for(registry: GeneratedRegistry, profile: Profile) -> dict[str, Any]:
    engine = create_engine(_OFFLINE_URL)
    try:
        app = build_app(DefaultSettings(profile=profile), registry, dev_auth=False, engine=engine)
        document: dict[str, Any] = app.openapi()
    finally:
        engine.dispose()
    return document
