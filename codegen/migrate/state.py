"""What the migrator must remember about tables while walking a regulation's changesets in order:
primary keys (for many-to-many views), which tables keep history (to mirror column changes) and the
declared column types (for the index kinds of search conditions)."""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas.regulation import XmlNode


class ChangeError(Exception):
    """A change that cannot be turned into SQL; the runner adds the changeset and tag to the message."""


@dataclass
class TableInfo:
    primary_key: tuple[str, ...] = ()
    history: bool = False
    column_types: dict[str, str] = field(default_factory=dict)  # as declared (``varchar(50)``, ``UUID``)


@dataclass
class SchemaState:
    tables: dict[str, TableInfo] = field(default_factory=dict)

    def has_history(self, table: str) -> bool:
        info = self.tables.get(table)
        return info is not None and info.history

    def column_type(self, table: str, column: str) -> str | None:
        info = self.tables.get(table)
        return info.column_types.get(column) if info is not None else None


def flag(node: XmlNode, name: str, default: bool = False) -> bool:
    value = node.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("true", "1", "yes")


def required(node: XmlNode, name: str) -> str:
    value = node.get(name)
    if value is None or not value.strip():
        raise ChangeError(f"attribute {name!r} is required")
    return value.strip()


def local_tag(tag: str) -> str:
    """``ext:createTable`` → ``createTable``."""
    return tag.split(":", 1)[1] if ":" in tag else tag


def column_nodes(node: XmlNode) -> tuple[XmlNode, ...]:
    """``column`` and ``ext:column`` children (the extension spelling allows array types)."""
    return tuple(c for c in node.children if local_tag(c.tag) == "column")


def constraints_of(column: XmlNode) -> XmlNode | None:
    for child in column.children:
        if local_tag(child.tag) == "constraints":
            return child
    return None


def history_flag(node: XmlNode) -> bool:
    return flag(node, "ext:historyFlag") or flag(node, "historyFlag")
