"""Long migrations report their progress: ``migrate(progress=...)`` is told each changeset's position,
which ``registry-api migrate`` and ``serve`` draw as a bar on a terminal (never into captured output)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from codegen.migrate import migrate
from codegen.migrate.platform import platform_changesets
from codegen.reader import read_regulation

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "user"


def test_every_changeset_is_reported_in_order(database_url: str) -> None:
    regulation = read_regulation(EXAMPLE)
    total = len(platform_changesets(regulation)) + len(regulation.changesets)
    seen: list[tuple[int, int]] = []
    migrate(regulation, database_url, progress=lambda position, of: seen.append((position, of)))
    assert seen == [(position, total) for position in range(1, total + 1)]
    again: list[tuple[int, int]] = []
    migrate(regulation, database_url, progress=lambda position, of: again.append((position, of)))
    assert again[-1] == (total, total)  # up to date: still walked through, quickly


def test_captured_output_has_no_bar(database_url: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "codegen.cli", "migrate", str(EXAMPLE), "--database-url", database_url],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "\x1b[" not in result.stdout + result.stderr  # no terminal control sequences
    assert "executed" in result.stdout
