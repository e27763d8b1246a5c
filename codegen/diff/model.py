"""The model diff: tables, columns and their types, file columns, search conditions (parameters,
outputs, pagination, limit), exposure, RBAC (the generated policy's rules) and public-API entries."""

from __future__ import annotations

import re
from collections.abc import Iterator

from codegen.diff.changes import Area, Change
from rbac.policy import Rule, build_policy
from schemas.public_api import PublicApiEntry, PublicApiSettings
from schemas.regulation import IS_AUTHENTICATED, Column, Regulation, SearchCondition, Table

_INTEGERS = ("smallint", "int2", "integer", "int", "int4", "bigint", "int8")
_INTEGER_RANK = {"smallint": 1, "int2": 1, "integer": 2, "int": 2, "int4": 2, "bigint": 3, "int8": 3}
_TEXTUAL = re.compile(r"^(varchar|character varying|char|character|bpchar)(\((\d+)\))?$")
_NUMERIC = re.compile(r"^(numeric|decimal)(\((\d+)(,(\d+))?\))?$")


def _normal(type_name: str) -> str:
    return re.sub(r"\s*([(),])\s*", r"\1", type_name.strip().lower())


def widens(old: str, new: str) -> bool:
    """Whether every value of type ``old`` is a value of type ``new`` (a safe change for clients)."""
    old, new = _normal(old), _normal(new)
    if old == new:
        return True
    old_text, new_text = _TEXTUAL.match(old), _TEXTUAL.match(new)
    if old_text and new == "text":
        return True
    if old_text and new_text and new_text.group(1).startswith(("varchar", "character varying")):
        old_length, new_length = old_text.group(3), new_text.group(3)
        return new_length is None or (old_length is not None and int(new_length) >= int(old_length))
    if old in _INTEGERS and new in _INTEGERS:
        return _INTEGER_RANK[new] >= _INTEGER_RANK[old]
    if old in _INTEGERS and _NUMERIC.match(new) and _NUMERIC.match(new).group(2) is None:  # type: ignore[union-attr]
        return True
    old_numeric, new_numeric = _NUMERIC.match(old), _NUMERIC.match(new)
    if old_numeric and new_numeric:
        if new_numeric.group(2) is None:
            return True
        if old_numeric.group(2) is None:
            return False
        old_p, old_s = int(old_numeric.group(3)), int(old_numeric.group(5) or 0)
        new_p, new_s = int(new_numeric.group(3)), int(new_numeric.group(5) or 0)
        return new_s >= old_s and new_p - new_s >= old_p - old_s
    return (old, new) in {("real", "double precision"), ("float4", "float8"), ("timestamp", "timestamptz")}


def _required(column: Column) -> bool:
    """A client writing the entity must send it."""
    return (
        not column.nullable
        and column.default_value is None
        and column.default_computed is None
        and column.auto_generate is None
    )


def _tables(old: Regulation, new: Regulation) -> Iterator[Change]:
    before = {t.name: t for t in old.api_tables}
    after = {t.name: t for t in new.api_tables}
    for name in sorted(before.keys() - after.keys()):
        yield Change(Area.MODEL, f"table {name}", "table-removed", f"table {name} and its API are removed")
    for name in sorted(after.keys() - before.keys()):
        yield Change(Area.MODEL, f"table {name}", "table-added", f"table {name} is added")
    for name in sorted(before.keys() & after.keys()):
        yield from _columns(before[name], after[name])


def _columns(old: Table, new: Table) -> Iterator[Change]:
    scope = f"table {old.name}"
    before = {c.name: c for c in old.columns}
    after = {c.name: c for c in new.columns}
    removed = sorted(before.keys() - after.keys())
    added = sorted(after.keys() - before.keys())
    if (
        len(removed) == 1
        and len(added) == 1
        and _normal(before[removed[0]].type) == _normal(after[added[0]].type)
    ):
        gone, come = before[removed[0]], after[added[0]]
        yield Change(
            Area.MODEL,
            scope,
            "column-renamed",
            f"column {gone.name} is renamed to {come.name} (clients of {gone.json_name} break)",
        )
        removed, added = [], []
    for name in removed:
        column = before[name]
        rule = "file-column-removed" if column.is_file else "column-removed"
        yield Change(Area.MODEL, scope, rule, f"column {name} ({column.type}) is removed")
    for name in added:
        column = after[name]
        if column.is_file:
            yield Change(
                Area.MODEL, scope, "file-column-added", f"file column {name} ({column.type}) is added"
            )
        elif _required(column):
            yield Change(
                Area.MODEL,
                scope,
                "column-added-required",
                f"column {name} ({column.type}) is added, NOT NULL without a default",
            )
        else:
            yield Change(
                Area.MODEL, scope, "column-added-optional", f"column {name} ({column.type}) is added"
            )
    for name in sorted(before.keys() & after.keys()):
        yield from _column(scope, before[name], after[name])


def _column(scope: str, old: Column, new: Column) -> Iterator[Change]:
    if old.file_kind != new.file_kind and (old.is_file or new.is_file):
        yield Change(
            Area.MODEL, scope, "file-kind-changed", f"column {old.name}: type {old.type} → {new.type}"
        )
    elif _normal(old.type) != _normal(new.type):
        rule = "column-type-widened" if widens(old.type, new.type) else "column-type-narrowed"
        yield Change(Area.MODEL, scope, rule, f"column {old.name}: type {old.type} → {new.type}")
    if _required(new) and not _required(old):
        yield Change(
            Area.MODEL, scope, "column-now-required", f"column {old.name} becomes NOT NULL without a default"
        )
    elif old.nullable is False and new.nullable:
        yield Change(Area.MODEL, scope, "column-now-optional", f"column {old.name} may now be null")


def _parameters(sc: SearchCondition) -> dict[str, tuple[str, bool]]:
    return {c.json_name: (str(c.search_type), c.required) for c in sc.search_columns}


def _outputs(sc: SearchCondition) -> set[str]:
    return {c.json_name for c in sc.returning_columns} | {f.json_name for f in sc.functions}


def _searches(old: Regulation, new: Regulation) -> Iterator[Change]:
    before = {s.name: s for s in old.search_conditions}
    after = {s.name: s for s in new.search_conditions}
    for name in sorted(before.keys() - after.keys()):
        consumers = ", ".join(old.exposure(name).consumers)
        exposed = f" (exposed to {consumers})" if consumers else ""
        yield Change(
            Area.MODEL, f"search {name}", "search-removed", f"search condition {name} is removed{exposed}"
        )
    for name in sorted(after.keys() - before.keys()):
        yield Change(Area.MODEL, f"search {name}", "search-added", f"search condition {name} is added")
    for name in sorted(before.keys() & after.keys()):
        yield from _search(before[name], after[name])
    for name in sorted(before.keys() & after.keys()):
        was, now = set(old.exposure(name).consumers), set(new.exposure(name).consumers)
        for consumer in sorted(was - now):
            yield Change(Area.MODEL, f"search {name}", "exposure-removed", f"no longer exposed to {consumer}")
        for consumer in sorted(now - was):
            yield Change(Area.MODEL, f"search {name}", "exposure-added", f"now exposed to {consumer}")


def _search(old: SearchCondition, new: SearchCondition) -> Iterator[Change]:
    scope = f"search {old.name}"
    before, after = _parameters(old), _parameters(new)
    for name in sorted(before.keys() - after.keys()):
        yield Change(Area.MODEL, scope, "search-param-removed", f"parameter {name} is removed")
    for name in sorted(after.keys() - before.keys()):
        required = after[name][1]
        rule = "search-param-required-added" if required else "search-param-optional-added"
        yield Change(
            Area.MODEL,
            scope,
            rule,
            f"{'required' if required else 'optional'} parameter {name} ({after[name][0]}) is added",
        )
    for name in sorted(before.keys() & after.keys()):
        (old_type, old_required), (new_type, new_required) = before[name], after[name]
        if old_type != new_type:
            yield Change(
                Area.MODEL,
                scope,
                "search-param-type-changed",
                f"parameter {name}: searchType {old_type} → {new_type}",
            )
        if new_required and not old_required:
            yield Change(Area.MODEL, scope, "search-param-now-required", f"parameter {name} becomes required")
        elif old_required and not new_required:
            yield Change(Area.MODEL, scope, "search-param-now-optional", f"parameter {name} becomes optional")
    was, now = _outputs(old), _outputs(new)
    for name in sorted(was - now):
        yield Change(Area.MODEL, scope, "search-output-removed", f"output {name} is no longer returned")
    for name in sorted(now - was):
        yield Change(Area.MODEL, scope, "search-output-added", f"output {name} is returned")
    if old.pagination != new.pagination:
        yield Change(
            Area.MODEL, scope, "search-pagination-changed", f"pagination {old.pagination} → {new.pagination}"
        )
    if old.limit != new.limit:
        lowered = new.limit is not None and (old.limit is None or new.limit < old.limit)
        rule = "search-limit-lowered" if lowered else "search-limit-raised"
        yield Change(Area.MODEL, scope, rule, f"limit {old.limit or 'all'} → {new.limit or 'all'}")


def _who(rule: Rule) -> str:
    who = "any authenticated caller" if rule.role == IS_AUTHENTICATED else f"role {rule.role}"
    return who if rule.realm == "*" else f"{who} (realm {rule.realm})"


def _what(rule: Rule) -> str:
    action = "do anything on" if rule.action == "*" else rule.action
    return f"{action} {rule.obj}"


def _object_exists(rule: Rule, regulation: Regulation) -> bool:
    if rule.obj.startswith("sc/"):
        return regulation.search_condition(rule.obj[3:]) is not None
    return regulation.table(rule.obj.split("/")[1]) is not None


def _rbac(old: Regulation, new: Regulation) -> Iterator[Change]:
    before, after = set(build_policy(old).rules), set(build_policy(new).rules)
    for rule in sorted(before - after):
        if _object_exists(rule, new):  # a removed table or search condition is reported as such
            yield Change(Area.MODEL, "rbac", "rbac-narrowed", f"{_who(rule)} may no longer {_what(rule)}")
    for rule in sorted(after - before):
        if _object_exists(rule, old):
            yield Change(Area.MODEL, "rbac", "rbac-widened", f"{_who(rule)} may now {_what(rule)}")


def _entries(settings: PublicApiSettings | None) -> dict[str, PublicApiEntry]:
    return {} if settings is None else {e.url: e for e in settings.entries if e.enabled}


def _public(old: PublicApiSettings | None, new: PublicApiSettings | None) -> Iterator[Change]:
    before, after = _entries(old), _entries(new)
    for url in sorted(before.keys() - after.keys()):
        yield Change(Area.MODEL, "public api", "public-entry-removed", f"{url} is no longer published")
    for url in sorted(after.keys() - before.keys()):
        yield Change(Area.MODEL, "public api", "public-entry-added", f"{url} is published")
    for url in sorted(before.keys() & after.keys()):
        was, now = before[url].limits, after[url].limits
        for window in ("second", "minute", "hour", "day"):
            a, b = getattr(was, window), getattr(now, window)
            if a == b:
                continue
            lowered = b is not None and (a is None or b < a)
            rule = "public-limit-lowered" if lowered else "public-limit-raised"
            yield Change(
                Area.MODEL, "public api", rule, f"{url}: limit per {window} {a or 'none'} → {b or 'none'}"
            )


def model_changes(
    old: Regulation,
    new: Regulation,
    old_public: PublicApiSettings | None = None,
    new_public: PublicApiSettings | None = None,
) -> list[Change]:
    return [*_tables(old, new), *_searches(old, new), *_rbac(old, new), *_public(old_public, new_public)]
