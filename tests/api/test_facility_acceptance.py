"""Acceptance of reference parity (issue 12) on a regulation of our own in the reference's style,
``examples/facility-registry``, which uses every parity item: ``ext:rls`` read and write rules, a composite
entity with a file column, ``bulkLoad`` with CSV, ``ext:tableReadParameters``, realms on roles, and one
uploaded file attached to two entities. The regulation goes the way it goes to production —
``registry-api lint --strict`` → ``migrate`` → ``generate`` → served → HTTP — on all three profiles
(internal, ext, public) over one database and one pair of buckets. The features' own suites
(``test_row_security.py``, ``test_composite_entities.py``, ``test_bulk_loads.py``, ``test_nested_reads.py``)
go into the details; this module proves they hold together, per profile."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from codegen.cli import app
from codegen.reader import read_regulation
from registry_api.deploy import GeneratedRegistry, load_generated
from registry_api.embedded import EmbeddedPostgres, EmbeddedS3
from registry_api.settings import Profile, settings_environment
from tests.api.facility_fixtures import (
    FACILITIES,
    LINKS,
    NATIONAL,
    PUBLIC_API,
    inspection_with_new_facility,
    upload,
)
from tests.conftest import created_database
from tests.served_registry import ServedRegistry, TestRealms, s3_settings, served_registry

pytestmark = pytest.mark.slow

VINNYTSIA = {"katottg": "UA05"}
V_NAMES = {"name": "V"}  # the seeded facilities (Vinnytsia, Volyn), whatever other tests add
KOATUU_CSV = "code;name;level\nUA05000000000000000;Vinnytsia region;1\nUA07000000000000000;Volyn region;1\n"


@dataclass(frozen=True)
class Pipeline:
    """What the command line made of the regulation: a migrated database and a generated output tree."""

    registry: GeneratedRegistry
    database: str
    buckets: dict[str, Any]


def run_cli(*arguments: str, **environment: str) -> str:
    result = CliRunner().invoke(app, list(arguments), env=environment or None, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def pipeline(
    tmp_path_factory: pytest.TempPathFactory, postgres: EmbeddedPostgres, s3: EmbeddedS3
) -> Iterator[Pipeline]:
    linted = run_cli("lint", str(FACILITIES), "--strict")
    assert "0 errors, 0 warnings" in linted
    out = tmp_path_factory.mktemp("facility-acceptance") / "generated"
    with created_database(postgres, prefix="acceptance") as url:
        migrated = run_cli("migrate", str(FACILITIES), "--database-url", url)
        executed = [
            line.split(maxsplit=1)[1] for line in migrated.splitlines() if line.startswith("executed ")
        ]
        wanted = [f"{c.file}::{c.id}::{c.author}" for c in read_regulation(FACILITIES).changesets]
        assert [ref for ref in executed if not ref.startswith("platform::")] == wanted
        run_cli("generate", str(FACILITIES), "--out", str(out), "--public-api", str(PUBLIC_API))
        yield Pipeline(load_generated(out), url, s3_settings(s3))


@pytest.fixture(scope="module")
def served(
    pipeline: Pipeline, s3: EmbeddedS3, realms: TestRealms, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[Profile, ServedRegistry]]:
    """The three deployments of the generated registry, as three ``serve`` processes run them."""
    with (
        served_registry(
            pipeline.registry,
            pipeline.database,
            s3,
            realms,
            tmp_path_factory.mktemp("internal"),
            buckets=pipeline.buckets,
            links=LINKS,
        ) as internal,
        served_registry(
            pipeline.registry,
            pipeline.database,
            s3,
            realms,
            tmp_path_factory.mktemp("ext"),
            profile=Profile.EXT,
            buckets=pipeline.buckets,
            links=LINKS,
        ) as ext,
        served_registry(
            pipeline.registry,
            pipeline.database,
            s3,
            realms,
            tmp_path_factory.mktemp("public"),
            profile=Profile.PUBLIC,
            buckets=pipeline.buckets,
            links=LINKS,
        ) as public,
    ):
        yield {Profile.INTERNAL: internal, Profile.EXT: ext, Profile.PUBLIC: public}


@pytest.fixture(scope="module")
def internal(served: dict[Profile, ServedRegistry]) -> ServedRegistry:
    return served[Profile.INTERNAL]


@pytest.fixture(scope="module")
def seeded(internal: ServedRegistry) -> dict[str, Any]:
    """The territory dictionary loaded from a CSV file, and a facility with a licence scan in Vinnytsia
    and in Volyn, written by an officer of national level."""
    national = internal.client("officer", claims=NATIONAL)
    csv_file = upload(national, "koatuu.csv", KOATUU_CSV.encode())
    assert national.post("/koatuu/csv/validation", json=csv_file).status_code == 200
    loaded = national.post("/koatuu/csv", json=csv_file)
    assert loaded.status_code == 201, loaded.text
    territories = dict(zip(("vinnytsia", "volyn"), (item["id"] for item in loaded.json()), strict=True))
    ids: dict[str, Any] = {}
    for key, katottg in (("vinnytsia", "UA05020030010063857"), ("volyn", "UA07020010010090962")):
        scan = upload(national, f"{key}.pdf", f"%PDF licence of {key}".encode())
        body = {"name": f"{key.title()} shelter", "katottg": katottg, "koatuuId": territories[key]}
        created = national.post("/facility", json=body | {"licenceScan": scan})
        assert created.status_code == 201, created.text
        ids[key] = {"facility": created.json()["id"], "scan": scan, "koatuu": territories[key]}
    return ids


def licence_path(row: dict[str, Any]) -> str:
    return f"/files/facility/{row['facility']}/licence-scan/{row['scan']['id']}"


def facility_names(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return sorted(row["name"] for row in response.json()["content"])


# -- internal ----------------------------------------------------------------------------------


def test_internal_reads_are_filtered_by_the_officers_territory(
    internal: ServedRegistry, seeded: dict[str, Any]
) -> None:
    officer = internal.client("officer", claims=VINNYTSIA)
    own, other = seeded["vinnytsia"], seeded["volyn"]
    read = officer.get(f"/facility/{own['facility']}")
    assert read.status_code == 200
    # ext:tableReadParameters: the territory the CSV loaded is nested in the read
    assert read.json()["koatuuId"]["name"] == "Vinnytsia region"
    assert officer.get(f"/facility/{other['facility']}").status_code == 404
    assert facility_names(officer.get("/search/facility-by-name", params=V_NAMES)) == ["Vinnytsia shelter"]
    assert officer.get(licence_path(own)).content == b"%PDF licence of vinnytsia"
    assert officer.get(licence_path(other)).status_code == 404

    nobody = internal.client("officer")  # no katottg claim: nothing, not everything
    assert nobody.get(f"/facility/{own['facility']}").status_code == 404
    assert facility_names(nobody.get("/search/facility-by-name", params=V_NAMES)) == []
    assert nobody.get(licence_path(own)).status_code == 404


def test_a_composite_with_files_is_written_in_the_officers_territory_only(internal: ServedRegistry) -> None:
    officer = internal.client("officer", claims=VINNYTSIA)
    licence, report = (
        upload(officer, "licence.pdf", b"%PDF licence"),
        upload(officer, "report.pdf", b"%PDF report"),
    )
    body = inspection_with_new_facility("Composite shelter", report, licence)
    written = officer.put("/nested/facility-inspection", json=body)
    assert written.status_code == 200, written.text
    inspection_id = written.json()["id"]
    inspection = officer.get(f"/inspection/{inspection_id}").json()
    facility = inspection["facilityId"]  # nested by ext:tableReadParameters
    assert facility["name"] == "Composite shelter" and facility["licenceScan"] == licence
    assert officer.get(f"/files/inspection/{inspection_id}/report/{report['id']}").content == b"%PDF report"
    assert (
        officer.get(f"/files/facility/{facility['facilityId']}/licence-scan/{licence['id']}").content
        == b"%PDF licence"
    )

    # The write rule holds for every row of the tree: a facility elsewhere refuses the whole write.
    smuggled = body | {"facility": body["facility"] | {"name": "Smuggled", "katottg": "UA0711"}}
    refused = officer.put("/nested/facility-inspection", json=smuggled)
    assert refused.status_code == 403 and refused.json()["code"] == "FORBIDDEN_OPERATION"
    assert internal.rows("SELECT count(*) FROM facility WHERE name = 'Smuggled'") == [(0,)]


def test_roles_hold_in_the_realms_the_regulation_names(
    internal: ServedRegistry, seeded: dict[str, Any]
) -> None:
    facility = f"/facility/{seeded['vinnytsia']['facility']}"
    assert internal.client("officer", claims=VINNYTSIA).get(facility).status_code == 200
    impostor = internal.client("officer", realm_name="citizen-portal", claims=VINNYTSIA)
    denied = impostor.get(facility)
    assert denied.status_code == 403 and denied.json()["code"] == "FORBIDDEN_OPERATION"
    citizen = internal.client("citizen")
    assert citizen.get(f"/koatuu/{seeded['vinnytsia']['koatuu']}").status_code == 200
    assert citizen.get(facility).status_code == 403


def test_one_file_in_two_entities_is_read_through_each_own_path_then_collectable(
    internal: ServedRegistry,
) -> None:
    """A business process writes the same ``{id, checksum}`` into a facility and an inspection: one
    object in S3, read through each entity's own path only; once both rows are deleted `files prune`
    lists it — kept while history rows name it (the default: facility and inspection keep history),
    collectable once history does not keep files."""
    officer = internal.client("officer", claims=VINNYTSIA)
    shared = upload(officer, "shared.pdf", b"%PDF shared")
    facility = officer.post("/facility", json={"name": "Shared", "katottg": "UA0522", "licenceScan": shared})
    assert facility.status_code == 201, facility.text
    facility_id = facility.json()["id"]
    inspection = officer.post(
        "/inspection", json={"facilityId": facility_id, "inspectedOn": "2024-08-01", "report": shared}
    )
    assert inspection.status_code == 201, inspection.text
    inspection_id = inspection.json()["id"]
    assert internal.keys(internal.registry_bucket).count(shared["id"]) == 1
    assert internal.bindings(shared["id"]) == [
        ("facility", facility_id, "licence_scan"),
        ("inspection", inspection_id, "report"),
    ]

    as_licence = f"/files/facility/{facility_id}/licence-scan/{shared['id']}"
    as_report = f"/files/inspection/{inspection_id}/report/{shared['id']}"
    assert officer.get(as_licence).content == b"%PDF shared"
    assert officer.get(as_report).content == b"%PDF shared"
    # each through the other's path: the facility as an inspection, the inspection as a facility
    assert officer.get(f"/files/inspection/{facility_id}/report/{shared['id']}").status_code == 404
    assert officer.get(f"/files/facility/{inspection_id}/licence-scan/{shared['id']}").status_code == 404

    key = f"{internal.registry_bucket}/{shared['id']}"
    assert officer.delete(f"/inspection/{inspection_id}").status_code == 204
    assert officer.get(as_report).status_code == 404
    assert officer.get(as_licence).content == b"%PDF shared"
    assert key not in prune(internal, "--dry-run")  # still held by the facility
    assert officer.delete(f"/facility/{facility_id}").status_code == 204

    kept = prune(internal, "--dry-run")
    assert f"kept (a history row names it): file no entity holds any more: {key}" in kept
    forgotten = prune(internal, "--dry-run", REGISTRY_FILES__HISTORY_KEEPS_FILES="false")
    assert f"would remove file no entity holds any more: {key}" in forgotten
    assert shared["id"] in internal.keys(internal.registry_bucket)  # a dry run removes nothing


def prune(served: ServedRegistry, *options: str, **environment: str) -> str:
    env = settings_environment(served.settings) | environment
    return run_cli("files", "prune", "--older-than", "0s", *options, **env)


# -- ext ---------------------------------------------------------------------------------------


def test_ext_serves_external_systems_the_exposed_search_filtered_by_their_claim(
    served: dict[Profile, ServedRegistry], seeded: dict[str, Any]
) -> None:
    ext = served[Profile.EXT]
    system = ext.client("trembita-invoker", claims=VINNYTSIA)
    found = system.get("/search/facility-by-name", params=V_NAMES)
    assert facility_names(found) == ["Vinnytsia shelter"]
    assert found.json()["content"][0]["licenceScan"] == seeded["vinnytsia"]["scan"]
    assert system.get(licence_path(seeded["vinnytsia"])).content == b"%PDF licence of vinnytsia"
    assert system.get(licence_path(seeded["volyn"])).status_code == 404
    assert (
        facility_names(ext.client("trembita-invoker").get("/search/facility-by-name", params=V_NAMES)) == []
    )

    # Entities, composites, bulk loads and uploads are internal only: not mounted on ext.
    facility = seeded["vinnytsia"]["facility"]
    national = ext.client("trembita-invoker", claims=NATIONAL)
    assert national.get(f"/facility/{facility}").status_code == 404
    assert national.put("/nested/facility-inspection", json={}).status_code == 404
    assert national.post("/koatuu/csv", json={}).status_code == 404
    assert national.post("/files", files={"file": ("a.pdf", b"%PDF")}).status_code == 404


# -- public ------------------------------------------------------------------------------------


def test_public_answers_anonymously_only_the_published_dictionary(
    served: dict[Profile, ServedRegistry], seeded: dict[str, Any]
) -> None:
    public = served[Profile.PUBLIC]
    anonymous = public.client(source_headers=False)
    found = anonymous.get("/koatuu-by-name", params={"name": "region"})
    assert found.status_code == 200, found.text
    assert [row["name"] for row in found.json()] == ["Vinnytsia region", "Volyn region"]  # loaded from CSV

    refused = anonymous.post("/koatuu-by-name", json={"name": "region"})
    assert refused.status_code == 405 and refused.json()["code"] == "METHOD_NOT_ALLOWED"
    assert anonymous.delete("/koatuu-by-name").status_code == 405
    vinnytsia = seeded["vinnytsia"]
    for path in (
        "/facility-by-name",
        "/search/facility-by-name",
        f"/facility/{vinnytsia['facility']}",
        f"/koatuu/{vinnytsia['koatuu']}",
        licence_path(vinnytsia),
    ):
        assert anonymous.get(path).status_code == 404, path
    assert anonymous.put("/nested/facility-inspection", json={}).status_code == 404
    assert anonymous.post("/koatuu/csv", json={}).status_code == 404
    assert anonymous.post("/staff/list", json={"entities": []}).status_code == 404
    assert anonymous.post("/files", files={"file": ("a.pdf", b"%PDF")}).status_code == 404
