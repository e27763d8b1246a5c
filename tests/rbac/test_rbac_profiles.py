"""Route plans per profile, public-API settings checks, build_security, and development tokens."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import responses
from rbac_tokens import KEYCLOAK, REPO
from typer.testing import CliRunner

from codegen.cli import app
from rbac.devkeys import dev_key_set
from rbac.errors import AuthenticationError
from rbac.keycloak import KeycloakAuthenticator
from rbac.policy import read_route_facts
from registry_api.access import AnonymousAuthenticator
from registry_api.deploy import GeneratedRegistry, build_security
from registry_api.profiles import SERVE_EVERYTHING, plan_for
from registry_api.settings import AuthSettings, Profile, Settings
from schemas.public_api import PublicApiError, load_public_api, parse_public_api

PUBLIC_API = REPO / "examples" / "user" / "public-api.yaml"


def settings(tmp_path: Path, profile: Profile = Profile.INTERNAL, **auth: object) -> Settings:
    return Settings(
        profile=profile,
        data_dir=tmp_path,
        auth=AuthSettings(keycloak_url=KEYCLOAK, **auth),  # type: ignore[arg-type]
    )


def test_internal_serves_everything(user_rbac_dir: Path) -> None:
    facts = read_route_facts(user_rbac_dir)
    assert plan_for("internal", facts.exposures, facts.sc_file_columns) is SERVE_EVERYTHING


def test_ext_serves_exposed_searches_and_their_files(user_rbac_dir: Path) -> None:
    facts = read_route_facts(user_rbac_dir)
    plan = plan_for("ext", facts.exposures, facts.sc_file_columns)
    assert plan.search_conditions == {"user_search_by_name"}  # platform + externalSystem
    assert not plan.serves_search("user_public_photo") and not plan.serves_search("city_contains_name")
    assert plan.file_columns == {("user", "photo"), ("user", "documents")}
    assert not plan.entities and not plan.presign and not plan.short_links
    assert not plan.signed_links and not plan.mint_links
    assert plan.legacy_search_paths and not plan.read_only


def test_public_serves_what_the_settings_list(user_rbac_dir: Path) -> None:
    facts = read_route_facts(user_rbac_dir)
    plan = plan_for("public", facts.exposures, facts.sc_file_columns, load_public_api(PUBLIC_API))
    assert plan.search_conditions == {"user_public_photo"}
    assert plan.file_columns == {("user", "photo")}  # documents stay private
    assert plan.read_only and not plan.entities and not plan.presign and not plan.mint_links
    assert plan.short_links  # for the published photo column only: the handler checks serves_file
    assert plan.signed_links  # the signature authorises, whatever the file
    nothing = plan_for("public", facts.exposures, facts.sc_file_columns, None)
    assert nothing.search_conditions == frozenset() and nothing.file_columns == frozenset()
    assert not nothing.short_links and nothing.signed_links


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/files/user/*/photo*", "must be exactly /files/<entity-path>/*/<field-path>/*"),
        ("/files/*/user/photo/*", "must be exactly"),
        ("/user-*", "'*' is allowed only as"),
        ("/files/user/*/email/*", "not a file column returned by a search condition with publicAccess"),
        ("/files/user/*/documents/*", "not a file column returned by a search condition with publicAccess"),
        ("/user-search-by-name", "is not exposed with publicAccess"),
        ("/no-such-search", "names no search condition"),
    ],
)
def test_bad_public_urls_are_rejected_with_a_message(user_rbac_dir: Path, url: str, message: str) -> None:
    facts = read_route_facts(user_rbac_dir)
    published = parse_public_api({"publicApi": [{"name": "bad-entry", "url": url, "limits": {"minute": 1}}]})
    with pytest.raises(PublicApiError) as caught:
        plan_for("public", facts.exposures, facts.sc_file_columns, published)
    assert message in str(caught.value) and "bad-entry" in str(caught.value)


def test_build_security_per_profile(user_registry: GeneratedRegistry, tmp_path: Path) -> None:
    internal = build_security(settings(tmp_path), user_registry)
    assert isinstance(internal.authenticator, KeycloakAuthenticator)
    assert {r.name for r in internal.authenticator.realms} == {
        "officer-portal",
        "citizen-portal",
        "external-system",
    }
    ext = build_security(settings(tmp_path, Profile.EXT, namespace="reg"), user_registry)
    assert isinstance(ext.authenticator, KeycloakAuthenticator)
    assert [r.issuer for r in ext.authenticator.realms] == [f"{KEYCLOAK}/realms/reg-external-system"]
    public = build_security(settings(tmp_path, Profile.PUBLIC), user_registry)  # the baked public API
    assert isinstance(public.authenticator, AnonymousAuthenticator)
    anonymous = public.authenticator.authenticate({})
    assert public.access.can_search(anonymous, "user_public_photo")
    assert not public.access.can_search(anonymous, "user_search_by_name")
    assert public.access.can_read_file(anonymous, "user", "photo")
    assert not public.access.can_read_file(anonymous, "user", "documents")


def test_dev_token_is_trusted_only_with_dev_auth(
    user_registry: GeneratedRegistry, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    env = {"REGISTRY_AUTH__KEYCLOAK_URL": KEYCLOAK}
    dev_key_set(tmp_path)  # what `serve --dev-auth` does at start: the key exists before any token
    result = CliRunner().invoke(
        app,
        [
            "dev-token",
            "--realm",
            "officer-portal",
            "--role",
            "officer",
            "--role",
            "auditor",
            "--sub",
            "dev-1",
            "--data-dir",
            str(tmp_path),
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    key_file = tmp_path / "dev-auth" / "signing-key.json"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

    with caplog.at_level("WARNING"):
        dev = build_security(settings(tmp_path), user_registry, dev_auth=True)
    assert "DEVELOPMENT AUTHENTICATION IS ON" in caplog.text
    assert isinstance(dev.authenticator, KeycloakAuthenticator)
    identity = dev.authenticator.verify(token)
    assert identity.subject == "dev-1" and identity.roles == {"officer", "auditor"}
    assert identity.realm == "officer-portal"

    strict = build_security(settings(tmp_path), user_registry)
    assert isinstance(strict.authenticator, KeycloakAuthenticator)
    with responses.RequestsMock() as keycloak, pytest.raises(AuthenticationError):
        keycloak.get(f"{KEYCLOAK}/realms/officer-portal/protocol/openid-connect/certs", json={"keys": []})
        strict.authenticator.verify(token)  # the realm's own keys do not include the development key
    ext = build_security(settings(tmp_path, Profile.EXT), user_registry, dev_auth=True)
    assert isinstance(ext.authenticator, KeycloakAuthenticator)
    with pytest.raises(AuthenticationError):
        ext.authenticator.verify(token)  # officer-portal is not accepted by ext, dev key or not


def test_dev_token_needs_the_key_a_service_trusts(tmp_path: Path) -> None:
    """A mistyped --data-dir is an error, not a fresh key no service knows."""
    result = CliRunner().invoke(
        app, ["dev-token", "--realm", "officer-portal", "--role", "officer", "--data-dir", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert f"no development key at {tmp_path / 'dev-auth' / 'signing-key.json'}" in result.output
    assert "serve --dev-auth" in result.output
    assert not (tmp_path / "dev-auth").exists()


def test_dev_token_refuses_an_unknown_realm_and_names_the_accepted_ones(tmp_path: Path) -> None:
    dev_key_set(tmp_path)
    result = CliRunner().invoke(
        app, ["dev-token", "--realm", "officer", "--role", "officer", "--data-dir", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "--realm officer: not a realm the service accepts" in result.output
    assert "officer-portal, citizen-portal, external-system" in result.output


def test_dev_token_carries_extra_claims(user_registry: GeneratedRegistry, tmp_path: Path) -> None:
    """``--claim`` adds the claims row-level security reads; a repeated name is a list."""
    dev_key_set(tmp_path)  # what `serve --dev-auth` creates
    arguments = ["dev-token", "--realm", "officer-portal", "--role", "officer", "--data-dir", str(tmp_path)]
    claims = ["--claim", "katottg=UA05", "--claim", "katottg=UA07", "--claim", "edrpou=12345678"]
    env = {"REGISTRY_AUTH__KEYCLOAK_URL": KEYCLOAK}
    result = CliRunner().invoke(app, [*arguments, *claims], env=env)
    assert result.exit_code == 0, result.output
    dev = build_security(settings(tmp_path), user_registry, dev_auth=True)
    assert isinstance(dev.authenticator, KeycloakAuthenticator)
    identity = dev.authenticator.verify(result.output.strip())
    assert identity.claims["katottg"] == ["UA05", "UA07"] and identity.claims["edrpou"] == "12345678"
    for bad in ("katottg", "realm_access=x", "=x"):
        refused = CliRunner().invoke(app, [*arguments, "--claim", bad], env=env)
        assert refused.exit_code == 2, bad
