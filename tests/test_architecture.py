"""The seams of docs/architecture.md, checked on the source: no import cycle between our modules, only
the HTTP edge (``registry_api/http``) and the composition root know Starlette/FastAPI, and no package
imports one it may not (DESIGN.md §2)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("schemas", "codegen", "registry_api", "rbac", "istio")
WEB_FRAMEWORKS = ("fastapi", "starlette")
# Who may import which of our packages (besides itself).
ALLOWED: dict[str, set[str]] = {
    "schemas": set(),
    "rbac": {"schemas"},
    "istio": {"schemas"},
    "registry_api": {"schemas", "rbac"},
    "codegen": {"schemas", "rbac", "istio", "registry_api"},
}
# Above the edge: the composition root builds the app, so it names FastAPI's type.
WEB_ALLOWED = ("registry_api.http", "registry_api.deploy", "codegen")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def our_modules() -> dict[str, Path]:
    return {module_name(p): p for package in PACKAGES for p in sorted((REPO_ROOT / package).rglob("*.py"))}


def imports_of(path: Path, name: str, known: set[str]) -> Iterator[str]:
    """Every module ``path`` imports (anywhere in it, function bodies included; not under
    TYPE_CHECKING), as the most precise module name we know."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(child) for child in ast.walk(node))
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                yield candidate if candidate in known else base


def graph() -> dict[str, set[str]]:
    modules = our_modules()
    known = set(modules)
    return {
        name: {target for target in imports_of(path, name, known) if target in known and target != name}
        for name, path in modules.items()
    }


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles() -> None:
    assert cycles(graph()) == []


def test_the_cycle_check_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_only_the_http_edge_knows_the_web_framework() -> None:
    offenders = []
    for name, path in our_modules().items():
        if name.startswith(WEB_ALLOWED):
            continue
        for target in imports_of(path, name, set()):
            if target.split(".")[0] in WEB_FRAMEWORKS:
                offenders.append(f"{name} imports {target}")
    assert offenders == []


def test_packages_import_only_what_they_may() -> None:
    offenders = []
    for name, targets in graph().items():
        own = name.split(".")[0]
        for target in targets:
            other = target.split(".")[0]
            if other != own and other not in ALLOWED[own]:
                offenders.append(f"{name} imports {target}")
    assert offenders == []
