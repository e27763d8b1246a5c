"""Row-level security in SQL: a caller's :class:`~rbac.rows.RowFilter` as a WHERE condition.

``column LIKE 'prefix%'`` for each prefix the caller's claim gives (case-sensitive, as the reference's
``startsWith``; ``%`` and ``_`` in a claim value are literal), any prefix per rule, every rule. A rule
without prefixes (no claim, an empty one) matches no row. Non-text columns are compared as text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from rbac.rows import RowFilter
from registry_api.errors import ApiError, ErrorCode

_ESCAPE = "\\"


def row_condition(row_filter: RowFilter, column: Callable[[str], ColumnElement[Any]]) -> ColumnElement[bool]:
    """The filter as a condition on the columns ``column(name)`` returns."""
    parts: list[ColumnElement[bool]] = []
    for name, prefixes in row_filter.conditions:
        as_text = sa.cast(column(name), sa.Text)
        matches = [as_text.like(_escaped(prefix) + "%", escape=_ESCAPE) for prefix in prefixes]
        parts.append(sa.or_(*matches) if matches else sa.false())
    return sa.and_(*parts)


def _escaped(value: str) -> str:
    return value.replace(_ESCAPE, _ESCAPE * 2).replace("%", _ESCAPE + "%").replace("_", _ESCAPE + "_")


def write_denied(table: str) -> ApiError:
    return ApiError(ErrorCode.FORBIDDEN_OPERATION, f"Row-level security does not let you write this {table}.")
