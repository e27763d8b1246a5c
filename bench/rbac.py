"""Authorization decision time with 1,000 and 10,000 policy rules, cold (Casbin) and memoised.

A synthetic regulation-shaped policy: many roles with table- and column-level grants, written with
``model.conf`` from ``rbac.policy`` and loaded through ``CasbinAccessPolicy`` as the service does.
Run: ``.venv/bin/python -m bench rbac``.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from rbac.enforcer import CasbinAccessPolicy
from rbac.policy import ACCESS_MODEL_FILE, MODEL_CONF, MODEL_FILE, POLICY_FILE
from rbac.principal import Identity

TABLES = 50


def _write_policy(directory: Path, rules: int) -> None:
    lines = ["# synthetic benchmark policy"]
    per_role = 20  # 10 table grants + 10 column grants per role
    for index in range(rules):
        role, slot = divmod(index, per_role)
        table = f"t{(role + slot) % TABLES}"
        if slot % 2 == 0:
            lines.append(f"p, role{role}, *, table/{table}/*, read")
        else:
            lines.append(f"p, role{role}, *, table/{table}/c{slot}, read")
    (directory / MODEL_FILE).write_text(MODEL_CONF)
    (directory / POLICY_FILE).write_text("\n".join(lines) + "\n")
    (directory / ACCESS_MODEL_FILE).write_text('{"version": 1, "searchConditions": {}}\n')


def _measure(rules: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        _write_policy(directory, rules)
        caller = Identity(subject="u", realm="officer-portal", roles=frozenset({"role3", "role7", "unknown"}))
        questions = [(f"t{n % TABLES}", f"c{n % 17}") for n in range(40)]

        cold = []
        for table, column in questions:  # a fresh policy per question: nothing memoised
            policy = CasbinAccessPolicy.from_directory(directory)
            started = time.perf_counter()
            policy.can_read_file(caller, table, column)
            cold.append(time.perf_counter() - started)

        policy = CasbinAccessPolicy.from_directory(directory)
        for table, column in questions:
            policy.can_read_file(caller, table, column)  # warm the memo
        repeats = 20_000
        started = time.perf_counter()
        for n in range(repeats):
            table, column = questions[n % len(questions)]
            policy.can_read_file(caller, table, column)
        memoised = (time.perf_counter() - started) / repeats
    return sorted(cold)[len(cold) // 2], memoised


def main() -> str:
    lines = [
        "| policy rules | cold decision (median, 4 roles incl. isAuthenticated) | memoised decision |",
        "|---|---|---|",
    ]
    for rules in (1_000, 10_000):
        cold, memoised = _measure(rules)
        lines.append(f"| {rules:,} | {cold * 1e3:.1f} ms | {memoised * 1e6:.2f} µs |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(main())
