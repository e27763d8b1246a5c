"""``registry-api files prune`` on the generated user registry served over HTTP: what it removes (each
printed), what it keeps, ``--dry-run`` and ``--older-than``; afterwards catalogue rows, bindings and S3
objects match exactly."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from codegen.cli import app
from codegen.commands.files import parse_duration
from registry_api.settings import settings_environment
from tests.file_state import file_state
from tests.served_registry import ServedRegistry

PDF = b"%PDF-1.4\n prune me \n%%EOF\n"


def upload(client: httpx.Client, name: str, data: bytes) -> dict[str, Any]:
    response = client.post("/files", files={"file": (name, data, "application/octet-stream")})
    assert response.status_code == 201, response.text
    return dict(response.json())


def run_prune(served: ServedRegistry, *options: str) -> str:
    result = CliRunner().invoke(app, ["files", "prune", *options], env=settings_environment(served.settings))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def officer(user_api: ServedRegistry) -> Any:
    with user_api.client("officer") as client:
        yield client


def test_prune_removes_what_no_entity_needs_and_keeps_the_rest(
    user_api: ServedRegistry, officer: httpx.Client
) -> None:
    s3 = user_api.s3_client
    forgotten = upload(officer, "forgotten.pdf", PDF)
    kept = upload(officer, "kept.pdf", PDF + b"kept")
    created = officer.post(
        "/user", json={"name": "Olena", "documents": [{"id": kept["id"], "checksum": kept["checksum"]}]}
    )
    assert created.status_code == 201, created.text
    stray = f"uploads/{uuid.uuid4()}"  # stored, never catalogued (the upload failed in between)
    s3.put_object(Bucket=user_api.staging_bucket, Key=stray, Body=b"stray")
    orphan = str(uuid.uuid4())  # copied for a write whose commit's outcome was unknown
    s3.put_object(Bucket=user_api.registry_bucket, Key=orphan, Body=b"orphan")
    pending = s3.create_multipart_upload(Bucket=user_api.staging_bucket, Key=f"uploads/{uuid.uuid4()}")
    process_file = f"process/bp-1/{uuid.uuid4()}"  # a business process's own area: never swept
    s3.put_object(Bucket=user_api.staging_bucket, Key=process_file, Body=b"bp")

    assert run_prune(user_api).splitlines()[-1] == "0 removed, 0 kept"  # default: older than 24 h

    dry = run_prune(user_api, "--older-than", "0s", "--dry-run")
    assert dry.splitlines()[-1] == "4 would be removed, 0 kept"
    assert len(user_api.catalogue_rows()) == 2 and stray in user_api.keys(user_api.staging_bucket)

    output = run_prune(user_api, "--older-than", "0s")
    assert f"removed unattached upload: {user_api.staging_bucket}/uploads/{forgotten['id']}" in output
    assert f"uploads/{kept['id']}" not in output
    assert f"removed staging object without a catalogue row: {user_api.staging_bucket}/{stray}" in output
    assert f"removed registry object of no attached file: {user_api.registry_bucket}/{orphan}" in output
    assert f"aborted unfinished multipart upload: {user_api.staging_bucket}/{pending['Key']}" in output
    assert output.splitlines()[-1] == "4 removed, 0 kept"

    state = file_state(user_api)
    assert state.mismatches(pruned=True) == []
    assert set(state.rows) == {kept["id"]}
    assert state.registry_objects == {kept["id"]}
    assert state.staging_objects == {process_file, f"uploads/{kept['id']}"}  # proof of possession stays
    # the attached file still downloads; the forgotten one is gone for good
    downloaded = officer.get(f"/files/user/{created.json()['id']}/documents/{kept['id']}")
    assert hashlib.sha256(downloaded.content).hexdigest() == kept["checksum"]
    reuse = officer.post(
        "/user", json={"name": "Late", "photo": {"id": forgotten["id"], "checksum": forgotten["checksum"]}}
    )
    assert reuse.status_code == 400 and reuse.json()["code"] == "FILE_NOT_FOUND"
    assert run_prune(user_api, "--older-than", "0s").splitlines()[-1] == "0 removed, 0 kept"


def test_prune_needs_a_configured_database_and_a_valid_duration() -> None:
    result = CliRunner().invoke(
        app, ["files", "prune", "--older-than", "soon"], env={"REGISTRY_DATABASE__URL": ""}
    )
    assert result.exit_code == 2 and "not a duration" in result.output
    result = CliRunner().invoke(
        app, ["files", "prune"], env={"REGISTRY_DATABASE__URL": "", "REGISTRY_S3__ENDPOINT_URL": ""}
    )
    assert result.exit_code == 2 and "REGISTRY_DATABASE__URL" in result.output


@pytest.mark.parametrize(
    ("text", "seconds"), [("0s", 0), ("90s", 90), ("1h30m", 5400), ("7d", 604800), ("24h", 86400)]
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text).total_seconds() == seconds
