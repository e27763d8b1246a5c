"""docker-compose.yml, checked without Docker (none in CI): structure, settings names, ports, health.

These tests catch the mistakes that make a compose file fail only when someone finally runs it: an
environment variable the service silently ignores, a port clash, a service started before its
database, a realm name that does not match what the service accepts.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from registry_api.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
PROFILES = {"api-internal": "internal", "api-ext": "ext", "api-public": "public"}
ONE_SHOT = {"migrate", "minio-buckets"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def setting_exists(variable: str) -> bool:
    """``REGISTRY_S3__ENDPOINT_URL`` → Settings().s3.endpoint_url, walking the nested models."""
    path = variable.removeprefix("REGISTRY_").lower().split("__")
    model: type[BaseModel] = Settings
    for index, name in enumerate(path):
        field = model.model_fields.get(name)
        if field is None:
            return False
        annotation = field.annotation
        if index < len(path) - 1:
            if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
                return False
            model = annotation
    return True


def test_the_stack_has_every_part(services: dict[str, dict[str, Any]]) -> None:
    assert set(services) == {"postgres", "minio", "minio-buckets", "keycloak", "migrate", *PROFILES}


def test_each_profile_runs_the_same_image_with_its_profile(services: dict[str, dict[str, Any]]) -> None:
    images = {services[name]["image"] for name in PROFILES}
    assert len(images) == 1
    for name, profile in PROFILES.items():
        command = services[name]["command"]
        assert command[:2] == ["serve", "build/user"] and command[-1] == "--no-migrate"  # the migrate service
        assert command[command.index("--profile") + 1] == profile
        assert services[name]["environment"]["REGISTRY_PROFILE"] == profile
        assert services[name]["build"]["dockerfile"] == "Dockerfile"
    assert (REPO_ROOT / "Dockerfile").is_file()
    dockerfile = (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "ARG REGISTRY=user" in dockerfile and '--out "/app/build/${REGISTRY}"' in dockerfile


def test_every_registry_variable_is_a_real_setting(services: dict[str, dict[str, Any]]) -> None:
    variables = {
        variable
        for service in services.values()
        for variable in (service.get("environment") or {})
        if variable.startswith("REGISTRY_")
    }
    assert "REGISTRY_DATABASE__URL" in variables
    unknown = sorted(v for v in variables if not setting_exists(v))
    assert unknown == [], f"ignored by registry_api.settings.Settings: {unknown}"


def test_ports_are_local_and_distinct(services: dict[str, dict[str, Any]]) -> None:
    published = [port for service in services.values() for port in service.get("ports", [])]
    assert all(port.startswith("127.0.0.1:") for port in published), published
    host_ports = [port.split(":")[1] for port in published]
    assert len(host_ports) == len(set(host_ports))
    assert [services[name]["ports"] for name in PROFILES] == [
        ["127.0.0.1:8000:8080"],
        ["127.0.0.1:8001:8080"],
        ["127.0.0.1:8002:8080"],
    ]


def test_long_running_services_have_health_checks(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        if name in ONE_SHOT:
            assert service["restart"] == "no"
            continue
        check = service.get("healthcheck", {})
        assert check.get("test") and not check.get("disable"), name


def test_services_start_after_what_they_need(services: dict[str, dict[str, Any]]) -> None:
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert services["migrate"]["command"] == ["migrate", "build/user/regulation"]  # the image's tree
    for name in PROFILES:
        needs = services[name]["depends_on"]
        assert needs["migrate"] == {"condition": "service_completed_successfully"}
        assert needs["minio-buckets"] == {"condition": "service_completed_successfully"}
        assert needs["keycloak"] == {"condition": "service_healthy"}


def test_buckets_match_the_settings(services: dict[str, dict[str, Any]]) -> None:
    defaults = Settings().s3
    script = " ".join(services["minio-buckets"]["entrypoint"])
    assert f"registry/{defaults.registry_bucket}" in script
    assert f"registry/{defaults.staging_bucket}" in script


def test_keycloak_issues_tokens_the_services_accept(services: dict[str, dict[str, Any]]) -> None:
    keycloak = services["keycloak"]
    api_env = services["api-internal"]["environment"]
    # The issuer the services expect is the one Keycloak writes, from the host and from containers.
    assert keycloak["environment"]["KC_HOSTNAME"] == api_env["REGISTRY_AUTH__KEYCLOAK_URL"]
    mount = next(v for v in keycloak["volumes"] if v.endswith(":/opt/keycloak/data/import:ro"))
    realm_dir = REPO_ROOT / mount.split(":")[0]
    realms = {
        path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(realm_dir.glob("*.json"))
    }
    auth = Settings().auth
    expected = {auth.officer_realm, auth.citizen_realm, auth.external_system_realm}
    assert {realm["realm"] for realm in realms.values()} == expected

    # Every realm role the example regulation grants exists in its realm.
    rbac = (REPO_ROOT / "examples" / "user" / "data-model" / "rbac.xml").read_text(encoding="utf-8")
    for role, realm_name in set(re.findall(r'<ext:role name="([^"]+)" realm="([^"]+)"', rbac)):
        roles = {r["name"] for r in realms[realm_name]["roles"]["realm"]}
        assert role in roles, (role, realm_name)
