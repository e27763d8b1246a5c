"""Import blocks for generated modules, sorted the way ``ruff``'s isort rules expect, so the output is
lint-clean without running a formatter over it."""

from __future__ import annotations

from collections import defaultdict

_STDLIB = frozenset({"__future__", "collections", "datetime", "decimal", "pathlib", "typing", "uuid"})
_FIRST_PARTY = frozenset({"registry_api", "schemas", "rbac"})
_LINE = 110


class Imports:
    def __init__(self) -> None:
        self._modules: set[str] = set()  # ``import x`` / ``import x as y`` lines (the text after "import")
        self._names: dict[str, set[str]] = defaultdict(set)

    def module(self, spec: str) -> Imports:
        self._modules.add(spec)
        return self

    def add(self, module: str, *names: str) -> Imports:
        self._names[module].update(names)
        return self

    def render(self) -> str:
        sections: dict[int, list[str]] = defaultdict(list)
        for spec in sorted(self._modules, key=str.lower):
            sections[_section(spec.split()[0])].append(f"import {spec}")
        for module in sorted(self._names, key=_relative_key):
            sections[_section(module)].append(
                _from_line(module, sorted(self._names[module], key=_member_key))
            )
        return "\n\n".join("\n".join(sections[key]) for key in sorted(sections)) + "\n"


def _section(module: str) -> int:
    top = module.split(".")[0]
    if module == "__future__":
        return 0
    if module.startswith("."):
        return 4
    if top in _STDLIB:
        return 1
    if top in _FIRST_PARTY:
        return 3
    return 2


def _relative_key(module: str) -> tuple[int, str]:
    dots = len(module) - len(module.lstrip("."))
    return (-dots, module.lower())  # furthest-to-closest, as ruff orders relative imports


def _member_key(name: str) -> tuple[int, str]:
    base = name.split(" as ")[0]
    if base.isupper() and len(base) > 1:
        return (0, base)
    if base[:1].isupper():
        return (1, base)
    return (2, base)


def _from_line(module: str, names: list[str]) -> str:
    one_line = f"from {module} import {', '.join(names)}"
    if len(one_line) <= _LINE:
        return one_line
    body = "".join(f"    {name},\n" for name in names)
    return f"from {module} import (\n{body})"
