"""Rate limits: every window of an entry becomes an Envoy token bucket on that entry's route."""

from __future__ import annotations

from typing import Any

import pytest

from istio.build import (
    IstioBuildError,
    build_all,
    link_routes,
    route_name,
    route_rate_limit,
    strictest_limits,
)
from istio.settings import IstioSettings
from schemas.public_api import PublicSearchCondition, parse_public_api, resolve_entry
from schemas.regulation import Regulation


def _target(regulation: Regulation, limits: dict[str, int]) -> PublicSearchCondition:
    settings = parse_public_api(
        {"publicApi": [{"name": "photos", "url": "/user-public-photo", "limits": limits}]}
    )
    target = resolve_entry(settings.entries[0], regulation)
    assert isinstance(target, PublicSearchCondition)
    return target


def _buckets(value: dict[str, Any]) -> list[tuple[str | None, int, str]]:
    config = value["typed_per_filter_config"]["envoy.filters.http.local_ratelimit"]
    found: list[tuple[str | None, int, str]] = [
        (None, config["token_bucket"]["max_tokens"], config["token_bucket"]["fill_interval"])
    ]
    for descriptor in config.get("descriptors", []):
        bucket = descriptor["token_bucket"]
        found.append((descriptor["entries"][0]["value"], bucket["max_tokens"], bucket["fill_interval"]))
    return found


def test_single_window_is_the_route_bucket(user_regulation: Regulation) -> None:
    settings = IstioSettings().for_registry("user")
    value = route_rate_limit(settings, _target(user_regulation, {"hour": 1000}))
    assert _buckets(value) == [(None, 1000, "3600s")]
    assert "route" not in value  # no descriptors to emit


def test_every_window_is_kept_and_each_has_its_descriptor(user_regulation: Regulation) -> None:
    settings = IstioSettings().for_registry("user")
    value = route_rate_limit(settings, _target(user_regulation, {"day": 5000, "second": 2, "minute": 30}))
    assert _buckets(value) == [(None, 2, "1s"), ("minute", 30, "60s"), ("day", 5000, "86400s")]
    emitted = [a["actions"][0]["generic_key"]["descriptor_value"] for a in value["route"]["rate_limits"]]
    assert emitted == ["minute", "day"]  # the route emits exactly the descriptors the buckets wait for
    config = value["typed_per_filter_config"]["envoy.filters.http.local_ratelimit"]
    assert config["always_consume_default_token_bucket"] is True
    assert config["filter_enforced"]["default_value"]["numerator"] == 100


def test_limits_beyond_an_envoy_bucket_are_refused(user_regulation: Regulation) -> None:
    settings = IstioSettings().for_registry("user")
    with pytest.raises(IstioBuildError, match=r"'photos'.*limits.day"):
        route_rate_limit(settings, _target(user_regulation, {"day": 2**32}))


def test_route_names_tie_the_virtual_service_to_the_envoy_filter(
    user_regulation: Regulation, user_public_api: Any
) -> None:
    resources = {
        r.kind: r.body
        for r in build_all(user_regulation, public_api=user_public_api)
        if r.profile.value == "public"
    }
    routes = [route["name"] for route in resources["VirtualService"]["spec"]["http"]]
    patched = [
        patch["match"]["routeConfiguration"]["vhost"]["route"]["name"]
        for patch in resources["EnvoyFilter"]["spec"]["configPatches"]
        if patch["applyTo"] == "HTTP_ROUTE"
    ]
    assert routes == patched
    assert routes == [
        "user-public-user-photo-files",
        "user-public-user-public-photo",
        "user-public.short-links",
        "user-public.signed-links",
    ]
    settings = IstioSettings().for_registry("user")
    assert route_name(settings, _target(user_regulation, {"second": 1})) == "user-public-photos"


def test_short_links_share_the_strictest_file_entry_limits(user_regulation: Regulation) -> None:
    """A short link hides its column from the mesh: one shared route, per window the smallest limit
    of any published file entry, so no column is read faster through short links than it may be."""
    settings = IstioSettings().for_registry("user")
    published = parse_public_api(
        {
            "publicApi": [
                {"name": "photos", "url": "/files/user/*/photo/*", "limits": {"second": 5, "minute": 100}},
                {"name": "search", "url": "/user-public-photo", "limits": {"second": 1}},
            ]
        }
    )
    targets = tuple(resolve_entry(entry, user_regulation) for entry in published.entries)
    routes = {route.name: route for route in link_routes(settings, targets)}
    short = routes["user-public.short-links"]
    assert short.limits.windows() == {"second": 5, "minute": 100}  # the search entry is no file
    assert strictest_limits(()) is None
    assert strictest_limits(targets).windows() == {"second": 1, "minute": 100}  # type: ignore[union-attr]
    searches_only = tuple(t for t in targets if isinstance(t, PublicSearchCondition))
    assert [r.name for r in link_routes(settings, searches_only)] == ["user-public.signed-links"]


def test_signed_link_limits_come_from_the_istio_settings(user_regulation: Regulation) -> None:
    settings = IstioSettings(public_signed_links={"limits": {"hour": 50}}).for_registry("user")  # type: ignore[arg-type]
    (signed,) = link_routes(settings, ())
    assert signed.limits.windows() == {"hour": 50}
    assert signed.path == "/api/data-factory/l/{*}"
