"""What the reader keeps but nothing carries out is a warning naming it (NOT_IMPLEMENTED,
TREMBITA_NOT_GENERATED), never silence."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.reader import read_regulation
from codegen.reader.unimplemented import NOT_APPLIED
from tests.reader.helpers import table, wrap


def diagnostics(tmp_path: Path, body: str) -> list[tuple[str, str]]:
    path = tmp_path / "main.xml"
    path.write_text(wrap(body), encoding="utf-8")
    return [(d.code, d.message) for d in read_regulation(path).diagnostics]


@pytest.mark.parametrize("tag", sorted(NOT_APPLIED))
def test_platform_only_changes_are_warnings(tmp_path: Path, tag: str) -> None:
    found = diagnostics(tmp_path, f'<changeSet id="x" author="t"><{tag} name="x"/></changeSet>')
    assert (
        "NOT_IMPLEMENTED",
        f"<{tag}> {NOT_APPLIED[tag]}: it is recorded as applied and does nothing here",
    ) in found


@pytest.mark.parametrize(
    ("attributes", "column", "expected"),
    [
        ('ext:readMode="async"', "", 'readMode="async": the reference reads it through its Kafka API'),
        ('ext:distribution="distributeAll"', "", 'ext:distribution="distributeAll" needs a Citus cluster'),
        ('ext:isObject="true"', "", 'ext:isObject="true"'),
        ("", 'ext:autoGenerate="AA-{dd-MM-yyyy}-{SEQ}"', "ext:autoGenerate"),
        ("", 'ext:classify="private"', 'ext:classify="private"'),
    ],
)
def test_table_and_column_attributes_not_carried_out_are_warnings(
    tmp_path: Path, attributes: str, column: str, expected: str
) -> None:
    body = f"""<changeSet id="t" author="t">
      <createTable tableName="person" ext:historyFlag="true" {attributes}>
        <column name="person_id" type="UUID"><constraints primaryKey="true"/></column>
        <column name="code" type="TEXT" {column}/>
      </createTable></changeSet>"""
    found = diagnostics(tmp_path, body)
    assert [code for code, _ in found] == ["NOT_IMPLEMENTED"]
    assert expected in found[0][1]


def test_defaults_of_those_attributes_are_silent(tmp_path: Path) -> None:
    body = """<changeSet id="t" author="t">
      <createTable tableName="person" ext:historyFlag="true" ext:readMode="sync" ext:distribution="local">
        <column name="person_id" type="UUID"><constraints primaryKey="true"/></column>
      </createTable></changeSet>"""
    assert diagnostics(tmp_path, body) == []


def test_async_reads_of_search_conditions_and_altered_tables_are_warnings(tmp_path: Path) -> None:
    body = table("person") + (
        '<changeSet id="a" author="t"><ext:alterTableApi table="person">'
        '<ext:attribute name="readMode" value="async"/></ext:alterTableApi></changeSet>'
        '<changeSet id="s" author="t"><ext:createSearchCondition name="by_name" readMode="async">'
        '<ext:table name="person" alias="p"><ext:column name="name"/></ext:table>'
        "</ext:createSearchCondition></changeSet>"
    )
    found = [message for code, message in diagnostics(tmp_path, body) if code == "NOT_IMPLEMENTED"]
    assert len(found) == 2 and all('readMode="async"' in message for message in found)


@pytest.mark.parametrize(
    ("flags", "effect"),
    [
        ('trembita="true"', "nothing serves it to Trembita"),
        ('trembita="true" externalSystem="true"', "the ext profile serves it over REST"),
    ],
)
def test_a_trembita_exposure_says_what_is_not_generated(tmp_path: Path, flags: str, effect: str) -> None:
    body = table("person") + (
        '<changeSet id="s" author="t"><ext:createSearchCondition name="by_name">'
        '<ext:table name="person" alias="p"><ext:column name="name"/></ext:table></ext:createSearchCondition>'
        f'<ext:exposeSearchCondition name="by_name" {flags}/></changeSet>'
    )
    ((code, message),) = diagnostics(tmp_path, body)
    assert code == "TREMBITA_NOT_GENERATED" and "SOAP" in message and effect in message
