"""Python names for regulation names: packages, modules, classes and attributes in generated code."""

from __future__ import annotations

import keyword
import re

from pydantic import BaseModel

from schemas.naming import to_pascal

_NOT_IDENTIFIER = re.compile(r"[^0-9A-Za-z_]+")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
# Attribute names a pydantic model field must not take (they shadow BaseModel members).
_MODEL_RESERVED = frozenset(dir(BaseModel)) | {"model_config"}


def identifier(name: str) -> str:
    """A valid, non-keyword Python identifier close to ``name``
    (``training-registry`` → ``training_registry``)."""
    result = _NOT_IDENTIFIER.sub("_", name).strip("_") or "unnamed"
    if result[0].isdigit():
        result = f"n_{result}"
    if keyword.iskeyword(result) or keyword.issoftkeyword(result):
        result += "_"
    return result


def module_name(name: str) -> str:
    return identifier(name).lower()


def package_name(registry: str) -> str:
    return module_name(registry)


def class_name(name: str) -> str:
    return identifier(to_pascal(identifier(name)))


def to_snake(name: str) -> str:
    """``nameFrom`` → ``name_from``; already snake_case names are kept."""
    return _CAMEL_BOUNDARY.sub("_", name).lower()


def field_name(name: str) -> str:
    """A pydantic field attribute for a column or parameter (its JSON name is set as the alias)."""
    result = identifier(to_snake(name))
    if result in _MODEL_RESERVED or result.startswith("model_"):
        result = f"{result}_"
    return result
