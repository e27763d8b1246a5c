"""Istio's documented request authentication and AuthorizationPolicy evaluation, small enough to read:
``registry-api explain`` asks it whether the generated policies let a request through, and the tests
check the generated policies with it.

Sources: authorization-policy reference (istio.io/latest/docs/reference/config/security/authorization-policy/)
and conventions.md §4.3. Order: DENY policies first (any match → 403); then, when the workload has
ALLOW policies, the request must match one of them; an ALLOW policy without rules matches nothing.
A rule matches when every ``from`` list, ``to`` list and ``when`` matches (each list: any element);
inside a source/operation every set field must match (any value), every ``not*`` field must not.
String values: exact, ``prefix*``, ``*suffix``, ``*`` (= present, non-empty). Paths containing
``{*}``/``{**}`` are templates: ``{*}`` one non-empty segment, ``{**}`` zero or more trailing segments.
RequestAuthentication: a token whose issuer no ``jwtRules`` entry names is rejected (401); a request
without a token passes on without a principal. Fields we never generate (``when``, IP blocks, ...) are
refused rather than guessed.
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


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    status: int | None  # what the mesh answers instead of passing it on: 401, 403; None when allowed
    reason: str  # which resource (and rule) decided, in a sentence


def _name(resource: dict[str, Any]) -> str:
    return f"{resource['kind']} {resource['metadata']['name']}"


def _first_rule(policy: dict[str, Any], request: Request) -> int | None:
    for index, rule in enumerate(policy["spec"].get("rules") or []):
        if rule_matches(rule, request):
            return index
    return None


def authorize(policies: list[dict[str, Any]], request: Request) -> Verdict:
    """The AuthorizationPolicies' verdict on ``request``, naming the policy and rule that decided."""
    by_action: dict[str, list[dict[str, Any]]] = {"DENY": [], "ALLOW": []}
    for policy in policies:
        by_action[policy["spec"].get("action", "ALLOW")].append(policy)
    for policy in by_action["DENY"]:
        index = _first_rule(policy, request)
        if index is not None:
            return Verdict(False, 403, f"denied by {_name(policy)}, rule {index + 1}")
    if not by_action["ALLOW"]:
        return Verdict(True, None, "no ALLOW policy selects the workload and no DENY rule matches")
    for policy in by_action["ALLOW"]:
        index = _first_rule(policy, request)
        if index is not None:
            return Verdict(True, None, f"allowed by {_name(policy)}, rule {index + 1}")
    names = ", ".join(_name(p) for p in by_action["ALLOW"])
    return Verdict(False, 403, f"no rule of {names} matches (ALLOW policies allow only what they list)")


def allowed(policies: list[dict[str, Any]], request: Request) -> bool:
    """Whether the mesh lets ``request`` reach the workload the policies select."""
    return authorize(policies, request).allowed


def authenticate(resources: list[dict[str, Any]], issuer: str | None) -> Verdict:
    """Whether a token of ``issuer`` (``None``: no token) gets past the RequestAuthentications."""
    if issuer is None:
        return Verdict(True, None, "no token: the request passes on without a principal")
    authentications = [r for r in resources if r.get("kind") == "RequestAuthentication"]
    for resource in authentications:
        if any(rule.get("issuer") == issuer for rule in resource["spec"].get("jwtRules") or []):
            return Verdict(True, None, f"token issuer {issuer} is a jwtRule of {_name(resource)}")
    if not authentications:
        return Verdict(True, None, "no RequestAuthentication: the token is not checked, no principal")
    names = ", ".join(_name(r) for r in authentications)
    return Verdict(False, 401, f"token issuer {issuer} is no jwtRule of {names}: the token is rejected")


def decide(resources: list[dict[str, Any]], request: Request, issuer: str | None) -> Verdict:
    """Authentication, then authorization, over the resources applied to one workload."""
    authenticated = authenticate(resources, issuer)
    if not authenticated.allowed:
        return authenticated
    if issuer is None or authenticated.reason.startswith("no RequestAuthentication"):
        request = Request(request.method, request.path, "")
    policies = [r for r in resources if r.get("kind") == "AuthorizationPolicy"]
    verdict = authorize(policies, request)
    return Verdict(verdict.allowed, verdict.status, f"{authenticated.reason}; {verdict.reason}")
