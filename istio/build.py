"""Builders of the Istio resources of each profile (DESIGN.md §1 and §4 "Istio").

* internal: RequestAuthentication (officer, citizen, external-system realms); DENY without a valid
  principal, except health, API docs and signed links (``/l/<token>``: a browser sends no token, the
  service checks the link's signature).
* ext: RequestAuthentication (external-system); the same DENY; ALLOW for the exposed search
  conditions and the file routes of the file columns they return, for external-system principals.
* public: RequestAuthentication (external-system, see below); ALLOW for exactly the published
  entries, GET/HEAD; a VirtualService naming one route per entry and an EnvoyFilter rate-limiting each.
  Two routes no entry lists: short links ``/s/{*}`` (when a file column is published) and signed links
  ``/l/{*}`` (``public_signed_links``).

Short links and rate limits: a short link hides which column it resolves to, so the mesh cannot tell
the published columns apart on ``/s/{*}``; the service checks the column (404 for unpublished ones).
All short links share one route, limited per window by the smallest limit any published file entry
sets: no column can be read faster through short links than its own entry allows (the columns share
that budget), and the direct ``/files/...`` routes keep their own buckets.

Public and tokens: the public API is anonymous, so no principal is required. It still carries a
RequestAuthentication for the external-system realm, because a RequestAuthentication is what makes
Istio *reject* a request whose ``X-Access-Token`` is invalid, expired or from an unknown issuer (401)
instead of passing it on unchecked; a request without a token passes. A valid token grants nothing more
than anonymity does: the ALLOW policy does not look at principals.

Every builder is pure: same input, same dicts, in a fixed order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from istio.ratelimit import route_actions
from istio.settings import IstioSettings, Profile, coerce_settings
from schemas.public_api import (
    WINDOW_SECONDS,
    PublicApiSettings,
    PublicFileColumn,
    PublicSearchCondition,
    PublicTarget,
    RateLimits,
    public_targets,
)
from schemas.regulation import Column, Regulation, SearchCondition, Table

SECURITY_API = "security.istio.io/v1"
NETWORKING_API = "networking.istio.io/v1"
ENVOY_FILTER_API = "networking.istio.io/v1alpha3"
TOKEN_HEADER = "X-Access-Token"  # noqa: S105 (a header name, not a secret)
LOCAL_RATELIMIT = "envoy.filters.http.local_ratelimit"
LOCAL_RATELIMIT_TYPE = "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit"
GLOBAL_RATELIMIT = "envoy.filters.http.ratelimit"
GLOBAL_RATELIMIT_TYPE = "type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimit"
WINDOW_DESCRIPTOR_KEY = "public_api_window"
_UINT32_MAX = 4_294_967_295
_PUBLIC_METHODS = ["GET", "HEAD"]
_PROFILE_REALMS = {
    Profile.INTERNAL: ("officer", "citizen", "external_system"),
    Profile.EXT: ("external_system",),
    Profile.PUBLIC: ("external_system",),
}


class IstioBuildError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Resource:
    """One generated resource; ``name`` is also its file stem: ``<registry>-<profile>-<purpose>``."""

    profile: Profile
    name: str
    body: dict[str, Any]

    @property
    def filename(self) -> str:
        return f"{self.name}.yaml"

    @property
    def kind(self) -> str:
        return str(self.body["kind"])


# ---------------------------------------------------------------------------------------------
# Paths


def sc_legacy_path(settings: IstioSettings, sc: SearchCondition) -> str:
    return f"{settings.api_root}/{sc.path_segment}"


def sc_search_path(settings: IstioSettings, sc: SearchCondition) -> str:
    return f"{settings.api_root}/search/{sc.path_segment}"


def file_path_template(settings: IstioSettings, table: Table, column: Column) -> str:
    """``/api/data-factory/files/<entity>/{*}/<field>/{*}``: exactly one entity id and one file id."""
    return f"{settings.api_root}/files/{table.path_segment}/{{*}}/{column.path_segment}/{{*}}"


def file_path_regex(settings: IstioSettings, table: Table, column: Column, root: str | None = None) -> str:
    """The same route as an RE2 regex under ``root`` (default the API root), for VirtualService
    ``uri.regex`` (full match)."""
    literal = _re2_escape(f"{root or settings.api_root}/files/{table.path_segment}/")
    return f"{literal}[^/]+{_re2_escape('/' + column.path_segment + '/')}[^/]+"


def short_link_path(settings: IstioSettings) -> str:
    return f"{settings.api_root}/s/{{*}}"


def signed_link_path(settings: IstioSettings) -> str:
    return f"{settings.api_root}/l/{{*}}"


def _one_segment_regex(settings: IstioSettings, prefix: str) -> str:
    return f"{_re2_escape(f'{settings.api_root}/{prefix}/')}[^/]+"


def _re2_escape(text: str) -> str:
    return re.sub(r"([\\.^$|?*+()\[\]{}])", r"\\\1", text)


# ---------------------------------------------------------------------------------------------
# Common pieces


def _metadata(name: str, namespace: str) -> dict[str, Any]:
    return {
        "name": name,
        "namespace": namespace,
        "labels": {"app.kubernetes.io/managed-by": "registry-api"},
    }


def _resource_name(settings: IstioSettings, profile: Profile, purpose: str) -> str:
    return f"{settings.registry}-{profile.value}-{purpose}"


def _selector(settings: IstioSettings, profile: Profile) -> dict[str, Any]:
    return {"matchLabels": {"app": settings.deployment(profile).app}}


def _namespace(settings: IstioSettings) -> str:
    assert settings.namespace is not None, "settings.for_registry() resolves the namespace"
    return settings.namespace


def request_authentication(settings: IstioSettings, profile: Profile) -> Resource:
    realms = [getattr(settings.realms, attribute) for attribute in _PROFILE_REALMS[profile]]
    rules = [
        {
            "issuer": settings.issuer(realm),
            "jwksUri": settings.jwks_uri(realm),
            "fromHeaders": [{"name": TOKEN_HEADER}],
            "forwardOriginalToken": True,
        }
        for realm in realms
    ]
    spec = {"selector": _selector(settings, profile), "jwtRules": rules}
    return _security_resource(settings, profile, "request-authentication", "RequestAuthentication", spec)


def deny_without_token(settings: IstioSettings, profile: Profile) -> Resource:
    """DENY every request that has no valid principal, except health probes and API docs, and on
    internal signed links (the prefix form: path templates are not documented for ``notPaths``)."""
    rule: dict[str, Any] = {"from": [{"source": {"notRequestPrincipals": ["*"]}}]}
    open_paths = list(settings.open_paths)
    if profile is Profile.INTERNAL:
        open_paths.append(f"{settings.api_root}/l/*")
    if open_paths:
        rule["to"] = [{"operation": {"notPaths": open_paths}}]
    spec = {"selector": _selector(settings, profile), "action": "DENY", "rules": [rule]}
    return _security_resource(settings, profile, "deny-without-token", "AuthorizationPolicy", spec)


def _allow_policy(settings: IstioSettings, profile: Profile, rules: list[dict[str, Any]]) -> Resource:
    spec: dict[str, Any] = {"selector": _selector(settings, profile), "action": "ALLOW"}
    if rules:
        spec["rules"] = rules  # no rules at all = an ALLOW policy that allows nothing (deny all)
    return _security_resource(settings, profile, "allow", "AuthorizationPolicy", spec)


def _security_resource(
    settings: IstioSettings, profile: Profile, purpose: str, kind: str, spec: dict[str, Any]
) -> Resource:
    """A ``security.istio.io`` resource named ``<registry>-<profile>-<purpose>``."""
    name = _resource_name(settings, profile, purpose)
    return Resource(
        profile,
        name,
        {
            "apiVersion": SECURITY_API,
            "kind": kind,
            "metadata": _metadata(name, _namespace(settings)),
            "spec": spec,
        },
    )


# ---------------------------------------------------------------------------------------------
# ext


def ext_search_conditions(regulation: Regulation) -> list[SearchCondition]:
    """Search conditions exposed to other registries (platform) or external systems, by name."""
    exposed = [
        sc
        for sc in regulation.search_conditions
        if regulation.exposure(sc.name).platform or regulation.exposure(sc.name).external_system
    ]
    return sorted(exposed, key=lambda sc: sc.name)


def ext_allow(settings: IstioSettings, regulation: Regulation) -> Resource:
    scs = ext_search_conditions(regulation)
    files: list[str] = []
    for sc in scs:
        for table, column in regulation.sc_file_columns(sc):
            template = file_path_template(settings, table, column)
            if template not in files:
                files.append(template)
    operations: list[dict[str, Any]] = []
    if scs:
        operations.append(
            {"operation": {"methods": ["GET"], "paths": [sc_legacy_path(settings, s) for s in scs]}}
        )
        operations.append(
            {"operation": {"methods": ["GET", "POST"], "paths": [sc_search_path(settings, s) for s in scs]}}
        )
    if files:
        operations.append({"operation": {"methods": list(_PUBLIC_METHODS), "paths": sorted(files)}})
    rules: list[dict[str, Any]] = []
    if settings.open_paths:
        rules.append(
            {"to": [{"operation": {"methods": list(_PUBLIC_METHODS), "paths": list(settings.open_paths)}}]}
        )
    if operations:
        principal = f"{settings.issuer(settings.realms.external_system)}/*"
        rules.append({"from": [{"source": {"requestPrincipals": [principal]}}], "to": operations})
    return _allow_policy(settings, Profile.EXT, rules)


def ext_routes(settings: IstioSettings) -> Resource:
    """External systems' host on the ingress gateway: the reference's external path
    ``/api/gateway/data-factory/...`` → the ext Deployment's ``/api/data-factory/...``."""
    gateway = settings.ext_gateway
    assert gateway.host is not None, "settings.for_registry() resolves the ext host"
    name = _resource_name(settings, Profile.EXT, "routes")
    route = {
        "name": f"{settings.registry}-ext-api",
        "match": [{"uri": {"prefix": f"{gateway.prefix}/"}}],
        "rewrite": {"uri": f"{settings.api_root}/"},
        "route": [{"destination": _destination(settings, Profile.EXT)}],
    }
    return Resource(
        Profile.EXT,
        name,
        {
            "apiVersion": NETWORKING_API,
            "kind": "VirtualService",
            "metadata": _metadata(name, _namespace(settings)),
            "spec": {"hosts": [gateway.host], "gateways": [gateway.gateway], "http": [route]},
        },
    )


def ext_gateway_security(settings: IstioSettings) -> list[Resource]:
    """At the gateway already, a request on the external path needs a valid external-system token:
    RequestAuthentication on the gateway pods, and a DENY for that host's path without a principal."""
    gateway = settings.ext_gateway
    assert gateway.host is not None
    realm = settings.realms.external_system
    selector = {"matchLabels": dict(sorted(gateway.labels.items()))}
    authentication = {
        "selector": selector,
        "jwtRules": [
            {
                "issuer": settings.issuer(realm),
                "jwksUri": settings.jwks_uri(realm),
                "fromHeaders": [{"name": TOKEN_HEADER}],
                "forwardOriginalToken": True,
            }
        ],
    }
    deny = {
        "selector": selector,
        "action": "DENY",
        "rules": [
            {
                "from": [{"source": {"notRequestPrincipals": ["*"]}}],
                "to": [{"operation": {"hosts": [gateway.host], "paths": [f"{gateway.prefix}/*"]}}],
            }
        ],
    }
    resources = []
    for purpose, kind, spec in (
        ("gateway-request-authentication", "RequestAuthentication", authentication),
        ("gateway-require-token", "AuthorizationPolicy", deny),
    ):
        name = _resource_name(settings, Profile.EXT, purpose)
        body = {
            "apiVersion": SECURITY_API,
            "kind": kind,
            "metadata": _metadata(name, gateway.namespace),
            "spec": spec,
        }
        resources.append(Resource(Profile.EXT, name, body))
    return resources


# ---------------------------------------------------------------------------------------------
# public


def _target_paths(settings: IstioSettings, target: PublicTarget) -> list[str]:
    if isinstance(target, PublicSearchCondition):
        sc = target.search_condition
        return [sc_legacy_path(settings, sc), sc_search_path(settings, sc)]
    return [file_path_template(settings, target.table, target.column)]


def public_allow(settings: IstioSettings, targets: tuple[PublicTarget, ...]) -> Resource:
    paths: list[str] = []
    for target in targets:
        paths.extend(p for p in _target_paths(settings, target) if p not in paths)
    paths += [route.path for route in link_routes(settings, targets)]
    rules = [{"to": [{"operation": {"methods": list(_PUBLIC_METHODS), "paths": paths}}]}] if paths else []
    return _allow_policy(settings, Profile.PUBLIC, rules)


@dataclass(frozen=True)
class LinkRoute:
    """A public route no entry lists: short links or signed links."""

    name: str  # "<registry>-public.<purpose>": a dot, so no entry's route name can be the same
    path: str  # the ALLOW path template
    regex: str  # the VirtualService match
    stat_prefix: str
    limits: RateLimits


def strictest_limits(targets: tuple[PublicTarget, ...]) -> RateLimits | None:
    """Per window, the smallest limit any of ``targets`` sets (None without targets)."""
    windows: dict[str, int] = {}
    for target in targets:
        for window, limit in target.entry.limits.local_windows().items():
            windows[window] = min(limit, windows.get(window, limit))
    return RateLimits(**windows) if windows else None


def link_routes(settings: IstioSettings, targets: tuple[PublicTarget, ...]) -> list[LinkRoute]:
    routes: list[LinkRoute] = []
    files = tuple(t for t in targets if isinstance(t, PublicFileColumn))
    shared = strictest_limits(files)
    if shared is not None:
        routes.append(
            LinkRoute(
                f"{settings.registry}-public.short-links",
                short_link_path(settings),
                _one_segment_regex(settings, "s"),
                "public_short_links",
                shared,
            )
        )
    signed = settings.public_signed_links
    if signed.enabled:
        routes.append(
            LinkRoute(
                f"{settings.registry}-public.signed-links",
                signed_link_path(settings),
                _one_segment_regex(settings, "l"),
                "public_signed_links",
                signed.limits,
            )
        )
    return routes


def route_name(settings: IstioSettings, target: PublicTarget) -> str:
    """The VirtualService route of one entry; the EnvoyFilter route patch matches it by this name."""
    return f"{settings.registry}-public-{target.entry.name}"


def public_path(settings: IstioSettings, path: str) -> str:
    """``/api/data-factory/x`` as callers of the gateway write it: ``/api/public/data-factory/x``."""
    return settings.public_prefix + path.removeprefix(settings.api_root)


def _uri_matches(settings: IstioSettings, target: PublicTarget) -> list[dict[str, Any]]:
    if isinstance(target, PublicSearchCondition):
        uris = [{"exact": public_path(settings, path)} for path in _target_paths(settings, target)]
    else:
        assert isinstance(target, PublicFileColumn)
        uris = [{"regex": file_path_regex(settings, target.table, target.column, settings.public_prefix)}]
    return [{"uri": uri, "method": {"regex": "GET|HEAD"}} for uri in uris]


def _destination(settings: IstioSettings, profile: Profile) -> dict[str, Any]:
    deployment = settings.deployment(profile)
    return {
        "host": f"{deployment.service}.{_namespace(settings)}.svc.cluster.local",
        "port": {"number": deployment.port},
    }


# The public API is anonymous: a caller's token must neither reach the service nor be logged there.
_STRIP_CREDENTIALS = {"request": {"remove": [TOKEN_HEADER, "Authorization", "Cookie"]}}


def public_routes(settings: IstioSettings, targets: tuple[PublicTarget, ...]) -> Resource:
    """The public host on the ingress gateway: one named route per entry on the reference's public
    prefix, rewritten to the API root, and the link routes; nothing else (→ 404). Credentials are
    removed from every request."""
    destination = _destination(settings, Profile.PUBLIC)
    prefix = settings.public_prefix
    rewrite = {"uriRegexRewrite": {"match": f"^{_re2_escape(prefix)}/", "rewrite": f"{settings.api_root}/"}}
    http = [
        {
            "name": route_name(settings, t),
            "match": _uri_matches(settings, t),
            "rewrite": rewrite,
            "headers": _STRIP_CREDENTIALS,
            "route": [{"destination": destination}],
        }
        for t in targets
    ]
    http += [
        {
            "name": link.name,
            "match": [{"uri": {"regex": link.regex}, "method": {"regex": "GET|HEAD"}}],
            "headers": _STRIP_CREDENTIALS,
            "route": [{"destination": destination}],
        }
        for link in link_routes(settings, targets)
    ]
    name = _resource_name(settings, Profile.PUBLIC, "routes")
    gateway = settings.public_gateway
    assert gateway.host is not None, "settings.for_registry() resolves the public host"
    return Resource(
        Profile.PUBLIC,
        name,
        {
            "apiVersion": NETWORKING_API,
            "kind": "VirtualService",
            "metadata": _metadata(name, _namespace(settings)),
            "spec": {"hosts": [gateway.host], "gateways": [gateway.gateway], "http": http},
        },
    )


def _bucket(limit: int, window: str) -> dict[str, Any]:
    return {"max_tokens": limit, "tokens_per_fill": limit, "fill_interval": f"{WINDOW_SECONDS[window]}s"}


def _enabled(key: str) -> dict[str, Any]:
    return {"runtime_key": key, "default_value": {"numerator": 100, "denominator": "HUNDRED"}}


def route_rate_limit(settings: IstioSettings, target: PublicTarget) -> dict[str, Any]:
    """The ``HTTP_ROUTE`` MERGE patch value carrying one entry's limits.

    One Envoy token bucket holds one window, so: the shortest window is the route's default bucket;
    every longer window is a descriptor bucket, selected by a ``generic_key`` descriptor the route
    emits. Envoy consumes every matched descriptor bucket and — with
    ``always_consume_default_token_bucket`` — the default one too, so a request passes only while
    every window has tokens. Windows are 1 s, 60 s, 3600 s, 86400 s: each a multiple of the shorter
    ones, as Envoy requires of descriptor fill intervals."""
    stat_prefix = f"public_api_{target.entry.name.replace('-', '_')}"
    local = RateLimits(**target.entry.limits.local_windows())  # month/year: the global service only
    return _rate_limit(f"public API entry '{target.entry.name}'", stat_prefix, local)


def _rate_limit(what: str, stat_prefix: str, limits: RateLimits) -> dict[str, Any]:
    windows = limits.windows()
    for window, limit in windows.items():
        if limit > _UINT32_MAX:
            problem = f"{what}: limits.{window} = {limit} exceeds what an Envoy token bucket holds"
            raise IstioBuildError([f"{problem} ({_UINT32_MAX})"])
    (first_window, first_limit), *longer = windows.items()
    config: dict[str, Any] = {
        "@type": LOCAL_RATELIMIT_TYPE,
        "stat_prefix": stat_prefix,
        "token_bucket": _bucket(first_limit, first_window),
        "filter_enabled": _enabled("public_api_rate_limit_enabled"),
        "filter_enforced": _enabled("public_api_rate_limit_enforced"),
        "always_consume_default_token_bucket": True,
        "response_headers_to_add": [
            {
                "append_action": "OVERWRITE_IF_EXISTS_OR_ADD",
                "header": {"key": "x-local-rate-limit", "value": "true"},
            }
        ],
    }
    value: dict[str, Any] = {"typed_per_filter_config": {LOCAL_RATELIMIT: config}}
    if longer:
        config["descriptors"] = [
            {
                "entries": [{"key": WINDOW_DESCRIPTOR_KEY, "value": window}],
                "token_bucket": _bucket(limit, window),
            }
            for window, limit in longer
        ]
        value["route"] = {
            "rate_limits": [
                {
                    "actions": [
                        {"generic_key": {"descriptor_key": WINDOW_DESCRIPTOR_KEY, "descriptor_value": window}}
                    ]
                }
                for window, _ in longer
            ]
        }
    return value


def public_rate_limit(settings: IstioSettings, targets: tuple[PublicTarget, ...]) -> Resource:
    """Each gateway pod's local limits per entry (the windows up to a day) and per link route: the
    fallback while the global service is unreachable, and the only limit without it."""
    # No token bucket here: the filter only limits routes that carry their own configuration.
    insert_filter = _gateway_filter(
        {
            "name": LOCAL_RATELIMIT,
            "typed_config": {"@type": LOCAL_RATELIMIT_TYPE, "stat_prefix": "http_local_rate_limiter"},
        }
    )
    limited = [
        (route_name(settings, target), route_rate_limit(settings, target))
        for target in targets
        if target.entry.limits.local_windows()
    ]
    limited += [
        (link.name, _rate_limit(f"the route {link.name}", link.stat_prefix, link.limits))
        for link in link_routes(settings, targets)
    ]
    route_patches = [_gateway_route_patch(name, value) for name, value in limited]
    return _gateway_envoy_filter(settings, "rate-limit", [insert_filter, *route_patches])


def _gateway_route_patch(route: str, value: dict[str, Any]) -> dict[str, Any]:
    """An ``HTTP_ROUTE`` patch merging ``value`` into the gateway's route named ``route``."""
    return {
        "applyTo": "HTTP_ROUTE",
        "match": {
            "context": "GATEWAY",
            "routeConfiguration": {"vhost": {"route": {"name": route, "action": "ANY"}}},
        },
        "patch": {"operation": "MERGE", "value": value},
    }


def _gateway_envoy_filter(settings: IstioSettings, suffix: str, patches: list[dict[str, Any]]) -> Resource:
    """An EnvoyFilter of the public profile applying ``patches`` to the public ingress gateway's pods."""
    gateway = settings.public_gateway
    name = _resource_name(settings, Profile.PUBLIC, suffix)
    return Resource(
        Profile.PUBLIC,
        name,
        {
            "apiVersion": ENVOY_FILTER_API,
            "kind": "EnvoyFilter",
            # An EnvoyFilter's workloadSelector only reaches pods of its own namespace: the gateway's.
            "metadata": _metadata(name, gateway.namespace),
            "spec": {
                "workloadSelector": {"labels": dict(sorted(gateway.labels.items()))},
                "configPatches": patches,
            },
        },
    )


def _gateway_filter(value: dict[str, Any]) -> dict[str, Any]:
    """An ``HTTP_FILTER`` patch inserting ``value`` before the router of the gateway's listeners."""
    return {
        "applyTo": "HTTP_FILTER",
        "match": {
            "context": "GATEWAY",
            "listener": {
                "filterChain": {
                    "filter": {
                        "name": "envoy.filters.network.http_connection_manager",
                        "subFilter": {"name": "envoy.filters.http.router"},
                    }
                }
            },
        },
        "patch": {"operation": "INSERT_BEFORE", "value": value},
    }


def global_rate_limit(settings: IstioSettings, targets: tuple[PublicTarget, ...]) -> Resource:
    """Per-client limits of every public entry and window, counted by the global rate limit service
    (``istio.ratelimit``). If the service does not answer within the timeout the request passes
    (``failure_mode_deny: false``, the default) and the local limits are what is left."""
    limits = settings.global_rate_limit
    cluster = f"outbound|{limits.port}||{limits.service}.{_namespace(settings)}.svc.cluster.local"
    insert = _gateway_filter(
        {
            "name": GLOBAL_RATELIMIT,
            "typed_config": {
                "@type": GLOBAL_RATELIMIT_TYPE,
                "domain": limits.domain,
                "stage": 1,
                "failure_mode_deny": limits.failure_mode_deny,
                "timeout": limits.timeout,
                "enable_x_ratelimit_headers": "DRAFT_VERSION_03",
                "rate_limit_service": {
                    "grpc_service": {"envoy_grpc": {"cluster_name": cluster}, "timeout": limits.timeout},
                    "transport_api_version": "V3",
                },
            },
        }
    )
    route_patches = [
        _gateway_route_patch(route_name(settings, target), {"route": {"rate_limits": route_actions(target)}})
        for target in targets
    ]
    return _gateway_envoy_filter(settings, "global-rate-limit", [insert, *route_patches])


# ---------------------------------------------------------------------------------------------
# All profiles


def build_profile(
    profile: Profile,
    regulation: Regulation,
    settings: IstioSettings,
    public_api: PublicApiSettings | None = None,
) -> list[Resource]:
    """The resources of one profile. ``settings`` must be resolved (``for_registry``)."""
    resources = [request_authentication(settings, profile)]
    if profile is Profile.INTERNAL:
        resources.append(deny_without_token(settings, profile))
    elif profile is Profile.EXT:
        resources += [deny_without_token(settings, profile), ext_allow(settings, regulation)]
        resources += [ext_routes(settings), *ext_gateway_security(settings)]
    else:
        found = public_targets(public_api, regulation) if public_api is not None else ()
        targets = tuple(sorted(found, key=lambda t: t.entry.name))
        resources.append(public_allow(settings, targets))
        if targets or link_routes(settings, targets):
            resources += [public_routes(settings, targets), public_rate_limit(settings, targets)]
        if targets and settings.global_rate_limit.enabled:
            resources.append(global_rate_limit(settings, targets))
    return sorted(resources, key=lambda r: r.name)


def build_all(
    regulation: Regulation,
    settings: IstioSettings | object | None = None,
    public_api: PublicApiSettings | None = None,
) -> list[Resource]:
    """Every profile's resources. Raises ``PublicApiError`` for misconfigured public-API settings and
    ``IstioBuildError`` for limits Envoy cannot express."""
    resolved = coerce_settings(settings).for_registry(regulation.name)
    resources: list[Resource] = []
    for profile in Profile:
        resources += build_profile(profile, regulation, resolved, public_api)
    return resources
