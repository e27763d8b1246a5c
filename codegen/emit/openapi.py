"""``openapi/<profile>.json``: the OpenAPI document of each deployment, taken from the generated app
itself built with that profile's route plan (so the documents can never drift from the routes)."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import create_engine

from registry_api.settings import Settings
from schemas.regulation import Regulation

PROFILES = ("internal", "ext", "public")
# Never connected to: building an app and its OpenAPI document touches no database.
_OFFLINE_URL = "postgresql+psycopg://openapi@127.0.0.1:1/openapi"


def write_documents(
    out_dir: Path, package: str, regulation: Regulation, settings: Any, public_api: Any
) -> list[Path]:
    written: list[Path] = []
    target = out_dir / "openapi"
    target.mkdir(parents=True, exist_ok=True)
    with imported(out_dir, package) as generated:
        for profile in PROFILES:
            document = document_for(generated, profile, public_api)
            path = target / f"{profile}.json"
            text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def document_for(generated: ModuleType, profile: str, public_api: Any) -> dict[str, Any]:
    engine = create_engine(_OFFLINE_URL)
    try:
        plan = generated.route_plan(profile, public_api)
        app = generated.create_app(Settings(), plan=plan, engine=engine, files=None)
        document: dict[str, Any] = app.openapi()
    finally:
        engine.dispose()
    return document


@contextmanager
def imported(out_dir: Path, package: str) -> Iterator[ModuleType]:
    """Import the freshly written package (and forget it afterwards, so a second run in the same
    process sees the new files). No bytecode is written into the output tree."""
    forget(package)
    sys.path.insert(0, str(out_dir))
    writes_bytecode = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        importlib.invalidate_caches()
        app_module = importlib.import_module(f"{package}.app")
        yield app_module
    finally:
        sys.dont_write_bytecode = writes_bytecode
        sys.path.remove(str(out_dir))
        forget(package)


def forget(package: str) -> None:
    for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
        del sys.modules[name]
