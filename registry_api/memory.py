"""Large buffers go back to the operating system when they are freed; the download chunks stay put.

glibc raises its mmap threshold each time a block it had mapped is freed (up to 32 MiB). After the first
upload the 8 MiB parts and their copies are then carved from the heap, which fragments and keeps its pages:
a 1 GiB upload grew the server's RSS by ~75 MiB from idle (``BENCH_PARTS=memory python -m bench
peer_compare``). A fixed threshold keeps blocks of 4 MiB and more in mappings of their own, unmapped when
freed (+45 MiB measured); the 1 MiB download chunks stay on the heap, where they are reused.

Fixing the mmap threshold also stops glibc from raising its trim threshold with it, which then stays at
128 KiB: every freed download chunk at the top of the heap was handed back to the kernel and faulted in
again for the next one (~1,200 page faults per 16 MiB download). The trim threshold is set to 2 MiB,
the two 1 MiB chunks a download has in flight: faults fall 5-200 times. More kept more of each thread's
arena after an upload (8 MiB: +57..61 MiB RSS per GiB uploaded, 4 MiB: +56, 2 MiB: +44, as before)
for no download throughput beyond noise (docs/benchmarks.md)."""

from __future__ import annotations

import ctypes
import logging
import os
import sys

log = logging.getLogger(__name__)

M_TRIM_THRESHOLD = -1  # glibc's mallopt parameters
M_MMAP_THRESHOLD = -3
LARGE_BLOCK_BYTES = 4 * 1024**2
KEPT_FREE_BYTES = 2 * 1024**2  # two download chunks (files.chunk_bytes, read-ahead 2)
# glibc reads these at start-up; an operator's value wins
OPERATOR_VARIABLES = {M_MMAP_THRESHOLD: "MALLOC_MMAP_THRESHOLD_", M_TRIM_THRESHOLD: "MALLOC_TRIM_THRESHOLD_"}


def return_large_blocks_to_os() -> bool:
    """Fix glibc's mmap threshold at :data:`LARGE_BLOCK_BYTES` and its trim threshold at
    :data:`KEPT_FREE_BYTES` for this process; True when the mmap threshold was set. Does nothing on
    other C libraries (musl, macOS); leaves a threshold the operator set through its variable as set."""
    if not sys.platform.startswith("linux"):
        return False
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    if mallopt is None:
        return False
    applied = {}
    for parameter, value in ((M_MMAP_THRESHOLD, LARGE_BLOCK_BYTES), (M_TRIM_THRESHOLD, KEPT_FREE_BYTES)):
        if OPERATOR_VARIABLES[parameter] in os.environ:
            applied[parameter] = False
            continue
        applied[parameter] = bool(mallopt(parameter, value))
        if not applied[parameter]:
            log.warning(
                "mallopt(%s) refused: freed buffers may be kept or trimmed as glibc decides",
                OPERATOR_VARIABLES[parameter].strip("_"),
            )
    return applied[M_MMAP_THRESHOLD]
