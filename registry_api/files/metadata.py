"""The S3 user metadata of file objects (``x-amz-meta-*``), as the reference platform's forms and
digital-document service write and read them (``epam/edp-ddm-file-storage`` ``FileMetadataDto``):
``id``, ``checksum`` (SHA-256, lowercase hex), ``filename``, ``fieldName``, ``formKey``.

Metadata travels in HTTP headers, which carry ASCII only: the file name is stored URL-encoded (UTF-8,
``application/x-www-form-urlencoded``, as the reference's ``URLEncoder`` does) and decoded the same way
(``URLDecoder``: ``+`` is a space). ``fieldName`` and ``formKey`` are form identifiers: restricted to a
safe ASCII alphabet instead of being encoded, so every reader sees them as sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote_plus, unquote_plus

from registry_api.errors import ApiError, ErrorCode

__all__ = ["FORM_IDENTIFIER_PATTERN", "FormContext", "filename_of", "object_metadata"]

# Letters, digits and the separators form keys and field names use (``add-lab-bp``, ``edit_grid.0.scan``).
FORM_IDENTIFIER_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._:\-\[\]]{0,254}"
_IDENTIFIER = re.compile(FORM_IDENTIFIER_PATTERN)


@dataclass(frozen=True, slots=True)
class FormContext:
    """Which form field a file was uploaded for: the reference's ``fieldName`` and ``formKey``."""

    field_name: str | None = None
    form_key: str | None = None

    @classmethod
    def checked(cls, field_name: str | None, form_key: str | None) -> FormContext:
        """400-style validation: each value, when given, is a form identifier (see the module)."""
        errors = [
            {"field": name, "value": value, "message": "must be 1-255 letters, digits or . _ : - [ ]"}
            for name, value in (("fieldName", field_name), ("formKey", form_key))
            if value is not None and not _IDENTIFIER.fullmatch(value)
        ]
        if errors:
            raise ApiError(
                ErrorCode.VALIDATION_ERROR, "Invalid upload parameters", details={"errors": errors}
            )
        return cls(field_name, form_key)


def object_metadata(
    file_id: str, filename: str, checksum: str | None, form: FormContext = FormContext()
) -> dict[str, str]:
    """The user metadata of a file's object; absent values are left out, as the reference does."""
    values = {
        "id": file_id,
        "checksum": checksum,
        "filename": quote_plus(filename, safe=""),
        "fieldName": form.field_name,
        "formKey": form.form_key,
    }
    return {key: value for key, value in values.items() if value}


def filename_of(metadata: Mapping[str, str]) -> str:
    """The file name an object's metadata carries (decoded; empty when there is none)."""
    return unquote_plus(metadata.get("filename", ""))
