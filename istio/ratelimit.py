"""Per-client public limits with Envoy's global rate limit service (envoyproxy/ratelimit + Redis), as
the reference's Kong limited each public entry by client address.

Each public-API entry and window is one descriptor: the gateway route of the entry emits
``(generic_key=<entry>-<window>, remote_address=<client>)`` and the service counts it in Redis
against ``requests_per_unit`` per ``unit``. Every window the public-API file takes is a unit the
service knows, ``month`` and ``year`` included (counters in Redis survive gateway restarts).

:func:`service_config` is the service's ``config.yaml``; :func:`check_service_config` checks a
configuration against what the service's loader accepts (its ``validKeys`` and the units of Envoy's
``RateLimitResponse.RateLimit.Unit``), since no schema of it is published.
"""

from __future__ import annotations

from typing import Any

from istio.settings import IstioSettings
from schemas.public_api import PublicTarget

REMOTE_ADDRESS = "remote_address"
GENERIC_KEY = "generic_key"
STAGE = 1  # the local limiter uses stage 0: each filter sees only its own route actions
# envoyproxy/ratelimit src/config/config_impl.go `validKeys`, and Envoy's rate limit units.
_VALID_KEYS = frozenset(
    {"domain", "key", "value", "descriptors", "rate_limit", "unit", "requests_per_unit", "unlimited",
     "shadow_mode", "name", "replaces", "detailed_metric"}
)  # fmt: skip
_UNITS = frozenset({"second", "minute", "hour", "day", "week", "month", "year"})
_UINT32_MAX = 4_294_967_295


def descriptor_value(target: PublicTarget, window: str) -> str:
    return f"{target.entry.name}-{window}"


def route_actions(target: PublicTarget) -> list[dict[str, Any]]:
    """The route's ``rate_limits``: one descriptor per window, keyed by the client address."""
    return [
        {
            "stage": STAGE,
            "actions": [
                {GENERIC_KEY: {"descriptor_value": descriptor_value(target, window)}},
                {REMOTE_ADDRESS: {}},
            ],
        }
        for window in target.entry.limits.windows()
    ]


def service_config(settings: IstioSettings, targets: tuple[PublicTarget, ...]) -> dict[str, Any]:
    """The rate limit service's configuration for the registry's domain."""
    assert settings.global_rate_limit.domain is not None, "settings.for_registry() resolves the domain"
    descriptors = [
        {
            "key": GENERIC_KEY,
            "value": descriptor_value(target, window),
            "descriptors": [
                {"key": REMOTE_ADDRESS, "rate_limit": {"unit": window, "requests_per_unit": limit}}
            ],
        }
        for target in targets
        for window, limit in target.entry.limits.windows().items()
    ]
    return {"domain": settings.global_rate_limit.domain, "descriptors": descriptors}


def check_service_config(config: Any, where: str = "config") -> list[str]:
    """Problems the service's loader would refuse the configuration for (none: it loads)."""
    problems: list[str] = []
    if not isinstance(config, dict) or not isinstance(config.get("domain"), str) or not config["domain"]:
        return [f"{where}: needs a non-empty 'domain'"]
    _check_node(config, where, problems, root=True)
    return problems


def _check_node(node: Any, where: str, problems: list[str], *, root: bool = False) -> None:
    if not isinstance(node, dict):
        problems.append(f"{where}: not a mapping")
        return
    for key in node:
        if key not in _VALID_KEYS:
            problems.append(f"{where}: unknown key '{key}'")
    if not root and not isinstance(node.get("key"), str):
        problems.append(f"{where}: a descriptor needs a 'key'")
    limit = node.get("rate_limit")
    if limit is not None:
        unit = limit.get("unit") if isinstance(limit, dict) else None
        count = limit.get("requests_per_unit") if isinstance(limit, dict) else None
        if not isinstance(unit, str) or unit.lower() not in _UNITS:
            problems.append(f"{where}.rate_limit: unit must be one of {', '.join(sorted(_UNITS))}")
        if not isinstance(count, int) or isinstance(count, bool) or not 0 < count <= _UINT32_MAX:
            problems.append(f"{where}.rate_limit: requests_per_unit must be a positive 32-bit integer")
    children = node.get("descriptors", [])
    if not isinstance(children, list):
        problems.append(f"{where}.descriptors: not a list")
        return
    seen: set[tuple[Any, Any]] = set()
    for index, child in enumerate(children):
        _check_node(child, f"{where}.descriptors[{index}]", problems)
        if isinstance(child, dict):
            identity = (child.get("key"), child.get("value"))
            if identity in seen:
                problems.append(f"{where}.descriptors[{index}]: duplicate descriptor {identity}")
            seen.add(identity)
