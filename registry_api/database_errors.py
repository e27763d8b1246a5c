"""What a database failure means for the caller: the one mapping of driver errors to API errors, used by
the HTTP edge's handler and by services that catch database errors themselves (the file service).

* no SQLSTATE on an ``OperationalError``/``InterfaceError``, class 08 (connection exception), 57P
  (shutdown) or 53 (insufficient resources), or an invalidated connection: the server is out of reach
  → 503 ``THIRD_PARTY_SERVICE_UNAVAILABLE``;
* class 23 (integrity constraint violation) → 409 ``CONSTRAINT_ERROR`` with the constraint's name;
* class 22 (data exception), class 54 (program limit exceeded: a value too large for an index, too many
  arguments) or a ``DataError`` the driver raised itself before the server saw the value (no SQLSTATE:
  e.g. a NUL character) → 422 ``VALIDATION_ERROR``;
* no pooled connection free within ``database.pool_timeout_s`` (SQLAlchemy's pool ``TimeoutError``,
  not a driver error): the service is saturated → 503 ``THIRD_PARTY_SERVICE_UNAVAILABLE`` with
  ``Retry-After: 1`` (:func:`pool_exhausted`);
* anything else is unexpected (``None``): the edge answers 500 and logs it (never with parameters:
  engines are built with ``hide_parameters=True``).

Messages never carry the server's text, which may quote the offending value.
"""

from __future__ import annotations

from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError

from registry_api.errors import ApiError, ErrorCode

_UNREACHABLE_CLASSES = ("08", "57P", "53")
_VALUE_CLASSES = ("22", "54")


def sqlstate_of(error: DBAPIError) -> str | None:
    sqlstate = getattr(error.orig, "sqlstate", None)
    return sqlstate if isinstance(sqlstate, str) and sqlstate else None


def is_unreachable(error: DBAPIError) -> bool:
    """The database could not be talked to (as opposed to refusing what it was sent)."""
    if error.connection_invalidated:
        return True
    sqlstate = sqlstate_of(error)
    if sqlstate is None:
        return isinstance(error, OperationalError | InterfaceError)
    return sqlstate.startswith(_UNREACHABLE_CLASSES)


def api_error_for(error: DBAPIError) -> ApiError | None:
    """The API error a database failure answers with; ``None`` when it is unexpected (a bug)."""
    if is_unreachable(error):
        return ApiError(
            ErrorCode.THIRD_PARTY_SERVICE_UNAVAILABLE, "The database is unavailable; try again later."
        )
    sqlstate = sqlstate_of(error)
    if sqlstate is not None and sqlstate.startswith("23"):
        diag = getattr(error.orig, "diag", None)
        return ApiError(
            ErrorCode.CONSTRAINT_ERROR,
            "The data violates a database constraint.",
            details={"constraint": getattr(diag, "constraint_name", None)},
        )
    if (sqlstate is not None and sqlstate.startswith(_VALUE_CLASSES)) or (
        sqlstate is None and isinstance(error, DataError)
    ):
        return ApiError(ErrorCode.VALIDATION_ERROR, "A value cannot be stored in its database column.")
    return None


def pool_exhausted() -> ApiError:
    """Every pooled connection stayed busy for ``database.pool_timeout_s``: a load peak, worth a retry."""
    return ApiError(
        ErrorCode.THIRD_PARTY_SERVICE_UNAVAILABLE,
        "The service is busy; try again later.",
        headers={"Retry-After": "1"},
    )
