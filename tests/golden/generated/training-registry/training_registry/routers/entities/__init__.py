"""Entity routers: CRUD and file content.

Generated from the regulation; do not edit.
"""

from . import koatuu, laboratory, ownership, staff, staff_status

__all__ = ["koatuu", "laboratory", "ownership", "staff", "staff_status"]
