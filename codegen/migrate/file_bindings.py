"""Keep ``ddm_file_bindings`` in step with table and column renames and drops: a binding names its
entity and field by table and column name, so a renamed table's files stay readable through its new
name, and a dropped one's files lose their bindings (``files prune`` may collect them later)."""

# ruff: noqa: S608 -- SQL text with quoted identifiers and literals, as in tables.py.

from __future__ import annotations

from collections.abc import Callable

from codegen.migrate.sqltext import ident, literal
from schemas.platform import FILE_BINDINGS_TABLE, FILES_TABLE

_BINDINGS = ident(FILE_BINDINGS_TABLE)


def rename_entity(old: str, new: str) -> list[str]:
    return [f"UPDATE {_BINDINGS} SET entity = {literal(new)} WHERE entity = {literal(old)}"]


def rename_field(table: str, old: str, new: str) -> list[str]:
    return [
        f"UPDATE {_BINDINGS} SET field = {literal(new)} "
        f"WHERE entity = {literal(table)} AND field = {literal(old)}"
    ]


def drop_entity(table: str) -> list[str]:
    return _drop(lambda b: f"{b}.entity = {literal(table)}")


def drop_fields(table: str, fields: list[str]) -> list[str]:
    names = ", ".join(literal(f) for f in fields)
    return _drop(lambda b: f"{b}.entity = {literal(table)} AND {b}.field IN ({names})")


def _drop(where: Callable[[str], str]) -> list[str]:
    """Stamp the files that lose their last binding (as the runtime's unbinding does), then drop them."""
    return [
        f"UPDATE {ident(FILES_TABLE)} f SET unbound_at = now() "
        f"WHERE f.id IN (SELECT d.file_id FROM {_BINDINGS} d WHERE {where('d')}) "
        f"AND NOT EXISTS (SELECT 1 FROM {_BINDINGS} b WHERE b.file_id = f.id AND NOT ({where('b')}))",
        f"DELETE FROM {_BINDINGS} d WHERE {where('d')}",
    ]
