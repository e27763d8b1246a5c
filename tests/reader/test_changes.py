"""Applying changes in order: includes, table changes, search conditions, exposure, RBAC, checks."""

from __future__ import annotations

from pathlib import Path

from codegen.reader import read_regulation
from schemas.regulation import (
    EnumType,
    LogicOperatorType,
    Pagination,
    Regulation,
    SearchCondition,
    Severity,
    Table,
)

from .conftest import WriteChangelog
from .helpers import table, wrap


def _read(write_changelog: WriteChangelog, body: str) -> Regulation:
    path = write_changelog(body)
    return read_regulation(path.parents[1])


def _codes(regulation: Regulation) -> dict[str, Severity]:
    return {d.code: d.severity for d in regulation.diagnostics}


def test_includes_contexts_and_order(write_changelog: WriteChangelog, regulation_root: Path) -> None:
    write_changelog(
        '<include file="data-model/tables.xml" context="pub"/>\n'
        '<includeAll path="data-model/more" context="!code-review"/>'
    )
    write_changelog(
        '<include file="nested/inner.xml" relativeToChangelogFile="true"/>'
        + "</databaseChangeLog>".join([""]),
        name="data-model/tables.xml",
    )
    write_changelog(table("first"), name="data-model/nested/inner.xml")
    write_changelog(table("b_table"), name="data-model/more/b.xml")
    write_changelog(table("a_table"), name="data-model/more/a.xml")
    regulation = read_regulation(regulation_root)
    assert regulation.errors == ()
    assert [t.name for t in regulation.tables] == ["first", "a_table", "b_table"]
    assert [(c.file, c.contexts) for c in regulation.changesets] == [
        ("data-model/nested/inner.xml", "pub"),
        ("data-model/more/a.xml", "!code-review"),
        ("data-model/more/b.xml", "!code-review"),
    ]


def test_changeset_attributes(write_changelog: WriteChangelog) -> None:
    regulation = _read(
        write_changelog,
        """<changeSet id="roles" author="me" runAlways="true" runOnChange="true" failOnError="false"
             context="sub" labels="l1">
          <validCheckSum>ANY</validCheckSum>
          <comment>SET PERMISSIONS</comment>
          <preConditions onFail="MARK_RAN"><sqlCheck expectedResult="0">select 1</sqlCheck></preConditions>
          <sql>select 1</sql>
          <rollback><sql>select 2</sql></rollback>
        </changeSet>""",
    )
    (changeset,) = regulation.changesets
    assert (changeset.run_always, changeset.run_on_change, changeset.fail_on_error) == (True, True, False)
    assert changeset.valid_checksums == ("ANY",)
    assert changeset.comment == "SET PERMISSIONS"
    assert changeset.contexts == "sub" and changeset.labels == "l1"
    assert changeset.rollback is not None and changeset.rollback.children[0].text == "select 2"
    assert changeset.preconditions is not None
    assert [c.tag for c in changeset.changes] == ["sql"]
    assert changeset.location.line == 5


def test_checksum_ignores_formatting_but_not_content(write_changelog: WriteChangelog) -> None:
    compact = '<changeSet id="1" author="a"><sql>select  1</sql><sql>select 2</sql></changeSet>'
    spread = '<changeSet id="1" author="a">\n  <sql>\n select 1\n</sql>\n  <sql>select 2</sql>\n</changeSet>'
    swapped = '<changeSet id="1" author="a"><sql>select 2</sql><sql>select 1</sql></changeSet>'
    edited = '<changeSet id="1" author="a"><sql>select 1</sql><sql>select 3</sql></changeSet>'
    sums = [
        _read(write_changelog, body).changesets[0].checksum for body in (compact, spread, swapped, edited)
    ]
    assert sums[0] == sums[1]
    assert len({sums[0], sums[2], sums[3]}) == 3


def test_table_changes_in_order(write_changelog: WriteChangelog) -> None:
    regulation = _read(
        write_changelog,
        table("city")
        + table("person", '<column name="old_name" type="TEXT"/><column name="gone" type="TEXT"/>')
        + """<changeSet id="alter" author="t">
          <addColumn tableName="person"><column name="age" type="INTEGER" defaultValueNumeric="0"/>
            <column name="city_id" type="UUID"/></addColumn>
          <ext:addColumn tableName="person" ext:historyFlag="true"><column name="tags"
              type="TEXT[]"/></ext:addColumn>
          <renameColumn tableName="person" oldColumnName="old_name" newColumnName="full_name"/>
          <dropColumn tableName="person" columnName="gone"/>
          <modifyDataType tableName="person" columnName="age" newDataType="BIGINT"/>
          <addNotNullConstraint tableName="person" columnName="full_name"/>
          <addDefaultValue tableName="person" columnName="name" defaultValue="anon"/>
          <addForeignKeyConstraint baseTableName="person" baseColumnNames="city_id"
              constraintName="fk_person_city"
              referencedTableName="city" referencedColumnNames="city_id" onDelete="CASCADE"/>
          <addUniqueConstraint tableName="person" columnNames="full_name, age" constraintName="uq_person"/>
          <renameTable oldTableName="city" newTableName="town"/>
          <dropDefaultValue tableName="person" columnName="age"/>
        </changeSet>""",
    )
    assert regulation.errors == ()
    person = regulation.table("person")
    assert person is not None
    assert [c.name for c in person.columns] == ["person_id", "name", "full_name", "age", "city_id", "tags"]
    age = person.column("age")
    assert age is not None and age.type == "BIGINT" and age.default_value is None
    full_name = person.column("full_name")
    assert full_name is not None and not full_name.nullable
    name = person.column("name")
    assert name is not None and name.default_value == "anon"
    (fk,) = person.foreign_keys
    assert (fk.name, fk.referenced_table, fk.on_delete) == ("fk_person_city", "town", "CASCADE")
    assert person.unique_constraints[0].columns == ("full_name", "age")
    assert [t.name for t in regulation.tables] == ["town", "person"]


def test_drop_table_and_model_at_that_point(write_changelog: WriteChangelog) -> None:
    regulation = _read(
        write_changelog,
        table("temp")
        + '<changeSet id="add" author="t"><addColumn tableName="temp"><column name="x" type="TEXT"/>'
        "</addColumn></changeSet>"
        + '<changeSet id="drop" author="t"><dropTable tableName="temp"/></changeSet>',
    )
    assert regulation.tables == ()
    model = regulation.changesets[0].changes[0].model
    assert isinstance(model, Table) and [c.name for c in model.columns] == ["temp_id", "name"]
    assert regulation.changesets[1].changes[0].model is None


def test_naming_and_key_rules(write_changelog: WriteChangelog) -> None:
    regulation = _read(
        write_changelog,
        """<changeSet id="1" author="t">
          <createTable tableName="doc">
            <column name="doc_id" type="UUID"/>
            <column name="scan" type="type_file"><constraints unique="true"/></column>
            <column name="owner_id" type="UUID"><constraints foreignKeyName="FK_Doc_Owner"
                references="owner(owner_id)"/>
            </column>
          </createTable>
        </changeSet>""",
    )
    found = _codes(regulation)
    assert found["HISTORY_FLAG_MISSING"] is Severity.WARNING
    assert found["TABLE_WITHOUT_PRIMARY_KEY"] is Severity.ERROR
    assert found["FILE_COLUMN_AS_KEY"] is Severity.ERROR
    assert found["FK_NAME_NOT_LOWERCASE"] is Severity.ERROR
    doc = regulation.table("doc")
    assert doc is not None and doc.foreign_keys[0].referenced_table == "owner"


SEARCH = """
<changeSet id="sc" author="t">
  <ext:createSearchCondition name="person_search" limit="all" pagination="false" indexing="true">
    <ext:table name="person" alias="p">
      <ext:column name="person_id" fetchType="entity"/>
      <ext:column name="name" searchType="startsWith" sorting="desc" required="true" alias="person_name"/>
      <ext:logicOperator type="or">
        <ext:column name="age" searchType="between" returning="false"/>
        <ext:logicOperator type="and">
          <ext:column name="city_id" searchType="in"/>
          <ext:column name="tags" searchType="startsWithArray"/>
        </ext:logicOperator>
      </ext:logicOperator>
    </ext:table>
    <ext:where>
      <ext:condition tableAlias="p" columnName="age" operator="gt" value="18">
        <ext:condition logicOperator="or" tableAlias="p" columnName="age" operator="isNull" value="true"/>
      </ext:condition>
    </ext:where>
  </ext:createSearchCondition>
</changeSet>
"""
PERSON = table(
    "person",
    '<column name="age" type="INTEGER"/><column name="city_id" type="UUID"/>'
    '<column name="tags" type="TEXT[]"/>',
)


def test_search_condition_structure(write_changelog: WriteChangelog) -> None:
    regulation = _read(write_changelog, PERSON + SEARCH)
    assert regulation.errors == ()
    sc = regulation.search_condition("person_search")
    assert sc is not None
    assert sc.limit is None and sc.pagination is Pagination.NONE and sc.pagination_declared and sc.indexing
    assert [c.name for c in sc.search_columns] == ["name", "age", "city_id", "tags"]
    assert [c.json_name for c in sc.returning_columns] == ["personId", "personName", "cityId", "tags"]
    name = sc.columns[1]
    assert name.required and name.sorting == "desc" and name.table_alias == "p"
    (group,) = sc.logic
    assert group.type is LogicOperatorType.OR
    assert [c.column_name for c in group.columns] == ["age"]
    assert [c.column_name for c in group.groups[0].columns] == ["city_id", "tags"]
    assert sc.where[0].conditions[0].logic_operator is LogicOperatorType.OR
    assert isinstance(regulation.changesets[-1].changes[0].model, SearchCondition)


def test_search_condition_errors(write_changelog: WriteChangelog) -> None:
    regulation = _read(
        write_changelog,
        PERSON
        + """<changeSet id="bad" author="t">
          <ext:createSearchCondition name="bad" limit="lots" pagination="sometimes">
            <ext:table name="person" alias="p">
              <ext:column name="nope" searchType="fuzzy"/>
              <ext:logicOperator type="or"><ext:column name="age"/></ext:logicOperator>
            </ext:table>
            <ext:join type="inner"><ext:left alias="p"><ext:column name="person_id"/></ext:left>
              <ext:right alias="q"><ext:column name="x"/></ext:right></ext:join>
          </ext:createSearchCondition>
        </changeSet>
        <changeSet id="mixed" author="t">
          <ext:createSearchCondition name="other"><ext:table name="person"/></ext:createSearchCondition>
          <sql>select 1</sql>
        </changeSet>""",
    )
    found = _codes(regulation)
    for code in ("INVALID_VALUE", "SC_LOGIC_OPERATOR_INVALID", "SC_UNKNOWN_ALIAS", "SC_CHANGESET_MIXED"):
        assert found[code] is Severity.ERROR, code
    assert found["UNKNOWN_COLUMN"] is Severity.ERROR  # its view could not be created: migrate would fail


def test_cte_names_count_as_tables(write_changelog: WriteChangelog) -> None:
    regulation = _read(
        write_changelog,
        PERSON
        + """<changeSet id="cte" author="t"><ext:createSearchCondition name="with_cte">
          <ext:cte name="adults"><ext:table name="person"><ext:column name="person_id"/>
            <ext:column name="name" alias="adult_name"/></ext:table></ext:cte>
          <ext:table name="adults" alias="a"><ext:column name="adult_name" searchType="contains"/></ext:table>
          <ext:table name="person" alias="p"><ext:column name="age"/></ext:table>
          <ext:join type="left"><ext:left alias="a"><ext:column name="person_id"/></ext:left>
            <ext:right alias="p"><ext:column name="person_id"/></ext:right></ext:join>
        </ext:createSearchCondition></changeSet>""",
    )
    assert regulation.diagnostics == ()


EXPOSE = """
<changeSet id="e1" author="t"><ext:exposeSearchCondition name="person_search" platform="true"
    publicAccess="true"/>
</changeSet>
<changeSet id="e2" author="t"><ext:exposeSearchCondition name="person_search" trembita="true"
    publicAccess="false"/>
</changeSet>
"""


def test_exposure_accumulates_and_public_access_false_revokes(write_changelog: WriteChangelog) -> None:
    regulation = _read(write_changelog, PERSON + SEARCH + EXPOSE)
    assert regulation.errors == ()
    assert regulation.exposure("person_search").consumers == ("platform", "trembita")


def test_exposure_of_unknown_and_dropped_search_conditions(write_changelog: WriteChangelog) -> None:
    regulation = _read(
        write_changelog,
        PERSON
        + SEARCH
        + EXPOSE
        + '<changeSet id="drop" author="t"><ext:dropSearchCondition name="person_search"/></changeSet>'
        + SEARCH.replace('id="sc"', 'id="sc again"')
        + '<changeSet id="x" author="t">'
        '<ext:exposeSearchCondition name="ghost" platform="true"/></changeSet>',
    )
    assert regulation.exposure("person_search").consumers == ()  # re-created: starts afresh
    found = _codes(regulation)
    assert found["UNKNOWN_SEARCH_CONDITION"] is Severity.ERROR
    assert found["SC_REDEFINED"] is Severity.WARNING
    assert found["SC_DROPPED"] is Severity.INFO


RBAC = """
<changeSet id="rbac{n}" author="t" runAlways="true"><ext:rbac>
  <ext:role name="officer" realm="officer-portal"><ext:table name="person" read="true"
      insert="true"/></ext:role>
  {extra}
</ext:rbac></changeSet>
"""


def test_rbac_replaces_previous_rules(write_changelog: WriteChangelog) -> None:
    first = RBAC.format(
        n=1, extra='<ext:role name="citizen"><ext:searchCondition name="person_search"/></ext:role>'
    )
    second = RBAC.format(
        n=2,
        extra='<ext:role name="citizen"><ext:table name="person"><ext:column name="name" read="true"/>'
        "</ext:table></ext:role>",
    )
    regulation = _read(write_changelog, PERSON + SEARCH + first + second)
    assert regulation.errors == ()
    assert [r.role for r in regulation.rbac] == ["officer", "citizen"]
    citizen = regulation.rbac[1]
    assert citizen.search_conditions == () and citizen.tables[0].columns[0].read
    assert regulation.rbac[0].realm == "officer-portal"
    model = regulation.changesets[-2].changes[0].model
    assert isinstance(model, tuple) and model[1].search_conditions == ("person_search",)


def test_duplicate_rbac_grants(write_changelog: WriteChangelog) -> None:
    duplicate = RBAC.format(
        n=1,
        extra='<ext:role name="officer"><ext:table name="person" delete="true"/></ext:role>'
        '<ext:role name="citizen"><ext:table name="person" read="true"><ext:column name="name" read="true"/>'
        "</ext:table></ext:role>",
    )
    regulation = _read(write_changelog, PERSON + duplicate)
    duplicates = [d for d in regulation.errors if d.code == "DUPLICATE_RBAC_GRANT"]
    assert len(duplicates) == 2


def test_types_domains_and_other_declarations(write_changelog: WriteChangelog) -> None:
    regulation = _read(
        write_changelog,
        PERSON
        + table("city")
        + """<changeSet id="fk" author="t">
          <addForeignKeyConstraint baseTableName="person" baseColumnNames="city_id"
              constraintName="fk_person_city" referencedTableName="city" referencedColumnNames="city_id"/>
        </changeSet>
        <changeSet id="types" author="t">
          <ext:createType name="type_status"><ext:asEnum>
            <ext:label translation="Активний">ACTIVE</ext:label><ext:label>CLOSED</ext:label>
          </ext:asEnum></ext:createType>
          <ext:createDomain name="dn_code" type="TEXT" nullable="false">
            <ext:constraint name="c" implementation="VALUE ~ '^[0-9]+$'"/></ext:createDomain>
          <ext:partialUpdate name="person_name"><ext:table name="person"><ext:column name="name"/></ext:table>
          </ext:partialUpdate>
          <ext:tableReadParameters table="person"><ext:column name="city_id" fetchType="entity"/>
          </ext:tableReadParameters>
          <ext:alterTableApi table="person"><ext:attribute name="readMode" value="async"/></ext:alterTableApi>
          <ext:createAnalyticsView name="report_person"><ext:table name="person"/></ext:createAnalyticsView>
          <ext:somethingNew name="x"/>
        </changeSet>""",
    )
    # A tag nobody knows is a warning of the reader, and an error because migrate cannot apply it.
    assert [(d.code, d.location.line) for d in regulation.errors] == [
        (
            "MIGRATION_REFUSED",
            next(d.location.line for d in regulation.diagnostics if d.code == "UNKNOWN_TAG"),
        )
    ]
    (enum,) = regulation.enums
    assert [(label.code, label.translation) for label in enum.labels] == [
        ("ACTIVE", "Активний"),
        ("CLOSED", None),
    ]
    assert isinstance(regulation.changesets[-1].changes[0].model, EnumType)
    assert regulation.domains[0].constraints[0].implementation == "VALUE ~ '^[0-9]+$'"
    assert regulation.partial_updates[0].columns == ("name",)
    assert regulation.read_parameters[0].columns[0].fetch_type == "entity"
    person = regulation.table("person")
    assert person is not None and person.read_mode == "async"
    changes = regulation.changesets[-1].changes
    assert [(c.tag, c.api_relevant) for c in changes[-2:]] == [
        ("ext:createAnalyticsView", False),
        ("ext:somethingNew", False),
    ]
    unknown = [d for d in regulation.diagnostics if d.code == "UNKNOWN_TAG"]
    assert len(unknown) == 1 and unknown[0].severity is Severity.WARNING


def test_duplicate_changesets_and_collecting_everything(write_changelog: WriteChangelog) -> None:
    body = (
        table("class")
        + table("class").replace('tableName="class"', 'tableName="1st"')
        + table("ok", '<column name="ім_я" type="TEXT"/>')
    )
    regulation = _read(write_changelog, body)
    found = _codes(regulation)
    assert {"DUPLICATE_CHANGESET", "NAME_RESERVED_WORD", "NAME_STARTS_WITH_DIGIT", "NAME_CYRILLIC"} <= set(
        found
    )


def test_wrap_helper_is_a_changelog() -> None:
    assert wrap("<sql/>").count("<changeSet") == 1
