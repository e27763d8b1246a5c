"""Which routes each deployment profile serves (DESIGN.md §1). A route a profile does not serve is
never mounted, so it answers 404 even without the mesh in front of the service.

* ``internal`` — everything (the caller's roles decide), and signed links (``/l/<token>``).
* ``ext`` — only search conditions exposed to ``platform`` or ``externalSystem`` (legacy ``GET /<sc>``
  and ``GET|POST /search/<sc>``) and the file routes of the file columns those search conditions
  return. No entities, no presigned or signed links, no short links (an external system reads files
  through the search results it got; the ext mesh rules list exact paths).
* ``public`` — only what the public-API settings list (and only if the regulation allows it):
  ``/<sc-path>`` entries of ``publicAccess`` search conditions (legacy ``GET`` path) and
  ``/files/<entity>/*/<field>/*`` entries for file columns such search conditions return, plus short
  links ``/s/<shortName>`` to files of those published columns (the service checks the column: a short
  link hides it from the mesh); and signed links, whose signature is the authorisation. GET/HEAD only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from schemas.naming import to_path_segment
from schemas.public_api import PublicApiError, PublicApiSettings, parse_url

EXT_CONSUMERS = frozenset({"platform", "externalSystem"})
PUBLIC_CONSUMER = "publicAccess"


@dataclass(frozen=True)
class RoutePlan:
    entities: bool  # entity CRUD, partial updates, enums, upload and catalogue routes
    search_conditions: frozenset[str] | None  # names of search conditions served; None = all
    legacy_search_paths: bool  # GET /{sc} besides GET|POST /search/{sc}
    file_columns: frozenset[tuple[str, str]] | None  # (table, column) file routes served; None = all
    short_links: bool  # GET /s/{shortName} (of the file columns served)
    presign: bool  # presigned S3 links (internal only)
    read_only: bool  # only GET/HEAD (public)
    signed_links: bool  # GET /l/{token}: any file the token names, whoever holds it
    mint_links: bool  # POST|GET|DELETE /files/.../links (internal only)

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
    signed_links=True,
    mint_links=True,
)

SERVE_NOTHING = RoutePlan(
    entities=False,
    search_conditions=frozenset(),
    legacy_search_paths=False,
    file_columns=frozenset(),
    short_links=False,
    presign=False,
    read_only=True,
    signed_links=False,
    mint_links=False,
)

# The public profile without public-API settings publishes nothing, but still opens signed links.
PUBLIC_LINKS_ONLY = replace(SERVE_NOTHING, signed_links=True)


def _files_of(
    search_conditions: frozenset[str], sc_file_columns: Mapping[str, frozenset[tuple[str, str]]]
) -> frozenset[tuple[str, str]]:
    return frozenset(pair for sc in search_conditions for pair in sc_file_columns.get(sc, frozenset()))


def ext_plan(
    exposures: Mapping[str, frozenset[str]], sc_file_columns: Mapping[str, frozenset[tuple[str, str]]]
) -> RoutePlan:
    exposed = frozenset(sc for sc, consumers in exposures.items() if consumers & EXT_CONSUMERS)
    return RoutePlan(
        entities=False,
        search_conditions=exposed,
        legacy_search_paths=True,
        file_columns=_files_of(exposed, sc_file_columns),
        short_links=False,
        presign=False,
        read_only=False,  # POST /search/<sc> is a read
        signed_links=False,
        mint_links=False,
    )


def public_plan(
    exposures: Mapping[str, frozenset[str]],
    sc_file_columns: Mapping[str, frozenset[tuple[str, str]]],
    public_api: PublicApiSettings,
) -> RoutePlan:
    """Raises ``PublicApiError`` listing every entry that names something the regulation does not
    publish (the settings are checked again here: the service must not trust a stale file)."""
    public = frozenset(sc for sc, consumers in exposures.items() if PUBLIC_CONSUMER in consumers)
    sc_by_path = {to_path_segment(sc): sc for sc in exposures}
    public_files = _files_of(public, sc_file_columns)
    all_files = {pair for pairs in sc_file_columns.values() for pair in pairs}
    file_by_path = {(to_path_segment(t), to_path_segment(c)): (t, c) for t, c in all_files}
    problems: list[str] = []
    searches: set[str] = set()
    files: set[tuple[str, str]] = set()
    for entry in public_api.entries:
        prefix = f"public API entry '{entry.name}'"
        try:
            shape = parse_url(entry.url)
        except ValueError as error:
            problems.append(f"{prefix}: {error}")
            continue
        if shape.kind == "search":
            name = sc_by_path.get(shape.segments[0])
            if name is None:
                problems.append(f"{prefix}: url '{entry.url}' names no search condition of the regulation")
            elif name not in public:
                problems.append(
                    f"{prefix}: search condition '{name}' is not exposed with publicAccess=\"true\""
                )
            elif entry.enabled:
                searches.add(name)
            continue
        pair = file_by_path.get((shape.segments[0], shape.segments[1]))
        if pair is None or pair not in public_files:
            problems.append(
                f"{prefix}: url '{entry.url}' is not a file column returned by a search condition "
                'with publicAccess="true"'
            )
        elif entry.enabled:
            files.add(pair)
    if problems:
        raise PublicApiError(problems)
    return RoutePlan(
        entities=False,
        search_conditions=frozenset(searches),
        legacy_search_paths=True,
        file_columns=frozenset(files),
        short_links=bool(files),
        presign=False,
        read_only=True,
        signed_links=True,
        mint_links=False,
    )


def plan_for(
    profile: str,
    exposures: Mapping[str, frozenset[str]],
    sc_file_columns: Mapping[str, frozenset[tuple[str, str]]],
    public_api: PublicApiSettings | None = None,
) -> RoutePlan:
    """The route plan of a profile. ``exposures``: search condition → consumer names as in
    ``Exposure.consumers`` (every search condition should be a key, unexposed ones with an empty
    set); ``sc_file_columns``: search condition → the (table, column) file columns it returns.
    The public profile without settings publishes nothing (signed links still open)."""
    if profile == "internal":
        return SERVE_EVERYTHING
    if profile == "ext":
        return ext_plan(exposures, sc_file_columns)
    if profile == "public":
        if public_api is None:
            return PUBLIC_LINKS_ONLY
        return public_plan(exposures, sc_file_columns, public_api)
    raise ValueError(f"unknown profile {profile!r}; expected internal, ext or public")
