"""Changelog snippets for reader tests."""

from __future__ import annotations

HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog"\n'
    '    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"\n'
    '    xmlns:ext="http://www.liquibase.org/xml/ns/dbchangelog-ext">\n'
)
FOOTER = "</databaseChangeLog>\n"


def wrap(body: str) -> str:
    """A fragment (changeSets, or bare changes) as a complete changelog."""
    if "<changeSet" not in body and "<include" not in body:
        body = f'<changeSet id="fragment" author="test">\n{body}\n</changeSet>\n'
    return HEADER + body + FOOTER


TABLE = """
<changeSet id="table {name}" author="test">
  <createTable tableName="{name}" ext:historyFlag="true">
    <column name="{name}_id" type="UUID"><constraints nullable="false" primaryKey="true"/></column>
    <column name="name" type="TEXT"/>
    {extra}
  </createTable>
</changeSet>
"""


def table(name: str, extra: str = "") -> str:
    return TABLE.format(name=name, extra=extra)
