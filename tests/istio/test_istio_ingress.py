"""Ingress for every caller, as the reference routes it: external systems on
``/api/gateway/data-factory/...`` (a valid external-system token required at the gateway already) to
the ext Deployment's ``/api/data-factory/...``; anonymous clients on ``/api/public/data-factory/...``
to the public Deployment, their tokens removed on the way."""

from __future__ import annotations

import re
from typing import Any

import pytest

from istio.build import build_all
from istio.ratelimit import check_service_config, service_config
from istio.settings import IstioSettings
from schemas.public_api import PublicApiSettings, parse_public_api, public_targets
from schemas.regulation import Regulation


@pytest.fixture(scope="module")
def resources(user_regulation: Regulation, user_public_api: PublicApiSettings) -> dict[str, dict[str, Any]]:
    settings = IstioSettings.model_validate({"ext_gateway": {"host": "ext.registry.example.org"}})
    return {r.name: r.body for r in build_all(user_regulation, settings, user_public_api)}


def test_external_path_is_rewritten_to_the_ext_service(resources: dict[str, dict[str, Any]]) -> None:
    routes = resources["user-ext-routes"]["spec"]
    assert routes["hosts"] == ["ext.registry.example.org"]
    assert routes["gateways"] == ["istio-system/istio-ingressgateway"]
    (route,) = routes["http"]
    assert route["match"] == [{"uri": {"prefix": "/api/gateway/data-factory/"}}]
    assert route["rewrite"] == {"uri": "/api/data-factory/"}
    assert route["route"][0]["destination"]["host"] == "user-rest-api-ext.user.svc.cluster.local"


def test_the_gateway_requires_an_external_system_token_on_the_external_path(
    resources: dict[str, dict[str, Any]],
) -> None:
    authentication = resources["user-ext-gateway-request-authentication"]
    assert authentication["metadata"]["namespace"] == "istio-system"
    (rule,) = authentication["spec"]["jwtRules"]
    assert rule["issuer"].endswith("/realms/user-external-system")
    assert rule["fromHeaders"] == [{"name": "X-Access-Token"}]
    deny = resources["user-ext-gateway-require-token"]["spec"]
    assert deny["action"] == "DENY" and deny["selector"] == {"matchLabels": {"istio": "ingressgateway"}}
    assert deny["rules"] == [
        {
            "from": [{"source": {"notRequestPrincipals": ["*"]}}],
            "to": [
                {
                    "operation": {
                        "hosts": ["ext.registry.example.org"],
                        "paths": ["/api/gateway/data-factory/*"],
                    }
                }
            ],
        }
    ]


def test_public_prefix_is_rewritten_and_tokens_are_stripped(resources: dict[str, dict[str, Any]]) -> None:
    every_route = resources["user-public-routes"]["spec"]["http"]
    for route in every_route:  # the link routes too
        assert route["headers"]["request"]["remove"] == ["X-Access-Token", "Authorization", "Cookie"]
    routes = [
        r for r in every_route if "." not in r["name"]
    ]  # the entries' (links are "<registry>-public.*")
    assert {r["name"] for r in routes} == {"user-public-user-public-photo", "user-public-user-photo-files"}
    for route in routes:
        assert route["rewrite"] == {
            "uriRegexRewrite": {"match": "^/api/public/data-factory/", "rewrite": "/api/data-factory/"}
        }
        assert route["headers"]["request"]["remove"] == ["X-Access-Token", "Authorization", "Cookie"]
    photo = next(r for r in routes if r["name"] == "user-public-user-photo-files")
    (match,) = photo["match"]
    path = "/api/public/data-factory/files/user/7f9c2b1e-5d4a-4e3b-9c8d-1a2b3c4d5e6f/photo/0b1c"
    assert re.fullmatch(match["uri"]["regex"], path)
    assert not re.fullmatch(match["uri"]["regex"], path.replace("/public", ""))
    search = next(r for r in routes if r["name"] == "user-public-user-public-photo")
    assert {m["uri"]["exact"] for m in search["match"]} == {
        "/api/public/data-factory/user-public-photo",
        "/api/public/data-factory/search/user-public-photo",
    }


def test_every_window_is_a_per_client_descriptor_of_the_global_service(user_regulation: Regulation) -> None:
    public_api = parse_public_api(
        {"publicApi": [{"name": "photos", "url": "/user-public-photo", "limits": {"second": 2, "year": 9}}]}
    )
    settings = IstioSettings().for_registry("user")
    config = service_config(settings, tuple(public_targets(public_api, user_regulation)))
    assert check_service_config(config) == []
    assert [d["value"] for d in config["descriptors"]] == ["photos-second", "photos-year"]
    assert config["descriptors"][1]["descriptors"] == [
        {"key": "remote_address", "rate_limit": {"unit": "year", "requests_per_unit": 9}}
    ]
    resources = {r.name: r.body for r in build_all(user_regulation, settings, public_api)}
    local = resources["user-public-rate-limit"]["spec"]["configPatches"][1]["patch"]["value"]
    assert "descriptors" not in local["typed_per_filter_config"]["envoy.filters.http.local_ratelimit"]
    assert (
        local["typed_per_filter_config"]["envoy.filters.http.local_ratelimit"]["token_bucket"]["max_tokens"]
        == 2
    )
    insert = resources["user-public-global-rate-limit"]["spec"]["configPatches"][0]["patch"]["value"]
    config_of_filter = insert["typed_config"]
    assert config_of_filter["domain"] == "user-public-api" and config_of_filter["failure_mode_deny"] is False
    cluster = config_of_filter["rate_limit_service"]["grpc_service"]["envoy_grpc"]["cluster_name"]
    assert cluster == "outbound|8081||user-ratelimit.user.svc.cluster.local"


def test_the_service_config_check_refuses_what_the_service_would() -> None:
    assert check_service_config({"descriptors": []}) == ["config: needs a non-empty 'domain'"]
    bad = {"domain": "d", "descriptors": [{"key": "k", "ratelimit": {}}, {"value": "v"}]}
    problems = check_service_config(bad)
    assert "config.descriptors[0]: unknown key 'ratelimit'" in problems
    assert "config.descriptors[1]: a descriptor needs a 'key'" in problems
