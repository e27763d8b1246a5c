"""The seams between a request and the rules: who is calling, and what they may do.

The HTTP edge and the core services only talk to these two protocols. ``rbac`` provides the real
implementations (Keycloak tokens, Casbin policy from the regulation); ``registry_api.deploy`` is the
only place that chooses them. There is deliberately no "allow everything" policy: a registry without
RBAC rows gets a Casbin policy that opens its tables to authenticated callers, and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, Protocol

from rbac.principal import ANONYMOUS_ROLE, Identity

WriteAction = Literal["insert", "update", "delete"]

__all__ = [
    "ANONYMOUS_ROLE",
    "AccessPolicy",
    "AnonymousAuthenticator",
    "Authenticator",
    "Identity",
]


class Authenticator(Protocol):
    def authenticate(self, headers: Mapping[str, str]) -> Identity:
        """Return the caller named by the request ``headers`` (looked up case-insensitively), or raise
        ``rbac.errors.AuthenticationError``."""
        ...


class AccessPolicy(Protocol):
    """Decisions follow DESIGN.md §4 "RBAC semantics". Table/column/search-condition names are the
    regulation's (snake_case), not API paths."""

    def can_read_entity(self, identity: Identity, table: str) -> bool: ...

    def readable_columns(self, identity: Identity, table: str, columns: Sequence[str]) -> frozenset[str]:
        """The subset of ``columns`` the caller may see in an entity read."""
        ...

    def can_write_entity(self, identity: Identity, table: str, action: WriteAction) -> bool: ...

    def can_partial_update(self, identity: Identity, table: str, columns: Sequence[str]) -> bool: ...

    def can_read_file(self, identity: Identity, table: str, column: str) -> bool: ...

    def can_search(self, identity: Identity, search_condition: str) -> bool: ...

    def readable_search_columns(
        self, identity: Identity, search_condition: str, columns: Sequence[str]
    ) -> frozenset[str]:
        """The subset of the search condition's output columns the caller may see."""
        ...


class AnonymousAuthenticator:
    """Everyone is the anonymous caller (the public profile)."""

    def authenticate(self, headers: Mapping[str, str]) -> Identity:
        return Identity.anonymous_caller()
