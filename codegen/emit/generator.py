"""``generate``: a regulation → the output tree of a registry (DESIGN.md §2–§3).

``DIR/<package>/`` (the Python package), ``DIR/openapi/<profile>.json``, ``DIR/rbac/``,
``DIR/istio/<profile>/``, ``DIR/regulation/`` (the regulation that was read, so ``serve`` can migrate
from the output alone) and ``DIR/.generated-files``, the manifest. Output is deterministic; a re-run
deletes the files the old manifest lists that this run no longer writes, and nothing else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from codegen.emit import openapi
from codegen.emit.context import CompositeView, PartialView, RegistryView, SearchView, TableView, build
from codegen.emit.imports import Imports
from codegen.emit.render import call, environment, pyrepr
from codegen.migrate.platform import platform_changesets
from istio.emit import write_istio
from rbac.policy import write_policy_files
from schemas.layout import CHANGESETS_FILE, ISTIO_DIR, MANIFEST, PUBLIC_API_FILE, RBAC_DIR, REGULATION_DIR
from schemas.public_api import load_public_api
from schemas.regulation import Regulation

_TYPE_IMPORTS: dict[str, tuple[str, str]] = {
    "UUID": ("uuid", "UUID"),
    "date": ("datetime", "date"),
    "datetime": ("datetime", "datetime"),
    "time": ("datetime", "time"),
    "Decimal": ("decimal", "Decimal"),
    "Any": ("typing", "Any"),
    "Literal": ("typing", "Literal"),
    "FileRef": ("schemas.wire", "FileRef"),
    "BeforeValidator": ("pydantic", "BeforeValidator"),
    "as_list": ("registry_api.search.params", "as_list"),
}
_WORD = re.compile(r"[A-Za-z_]+")


class GenerationError(Exception):
    """The regulation cannot be generated (it has errors); ``str()`` lists them."""


def generate(
    regulation: Regulation,
    out_dir: Path,
    *,
    public_api_file: Path | None = None,
    settings: Any | None = None,
) -> list[Path]:
    """Write the output tree; return every file written (absolute paths, sorted)."""
    if regulation.errors:
        raise GenerationError("\n".join(f"{d.location}: {d.code}: {d.message}" for d in regulation.errors))
    out_dir = out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    previous = _read_manifest(out_dir)
    view = build(regulation)
    written: list[Path] = []

    for relative, text in sorted(render_package(view).items()):
        written.append(_write(out_dir / relative, text.encode()))
    written += _copy_regulation(regulation, out_dir / REGULATION_DIR)
    written.append(_write(out_dir / view.package / CHANGESETS_FILE, expected_changesets(regulation)))
    public_api = None
    if public_api_file is not None:
        public_api = load_public_api(public_api_file)  # checked before anything is baked in
        written.append(_write(out_dir / view.package / PUBLIC_API_FILE, public_api_file.read_bytes()))
    written += [Path(p).resolve() for p in write_policy_files(regulation, out_dir / RBAC_DIR)]
    istio = write_istio(regulation, out_dir / ISTIO_DIR, settings=settings, public_api=public_api)
    written += [Path(p).resolve() for p in istio]
    written += openapi.write_documents(out_dir, view.package)

    current = {p.relative_to(out_dir).as_posix() for p in written}
    _remove_stale(out_dir, previous - current)
    manifest = "".join(f"{name}\n" for name in sorted(current))
    (out_dir / MANIFEST).write_text(manifest, encoding="utf-8")
    return sorted(written)


def expected_changesets(regulation: Regulation) -> bytes:
    """``changesets.json``: the changesets every migration of this regulation records, whatever its
    contexts (the platform's and those without a context), for the service's readiness check."""
    changesets = [*platform_changesets(regulation), *regulation.changesets]
    keys = sorted({(c.id, c.author, c.file) for c in changesets if not c.contexts})
    body = {"changesets": [{"id": i, "author": a, "filename": f} for i, a, f in keys]}
    return (json.dumps(body, ensure_ascii=False, indent=1) + "\n").encode()


# ---------------------------------------------------------------------------------------------
# The package


def render_package(view: RegistryView) -> dict[str, str]:
    """Relative path → source of every module of the generated package."""
    env = environment()
    package = view.package
    files: dict[str, str] = {}

    def render(template: str, **context: Any) -> str:
        return env.get_template(template).render(registry=view, **context)

    files[f"{package}/__init__.py"] = render("package_init.py.jinja")
    files[f"{package}/tables.py"] = render("tables.py.jinja", imports=_tables_imports(view))
    files[f"{package}/models.py"] = render("models.py.jinja", imports=_models_imports(view))
    files[f"{package}/app.py"] = render("app.py.jinja", imports=_app_imports(view))
    files[f"{package}/routers/__init__.py"] = _subpackage(env, "Routers, one module per API element.", [])
    files[f"{package}/routers/entities/__init__.py"] = _subpackage(
        env, "Entity routers: CRUD and file content.", [t.module for t in view.routed_tables]
    )
    files[f"{package}/routers/search/__init__.py"] = _subpackage(
        env, "Search condition routers.", [s.module for s in view.searches]
    )
    files[f"{package}/routers/partial/__init__.py"] = _subpackage(
        env, "Partial update routers.", [p.module for p in view.partials]
    )
    for table in view.routed_tables:
        files[f"{package}/routers/entities/{table.module}.py"] = render(
            "entity_router.py.jinja", table=table, imports=_entity_imports(table)
        )
    for search in view.searches:
        files[f"{package}/routers/search/{search.module}.py"] = render(
            "search_router.py.jinja", search=search, imports=_search_imports(search)
        )
    for partial in view.partials:
        files[f"{package}/routers/partial/{partial.module}.py"] = render(
            "partial_router.py.jinja", partial=partial, imports=_partial_imports(partial)
        )
    if view.composites:
        files[f"{package}/routers/nested/__init__.py"] = _subpackage(
            env, "Composite entity routers (PUT /nested/...).", [c.module for c in view.composites]
        )
    for composite in view.composites:
        files[f"{package}/routers/nested/{composite.module}.py"] = render(
            "composite_router.py.jinja", composite=composite, imports=_composite_imports(composite)
        )
    if view.enums:
        files[f"{package}/routers/enums.py"] = render("enums_router.py.jinja", imports=_enums_imports())
    return files


def _subpackage(env: Any, title: str, modules: list[str]) -> str:
    imports = Imports().add(".", *modules).render() if modules else ""
    all_list = call("", [pyrepr(m) for m in sorted(modules)], 0).replace("(", "[", 1)
    all_list = all_list[: all_list.rfind(")")] + "]"
    return str(
        env.get_template("subpackage_init.py.jinja").render(
            title=title, modules=modules, imports=imports, all_list=all_list
        )
    )


def _types(imports: Imports, annotations: Iterable[str]) -> Imports:
    for annotation in annotations:
        for word in _WORD.findall(annotation):
            if word in _TYPE_IMPORTS:
                imports.add(*_TYPE_IMPORTS[word])
    return imports


def _tables_imports(view: RegistryView) -> str:
    imports = Imports().module("sqlalchemy as sa")
    declared = " ".join(
        c.sa_type for t in view.tables for c in (*t.columns, *t.service_columns, *t.history_columns)
    )
    for name in ("ARRAY", "ENUM", "JSON", "JSONB"):
        if re.search(rf"\b{name}\(", declared):
            imports.add("sqlalchemy.dialects.postgresql", name)
    for name in ("FileArrayType", "FileType"):
        if re.search(rf"\b{name}\(", declared):
            imports.add("registry_api.types", name)
    return imports.render()


def _models_imports(view: RegistryView) -> str:
    imports = Imports().add("pydantic", "BaseModel", "ConfigDict", "Field")
    columns = [c for t in view.routed_tables for c in t.columns] + [
        c for p in view.partials for c in p.columns
    ]
    nested = [n.annotation for t in view.routed_tables for n in t.nested]
    return _types(imports, [*(c.py_type for c in columns), *nested]).render()


def _entity_imports(table: TableView) -> str:
    assert table.primary_key is not None
    imports = Imports().add("typing", "Annotated").add("fastapi", "Depends", "Request", "Response")
    imports.add("registry_api.http.routes", "LazyRouter")
    imports.add("registry_api.entities", "EntitySpec")
    imports.add("registry_api.http", "dependencies", "entity_endpoints")
    imports.add("registry_api.runtime", "Caller").add("schemas.wire", "EntityId")
    imports.add("...models", table.class_name).add("...tables", table.var)
    if table.history_var:
        imports.add("...tables", table.history_var)
    if table.bulk_load:
        imports.add("registry_api.bulk", "BulkSpec").add("schemas.wire", "FileRef")
        imports.add("...models", f"{table.class_name}List")
    if table.nested:
        imports.add("registry_api.nesting", "NestedRead").add("...models", table.read_class_name)
        for nested in table.nested:
            imports.add("...tables", nested.table_var)
    if table.file_columns:
        imports.add("fastapi", "Path").add("registry_api.http", "file_endpoints")
        imports.add("registry_api.http.openapi", "FILE_CONTENT_OPENAPI_EXTRA", "FILE_CONTENT_RESPONSES")
    return _types(imports, [table.primary_key.py_type]).render()


def _search_imports(search: SearchView) -> str:
    imports = Imports().add("typing", "Annotated").add("pydantic", "BaseModel", "ConfigDict", "Field")
    imports.add("fastapi", "Query", "Request", "Response")
    imports.add("registry_api.http.routes", "LazyRouter")
    imports.add("registry_api.http", "search_endpoints")
    imports.add("registry_api.search.spec", *search.spec_names)
    if search.pagination == "page":
        imports.add("schemas.wire", "SearchPage")
    annotations = [p.annotation for p in search.params] + [p.body_annotation for p in search.params]
    annotations += [r.annotation for r in search.results]
    return _types(imports, annotations).render()


def _partial_imports(partial: PartialView) -> str:
    assert partial.table.primary_key is not None
    imports = Imports().add("typing", "Annotated").add("fastapi", "Depends", "Response")
    imports.add("registry_api.http.routes", "LazyRouter")
    imports.add("registry_api.http", "dependencies", "entity_endpoints")
    imports.add("registry_api.runtime", "Caller")
    imports.add("...models", partial.class_name)
    imports.add(f"..entities.{partial.table.module}", partial.table.spec_const)
    return _types(imports, [partial.table.primary_key.py_type]).render()


def _composite_imports(composite: CompositeView) -> str:
    imports = Imports().add("typing", "Annotated").add("fastapi", "APIRouter", "Depends")
    imports.add("registry_api.composites", "CompositePart", "CompositeSpec")
    imports.add("registry_api.http", "dependencies", "entity_endpoints")
    imports.add("registry_api.runtime", "Caller").add("schemas.wire", "EntityId")
    imports.add("...models", composite.root.class_name)
    for node in composite.root.walk():
        imports.add(f"..entities.{node.table.module}", node.table.spec_const)
    return imports.render()


def _enums_imports() -> str:
    imports = Imports().add("typing", "Annotated").add("fastapi", "Depends")
    imports.add("registry_api.http.routes", "LazyRouter")
    imports.add("registry_api.http", "dependencies")
    imports.add("registry_api.enums", "EnumItem", "enum_item", "enum_items")
    return imports.add("registry_api.runtime", "Caller").render()


def _app_imports(view: RegistryView) -> str:
    imports = Imports().add("pathlib", "Path").add("fastapi", "FastAPI")
    imports.add("registry_api", "deploy").add("registry_api.http.app", "RegistryRoutes")
    for subpackage, present in (
        ("entities", view.routed_tables),
        ("partial", view.partials),
        ("nested", view.composites),
        ("search", view.searches),
        ("enums", view.enums),
    ):
        if present:
            imports.add(".routers", subpackage)
    return imports.render()


# ---------------------------------------------------------------------------------------------
# The rest of the tree


def _write(path: Path, content: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_bytes() != content:
        path.write_bytes(content)
    return path


def _copy_regulation(regulation: Regulation, target: Path) -> list[Path]:
    """Every file of the regulation root (changelogs and the data files they load)."""
    root = Path(regulation.root)
    written: list[Path] = []
    if target.resolve() == root.resolve():
        return written
    for source in sorted(root.rglob("*")):
        relative = source.relative_to(root)
        if not source.is_file() or any(part.startswith((".", "__")) for part in relative.parts):
            continue
        written.append(_write(target / relative, source.read_bytes()))
    return written


def _read_manifest(out_dir: Path) -> set[str]:
    manifest = out_dir / MANIFEST
    if not manifest.is_file():
        return set()
    return {line.strip() for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()}


def _remove_stale(out_dir: Path, stale: set[str]) -> None:
    for name in sorted(stale, reverse=True):
        path = (out_dir / name).resolve()
        if out_dir not in path.parents or not path.is_file():
            continue  # a manifest line pointing outside the tree is never followed
        path.unlink()
        parent = path.parent
        while parent != out_dir and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
