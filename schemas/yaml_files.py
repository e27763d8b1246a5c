"""Reading an operator's YAML file (deployment values, Istio settings) as a mapping, safely."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml


def read_yaml_mapping(path: Path, error: Callable[[str], Exception], what: str) -> dict[str, Any]:
    """The mapping ``path`` holds (an empty file is an empty mapping), read with ``yaml.safe_load``.
    An unreadable file, invalid YAML or a top level that is not a mapping raises ``error(message)``, the
    message naming the file (``what`` says what the mapping should hold, e.g. "settings")."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as failure:
        raise error(f"{path}: cannot read: {failure.strerror}") from None
    except yaml.YAMLError as failure:
        raise error(f"{path}: not valid YAML: {failure}") from None
    if not isinstance(data, dict):
        raise error(f"{path}: expected a mapping of {what}")
    return data
