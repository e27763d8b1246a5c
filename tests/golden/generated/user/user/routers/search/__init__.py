"""Search condition routers.

Generated from the regulation; do not edit.
"""

from . import city_contains_name, user_public_photo, user_search_by_name

__all__ = ["city_contains_name", "user_public_photo", "user_search_by_name"]
