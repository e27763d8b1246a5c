"""Entity routers: CRUD and file content.

Generated from the regulation; do not edit.
"""

from . import city, user

__all__ = ["city", "user"]
