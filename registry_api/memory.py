"""Large buffers go back to the operating system when they are freed.

glibc raises its mmap threshold each time a block it had mapped is freed (up to 32 MiB). After the first
upload the 8 MiB parts and their copies are then carved from the heap, which fragments and keeps its pages:
a 1 GiB upload grew the server's RSS by ~75 MiB from idle (``BENCH_PARTS=memory python -m bench
peer_compare``). A fixed threshold keeps blocks of 4 MiB and more in mappings of their own, unmapped when
freed (+45 MiB measured); the 1 MiB download chunks stay on the heap, where they are reused."""

from __future__ import annotations

import ctypes
import logging
import os
import sys

log = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
LARGE_BLOCK_BYTES = 4 * 1024**2
OPERATOR_VARIABLE = "MALLOC_MMAP_THRESHOLD_"  # glibc reads it at start-up; an operator's value wins


def return_large_blocks_to_os() -> bool:
    """Fix glibc's mmap threshold at :data:`LARGE_BLOCK_BYTES` for this process; True when it was set.
    Does nothing on other C libraries (musl, macOS) or when the operator set ``MALLOC_MMAP_THRESHOLD_``."""
    if not sys.platform.startswith("linux") or OPERATOR_VARIABLE in os.environ:
        return False
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    if mallopt is None:
        return False
    applied = bool(mallopt(M_MMAP_THRESHOLD, LARGE_BLOCK_BYTES))
    if not applied:
        log.warning("mallopt(M_MMAP_THRESHOLD) refused: large buffers may stay in the heap after use")
    return applied
