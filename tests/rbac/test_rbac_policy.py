"""RBAC semantics (DESIGN.md §4) on the user example, the corpus's rbacChangelog.xml and allTags.xml."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from codegen.reader import read_regulation
from rbac.enforcer import CasbinAccessPolicy
from rbac.policy import PolicyError, build_policy, write_policy_files
from rbac.principal import Identity
from schemas.regulation import Regulation, RoleGrants, TableGrant

USER_COLUMNS = ["user_id", "name", "email", "city_id", "photo", "documents"]


def who(realm: str | None, *roles: str) -> Identity:
    return Identity(subject="u", realm=realm, roles=frozenset(roles))


OFFICER = who("officer-portal", "officer")
CITIZEN = who("citizen-portal", "citizen")
TREMBITA = who("external-system", "trembita-invoker")
AUDITOR = who("officer-portal", "auditor")
NOBODY = who("citizen-portal")  # authenticated, no roles at all


def policy_of(regulation: Regulation, directory: Path) -> CasbinAccessPolicy:
    write_policy_files(regulation, directory)
    return CasbinAccessPolicy.from_directory(directory)


# -- the user example ------------------------------------------------------------------------


def test_officer_has_full_access_to_user(user_policy: CasbinAccessPolicy) -> None:
    assert user_policy.can_read_entity(OFFICER, "user")
    assert user_policy.readable_columns(OFFICER, "user", USER_COLUMNS) == frozenset(USER_COLUMNS)
    for action in ("insert", "update", "delete"):
        assert user_policy.can_write_entity(OFFICER, "user", action)
    assert user_policy.can_partial_update(OFFICER, "user", ["name", "email"])
    assert user_policy.can_read_file(OFFICER, "user", "documents")


def test_citizen_reads_only_its_columns_and_not_the_entity(user_policy: CasbinAccessPolicy) -> None:
    assert not user_policy.can_read_entity(CITIZEN, "user")  # column-only grants never open the entity
    assert user_policy.readable_columns(CITIZEN, "user", USER_COLUMNS) == {"name", "photo"}
    assert user_policy.can_read_file(CITIZEN, "user", "photo")  # via the column grant
    assert not user_policy.can_read_file(CITIZEN, "user", "documents")
    for action in ("insert", "update", "delete"):
        assert not user_policy.can_write_entity(CITIZEN, "user", action)
    assert not user_policy.can_partial_update(CITIZEN, "user", ["name"])


def test_trembita_invoker_reads_both_tables_but_writes_nothing(user_policy: CasbinAccessPolicy) -> None:
    assert user_policy.can_read_entity(TREMBITA, "user")
    assert user_policy.can_read_entity(TREMBITA, "city")
    assert user_policy.can_read_file(TREMBITA, "user", "documents")
    assert not user_policy.can_write_entity(TREMBITA, "user", "insert")


def test_is_authenticated_reads_city_and_rows_for_other_actions_deny(user_policy: CasbinAccessPolicy) -> None:
    assert user_policy.can_read_entity(NOBODY, "city")
    assert user_policy.can_search(NOBODY, "city_contains_name")
    assert not user_policy.can_write_entity(NOBODY, "city", "insert")  # only officer may insert
    assert not user_policy.can_write_entity(OFFICER, "city", "delete")  # rows exist, none for delete
    assert user_policy.can_write_entity(OFFICER, "city", "insert")


def test_search_condition_narrowed_to_its_grants(user_policy: CasbinAccessPolicy) -> None:
    assert user_policy.can_search(OFFICER, "user_search_by_name")
    assert user_policy.can_search(TREMBITA, "user_search_by_name")
    # the auditor may read every column the search returns, but the SC grants narrow it to officer/trembita
    assert user_policy.can_read_entity(AUDITOR, "user")
    assert not user_policy.can_search(AUDITOR, "user_search_by_name")
    assert not user_policy.can_search(CITIZEN, "user_search_by_name")


def test_search_needs_read_on_every_column(user_policy: CasbinAccessPolicy) -> None:
    # user_public_photo returns user_id, name, photo: the citizen lacks user_id
    assert not user_policy.can_search(CITIZEN, "user_public_photo")
    assert user_policy.can_search(TREMBITA, "user_public_photo")
    assert not user_policy.can_search(OFFICER, "no_such_search_condition")


def test_search_field_filtering_by_view_or_json_name(user_policy: CasbinAccessPolicy) -> None:
    columns = ["userId", "name", "email", "photo", "documents", "unknownAlias"]
    readable = user_policy.readable_search_columns(OFFICER, "user_search_by_name", columns)
    assert readable == {"userId", "name", "email", "photo", "documents"}  # untraceable output left out
    assert user_policy.readable_search_columns(CITIZEN, "user_search_by_name", columns) == frozenset()


def test_a_role_bound_to_a_realm_does_not_apply_in_another(user_policy: CasbinAccessPolicy) -> None:
    officer_elsewhere = who("citizen-portal", "officer")
    assert not user_policy.can_read_entity(officer_elsewhere, "user")
    assert user_policy.can_read_entity(officer_elsewhere, "city")  # isAuthenticated still applies


def test_anonymous_gets_only_what_the_public_plan_serves(user_rbac_dir: Path) -> None:
    anonymous = Identity.anonymous_caller()
    closed = CasbinAccessPolicy.from_directory(user_rbac_dir)
    assert not closed.can_search(anonymous, "user_public_photo")
    assert not closed.can_read_file(anonymous, "user", "photo")
    public = CasbinAccessPolicy.from_directory(
        user_rbac_dir,
        anonymous_search=lambda sc: sc == "user_public_photo",
        anonymous_file=lambda t, c: (t, c) == ("user", "photo"),
    )
    assert public.can_search(anonymous, "user_public_photo")
    assert public.readable_search_columns(anonymous, "user_public_photo", ["name", "photo"]) == {
        "name",
        "photo",
    }
    assert not public.can_search(anonymous, "user_search_by_name")
    assert public.can_read_file(anonymous, "user", "photo")
    assert not public.can_read_file(anonymous, "user", "documents")
    assert not public.can_read_entity(anonymous, "city")
    assert not public.can_write_entity(anonymous, "city", "insert")
    assert public.readable_columns(anonymous, "user", USER_COLUMNS) == frozenset()


def test_decisions_are_memoised(user_policy: CasbinAccessPolicy) -> None:
    for _ in range(3):
        assert user_policy.can_read_entity(OFFICER, "user")
    info = user_policy.cache_info()["decisions"]
    assert info.hits >= 2 and info.misses == 1


def test_output_is_deterministic_with_a_header(user_regulation: Regulation, tmp_path: Path) -> None:
    first = [p.read_bytes() for p in write_policy_files(user_regulation, tmp_path / "a")]
    second = [p.read_bytes() for p in write_policy_files(user_regulation, tmp_path / "b")]
    assert first == second
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == ["access-model.json", "model.conf", "policy.csv", "row-security.json"]
    assert (tmp_path / "a" / "policy.csv").read_text().startswith("# Casbin policy of registry 'user'")


def test_unsafe_role_name_is_refused(user_regulation: Regulation) -> None:
    bad = RoleGrants(role="officer, admin", tables=(TableGrant(table="user", read=True),))
    with pytest.raises(PolicyError, match="officer, admin"):
        build_policy(Regulation(root="", name="x", tables=user_regulation.tables, rbac=(bad,)))


# -- the corpus ------------------------------------------------------------------------------

PERSON = """<?xml version="1.0" encoding="UTF-8"?>
<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog"
    xmlns:ext="http://www.liquibase.org/xml/ns/dbchangelog-ext">
  <changeSet id="person" author="test">
    <createTable tableName="person">
      <column name="person_id" type="UUID"><constraints primaryKey="true" nullable="false"/></column>
      <column name="first_name" type="TEXT"/>
      <column name="last_name" type="TEXT"/>
      <column name="passport" type="TEXT"/>
      <column name="inn" type="TEXT"/>
      <column name="scan" type="type_file"/>
    </createTable>
    <createTable tableName="pet">
      <column name="pet_id" type="UUID"><constraints primaryKey="true" nullable="false"/></column>
      <column name="name" type="TEXT"/>
    </createTable>
  </changeSet>
  <changeSet id="sc names" author="test">
    <ext:createSearchCondition name="person_names">
      <ext:table name="person"><ext:column name="first_name" searchType="startsWith"/>
        <ext:column name="last_name"/></ext:table>
    </ext:createSearchCondition>
  </changeSet>
  <changeSet id="sc passports" author="test">
    <ext:createSearchCondition name="person_passports">
      <ext:table name="person"><ext:column name="last_name" searchType="equal"/>
        <ext:column name="passport"/></ext:table>
    </ext:createSearchCondition>
  </changeSet>
  <include file="rbacChangelog.xml" relativeToChangelogFile="true"/>
</databaseChangeLog>
"""


@pytest.fixture(scope="module")
def person_policy(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> CasbinAccessPolicy:
    root = tmp_path_factory.mktemp("person")
    source = (
        shared_dir / "regulations" / "edp-ddm-liquibase-ddm-ext" / "src__test__resources__rbacChangelog.xml"
    )
    shutil.copy(source, root / "rbacChangelog.xml")
    (root / "main-liquibase.xml").write_text(PERSON, encoding="utf-8")
    regulation = read_regulation(root)
    assert not regulation.errors, regulation.errors
    assert regulation.rbac, "the rbac changelog was not read"
    return policy_of(regulation, root / "rbac")


def test_rbac_changelog_column_grants(person_policy: CasbinAccessPolicy) -> None:
    anyone = who("citizen-portal")
    officer = who("officer-portal", "officer")
    assert not person_policy.can_read_entity(anyone, "person")
    assert not person_policy.can_read_entity(officer, "person")  # officer has only column grants
    assert person_policy.readable_columns(anyone, "person", ["first_name", "passport"]) == {"first_name"}
    assert person_policy.readable_columns(officer, "person", ["first_name", "passport", "inn"]) == {
        "first_name",
        "passport",
    }
    assert not person_policy.can_read_file(officer, "person", "scan")


def test_rbac_changelog_writes(person_policy: CasbinAccessPolicy) -> None:
    officer = who(None, "officer")
    assert person_policy.can_partial_update(officer, "person", ["first_name", "last_name"])
    assert not person_policy.can_partial_update(officer, "person", ["first_name", "passport"])
    assert person_policy.can_partial_update(who(None, "passport_officer"), "person", ["passport"])
    # two roles together cover what neither covers alone
    assert person_policy.can_partial_update(
        who(None, "officer", "inn_officer"), "person", ["first_name", "inn"]
    )
    assert not person_policy.can_write_entity(officer, "person", "update")  # column-only update grants
    assert person_policy.can_write_entity(who(None, "birth_officer"), "person", "insert")
    assert not person_policy.can_write_entity(who(None, "birth_officer"), "person", "delete")
    assert person_policy.can_write_entity(who(None, "death_officer"), "person", "delete")


def test_rbac_changelog_searches_are_column_aware(person_policy: CasbinAccessPolicy) -> None:
    assert person_policy.can_search(who("citizen-portal"), "person_names")
    assert not person_policy.can_search(who("citizen-portal"), "person_passports")
    assert person_policy.can_search(who(None, "officer"), "person_passports")
    assert not person_policy.can_search(who(None, "passport_officer"), "person_passports")  # update ≠ read


def test_table_without_rows_is_open_to_any_authenticated_caller(person_policy: CasbinAccessPolicy) -> None:
    anyone = who("external-system")
    assert person_policy.can_read_entity(anyone, "pet")
    assert person_policy.can_write_entity(anyone, "pet", "delete")
    assert person_policy.can_partial_update(anyone, "pet", ["name"])
    assert not person_policy.can_read_entity(Identity.anonymous_caller(), "pet")


@pytest.fixture(scope="module")
def all_tags_policy(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> CasbinAccessPolicy:
    regulation = read_regulation(
        shared_dir / "regulations" / "edp-ddm-liquibase-ddm-ext" / "src__test__resources__allTags.xml"
    )
    return policy_of(regulation, tmp_path_factory.mktemp("all-tags"))


def test_all_tags(all_tags_policy: CasbinAccessPolicy) -> None:
    app = who(None, "application_role")
    other = who(None, "somebody")
    for action in ("insert", "update", "delete"):
        assert all_tags_policy.can_write_entity(app, "dictionary", action)
        assert not all_tags_policy.can_write_entity(other, "dictionary", action)
    assert all_tags_policy.can_read_entity(app, "dictionary")
    assert not all_tags_policy.can_read_entity(app, "main_table")
    assert all_tags_policy.can_partial_update(app, "main_table", ["field_domain"])
    assert all_tags_policy.can_search(app, "simple_view")
    # "view" returns main_table columns app may not read, and a CTE column traced to dictionary.full_name
    assert not all_tags_policy.can_search(app, "view")
    assert all_tags_policy.can_write_entity(other, "subject", "insert")  # no rows: open
