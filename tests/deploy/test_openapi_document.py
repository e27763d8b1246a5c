"""The OpenAPI document built in route slices is FastAPI's own document, for every profile."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import create_engine

from codegen.emit import generate
from codegen.reader import read_regulation
from registry_api.deploy import build_app, forget_package, load_generated
from registry_api.http.openapi_document import openapi_document
from registry_api.settings import DefaultSettings, Profile

REPO = Path(__file__).resolve().parents[2]
TRAINING = REPO.parent / "shared" / "regulations" / "assembled" / "training-registry"


@pytest.mark.parametrize(
    ("regulation", "public_api"),
    [(REPO / "examples" / "user", REPO / "examples" / "user" / "public-api.yaml"), (TRAINING, None)],
    ids=["user", "training"],
)
def test_sliced_document_equals_fastapis(regulation: Path, public_api: Path | None, tmp_path: Path) -> None:
    generate(read_regulation(regulation), tmp_path, public_api_file=public_api)
    registry = load_generated(tmp_path)
    engine = create_engine("postgresql+psycopg://openapi@127.0.0.1:1/openapi")  # never connected
    try:
        for profile in (Profile.PUBLIC, Profile.EXT, Profile.INTERNAL):
            app = build_app(DefaultSettings(profile=profile), registry, engine=engine)
            sliced = openapi_document(app, routes_per_slice=2)
            assert sliced == FastAPI.openapi(app), profile
        assert len(sliced["paths"]) > 5  # the internal profile (the last one built) serves plenty
    finally:
        engine.dispose()
        forget_package(registry.package)
