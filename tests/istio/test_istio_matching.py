"""The generated policies under Istio's documented matching: exactly the intended requests get through."""

from __future__ import annotations

from typing import Any

import pytest

from istio.build import build_all
from istio.matching import Request, allowed, path_match
from istio.settings import IstioSettings
from schemas.public_api import PublicApiSettings
from schemas.regulation import Regulation

ENTITY_ID = "7f9c2b1e-5d4a-4e3b-9c8d-1a2b3c4d5e6f"
FILE_ID = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9"
ROOT = "/api/data-factory"
PHOTO = f"{ROOT}/files/user/{ENTITY_ID}/photo/{FILE_ID}"
SHORT = "Xk3h7PqRt2vWz9YbNc4dLm"
TOKEN = "AQ3vXk3h7PqRt2vWz9YbNc4dLmAAAABnk5bNAb7z.H1kq3x9Zp0vYbNc4dLm-3vXk_h7PqRt2vWz9YbNc4"
EXT_PRINCIPAL = "https://keycloak.example.org/realms/user-external-system/service-account-trembita"
OFFICER_PRINCIPAL = "https://keycloak.example.org/realms/user-officer-portal/officer-1"


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("/a/b", "/a/b", True),
        ("/a/b", "/a/b/", False),
        ("/a/*", "/a/b/c", True),
        ("*/c", "/a/b/c", True),
        ("*", "/anything", True),
        ("/a/{*}", "/a/b", True),
        ("/a/{*}", "/a/b/c", False),
        ("/a/{*}", "/a/", False),
        ("/a/{*}/c/{**}", "/a/b/c/", True),
        ("/a/{*}/c/{**}", "/a/b/c/d/e", True),
    ],
)
def test_the_matcher_follows_istio_docs(pattern: str, path: str, expected: bool) -> None:
    assert path_match(pattern, path) is expected


def _policies(resources: list[Any], profile: str) -> list[dict[str, Any]]:
    """The policies of the profile's own workload (not those of the ingress gateway's pods)."""
    return [
        r.body
        for r in resources
        if r.profile.value == profile
        and r.kind == "AuthorizationPolicy"
        and "app" in r.body["spec"]["selector"]["matchLabels"]
    ]


@pytest.fixture(scope="module")
def resources(user_regulation: Regulation, user_public_api: PublicApiSettings) -> list[Any]:
    return build_all(user_regulation, public_api=user_public_api)


def test_public_allows_exactly_the_published_files(resources: list[Any]) -> None:
    public = _policies(resources, "public")
    assert allowed(public, Request("GET", PHOTO))
    assert allowed(public, Request("HEAD", PHOTO))
    denied = [
        Request("GET", f"{ROOT}/files/user/{ENTITY_ID}/documents/{FILE_ID}"),  # another field
        Request("GET", f"{ROOT}/files/city/{ENTITY_ID}/photo/{FILE_ID}"),  # another entity
        Request("GET", f"{PHOTO}/extra"),  # an extra segment
        Request("GET", f"{ROOT}/files/user/{ENTITY_ID}/x/photo/{FILE_ID}"),
        Request("GET", f"{ROOT}/files/user/{ENTITY_ID}/photo"),
        Request("POST", PHOTO),
        Request("PUT", PHOTO),
        Request("DELETE", PHOTO),
        Request("GET", f"{ROOT}/user/{ENTITY_ID}"),  # entity read
        Request("POST", f"{ROOT}/files"),  # upload
        Request("GET", f"{ROOT}/user-search-by-name"),  # exposed to ext, not public
        Request("POST", f"{ROOT}/search/user-public-photo"),
    ]
    for request in denied:
        assert not allowed(public, request), request
        assert not allowed(public, Request(request.method, request.path, EXT_PRINCIPAL)), request


def test_public_allows_the_published_search_condition_anonymously(resources: list[Any]) -> None:
    public = _policies(resources, "public")
    for path in (f"{ROOT}/user-public-photo", f"{ROOT}/search/user-public-photo"):
        assert allowed(public, Request("GET", path))
        assert allowed(public, Request("HEAD", path))


def test_ext_allows_exposed_routes_with_an_external_token_only(resources: list[Any]) -> None:
    ext = _policies(resources, "ext")
    for path in (PHOTO, f"{ROOT}/files/user/{ENTITY_ID}/documents/{FILE_ID}"):
        assert allowed(ext, Request("GET", path, EXT_PRINCIPAL))
        assert not allowed(ext, Request("GET", path))  # no token
        assert not allowed(ext, Request("GET", path, OFFICER_PRINCIPAL))  # another realm
    assert allowed(ext, Request("GET", f"{ROOT}/user-search-by-name", EXT_PRINCIPAL))
    assert allowed(ext, Request("POST", f"{ROOT}/search/user-search-by-name", EXT_PRINCIPAL))
    assert not allowed(ext, Request("POST", f"{ROOT}/user-search-by-name", EXT_PRINCIPAL))
    denied = [
        Request("GET", f"{ROOT}/files/city/{ENTITY_ID}/photo/{FILE_ID}"),
        Request("GET", f"{PHOTO}/extra"),
        Request("DELETE", PHOTO),
        Request("POST", PHOTO),
        Request("GET", f"{ROOT}/user-public-photo"),  # public only, not exposed to ext
        Request("GET", f"{ROOT}/city-contains-name"),  # not exposed
        Request("GET", f"{ROOT}/user/{ENTITY_ID}"),
    ]
    for request in denied:
        assert not allowed(ext, Request(request.method, request.path, EXT_PRINCIPAL)), request
    assert allowed(ext, Request("GET", "/actuator/health"))  # probes and docs need no token


def test_internal_needs_a_token_except_health(resources: list[Any]) -> None:
    internal = _policies(resources, "internal")
    assert not allowed(internal, Request("GET", f"{ROOT}/user/{ENTITY_ID}"))
    assert allowed(internal, Request("GET", f"{ROOT}/user/{ENTITY_ID}", OFFICER_PRINCIPAL))
    assert allowed(internal, Request("DELETE", PHOTO, OFFICER_PRINCIPAL))  # RBAC decides inside
    assert allowed(internal, Request("GET", "/actuator/health"))
    assert allowed(internal, Request("GET", "/docs/oauth2-redirect"))


def test_public_without_settings_allows_only_signed_links(user_regulation: Regulation) -> None:
    public = _policies(build_all(user_regulation), "public")
    assert public[0]["spec"]["rules"] == [
        {"to": [{"operation": {"methods": ["GET", "HEAD"], "paths": [f"{ROOT}/l/{{*}}"]}}]}
    ]
    assert not allowed(public, Request("GET", f"{ROOT}/user-public-photo"))
    assert not allowed(public, Request("GET", PHOTO))
    assert not allowed(public, Request("GET", f"{ROOT}/s/{SHORT}"))  # no published file column
    assert allowed(public, Request("GET", f"{ROOT}/l/{TOKEN}"))
    silent = build_all(user_regulation, IstioSettings(public_signed_links={"enabled": False}))  # type: ignore[arg-type]
    assert _policies(silent, "public")[0]["spec"] == {
        "action": "ALLOW",
        "selector": {"matchLabels": {"app": "user-rest-api-public"}},
    }


def test_links_pass_the_mesh_where_the_service_serves_them(resources: list[Any]) -> None:
    public, internal, ext = (_policies(resources, profile) for profile in ("public", "internal", "ext"))
    for path in (f"{ROOT}/s/{SHORT}", f"{ROOT}/l/{TOKEN}"):
        assert allowed(public, Request("GET", path)) and allowed(public, Request("HEAD", path))
        assert not allowed(public, Request("POST", path))
        assert not allowed(public, Request("GET", f"{path}/more"))
        assert not allowed(ext, Request("GET", path, EXT_PRINCIPAL))  # ext serves neither
    # internal: a signed link is opened by a browser without a token; a short link needs one
    assert allowed(internal, Request("GET", f"{ROOT}/l/{TOKEN}"))
    assert not allowed(internal, Request("GET", f"{ROOT}/s/{SHORT}"))
    assert allowed(internal, Request("GET", f"{ROOT}/s/{SHORT}", OFFICER_PRINCIPAL))
    assert not allowed(internal, Request("GET", f"{ROOT}/links"))
    assert not allowed(internal, Request("POST", f"{PHOTO}/links"))  # minting needs a token
