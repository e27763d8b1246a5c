"""The public-API settings file: what an administrator publishes on the anonymous ``public`` profile.

Shape (YAML or JSON), as edited in the reference platform's control-plane console::

    publicApi:
      - name: user-public-photo          # 3–32 chars, ^[a-z0-9]([a-z0-9-]){1,30}[a-z0-9]$, unique
        url: /user-public-photo          # /<sc-path> of a search condition with publicAccess="true"
        enabled: true                    # default true; disabled entries are validated, not published
        limits: {minute: 60, hour: 1000}
      - name: user-photo-files
        url: /files/user/*/photo/*       # /files/<entity-path>/*/<field-path>/* of a publicly returned file
        limits: {second: 5}

Other top-level keys are ignored (the list may live inside a larger values file), but ``publicApi``
itself must be present, so a misspelt key is an error rather than an empty publication.

``limits`` needs at least one of ``second``, ``minute``, ``hour``, ``day``, ``month``, ``year``
(positive integers), as the reference's Kong limits take them. Every window is enforced per client
address by Envoy's *global* rate limit service (Redis counters, ``istio.ratelimit``); the windows up
to ``day`` are also each gateway pod's *local* per-entry limit, the fallback while the global service
is out of reach. ``month`` and ``year`` have no local fallback: an in-memory token bucket that starts
full on every restart would not mean what they say.

Only pydantic, PyYAML and the standard library (plus ``schemas.regulation``) are imported here.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PositiveInt, ValidationError, model_validator

from schemas.regulation import Column, Regulation, SearchCondition, Table

NAME_PATTERN = r"^[a-z0-9]([a-z0-9-]){1,30}[a-z0-9]$"
FILES_PREFIX = "/files/"
WINDOW_SECONDS: dict[str, int] = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}  # local buckets
WINDOWS = ("second", "minute", "hour", "day", "month", "year")  # the global rate limit service's units
_SEGMENT = re.compile(r"^[A-Za-z0-9-]+$")


class PublicApiError(ValueError):
    """The settings file cannot be used; ``problems`` lists every reason, one sentence each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class RateLimits(BaseModel):
    """Requests allowed per window; a missing window means no limit at that granularity."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    second: PositiveInt | None = None
    minute: PositiveInt | None = None
    hour: PositiveInt | None = None
    day: PositiveInt | None = None
    month: PositiveInt | None = None
    year: PositiveInt | None = None

    @model_validator(mode="after")
    def _at_least_one(self) -> RateLimits:
        if not self.windows():
            raise ValueError(f"at least one of {', '.join(WINDOWS)} must be a positive integer")
        return self

    def windows(self) -> dict[str, int]:
        """The set windows, shortest first: ``{"minute": 60, "hour": 1000}``."""
        values = {window: getattr(self, window) for window in WINDOWS}
        return {window: value for window, value in values.items() if value is not None}

    def local_windows(self) -> dict[str, int]:
        """The windows a per-pod token bucket can hold (up to ``day``), shortest first."""
        return {window: value for window, value in self.windows().items() if window in WINDOW_SECONDS}


class PublicApiEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=NAME_PATTERN, min_length=3, max_length=32)
    url: str = Field(min_length=1)
    enabled: bool = True
    limits: RateLimits


class PublicApiSettings(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    entries: tuple[PublicApiEntry, ...] = Field(alias="publicApi")

    @model_validator(mode="after")
    def _unique(self) -> PublicApiSettings:
        problems = []
        for label, values in (
            ("name", [e.name for e in self.entries]),
            ("url", [e.url for e in self.entries]),
        ):
            for value, count in sorted(Counter(values).items()):
                if count > 1:
                    problems.append(
                        f"{label} '{value}' is used by {count} entries; each {label} must be unique"
                    )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def enabled(self) -> tuple[PublicApiEntry, ...]:
        return tuple(e for e in self.entries if e.enabled)

    def entry(self, name: str) -> PublicApiEntry | None:
        return next((e for e in self.entries if e.name == name), None)


# ---------------------------------------------------------------------------------------------
# Loading


def load_public_api(path: str | Path) -> PublicApiSettings:
    """Read and check the file's shape (safe YAML; JSON is YAML). Raises ``PublicApiError``."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as error:
        raise PublicApiError([f"{source}: cannot read the public-API settings: {error.strerror}"]) from None
    try:
        data = json.loads(text) if source.suffix.lower() == ".json" else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as error:
        raise PublicApiError([f"{source}: not valid YAML/JSON: {error}"]) from None
    return parse_public_api(data, str(source))


def parse_public_api(data: object, source: str = "public-API settings") -> PublicApiSettings:
    if not isinstance(data, dict) or "publicApi" not in data:
        raise PublicApiError([f"{source}: expected a mapping with the top-level key 'publicApi' (a list)"])
    if data["publicApi"] is None:  # ``publicApi:`` with nothing under it = publish nothing
        data = {**data, "publicApi": []}
    try:
        return PublicApiSettings.model_validate(data)
    except ValidationError as error:
        raise PublicApiError(_describe(error, data, source)) from None


def _describe(error: ValidationError, data: dict[str, Any], source: str) -> list[str]:
    """Turn pydantic's errors into sentences naming the entry (by index and name) and the field."""
    raw_entries = data.get("publicApi")
    problems = []
    for item in error.errors():
        loc = list(item["loc"])
        message = str(item["msg"]).removeprefix("Value error, ")
        where = source
        if loc and loc[0] == "publicApi":
            loc = loc[1:]
            if loc and isinstance(loc[0], int):
                index = int(loc.pop(0))
                name = None
                if isinstance(raw_entries, list) and isinstance(raw_entries[index], dict):
                    name = raw_entries[index].get("name")
                where += f": publicApi[{index}]" + (f" ({name})" if name else "")
            else:
                where += ": publicApi"
        field = ".".join(str(part) for part in loc)
        if item["type"] == "extra_forbidden":
            message = f"unknown field (expected name, url, enabled, limits; limits: {', '.join(WINDOWS)})"
        problems.append(f"{where}: {field + ': ' if field else ''}{message}")
    return problems


# ---------------------------------------------------------------------------------------------
# What an entry points at


@dataclass(frozen=True, slots=True)
class PublicSearchCondition:
    entry: PublicApiEntry
    search_condition: SearchCondition


@dataclass(frozen=True, slots=True)
class PublicFileColumn:
    entry: PublicApiEntry
    table: Table
    column: Column


PublicTarget = PublicSearchCondition | PublicFileColumn


@dataclass(frozen=True, slots=True)
class UrlShape:
    """An entry's ``url`` split syntactically, before looking anything up in the regulation."""

    kind: Literal["search", "file"]
    segments: tuple[str, ...]  # (sc_path,) or (entity_path, field_path)


def parse_url(url: str) -> UrlShape:
    """``/<sc-path>`` or ``/files/<entity-path>/*/<field-path>/*``; raises ``ValueError`` otherwise."""
    if url.startswith(FILES_PREFIX):
        parts = url[len(FILES_PREFIX) :].split("/")
        if len(parts) == 4 and parts[1] == "*" and parts[3] == "*":
            entity, field = parts[0], parts[2]
            if _SEGMENT.match(entity) and _SEGMENT.match(field):
                return UrlShape("file", (entity, field))
        hint = ""
        if "(" in url or "{" in url:
            hint = " (write the ids as '*', not as regex groups or templates)"
        raise ValueError(
            f"file url '{url}' must be exactly /files/<entity-path>/*/<field-path>/* — "
            f"one '*' for the entity id and one for the file id{hint}"
        )
    if url.startswith("/") and _SEGMENT.match(url[1:]):
        return UrlShape("search", (url[1:],))
    if "*" in url:
        raise ValueError(f"url '{url}': '*' is allowed only as /files/<entity-path>/*/<field-path>/*")
    raise ValueError(
        f"url '{url}' must be /<search-condition-path> (letters, digits, '-') "
        "or /files/<entity-path>/*/<field-path>/*"
    )


def public_search_conditions(regulation: Regulation) -> tuple[SearchCondition, ...]:
    return tuple(sc for sc in regulation.search_conditions if regulation.exposure(sc.name).public_access)


def publicly_returned_file_columns(regulation: Regulation) -> tuple[tuple[Table, Column], ...]:
    """File columns returned by at least one search condition with ``publicAccess="true"``."""
    found: list[tuple[Table, Column]] = []
    for sc in public_search_conditions(regulation):
        for pair in regulation.sc_file_columns(sc):
            if pair not in found:
                found.append(pair)
    return tuple(found)


def resolve_entry(entry: PublicApiEntry, regulation: Regulation) -> PublicTarget:
    """What the entry publishes; raises ``ValueError`` (a sentence naming the entry) when it may not."""
    prefix = f"public API entry '{entry.name}'"
    try:
        shape = parse_url(entry.url)
    except ValueError as error:
        raise ValueError(f"{prefix}: {error}") from None
    if shape.kind == "search":
        (sc_path,) = shape.segments
        sc = next((s for s in regulation.search_conditions if s.path_segment == sc_path), None)
        if sc is None:
            raise ValueError(f"{prefix}: url '{entry.url}' names no search condition of the regulation")
        if not regulation.exposure(sc.name).public_access:
            raise ValueError(
                f"{prefix}: search condition '{sc.name}' is not exposed with publicAccess=\"true\""
            )
        return PublicSearchCondition(entry, sc)
    entity_path, field_path = shape.segments
    table = next((t for t in regulation.api_tables if t.path_segment == entity_path), None)
    if table is None:
        raise ValueError(f"{prefix}: url '{entry.url}': no entity '{entity_path}' in the regulation")
    column = next((c for c in table.columns if c.path_segment == field_path), None)
    if column is None:
        raise ValueError(f"{prefix}: url '{entry.url}': entity '{table.name}' has no field '{field_path}'")
    if not column.is_file:
        raise ValueError(f"{prefix}: url '{entry.url}': '{table.name}.{column.name}' is not a file column")
    if (table, column) not in publicly_returned_file_columns(regulation):
        raise ValueError(
            f"{prefix}: url '{entry.url}': no search condition with publicAccess=\"true\" "
            f"returns '{table.name}.{column.name}'"
        )
    return PublicFileColumn(entry, table, column)


def validate_public_api(settings: PublicApiSettings, regulation: Regulation) -> list[str]:
    """Problems with the settings against the regulation (every entry, enabled or not); empty = fine."""
    problems = []
    for entry in settings.entries:
        try:
            resolve_entry(entry, regulation)
        except ValueError as error:
            problems.append(str(error))
    return problems


def public_targets(settings: PublicApiSettings, regulation: Regulation) -> tuple[PublicTarget, ...]:
    """What the enabled entries publish, in file order. Raises ``PublicApiError`` if any entry is bad."""
    problems = validate_public_api(settings, regulation)
    if problems:
        raise PublicApiError(problems)
    return tuple(resolve_entry(entry, regulation) for entry in settings.enabled)


def published_search_conditions(settings: PublicApiSettings, regulation: Regulation) -> frozenset[str]:
    """Names of the search conditions the public profile serves (for the route plan)."""
    targets = public_targets(settings, regulation)
    return frozenset(t.search_condition.name for t in targets if isinstance(t, PublicSearchCondition))


def published_file_columns(settings: PublicApiSettings, regulation: Regulation) -> frozenset[tuple[str, str]]:
    """``(table, column)`` names of the file routes the public profile serves (for the route plan)."""
    targets = public_targets(settings, regulation)
    return frozenset((t.table.name, t.column.name) for t in targets if isinstance(t, PublicFileColumn))
