"""The Istio diff of one profile: the generated resources of both versions compared. What an ALLOW
AuthorizationPolicy lets through and which token issuers a RequestAuthentication accepts are compared
item by item; any other change of a resource is reported as a change."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from codegen.diff.changes import Area, Change

Resources = dict[str, dict[str, Any]]  # resource name → body


def load_resources(folder: Path) -> Resources:
    found: Resources = {}
    for path in sorted(folder.glob("*.yaml")):
        body = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(body, dict):
            found[str(body["metadata"]["name"])] = body
    return found


def _allowances(policy: dict[str, Any]) -> set[str]:
    """``METHODS path [from principals]`` of every operation of every rule."""
    found: set[str] = set()
    for rule in policy["spec"].get("rules") or []:
        principals = sorted(
            p for s in rule.get("from") or [] for p in s["source"].get("requestPrincipals", [])
        )
        who = f" for {', '.join(principals)}" if principals else ""
        for operation in rule.get("to") or [{"operation": {}}]:
            spec = operation["operation"]
            methods = ",".join(spec.get("methods") or ["any method"])
            for path in spec.get("paths") or ["any path"]:
                found.add(f"{methods} {path}{who}")
    return found


def _issuers(resource: dict[str, Any]) -> set[str]:
    return {str(rule.get("issuer")) for rule in resource["spec"].get("jwtRules") or []}


def _is_allow(resource: dict[str, Any]) -> bool:
    return (
        resource.get("kind") == "AuthorizationPolicy" and resource["spec"].get("action", "ALLOW") == "ALLOW"
    )


def _compared(
    scope: str, name: str, old: dict[str, Any] | None, new: dict[str, Any] | None
) -> Iterator[Change]:
    sample = new or old
    assert sample is not None
    kind = str(sample.get("kind"))
    if _is_allow(sample):
        was = _allowances(old) if old else set()
        now = _allowances(new) if new else set()
        for item in sorted(was - now):
            yield Change(Area.ISTIO, scope, "mesh-allow-removed", f"{name} no longer allows {item}")
        for item in sorted(now - was):
            yield Change(Area.ISTIO, scope, "mesh-allow-added", f"{name} allows {item}")
        return
    if kind == "RequestAuthentication":
        was = _issuers(old) if old else set()
        now = _issuers(new) if new else set()
        for issuer in sorted(was - now):
            yield Change(
                Area.ISTIO, scope, "mesh-issuer-removed", f"{name} no longer accepts tokens of {issuer}"
            )
        for issuer in sorted(now - was):
            yield Change(Area.ISTIO, scope, "mesh-issuer-added", f"{name} accepts tokens of {issuer}")
        return
    if new is None:
        rule = "mesh-resource-removed" if kind == "VirtualService" else "mesh-resource-changed"
        yield Change(Area.ISTIO, scope, rule, f"{kind} {name} is no longer generated")
    elif old is None:
        yield Change(Area.ISTIO, scope, "mesh-resource-added", f"{kind} {name} is generated")
    elif old != new:
        yield Change(Area.ISTIO, scope, "mesh-resource-changed", f"{kind} {name} changes")


def istio_changes(profile: str, old: Resources, new: Resources) -> list[Change]:
    scope = f"profile {profile}"
    changes: list[Change] = []
    for name in sorted(old.keys() | new.keys()):
        changes += _compared(scope, name, old.get(name), new.get(name))
    return changes
