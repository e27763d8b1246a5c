"""Liquibase 4.3's checksums (``databasechangelog.md5sum``) for every kind of plain change the migrator
shares with Liquibase, reproduced without Java. ``tests/golden/liquibase/md5sums.txt`` was written by the
real Liquibase 4.3.3 (``ChangeSet.generateCheckSum`` of ``changelog.xml`` beside it); the interop tests
(``tests/interop``) check the same against Liquibase itself, on a database."""

from __future__ import annotations

import shutil
from pathlib import Path

from codegen.reader import read_regulation

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "liquibase"


def expected() -> dict[str, str]:
    lines = (GOLDEN / "md5sums.txt").read_text(encoding="utf-8").splitlines()
    return dict(line.split(" ", 1) for line in lines if line.strip())


def test_every_plain_change_kind_gets_liquibase_s_checksum(tmp_path: Path) -> None:
    root = tmp_path / "registry"
    shutil.copytree(GOLDEN, root)
    regulation = read_regulation(root / "changelog.xml")
    assert {c.id: c.liquibase_checksum for c in regulation.changesets} == expected()


def test_formatting_does_not_change_it_and_content_does(tmp_path: Path) -> None:
    root = tmp_path / "registry"
    shutil.copytree(GOLDEN, root)
    changelog = root / "changelog.xml"
    text = changelog.read_text(encoding="utf-8")
    # attribute order and indentation are not part of Liquibase's serialisation; SQL whitespace neither
    reordered = text.replace(
        '<createSequence sequenceName="seq1" startValue="10" incrementBy="5"/>',
        '<createSequence   incrementBy="5"\n        startValue="10" sequenceName="seq1"/>',
    ).replace(
        "UPDATE person SET age = 1 WHERE age IS NULL", "UPDATE person\n    SET age = 1   WHERE age IS NULL"
    )
    changelog.write_text(reordered, encoding="utf-8")
    assert {c.id: c.liquibase_checksum for c in read_regulation(changelog).changesets} == expected()
    changelog.write_text(text.replace('startValue="10"', 'startValue="11"'), encoding="utf-8")
    changed = {c.id: c.liquibase_checksum for c in read_regulation(changelog).changesets}
    assert changed["c4"] != expected()["c4"] and changed["c3"] == expected()["c3"]
