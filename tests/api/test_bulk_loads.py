"""Bulk loads of the facility registry example over HTTP: ``POST /koatuu/list`` (``ext:bulkLoad`` on
createTable), ``POST /staff/csv`` and ``/staff/csv/validation`` (``ext:alterTableApi`` bulkLoad), the CSV
being an uploaded file referenced by ``{id, checksum}``; all rows or none, errors naming the row."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import httpx
import pytest

from tests.api.facility_fixtures import NATIONAL, database, facilities, upload
from tests.served_registry import PROCESS_HEADER, ServedRegistry

__all__ = ["database", "facilities"]  # fixtures


@pytest.fixture
def officer(facilities: ServedRegistry) -> httpx.Client:
    return facilities.client("officer", claims=NATIONAL)


@pytest.fixture(scope="module")
def facility_id(facilities: ServedRegistry) -> str:
    national = facilities.client("officer", claims=NATIONAL)
    return str(national.post("/facility", json={"name": "Staffed", "katottg": "UA0599"}).json()["id"])


def count(facilities: ServedRegistry, table: str) -> int:
    return int(facilities.rows(f"SELECT count(*) FROM {table}")[0][0])  # noqa: S608 - a test's own table


def upload_csv(client: httpx.Client, text: str | bytes, name: str = "rows.csv") -> dict[str, str]:
    return upload(client, name, text.encode() if isinstance(text, str) else text, "text/csv")


def errors_of(response: httpx.Response) -> list[dict[str, Any]]:
    return list(response.json()["details"]["errors"])


# -- POST /<entity>/list -----------------------------------------------------------------------


def test_a_list_is_inserted_in_order(facilities: ServedRegistry, officer: httpx.Client) -> None:
    entities = [{"code": f"UA1{i}", "name": f"Unit {i}", "level": 2} for i in range(3)]
    answer = officer.post("/koatuu/list", json={"entities": entities})
    assert answer.status_code == 201, answer.text
    ids = [item["id"] for item in answer.json()]
    assert [officer.get(f"/koatuu/{i}").json()["code"] for i in ids] == ["UA10", "UA11", "UA12"]
    assert facilities.rows("SELECT count(*) FROM koatuu_hst WHERE code LIKE 'UA1_'") == [(3,)]


def test_one_bad_row_of_a_list_inserts_none(facilities: ServedRegistry, officer: httpx.Client) -> None:
    before = count(facilities, "koatuu")
    rows = [{"code": "UA20", "name": "Fine"}, {"code": "UA20", "name": "Same code"}]
    answer = officer.post("/koatuu/list", json={"entities": rows})
    assert answer.status_code == 409
    assert answer.json()["details"] == {"constraint": "uq_koatuu_code", "row": 1}
    assert count(facilities, "koatuu") == before
    invalid = officer.post(
        "/koatuu/list", json={"entities": [{"code": "UA21", "name": "Ok"}, {"code": "UA22"}]}
    )
    assert invalid.status_code == 422
    assert [e["field"] for e in errors_of(invalid)] == ["entities.1.name"]
    assert count(facilities, "koatuu") == before


def test_a_list_is_bounded(officer: httpx.Client) -> None:
    rows = [{"code": f"UA3{i:02}", "name": "x"} for i in range(51)]
    answer = officer.post("/koatuu/list", json={"entities": rows})
    assert answer.status_code == 422 and errors_of(answer)[0]["message"] == "at most 50"


def test_list_rows_may_hold_files(
    facilities: ServedRegistry, officer: httpx.Client, facility_id: str
) -> None:
    certificate = upload_csv(officer, b"%PDF certificate", "cert.pdf")
    rows = [{"facilityId": facility_id, "fullName": "Olena", "certificates": [certificate]}]
    (created,) = officer.post("/staff/list", json={"entities": rows}).json()
    download = officer.get(f"/files/staff/{created['id']}/certificates/{certificate['id']}")
    assert download.status_code == 200 and download.content == b"%PDF certificate"


def test_bulk_loads_need_the_insert_grant(facilities: ServedRegistry) -> None:
    citizen = facilities.client("citizen", claims=NATIONAL)
    assert citizen.post("/koatuu/list", json={"entities": []}).status_code == 403
    assert (
        citizen.post("/koatuu/csv", json={"id": str(uuid.uuid4()), "checksum": "0" * 64}).status_code == 403
    )


# -- POST /<entity>/csv ------------------------------------------------------------------------


def staff_csv(facility_id: str, *rows: str) -> str:
    return "facility_id;full_name;position;hired_on;languages\n" + "".join(
        f"{facility_id};{r}\n" for r in rows
    )


def test_a_csv_file_is_validated_then_loaded(
    facilities: ServedRegistry, officer: httpx.Client, facility_id: str
) -> None:
    before = count(facilities, "staff")
    text = staff_csv(facility_id, "Ivan Petrenko;cook;2023-01-15;uk, en", " Maria Ko ;nurse;;uk")
    csv_file = upload_csv(officer, "\ufeff" + text)  # a byte-order mark is allowed
    checked = officer.post("/staff/csv/validation", json=csv_file)
    assert checked.status_code == 200 and checked.content == b""
    assert count(facilities, "staff") == before  # validation writes nothing
    loaded = officer.post("/staff/csv", json=csv_file)
    assert loaded.status_code == 201, loaded.text
    first, second = (officer.get(f"/staff/{item['id']}").json() for item in loaded.json())
    assert (first["fullName"], first["hiredOn"], first["languages"]) == (
        "Ivan Petrenko",
        "2023-01-15",
        ["uk", "en"],
    )
    assert (second["fullName"], second["hiredOn"], second["languages"]) == ("Maria Ko", None, ["uk"])
    assert facilities.rows("SELECT count(*) FROM staff_hst WHERE full_name = 'Maria Ko'") == [(1,)]


def test_invalid_rows_are_reported_by_number_and_nothing_is_loaded(
    facilities: ServedRegistry, officer: httpx.Client, facility_id: str
) -> None:
    before = count(facilities, "staff")
    text = staff_csv(
        facility_id, "Fine;cook;2023-01-15;uk", ";cook;2023-01-15;", "Bad date;cook;15.01.2023;", "Short;x"
    )
    for route in ("/staff/csv/validation", "/staff/csv"):
        answer = officer.post(route, json=upload_csv(officer, text))
        assert answer.status_code == 422 and answer.json()["code"] == "CSV_VALIDATION_ERROR"
        found = [(e["row"], e["line"], e["field"]) for e in errors_of(answer)]
        assert found == [(2, 3, "fullName"), (3, 4, "hiredOn"), (4, 5, None)]
    assert count(facilities, "staff") == before


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("facility_id;full_name;salary", "column 'salary' is not a column of the table"),
        ("facility_id;full_name;certificates", "column 'certificates' is a file column"),
        ("facility_id;fullName;full_name", "column 'full_name' appears twice"),
    ],
)
def test_the_header_names_loadable_columns_once(officer: httpx.Client, header: str, message: str) -> None:
    answer = officer.post("/staff/csv", json=upload_csv(officer, header + "\n"))
    assert answer.status_code == 422
    assert message in errors_of(answer)[0]["message"] and errors_of(answer)[0]["row"] == 0


def test_a_database_constraint_names_the_row(facilities: ServedRegistry, officer: httpx.Client) -> None:
    before = count(facilities, "koatuu")
    text = "code;name\nUA40;First\nUA41;Second\nUA40;Again\n"
    answer = officer.post("/koatuu/csv", json=upload_csv(officer, text))
    assert answer.status_code == 409
    assert answer.json()["details"] == {"constraint": "uq_koatuu_code", "row": 3, "line": 4}
    assert count(facilities, "koatuu") == before


def test_a_file_that_is_not_utf8_or_not_csv_is_refused(officer: httpx.Client) -> None:
    cp1251 = "code;name\nUA50;Вінниця\n".encode("cp1251")
    answer = officer.post("/koatuu/csv", json=upload_csv(officer, cp1251))
    assert answer.status_code == 400 and answer.json()["code"] == "CSV_ENCODING_ERROR"
    broken = officer.post("/koatuu/csv", json=upload_csv(officer, 'code;name\nUA51;"unclosed\n'))
    assert broken.status_code == 400 and broken.json()["code"] == "CSV_PARSING_ERROR"
    empty = officer.post("/koatuu/csv", json=upload_csv(officer, "\n\n"))
    assert empty.status_code == 400 and empty.json()["code"] == "CSV_PARSING_ERROR"


def test_the_file_must_be_the_one_uploaded(facilities: ServedRegistry, officer: httpx.Client) -> None:
    csv_file = upload_csv(officer, "code;name\nUA60;Changed\n")
    changed = officer.post("/koatuu/csv", json={**csv_file, "checksum": "a" * 64})
    assert changed.status_code == 409 and changed.json()["code"] == "FILE_WAS_CHANGED"
    missing = officer.post("/koatuu/csv", json={"id": str(uuid.uuid4()), "checksum": "a" * 64})
    assert missing.status_code == 400 and missing.json()["code"] == "FILE_NOT_FOUND"
    assert facilities.rows("SELECT count(*) FROM koatuu WHERE code = 'UA60'") == [(0,)]


def test_a_file_a_business_process_staged_itself_is_loaded(facilities: ServedRegistry) -> None:
    process = str(uuid.uuid4())
    file_id = str(uuid.uuid4())
    content = b"code;name;level\nUA70;Staged by a process;1\n"
    facilities.s3_client.put_object(
        Bucket=facilities.staging_bucket, Key=f"process/{process}/{file_id}", Body=content
    )
    client = facilities.client("officer", claims=NATIONAL, headers={PROCESS_HEADER: process})
    body = {"id": file_id, "checksum": hashlib.sha256(content).hexdigest()}
    answer = client.post("/koatuu/csv", json=body)
    assert answer.status_code == 201, answer.text
    assert facilities.rows("SELECT level FROM koatuu WHERE code = 'UA70'") == [(1,)]
    edited = content + b"UA71;Added after the checksum;1\n"
    facilities.s3_client.put_object(
        Bucket=facilities.staging_bucket, Key=f"process/{process}/{file_id}", Body=edited
    )
    assert client.post("/koatuu/csv", json=body).json()["code"] == "FILE_WAS_CHANGED"
    assert facilities.rows("SELECT count(*) FROM koatuu WHERE code = 'UA71'") == [(0,)]
