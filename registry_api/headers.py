"""The ``X-Source-*`` business-process headers (reference-platform.md §1.4), parsed once per request.

Writes must say which system, application and business process made them; the values end up in
the history tables. Which headers are mandatory is a setting (``REGISTRY_HEADERS__REQUIRED_ON_WRITE``).
The root process instance id becomes a segment of S3 keys, so it is validated here, where every
request's headers are read, and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from registry_api.errors import ApiError, ErrorCode
from schemas.platform import (
    DIGITAL_SIGNATURE,
    DIGITAL_SIGNATURE_DERIVED,
    SOURCE_APPLICATION,
    SOURCE_BUSINESS_ACTIVITY,
    SOURCE_BUSINESS_ACTIVITY_INSTANCE_ID,
    SOURCE_BUSINESS_PROCESS,
    SOURCE_BUSINESS_PROCESS_DEFINITION_ID,
    SOURCE_BUSINESS_PROCESS_INSTANCE_ID,
    SOURCE_ROOT_BUSINESS_PROCESS_INSTANCE_ID,
    SOURCE_SYSTEM,
)

ROOT_PROCESS_HEADER = SOURCE_ROOT_BUSINESS_PROCESS_INSTANCE_ID
WRITE_HEADERS = (SOURCE_SYSTEM, SOURCE_APPLICATION, SOURCE_BUSINESS_PROCESS)

# Header name -> SourceHeaders attribute.
_ATTRIBUTES: dict[str, str] = {
    SOURCE_SYSTEM: "system",
    SOURCE_APPLICATION: "application",
    SOURCE_BUSINESS_PROCESS: "business_process",
    SOURCE_BUSINESS_PROCESS_DEFINITION_ID: "business_process_definition_id",
    SOURCE_BUSINESS_PROCESS_INSTANCE_ID: "business_process_instance_id",
    SOURCE_ROOT_BUSINESS_PROCESS_INSTANCE_ID: "root_business_process_instance_id",
    SOURCE_BUSINESS_ACTIVITY: "business_activity",
    SOURCE_BUSINESS_ACTIVITY_INSTANCE_ID: "business_activity_instance_id",
    DIGITAL_SIGNATURE: "digital_signature",
    DIGITAL_SIGNATURE_DERIVED: "digital_signature_derived",
}


@dataclass(frozen=True, slots=True)
class SourceHeaders:
    """What the caller said about where a request comes from. Every field is optional here;
    :func:`require_headers` enforces the mandatory ones."""

    system: str | None = None
    application: str | None = None
    business_process: str | None = None
    business_process_definition_id: str | None = None
    business_process_instance_id: str | None = None
    root_business_process_instance_id: str | None = None
    business_activity: str | None = None
    business_activity_instance_id: str | None = None
    digital_signature: str | None = None
    digital_signature_derived: str | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> SourceHeaders:
        """``headers`` looks names up case-insensitively (Starlette's ``Headers`` does).
        Raises 400 CLIENT_ERROR for a root process id that cannot be part of a storage key."""
        values = {attribute: headers.get(name) or None for name, attribute in _ATTRIBUTES.items()}
        root = values["root_business_process_instance_id"]
        if root is not None:
            root = root.strip() or None
            if root is not None and not valid_process_id(root):
                raise ApiError(
                    ErrorCode.CLIENT_ERROR, f"{ROOT_PROCESS_HEADER} is not a valid process instance id"
                )
            values["root_business_process_instance_id"] = root
        return cls(**values)

    def value_of(self, header: str) -> str | None:
        """The value of one of the headers above, by its HTTP name."""
        attribute = _ATTRIBUTES.get(header)
        return None if attribute is None else getattr(self, attribute)


def valid_process_id(value: str) -> bool:
    """It becomes a segment of an S3 key: no separators, no dot segments, bounded."""
    return (
        0 < len(value) <= 128
        and all(ch.isascii() and (ch.isalnum() or ch in "-_.") for ch in value)
        and value not in {".", ".."}
    )


def require_headers(headers: Mapping[str, str], required: Iterable[str]) -> None:
    """Raise 400 ``HEADERS_ARE_MISSING`` listing every required header the request lacks."""
    missing = [name for name in required if not headers.get(name)]
    if missing:
        raise ApiError(
            ErrorCode.HEADERS_ARE_MISSING,
            "Mandatory headers are missing: " + ", ".join(missing) + ".",
            details=missing,
        )
