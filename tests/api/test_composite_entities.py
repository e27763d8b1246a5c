"""``ext:createCompositeEntity`` → ``PUT /nested/<name>``: an inspection and the facility it links to
written in one transaction (links resolved, files bound, history recorded, all or nothing), on the
facility registry example over HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.facility_fixtures import NATIONAL, database, facilities, inspection_with_new_facility, upload
from tests.served_registry import WRITE_HEADERS, ServedRegistry

__all__ = ["database", "facilities"]  # fixtures


def counts(facilities: ServedRegistry) -> tuple[int, ...]:
    (row,) = facilities.rows(
        "SELECT (SELECT count(*) FROM facility), (SELECT count(*) FROM inspection),"
        " (SELECT count(*) FROM facility_hst), (SELECT count(*) FROM inspection_hst)"
    )
    return tuple(int(v) for v in row)


@pytest.fixture
def officer(facilities: ServedRegistry) -> httpx.Client:
    return facilities.client("officer", claims=NATIONAL)


def test_new_rows_are_written_together_with_their_files_and_history(
    facilities: ServedRegistry, officer: httpx.Client
) -> None:
    licence, report = (
        upload(officer, "licence.pdf", b"%PDF licence"),
        upload(officer, "report.pdf", b"%PDF report"),
    )
    body = inspection_with_new_facility("New shelter", report, licence)
    answer = officer.put("/nested/facility-inspection", json=body)
    assert answer.status_code == 200, answer.text
    inspection_id = answer.json()["id"]
    inspection = officer.get(f"/inspection/{inspection_id}").json()
    assert inspection["result"] == "passed" and inspection["report"] == report
    facility = inspection["facilityId"]  # nested by the example's ext:tableReadParameters
    assert facility["name"] == "New shelter" and facility["licenceScan"] == licence
    files = f"/files/facility/{facility['facilityId']}/licence-scan/{licence['id']}"
    assert officer.get(files).content == b"%PDF licence"
    assert officer.get(f"/files/inspection/{inspection_id}/report/{report['id']}").content == b"%PDF report"
    history = facilities.rows(
        "SELECT ddm_dml_op FROM facility_hst WHERE facility_id = :f UNION ALL "
        "SELECT ddm_dml_op FROM inspection_hst WHERE inspection_id = :i",
        f=facility["facilityId"],
        i=inspection_id,
    )
    assert history == [("I",), ("I",)]


def test_rows_whose_key_exists_are_replaced(facilities: ServedRegistry, officer: httpx.Client) -> None:
    facility_id = officer.post(
        "/facility", json={"name": "Old name", "katottg": "UA0512", "edrpou": "1"}
    ).json()["id"]
    body = {
        "inspectedOn": "2024-07-02",
        "facility": {"facilityId": facility_id, "name": "New name", "katottg": "UA0512"},
    }
    answer = officer.put("/nested/facility-inspection", json=body)
    assert answer.status_code == 200, answer.text
    facility = officer.get(f"/facility/{facility_id}").json()
    assert facility["name"] == "New name" and facility["edrpou"] is None  # replaced, as PUT replaces
    inspection = officer.get(f"/inspection/{answer.json()['id']}").json()
    assert inspection["facilityId"]["facilityId"] == facility_id
    again = {"inspectionId": answer.json()["id"], "inspectedOn": "2024-07-03", "facility": body["facility"]}
    assert officer.put("/nested/facility-inspection", json=again).json()["id"] == answer.json()["id"]
    assert officer.get(f"/inspection/{answer.json()['id']}").json()["inspectedOn"] == "2024-07-03"
    ops = facilities.rows(
        "SELECT ddm_dml_op FROM facility_hst WHERE facility_id = :f ORDER BY ddm_created_at", f=facility_id
    )
    assert ops == [("I",), ("U",), ("U",)]


def test_a_failing_row_writes_nothing(facilities: ServedRegistry, officer: httpx.Client) -> None:
    before = counts(facilities)
    licence = upload(officer, "orphan.pdf", b"%PDF orphan")
    missing_territory = "00000000-0000-0000-0000-0000000000ff"
    body = {
        "inspectedOn": "2024-07-04",
        "facility": {
            "name": "Broken",
            "katottg": "UA0513",
            "koatuuId": missing_territory,
            "licenceScan": licence,
        },
    }
    answer = officer.put("/nested/facility-inspection", json=body)
    assert answer.status_code == 409 and answer.json()["code"] == "CONSTRAINT_ERROR"
    assert counts(facilities) == before
    assert facilities.rows("SELECT count(*) FROM ddm_file_bindings WHERE file_id = :f", f=licence["id"]) == [
        (0,)
    ]


def test_the_links_own_row_is_required_when_its_column_is(officer: httpx.Client) -> None:
    answer = officer.put("/nested/facility-inspection", json={"inspectedOn": "2024-07-05"})
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["details"]["errors"]] == ["facility"]


def test_write_rules_apply_to_every_row(facilities: ServedRegistry) -> None:
    before = counts(facilities)
    vinnytsia = facilities.client("officer", claims={"katottg": "UA05"})
    body = {"inspectedOn": "2024-07-06", "facility": {"name": "Elsewhere", "katottg": "UA0701"}}
    assert vinnytsia.put("/nested/facility-inspection", json=body).status_code == 403
    assert counts(facilities) == before


def test_it_needs_insert_and_update_on_every_table_and_the_write_headers(facilities: ServedRegistry) -> None:
    body: dict[str, Any] = {"inspectedOn": "2024-07-07", "facility": {"name": "X", "katottg": "UA05"}}
    citizen = facilities.client("citizen", claims=NATIONAL)
    assert citizen.put("/nested/facility-inspection", json=body).status_code == 403
    bare = facilities.client("officer", claims=NATIONAL, source_headers=False)
    missing = bare.put("/nested/facility-inspection", json=body)
    assert missing.status_code == 400 and missing.json()["code"] == "HEADERS_ARE_MISSING"
    assert set(WRITE_HEADERS) <= set(missing.json()["details"])
