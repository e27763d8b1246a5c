"""Turning what a caller sent (a query string, a JSON body, or a pydantic model's dump) into typed,
validated search input for a ``SearchSpec``.

Two steps, so each source of input stays simple:

* ``from_query`` / ``from_body`` only *collect* raw values under their input names (multi-valued and
  comma-separated list parameters are flattened);
* ``parse_request`` coerces every value to its parameter's type, checks required parameters and the
  pagination numbers, and reports every bad field at once as ``VALIDATION_ERROR``.

``parse_request`` accepts already-typed values too (``UUID``, ``date``, ``int``...), so generated pydantic
models can hand over ``model.model_dump(by_alias=True, exclude_none=True)`` unchanged.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from registry_api.errors import ApiError, ErrorCode
from registry_api.search.spec import Pagination, SearchParameter, SearchSpec, SearchType, ValueType

PAGINATION_INPUTS: dict[Pagination, tuple[str, ...]] = {
    Pagination.OFFSET: ("limit", "offset"),
    Pagination.PAGE: ("pageSize", "pageNo"),
    Pagination.NONE: (),
}
DEFAULT_PAGE_SIZE = 10
TEXT_SEARCHES = frozenset({SearchType.CONTAINS, SearchType.STARTS_WITH, SearchType.STARTS_WITH_ARRAY})


class MultiValued(Protocol):
    """Starlette's ``QueryParams`` (or anything with ``getlist``)."""

    def getlist(self, key: Any) -> list[Any]: ...

    def keys(self) -> Any: ...


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """Validated input: ``filters`` maps input names (``name``, ``ageFrom``...) to typed values (lists for
    in/notIn/startsWithArray); absent parameters are not in it."""

    filters: Mapping[str, Any] = field(default_factory=dict)
    limit: int | None = None
    offset: int = 0
    page_size: int = DEFAULT_PAGE_SIZE
    page_no: int = 0


class _InvalidValueError(ValueError):
    pass


# ---------------------------------------------------------------------------------------------
# Collecting raw values


def input_names(spec: SearchSpec) -> tuple[str, ...]:
    """Every name a caller may send for ``spec``: parameters (with From/To) and its pagination inputs."""
    names = [name for parameter in spec.parameters for name in parameter.input_names]
    return (*names, *PAGINATION_INPUTS[spec.pagination])


def from_query(spec: SearchSpec, query: MultiValued | Mapping[str, Any]) -> dict[str, Any]:
    """Raw values from a query string. List parameters take repeated keys and ``a,b,c``; other
    parameters take their first value. Unknown keys are ignored, as the reference does."""
    list_inputs = {p.name for p in spec.parameters if p.is_list}
    collected: dict[str, Any] = {}
    for name in input_names(spec):
        values = _values_of(query, name)
        if not values:
            continue
        if name in list_inputs:
            collected[name] = [part for value in values for part in _split_list(value)]
        else:
            collected[name] = values[0]
    return collected


def from_body(spec: SearchSpec, body: Any) -> dict[str, Any]:
    """Raw values from a JSON body (``POST /search/{sc}``): an object keyed by the same names."""
    if body is None:
        return {}
    if not isinstance(body, Mapping):
        raise ApiError(ErrorCode.CLIENT_ERROR, "The search body must be a JSON object")
    return {name: body[name] for name in input_names(spec) if name in body and body[name] is not None}


def _values_of(query: MultiValued | Mapping[str, Any], name: str) -> list[Any]:
    if hasattr(query, "getlist"):
        return list(query.getlist(name))
    value = query.get(name) if isinstance(query, Mapping) else None
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def as_list(value: Any) -> Any:
    """For the generated JSON-body models: a list parameter sent as one value or as a comma-separated
    string becomes a list (docs/search.md "Lists"); anything else is left to the model's validation."""
    if value is None or isinstance(value, list | tuple | dict):
        return value
    return _split_list(value)


def _split_list(value: Any) -> list[Any]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip() != ""]
    return [value]


# ---------------------------------------------------------------------------------------------
# Coercing and validating


def parse_request(spec: SearchSpec, params: Mapping[str, Any]) -> SearchRequest:
    """Typed, validated input for ``spec``; raises ``VALIDATION_ERROR`` listing every bad field."""
    errors: list[dict[str, Any]] = []
    filters: dict[str, Any] = {}
    for parameter in spec.parameters:
        for name in parameter.input_names:
            raw = params.get(name)
            try:
                value = coerce_parameter(parameter, raw)
            except _InvalidValueError as error:
                errors.append(_field_error(name, raw, str(error)))
                continue
            if value is None:
                if parameter.required:
                    errors.append(_field_error(name, None, "must not be null"))
                continue
            filters[name] = value
    numbers: dict[str, int | None] = {}
    for name in PAGINATION_INPUTS[spec.pagination]:
        raw = params.get(name)
        try:
            numbers[name] = _coerce_count(raw, minimum=1 if name == "pageSize" else 0)
        except _InvalidValueError as error:
            errors.append(_field_error(name, raw, str(error)))
    if errors:
        raise ApiError(ErrorCode.VALIDATION_ERROR, "Invalid search parameters", details={"errors": errors})
    return _with_pagination(spec, filters, numbers)


def _with_pagination(
    spec: SearchSpec, filters: dict[str, Any], numbers: dict[str, int | None]
) -> SearchRequest:
    cap = spec.limit
    if spec.pagination is Pagination.OFFSET:
        requested = numbers.get("limit")
        limit = cap if requested is None else (requested if cap is None else min(requested, cap))
        return SearchRequest(filters=filters, limit=limit, offset=numbers.get("offset") or 0)
    if spec.pagination is Pagination.PAGE:
        page_size = numbers.get("pageSize") or DEFAULT_PAGE_SIZE
        if cap is not None:
            page_size = min(page_size, cap)
        return SearchRequest(filters=filters, page_size=page_size, page_no=numbers.get("pageNo") or 0)
    return SearchRequest(filters=filters, limit=cap)


def _field_error(name: str, value: Any, message: str) -> dict[str, Any]:
    shown = value if value is None or isinstance(value, str | int | float | bool | list) else str(value)
    return {"field": name, "value": shown, "message": message}


def coerce_parameter(parameter: SearchParameter, raw: Any) -> Any:
    """One parameter's value, typed; ``None`` when absent. Lists for list search types (a single value
    or a comma-separated string becomes a list)."""
    if raw is None:
        return None
    # Prefix and substring searches compare the column as text, whatever its type.
    value_type = ValueType.TEXT if parameter.search_type in TEXT_SEARCHES else parameter.value_type
    if parameter.is_list:
        items = raw if isinstance(raw, list | tuple) else _split_list(raw)
        typed = [coerce_value(value_type, item) for item in items]
        if any(item is None for item in typed):
            raise _InvalidValueError("must not contain empty values")
        return typed
    if isinstance(raw, list | tuple):
        if len(raw) != 1:
            raise _InvalidValueError("must be a single value")
        raw = raw[0]
    return coerce_value(value_type, raw)


def coerce_value(value_type: ValueType, raw: Any) -> Any:
    """A single value as the Python type bound for ``value_type``. An empty string is "absent" for every
    type but text (where it is a legitimate value)."""
    if raw is None:
        return None
    if value_type in (ValueType.TEXT, ValueType.ENUM):
        return _as_text(raw)
    if isinstance(raw, str) and raw.strip() == "":
        return None
    converter = _CONVERTERS.get(value_type)
    if converter is None:
        raise _InvalidValueError("this column cannot be searched")
    try:
        return converter(raw)
    except (ValueError, TypeError, InvalidOperation) as error:
        raise _InvalidValueError(_MESSAGES[value_type]) from error


def _as_text(raw: Any) -> str:
    if isinstance(raw, str):
        return raw
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, int | float | Decimal | uuid.UUID | date | time):
        return raw.isoformat() if isinstance(raw, date | time) else str(raw)
    raise _InvalidValueError("must be a string")


def _to_uuid(raw: Any) -> uuid.UUID:
    return raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw).strip())


def _to_int(raw: Any) -> int:
    if isinstance(raw, bool):
        raise TypeError("a boolean is not an integer")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        if not raw.is_integer():
            raise ValueError("not an integer")
        return int(raw)
    return int(str(raw).strip())


def _to_decimal(raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(raw, float) and not math.isfinite(raw):
        raise ValueError("not finite")
    value = Decimal(str(raw).strip())
    if not value.is_finite():
        raise ValueError("not finite")
    return value


def _to_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("true", "false"):
        return text == "true"
    raise ValueError("not a boolean")


def _to_date(raw: Any) -> date:
    if isinstance(raw, datetime):
        raise TypeError("a timestamp is not a date")
    return raw if isinstance(raw, date) else date.fromisoformat(str(raw).strip())


def _to_datetime(raw: Any) -> datetime:
    return raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw).strip())


def _to_time(raw: Any) -> time:
    return raw if isinstance(raw, time) else time.fromisoformat(str(raw).strip())


_CONVERTERS: dict[ValueType, Callable[[Any], Any]] = {
    ValueType.UUID: _to_uuid,
    ValueType.INTEGER: _to_int,
    ValueType.NUMERIC: _to_decimal,
    ValueType.BOOLEAN: _to_bool,
    ValueType.DATE: _to_date,
    ValueType.TIMESTAMP: _to_datetime,
    ValueType.TIME: _to_time,
}
_MESSAGES: dict[ValueType, str] = {
    ValueType.UUID: "must be a UUID",
    ValueType.INTEGER: "must be an integer",
    ValueType.NUMERIC: "must be a number",
    ValueType.BOOLEAN: "must be true or false",
    ValueType.DATE: "must be a date (YYYY-MM-DD)",
    ValueType.TIMESTAMP: "must be a date and time (ISO 8601)",
    ValueType.TIME: "must be a time (HH:MM[:SS])",
}


MAX_COUNT = 2**31 - 1  # page sizes, page numbers, limits and offsets: PostgreSQL's integer range


def _coerce_count(raw: Any, *, minimum: int) -> int | None:
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    try:
        value = _to_int(raw)
    except (ValueError, TypeError) as error:
        raise _InvalidValueError("must be an integer") from error
    if value < minimum:
        raise _InvalidValueError(f"must be greater than or equal to {minimum}")
    if value > MAX_COUNT:
        raise _InvalidValueError(f"must be at most {MAX_COUNT}")
    return value
