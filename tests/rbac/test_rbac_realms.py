"""``ext:role realm``: the reference's realm names and a deployment's own are understood, an unknown
realm is a lint error, and a grant bound to a realm applies to every realm name of the same kind."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from codegen.cli import app
from codegen.reader import read_regulation
from rbac.enforcer import CasbinAccessPolicy, PolicyLoadError
from rbac.policy import write_policy_files
from rbac.principal import Identity
from registry_api.settings import AuthSettings
from schemas.realms import REFERENCE_REALM_NAMES
from tests.reader.helpers import table, wrap


def rbac_regulation(tmp_path: Path, realm: str) -> Path:
    body = table("person") + (
        '<changeSet id="rbac" author="test"><ext:rbac>'
        f'<ext:role name="officer" realm="{realm}"><ext:table name="person" read="true"/></ext:role>'
        "</ext:rbac></changeSet>"
    )
    root = tmp_path / "registry"
    (root / "data-model").mkdir(parents=True)
    (root / "data-model" / "main-liquibase.xml").write_text(wrap(body), encoding="utf-8")
    return root


def who(realm: str, *roles: str) -> Identity:
    return Identity(subject="u", realm=realm, roles=frozenset(roles))


@pytest.mark.parametrize("realm", sorted(REFERENCE_REALM_NAMES))
def test_reference_realm_names_are_accepted(tmp_path: Path, realm: str) -> None:
    regulation = read_regulation(rbac_regulation(tmp_path, realm))
    assert [d.code for d in regulation.diagnostics] == []
    assert regulation.rbac[0].realm == realm


def test_an_unknown_realm_is_an_error_naming_the_accepted_values(tmp_path: Path) -> None:
    regulation = read_regulation(rbac_regulation(tmp_path, "officers"))
    (diagnostic,) = regulation.errors
    assert diagnostic.code == "RBAC_UNKNOWN_REALM"
    assert 'realm="officers"' in diagnostic.message
    assert "citizen, citizen-portal, external-system, external-system-portal, officer, officer-portal" in (
        diagnostic.message
    )


def test_the_deployments_own_realm_names_are_accepted(tmp_path: Path) -> None:
    auth = AuthSettings(officer_realm="reg-officers")
    regulation = read_regulation(rbac_regulation(tmp_path, "reg-officers"), realms=auth.realm_names())
    assert regulation.errors == ()


def test_lint_reads_the_configured_realm_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = rbac_regulation(tmp_path, "reg-officers")
    monkeypatch.delenv("REGISTRY_AUTH__OFFICER_REALM", raising=False)
    refused = CliRunner().invoke(app, ["lint", str(root)])
    assert refused.exit_code == 1 and "RBAC_UNKNOWN_REALM" in refused.output
    monkeypatch.setenv("REGISTRY_AUTH__OFFICER_REALM", "reg-officers")
    accepted = CliRunner().invoke(app, ["lint", str(root)])
    assert accepted.exit_code == 0, accepted.output


@pytest.mark.parametrize("written", ["officer", "officer-portal"])
def test_a_grant_to_the_officer_realm_applies_to_officer_tokens(tmp_path: Path, written: str) -> None:
    regulation = read_regulation(rbac_regulation(tmp_path, written))
    write_policy_files(regulation, tmp_path / "rbac")
    policy = CasbinAccessPolicy.from_directory(tmp_path / "rbac")
    assert policy.can_read_entity(who("officer-portal", "officer"), "person")
    assert not policy.can_read_entity(who("citizen-portal", "officer"), "person")
    assert not policy.can_read_entity(who("external-system", "officer"), "person")


def test_a_deployment_realm_name_is_the_same_realm(tmp_path: Path) -> None:
    """Officers log in to the deployment's realm 'reg-officers': a grant written realm="officer"
    (reference style) applies to them."""
    regulation = read_regulation(rbac_regulation(tmp_path, "officer"))
    write_policy_files(regulation, tmp_path / "rbac")
    auth = AuthSettings(officer_realm="reg-officers")
    policy = CasbinAccessPolicy.from_directory(tmp_path / "rbac", realms=auth.realm_names())
    assert policy.can_read_entity(who("reg-officers", "officer"), "person")
    assert not policy.can_read_entity(who("citizen-portal", "officer"), "person")


def test_a_policy_granting_to_an_unknown_realm_does_not_load(tmp_path: Path) -> None:
    auth = AuthSettings(officer_realm="reg-officers")
    regulation = read_regulation(rbac_regulation(tmp_path, "reg-officers"), realms=auth.realm_names())
    write_policy_files(regulation, tmp_path / "rbac")
    with pytest.raises(PolicyLoadError, match=r"realm\(s\) reg-officers.*accepted: citizen"):
        CasbinAccessPolicy.from_directory(tmp_path / "rbac")  # a deployment that does not know it
