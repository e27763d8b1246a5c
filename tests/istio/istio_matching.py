"""Istio's documented AuthorizationPolicy evaluation, small enough to read (tests only).

Sources: authorization-policy reference (istio.io/latest/docs/reference/config/security/authorization-policy/)
and conventions.md §4.3. Order: DENY policies first (any match → 403); then, when the workload has
ALLOW policies, the request must match one of them; an ALLOW policy without rules matches nothing.
A rule matches when every ``from`` list, ``to`` list and ``when`` matches (each list: any element);
inside a source/operation every set field must match (any value), every ``not*`` field must not.
String values: exact, ``prefix*``, ``*suffix``, ``*`` (= present, non-empty). Paths containing
``{*}``/``{**}`` are templates: ``{*}`` one non-empty segment, ``{**}`` zero or more trailing segments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # without the query string, as Istio matches it
    principal: str = ""  # "<iss>/<sub>" of a valid token, "" without one


def classic_match(pattern: str, value: str) -> bool:
    if pattern == "*":
        return value != ""
    if pattern.startswith("*"):
        return value.endswith(pattern[1:])
    if pattern.endswith("*"):
        return value.startswith(pattern[:-1])
    return value == pattern


def path_match(pattern: str, path: str) -> bool:
    if "{" not in pattern:
        return classic_match(pattern, path)
    parts = []
    for segment in pattern.split("/"):
        if segment == "{*}":
            parts.append("[^/]+")
        elif segment == "{**}":
            parts.append(".*")
        else:
            parts.append(re.escape(segment))
    return re.fullmatch("/".join(parts), path) is not None


_FIELDS: dict[str, tuple[str, Any]] = {
    "requestPrincipals": ("principal", classic_match),
    "methods": ("method", classic_match),
    "paths": ("path", path_match),
}


def _field_matches(key: str, values: list[str], request: Request) -> bool:
    negated = key.startswith("not")
    base = key[3].lower() + key[4:] if negated else key
    if base not in _FIELDS:
        raise NotImplementedError(f"field {key} is not modelled")
    attribute, match = _FIELDS[base]
    hit = any(match(value, getattr(request, attribute)) for value in values)
    return not hit if negated else hit


def _block_matches(block: dict[str, Any], request: Request) -> bool:
    return all(_field_matches(key, values, request) for key, values in block.items())


def rule_matches(rule: dict[str, Any], request: Request) -> bool:
    if "when" in rule:
        raise NotImplementedError("when conditions are not modelled")
    sources = rule.get("from")
    if sources is not None and not any(_block_matches(s["source"], request) for s in sources):
        return False
    operations = rule.get("to")
    return operations is None or any(_block_matches(o["operation"], request) for o in operations)


def policy_matches(policy: dict[str, Any], request: Request) -> bool:
    return any(rule_matches(rule, request) for rule in policy["spec"].get("rules") or [])


def allowed(policies: list[dict[str, Any]], request: Request) -> bool:
    """Whether the mesh lets ``request`` reach the workload the policies select."""
    by_action: dict[str, list[dict[str, Any]]] = {"DENY": [], "ALLOW": []}
    for policy in policies:
        by_action[policy["spec"].get("action", "ALLOW")].append(policy)
    if any(policy_matches(p, request) for p in by_action["DENY"]):
        return False
    if by_action["ALLOW"]:
        return any(policy_matches(p, request) for p in by_action["ALLOW"])
    return True
