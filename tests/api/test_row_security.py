"""Row-level security (``ext:rls``) over HTTP, on the facility registry example served as ``serve``
serves it: an officer whose ``katottg`` claim is ``UA05`` sees, downloads and writes only the facilities
whose ``katottg`` starts with it — in entity reads, every search condition over ``facility`` (direct,
joined, aggregated, paged), file reads, on the internal and the ext profile; a missing or empty claim
sees nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from registry_api.embedded import EmbeddedS3
from registry_api.settings import Profile
from tests.api.facility_fixtures import NATIONAL, database, facilities
from tests.served_registry import ServedRegistry, TestRealms, served_registry

__all__ = ["database", "facilities"]  # fixtures

VINNYTSIA = {"katottg": "UA05"}
PDF = b"%PDF-1.4 licence\n"


@pytest.fixture(scope="module")
def seeded(facilities: ServedRegistry) -> dict[str, Any]:
    """Facilities in Vinnytsia (UA05...) and Volyn (UA07...), each with a licence scan and an
    inspection, written by an officer of national level."""
    national = facilities.client("officer", claims=NATIONAL)
    ids: dict[str, Any] = {}
    for key, name, katottg in (
        ("vinnytsia", "Vinnytsia shelter", "UA05020030010063857"),
        ("vinnytsia2", "Vinnytsia hospice", "UA05100000000000000"),
        ("volyn", "Volyn shelter", "UA07020010010090962"),
    ):
        uploaded = national.post("/files", files={"file": (f"{key}.pdf", PDF, "application/pdf")})
        assert uploaded.status_code == 201, uploaded.text
        scan = {"id": uploaded.json()["id"], "checksum": uploaded.json()["checksum"]}
        created = national.post("/facility", json={"name": name, "katottg": katottg, "licenceScan": scan})
        assert created.status_code == 201, created.text
        facility_id = created.json()["id"]
        inspected = national.post(
            "/inspection", json={"facilityId": facility_id, "inspectedOn": "2024-05-01", "result": "ok"}
        )
        assert inspected.status_code == 201, inspected.text
        ids[key] = {"facility": facility_id, "scan": scan, "inspection": inspected.json()["id"]}
    return ids


def officer(facilities: ServedRegistry, claims: dict[str, Any] | None) -> httpx.Client:
    return facilities.client("officer", claims=claims)


def names(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    body = response.json()
    rows = body["content"] if isinstance(body, dict) else body
    return sorted(row.get("name") or row.get("facilityName") for row in rows)


# -- entity and file reads ---------------------------------------------------------------------


def test_an_officer_reads_only_the_facilities_of_their_territory(
    facilities: ServedRegistry, seeded: dict[str, Any]
) -> None:
    client = officer(facilities, VINNYTSIA)
    assert client.get(f"/facility/{seeded['vinnytsia']['facility']}").status_code == 200
    hidden = client.get(f"/facility/{seeded['volyn']['facility']}")
    assert hidden.status_code == 404  # as if it did not exist
    assert hidden.json()["code"] == "NOT_FOUND"


def test_a_list_claim_gives_every_territory_it_names(
    facilities: ServedRegistry, seeded: dict[str, Any]
) -> None:
    client = officer(facilities, {"katottg": ["UA07", "UA05"]})
    for key in ("vinnytsia", "volyn"):
        assert client.get(f"/facility/{seeded[key]['facility']}").status_code == 200


@pytest.mark.parametrize("claims", [None, {"katottg": ""}, {"katottg": []}, {"katottg": [""]}])
def test_a_missing_or_empty_claim_sees_nothing(
    facilities: ServedRegistry, seeded: dict[str, Any], claims: dict[str, Any] | None
) -> None:
    client = officer(facilities, claims)
    assert client.get(f"/facility/{seeded['vinnytsia']['facility']}").status_code == 404
    page = client.get("/search/facility-by-name", params={"pageSize": 50}).json()
    assert page["content"] == [] and page["totalElements"] == 0
    assert client.get("/search/facility-count-by-katottg").json() == []
    scan = seeded["vinnytsia"]["scan"]["id"]
    assert (
        client.get(f"/files/facility/{seeded['vinnytsia']['facility']}/licence-scan/{scan}").status_code
        == 404
    )


def test_claim_values_are_prefixes_not_patterns(facilities: ServedRegistry, seeded: dict[str, Any]) -> None:
    for pattern in ("%", "UA0_", "ua05"):  # wildcards are literal, the comparison is case-sensitive
        client = officer(facilities, {"katottg": pattern})
        assert client.get(f"/facility/{seeded['vinnytsia']['facility']}").status_code == 404, pattern


def test_files_of_hidden_rows_are_not_found(facilities: ServedRegistry, seeded: dict[str, Any]) -> None:
    client = officer(facilities, VINNYTSIA)
    own, other = seeded["vinnytsia"], seeded["volyn"]
    mine = client.get(f"/files/facility/{own['facility']}/licence-scan/{own['scan']['id']}")
    assert mine.status_code == 200 and mine.content == PDF
    theirs = client.get(f"/files/facility/{other['facility']}/licence-scan/{other['scan']['id']}")
    assert theirs.status_code == 404
    link = client.get(f"/files/facility/{other['facility']}/licence-scan/{other['scan']['id']}/link")
    assert link.status_code == 404
    assert (
        client.post(
            f"/files/facility/{other['facility']}/licence-scan/{other['scan']['id']}/links"
        ).status_code
        == 404
    )
    assert (
        client.post(f"/files/facility/{own['facility']}/licence-scan/{own['scan']['id']}/links").status_code
        == 201
    )
    short = facilities.catalogue_row(other["scan"]["id"])["short_name"]
    assert client.get(f"/s/{short}").status_code == 404
    assert officer(facilities, {"katottg": "UA07"}).get(f"/s/{short}").status_code == 200


# -- search conditions -------------------------------------------------------------------------


def test_every_search_condition_over_facilities_is_filtered(
    facilities: ServedRegistry, seeded: dict[str, Any]
) -> None:
    client = officer(facilities, VINNYTSIA)
    page = client.get("/search/facility-by-name", params={"pageSize": 1}).json()
    assert page["totalElements"] == 2 and page["totalPages"] == 2  # the count is filtered too
    assert names(client.get("/search/facility-by-name", params={"name": "V"})) == [
        "Vinnytsia hospice",
        "Vinnytsia shelter",
    ]
    assert names(client.post("/search/facility-by-name", json={"name": "Volyn"})) == []
    # joined: inspections of the caller's facilities only (the view selects f.katottg, not returned)
    joined = client.get("/search/inspection-with-facility").json()
    assert sorted(row["facilityName"] for row in joined) == ["Vinnytsia hospice", "Vinnytsia shelter"]
    assert all("facilityKatottg" not in row for row in joined)
    # aggregated: counts per territory the caller may see, of rows they may see
    counts = client.get("/search/facility-count-by-katottg", params={"katottg": "UA0"}).json()
    assert counts == [
        {"katottg": "UA05020030010063857", "facilities": 1},
        {"katottg": "UA05100000000000000", "facilities": 1},
    ]
    assert names(client.get("/facility-by-name")) == ["Vinnytsia hospice", "Vinnytsia shelter"]  # legacy


def test_search_conditions_over_other_tables_are_not_filtered(
    facilities: ServedRegistry, seeded: dict[str, Any]
) -> None:
    facilities.client("officer", claims=NATIONAL).post(
        "/koatuu", json={"code": "UA07000000000000000", "name": "Volyn region"}
    )
    client = officer(facilities, VINNYTSIA)
    assert [row["name"] for row in client.get("/search/koatuu-by-name", params={"name": "Volyn"}).json()] == [
        "Volyn region"
    ]


def test_the_ext_profile_filters_external_systems_by_their_claim(
    facilities: ServedRegistry,
    seeded: dict[str, Any],
    database: str,
    s3: EmbeddedS3,
    realms: TestRealms,
    tmp_path: Path,
) -> None:
    with served_registry(facilities.registry, database, s3, realms, tmp_path, profile=Profile.EXT) as ext:
        volyn = ext.client("trembita-invoker", claims={"katottg": "UA07"})
        assert names(volyn.get("/search/facility-by-name")) == ["Volyn shelter"]
        nobody = ext.client("trembita-invoker")
        assert names(nobody.get("/search/facility-by-name")) == []


# -- writes ------------------------------------------------------------------------------------


def count(facilities: ServedRegistry, name: str) -> int:
    return int(facilities.rows("SELECT count(*) FROM facility WHERE name = :name", name=name)[0][0])


def test_an_officer_creates_only_in_their_territory(
    facilities: ServedRegistry, seeded: dict[str, Any]
) -> None:
    client = officer(facilities, VINNYTSIA)
    refused = client.post("/facility", json={"name": "Smuggled", "katottg": "UA07020010010090962"})
    assert refused.status_code == 403 and refused.json()["code"] == "FORBIDDEN_OPERATION"
    assert count(facilities, "Smuggled") == 0
    assert facilities.rows("SELECT count(*) FROM facility_hst WHERE name = 'Smuggled'")[0][0] == 0
    created = client.post("/facility", json={"name": "Own", "katottg": "UA05999"})
    assert created.status_code == 201
    assert (
        officer(facilities, {}).post("/facility", json={"name": "Nobody's", "katottg": "UA05"}).status_code
        == 403
    )


def test_updates_need_the_row_before_and_after_to_be_the_callers(
    facilities: ServedRegistry, seeded: dict[str, Any]
) -> None:
    client = officer(facilities, VINNYTSIA)
    own = client.post("/facility", json={"name": "Moving", "katottg": "UA05111"}).json()["id"]
    moved = client.put(f"/facility/{own}", json={"name": "Moving", "katottg": "UA07111"})
    assert moved.status_code == 403
    assert facilities.rows("SELECT katottg FROM facility WHERE facility_id = :i", i=own) == [("UA05111",)]
    other = seeded["volyn"]["facility"]
    taken = client.put(f"/facility/{other}", json={"name": "Taken", "katottg": "UA05222"})
    assert taken.status_code == 403
    assert facilities.rows("SELECT name FROM facility WHERE facility_id = :i", i=other) == [
        ("Volyn shelter",)
    ]
    renamed = client.put(f"/facility/{own}", json={"name": "Renamed", "katottg": "UA05111"})
    assert renamed.status_code == 204


def test_deletes_need_the_row_to_be_the_callers(facilities: ServedRegistry, seeded: dict[str, Any]) -> None:
    national = officer(facilities, NATIONAL)
    other = national.post("/facility", json={"name": "Keep me", "katottg": "UA07333"}).json()["id"]
    client = officer(facilities, VINNYTSIA)
    assert client.delete(f"/facility/{other}").status_code == 403
    assert count(facilities, "Keep me") == 1
    own = client.post("/facility", json={"name": "Drop me", "katottg": "UA05333"}).json()["id"]
    assert client.delete(f"/facility/{own}").status_code == 204
    assert count(facilities, "Drop me") == 0
