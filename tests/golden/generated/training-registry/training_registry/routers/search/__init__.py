"""Search condition routers.

Generated from the regulation; do not edit.
"""

from . import (
    koatuu_np_starts_with_name_by_obl,
    koatuu_obl_contains_name,
    laboratory_equal_edrpou_name_count,
    laboratory_start_with_edrpou_contains_name,
    ownership_contains_name,
    staff_status_contains_name,
    subject_equal_subject_type_equal_subject_code,
)

__all__ = [
    "koatuu_np_starts_with_name_by_obl",
    "koatuu_obl_contains_name",
    "laboratory_equal_edrpou_name_count",
    "laboratory_start_with_edrpou_contains_name",
    "ownership_contains_name",
    "staff_status_contains_name",
    "subject_equal_subject_type_equal_subject_code",
]
