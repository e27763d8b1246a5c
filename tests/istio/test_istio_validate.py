"""Offline validation: vendored CRD schemas, strictness, and Istio's path rules."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from istio.build import build_all
from istio.validate import VENDORED_SCHEMAS, path_problem, validate_resource, vendor_schemas
from schemas.public_api import PublicApiSettings
from schemas.regulation import Regulation


def test_vendored_schemas_equal_the_shared_crd_bundle(shared_dir: Path) -> None:
    expected = vendor_schemas(shared_dir / "istio-crds" / "crd-all.gen.yaml")
    assert json.loads(VENDORED_SCHEMAS.read_text(encoding="utf-8")) == expected, (
        "istio/crds/istio-crds.json is out of date: python -m istio.validate --vendor "
        "../shared/istio-crds/crd-all.gen.yaml"
    )
    assert {
        "security.istio.io/v1/AuthorizationPolicy",
        "security.istio.io/v1/RequestAuthentication",
        "networking.istio.io/v1alpha3/EnvoyFilter",
        "networking.istio.io/v1/VirtualService",
    } <= set(expected["schemas"])


@pytest.fixture
def resources(user_regulation: Regulation, user_public_api: PublicApiSettings) -> dict[str, dict[str, Any]]:
    return {r.name: copy.deepcopy(r.body) for r in build_all(user_regulation, public_api=user_public_api)}


def test_every_generated_resource_validates(resources: dict[str, dict[str, Any]]) -> None:
    assert len(resources) == 13
    for name, body in resources.items():
        assert validate_resource(body) == [], name


def _one_problem(body: dict[str, Any], *needles: str) -> None:
    problems = validate_resource(body)
    assert problems, "the broken resource was accepted"
    assert any(all(n in p for n in needles) for p in problems), problems


def test_unknown_field_is_rejected_not_pruned(resources: dict[str, dict[str, Any]]) -> None:
    body = resources["user-public-allow"]
    body["spec"]["rules"][0]["to"][0]["operation"]["pathz"] = ["/x"]
    _one_problem(body, "Additional properties", "pathz")


def test_unknown_field_in_request_authentication_is_rejected(resources: dict[str, dict[str, Any]]) -> None:
    body = resources["user-internal-request-authentication"]
    body["spec"]["jwtRules"][0]["fromHeader"] = [{"name": "X-Access-Token"}]
    _one_problem(body, "fromHeader")


def test_bad_enum_is_rejected(resources: dict[str, dict[str, Any]]) -> None:
    body = resources["user-internal-deny-without-token"]
    body["spec"]["action"] = "PERMIT"
    _one_problem(body, "spec.action", "PERMIT")
    envoy = resources["user-public-rate-limit"]
    envoy["spec"]["configPatches"][0]["match"]["context"] = "SIDECAR"
    _one_problem(envoy, "context")


def _with_path(resources: dict[str, dict[str, Any]], path: str) -> dict[str, Any]:
    body = resources["user-public-allow"]
    body["spec"]["rules"][0]["to"][0]["operation"]["paths"] = [path]
    return body


@pytest.mark.parametrize(
    ("path", "needle"),
    [
        ("/api/data-factory/files/user/*/photo/*", "more than one"),
        ("/api/data-factory/files/*/photo", "middle"),
        ("/api/data-factory/files/{**}/photo/{*}", "last"),
        ("/api/data-factory/files/user/{*}/photo/*", "mixes"),
        ("/api/data-factory/files/user/{*}.jpg", "whole path segment"),
        ("/api/data factory/{*}", "pchar"),
    ],
)
def test_broken_paths_are_rejected(resources: dict[str, dict[str, Any]], path: str, needle: str) -> None:
    _one_problem(_with_path(resources, path), needle)


@pytest.mark.parametrize(
    "path",
    [
        "/api/data-factory/x",
        "/api/*",
        "*/photo",
        "*",
        "/a/{*}/b/{*}",
        "/a/{**}",
        "/a/{*}/b/{**}",
        "/a/{*}/b/",
    ],
)
def test_good_paths_pass(path: str) -> None:
    assert path_problem(path) is None


def test_middle_star_elsewhere_in_policy_is_rejected(resources: dict[str, dict[str, Any]]) -> None:
    body = resources["user-ext-allow"]
    body["spec"]["rules"][1]["from"][0]["source"]["requestPrincipals"] = ["https://kc/*/realms/x"]
    _one_problem(body, "requestPrincipals", "middle")


def test_jwks_uri_and_jwks_together_are_rejected(resources: dict[str, dict[str, Any]]) -> None:
    body = resources["user-ext-request-authentication"]
    body["spec"]["jwtRules"][0]["jwks"] = '{"keys": []}'
    _one_problem(body, "only one of jwksUri or jwks")


def test_selector_and_target_ref_together_are_rejected(resources: dict[str, dict[str, Any]]) -> None:
    body = resources["user-ext-deny-without-token"]
    body["spec"]["targetRefs"] = [{"kind": "Service", "group": "", "name": "x"}]
    _one_problem(body, "mutually exclusive")


def test_unknown_kind_and_bad_name_are_reported(resources: dict[str, dict[str, Any]]) -> None:
    body = resources["user-ext-allow"]
    body["apiVersion"] = "security.istio.io/v2"
    _one_problem(body, "unsupported apiVersion/kind")
    body = resources["user-internal-deny-without-token"]
    body["metadata"]["name"] = "Not_A_Name"
    _one_problem(body, "DNS-1123")
