"""The smaller deliberate differences from the reference platform, each a setting (docs/api.md
"Differences from the reference"), over HTTP on the generated user registry: a file the entity does
not hold (404, or the reference's 400 FILE_NOT_FOUND), required token claims (drfo, fullName),
digital signatures on writes (required by a setting, recorded in history with the SHA-256 of the
signed payload, verified by a pluggable hook), and text/plain bodies (415)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from registry_api.deploy import DeployError, GeneratedRegistry, build_app
from registry_api.embedded import EmbeddedS3
from registry_api.settings import load_settings
from tests.api import signature_verifier
from tests.served_registry import KEYCLOAK, WRITE_HEADERS, ServedRegistry, TestRealms, served_registry

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


@pytest.fixture
def serve(
    generated_user: GeneratedRegistry, database_url: str, s3: EmbeddedS3, realms: TestRealms, tmp_path: Path
) -> Iterator[Any]:
    """``serve(**settings)`` → the internal profile of the user registry with those settings."""
    stack: list[Any] = []

    def start(**settings: Any) -> ServedRegistry:
        context = served_registry(
            generated_user, database_url, s3, realms, tmp_path / str(len(stack)), **settings
        )
        stack.append(context)
        return context.__enter__()

    yield start
    for context in reversed(stack):
        context.__exit__(None, None, None)


def auth(realms: TestRealms, **extra: Any) -> dict[str, Any]:
    return {"keycloak_url": KEYCLOAK, "jwks_file": realms.jwks_file, **extra}


def create_user(client: httpx.Client, body: dict[str, Any], **headers: str) -> httpx.Response:
    return client.post("/user", json=body, headers={**WRITE_HEADERS, **headers})


def test_a_file_the_entity_does_not_hold_is_404_or_the_references_400(serve: Any) -> None:
    for reference in (False, True):
        served = serve(files={"reference_file_not_found": reference})
        with served.client("officer") as officer:
            uploaded = officer.post("/files", files={"file": ("p.png", PNG)}).json()
            ref = {"id": uploaded["id"], "checksum": uploaded["checksum"]}
            user_id = create_user(officer, {"name": "Holder", "photo": ref}).json()["id"]
            other = "5b8a3b1e-0f0e-4c1c-9a57-000000000001"
            not_held = officer.get(f"/files/user/{user_id}/documents/{uploaded['id']}")
            not_an_id = officer.get(f"/files/user/{user_id}/photo/not-a-file-id")
            no_entity = officer.get(f"/files/user/{other}/photo/{uploaded['id']}")
        if reference:
            assert (not_held.status_code, not_held.json()["code"]) == (400, "FILE_NOT_FOUND")
            assert not_held.json()["details"] == [uploaded["id"]]
            assert (not_an_id.status_code, not_an_id.json()["details"]) == (400, ["not-a-file-id"])
        else:
            assert (not_held.status_code, not_held.json()["code"]) == (404, "NOT_FOUND")
            assert not_an_id.status_code == 404
        assert no_entity.status_code == 404  # no such entity: 404 either way, as on the reference


def test_required_claims_are_checked_on_everything_but_searches(serve: Any, realms: TestRealms) -> None:
    served = serve(auth=auth(realms, required_claims=["drfo", "fullName"]))
    bare = served.realms.token("officer-portal", ["officer"], subject="no-claims")
    full = served.realms.token(
        "officer-portal", ["officer"], subject="with-claims", drfo="1234567890", fullName="Петро Іваненко"
    )
    url = served.url + served.settings.api_root
    with httpx.Client(base_url=url, headers={"X-Access-Token": full}) as signed_in:
        user_id = create_user(signed_in, {"name": "Claims"}).json()["id"]
        assert signed_in.get(f"/user/{user_id}").status_code == 200
    with httpx.Client(base_url=url, headers={"X-Access-Token": bare}) as anonymous_person:
        refused = anonymous_person.get(f"/user/{user_id}")
        assert (refused.status_code, refused.json()["code"]) == (400, "INVALID_HEADER_VALUE")
        assert refused.json()["details"] == ["drfo", "fullName"]
        assert create_user(anonymous_person, {"name": "No"}).status_code == 400
        # the reference skips its claim filter for searches
        assert anonymous_person.get("/search/user-search-by-name", params={"name": "Cl"}).status_code == 200


def test_signatures_required_and_recorded_with_the_payload_checksum(serve: Any) -> None:
    served = serve(signatures={"required_on_write": True})
    signature = {"X-Digital-Signature": "sign-key-1", "X-Digital-Signature-Derived": "derived-key-1"}
    with served.client("officer") as officer:
        missing = create_user(officer, {"name": "Unsigned"})
        assert (missing.status_code, missing.json()["code"]) == (400, "HEADERS_ARE_MISSING")
        assert missing.json()["details"] == ["X-Digital-Signature", "X-Digital-Signature-Derived"]
        body = json.dumps({"name": "Signed"}, ensure_ascii=False).encode()
        created = officer.post(
            "/user", content=body, headers={**signature, "Content-Type": "application/json"}
        )
        assert created.status_code == 201, created.text
        user_id = created.json()["id"]
        deleted = officer.delete(f"/user/{user_id}", headers=signature)
        assert deleted.status_code == 204
    rows = served.rows(
        "SELECT ddm_dml_op, ddm_digital_sign, ddm_digital_sign_derived, ddm_digital_sign_checksum,"
        " ddm_digital_sign_derived_checksum FROM user_hst WHERE user_id = CAST(:id AS uuid)"
        " ORDER BY ddm_created_at",
        id=user_id,
    )
    written = hashlib.sha256(body).hexdigest()
    removed = hashlib.sha256(('{"id":"' + user_id + '"}').encode()).hexdigest()  # what the reference signs
    assert rows == [
        ("I", "sign-key-1", "derived-key-1", written, written),
        ("D", "sign-key-1", "derived-key-1", removed, removed),
    ]


def test_a_configured_verifier_refuses_signatures_that_do_not_match(serve: Any) -> None:
    served = serve(signatures={"verifier": "tests.api.signature_verifier:verify"})
    with served.client("officer") as officer:
        good = create_user(officer, {"name": "Petro"}, **{"X-Digital-Signature": "signed-by-petro"})
        assert good.status_code == 201, good.text
        assert signature_verifier.seen[-1].identity.roles == frozenset({"officer"})
        forged = create_user(officer, {"name": "Ivan"}, **{"X-Digital-Signature": "signed-by-petro"})
        assert (forged.status_code, forged.json()["code"]) == (412, "SIGNATURE_VIOLATION")
        assert forged.json()["detail"] == "the signature does not match the data"
        assert create_user(officer, {"name": "Unsigned"}).status_code == 201  # signing is not required here
    assert [name for (name,) in served.rows('SELECT name FROM "user" ORDER BY name')] == ["Petro", "Unsigned"]


def test_a_verifier_that_cannot_be_loaded_stops_the_service(generated_user: GeneratedRegistry) -> None:
    for spec in ("tests.api.no_such_module:verify", "tests.api.signature_verifier:nothing", "no-colon"):
        settings = load_settings({"signatures": {"verifier": spec}})
        with pytest.raises(DeployError, match=r"signatures\.verifier"):
            build_app(settings, generated_user)


def test_text_plain_bodies_are_415(serve: Any) -> None:
    served = serve()
    with served.client("officer") as officer:
        body = json.dumps({"name": "Plain"})
        for method, path in (("POST", "/user"), ("POST", "/search/user-search-by-name")):
            answer = officer.request(method, path, content=body, headers={"Content-Type": "text/plain"})
            assert (answer.status_code, answer.json()["code"]) == (415, "UNSUPPORTED_MEDIA_TYPE"), path
        assert (
            officer.post("/user", content=body, headers={"Content-Type": "application/json"}).status_code
            == 201
        )
        assert served.rows('SELECT count(*) FROM "user"') == [(1,)]
