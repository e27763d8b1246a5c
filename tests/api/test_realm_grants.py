"""A reference-style ``<ext:role name="officer" realm="officer">`` works over HTTP: officers (tokens of
the deployment's officer realm) get what it grants, the same role name in another realm does not."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from rbac.devkeys import dev_signing_key, mint_token
from rbac.keys import realm
from tests.api.conftest import API, WRITE_HEADERS
from tests.reader.helpers import table, wrap

RBAC = """
<changeSet id="rbac" author="test" runAlways="true">
  <validCheckSum>ANY</validCheckSum>
  <ext:rbac>
    <ext:role name="officer" realm="officer"><ext:table name="person" read="true" insert="true"/></ext:role>
  </ext:rbac>
</changeSet>
"""


@pytest.fixture(scope="module")
def client(client_for: Callable[..., TestClient], tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    root = tmp_path_factory.mktemp("realms") / "realms"
    (root / "data-model").mkdir(parents=True)
    (root / "data-model" / "main-liquibase.xml").write_text(wrap(table("person") + RBAC), encoding="utf-8")
    return client_for(root, auth={"dev_auth": True, "officer_realm": "reg-officers"})


def token(client: TestClient, realm_name: str, role: str) -> str:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    auth = runtime.settings.auth
    issuer = realm(auth.keycloak_url, realm_name, auth.namespace).issuer
    return mint_token(dev_signing_key(runtime.settings.data_dir), issuer=issuer, roles=[role], subject="x")


def test_officers_of_the_configured_realm_get_the_grant(client: TestClient) -> None:
    officer = {"X-Access-Token": token(client, "reg-officers", "officer")}
    created = client.post(f"{API}/person", json={"name": "Ann"}, headers={**WRITE_HEADERS, **officer})
    assert created.status_code == 201, created.text
    read = client.get(f"{API}/person/{created.json()['id']}", headers=officer)
    assert read.status_code == 200 and read.json()["name"] == "Ann"


def test_the_same_role_in_another_realm_is_refused(client: TestClient) -> None:
    impostor = {"X-Access-Token": token(client, "citizen-portal", "officer")}
    response = client.post(f"{API}/person", json={"name": "Bob"}, headers={**WRITE_HEADERS, **impostor})
    assert response.status_code == 403
    assert response.json()["code"] == "FORBIDDEN_OPERATION"
