"""``explain``: would a deployment answer this request, and which rule decided?

Every answer comes from the service's own parts, never from a model of them:

* **routing** — the app ``registry_api.deploy.build_app`` builds for the profile, matched by Starlette
  (``registry_api.http.routing``): 404, 405, or the route and what it requires;
* **authentication** — the realms the profile's service accepts (``deploy.accepted_realm_names``);
* **access** — ``registry_api.requirements.permits``, the function the HTTP edge decides with, on the
  service's own ``AccessPolicy`` (traced, so the Casbin rules that allowed are named, and mapped back
  to the ``ext:rbac`` grants of the regulation copied into the output tree);
* **mesh** — the generated Istio resources of the profile under Istio's documented evaluation
  (``istio.matching``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from fastapi import FastAPI
from sqlalchemy import create_engine

from codegen.reader import read_regulation
from istio import matching
from rbac.enforcer import CasbinAccessPolicy, Consulted
from rbac.policy import Rule, RuleOrigin, rule_origins
from registry_api.access import AccessPolicy, Identity
from registry_api.deploy import GeneratedRegistry, accepted_realm_names, build_app, load_generated
from registry_api.http.routing import Resolution, resolve
from registry_api.requirements import (
    EntityRead,
    EntityWrite,
    FileRead,
    LinkedFile,
    PartialUpdate,
    Requirement,
    SearchRun,
    SignedLinkToken,
    permits,
)
from registry_api.runtime import Runtime
from registry_api.settings import Profile, Settings
from schemas.layout import ISTIO_DIR
from schemas.regulation import Regulation, RlsKind

# Never connected to: building the app and asking its policy touch no database.
_OFFLINE_URL = "postgresql+psycopg://explain@127.0.0.1:1/explain"
EXPLAIN_SUBJECT = "explain"


@dataclass(frozen=True)
class Step:
    """One layer's answer: ``status`` is what that layer answers instead of passing the request on
    (``None``: it passes it on, or ``undecided``)."""

    name: str  # routing | authentication | access | mesh
    passed: bool
    status: int | None
    reason: str
    rules: tuple[str, ...] = ()  # the rules (with origins) that decided
    undecided: bool = False


@dataclass(frozen=True)
class Explanation:
    profile: str
    method: str
    path: str
    realm: str | None
    roles: tuple[str, ...]
    steps: tuple[Step, ...]
    route: str | None = None
    requirement: str | None = None

    @property
    def service_status(self) -> int | None:
        """What the service itself answers instead of handling the request: 404/405 (not routed),
        401 (token refused), 403 (access denied); ``None`` when the route's handler runs."""
        for step in self.steps:
            if step.name != "mesh" and not step.passed:
                return step.status
        return None

    @property
    def determined(self) -> bool:
        """False when a step of the service could not be decided without the database, or at all."""
        return not any(s.undecided and not s.passed for s in self.steps if s.name != "mesh")

    @property
    def mesh(self) -> Step | None:
        return next((s for s in self.steps if s.name == "mesh"), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "method": self.method,
            "path": self.path,
            "realm": self.realm,
            "roles": list(self.roles),
            "route": self.route,
            "requirement": self.requirement,
            "serviceStatus": self.service_status,
            "determined": self.determined,
            "steps": [
                {
                    "name": s.name,
                    "passed": s.passed,
                    "status": s.status,
                    "undecided": s.undecided,
                    "reason": s.reason,
                    "rules": list(s.rules),
                }
                for s in self.steps
            ],
        }


@dataclass
class Deployment:
    """One profile of a generated registry, built the way ``serve`` builds it (offline)."""

    registry: GeneratedRegistry
    settings: Settings
    app: FastAPI
    regulation: Regulation  # the copy in the output tree
    origins: dict[Rule, tuple[Rule, RuleOrigin]]  # as enforced → as the regulation wrote it, and why
    istio: list[dict[str, Any]] = field(default_factory=list)

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.app.state.runtime
        return runtime

    @property
    def profile(self) -> Profile:
        return self.settings.profile


@contextmanager
def deployment(directory: Path, settings: Settings) -> Iterator[Deployment]:
    """The service of ``settings.profile`` for the output tree ``directory``; raises
    ``registry_api.deploy.DeployError`` when it cannot be built (as ``serve`` would)."""
    registry = load_generated(directory)
    engine = create_engine(_OFFLINE_URL)
    try:
        app = build_app(settings, registry, dev_auth=False, engine=engine)
        regulation = read_regulation(registry.regulation_dir, realms=settings.auth.realm_names())
        policy = app.state.runtime.access
        origins: dict[Rule, tuple[Rule, RuleOrigin]] = {}
        for rule, origin in rule_origins(regulation).items():
            enforced = policy.as_enforced(rule) if isinstance(policy, CasbinAccessPolicy) else rule
            origins.setdefault(enforced, (rule, origin))
        yield Deployment(
            registry, settings, app, regulation, origins, istio_resources(directory, settings.profile)
        )
    finally:
        engine.dispose()


def istio_resources(directory: Path, profile: Profile) -> list[dict[str, Any]]:
    folder = directory / ISTIO_DIR / profile.value
    resources = []
    for path in sorted(folder.glob("*.yaml")):
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(loaded, dict):
            resources.append(loaded)
    return resources


# ---------------------------------------------------------------------------------------------


def _routing(resolution: Resolution, method: str) -> Step:
    if resolution.status == 404:
        return Step("routing", False, 404, "no route of this profile has this path (it is not mounted)")
    if resolution.status == 405:
        allowed = ", ".join(resolution.allowed_methods)
        return Step("routing", False, 405, f"the path is served for {allowed} only, not {method}")
    return Step("routing", True, None, f"routed to {resolution.route_name} ({method} {resolution.path})")


def _authentication(deployed: Deployment, realm: str | None) -> Step:
    if deployed.profile is Profile.PUBLIC:
        return Step("authentication", True, None, "the public profile serves every caller as anonymous")
    accepted = accepted_realm_names(deployed.profile, deployed.settings.auth)
    names = ", ".join(accepted)
    if realm is None:
        return Step(
            "authentication", False, 401, f"no token; the {deployed.profile} service needs one of {names}"
        )
    if realm not in accepted:
        return Step(
            "authentication",
            False,
            401,
            f"the {deployed.profile} service accepts tokens of realms {names}, not {realm}",
        )
    return Step("authentication", True, None, f"a token of realm {realm} is accepted")


def _rule_text(rule: Rule, deployed: Deployment) -> str:
    found = deployed.origins.get(rule)
    if found is None:
        return f"{rule.csv()}  ← not from this regulation"
    written, origin = found
    return f"{written.csv()}  ← {origin}"


def _casbin_reasons(trace: Sequence[Consulted], deployed: Deployment, allowed: bool) -> tuple[str, ...]:
    """For each object asked: the rule that allowed it, or that no role has one."""
    asked: dict[tuple[str, str], list[Consulted]] = {}
    for entry in trace:
        asked.setdefault((entry.obj, entry.action), []).append(entry)
    lines: list[str] = []
    for (obj, action), entries in asked.items():
        granting = [e.rule for e in entries if e.rule is not None]
        if granting:
            lines += [f"{action} {obj}: {_rule_text(rule, deployed)}" for rule in dict.fromkeys(granting)]
        else:
            roles = ", ".join(sorted({e.role for e in entries}))
            realm = entries[0].realm or "no realm"
            lines.append(f"{action} {obj}: no grant to {roles} (realm {realm})")
    if not allowed:
        lines.sort(key=lambda line: ": no grant" not in line)  # the missing grants first
    return tuple(lines)


def _access(deployed: Deployment, requirement: Requirement | None, identity: Identity) -> Step:
    if requirement is None:
        return Step("access", True, None, "the route is open (no access check)")
    policy: AccessPolicy = deployed.runtime.access
    trace: list[Consulted] = []
    if isinstance(policy, CasbinAccessPolicy):
        policy, trace = policy.traced()
    allowed = permits(requirement, policy, identity)
    verdict = "allowed" if allowed else "denied"
    if identity.anonymous:
        why = (
            "published by the public-API settings" if allowed else "not published by the public-API settings"
        )
        return Step(
            "access", allowed, None if allowed else 403, f"{verdict}: {requirement.describe()} ({why})"
        )
    rules = _casbin_reasons(trace, deployed, allowed)
    if allowed:
        rules += _row_rules(deployed.regulation, requirement)
    return Step("access", allowed, None if allowed else 403, f"{verdict}: {requirement.describe()}", rules)


def _row_rules(regulation: Regulation, requirement: Requirement) -> tuple[str, ...]:
    """The ``ext:rls`` rules that further limit which rows the allowed request sees or changes
    (decided per row, from the token's claims, so only named here)."""
    match requirement:
        case EntityRead(table) | FileRead(table, _):
            targets, kind = [table], RlsKind.READ
        case EntityWrite(table, _) | PartialUpdate(table, _):
            targets, kind = [table], RlsKind.WRITE
        case SearchRun(name):
            sc = regulation.search_condition(name)
            targets = [f"{name}_v", *(t.name for t in sc.tables)] if sc is not None else []
            kind = RlsKind.READ
        case _:
            return ()
    return tuple(
        f"rows: only where {rule.check_table}.{rule.check_column} starts with a value of the token claim "
        f"{rule.jwt_attribute} (ext:rls {rule.name}, {kind.value})  ← {rule.location or 'ext:rls'}"
        for target in dict.fromkeys(targets)
        for rule in regulation.rls_rules_on(target, kind)
    )


def _issuer(resources: list[dict[str, Any]], realm: str) -> str | None:
    """The jwtRule issuer of ``realm`` (``.../realms/<realm>`` or ``.../realms/<namespace>-<realm>``)."""
    for resource in resources:
        if resource.get("kind") != "RequestAuthentication":
            continue
        for rule in resource["spec"].get("jwtRules") or []:
            name = str(rule.get("issuer", "")).rstrip("/").rpartition("/realms/")[2]
            if name == realm or name.endswith("-" + realm):
                return str(rule["issuer"])
    return None


def _mesh(deployed: Deployment, method: str, path: str, realm: str | None) -> Step:
    resources = deployed.istio
    if not resources:
        return Step("mesh", True, None, "no Istio resources were generated for this profile", undecided=True)
    if deployed.profile is Profile.PUBLIC or realm is None:
        issuer = None
    else:
        issuer = _issuer(resources, realm)
        if issuer is None:
            return Step("mesh", False, 401, f"no RequestAuthentication jwtRule names realm {realm}: rejected")
    request = matching.Request(method, path, f"{issuer}/{EXPLAIN_SUBJECT}" if issuer else "")
    verdict = matching.decide(resources, request, issuer)
    return Step("mesh", verdict.allowed, verdict.status, verdict.reason)


def explain(
    deployed: Deployment, method: str, path: str, realm: str | None, roles: Sequence[str]
) -> Explanation:
    """How ``deployed`` answers ``method path`` from a caller of ``realm`` holding ``roles``."""
    method = method.upper()
    path_only = path.split("?", 1)[0]
    resolution = resolve(deployed.app, deployed.registry.routes, method, path_only)
    steps = [_routing(resolution, method)]
    if isinstance(resolution.requirement, LinkedFile | SignedLinkToken):
        # Decided by the link: resolved first (404 when unknown), then (short links) the caller.
        steps.append(Step("access", True, None, resolution.requirement.describe(), undecided=True))
    elif resolution.requirement_unknown:
        why = "the route decides access in a way explain does not know (a bug: please report it)"
        steps.append(Step("access", False, None, why, undecided=True))
    elif resolution.routed and resolution.requirement is not None:
        steps.append(_authentication(deployed, realm))
        if steps[-1].passed:
            identity = (
                Identity.anonymous_caller()
                if deployed.profile is Profile.PUBLIC
                else Identity(EXPLAIN_SUBJECT, realm, frozenset(roles))
            )
            steps.append(_access(deployed, resolution.requirement, identity))
    steps.append(_mesh(deployed, method, path_only, realm))
    return Explanation(
        profile=deployed.profile.value,
        method=method,
        path=path,
        realm=realm,
        roles=tuple(roles),
        steps=tuple(steps),
        route=f"{method} {resolution.path}" if resolution.routed else None,
        requirement=None if resolution.requirement is None else resolution.requirement.describe(),
    )


def render_text(explanation: Explanation) -> str:
    who = (
        "an anonymous caller"
        if explanation.profile == Profile.PUBLIC.value
        else f"roles {', '.join(explanation.roles) or '(none)'} of realm {explanation.realm or '(no token)'}"
    )
    lines = [f"{explanation.method} {explanation.path} on the {explanation.profile} profile, as {who}"]
    for step in explanation.steps:
        mark = "?" if step.undecided else ("yes" if step.passed else f"NO ({step.status})")
        lines.append(f"  {step.name + ':':<16}{mark:<9}{step.reason}")
        lines += [f"  {'':<25}{rule}" for rule in step.rules]
    status = explanation.service_status
    verdict = "the route's handler answers" if status is None else f"the service answers {status}"
    if not explanation.determined:
        verdict = "undetermined"
    mesh = explanation.mesh
    if mesh is not None and not mesh.passed and not mesh.undecided:
        verdict += f"; behind the mesh, Istio answers {mesh.status} first"
    lines.append(f"  {'outcome:':<16}{verdict}")
    return "\n".join(lines) + "\n"
