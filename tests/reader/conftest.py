"""Helpers for reader tests: write small changelogs into a temporary regulation root."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from .helpers import wrap

WriteChangelog = Callable[..., Path]


@pytest.fixture
def regulation_root(tmp_path: Path) -> Path:
    root = tmp_path / "registry"
    (root / "data-model").mkdir(parents=True)
    return root


@pytest.fixture
def write_changelog(regulation_root: Path) -> WriteChangelog:
    """``write_changelog(body, name="data-model/main-liquibase.xml")`` → the file written."""

    def write(body: str, name: str = "data-model/main-liquibase.xml", raw: bool = False) -> Path:
        path = regulation_root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body if raw else wrap(body), encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def corpus(shared_dir: Path) -> Path:
    return shared_dir / "regulations"
