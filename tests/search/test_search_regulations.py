"""Every search condition of the training registry and of the ``user`` example, with each parameter it
declares and in the pagination mode it uses, over databases the migrator built from the regulations."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from codegen.emit.generator import generate
from codegen.migrate import migrate
from codegen.reader import read_regulation
from rbac.devkeys import dev_signing_key, mint_token
from rbac.keys import realm
from registry_api.deploy import build_app, load_generated
from registry_api.embedded import EmbeddedPostgres, EmbeddedS3
from registry_api.errors import ApiError, ErrorCode
from registry_api.search import SearchSpec, execute_search, from_query, spec_from_model
from registry_api.settings import DatabaseSettings, Settings
from schemas.regulation import Pagination, Regulation
from tests.api.conftest import s3_settings

from .databases import scratch_database

REPO = Path(__file__).resolve().parents[2]
API = "/api/data-factory"

OBL_KYIV = "a0000000-0000-0000-0000-000000000001"
OBL_LVIV = "a0000000-0000-0000-0000-000000000002"
RN_KYIV = "a0000000-0000-0000-0000-000000000003"
OWN_STATE = "b0000000-0000-0000-0000-000000000001"
OWN_PRIVATE = "b0000000-0000-0000-0000-000000000002"
LAB_ONE = "c0000000-0000-0000-0000-000000000001"
LAB_TWO = "c0000000-0000-0000-0000-000000000002"
SUBJECT = "d0000000-0000-0000-0000-000000000001"

TRAINING_ROWS = f"""
INSERT INTO koatuu (koatuu_id, code, level1, level2, type, name) VALUES
  ('{OBL_KYIV}', '3200000000', '3200000000', '', 'О', 'Київська область'),
  ('{OBL_LVIV}', '4600000000', '4600000000', '', 'О', 'Львівська область'),
  ('{RN_KYIV}', '3220800000', '3200000000', '3220800000', 'Р', 'Київський район');
INSERT INTO koatuu (code, level1, level2, type, name)
  SELECT '32208' || lpad(i::text, 5, '0'), '3200000000', '3220800000', 'НП', 'Село ' || lpad(i::text, 3, '0')
  FROM generate_series(1, 105) AS i;
INSERT INTO koatuu (code, level1, level2, type, name) VALUES
  ('4610100000', '4600000000', '4610100000', 'НП', 'Селище Лісове');
INSERT INTO ownership (ownership_id, code, name) VALUES
  ('{OWN_STATE}', '1', 'Державна власність'), ('{OWN_PRIVATE}', '2', 'Приватна власність');
INSERT INTO laboratory (laboratory_id, name, koatuu_id, address, edrpou, ownership_id) VALUES
  ('{LAB_ONE}', 'Лабораторія праці', '{OBL_KYIV}', 'вул. Хрещатик, 1', '12345678', '{OWN_STATE}'),
  ('{LAB_TWO}', 'Центр гігієни', '{OBL_LVIV}', 'пл. Ринок, 2', '12399999', '{OWN_PRIVATE}');
INSERT INTO staff_status (name) VALUES ('Працює'), ('Звільнений'), ('У відпустці');
INSERT INTO subject (subject_id, subject_code, subject_type, subject_status, subject_name) VALUES
  ('{SUBJECT}', '12345678', 'LEGAL', 'REGISTERED', 'ТОВ Лабораторія'),
  (gen_random_uuid(), '12345678', 'ENTREPRENEUR', 'CANCELED', 'ФОП');
"""  # noqa: S608

PHOTO = {"id": "e0000000-0000-0000-0000-000000000001", "checksum": "1" * 64}
SCAN = {"id": "e0000000-0000-0000-0000-000000000002", "checksum": "2" * 64}
USER_ROWS = f"""
INSERT INTO city (city_id, name) VALUES ('f0000000-0000-0000-0000-000000000001', 'Kyiv'),
  ('f0000000-0000-0000-0000-000000000002', 'Lviv');
INSERT INTO "user" (name, email, photo, documents) VALUES
  ('Olena', 'olena@example.com', ROW('{PHOTO["id"]}', '{PHOTO["checksum"]}')::type_file,
   ARRAY[ROW('{PHOTO["id"]}', '{PHOTO["checksum"]}')::type_file,
         ROW('{SCAN["id"]}', '{SCAN["checksum"]}')::type_file]);
INSERT INTO "user" (name, email)
  SELECT 'User ' || lpad(i::text, 3, '0'), 'u' || i || '@example.com' FROM generate_series(1, 120) AS i;
"""  # noqa: S608


@dataclass(frozen=True)
class Registry:
    engine: Engine
    regulation: Regulation
    specs: dict[str, SearchSpec]


def migrated(engine: Engine, regulation_path: Path, rows: str) -> Regulation:
    regulation = read_regulation(regulation_path)
    assert not regulation.errors, regulation.errors
    migrate(regulation, engine, contexts="!pub")
    with engine.begin() as conn:
        conn.execute(sa.text(rows))
    return regulation


def specs_of(regulation: Regulation) -> dict[str, SearchSpec]:
    return {sc.name: spec_from_model(sc, regulation) for sc in regulation.search_conditions}


def search(engine: Engine, spec: SearchSpec, params: dict[str, Any]) -> Any:
    with engine.connect() as conn:
        return execute_search(conn, spec, params)


# ---------------------------------------------------------------------------------------------
# Training registry

# (search condition, parameters, what the rows must be) — one entry at least per declared parameter.
TRAINING_CASES: list[tuple[str, dict[str, Any], list[dict[str, Any]]]] = [
    (
        "koatuu_obl_contains_name",
        {"name": "КИЇВ"},
        [{"koatuuId": OBL_KYIV, "code": "3200000000", "name": "Київська область"}],
    ),
    (
        "koatuu_obl_contains_name",
        {"name": "область"},
        [
            {"koatuuId": OBL_KYIV, "code": "3200000000", "name": "Київська область"},
            {"koatuuId": OBL_LVIV, "code": "4600000000", "name": "Львівська область"},
        ],
    ),
    ("koatuu_obl_contains_name", {"name": "район"}, []),  # the view keeps only type 'О'
    (
        "ownership_contains_name",
        {"name": "приватна"},
        [{"ownershipId": OWN_PRIVATE, "code": "2", "name": "Приватна власність"}],
    ),
    (
        "subject_equal_subject_type_equal_subject_code",
        {"subjectCode": "12345678", "subjectType": "LEGAL"},
        [
            {
                "subjectId": SUBJECT,
                "subjectStatus": "REGISTERED",
                "subjectCode": "12345678",
                "subjectType": "LEGAL",
            }
        ],
    ),
    ("subject_equal_subject_type_equal_subject_code", {"subjectCode": "1234567"}, []),
    (
        "laboratory_equal_edrpou_name_count",
        {"edrpou": "12345678", "name": "Лабораторія праці"},
        [{"edrpou": "12345678", "name": "Лабораторія праці", "cnt": 1}],
    ),
    ("laboratory_equal_edrpou_name_count", {"edrpou": "12345678", "name": "лабораторія праці"}, []),
    (
        "laboratory_start_with_edrpou_contains_name",
        {"edrpou": "123"},
        [
            {"laboratoryId": LAB_ONE, "edrpou": "12345678", "name": "Лабораторія праці"},
            {"laboratoryId": LAB_TWO, "edrpou": "12399999", "name": "Центр гігієни"},
        ],
    ),
    (
        "laboratory_start_with_edrpou_contains_name",
        {"edrpou": "123", "name": "ГІГІЄН"},
        [{"laboratoryId": LAB_TWO, "edrpou": "12399999", "name": "Центр гігієни"}],
    ),
    ("laboratory_start_with_edrpou_contains_name", {"edrpou": "45678"}, []),  # a prefix, not a substring
]


@pytest.fixture(scope="module")
def training(module_engine: Engine, shared_dir: Path) -> Iterator[Registry]:
    regulation = migrated(
        module_engine, shared_dir / "regulations/assembled/training-registry", TRAINING_ROWS
    )
    yield Registry(module_engine, regulation, specs_of(regulation))


@pytest.mark.parametrize(("sc_name", "params", "expected"), TRAINING_CASES)
def test_training_search_conditions(
    training: Registry, sc_name: str, params: dict[str, Any], expected: list[Any]
) -> None:
    engine, specs = training.engine, training.specs
    assert search(engine, specs[sc_name], params) == expected


def test_training_cases_cover_every_declared_parameter(
    training: Registry,
) -> None:
    specs = training.specs
    covered = {(sc, name) for sc, params, _ in TRAINING_CASES for name in params}
    covered |= {
        ("koatuu_np_starts_with_name_by_obl", "name"),
        ("koatuu_np_starts_with_name_by_obl", "level1"),
    }
    covered |= {("staff_status_contains_name", "name")}
    declared = {(sc, name) for sc, spec in specs.items() for p in spec.parameters for name in p.input_names}
    assert declared == covered
    assert {spec.pagination for spec in specs.values()} == {Pagination.NONE}  # none declares pagination


def test_training_join_with_limit_100_is_a_hard_cap(training: Registry) -> None:
    engine, specs = training.engine, training.specs
    spec = specs["koatuu_np_starts_with_name_by_obl"]
    villages = search(engine, spec, {"name": "село", "level1": "3200000000"})
    assert len(villages) == 100  # 105 match; the search condition's limit caps them
    assert [v["name"] for v in villages[:2]] == ["Село 001", "Село 002"]  # sorted by name
    assert {v["nameRn"] for v in villages} == {"Київський район"}  # from the joined district
    assert search(engine, spec, {"name": "село", "limit": 500, "offset": 100})[0]["name"] == "Село 001"
    (lisove,) = search(engine, spec, {"level1": "4600000000"})
    assert (lisove["name"], lisove["nameRn"]) == ("Селище Лісове", None)  # left join, no district
    assert search(engine, spec, {"name": "Селище", "level1": "3200000000"}) == []


def test_training_staff_status_contains_name_sorted(training: Registry) -> None:
    engine, specs = training.engine, training.specs
    spec = specs["staff_status_contains_name"]
    assert [r["name"] for r in search(engine, spec, {})] == ["Звільнений", "Працює", "У відпустці"]
    (found,) = search(engine, spec, {"name": "ПРАЦ"})
    assert found["name"] == "Працює" and set(found) == {"staffStatusId", "name"}


def test_training_query_string_input(training: Registry) -> None:
    from starlette.datastructures import QueryParams

    engine, specs = training.engine, training.specs
    spec = specs["laboratory_start_with_edrpou_contains_name"]
    params = from_query(spec, QueryParams("edrpou=123&name=%D0%A6%D0%B5%D0%BD%D1%82%D1%80&ignored=1"))
    assert [r["laboratoryId"] for r in search(engine, spec, params)] == [LAB_TWO]


# ---------------------------------------------------------------------------------------------
# The user example: page and offset pagination, file columns


@pytest.fixture(scope="module")
def users(postgres: EmbeddedPostgres) -> Iterator[Registry]:
    with scratch_database(postgres) as engine:
        regulation = migrated(engine, REPO / "examples" / "user", USER_ROWS)
        yield Registry(engine, regulation, specs_of(regulation))


def test_user_page_pagination_with_files(users: Registry) -> None:
    engine, specs = users.engine, users.specs
    spec = specs["user_search_by_name"]
    first = search(engine, spec, {"name": "ol"})
    assert first["totalElements"] == 1 and first["pageSize"] == 10 and first["pageNo"] == 0
    (olena,) = first["content"]
    assert olena["photo"] == PHOTO and olena["documents"] == [PHOTO, SCAN]
    assert set(olena) == {"userId", "name", "email", "photo", "documents"}

    page = search(engine, spec, {"name": "user", "pageSize": "500", "pageNo": "1"})
    assert (page["totalElements"], page["totalPages"], page["pageSize"]) == (120, 2, 100)  # capped at 100
    assert [u["name"] for u in page["content"]] == [f"User {i:03}" for i in range(101, 121)]
    assert page["content"][0]["photo"] is None and page["content"][0]["documents"] is None


def test_user_offset_pagination(users: Registry) -> None:
    engine, specs = users.engine, users.specs
    spec = specs["user_public_photo"]
    assert len(search(engine, spec, {})) == 10  # the limit when no limit is asked for
    assert len(search(engine, spec, {"limit": 100})) == 10  # and a cap when one is
    assert len(search(engine, spec, {"limit": 3, "offset": 119})) == 2
    (olena,) = search(engine, spec, {"name": "Olena"})
    assert olena == {"userId": olena["userId"], "name": "Olena", "photo": PHOTO}
    with pytest.raises(ApiError) as error:
        search(engine, spec, {"offset": "-1"})
    assert error.value.code is ErrorCode.VALIDATION_ERROR


def test_user_unpaginated_contains(users: Registry) -> None:
    engine, specs = users.engine, users.specs
    spec = specs["city_contains_name"]
    assert [c["name"] for c in search(engine, spec, {"name": "V"})] == ["Kyiv", "Lviv"]
    assert [c["name"] for c in search(engine, spec, {"name": "lv"})] == ["Lviv"]


# ---------------------------------------------------------------------------------------------
# The same through the generated API over HTTP: GET /{sc}, GET /search/{sc}, POST /search/{sc}


def http_client(registry: Registry, out_dir: Path, s3: EmbeddedS3) -> TestClient:
    """The generated app as ``serve --dev-auth`` builds it, on the registry's database, and an officer."""
    generate(registry.regulation, out_dir)
    settings = Settings(
        database=DatabaseSettings(url=registry.engine.url.render_as_string(hide_password=False)),
        s3=s3_settings(s3),
        data_dir=out_dir / "var",
        auth={"dev_auth": True},  # type: ignore[arg-type]
    )
    app = build_app(settings, load_generated(out_dir), engine=registry.engine)
    issuer = realm(settings.auth.keycloak_url, settings.auth.officer_realm).issuer
    token = mint_token(dev_signing_key(settings.data_dir), issuer=issuer, roles=["officer"], subject="t")
    return TestClient(app, headers={"X-Access-Token": token})


@pytest.fixture(scope="module")
def training_http(training: Registry, tmp_path_factory: pytest.TempPathFactory, s3: EmbeddedS3) -> TestClient:
    return http_client(training, tmp_path_factory.mktemp("training-generated"), s3)


@pytest.fixture(scope="module")
def users_http(users: Registry, tmp_path_factory: pytest.TempPathFactory, s3: EmbeddedS3) -> TestClient:
    return http_client(users, tmp_path_factory.mktemp("user-generated"), s3)


@pytest.mark.parametrize(("sc_name", "params", "expected"), TRAINING_CASES)
def test_training_search_conditions_over_http(
    training_http: TestClient, sc_name: str, params: dict[str, Any], expected: list[Any]
) -> None:
    segment = sc_name.replace("_", "-")
    for path in (f"{API}/{segment}", f"{API}/search/{segment}"):
        got = training_http.get(path, params=params)
        assert (got.status_code, got.json()) == (200, expected), path
    posted = training_http.post(f"{API}/search/{segment}", json=params)
    assert (posted.status_code, posted.json()) == (200, expected)


def test_training_hard_cap_over_http(training_http: TestClient) -> None:
    got = training_http.get(f"{API}/search/koatuu-np-starts-with-name-by-obl", params={"name": "с"})
    assert got.status_code == 200 and len(got.json()) == 100


def test_user_pages_and_files_over_http(users_http: TestClient) -> None:
    body = {"name": "OL", "pageSize": 5, "pageNo": 0}
    page = users_http.post(f"{API}/search/user-search-by-name", json=body)
    assert page.status_code == 200
    assert page.json()["totalElements"] == 1 and page.json()["pageSize"] == 5
    (olena,) = page.json()["content"]
    assert olena["photo"] == PHOTO and olena["documents"] == [PHOTO, SCAN]
    capped = users_http.get(f"{API}/search/user-search-by-name", params={"name": "user", "pageSize": 1000})
    assert (capped.json()["pageSize"], len(capped.json()["content"])) == (100, 100)


def test_user_offsets_and_validation_over_http(users_http: TestClient) -> None:
    got = users_http.get(f"{API}/user-public-photo", params={"limit": 2, "offset": 1})
    assert got.status_code == 200 and len(got.json()) == 2
    (olena,) = users_http.get(f"{API}/search/user-public-photo", params={"name": "Olena"}).json()
    assert olena["photo"] == PHOTO
    # out of the documented bounds: a query parameter problem, like one of the wrong type (400)
    bad = users_http.get(f"{API}/search/user-public-photo", params={"limit": -1})
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["code"] == "CLIENT_ERROR"
    assert bad.json()["details"]["errors"][0]["field"] == "limit"
