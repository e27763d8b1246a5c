"""Why the demo stops: a message a newcomer can act on, never a stack trace."""

from __future__ import annotations


class DemoError(Exception):
    """A step failed; the message says which and what to do."""


class NotAvailableYetError(DemoError):
    """A part of the product the demo needs is not there (yet): say which, never fake it."""

    def __init__(self, what: str) -> None:
        super().__init__(f"not available yet: {what}")
