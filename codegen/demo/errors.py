"""Why the demo stops: a message a newcomer can act on, never a stack trace."""

from __future__ import annotations


class DemoError(Exception):
    """A step failed; the message says which and what to do."""
