"""Walks a changelog and everything it includes, in Liquibase order, confined to the regulation root.

``include file=`` is resolved against the regulation root (Liquibase's search path) unless
``relativeToChangelogFile="true"``; ``includeAll path=`` reads every ``*.xml`` below a folder in
sorted order. An include's ``context`` is ANDed into the contexts of the changesets it brings in.
Anything resolving outside the root (``..``, absolute paths, symlinks) is refused with a diagnostic.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from codegen.reader.common import Site
from codegen.reader.state import ReaderState
from codegen.reader.xml import XmlReadError, parse_document
from schemas.regulation import Location, XmlNode

_CHANGELOG_SUFFIXES = (".xml",)
MAX_INCLUDE_DEPTH = 64


@dataclass(frozen=True, slots=True)
class RawChangeSet:
    node: XmlNode
    file: str  # root-relative logical path
    include_context: str | None


@dataclass
class LoadResult:
    changesets: list[RawChangeSet] = field(default_factory=list)
    properties: list[tuple[str, str]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def and_contexts(outer: str | None, inner: str | None) -> str | None:
    outer = (outer or "").strip() or None
    inner = (inner or "").strip() or None
    if outer and inner:
        return f"({outer}) and ({inner})"
    return outer or inner


class Loader:
    def __init__(self, root: Path, state: ReaderState) -> None:
        self.root = root.resolve()
        self.state = state
        self.result = LoadResult()
        self._stack: list[Path] = []
        self._read: set[Path] = set()

    def logical(self, path: Path) -> str:
        return path.resolve().relative_to(self.root).as_posix()

    def inside_root(self, path: Path) -> Path | None:
        """The resolved path when it stays inside the root (symlinks followed), else None."""
        try:
            resolved = Path(os.path.realpath(path))
            resolved.relative_to(self.root)
        except (ValueError, OSError):
            return None
        return resolved

    def load(self, path: Path, context: str | None = None, origin: Location | None = None) -> None:
        resolved = self.inside_root(path)
        where = origin or Location(path.name, 1)
        if resolved is None:
            self.state.report(
                "INCLUDE_OUTSIDE_ROOT",
                f"'{path}' lies outside the regulation root; it is not read",
                where,
            )
            return
        if resolved in self._stack:
            self.state.report("INCLUDE_CYCLE", f"'{self.logical(resolved)}' includes itself", where)
            return
        if resolved in self._read:
            self.state.report(
                "INCLUDE_REPEATED",
                f"'{self.logical(resolved)}' is already included; skipped",
                where,
            )
            return
        if len(self._stack) >= MAX_INCLUDE_DEPTH:
            self.state.report("INCLUDE_CYCLE", "includes nest too deeply", where)
            return
        if not resolved.is_file():
            self.state.report("INCLUDE_NOT_FOUND", f"'{self.logical(resolved)}' does not exist", where)
            return
        self._read.add(resolved)
        self._stack.append(resolved)
        try:
            self._load_file(resolved, context)
        finally:
            self._stack.pop()

    def _load_file(self, path: Path, context: str | None) -> None:
        logical = self.logical(path)
        site = Site(logical)
        self.result.files.append(logical)
        try:
            parsed = parse_document(path)
        except XmlReadError as problem:
            self.state.report(problem.code, problem.message, Location(logical, problem.line))
            return
        except OSError as error:
            self.state.report(
                "INCLUDE_NOT_FOUND", f"cannot read '{logical}': {error.strerror}", Location(logical, 1)
            )
            return
        if parsed.namespace_warnings:
            line, message = min(parsed.namespace_warnings)
            more = len(parsed.namespace_warnings) - 1
            suffix = f" (and {more} more elements like it in this file)" if more else ""
            self.state.report("EXT_NAMESPACE", message + suffix, Location(logical, line))
        root = parsed.root
        if root.tag != "databaseChangeLog":
            self.state.report(
                "NOT_A_CHANGELOG",
                f"the root element is {root.tag}, not databaseChangeLog",
                site.at(root),
            )
            return
        before = len(self.result.changesets)
        included_any = False
        for child in root.children:
            if child.tag == "changeSet":
                self.result.changesets.append(RawChangeSet(child, logical, context))
            elif child.tag == "include":
                included_any = True
                self._include(child, path, site, context)
            elif child.tag == "includeAll":
                included_any = True
                self._include_all(child, path, site, context)
            elif child.tag == "property":
                name, value = child.get("name"), child.get("value")
                if name is not None and value is not None:
                    self.result.properties.append((name, value))
            elif child.tag in ("preConditions", "comment", "ext:parameters"):
                continue
            else:
                self.state.report(
                    "UNKNOWN_TAG",
                    f"{child.tag} is not expected directly inside databaseChangeLog; ignored",
                    site.at(child),
                )
        if len(self.result.changesets) == before and not included_any:
            self.state.report(
                "EMPTY_CHANGELOG", f"'{logical}' declares no changeSet", Location(logical, root.line)
            )

    def _target(self, node: XmlNode, attribute: str, including: Path, site: Site) -> Path | None:
        value = (node.get(attribute) or "").strip()
        if not value:
            self.state.report(
                "MISSING_ATTRIBUTE", f"{node.tag} needs the attribute {attribute}", site.at(node)
            )
            return None
        relative = (node.get("relativeToChangelogFile") or "").strip().lower() == "true"
        base = including.parent if relative else self.root
        return base / value.replace("\\", "/").removeprefix("classpath:")

    def _include(self, node: XmlNode, including: Path, site: Site, context: str | None) -> None:
        target = self._target(node, "file", including, site)
        if target is None:
            return
        if self.inside_root(target) is not None and target.suffix.lower() not in _CHANGELOG_SUFFIXES:
            self.state.report(
                "INCLUDE_UNSUPPORTED",
                f"'{node.get('file')}' is not an XML changelog; only .xml changelogs are read",
                site.at(node),
            )
            return
        self.load(target, and_contexts(context, node.get("context") or node.get("contexts")), site.at(node))

    def _include_all(self, node: XmlNode, including: Path, site: Site, context: str | None) -> None:
        target = self._target(node, "path", including, site)
        if target is None:
            return
        folder = self.inside_root(target)
        if folder is None:
            self.state.report(
                "INCLUDE_OUTSIDE_ROOT",
                f"includeAll path '{node.get('path')}' lies outside the regulation root; it is not read",
                site.at(node),
            )
            return
        if not folder.is_dir():
            self.state.report(
                "INCLUDE_NOT_FOUND", f"includeAll folder '{node.get('path')}' does not exist", site.at(node)
            )
            return
        inner = and_contexts(context, node.get("context") or node.get("contexts"))
        files = sorted(
            (p for p in folder.rglob("*") if p.suffix.lower() in _CHANGELOG_SUFFIXES),
            key=lambda p: p.relative_to(folder).as_posix(),
        )
        for file in files:
            self.load(file, inner, site.at(node))
