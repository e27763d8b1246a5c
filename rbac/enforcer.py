"""The run-time access policy: Casbin over the generated ``rbac/`` directory, decisions memoised.

Casbin is asked once per (caller role, realm, object, action) — a caller is allowed when any of its
roles is (the reference's ``hasAnyAuthority``); every authenticated caller also holds the pseudo-role
``isAuthenticated``. The policy is static between restarts, so every decision is cached: steady-state
checks are dictionary hits.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import casbin

from rbac.policy import (
    ACCESS_MODEL_FILE,
    ACCESS_MODEL_VERSION,
    ANY,
    MODEL_FILE,
    POLICY_FILE,
    READ,
    UPDATE,
    Rule,
    column_object,
    sc_object,
    table_object,
)
from rbac.principal import Identity
from schemas.naming import to_camel
from schemas.realms import REFERENCE_REALM_NAMES, RealmKind, accepted_list
from schemas.regulation import IS_AUTHENTICATED

WriteAction = Literal["insert", "update", "delete"]
Pair = tuple[str, str]

_MEMO_SIZE = 65_536


class PolicyLoadError(RuntimeError):
    """The generated ``rbac/`` directory is missing or unreadable."""


@dataclass(frozen=True, slots=True)
class Consulted:
    """One Casbin evaluation taken during a decision: a caller role asked for ``action`` on ``obj``,
    and the policy rule that allowed it (``None``: no rule matched)."""

    role: str
    realm: str
    obj: str
    action: str
    rule: Rule | None

    @property
    def allowed(self) -> bool:
        return self.rule is not None


class _SearchConditionAccess:
    __slots__ = ("outputs", "requires")

    def __init__(self, requires: tuple[Pair, ...], outputs: dict[str, tuple[Pair, ...]]) -> None:
        self.requires = requires
        self.outputs = outputs


def _pairs(raw: Any) -> tuple[Pair, ...]:
    return tuple((str(t), str(c)) for t, c in raw)


def _with_json_names(outputs: dict[str, tuple[Pair, ...]]) -> dict[str, tuple[Pair, ...]]:
    """Output columns are looked up by view name (``first_name``) or response name (``firstName``)."""
    return {**{to_camel(name): pairs for name, pairs in outputs.items()}, **outputs}


def load_access_model(path: Path) -> dict[str, _SearchConditionAccess]:
    document = json.loads(path.read_text(encoding="utf-8"))
    if document.get("version") != ACCESS_MODEL_VERSION:
        raise PolicyLoadError(f"{path}: unsupported access model version {document.get('version')!r}")
    return {
        name: _SearchConditionAccess(
            requires=_pairs(entry["requires"]),
            outputs=_with_json_names({output: _pairs(pairs) for output, pairs in entry["outputs"].items()}),
        )
        for name, entry in document["searchConditions"].items()
    }


def canonical_realms(enforcer: casbin.Enforcer, realms: Mapping[str, RealmKind]) -> None:
    """Rewrite the policy's realms (as the regulation wrote them: ``officer``, ``officer-portal``, a
    deployment's own name ...) to their :class:`RealmKind`, which callers' realms are compared as.
    A realm nobody could log in to stops the load: its grants would silently apply to nobody."""
    rules: dict[tuple[str, ...], None] = {}
    unknown: set[str] = set()
    for role, realm, obj, action in enforcer.get_policy():
        if realm != ANY:
            kind = realms.get(realm)
            if kind is None:
                unknown.add(realm)
                continue
            realm = kind.value
        rules[(role, realm, obj, action)] = None
    if unknown:
        raise PolicyLoadError(
            f"the RBAC policy grants to realm(s) {', '.join(sorted(unknown))}, which this deployment "
            f"does not know; accepted: {accepted_list(realms)}"
        )
    enforcer.clear_policy()
    if rules:
        enforcer.add_policies([list(rule) for rule in rules])


class CasbinAccessPolicy:
    """Implements ``registry_api.access.AccessPolicy``.

    ``anonymous_reads`` decides for the anonymous caller of the public profile: it is given the
    public route plan's ``serves_search`` / ``serves_file`` checks (what is routed at all is already
    limited by the plan). Without it, the anonymous caller may do nothing.
    """

    def __init__(
        self,
        enforcer: casbin.Enforcer,
        search_conditions: dict[str, _SearchConditionAccess],
        *,
        anonymous_search: Callable[[str], bool] | None = None,
        anonymous_file: Callable[[str, str], bool] | None = None,
        realms: Mapping[str, RealmKind] = REFERENCE_REALM_NAMES,
    ) -> None:
        self._enforcer = enforcer
        self._realms = realms
        # Casbin logs every denial as a WARNING (roles, objects): a denial is an answer, not a fault.
        logging.getLogger("casbin.enforcer").setLevel(logging.ERROR)
        self._search_conditions = search_conditions
        self._anonymous_search = anonymous_search
        self._anonymous_file = anonymous_file
        self._trace: list[Consulted] | None = None
        self._lock = threading.Lock()  # Casbin's evaluator is not documented as thread-safe
        self._role_decision = lru_cache(maxsize=_MEMO_SIZE)(self._enforce_role)
        self._decision = lru_cache(maxsize=_MEMO_SIZE)(self._decide)
        self._columns = lru_cache(maxsize=_MEMO_SIZE)(self._readable_columns)
        self._search = lru_cache(maxsize=_MEMO_SIZE)(self._can_search)

    @classmethod
    def from_directory(
        cls,
        directory: Path,
        *,
        anonymous_search: Callable[[str], bool] | None = None,
        anonymous_file: Callable[[str, str], bool] | None = None,
        realms: Mapping[str, RealmKind] = REFERENCE_REALM_NAMES,
    ) -> CasbinAccessPolicy:
        """``realms``: every realm name the deployment understands (``AuthSettings.realm_names()``)."""
        paths = [directory / MODEL_FILE, directory / POLICY_FILE, directory / ACCESS_MODEL_FILE]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise PolicyLoadError(f"generated RBAC files missing: {', '.join(missing)}")
        enforcer = casbin.Enforcer(str(paths[0]), str(paths[1]))
        canonical_realms(enforcer, realms)
        return cls(
            enforcer,
            load_access_model(paths[2]),
            anonymous_search=anonymous_search,
            anonymous_file=anonymous_file,
            realms=realms,
        )

    # -- decisions ---------------------------------------------------------------------------
    # Memo keys are (roles, realm, ...) — never the Identity itself (its claims are not hashable and
    # would make every caller a separate cache entry).

    def _enforce_role(self, role: str, realm: str, obj: str, action: str) -> bool:
        with self._lock:
            if self._trace is None:
                return bool(self._enforcer.enforce(role, realm, obj, action))
            allowed, matched = self._enforcer.enforce_ex(role, realm, obj, action)
        rule = Rule(*map(str, matched)) if allowed and len(matched) == 4 else None
        self._trace.append(Consulted(role, realm, obj, action, rule))
        return bool(allowed)

    def traced(self) -> tuple[CasbinAccessPolicy, list[Consulted]]:
        """A policy deciding exactly like this one, with nothing memoised yet, and the list it fills
        with every Casbin evaluation it takes (``explain`` tells from it which rule decided)."""
        copy = CasbinAccessPolicy(
            self._enforcer,
            self._search_conditions,
            anonymous_search=self._anonymous_search,
            anonymous_file=self._anonymous_file,
            realms=self._realms,
        )
        copy._trace = []
        return copy, copy._trace

    def as_enforced(self, rule: Rule) -> Rule:
        """``rule`` as this policy holds it: its realm rewritten to its kind, as the load does."""
        kind = self._realms.get(rule.realm) if rule.realm != ANY else None
        return rule if kind is None else Rule(rule.role, kind.value, rule.obj, rule.action)

    def _decide(self, roles: frozenset[str], realm: str, obj: str, action: str) -> bool:
        return any(self._role_decision(role, realm, obj, action) for role in sorted(roles))

    def _subject(self, identity: Identity) -> tuple[frozenset[str], str]:
        """The caller's roles and realm kind (a realm the policy does not name stays as it is, and
        then matches only grants without a realm)."""
        realm = identity.realm or ""
        kind = self._realms.get(realm)
        return identity.roles | {IS_AUTHENTICATED}, kind.value if kind is not None else realm

    def allowed(self, identity: Identity, obj: str, action: str) -> bool:
        """Whether any role of an authenticated caller may do ``action`` on the policy object."""
        if identity.anonymous:
            return False
        roles, realm = self._subject(identity)
        return self._decision(roles, realm, obj, action)

    def _readable_columns(
        self, roles: frozenset[str], realm: str, table: str, columns: tuple[str, ...]
    ) -> frozenset[str]:
        return frozenset(c for c in columns if self._decision(roles, realm, column_object(table, c), READ))

    def _can_search(self, roles: frozenset[str], realm: str, search_condition: str) -> bool:
        access = self._search_conditions.get(search_condition)
        if access is None or not self._decision(roles, realm, sc_object(search_condition), READ):
            return False
        return all(self._decision(roles, realm, column_object(t, c), READ) for t, c in access.requires)

    # -- AccessPolicy ------------------------------------------------------------------------

    def can_read_entity(self, identity: Identity, table: str) -> bool:
        return self.allowed(identity, table_object(table), READ)  # table-level grants only

    def readable_columns(self, identity: Identity, table: str, columns: Sequence[str]) -> frozenset[str]:
        if identity.anonymous:
            return frozenset()
        roles, realm = self._subject(identity)
        return self._columns(roles, realm, table, tuple(columns))

    def can_write_entity(self, identity: Identity, table: str, action: WriteAction) -> bool:
        return self.allowed(identity, table_object(table), action)

    def can_partial_update(self, identity: Identity, table: str, columns: Sequence[str]) -> bool:
        return bool(columns) and all(self.allowed(identity, column_object(table, c), UPDATE) for c in columns)

    def can_read_file(self, identity: Identity, table: str, column: str) -> bool:
        if identity.anonymous:
            return self._anonymous_file is not None and self._anonymous_file(table, column)
        return self.allowed(identity, column_object(table, column), READ)

    def can_search(self, identity: Identity, search_condition: str) -> bool:
        if identity.anonymous:
            return self._anonymous_search is not None and self._anonymous_search(search_condition)
        roles, realm = self._subject(identity)
        return self._search(roles, realm, search_condition)

    def readable_search_columns(
        self, identity: Identity, search_condition: str, columns: Sequence[str]
    ) -> frozenset[str]:
        if not self.can_search(identity, search_condition):
            return frozenset()
        if identity.anonymous:
            return frozenset(columns)
        access = self._search_conditions[search_condition]
        readable: set[str] = set()
        for name in columns:
            sources = access.outputs.get(name)
            # An output we cannot trace to a column is left out (deny when unsure).
            if sources and all(self.allowed(identity, column_object(t, c), READ) for t, c in sources):
                readable.add(name)
        return frozenset(readable)

    def cache_info(self) -> dict[str, Any]:
        return {"roles": self._role_decision.cache_info(), "decisions": self._decision.cache_info()}
