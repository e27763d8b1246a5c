"""Large buffers are unmapped when freed, so uploads do not leave the server's RSS grown by their parts,
and the download chunks are reused instead of being handed back to the kernel and faulted in again
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


# What a download does: a 1 MiB chunk read, written, freed, the next one read; prints the page faults
# of 200 chunks (each chunk given back to the kernel costs 256 of them).
CHUNK_PROBE = """
import resource
from registry_api.memory import return_large_blocks_to_os
print(return_large_blocks_to_os())
chunk = b"x" * (1 << 20); del chunk
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(200):
    chunk = b"x" * (1 << 20)
    del chunk
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def probe(code: str = PROBE, **environment: str) -> tuple[str, int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")} | environment
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=True
    )
    applied, figure = result.stdout.split()
    return applied, int(figure)


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


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_download_chunks_are_reused_not_faulted_in_again() -> None:
    applied, faults = probe(CHUNK_PROBE)
    assert applied == "True"
    assert faults < 2_000  # 200 chunks given back and faulted in again would be ~51,000


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_an_operators_trim_threshold_is_left_as_set() -> None:
    applied, faults = probe(CHUNK_PROBE, MALLOC_TRIM_THRESHOLD_=str(128 * 1024))
    assert applied == "True"  # the mmap threshold is still ours
    assert faults > 20_000  # glibc trims at 128 KiB as told: every chunk faulted in again
