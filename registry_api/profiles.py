"""Which routes each deployment profile serves (DESIGN.md §1). A route a profile does not serve is
never mounted, so it answers 404 even without the mesh in front of the service."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RoutePlan:
    entities: bool  # entity CRUD, partial updates, enums, upload and catalogue routes
    search_conditions: frozenset[str] | None  # names of search conditions served; None = all
    legacy_search_paths: bool  # GET /{sc} besides GET|POST /search/{sc}
    file_columns: frozenset[tuple[str, str]] | None  # (table, column) file routes served; None = all
    short_links: bool  # GET /s/{shortName}
    presign: bool  # presigned S3 links (internal only)
    read_only: bool  # only GET/HEAD (public)

    def serves_search(self, name: str) -> bool:
        return self.search_conditions is None or name in self.search_conditions

    def serves_file(self, table: str, column: str) -> bool:
        return self.file_columns is None or (table, column) in self.file_columns


SERVE_EVERYTHING = RoutePlan(
    entities=True,
    search_conditions=None,
    legacy_search_paths=True,
    file_columns=None,
    short_links=True,
    presign=True,
    read_only=False,
)
