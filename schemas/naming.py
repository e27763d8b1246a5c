"""How regulation names become API names (DESIGN.md §4 "Naming")."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[_\-\s]+")


def to_path_segment(name: str) -> str:
    """``staff_status`` → ``staff-status`` (tables, search conditions, partial updates, enums)."""
    return name.replace("_", "-")


def from_path_segment(segment: str) -> str:
    """``staff-status`` → ``staff_status``: the regulation name a path segment stands for."""
    return segment.replace("-", "_")


def to_camel(name: str) -> str:
    """``premises_file`` → ``premisesFile``; an already camelCase name is kept as it is."""
    parts = [p for p in _SEPARATORS.split(name) if p]
    if not parts:
        return name
    head, *tail = parts
    return head[:1].lower() + head[1:] + "".join(p[:1].upper() + p[1:] for p in tail)


def to_pascal(name: str) -> str:
    """``staff_status`` → ``StaffStatus`` (generated class names)."""
    camel = to_camel(name)
    return camel[:1].upper() + camel[1:]
