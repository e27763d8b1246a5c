"""The benchmarks start and report (tiny sizes; no timing is asserted: figures belong in bench/)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def run_bench(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench", *args],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def test_an_unknown_benchmark_is_refused_with_the_known_ones() -> None:
    done = run_bench("no_such_bench")
    assert done.returncode == 2
    assert "unknown benchmark(s): no_such_bench" in done.stderr
    assert "peer_compare" in done.stderr and "search_scale" in done.stderr


@pytest.mark.slow
def test_search_scale_reports_latencies_and_the_one_statement_of_each_page() -> None:
    done = run_bench("search_scale", BENCH_ROWS="2000", BENCH_REQUESTS="2")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "load 2,000 rows" in done.stdout
    assert "indexed   equal (1 match)" in done.stdout
    for title in ("contains, 1 match", "equal, 1 match", "between, one day", "broad contains, page 0"):
        assert f"EXPLAIN ANALYZE, {title}: 1 statement(s) sent" in done.stdout
    assert "count(*) OVER ()" in done.stdout or "WindowAgg" in done.stdout  # the total is a window
