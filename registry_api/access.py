"""The seams between a request and the rules: who is calling, and what they may do.

The generated routes and the core services only talk to these two protocols. ``rbac`` provides the
real implementations (Keycloak tokens, Casbin policy from the regulation); ``AllowAll`` and
``AnonymousAuthenticator`` exist for tests of the core and for a registry without RBAC rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

from starlette.requests import HTTPConnection

from rbac.principal import ANONYMOUS_ROLE, Identity

WriteAction = Literal["insert", "update", "delete"]

__all__ = [
    "ANONYMOUS_ROLE",
    "AccessPolicy",
    "AllowAll",
    "AnonymousAuthenticator",
    "Authenticator",
    "Identity",
]


class Authenticator(Protocol):
    def authenticate(self, connection: HTTPConnection) -> Identity:
        """Return the caller, or raise ``rbac.errors.AuthenticationError``."""
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


class AllowAll:
    """Every authenticated caller may do everything (a registry without RBAC rows)."""

    def can_read_entity(self, identity: Identity, table: str) -> bool:
        return not identity.anonymous

    def readable_columns(self, identity: Identity, table: str, columns: Sequence[str]) -> frozenset[str]:
        return frozenset(columns) if not identity.anonymous else frozenset()

    def can_write_entity(self, identity: Identity, table: str, action: WriteAction) -> bool:
        return not identity.anonymous

    def can_partial_update(self, identity: Identity, table: str, columns: Sequence[str]) -> bool:
        return not identity.anonymous

    def can_read_file(self, identity: Identity, table: str, column: str) -> bool:
        return not identity.anonymous

    def can_search(self, identity: Identity, search_condition: str) -> bool:
        return not identity.anonymous

    def readable_search_columns(
        self, identity: Identity, search_condition: str, columns: Sequence[str]
    ) -> frozenset[str]:
        return frozenset(columns) if not identity.anonymous else frozenset()


class AnonymousAuthenticator:
    """Everyone is the anonymous caller (the public profile)."""

    def authenticate(self, connection: HTTPConnection) -> Identity:
        return Identity.anonymous_caller()
