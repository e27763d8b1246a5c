"""Large buffers are unmapped when freed, so uploads do not leave the server's RSS grown by their parts
(``registry_api/memory.py``). Each case runs in a fresh interpreter: the C library's state is per process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

# What an upload does to the allocator: 8 MiB parts filled and copied out while small objects that
# outlive them are allocated in between; prints the RSS growth in MiB.
PROBE = """
import os, sys
from registry_api.memory import return_large_blocks_to_os
print(return_large_blocks_to_os())
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
first = bytes(8 << 20); del first  # glibc raises its threshold at the first free of a mapped block
base = rss()
kept = []
for _ in range(64):
    part = bytearray(8 << 20)
    data = bytes(part)
    kept.append(b"x" * 100_000)
    del part, data
print((rss() - base) >> 20)
"""


def probe(**environment: str) -> tuple[str, int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")} | environment
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=True
    )
    applied, growth = result.stdout.split()
    return applied, int(growth)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_freed_parts_leave_the_process() -> None:
    applied, growth = probe()
    assert applied == "True"
    assert growth <= 10  # the 6 MiB of small objects kept, not the parts


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_an_operators_threshold_is_left_as_set() -> None:
    applied, growth = probe(MALLOC_MMAP_THRESHOLD_=str(32 * 1024**2))
    assert applied == "False"
    assert growth >= 15  # glibc's own behaviour with a high threshold: what the fix avoids
