"""``registry-api istio``: writes all profiles, refuses bad input without writing, checks folders."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from codegen.cli import app

REPO_ROOT = Path(__file__).resolve().parents[2]
USER = REPO_ROOT / "examples" / "user"
runner = CliRunner()


def test_generate_and_check(tmp_path: Path) -> None:
    out = tmp_path / "istio"
    result = runner.invoke(
        app, ["istio", str(USER), "--out", str(out), "--public-api", str(USER / "public-api.yaml")]
    )
    assert result.exit_code == 0, result.output
    assert len(list(out.rglob("*.yaml"))) == 13
    checked = runner.invoke(app, ["istio", "--check", str(out)])
    assert checked.exit_code == 0 and "valid" in checked.output


def test_settings_file_changes_names(tmp_path: Path) -> None:
    settings = tmp_path / "istio-settings.yaml"
    settings.write_text(
        "namespace: registry-prod\nkeycloak_url: https://sso.gov.example/\nrealm_prefix: prod\n"
        "ext: {service: users-ext, app: users-ext}\n",
        encoding="utf-8",
    )
    out = tmp_path / "istio"
    result = runner.invoke(app, ["istio", str(USER), "--out", str(out), "--settings", str(settings)])
    assert result.exit_code == 0, result.output
    text = (out / "ext" / "user-ext-request-authentication.yaml").read_text(encoding="utf-8")
    assert "namespace: registry-prod" in text and "app: users-ext" in text
    assert "issuer: https://sso.gov.example/realms/prod-external-system" in text
    assert f"# settings: {settings}" in text


def test_misconfigured_public_api_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "public-api.yaml"
    bad.write_text(
        "publicApi:\n  - name: user-documents\n    url: /files/user/*/documents/*\n    limits: {minute: 5}\n",
        encoding="utf-8",
    )
    out = tmp_path / "istio"
    result = runner.invoke(app, ["istio", str(USER), "--out", str(out), "--public-api", str(bad)])
    assert result.exit_code == 1
    assert "'user-documents'" in result.output and "user.documents" in result.output
    assert not out.exists()


def test_month_limits_are_counted_by_the_global_service_only(tmp_path: Path) -> None:
    """A monthly quota needs counters that outlive gateway restarts: the global service (Redis) counts
    it per client; no local token bucket pretends to."""
    monthly = tmp_path / "public-api.yaml"
    monthly.write_text(
        "publicApi:\n  - name: photos\n    url: /user-public-photo\n    limits: {month: 5}\n",
        encoding="utf-8",
    )
    out = tmp_path / "istio"
    result = runner.invoke(app, ["istio", str(USER), "--out", str(out), "--public-api", str(monthly)])
    assert result.exit_code == 0, result.output
    local = yaml.safe_load((out / "public" / "user-public-rate-limit.yaml").read_text())
    patched = [
        p["match"]["routeConfiguration"]["vhost"]["route"]["name"] for p in local["spec"]["configPatches"][1:]
    ]
    assert "user-public-photos" not in patched  # no local bucket pretends to count a month
    envoy_filter = yaml.safe_load((out / "public" / "user-public-global-rate-limit.yaml").read_text())
    (route,) = envoy_filter["spec"]["configPatches"][1:]
    assert route["patch"]["value"]["route"]["rate_limits"] == [
        {
            "stage": 1,
            "actions": [{"generic_key": {"descriptor_value": "photos-month"}}, {"remote_address": {}}],
        }
    ]


def test_bad_settings_file_writes_nothing(tmp_path: Path) -> None:
    settings = tmp_path / "istio-settings.yaml"
    settings.write_text("namespace: Not_Valid\nkeycloak: x\n", encoding="utf-8")
    out = tmp_path / "istio"
    result = runner.invoke(app, ["istio", str(USER), "--out", str(out), "--settings", str(settings)])
    assert result.exit_code == 1 and "namespace" in result.output and "keycloak" in result.output
    assert not out.exists()


def test_regulation_with_errors_writes_nothing(tmp_path: Path) -> None:
    broken = REPO_ROOT.parent / "shared" / "regulations" / "edp-ddm-registry-regulations-validator-cli"
    changelog = next(broken.glob("*broken__main-liquibase__*.xml"))
    out = tmp_path / "istio"
    result = runner.invoke(app, ["istio", str(changelog), "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert "has errors" in result.output and not out.exists()


def test_check_reports_hand_edited_mistakes(tmp_path: Path) -> None:
    out = tmp_path / "istio"
    runner.invoke(app, ["istio", str(USER), "--out", str(out), "--public-api", str(USER / "public-api.yaml")])
    policy = out / "public" / "user-public-allow.yaml"
    policy.write_text(
        policy.read_text(encoding="utf-8")
        .replace("/{*}/photo/{*}", "/*/photo/*")
        .replace("action: ALLOW", "action: PERMIT"),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["istio", "--check", str(out)])
    assert result.exit_code == 1
    assert "user-public-allow.yaml" in result.output and "PERMIT" in result.output and "'*'" in result.output


def test_usage_errors() -> None:
    assert runner.invoke(app, ["istio"]).exit_code == 2
    assert runner.invoke(app, ["istio", str(USER), "--check", "x"]).exit_code == 2


def test_service_settings_from_generate_are_understood(tmp_path: Path) -> None:
    """``generate`` passes the service's own Settings; the shared facts carry over."""
    from codegen.reader import read_regulation
    from istio.emit import write_istio
    from registry_api.settings import AuthSettings, Settings

    service = Settings(
        api_root="/api/v2/df", auth=AuthSettings(keycloak_url="https://sso.example.org", namespace="prod")
    )
    write_istio(read_regulation(USER), tmp_path, settings=service)
    text = (tmp_path / "ext" / "user-ext-allow.yaml").read_text(encoding="utf-8")
    assert "/api/v2/df/search/user-search-by-name" in text
    assert "https://sso.example.org/realms/prod-external-system/*" in text
    assert "namespace: prod" in text
