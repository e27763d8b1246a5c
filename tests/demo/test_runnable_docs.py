"""Docs that run: every shell block marked runnable (a fence opened with ```` ```sh runnable ````) in
README.md and docs/*.md is run with bash against the demo registry, as a reader pastes it: from a
folder whose ``var`` is the demo's data directory (``--data-dir var``), with ``registry-api`` on the
PATH and the demo's ports where the docs say 8000, 8001 and 8002. Every block must exit 0; its
``curl`` calls use ``--fail-with-body``, so an HTTP error fails it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from codegen.demo.instructions import READY_LINE
from registry_api.embedded import free_port
from tests.demo.test_demo import START_TIMEOUT_S, demo_process

pytestmark = [pytest.mark.slow, pytest.mark.timeout(420)]

REPO_ROOT = Path(__file__).resolve().parents[2]
DOC_PORTS = (8000, 8001, 8002)
_BLOCK = re.compile(r"^```(?:sh|bash) runnable\n(.*?)^```", re.MULTILINE | re.DOTALL)


def runnable_blocks() -> list[tuple[str, str]]:
    """(where, script) of every runnable block, in document order."""
    found = []
    for document in [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]:
        text = document.read_text(encoding="utf-8")
        for match in _BLOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append((f"{document.relative_to(REPO_ROOT)}:{line}", match.group(1)))
    return found


def test_the_docs_mark_runnable_commands() -> None:
    where = {place.split(":")[0] for place, _ in runnable_blocks()}
    assert {"README.md", "docs/api.md", "docs/observability.md", "docs/security.md"} <= where


def test_every_runnable_command_of_the_docs_passes(private_tmp_path: Path) -> None:
    ports = [free_port() for _ in DOC_PORTS]
    with demo_process(private_tmp_path, ports) as demo:
        demo.wait_for(READY_LINE, START_TIMEOUT_S)
        environment = {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        environment = {k: v for k, v in environment.items() if not k.startswith("REGISTRY_")}
        failures = []
        for where, script in runnable_blocks():
            for documented, actual in zip(DOC_PORTS, ports, strict=True):
                script = script.replace(f"127.0.0.1:{documented}", f"127.0.0.1:{actual}")
            result = subprocess.run(
                ["bash", "-euo", "pipefail", "-c", script],
                cwd=private_tmp_path,
                env=environment,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            if result.returncode != 0:
                failures.append(
                    f"{where} (exit {result.returncode}):\n{script}\n{result.stdout}{result.stderr}"
                )
        assert failures == [], "\n\n".join(failures)
