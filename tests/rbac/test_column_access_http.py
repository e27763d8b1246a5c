"""Column-level RBAC as a caller sees it over HTTP, for every role of the ``user`` example and of the
training registry (given an ``ext:rbac`` of column grants, narrowing, realms and a partial update, since
the assembled training registry has none): entity reads and every search condition's rows carry exactly
the fields the regulation's grants make readable, and refused reads and writes (POST, PUT, DELETE,
PATCH) are 403. What is expected comes from ``tests.rbac.expected_access`` (the grants read by
``codegen.reader``), never from the code under test. The registries are served as ``serve`` serves them
(``tests.served_registry``): real tokens, the generated Casbin policy, uvicorn on loopback."""

from __future__ import annotations

import secrets
import shutil
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, Table, func, insert, select
from sqlalchemy.exc import SAWarning

from codegen.reader import read_regulation
from registry_api.deploy import GeneratedRegistry, forget_package
from registry_api.embedded import EmbeddedPostgres, EmbeddedS3
from schemas.regulation import IS_AUTHENTICATED, Regulation
from tests.conftest import created_database
from tests.rbac.expected_access import Caller, ExpectedAccess, camel
from tests.served_registry import ServedRegistry, TestRealms, generate_registry, served_registry

Seeds = dict[str, list[Callable[[dict[str, Any]], dict[str, Any]]]]  # table → rows (given the first rows)
REALMS = ("officer-portal", "citizen-portal", "external-system")
TRAINING_RBAC = """<?xml version="1.0" encoding="UTF-8"?>
<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog"
                   xmlns:ext="http://www.liquibase.org/xml/ns/dbchangelog-ext">
    <changeSet id="partial staff flag" author="test">
        <ext:partialUpdate name="staff_flag">
            <ext:table name="staff"><ext:column name="hygienist_flag"/></ext:table>
        </ext:partialUpdate>
    </changeSet>
    <changeSet id="roles" author="test" runAlways="true">
        <validCheckSum>ANY</validCheckSum>
        <ext:rbac>
            <ext:role name="lab-officer" realm="officer-portal">
                <ext:table name="laboratory" read="true" insert="true" update="true" delete="true"/>
                <ext:table name="staff" read="true" insert="true"/>
                <ext:table name="koatuu" read="true"/>
            </ext:role>
            <ext:role name="hr" realm="officer-portal">
                <ext:table name="staff" read="true" update="true" delete="true"/>
            </ext:role>
            <ext:role name="certifier" realm="officer-portal">
                <ext:table name="staff">
                    <ext:column name="staff_id" read="true"/>
                    <ext:column name="full_name" read="true"/>
                    <ext:column name="hygienist_flag" read="true" update="true"/>
                </ext:table>
            </ext:role>
            <ext:role name="lab-viewer" realm="citizen-portal">
                <ext:table name="laboratory">
                    <ext:column name="laboratory_id" read="true"/>
                    <ext:column name="name" read="true"/>
                    <ext:column name="edrpou" read="true"/>
                </ext:table>
            </ext:role>
            <ext:role name="registry-reader" realm="external-system">
                <ext:table name="koatuu" read="true"/>
                <ext:table name="laboratory" read="true"/>
            </ext:role>
            <ext:role name="isAuthenticated">
                <ext:table name="ownership" read="true"/>
                <ext:table name="staff_status" read="true" insert="true"/>
            </ext:role>
            <ext:role name="lab-officer" realm="officer-portal">
                <ext:searchCondition name="laboratory_start_with_edrpou_contains_name"/>
            </ext:role>
            <ext:role name="lab-viewer" realm="citizen-portal">
                <ext:searchCondition name="laboratory_start_with_edrpou_contains_name"/>
            </ext:role>
        </ext:rbac>
    </changeSet>
</databaseChangeLog>
"""


# One row per table at least, and what every search condition needs to find a row: a region ("О"), and a
# settlement ("НП") whose level2 is the code of a district ("Р").
USER_SEEDS: Seeds = {
    "city": [lambda s: {"name": "Київ"}],
    "user": [lambda s: {"name": "Olena", "email": "o@example.com", "city_id": s["city"]["id"]}],
}
TRAINING_SEEDS: Seeds = {
    "koatuu": [
        lambda s: {"code": "3200000000", "level1": "32", "level2": "00", "name": "Київська", "type": "О"},
        lambda s: {
            "code": "3210000000",
            "level1": "32",
            "level2": "10",
            "name": "Бориспільський",
            "type": "Р",
        },
        lambda s: {
            "code": "3210100000",
            "level1": "32",
            "level2": "3210000000",
            "name": "Бориспіль",
            "type": "НП",
        },
    ],
    "ownership": [lambda s: {"code": "1", "name": "Державна"}],
    "laboratory": [
        lambda s: {
            "name": "Лабораторія",
            "koatuu_id": s["koatuu"]["id"],
            "address": "вул. Січових Стрільців, 1",
            "edrpou": "12345678",
            "ownership_id": s["ownership"]["id"],
        }
    ],
    "staff_status": [lambda s: {"name": "Працює"}],
    "staff": [
        lambda s: {
            "laboratory_id": s["laboratory"]["id"],
            "staff_status_id": s["staff_status"]["id"],
            "full_name": "Петро Іваненко",
            "hygienist_flag": False,
        }
    ],
    "subject": [
        lambda s: {"subject_code": "1010101010", "subject_type": "INDIVIDUAL", "subject_status": "REGISTERED"}
    ],
}


def callers_of(regulation: Regulation) -> list[Caller]:
    """Every role of the regulation in its realm (or every realm, when its grants name none), a role
    the regulation does not know in each realm, and a caller with two roles from different realms."""
    callers: list[Caller] = []
    for grants in regulation.rbac:
        if grants.role == IS_AUTHENTICATED:
            continue
        for realm in (grants.realm,) if grants.realm else REALMS:
            caller = Caller(frozenset({grants.role}), realm)
            if caller not in callers:
                callers.append(caller)
    callers += [Caller(frozenset({"stranger"}), realm) for realm in REALMS]
    roles = sorted({g.role for g in regulation.rbac if g.role != IS_AUTHENTICATED})
    callers.append(Caller(frozenset(roles[:2]), "citizen-portal"))
    return callers


def json_value(table: Any, column: Any, regulation: Regulation, seeded: dict[str, Any]) -> Any:
    """A valid JSON value for a column of ``table`` (a foreign key points at a seeded row)."""
    for key in table.foreign_keys:
        if column.name in key.columns:
            return str(seeded[key.referenced_table]["id"])
    kind = column.type.lower()
    if kind.startswith("bool"):
        return True
    if kind.startswith("char(1)"):
        return "A"
    if kind == "uuid":
        return str(uuid.uuid4())
    return f"{column.name}-{secrets.token_hex(4)}"


def write_body(regulation: Regulation, name: str, seeded: dict[str, Any]) -> dict[str, Any]:
    """A body every column of which is valid: new text values, so unique columns stay unique."""
    table = regulation.table(name)
    assert table is not None
    return {
        camel(c.name): json_value(table, c, regulation, seeded)
        for c in table.columns
        if not c.primary_key and not c.is_file and not c.name.startswith(("ddm", "dcm"))
    }


class Registry:
    """A served registry with one seeded row per table."""

    def __init__(self, served: ServedRegistry, regulation: Regulation, seeds: Seeds) -> None:
        self.served = served
        self.regulation = regulation
        metadata = MetaData()
        self.seeded: dict[str, dict[str, Any]] = {}
        with served.engine.begin() as connection, warnings.catch_warnings():
            warnings.simplefilter("ignore", SAWarning)  # reflection does not know type_file; not needed here
            for name, rows in seeds.items():
                table = Table(name, metadata, autoload_with=connection)
                key = next(iter(table.primary_key.columns)).name
                for values in rows:
                    row = {key: uuid.uuid4(), **values(self.seeded)}
                    connection.execute(insert(table).values(row))
                    self.seeded.setdefault(name, {"id": row[key], "key": key, "table": table})

    def count(self, name: str, key: uuid.UUID) -> int:
        table = self.seeded[name]["table"]
        primary = table.c[self.seeded[name]["key"]]
        with self.served.engine.connect() as connection:
            return int(connection.execute(select(func.count()).where(primary == key)).scalar_one())

    def fresh_row(self, name: str) -> uuid.UUID:
        """Another row of ``name``, written straight to the database, for writes to change or delete."""
        seed = self.seeded[name]
        body = {c: v for c, v in write_body(self.regulation, name, self.seeded).items()}
        columns = {c.name: c for c in seed["table"].columns}
        values: dict[str, Any] = {seed["key"]: uuid.uuid4()}
        for prop, value in body.items():
            column = next(c for c in columns if camel(c) == prop)
            is_uuid = str(columns[column].type).upper() == "UUID"
            values[column] = uuid.UUID(value) if is_uuid else value
        with self.served.engine.begin() as connection:
            connection.execute(insert(seed["table"]).values(values))
        return values[seed["key"]]  # type: ignore[no-any-return]


def path(name: str) -> str:
    return name.replace("_", "-")


def search_rows(answer: Any) -> list[dict[str, Any]]:
    return list(answer["content"] if isinstance(answer, dict) else answer)


@pytest.fixture(scope="module")
def user_registry_served(
    generated_user: GeneratedRegistry,
    postgres: EmbeddedPostgres,
    s3: EmbeddedS3,
    realms: TestRealms,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Registry]:
    with (
        created_database(postgres, prefix="rbac_user") as url,
        served_registry(generated_user, url, s3, realms, tmp_path_factory.mktemp("user-rbac")) as served,
    ):
        regulation = read_regulation(generated_user.regulation_dir)
        yield Registry(
            served,
            regulation,
            USER_SEEDS,
        )


@pytest.fixture(scope="module")
def training_registry_served(
    shared_dir: Path,
    postgres: EmbeddedPostgres,
    s3: EmbeddedS3,
    realms: TestRealms,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Registry]:
    root = tmp_path_factory.mktemp("regulations") / "training-rbac"
    shutil.copytree(shared_dir / "regulations" / "assembled" / "training-registry", root)
    (root / "data-model" / "rbac.xml").write_text(TRAINING_RBAC, encoding="utf-8")
    main = root / "data-model" / "main-liquibase.xml"
    text = main.read_text(encoding="utf-8")
    main.write_text(
        text.replace("</databaseChangeLog>", '<include file="data-model/rbac.xml"/>\n</databaseChangeLog>'),
        encoding="utf-8",
    )
    generated = generate_registry(root, tmp_path_factory.mktemp("generated-training-rbac"))
    try:
        with (
            created_database(postgres, prefix="rbac_training") as url,
            served_registry(generated, url, s3, realms, tmp_path_factory.mktemp("training-rbac")) as served,
        ):
            regulation = read_regulation(generated.regulation_dir)
            assert regulation.rbac, "the test RBAC was not read"
            yield Registry(
                served,
                regulation,
                TRAINING_SEEDS,
            )
    finally:
        forget_package(generated.package)


@pytest.fixture(params=["user", "training"])
def registry(request: pytest.FixtureRequest) -> Registry:
    name = "user_registry_served" if request.param == "user" else "training_registry_served"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]


def test_entity_reads_carry_exactly_the_readable_fields(registry: Registry) -> None:
    checked = 0
    for caller in callers_of(registry.regulation):
        expected = ExpectedAccess(registry.regulation, caller)
        with registry.served.client(*caller.roles, realm_name=caller.realm) as client:
            for table in registry.regulation.api_tables:
                answer = client.get(f"/{path(table.name)}/{registry.seeded[table.name]['id']}")
                fields = expected.entity_fields(table.name)
                if fields is None:
                    assert answer.status_code == 403, (caller, table.name, answer.text)
                    assert answer.json()["code"] == "FORBIDDEN_OPERATION"
                else:
                    assert answer.status_code == 200, (caller, table.name, answer.text)
                    assert set(answer.json()) == fields, (caller, table.name)
                    checked += 1
    assert checked >= 3  # some reads are allowed: the test compares fields, not only refusals


def test_search_rows_carry_exactly_the_readable_fields(registry: Registry) -> None:
    allowed = 0
    for caller in callers_of(registry.regulation):
        expected = ExpectedAccess(registry.regulation, caller)
        with registry.served.client(*caller.roles, realm_name=caller.realm) as client:
            for sc in registry.regulation.search_conditions:
                fields = expected.search_fields(sc)
                for answer in (
                    client.get(f"/search/{path(sc.name)}"),
                    client.post(f"/search/{path(sc.name)}", json={}),
                ):
                    if fields is None:
                        assert answer.status_code == 403, (caller, sc.name, answer.text)
                        continue
                    assert answer.status_code == 200, (caller, sc.name, answer.text)
                    rows = search_rows(answer.json())
                    assert rows, (caller, sc.name)  # every search finds the seeded rows
                    assert all(set(row) == fields for row in rows), (caller, sc.name, rows)
                allowed += fields is not None
    assert allowed >= 3


def test_writes_need_their_grants(registry: Registry) -> None:
    """POST, PUT and DELETE on every table, and PATCH on every partial update, by every caller:
    201/204 when the grants allow it, 403 otherwise (and nothing changes)."""
    regulation = registry.regulation
    statuses: list[int] = []
    for caller in callers_of(regulation):
        expected = ExpectedAccess(regulation, caller)
        with registry.served.client(*caller.roles, realm_name=caller.realm) as client:
            for table in regulation.api_tables:
                name = table.name
                body = write_body(regulation, name, registry.seeded)
                created = client.post(f"/{path(name)}", json=body)
                may_insert = expected.table_may(name, "insert")
                assert created.status_code == (201 if may_insert else 403), (caller, name, created.text)
                target = registry.fresh_row(name)
                replaced = client.put(
                    f"/{path(name)}/{target}", json=write_body(regulation, name, registry.seeded)
                )
                may_update = expected.table_may(name, "update")
                assert replaced.status_code == (204 if may_update else 403), (caller, name, replaced.text)
                deleted = client.delete(f"/{path(name)}/{target}")
                may_delete = expected.table_may(name, "delete")
                assert deleted.status_code == (204 if may_delete else 403), (caller, name, deleted.text)
                assert registry.count(name, target) == (0 if may_delete else 1), (caller, name)
                statuses += [created.status_code, replaced.status_code, deleted.status_code]
            for partial in regulation.partial_updates:
                target = registry.fresh_row(partial.table)
                body = {camel(c): True for c in partial.columns}
                patched = client.patch(f"/partial/{path(partial.name)}/{target}", json=body)
                may_patch = expected.partial_update_allowed(partial.table, partial.columns)
                assert patched.status_code == (204 if may_patch else 403), (
                    caller,
                    partial.name,
                    patched.text,
                )


def test_the_training_rbac_exercises_every_kind_of_decision(training_registry_served: Registry) -> None:
    """The oracle's answers on the test RBAC are the ones it was written for (a guard against a test
    RBAC that silently stopped exercising column grants, narrowing or realms)."""
    regulation = training_registry_served.regulation
    laboratory_search = regulation.search_condition("laboratory_start_with_edrpou_contains_name")
    count_search = regulation.search_condition("laboratory_equal_edrpou_name_count")
    assert laboratory_search is not None and count_search is not None
    viewer = ExpectedAccess(regulation, Caller(frozenset({"lab-viewer"}), "citizen-portal"))
    assert viewer.entity_fields("laboratory") is None  # column grants never open the entity
    assert viewer.search_fields(laboratory_search) == {"laboratoryId", "edrpou", "name"}  # but the search
    assert viewer.search_fields(count_search) == {"edrpou", "name", "cnt"}
    elsewhere = ExpectedAccess(regulation, Caller(frozenset({"lab-viewer"}), "officer-portal"))
    assert elsewhere.search_fields(laboratory_search) is None  # realm-bound
    reader = ExpectedAccess(regulation, Caller(frozenset({"registry-reader"}), "external-system"))
    assert reader.entity_fields("laboratory") is not None
    assert reader.search_fields(laboratory_search) is None  # narrowed to two roles
    certifier = ExpectedAccess(regulation, Caller(frozenset({"certifier"}), "officer-portal"))
    assert certifier.partial_update_allowed("staff", ["hygienist_flag"])
    assert not certifier.table_may("staff", "update")
