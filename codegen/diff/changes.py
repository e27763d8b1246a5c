"""One change between two versions of a regulation, and the rules that classify it (docs/diff.md).

Every rule has a stable id (``table-removed``, ``param-required-added``...) and a fixed verdict, so a
modeller can look the id up in the docs and a CI gate can rely on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Area(StrEnum):
    MODEL = "model"
    API = "api"
    ISTIO = "istio"


# rule id -> breaking? (the table in docs/diff.md, in the same order)
RULES: dict[str, bool] = {
    # model
    "table-removed": True,
    "table-added": False,
    "column-removed": True,
    "column-renamed": True,
    "column-added-optional": False,
    "column-added-required": True,
    "column-type-narrowed": True,
    "column-type-widened": False,
    "column-now-required": True,
    "column-now-optional": False,
    "file-column-added": False,
    "file-column-removed": True,
    "file-kind-changed": True,
    "search-removed": True,
    "search-added": False,
    "search-param-removed": True,
    "search-param-required-added": True,
    "search-param-optional-added": False,
    "search-param-now-required": True,
    "search-param-now-optional": False,
    "search-param-type-changed": True,
    "search-output-removed": True,
    "search-output-added": False,
    "search-pagination-changed": True,
    "search-limit-lowered": True,
    "search-limit-raised": False,
    "exposure-removed": True,
    "exposure-added": False,
    "rbac-narrowed": True,
    "rbac-widened": False,
    "public-entry-removed": True,
    "public-entry-added": False,
    "public-limit-lowered": True,
    "public-limit-raised": False,
    # api (per profile, from the OpenAPI documents)
    "route-removed": True,
    "route-added": False,
    "param-removed": True,
    "param-required-added": True,
    "param-optional-added": False,
    "param-now-required": True,
    "param-now-optional": False,
    "param-type-changed": True,
    "request-field-required-added": True,
    "request-field-optional-added": False,
    "request-field-removed": True,
    "request-field-now-required": True,
    "request-field-type-changed": True,
    "response-field-removed": True,
    "response-field-added": False,
    "response-field-type-changed": True,
    # istio (per profile, from the generated resources)
    "mesh-allow-removed": True,
    "mesh-allow-added": False,
    "mesh-issuer-removed": True,
    "mesh-issuer-added": False,
    "mesh-resource-removed": True,
    "mesh-resource-added": False,
    "mesh-resource-changed": False,
}


@dataclass(frozen=True, order=True)
class Change:
    area: Area
    scope: str  # "table user", "search user_search_by_name", "profile ext", ...
    rule: str  # an id of RULES
    detail: str  # one sentence

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ValueError(f"unknown diff rule {self.rule!r}")

    @property
    def breaking(self) -> bool:
        return RULES[self.rule]

    def to_json(self) -> dict[str, object]:
        return {
            "area": self.area.value,
            "scope": self.scope,
            "rule": self.rule,
            "breaking": self.breaking,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class DiffReport:
    old: str  # how the user named each side
    new: str
    changes: tuple[Change, ...]

    @property
    def breaking(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.breaking)

    def in_area(self, area: Area) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.area is area)
