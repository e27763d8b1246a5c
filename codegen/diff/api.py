"""The API diff of one profile: two OpenAPI documents as ``codegen.emit`` builds them (through
``registry_api.deploy``, so they are the served routes), compared route by route: parameters, JSON
request fields and JSON response fields (object properties, nested through ``$ref``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from codegen.diff.changes import Area, Change

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_MAX_DEPTH = 4

Document = dict[str, Any]


def _resolve(schema: dict[str, Any], document: Document) -> tuple[str | None, dict[str, Any]]:
    reference = schema.get("$ref")
    if not isinstance(reference, str) or not reference.startswith("#/components/schemas/"):
        return None, schema
    name = reference.rsplit("/", 1)[1]
    return name, document.get("components", {}).get("schemas", {}).get(name, {})


def type_of(schema: dict[str, Any], document: Document) -> str:
    """A short structural name: ``string(uuid)|null``, ``array<FileRef>``, ``object``."""
    name, _ = _resolve(schema, document)
    if name is not None:
        return name
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return "|".join(sorted(type_of(s, document) for s in schema[key]))
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array<{type_of(schema.get('items', {}), document)}>"
    if "enum" in schema:
        return f"{kind} enum[{','.join(map(str, schema['enum']))}]"
    if "format" in schema:
        return f"{kind}({schema['format']})"
    return str(kind)


def fields_of(
    schema: dict[str, Any], document: Document, prefix: str = "", depth: int = 0
) -> dict[str, tuple[str, bool]]:
    """Every property path of an object schema (``[]`` for list items) → (type, required)."""
    _, resolved = _resolve(schema, document)
    if resolved.get("type") == "array" and depth < _MAX_DEPTH:
        return fields_of(resolved.get("items", {}), document, f"{prefix}[].", depth + 1)
    properties = resolved.get("properties")
    if not isinstance(properties, dict) or depth >= _MAX_DEPTH:
        return {}
    required = set(resolved.get("required", []))
    found: dict[str, tuple[str, bool]] = {}
    for name, property_schema in sorted(properties.items()):
        path = f"{prefix}{name}"
        found[path] = (type_of(property_schema, document), name in required)
        _, inner = _resolve(property_schema, document)
        if inner.get("type") in ("object", "array") or "properties" in inner:
            found.update(fields_of(property_schema, document, f"{path}.", depth + 1))
    return found


def operations(document: Document) -> dict[str, dict[str, Any]]:
    """``METHOD path`` → the operation."""
    found: dict[str, dict[str, Any]] = {}
    for path, item in document.get("paths", {}).items():
        for method in _METHODS:
            if method in item:
                found[f"{method.upper()} {path}"] = item[method]
    return found


def _parameters(operation: dict[str, Any], document: Document) -> dict[str, tuple[str, bool]]:
    return {
        f"{p['in']} {p['name']}": (type_of(p.get("schema", {}), document), bool(p.get("required")))
        for p in operation.get("parameters", [])
    }


def _json_schema(content: dict[str, Any] | None) -> dict[str, Any] | None:
    media = (content or {}).get("application/json")
    return None if media is None else media.get("schema", {})


def _request_fields(operation: dict[str, Any], document: Document) -> dict[str, tuple[str, bool]]:
    schema = _json_schema(operation.get("requestBody", {}).get("content"))
    return {} if schema is None else fields_of(schema, document)


def _response_fields(operation: dict[str, Any], document: Document) -> dict[str, tuple[str, bool]]:
    for status, response in sorted(operation.get("responses", {}).items()):
        if status.startswith("2"):
            schema = _json_schema(response.get("content"))
            return {} if schema is None else fields_of(schema, document)
    return {}


def _widened(old: str, new: str) -> bool:
    return set(old.split("|")) <= set(new.split("|"))


def _operation(scope: str, key: str, old: Document, new: Document, was: Any, now: Any) -> Iterator[Change]:
    before, after = _parameters(was, old), _parameters(now, new)
    for name in sorted(before.keys() - after.keys()):
        yield Change(Area.API, scope, "param-removed", f"{key}: {name} parameter is removed")
    for name in sorted(after.keys() - before.keys()):
        required = after[name][1]
        rule = "param-required-added" if required else "param-optional-added"
        yield Change(
            Area.API,
            scope,
            rule,
            f"{key}: {'required' if required else 'optional'} {name} parameter is added",
        )
    for name in sorted(before.keys() & after.keys()):
        (old_type, old_required), (new_type, new_required) = before[name], after[name]
        if old_type != new_type and not _widened(old_type, new_type):
            yield Change(
                Area.API, scope, "param-type-changed", f"{key}: {name} parameter {old_type} → {new_type}"
            )
        if new_required and not old_required:
            yield Change(Area.API, scope, "param-now-required", f"{key}: {name} parameter becomes required")
        elif old_required and not new_required:
            yield Change(Area.API, scope, "param-now-optional", f"{key}: {name} parameter becomes optional")

    before, after = _request_fields(was, old), _request_fields(now, new)
    for name in sorted(before.keys() - after.keys()):
        yield Change(Area.API, scope, "request-field-removed", f"{key}: request field {name} is removed")
    for name in sorted(after.keys() - before.keys()):
        required = after[name][1]
        rule = "request-field-required-added" if required else "request-field-optional-added"
        yield Change(
            Area.API,
            scope,
            rule,
            f"{key}: {'required' if required else 'optional'} request field {name} is added",
        )
    for name in sorted(before.keys() & after.keys()):
        (old_type, old_required), (new_type, new_required) = before[name], after[name]
        if old_type != new_type and not _widened(old_type, new_type):
            yield Change(
                Area.API,
                scope,
                "request-field-type-changed",
                f"{key}: request field {name} {old_type} → {new_type}",
            )
        if new_required and not old_required:
            yield Change(
                Area.API, scope, "request-field-now-required", f"{key}: request field {name} becomes required"
            )

    before, after = _response_fields(was, old), _response_fields(now, new)
    for name in sorted(before.keys() - after.keys()):
        yield Change(Area.API, scope, "response-field-removed", f"{key}: response field {name} is removed")
    for name in sorted(after.keys() - before.keys()):
        yield Change(Area.API, scope, "response-field-added", f"{key}: response field {name} is added")
    for name in sorted(before.keys() & after.keys()):
        if before[name][0] != after[name][0]:
            change = f"{before[name][0]} → {after[name][0]}"
            yield Change(
                Area.API, scope, "response-field-type-changed", f"{key}: response field {name} {change}"
            )


def api_changes(profile: str, old: Document, new: Document) -> list[Change]:
    scope = f"profile {profile}"
    before, after = operations(old), operations(new)
    changes = [
        Change(Area.API, scope, "route-removed", f"{key} is no longer served")
        for key in sorted(before.keys() - after.keys())
    ]
    changes += [
        Change(Area.API, scope, "route-added", f"{key} is served")
        for key in sorted(after.keys() - before.keys())
    ]
    for key in sorted(before.keys() & after.keys()):
        changes += _operation(scope, key, old, new, before[key], after[key])
    return changes
