"""Small helpers shared by the change handlers: locations, attribute parsing, naming rules."""

from __future__ import annotations

import re
from dataclasses import dataclass

from codegen.reader.state import ReaderState
from schemas.regulation import Location, XmlNode

MAX_NAME_LENGTH = 63  # PostgreSQL identifier limit, enforced by the reference validator

JAVA_RESERVED_WORDS = frozenset(
    [
        "abstract",
        "assert",
        "boolean",
        "break",
        "byte",
        "case",
        "catch",
        "char",
        "class",
        "const",
        "continue",
        "default",
        "do",
        "double",
        "else",
        "enum",
        "extends",
        "final",
        "finally",
        "float",
        "for",
        "goto",
        "if",
        "implements",
        "import",
        "instanceof",
        "int",
        "interface",
        "long",
        "native",
        "new",
        "package",
        "private",
        "protected",
        "public",
        "return",
        "short",
        "static",
        "strictfp",
        "super",
        "switch",
        "synchronized",
        "this",
        "throw",
        "throws",
        "transient",
        "try",
        "void",
        "volatile",
        "while",
        "true",
        "false",
        "null",
        "_",
    ]
)
_CYRILLIC = re.compile(r"[\u0400-\u052F\u2DE0-\u2DFF\uA640-\uA69F]")


@dataclass(frozen=True, slots=True)
class Site:
    """The file a change comes from (root-relative), to locate its elements."""

    file: str

    def at(self, node: XmlNode) -> Location:
        return Location(self.file, node.line)


def parse_bool(state: ReaderState, node: XmlNode, name: str, site: Site, default: bool = False) -> bool:
    value = node.get(name)
    if value is None:
        return default
    normalized = value.strip().lower()
    if normalized in ("true", "1"):
        return True
    if normalized in ("false", "0"):
        return False
    state.report(
        "INVALID_VALUE",
        f'{node.tag} {name}="{value}" is not a boolean (true or false)',
        site.at(node),
    )
    return default


def required(state: ReaderState, node: XmlNode, name: str, site: Site) -> str | None:
    value = node.get(name)
    if value is None or not value.strip():
        state.report("MISSING_ATTRIBUTE", f"{node.tag} needs the attribute {name}", site.at(node))
        return None
    return value.strip()


def split_names(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(part.strip() for part in value.split(",") if part.strip())


def check_name(state: ReaderState, name: str, kind: str, where: Location) -> None:
    """The reference validator's naming rules for tables and columns."""
    if _CYRILLIC.search(name):
        state.report("NAME_CYRILLIC", f"{kind} name '{name}' contains Cyrillic letters", where)
    if name[:1].isdigit():
        state.report("NAME_STARTS_WITH_DIGIT", f"{kind} name '{name}' starts with a digit", where)
    if len(name) > MAX_NAME_LENGTH:
        state.report(
            "NAME_TOO_LONG",
            f"{kind} name '{name}' is {len(name)} characters long (at most {MAX_NAME_LENGTH})",
            where,
        )
    if name.lower() in JAVA_RESERVED_WORDS:
        state.report(
            "NAME_RESERVED_WORD",
            f"{kind} name '{name}' is a Java reserved word; the generated API cannot use it",
            where,
        )


def check_fk_name(state: ReaderState, name: str | None, where: Location) -> None:
    if name and name != name.lower():
        state.report("FK_NAME_NOT_LOWERCASE", f"foreign key name '{name}' must be lower case", where)
