"""Settings as an operator gives them: command-line option > environment variable > default, and every
invalid value refused with one line naming it, before anything is started."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from codegen.cli import app as cli
from codegen.emit import generate
from codegen.reader import read_regulation
from registry_api.deploy import forget_package
from registry_api.settings import Profile, SettingsError, load_settings

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    import os

    for name in [n for n in os.environ if n.startswith("REGISTRY_")]:
        monkeypatch.delenv(name)


@pytest.fixture(scope="module")
def user_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("user-build")
    generate(read_regulation(REPO_ROOT / "examples" / "user"), out)
    forget_package("user")
    return out


def test_environment_beats_default_and_option_beats_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().profile is Profile.INTERNAL
    monkeypatch.setenv("REGISTRY_PROFILE", "ext")
    monkeypatch.setenv("REGISTRY_WORKERS", "3")
    assert load_settings().profile is Profile.EXT
    chosen = load_settings({"profile": "public"}, options={"profile": "--profile"})
    assert chosen.profile is Profile.PUBLIC and chosen.workers == 3


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        (
            "REGISTRY_PROFILE",
            "bogus",
            "REGISTRY_PROFILE=bogus: Input should be 'internal', 'ext' or 'public'",
        ),
        (
            "REGISTRY_DATABASE__URL",
            "mysql://db/x",
            "REGISTRY_DATABASE__URL=mysql://db/x: must be a PostgreSQL URL",
        ),
        ("REGISTRY_DATABASE__URL", "postgresql+psycopg://h:port/x", "REGISTRY_DATABASE__URL="),
        ("REGISTRY_S3__ENDPOINT_URL", "localhost:9000", "must be an http:// or https:// URL"),
        ("REGISTRY_AUTH__KEYCLOAK_URL", "keycloak", "REGISTRY_AUTH__KEYCLOAK_URL=keycloak: the Keycloak URL"),
        ("REGISTRY_WORKERS", "0", "REGISTRY_WORKERS=0: Input should be greater than or equal to 1"),
    ],
)
def test_invalid_values_are_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert expected in str(caught.value) and "\n" not in str(caught.value)


def test_serve_refuses_a_bogus_profile_from_the_environment(user_build: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    result = CliRunner().invoke(
        cli, ["serve", str(user_build), "--data-dir", str(data_dir)], env={"REGISTRY_PROFILE": "bogus"}
    )
    assert result.exit_code == 2
    assert "error: REGISTRY_PROFILE=bogus:" in result.output
    assert "Traceback" not in result.output
    assert not data_dir.exists()  # refused before any server started


def test_serve_refuses_a_bogus_profile_option(user_build: Path) -> None:
    result = CliRunner().invoke(cli, ["serve", str(user_build), "--profile", "bogus"])
    assert result.exit_code == 2
    assert "'bogus' is not one of" in result.output or "Invalid value" in result.output


def test_serve_checks_its_folder_before_starting_anything(tmp_path: Path) -> None:
    not_generated = tmp_path / "regulation"
    not_generated.mkdir()
    data_dir = tmp_path / "var"
    result = CliRunner().invoke(cli, ["serve", str(not_generated), "--data-dir", str(data_dir)])
    assert result.exit_code == 2
    assert "is not an output of `registry-api generate`" in result.output
    assert not data_dir.exists()


def test_serve_refuses_an_unwritable_data_dir(user_build: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = CliRunner().invoke(cli, ["serve", str(user_build), "--data-dir", str(blocker / "var")])
    assert result.exit_code == 2
    assert f"error: --data-dir={blocker / 'var'}: not a writable directory" in result.output
    from_env = CliRunner().invoke(cli, ["serve", str(user_build)], env={"REGISTRY_DATA_DIR": str(blocker)})
    assert from_env.exit_code == 2
    assert f"error: REGISTRY_DATA_DIR={blocker}: not a writable directory" in from_env.output


def test_serve_refuses_a_public_api_file_the_regulation_does_not_allow(
    user_build: Path, tmp_path: Path
) -> None:
    settings = tmp_path / "public-api.yaml"
    settings.write_text(
        "publicApi:\n  - name: everything\n    url: /user-search-by-name\n    limits: {minute: 5}\n",
        encoding="utf-8",
    )
    data_dir = tmp_path / "var"
    result = CliRunner().invoke(
        cli,
        [
            "serve",
            str(user_build),
            "--profile",
            "public",
            "--public-api",
            str(settings),
            "--data-dir",
            str(data_dir),
        ],
    )
    assert result.exit_code == 2
    assert "is not exposed with publicAccess" in result.output
    assert not (data_dir / "postgres").exists()
