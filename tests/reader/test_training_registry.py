"""Facts of the reference training registry and of the project's ``examples/user`` registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.reader import read_regulation
from schemas.regulation import FileKind, Pagination, Regulation, SearchType, Severity

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def training(shared_dir: Path) -> Regulation:
    return read_regulation(shared_dir / "regulations" / "assembled" / "training-registry")


def test_reads_without_errors(training: Regulation) -> None:
    assert training.errors == ()
    assert training.name == "training-registry"
    # The search condition on the platform's ``subject`` table is a warning, not an error; so is the
    # dictionary load by the reference's p_load_table_from_csv(), which runs only in context "pub"
    # (``serve`` migrates with --contexts '!pub'). Its search conditions set no ``indexing``: each
    # searched column without a usable index is a warning too.
    codes = [(d.code, d.severity) for d in training.diagnostics]
    assert [c for c in codes if c[0] != "SEARCH_NOT_INDEXED"] == [
        ("UNKNOWN_TABLE", Severity.WARNING),
        ("MIGRATION_REFUSED_IN_CONTEXT", Severity.WARNING),
    ]
    assert codes.count(("SEARCH_NOT_INDEXED", Severity.WARNING)) == 8


def test_tables_and_keys(training: Regulation) -> None:
    assert [t.name for t in training.tables] == ["koatuu", "ownership", "laboratory", "staff_status", "staff"]
    assert all(t.history for t in training.tables)
    laboratory = training.table("laboratory")
    assert laboratory is not None
    assert laboratory.primary_key == ("laboratory_id",)
    assert laboratory.primary_key_name == "pk_laboratory_id"
    assert laboratory.remarks == "Лабораторії що атестуються"
    assert {(f.name, f.referenced_table) for f in laboratory.foreign_keys} == {
        ("fk_laboratory_koatuu", "koatuu"),
        ("fk_laboratory_ownership", "ownership"),
    }
    assert [u.columns for u in laboratory.unique_constraints] == [("name", "edrpou")]
    staff = training.table("staff")
    assert staff is not None
    assert [c.name for c in staff.columns] == [
        "staff_id",
        "laboratory_id",
        "staff_status_id",
        "full_name",
        "hygienist_flag",
        "hygienist_certificate_file",
    ]
    hygienist_flag = staff.column("hygienist_flag")
    assert hygienist_flag is not None and hygienist_flag.type == "BOOLEAN" and not hygienist_flag.nullable
    ownership_name = training.table("ownership").column("name")  # type: ignore[union-attr]
    assert ownership_name is not None and ownership_name.unique


def test_file_columns(training: Regulation) -> None:
    found = [(t.name, c.name, c.file_kind) for t in training.tables for c in t.file_columns]
    assert found == [
        ("laboratory", "premises_file", FileKind.SINGLE),
        ("staff", "hygienist_certificate_file", FileKind.SINGLE),
    ]
    staff = training.table("staff")
    assert staff is not None and staff.file_columns[0].json_name == "hygienistCertificateFile"


def test_search_conditions(training: Regulation) -> None:
    by_name = {sc.name: sc for sc in training.search_conditions}
    assert len(by_name) == 7
    np = by_name["koatuu_np_starts_with_name_by_obl"]
    assert np.limit == 100
    assert [(c.name, c.search_type) for c in np.search_columns] == [
        ("name", SearchType.STARTS_WITH),
        ("level1", SearchType.EQUAL),
    ]
    assert [(t.name, t.alias) for t in np.tables] == [("koatuu", "np"), ("koatuu", "rn")]
    assert np.joins[0].type == "left" and np.joins[0].left_columns == ("level2",)
    assert np.joins[0].conditions[0].value == "'Р'"
    assert np.where[0].value == "'НП'"
    assert [c.output_name for c in np.returning_columns] == ["koatuu_id", "name", "level1", "name_rn"]
    assert by_name["koatuu_obl_contains_name"].limit is None
    assert by_name["koatuu_obl_contains_name"].search_columns[0].search_type is SearchType.CONTAINS
    count = by_name["laboratory_equal_edrpou_name_count"]
    assert count.tables[0].alias == "laboratory"  # alias defaults to the table name
    assert [(f.name, f.alias, f.column_name) for f in count.functions] == [("count", "cnt", "laboratory_id")]
    assert all(sc.pagination is Pagination.NONE and not sc.pagination_declared for sc in by_name.values())
    assert training.exposures == ()


def test_changesets(training: Regulation) -> None:
    files = [c.file for c in training.changesets]
    assert files[0] == "data-model/createTables.xml"
    assert files[-1] == "data-model/populateDictionaries.xml"
    load = training.changesets[-1]
    assert load.contexts == "pub"
    assert [(c.tag, c.api_relevant) for c in load.changes] == [("sql", False)]
    assert training.properties == (("dataLoadPath", "/tmp/data-load/"),)
    first = training.changesets[0]
    assert (first.id, first.author) == ("table koatuu", "registry owner")
    assert first.changes[0].model == training.table("koatuu")
    assert first.checksum.startswith("r1:")


@pytest.fixture(scope="module")
def user() -> Regulation:
    return read_regulation(REPO / "examples" / "user")


def test_user_example(user: Regulation) -> None:
    assert user.diagnostics == ()
    table = user.table("user")
    assert table is not None
    assert [(c.name, c.file_kind) for c in table.file_columns] == [
        ("photo", FileKind.SINGLE),
        ("documents", FileKind.ARRAY),
    ]
    by_sc = {sc.name: sc for sc in user.search_conditions}
    returned = [(t.name, c.name) for t, c in user.sc_file_columns(by_sc["user_search_by_name"])]
    assert returned == [("user", "photo"), ("user", "documents")]
    assert user.exposure("user_search_by_name").consumers == ("platform", "externalSystem")
    assert user.exposure("user_public_photo").consumers == ("publicAccess",)
    assert user.exposure("city_contains_name").consumers == ()
    assert by_sc["user_search_by_name"].pagination is Pagination.PAGE
    roles = {r.role for r in user.rbac}
    assert {"officer", "citizen", "isAuthenticated"} <= roles
