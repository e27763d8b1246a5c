"""The ``X-Source-*`` business-process headers (reference-platform.md §1.4).

Writes must say which system, application and business process made them; the values end up in
the history tables. Which headers are mandatory is a setting (``REGISTRY_HEADERS__REQUIRED_ON_WRITE``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from starlette.requests import Request

from registry_api.errors import ApiError, ErrorCode

SOURCE_SYSTEM = "X-Source-System"
SOURCE_APPLICATION = "X-Source-Application"
SOURCE_BUSINESS_PROCESS = "X-Source-Business-Process"
SOURCE_BUSINESS_PROCESS_DEFINITION_ID = "X-Source-Business-Process-Definition-Id"
SOURCE_BUSINESS_PROCESS_INSTANCE_ID = "X-Source-Business-Process-Instance-Id"
SOURCE_ROOT_BUSINESS_PROCESS_INSTANCE_ID = "X-Source-Root-Business-Process-Instance-Id"
SOURCE_BUSINESS_ACTIVITY = "X-Source-Business-Activity"
SOURCE_BUSINESS_ACTIVITY_INSTANCE_ID = "X-Source-Business-Activity-Instance-Id"
DIGITAL_SIGNATURE = "X-Digital-Signature"
DIGITAL_SIGNATURE_DERIVED = "X-Digital-Signature-Derived"

WRITE_HEADERS = (SOURCE_SYSTEM, SOURCE_APPLICATION, SOURCE_BUSINESS_PROCESS)


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
    def from_request(cls, request: Request) -> SourceHeaders:
        get = request.headers.get
        return cls(
            system=get(SOURCE_SYSTEM) or None,
            application=get(SOURCE_APPLICATION) or None,
            business_process=get(SOURCE_BUSINESS_PROCESS) or None,
            business_process_definition_id=get(SOURCE_BUSINESS_PROCESS_DEFINITION_ID) or None,
            business_process_instance_id=get(SOURCE_BUSINESS_PROCESS_INSTANCE_ID) or None,
            root_business_process_instance_id=get(SOURCE_ROOT_BUSINESS_PROCESS_INSTANCE_ID) or None,
            business_activity=get(SOURCE_BUSINESS_ACTIVITY) or None,
            business_activity_instance_id=get(SOURCE_BUSINESS_ACTIVITY_INSTANCE_ID) or None,
            digital_signature=get(DIGITAL_SIGNATURE) or None,
            digital_signature_derived=get(DIGITAL_SIGNATURE_DERIVED) or None,
        )


def require_headers(request: Request, required: Iterable[str]) -> None:
    """Raise 400 ``HEADERS_ARE_MISSING`` listing every required header the request lacks."""
    missing = [name for name in required if not request.headers.get(name)]
    if missing:
        raise ApiError(
            ErrorCode.HEADERS_ARE_MISSING,
            "Mandatory headers are missing: " + ", ".join(missing) + ".",
            details=missing,
        )
