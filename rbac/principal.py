"""Who is calling: the identity every access decision is made for."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ANONYMOUS_ROLE = "anonymous"


@dataclass(frozen=True)
class Identity:
    subject: str
    realm: str | None
    roles: frozenset[str]
    claims: Mapping[str, Any] = field(default_factory=dict)
    anonymous: bool = False

    @classmethod
    def anonymous_caller(cls) -> Identity:
        return cls(subject="anonymous", realm=None, roles=frozenset({ANONYMOUS_ROLE}), anonymous=True)
