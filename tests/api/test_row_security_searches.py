"""Row-level security on the search shapes the example registry does not have: a CTE, a nested
``fetchType="entity"`` row, a rule on a search condition's view (the reference's form), and a search
condition the rules cannot filter (refused to everyone, 403)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from codegen.reader import read_regulation
from rbac.devkeys import dev_signing_key, mint_token
from rbac.keys import realm
from tests.api.conftest import API, WRITE_HEADERS
from tests.reader.helpers import wrap

REGULATION = """
<changeSet id="tables" author="test">
  <createTable tableName="office" ext:historyFlag="true">
    <column name="office_id" type="UUID"><constraints nullable="false" primaryKey="true"/></column>
    <column name="name" type="TEXT"/>
    <column name="katottg" type="TEXT"/>
  </createTable>
  <createTable tableName="visit" ext:historyFlag="true">
    <column name="visit_id" type="UUID"><constraints nullable="false" primaryKey="true"/></column>
    <column name="office_id" type="UUID">
      <constraints foreignKeyName="fk_visit_office" referencedTableName="office"
                   referencedColumnNames="office_id"/>
    </column>
    <column name="note" type="TEXT"/>
  </createTable>
</changeSet>
<changeSet id="sc through_cte" author="test">
  <ext:createSearchCondition name="through_cte">
    <ext:cte name="offices">
      <ext:table name="office" alias="o">
        <ext:column name="name"/>
        <ext:column name="katottg" alias="region"/>
      </ext:table>
    </ext:cte>
    <ext:table name="offices" alias="c">
      <ext:column name="name" sorting="asc"/>
      <ext:column name="region" returning="false"/>
    </ext:table>
  </ext:createSearchCondition>
</changeSet>
<changeSet id="sc visits" author="test">
  <ext:createSearchCondition name="visits">
    <ext:table name="visit" alias="v">
      <ext:column name="note" sorting="asc"/>
      <ext:column name="office_id" fetchType="entity"/>
    </ext:table>
  </ext:createSearchCondition>
</changeSet>
<changeSet id="sc notes" author="test">
  <ext:createSearchCondition name="notes">
    <ext:table name="visit" alias="v">
      <ext:column name="note" sorting="asc" searchType="startsWith"/>
    </ext:table>
  </ext:createSearchCondition>
</changeSet>
<changeSet id="sc office_names" author="test">
  <ext:createSearchCondition name="office_names">
    <ext:table name="office" alias="o">
      <ext:column name="name"/>
    </ext:table>
  </ext:createSearchCondition>
</changeSet>
<changeSet id="rls" author="test">
  <ext:rls name="territory">
    <ext:addReadRule name="office_read" jwtAttribute="katottg" checkTable="office" checkColumn="katottg"/>
    <ext:addReadRule name="notes_read" jwtAttribute="katottg" checkTable="notes_v" checkColumn="note"/>
  </ext:rls>
</changeSet>
"""
OFFICES = {
    "a": ("10000000-0000-0000-0000-00000000000a", "UA05-A"),
    "b": ("10000000-0000-0000-0000-00000000000b", "UA07-B"),
}


@pytest.fixture(scope="module")
def regulation_root(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("rls-searches") / "rls_searches"
    (root / "data-model").mkdir(parents=True)
    (root / "data-model" / "main-liquibase.xml").write_text(wrap(REGULATION), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def client(client_for: Callable[..., TestClient], regulation_root: Any) -> TestClient:
    client = client_for(regulation_root)
    national = headers(client, "UA")
    for key, (office_id, katottg) in OFFICES.items():
        body = {"officeId": office_id, "name": f"Office {key}", "katottg": katottg}
        assert client.post(f"{API}/office", json=body, headers=national).status_code == 201
        visit = {"officeId": office_id, "note": f"UA0{5 if key == 'a' else 7} visit {key}"}
        assert client.post(f"{API}/visit", json=visit, headers=national).status_code == 201
    return client


def headers(client: TestClient, *katottg: str) -> dict[str, str]:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    auth = runtime.settings.auth
    token = mint_token(
        dev_signing_key(runtime.settings.data_dir),
        issuer=realm(auth.keycloak_url, auth.officer_realm, auth.namespace).issuer,
        roles=["officer"],
        subject="officer",
        extra_claims={"katottg": list(katottg)},
    )
    return {"X-Access-Token": token, **WRITE_HEADERS}


def test_a_cte_is_filtered_by_the_column_it_passes_on(client: TestClient) -> None:
    rows = client.get(f"{API}/search/through-cte", headers=headers(client, "UA05")).json()
    assert rows == [{"name": "Office a"}]


def test_nested_rows_the_caller_may_not_see_are_null(client: TestClient) -> None:
    rows = client.get(f"{API}/search/visits", headers=headers(client, "UA05")).json()
    assert rows == [
        {
            "note": "UA05 visit a",
            "officeId": {"officeId": OFFICES["a"][0], "name": "Office a", "katottg": "UA05-A"},
        },
        {"note": "UA07 visit b", "officeId": None},
    ]


def test_a_rule_on_the_view_filters_that_search_condition(client: TestClient) -> None:
    rows = client.get(f"{API}/search/notes", headers=headers(client, "UA07")).json()
    assert rows == [{"note": "UA07 visit b"}]
    assert client.get(f"{API}/search/notes", headers=headers(client)).json() == []


def test_a_search_condition_the_rules_cannot_filter_is_refused(
    client: TestClient, regulation_root: Any
) -> None:
    refused = client.get(f"{API}/search/office-names", headers=headers(client, "UA"))
    assert refused.status_code == 403
    assert refused.json()["code"] == "FORBIDDEN_OPERATION"
    assert "katottg" not in refused.text  # the reason is logged, not told
    assert (
        client.post(f"{API}/search/office-names", json={}, headers=headers(client, "UA")).status_code == 403
    )
    warnings = [
        d for d in read_regulation(regulation_root).diagnostics if d.code == "RLS_SEARCH_UNFILTERABLE"
    ]
    assert [w.severity.value for w in warnings] == ["warning"] and "office_names" in warnings[0].message
