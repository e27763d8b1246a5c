"""``ext:tableReadParameters`` with ``fetchType="entity"``: an entity read nests the row its foreign key
refers to (a many-to-many key array: the rows, in order), with RBAC on the nested table and its
row-level security; on the facility registry example over HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.facility_fixtures import NATIONAL, database, facilities
from tests.served_registry import ServedRegistry

__all__ = ["database", "facilities"]  # fixtures


@pytest.fixture(scope="module")
def seeded(facilities: ServedRegistry) -> dict[str, Any]:
    national = facilities.client("officer", claims=NATIONAL)
    koatuu = national.post("/koatuu", json={"code": "UA05", "name": "Vinnytsia region", "level": 1}).json()[
        "id"
    ]
    kinds = [
        national.post("/service-kind", json={"name": name}).json()["id"]
        for name in ("Day care", "Shelter", "Meals")
    ]
    facility = national.post(
        "/facility",
        json={
            "name": "Shelter 1",
            "katottg": "UA0502",
            "koatuuId": koatuu,
            "serviceKindIds": [kinds[2], kinds[0]],
        },
    ).json()["id"]
    bare = national.post("/facility", json={"name": "Bare", "katottg": "UA0503"}).json()["id"]
    elsewhere = national.post("/facility", json={"name": "Volyn 1", "katottg": "UA0701"}).json()["id"]
    inspections = {
        name: national.post(
            "/inspection", json={"facilityId": target, "inspectedOn": "2024-06-01", "result": name}
        ).json()["id"]
        for name, target in (("here", facility), ("there", elsewhere))
    }
    return {"koatuu": koatuu, "kinds": kinds, "facility": facility, "bare": bare, "inspections": inspections}


def test_a_foreign_key_nests_the_row_and_a_key_array_the_rows_in_order(
    facilities: ServedRegistry, seeded: dict[str, Any]
) -> None:
    body = facilities.client("officer", claims=NATIONAL).get(f"/facility/{seeded['facility']}").json()
    assert body["koatuuId"] == {
        "koatuuId": seeded["koatuu"],
        "code": "UA05",
        "name": "Vinnytsia region",
        "level": 1,
    }
    kinds = seeded["kinds"]
    assert body["serviceKindIds"] == [
        {"serviceKindId": kinds[2], "name": "Meals"},
        {"serviceKindId": kinds[0], "name": "Day care"},
    ]
    assert body["name"] == "Shelter 1" and "ddmCreatedBy" not in body["koatuuId"]


def test_no_reference_nests_null_and_an_empty_list(
    facilities: ServedRegistry, seeded: dict[str, Any]
) -> None:
    body = facilities.client("officer", claims=NATIONAL).get(f"/facility/{seeded['bare']}").json()
    assert body["koatuuId"] is None and body["serviceKindIds"] == []


def test_a_nested_row_hidden_by_row_level_security_is_null(
    facilities: ServedRegistry, seeded: dict[str, Any]
) -> None:
    vinnytsia = facilities.client("officer", claims={"katottg": "UA05"})
    here = vinnytsia.get(f"/inspection/{seeded['inspections']['here']}").json()
    assert (
        here["facilityId"]["name"] == "Shelter 1" and here["facilityId"]["facilityId"] == seeded["facility"]
    )
    there = vinnytsia.get(f"/inspection/{seeded['inspections']['there']}")
    assert there.status_code == 200 and there.json()["result"] == "there"  # inspections have no rule
    assert there.json()["facilityId"] is None


def test_reading_needs_read_on_every_nested_table(facilities: ServedRegistry, seeded: dict[str, Any]) -> None:
    # trembita-invoker may read facility but not koatuu or service_kind, which the read nests
    refused = facilities.client("trembita-invoker", claims=NATIONAL).get(f"/facility/{seeded['facility']}")
    assert refused.status_code == 403 and refused.json()["code"] == "FORBIDDEN_OPERATION"
    assert "koatuu" in refused.json()["detail"] or "service_kind" in refused.json()["detail"]


def test_the_openapi_document_describes_the_nested_rows(facilities: ServedRegistry) -> None:
    document = facilities.client().get(f"{facilities.url}/openapi.json").json()
    read = document["paths"]["/api/data-factory/facility/{id}"]["get"]
    schema = read["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/FacilityRead"}
    nested = document["components"]["schemas"]["FacilityRead"]["properties"]["koatuuId"]
    assert {"$ref": "#/components/schemas/Koatuu"} in nested["anyOf"]
