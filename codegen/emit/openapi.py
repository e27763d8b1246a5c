"""``openapi/<profile>.json``: the OpenAPI document of each deployment, taken from the app that
``registry_api.deploy`` builds for that profile — the very builder ``serve`` uses, so the documents can
never drift from the routes. Built with the default settings only (``DefaultSettings``: no environment,
no ``.env``), so the same regulation always gives the same documents."""

from __future__ import annotations

import filecmp
import gc
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
            path = target / f"{profile}.json"
            _write_json(path, document_for(registry, Profile(profile)))
            written.append(path)
            # a profile's app and document are cyclic garbage (routes, models, schemas): freed now, a
            # large registry's next profile is not built on top of them (the peak stays one profile's)
            gc.collect()
    finally:
        forget_package(package)  # a later run in this process must see the files it writes
    return written


def _write_json(path: Path, document: dict[str, Any]) -> None:
    """Stream the document to a temporary file (a large registry's is tens of MiB: ``json.dumps``
    would hold it several times over), then replace ``path`` only if the bytes differ."""
    encoder = json.JSONEncoder(indent=2, sort_keys=True, ensure_ascii=False)
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        with temporary.open("w", encoding="utf-8") as stream:
            for piece in encoder.iterencode(document):
                stream.write(piece)
            stream.write("\n")
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    if path.is_file() and filecmp.cmp(path, temporary, shallow=False):
        temporary.unlink()
    else:
        temporary.replace(path)


def document_for(registry: GeneratedRegistry, profile: Profile) -> dict[str, Any]:
    engine = create_engine(_OFFLINE_URL)
    try:
        app = build_app(DefaultSettings(profile=profile), registry, dev_auth=False, engine=engine)
        document: dict[str, Any] = app.openapi()
    finally:
        engine.dispose()
    return document
