"""Failures of identity checks. ``registry_api`` renders them as 401 problem+json."""

from __future__ import annotations


class AuthenticationError(Exception):
    """The request carries no usable token. ``reason`` is safe to show to the caller."""

    def __init__(self, reason: str, *, error: str = "invalid_token") -> None:
        super().__init__(reason)
        self.reason = reason
        self.error = error  # RFC 6750 error code for WWW-Authenticate

    @property
    def www_authenticate(self) -> str:
        if self.error == "":
            return "Bearer"
        return f'Bearer error="{self.error}", error_description="{self.reason}"'
