"""What a route requires of its caller, as plain values, and the one function that decides it.

The HTTP edge (``registry_api.http.dependencies``) decides every request with :func:`permits`, and
``registry-api explain`` asks the same function about a request it only imagines, so the two cannot
reason differently. Each requirement names the :class:`~registry_api.access.AccessPolicy` method that
decides it.
"""

from __future__ import annotations

from dataclasses import dataclass

from registry_api.access import AccessPolicy, Identity, WriteAction


@dataclass(frozen=True, slots=True)
class EntityRead:
    """``GET /{entity}/{id}``: a table-level read grant, on the table and on every table whose rows
    the read nests (``ext:tableReadParameters``)."""

    table: str
    nested: tuple[str, ...] = ()

    def describe(self) -> str:
        if not self.nested:
            return f"read table {self.table}"
        return f"read table {self.table} and the tables it nests ({', '.join(self.nested)})"


@dataclass(frozen=True, slots=True)
class EntityWrite:
    """``POST|PUT|DELETE`` on an entity: a table-level grant for that action."""

    table: str
    action: WriteAction

    def describe(self) -> str:
        return f"{self.action} table {self.table}"


@dataclass(frozen=True, slots=True)
class CompositeWrite:
    """``PUT /nested/{name}``: each row is created or replaced, so insert and update grants on every
    table of the composite entity."""

    name: str
    tables: tuple[str, ...]

    def describe(self) -> str:
        return f"insert and update tables {', '.join(self.tables)} (composite entity {self.name})"


@dataclass(frozen=True, slots=True)
class PartialUpdate:
    """``PATCH /partial/{name}/{id}``: an update grant on every listed column."""

    table: str
    columns: tuple[str, ...]

    def describe(self) -> str:
        return f"update columns {', '.join(self.columns)} of table {self.table}"


@dataclass(frozen=True, slots=True)
class SearchRun:
    """``GET|POST /search/{sc}`` and the legacy ``GET /{sc}``."""

    search_condition: str

    def describe(self) -> str:
        return f"run search condition {self.search_condition}"


@dataclass(frozen=True, slots=True)
class FileRead:
    """File content and links: a read grant on the table or on that column."""

    table: str
    column: str

    def describe(self) -> str:
        return f"read file column {self.table}.{self.column}"


@dataclass(frozen=True, slots=True)
class AnyCaller:
    """Every authenticated caller (enums, uploads)."""

    def describe(self) -> str:
        return "be authenticated"


@dataclass(frozen=True, slots=True)
class LinkedFile:
    """``GET /s/{shortName}``: decided as :class:`FileRead` for the file column the link names, which
    only the database knows."""

    def describe(self) -> str:
        return (
            "the service resolves the short link first (404 when unknown), then needs a token and read "
            "access to the file column it names (known only from the database)"
        )


@dataclass(frozen=True, slots=True)
class SignedLinkToken:
    """``GET /l/{token}``: no caller token; the link's signature is the authorisation."""

    def describe(self) -> str:
        return (
            "no token needed: the signed link's signature is the authorisation (404 when it is unknown, "
            "expired, revoked or used up)"
        )


Requirement = (
    EntityRead
    | EntityWrite
    | CompositeWrite
    | PartialUpdate
    | SearchRun
    | FileRead
    | AnyCaller
    | LinkedFile
    | SignedLinkToken
)


def permits(requirement: Requirement, access: AccessPolicy, identity: Identity) -> bool:
    """Whether ``identity`` meets ``requirement`` under ``access``. Raises ``ValueError`` for
    :class:`LinkedFile`, which needs the link resolved to a :class:`FileRead` first."""
    match requirement:
        case EntityRead(table, nested):
            return all(access.can_read_entity(identity, name) for name in (table, *nested))
        case EntityWrite(table, action):
            return access.can_write_entity(identity, table, action)
        case CompositeWrite(_, tables):
            return all(
                access.can_write_entity(identity, table, action)
                for table in tables
                for action in ("insert", "update")
            )
        case PartialUpdate(table, columns):
            return access.can_partial_update(identity, table, columns)
        case SearchRun(search_condition):
            return access.can_search(identity, search_condition)
        case FileRead(table, column):
            return access.can_read_file(identity, table, column)
        case AnyCaller():
            return True
    raise ValueError(f"{requirement} is decided by the link, not by the caller's grants")
