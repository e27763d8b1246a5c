"""Line coverage per package (each folder with an ``__init__.py``, its own modules only) from
``coverage json`` output; exits 1 when a package is below the threshold.

    python .ci/coverage_by_package.py build/coverage.json --fail-under 90
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import PurePosixPath


def per_package(report: dict) -> dict[str, tuple[int, int]]:
    """package (dotted) → (statements, covered), files never imported included (coverage lists them)."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for name, entry in report["files"].items():
        package = ".".join(PurePosixPath(name).parent.parts)
        summary = entry["summary"]
        totals[package][0] += summary["num_statements"]
        totals[package][1] += summary["covered_lines"]
    return {package: (statements, covered) for package, (statements, covered) in totals.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", help="the file `coverage json -o FILE` wrote")
    parser.add_argument("--fail-under", type=float, default=0.0, help="lowest acceptable percentage")
    options = parser.parse_args()
    with open(options.report, encoding="utf-8") as handle:
        packages = per_package(json.load(handle))
    below = []
    print(f"{'package':<24} {'statements':>10} {'missed':>7} {'cover':>7}")
    all_statements = all_covered = 0
    for package, (statements, covered) in sorted(packages.items()):
        percent = 100.0 * covered / statements if statements else 100.0
        all_statements, all_covered = all_statements + statements, all_covered + covered
        flag = "  < " + f"{options.fail_under:g} %" if percent < options.fail_under else ""
        print(f"{package:<24} {statements:>10} {statements - covered:>7} {percent:>6.1f}%{flag}")
        if percent < options.fail_under:
            below.append(package)
    total = 100.0 * all_covered / all_statements if all_statements else 100.0
    print(f"{'total':<24} {all_statements:>10} {all_statements - all_covered:>7} {total:>6.1f}%")
    if below:
        print(f"below {options.fail_under:g} %: {', '.join(below)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
