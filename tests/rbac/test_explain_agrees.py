"""``explain`` agrees with the served service: for every route of the user example (every operation of
every profile's OpenAPI document, on every profile) and every caller (each role of its ``ext:rbac`` in
its realm, a caller without roles, no token), the served app — real HTTP requests with real tokens,
PostgreSQL and S3 — refuses exactly when and how ``explain`` says it will (404/405 not routed, 401,
403), and lets the route's handler answer otherwise."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from rbac_tokens import KEYCLOAK, REPO, TokenFactory
from typer.testing import CliRunner

from codegen.cli import app as cli
from codegen.emit import generate
from codegen.explain.request import deployment, explain
from codegen.migrate.runner import migrate
from codegen.reader import read_regulation
from registry_api.deploy import GeneratedRegistry, build_app, forget_package
from registry_api.embedded import EmbeddedS3
from registry_api.settings import AuthSettings, DatabaseSettings, Profile, Settings
from tests.api.conftest import s3_settings

UNKNOWN_ID = "00000000-0000-0000-0000-000000000001"
PARAMETERS = {
    "id": UNKNOWN_ID,
    "fileId": UNKNOWN_ID,
    "entity": "user",
    "entity_id": UNKNOWN_ID,
    "field": "photo",
    "file_id": UNKNOWN_ID,
    "short_name": "abcdefgh",
    "token": "not-a-signed-link",
    "link_id": UNKNOWN_ID,
}
CALLERS: list[tuple[str | None, list[str]]] = [
    ("officer-portal", ["officer"]),
    ("citizen-portal", ["citizen"]),
    ("external-system", ["trembita-invoker"]),
    ("officer-portal", ["auditor"]),
    ("citizen-portal", []),
    (None, []),
]
WRITE_HEADERS = {"X-Source-System": "explain-test", "X-Source-Application": "explain-test"}
ROUTER_NOT_FOUND = "No such resource."  # the app's 404 for a path no route has (problems.py)


def operations(registry: GeneratedRegistry) -> list[tuple[str, str]]:
    """Every (method, concrete path) of every profile's OpenAPI document (HEAD answers carry no body
    to tell the router's 404 from the handler's, so they are left out)."""
    found: set[tuple[str, str]] = set()
    for document in (registry.directory / "openapi").glob("*.json"):
        for template, item in json.loads(document.read_text(encoding="utf-8"))["paths"].items():
            path = template.format(**PARAMETERS)
            for method in item:
                found.add((method.upper(), path))
    return sorted(found)


def refusal(response: httpx.Response) -> int | None:
    """How the service refused the request before its handler ran; None when the handler answered."""
    status = response.status_code
    body = response.json() if response.headers.get("content-type", "").endswith("json") else {}
    if status == 404 and body.get("detail") == ROUTER_NOT_FOUND:
        return 404
    if status == 405:
        return 405
    if status == 401 and body.get("code") == "AUTHENTICATION_FAILED":
        return 401
    if status == 403 and body.get("code") == "FORBIDDEN_OPERATION":
        return 403
    return None


@pytest.fixture
def served(
    user_registry: GeneratedRegistry,
    database_url: str,
    s3: EmbeddedS3,
    realm_jwks: dict[str, Any],
    tmp_path: Path,
) -> Iterator[dict[Profile, tuple[Settings, TestClient]]]:
    migrate(read_regulation(REPO / "examples" / "user"), database_url)
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(realm_jwks))
    clients: dict[Profile, tuple[Settings, TestClient]] = {}
    for profile in Profile:
        settings = Settings(
            profile=profile,
            data_dir=tmp_path,
            database=DatabaseSettings(url=database_url),
            s3=s3_settings(s3),
            auth=AuthSettings(keycloak_url=KEYCLOAK, jwks_file=jwks),
        )
        clients[profile] = (
            settings,
            TestClient(build_app(settings, user_registry), raise_server_exceptions=False),
        )
    yield clients
    for _, client in clients.values():
        client.close()


def test_explain_agrees_with_the_service_on_every_role_and_route(
    served: dict[Profile, tuple[Settings, TestClient]],
    user_registry: GeneratedRegistry,
    token_for: TokenFactory,
) -> None:
    requests = operations(user_registry)
    assert len(requests) > 20
    outcomes: Counter[int | None] = Counter()
    disagreements: list[str] = []
    for profile, (settings, client) in served.items():
        with deployment(user_registry.directory, settings) as deployed:
            for realm, roles in CALLERS:
                headers = dict(WRITE_HEADERS)
                if realm is not None and profile is not Profile.PUBLIC:
                    headers["X-Access-Token"] = token_for(realm, roles)
                for method, path in requests:
                    predicted = explain(deployed, method, path, realm, roles).service_status
                    body = {} if method in ("POST", "PUT", "PATCH") else None
                    answered = refusal(client.request(method, path, headers=headers, json=body))
                    outcomes[predicted] += 1
                    if predicted != answered:
                        who = f"{profile} {realm} {roles}"
                        disagreements.append(
                            f"{who} {method} {path}: explain {predicted}, service {answered}"
                        )
    assert disagreements == [], "\n".join(disagreements)
    assert set(outcomes) == {None, 401, 403, 404, 405}  # every kind of answer was exercised


def test_explain_command_names_the_grant(user_registry: GeneratedRegistry) -> None:
    runner = CliRunner()
    base = ["explain", str(user_registry.directory)]
    allowed = runner.invoke(
        cli,
        [
            *base,
            "--realm",
            "officer-portal",
            "--role",
            "officer",
            "GET",
            f"/api/data-factory/user/{UNKNOWN_ID}",
        ],
    )
    assert allowed.exit_code == 0, allowed.output
    rbac = read_regulation(REPO / "examples" / "user").rbac
    officer_user = next(t for g in rbac if g.role == "officer" for t in g.tables if t.table == "user")
    assert f"p, officer, officer-portal, table/user/*, read  ← {officer_user.location}" in allowed.output
    assert "the route's handler answers" in allowed.output

    denied = runner.invoke(
        cli,
        [
            *base,
            "--realm",
            "citizen-portal",
            "--role",
            "citizen",
            "GET",
            "/api/data-factory/search/user-search-by-name",
        ],
    )
    assert denied.exit_code == 1
    assert (
        "read sc/user_search_by_name: no grant to citizen, isAuthenticated (realm citizen)" in denied.output
    )
    assert "the service answers 403" in denied.output

    caller = ["--realm", "external-system", "--role", "trembita-invoker"]
    search = ["POST", "/api/data-factory/search/user-search-by-name"]
    ext = runner.invoke(cli, [*base, "--profile", "ext", *caller, "--format", "json", *search])
    answer = json.loads(ext.output)
    mesh = next(s for s in answer["steps"] if s["name"] == "mesh")
    assert answer["serviceStatus"] is None and mesh["passed"] is True
    assert "allowed by AuthorizationPolicy user-ext-allow" in mesh["reason"]

    entities_on_ext = runner.invoke(
        cli, [*base, "--profile", "ext", "GET", f"/api/data-factory/user/{UNKNOWN_ID}"]
    )
    assert entities_on_ext.exit_code == 1
    assert "routing:        NO (404)" in entities_on_ext.output

    matrix = runner.invoke(cli, [*base, "--all-roles", "--format", "json"])
    rows = {(r["kind"], r["object"]): r["allowed"] for r in json.loads(matrix.output)["rows"]}
    assert rows[("search", "user_search_by_name")] == [
        "officer@officer-portal",
        "trembita-invoker@external-system",
    ]
    assert rows[("file", "user.photo")] == [
        "officer@officer-portal",
        "citizen@citizen-portal",
        "trembita-invoker@external-system",
        "auditor@officer-portal",
    ]
    assert rows[("table", "user")] == [
        "officer@officer-portal",
        "trembita-invoker@external-system",
        "auditor@officer-portal",
    ]
    assert "isAuthenticated" in rows[("table", "city")]


def test_explain_refuses_what_is_no_output_tree(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["explain", str(tmp_path), "GET", "/x"])
    assert result.exit_code == 2
    assert "is not an output of `registry-api generate`" in result.output


def test_explain_names_the_row_rules_of_an_allowed_request(tmp_path: Path) -> None:
    facility = REPO / "examples" / "facility-registry"
    regulation = read_regulation(facility)
    out = tmp_path / "facility"
    generate(regulation, out, public_api_file=facility / "public-api.yaml")
    rule = next(r for r in regulation.rls_rules if r.name == "facility_read_by_katottg")
    try:
        with deployment(out, Settings()) as deployed:
            path = f"/api/data-factory/facility/{UNKNOWN_ID}"
            read = explain(deployed, "GET", path, "officer-portal", ["officer"])
            denied = explain(deployed, "GET", path, "citizen-portal", ["citizen"])
    finally:
        forget_package(regulation.name.replace("-", "_"))
    access = next(s for s in read.steps if s.name == "access")
    assert access.passed and read.service_status is None
    assert (
        "rows: only where facility.katottg starts with a value of the token claim katottg "
        f"(ext:rls facility_read_by_katottg, read)  ← {rule.location}"
    ) in access.rules
    assert denied.service_status == 403
    assert not any(line.startswith("rows:") for s in denied.steps for line in s.rules)  # denied before rows
