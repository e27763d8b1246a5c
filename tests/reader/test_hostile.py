"""Hostile input: every attack becomes a diagnostic, never a crash, a hang or a read outside the root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from codegen.reader import XmlReadError, parse_xml, read_regulation

from .conftest import WriteChangelog
from .helpers import table

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">
  <changeSet id="1" author="x"><sql>&lol9;</sql></changeSet>
</databaseChangeLog>
"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE foo [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">
  <changeSet id="1" author="x"><sql>&xxe;</sql></changeSet>
</databaseChangeLog>
"""


def _codes(root: Path) -> set[str]:
    return {d.code for d in read_regulation(root).diagnostics}


def test_billion_laughs(write_changelog: WriteChangelog, regulation_root: Path) -> None:
    write_changelog(BILLION_LAUGHS, raw=True)
    regulation = read_regulation(regulation_root)
    assert "XML_FORBIDDEN" in {d.code for d in regulation.errors}
    assert regulation.changesets == ()


def test_xxe_does_not_read_the_file(write_changelog: WriteChangelog, regulation_root: Path) -> None:
    write_changelog(XXE, raw=True)
    regulation = read_regulation(regulation_root)
    assert "XML_FORBIDDEN" in {d.code for d in regulation.errors}
    assert "root:" not in repr(regulation)


def test_utf16_doctype_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.xml"
    path.write_bytes(
        XXE.replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>').encode("utf-16")
    )
    with pytest.raises(XmlReadError) as raised:
        parse_xml(path)
    assert raised.value.code == "XML_FORBIDDEN"


def test_include_of_etc_passwd(write_changelog: WriteChangelog, regulation_root: Path) -> None:
    write_changelog(
        '<include file="../../etc/passwd"/>\n<include file="/etc/passwd"/>\n'
        '<include file="../../../../etc/passwd" relativeToChangelogFile="true"/>\n'
        '<includeAll path="../../etc"/>'
    )
    regulation = read_regulation(regulation_root)
    outside = [d for d in regulation.errors if d.code == "INCLUDE_OUTSIDE_ROOT"]
    assert len(outside) == 4
    assert {d.location.line for d in outside} == {5, 6, 7, 8}
    assert regulation.changesets == ()


def test_symlink_leaving_the_root(
    write_changelog: WriteChangelog, regulation_root: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.xml"
    outside.write_text("<databaseChangeLog/>", encoding="utf-8")
    os.symlink(outside, regulation_root / "data-model" / "link.xml")
    write_changelog('<include file="data-model/link.xml"/>')
    assert "INCLUDE_OUTSIDE_ROOT" in _codes(regulation_root)


def test_include_cycle_and_missing(write_changelog: WriteChangelog, regulation_root: Path) -> None:
    write_changelog('<include file="data-model/main-liquibase.xml"/><include file="data-model/nope.xml"/>')
    assert {"INCLUDE_CYCLE", "INCLUDE_NOT_FOUND"} <= _codes(regulation_root)


def test_malformed_file_keeps_going(write_changelog: WriteChangelog, regulation_root: Path) -> None:
    write_changelog('<include file="data-model/bad.xml"/><include file="data-model/good.xml"/>')
    write_changelog("<databaseChangeLog><changeSet id='1'", name="data-model/bad.xml", raw=True)
    write_changelog(table("good"), name="data-model/good.xml")
    regulation = read_regulation(regulation_root)
    (malformed,) = [d for d in regulation.errors if d.code == "XML_MALFORMED"]
    assert malformed.location.file == "data-model/bad.xml"
    assert [t.name for t in regulation.tables] == ["good"]


def test_binary_garbage_and_missing_path(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.xml"
    garbage.write_bytes(os.urandom(4096))
    assert "XML_MALFORMED" in {d.code for d in read_regulation(garbage).errors}
    assert "CHANGELOG_NOT_FOUND" in {d.code for d in read_regulation(tmp_path / "missing").errors}
    assert "CHANGELOG_NOT_FOUND" in {d.code for d in read_regulation(tmp_path).errors}


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deep.xml"
    path.write_text("<a>" * 100_000 + "</a>" * 100_000, encoding="utf-8")
    assert "XML_MALFORMED" in {d.code for d in read_regulation(path).errors}
