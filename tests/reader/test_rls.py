"""``ext:rls``: rules are read, added and removed by name, checked against the regulation, and resolved
per search condition (filtered by the check column as the view selects it, or denied)."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.reader import read_regulation
from rbac.principal import Identity
from rbac.rows import RowRule, RowSecurity, SearchDeniedError, claim_values, rows_document, search_rows
from schemas.regulation import Regulation, RlsKind
from tests.reader.helpers import wrap

TABLES = """
<changeSet id="tables" author="test">
  <createTable tableName="office" ext:historyFlag="true">
    <column name="office_id" type="UUID"><constraints nullable="false" primaryKey="true"/></column>
    <column name="name" type="TEXT"/>
    <column name="katottg" type="TEXT"/>
    <column name="staff_ids" type="UUID[]"/>
  </createTable>
  <createTable tableName="visit" ext:historyFlag="true">
    <column name="visit_id" type="UUID"><constraints nullable="false" primaryKey="true"/></column>
    <column name="office_id" type="UUID"/>
    <column name="note" type="TEXT"/>
  </createTable>
  <createTable tableName="person" ext:historyFlag="true">
    <column name="person_id" type="UUID"><constraints nullable="false" primaryKey="true"/></column>
    <column name="name" type="TEXT"/>
  </createTable>
</changeSet>
"""
READ_RULE = """
<changeSet id="rls" author="test">
  <ext:rls name="territory">
    <ext:addReadRule name="office_read" jwtAttribute="katottg" checkTable="office" checkColumn="katottg"/>
    <ext:addWriteRule name="office_write" jwtAttribute="katottg" checkTable="office" checkColumn="katottg"/>
  </ext:rls>
</changeSet>
"""


def read(tmp_path: Path, body: str) -> Regulation:
    path = tmp_path / "main.xml"
    path.write_text(wrap(body), encoding="utf-8")
    return read_regulation(path)


def codes(regulation: Regulation) -> list[str]:
    return [d.code for d in regulation.diagnostics]


def sc(name: str, inner: str, **attributes: str) -> str:
    extra = "".join(f' {k}="{v}"' for k, v in attributes.items())
    return (
        f'<changeSet id="sc {name}" author="test">'
        f'<ext:createSearchCondition name="{name}"{extra}>{inner}</ext:createSearchCondition></changeSet>'
    )


# -- reading -----------------------------------------------------------------------------------


def test_rules_are_read_with_their_kind_and_target(tmp_path: Path) -> None:
    regulation = read(tmp_path, TABLES + READ_RULE)
    assert codes(regulation) == []
    read_rule, write_rule = regulation.rls_rules
    assert (read_rule.name, read_rule.kind, read_rule.jwt_attribute) == (
        "office_read",
        RlsKind.READ,
        "katottg",
    )
    assert (read_rule.check_table, read_rule.check_column) == ("office", "katottg")
    assert write_rule.kind is RlsKind.WRITE
    assert read_rule.location is not None and read_rule.location.line > 0


def test_a_later_changeset_removes_rules_by_kind_and_name(tmp_path: Path) -> None:
    removal = """
    <changeSet id="rls 2" author="test">
      <ext:rls name="territory">
        <ext:removeReadRule name="office_read"/>
        <ext:removeWriteRule name="never_added"/>
      </ext:rls>
    </changeSet>"""
    regulation = read(tmp_path, TABLES + READ_RULE + removal)
    assert [r.name for r in regulation.rls_rules] == ["office_write"]
    assert codes(regulation) == ["UNKNOWN_RLS_RULE"]


def test_a_rule_added_twice_is_replaced_with_a_warning(tmp_path: Path) -> None:
    again = READ_RULE.replace('id="rls"', 'id="rls again"').replace(
        'checkColumn="katottg"/>\n    <ext:addW', ('checkColumn="name"/>\n    <ext:addW')
    )
    regulation = read(tmp_path, TABLES + READ_RULE + again)
    assert "RLS_RULE_REDEFINED" in codes(regulation)
    assert [r.check_column for r in regulation.rls_rules if r.kind is RlsKind.READ] == ["name"]


@pytest.mark.parametrize(
    ("rule", "code"),
    [
        (
            '<ext:addReadRule name="r" jwtAttribute="a" checkTable="nope" checkColumn="x"/>',
            "RLS_UNKNOWN_TARGET",
        ),
        (
            '<ext:addReadRule name="r" jwtAttribute="a" checkTable="office" checkColumn="nope"/>',
            "RLS_UNKNOWN_COLUMN",
        ),
        (
            '<ext:addWriteRule name="r" jwtAttribute="a" checkTable="by_name_v" checkColumn="name"/>',
            "RLS_UNKNOWN_TARGET",
        ),
        ('<ext:addReadRule name="r" checkTable="office" checkColumn="katottg"/>', "MISSING_ATTRIBUTE"),
        ("<ext:grantAll/>", "UNKNOWN_TAG"),
    ],
)
def test_rules_that_would_protect_nothing_are_errors(tmp_path: Path, rule: str, code: str) -> None:
    by_name = sc("by_name", '<ext:table name="office" alias="o"><ext:column name="name"/></ext:table>')
    regulation = read(
        tmp_path,
        TABLES + by_name + f'<changeSet id="r" author="t"><ext:rls name="x">{rule}</ext:rls></changeSet>',
    )
    assert code in codes(regulation)


def test_a_read_rule_may_name_a_search_conditions_view(tmp_path: Path) -> None:
    """The reference's form: checkTable is the view <sc>_v, checkColumn one of its columns."""
    by_name = sc(
        "by_name",
        '<ext:table name="office" alias="o"><ext:column name="name"/>'
        '<ext:column name="katottg" alias="k"/></ext:table>',
    )
    rule = '<ext:addReadRule name="v" jwtAttribute="katottg" checkTable="by_name_v" checkColumn="k"/>'
    regulation = read(
        tmp_path,
        TABLES + by_name + f'<changeSet id="r" author="t"><ext:rls name="x">{rule}</ext:rls></changeSet>',
    )
    assert codes(regulation) == []
    (search,) = regulation.search_conditions
    rows = search_rows(regulation, search)
    assert rows is not None and rows.rules == (RowRule("v", "katottg", "k"),)


def test_several_rules_on_one_table_are_a_warning(tmp_path: Path) -> None:
    second = '<ext:addReadRule name="by_name" jwtAttribute="names" checkTable="office" checkColumn="name"/>'
    regulation = read(
        tmp_path,
        TABLES
        + READ_RULE
        + f'<changeSet id="r2" author="t"><ext:rls name="x">{second}</ext:rls></changeSet>',
    )
    assert codes(regulation) == ["RLS_SEVERAL_RULES"]
    document = rows_document(regulation)
    assert [r["rule"] for r in document["tables"]["office"]["read"]] == ["office_read", "by_name"]


def test_show_lists_the_rules(tmp_path: Path) -> None:
    from codegen.reader.export import regulation_json

    shown = regulation_json(read(tmp_path, TABLES + READ_RULE))["rlsRules"]
    assert shown[0] == {
        "name": "office_read",
        "kind": "read",
        "jwtAttribute": "katottg",
        "checkTable": "office",
        "checkColumn": "katottg",
    }


# -- search conditions -------------------------------------------------------------------------


def resolved(tmp_path: Path, search: str, extra: str = "") -> tuple[Regulation, RowRule | str | None]:
    regulation = read(tmp_path, TABLES + extra + search + READ_RULE)
    rows = search_rows(regulation, regulation.search_conditions[-1])
    if rows is None:
        return regulation, None
    if rows.denied is not None:
        return regulation, rows.denied
    (rule,) = rows.rules
    return regulation, rule


def test_the_view_is_filtered_by_the_column_as_it_selects_it(tmp_path: Path) -> None:
    search = sc(
        "joined",
        '<ext:table name="visit" alias="v"><ext:column name="note"/></ext:table>'
        '<ext:table name="office" alias="o">'
        '<ext:column name="katottg" alias="office_katottg" returning="false"/>'
        "</ext:table>"
        '<ext:join type="inner"><ext:left alias="v"><ext:column name="office_id"/></ext:left>'
        '<ext:right alias="o"><ext:column name="office_id"/></ext:right></ext:join>',
    )
    regulation, rule = resolved(tmp_path, search)
    assert rule == RowRule("office_read", "katottg", "office_katottg")
    assert codes(regulation) == []


def test_a_search_condition_without_the_column_is_denied_and_lint_says_so(tmp_path: Path) -> None:
    search = sc("names", '<ext:table name="office" alias="o"><ext:column name="name"/></ext:table>')
    regulation, denied = resolved(tmp_path, search)
    assert isinstance(denied, str) and "'katottg'" in denied and "office_read" in denied
    (warning,) = regulation.diagnostics
    assert warning.code == "RLS_SEARCH_UNFILTERABLE" and warning.severity.value == "warning"
    assert "names" in warning.message and "403" in warning.message


def test_every_alias_of_the_table_must_be_filterable(tmp_path: Path) -> None:
    search = sc(
        "twice",
        '<ext:table name="office" alias="a"><ext:column name="katottg"/></ext:table>'
        '<ext:table name="office" alias="b"><ext:column name="name" alias="other_name"/></ext:table>',
    )
    _, denied = resolved(tmp_path, search)
    assert isinstance(denied, str) and "alias 'b'" in denied


def test_a_cte_column_is_followed_to_the_table(tmp_path: Path) -> None:
    search = sc(
        "through_cte",
        '<ext:cte name="offices"><ext:table name="office" alias="o">'
        '<ext:column name="name"/><ext:column name="katottg" alias="region"/></ext:table></ext:cte>'
        '<ext:table name="offices" alias="c"><ext:column name="name"/>'
        '<ext:column name="region" alias="r"/></ext:table>',
    )
    _, rule = resolved(tmp_path, search)
    assert rule == RowRule("office_read", "katottg", "r")


def test_a_cte_that_drops_the_column_is_denied(tmp_path: Path) -> None:
    search = sc(
        "lost_in_cte",
        '<ext:cte name="offices"><ext:table name="office" alias="o">'
        '<ext:column name="name"/></ext:table></ext:cte>'
        '<ext:table name="offices" alias="c"><ext:column name="name"/></ext:table>',
    )
    _, denied = resolved(tmp_path, search)
    assert isinstance(denied, str) and "CTE 'offices'" in denied


def test_a_simple_search_condition_selects_every_column(tmp_path: Path) -> None:
    search = (
        '<changeSet id="simple" author="t"><ext:createSimpleSearchCondition name="simple">'
        '<ext:table name="office" alias="o" searchType="equal" searchColumn="name"/>'
        "</ext:createSimpleSearchCondition></changeSet>"
    )
    _, rule = resolved(tmp_path, search)
    assert rule == RowRule("office_read", "katottg", "katottg")


def test_a_many_to_many_view_is_followed_to_its_tables(tmp_path: Path) -> None:
    link = (
        '<changeSet id="m2m" author="t">'
        '<ext:createMany2Many mainTableName="office" mainTableKeyField="office_id"'
        ' referenceTableName="person" referenceKeysArray="staff_ids">'
        '<ext:mainTableColumns><ext:column name="katottg"/></ext:mainTableColumns>'
        '<ext:referenceTableColumns><ext:column name="name"/></ext:referenceTableColumns>'
        "</ext:createMany2Many></changeSet>"
    )
    search = sc(
        "staff_of_offices",
        '<ext:table name="office_rel_v" alias="r"><ext:column name="name"/>'
        '<ext:column name="katottg"/></ext:table>',
    )
    _, rule = resolved(tmp_path, search, link)
    assert rule == RowRule("office_read", "katottg", "katottg")


def test_row_numbers_over_a_filtered_table_are_denied(tmp_path: Path) -> None:
    search = sc(
        "numbered",
        '<ext:table name="office" alias="o"><ext:column name="katottg"/>'
        '<ext:function name="row_number" columnName="office_id" alias="n" window="ORDER BY name"/>'
        "</ext:table>",
    )
    _, denied = resolved(tmp_path, search)
    assert isinstance(denied, str) and "row_number" in denied


def test_a_relation_the_regulation_does_not_declare_is_denied_unless_its_view_has_a_rule(
    tmp_path: Path,
) -> None:
    search = sc("raw", '<ext:table name="raw_view" alias="r"><ext:column name="name"/></ext:table>')
    _, denied = resolved(tmp_path, search)
    assert isinstance(denied, str) and "raw_view" in denied
    view_rule = (
        '<changeSet id="vr" author="t"><ext:rls name="v">'
        '<ext:addReadRule name="raw_rule" jwtAttribute="katottg"'
        ' checkTable="raw_v" checkColumn="name"/></ext:rls></changeSet>'
    )
    regulation = read(tmp_path, TABLES + search + READ_RULE + view_rule)
    rows = search_rows(regulation, regulation.search_conditions[0])
    assert (
        rows is not None and rows.denied is None and rows.rules == (RowRule("raw_rule", "katottg", "name"),)
    )


def test_search_conditions_over_other_tables_are_untouched(tmp_path: Path) -> None:
    search = sc("people", '<ext:table name="person" alias="p"><ext:column name="name"/></ext:table>')
    _, rule = resolved(tmp_path, search)
    assert rule is None


# -- the service's view ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("claims", "values"),
    [
        ({"katottg": "UA05"}, ("UA05",)),
        ({"katottg": ["UA05", "", "UA07", "UA05"]}, ("UA05", "UA07")),
        ({"katottg": 5}, ("5",)),
        ({"katottg": True}, ()),
        ({"katottg": {"nested": "x"}}, ()),
        ({"katottg": ""}, ()),
        ({}, ()),
        ({"attributes": {"katottg": ["UA05"]}}, ()),
    ],
)
def test_claim_values(claims: dict[str, object], values: tuple[str, ...]) -> None:
    assert claim_values(claims, "katottg") == values


def test_a_dotted_claim_name_finds_a_nested_claim() -> None:
    assert claim_values({"attributes": {"katottg": ["UA05"]}}, "attributes.katottg") == ("UA05",)
    assert claim_values({"attributes.katottg": "UA07"}, "attributes.katottg") == ("UA07",)


def test_the_loaded_rules_decide_per_caller(tmp_path: Path) -> None:
    denied_sc = sc("names", '<ext:table name="office" alias="o"><ext:column name="name"/></ext:table>')
    regulation = read(tmp_path, TABLES + denied_sc + READ_RULE)
    rows = RowSecurity.from_json(rows_document(regulation))
    caller = Identity("u", "officer-portal", frozenset(), claims={"katottg": ["UA05", "UA07"]})
    read_filter = rows.read_filter(caller, "office")
    assert read_filter is not None and read_filter.conditions == (("katottg", ("UA05", "UA07")),)
    assert rows.read_filter(caller, "person") is None
    write_filter = rows.write_filter(caller, "office")
    assert write_filter is not None and write_filter.matches({"katottg": "UA0712"})
    assert not write_filter.matches({"katottg": "UA08"}) and not write_filter.matches({"katottg": None})
    with pytest.raises(SearchDeniedError):
        rows.search_filter(caller, "names")
    nobody = Identity("u", "officer-portal", frozenset())
    empty = rows.read_filter(nobody, "office")
    assert empty is not None and empty.conditions == (("katottg", ()),)
    assert not empty.matches({"katottg": "UA05"})
