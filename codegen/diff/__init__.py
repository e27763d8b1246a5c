"""``registry-api diff``: what changes between two versions of a regulation, and what breaks."""

from codegen.diff.changes import RULES, Area, Change, DiffReport
from codegen.diff.compare import DiffError, diff_regulations

__all__ = ["RULES", "Area", "Change", "DiffError", "DiffReport", "diff_regulations"]
