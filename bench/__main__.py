"""Run the benchmarks: ``python -m bench`` runs every module in MODULES, ``python -m bench NAME ...`` some.

Defaults are small (each module a minute or two); ``--full`` (or ``BENCH_FULL=1``) runs the sizes of
docs/benchmarks.md (1 M rows, 256 MiB files, 1 GiB for memory, longer rounds).

Each module is ``bench/<name>.py`` with a ``main()`` that prints its own figures (and may return a
summary, printed here). Add your module's name to MODULES.
"""

from __future__ import annotations

import importlib
import os
import platform
import sys
import time
import traceback

MODULES: list[str] = [
    # Topic modules register here, e.g. "reader".
    "rbac",
    "read_regulation",
    "large_regulation",
    "peer_compare",
    "files",
    "search_scale",
    "observe",
]


def machine_line() -> str:
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{platform.system()} {platform.release()}, {os.cpu_count()} cores, {memory_gib:.0f} GiB, "
        f"Python {platform.python_version()}"
    )


def run(name: str) -> bool:
    """Run one benchmark module; False when it failed (its traceback is printed, the others still run)."""
    print(f"\n=== {name} ===", flush=True)
    started = time.perf_counter()
    try:
        module = importlib.import_module(f"bench.{name}")
        result = module.main()
    except Exception:
        traceback.print_exc()
        print(f"--- {name}: FAILED after {time.perf_counter() - started:.1f} s", flush=True)
        return False
    if result is not None:
        print(result)
    print(f"--- {name}: done in {time.perf_counter() - started:.1f} s", flush=True)
    return True


def main(argv: list[str]) -> int:
    if "--full" in argv:
        os.environ["BENCH_FULL"] = "1"  # read by the modules (bench/common.py FULL)
        argv = [name for name in argv if name != "--full"]
    names = argv or MODULES
    unknown = [name for name in names if name not in MODULES]
    if unknown:
        print(
            f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(MODULES) or 'none yet'}",
            file=sys.stderr,
        )
        return 2
    print(f"machine: {machine_line()}")
    if not names:
        print("no benchmarks registered yet")
        return 0
    failed = [name for name in names if not run(name)]
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
