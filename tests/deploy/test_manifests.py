"""``registry-api deploy``: the rendered release of the user example and the training registry
validates offline (Kubernetes schemas of ``kubernetes-validate``, the Istio CRDs, the rate limit
service's loader rules), matches its golden copy, and carries what an operator relies on."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from codegen.cli import app
from codegen.deploy import DeployValues, write_manifests
from codegen.deploy.validate import problems_of
from codegen.emit import generate
from codegen.reader import read_regulation
from registry_api.deploy import forget_package

REPO_ROOT = Path(__file__).resolve().parents[2]
GOLDEN = REPO_ROOT / "tests" / "golden" / "deploy"
USER = REPO_ROOT / "examples" / "user"


def _tree(case: str, root: Path, shared_dir: Path) -> Path:
    out = root / case
    if case == "user":
        generate(read_regulation(USER), out, public_api_file=USER / "public-api.yaml")
    else:
        generate(read_regulation(shared_dir / "regulations" / "assembled" / "training-registry"), out)
    return out


def _render(case: str, tmp_path: Path, shared_dir: Path) -> dict[str, str]:
    tree = _tree(case, tmp_path / "trees", shared_dir)
    out = tmp_path / "deploy"
    try:
        write_manifests(tree, out, DeployValues())
    finally:
        forget_package(tree.name.replace("-", "_"))
    return {p.relative_to(out).as_posix(): p.read_text(encoding="utf-8") for p in sorted(out.rglob("*.yaml"))}


def _objects(files: dict[str, str]) -> dict[str, dict[str, Any]]:
    return {name: yaml.safe_load(text) for name, text in files.items() if name != "kustomization.yaml"}


@pytest.mark.parametrize("case", ["user", "training-registry"])
def test_rendered_release_validates_and_matches_its_golden_copy(
    case: str, tmp_path: Path, shared_dir: Path
) -> None:
    files = _render(case, tmp_path, shared_dir)
    for name, body in _objects(files).items():
        assert problems_of(body) == [], name  # again, from the written files
    expected_dir = GOLDEN / case
    if os.environ.get("REGEN_GOLDEN"):
        for old in [p for p in expected_dir.rglob("*") if p.is_file()]:
            old.unlink()
        for name, text in files.items():
            (expected_dir / name).parent.mkdir(parents=True, exist_ok=True)
            (expected_dir / name).write_text(text, encoding="utf-8")
    expected = {p.relative_to(expected_dir).as_posix(): p.read_text(encoding="utf-8")
                for p in sorted(expected_dir.rglob("*.yaml"))}  # fmt: skip
    assert sorted(files) == sorted(expected), "the set of rendered files changed (REGEN_GOLDEN=1 to accept)"
    for name, text in expected.items():
        assert files[name] == text, f"{name} differs from its golden copy (REGEN_GOLDEN=1 to accept)"
    kustomization = yaml.safe_load(files["kustomization.yaml"])
    assert kustomization["resources"] == sorted(n for n in files if n != "kustomization.yaml")


def test_the_validation_catches_what_kubectl_would_refuse() -> None:
    container = {"name": "a", "imagePullPolicy": "Sometimes", "bogus": 1}
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "x"},
        "spec": {"selector": {}, "template": {"spec": {"containers": [container]}}},
    }
    problems = problems_of(deployment)
    assert problems and "Deployment/x" in problems[0]
    config_yaml = (
        "domain: d\ndescriptors:\n- key: generic_key\n  rate_limit: {unit: fortnight, requests_per_unit: 1}\n"
    )
    config = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "rl"},
        "data": {"config.yaml": config_yaml},
    }
    assert any("unit must be one of" in p for p in problems_of(config))


def test_pods_are_hardened_and_probed(tmp_path: Path, shared_dir: Path) -> None:
    objects = _objects(_render("user", tmp_path, shared_dir))
    deployments = {b["metadata"]["name"]: b for b in objects.values() if b["kind"] == "Deployment"}
    for name in ("user-rest-api", "user-rest-api-ext", "user-rest-api-public"):
        pod = deployments[name]["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        assert container["args"] == ["serve", "/app/build/user", "--no-migrate"]
        env = {e["name"]: e for e in container["env"]}
        assert (
            env["REGISTRY_PROFILE"]["value"] == name.removeprefix("user-rest-api").lstrip("-") or "internal"
        )
        assert env["REGISTRY_DATABASE__URL"]["valueFrom"]["secretKeyRef"] == {
            "name": "user-database",
            "key": "url",
        }
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]
        assert container["livenessProbe"]["httpGet"]["path"] == "/actuator/health/liveness"
        assert container["readinessProbe"]["httpGet"]["path"] == "/actuator/health/readiness"
        assert container["resources"]["requests"] and container["resources"]["limits"]
    services = [
        b
        for b in objects.values()
        if b["kind"] == "Service" and b["metadata"]["name"].startswith("user-rest")
    ]
    assert len(services) == 3 and all([p["name"] for p in s["spec"]["ports"]] == ["http"] for s in services)
    assert len([b for b in objects.values() if b["kind"] == "PodDisruptionBudget"]) == 3
    (job,) = [b for b in objects.values() if b["kind"] == "Job"]
    assert job["spec"]["template"]["spec"]["containers"][0]["args"][:2] == [
        "migrate",
        "/app/build/user/regulation",
    ]


def test_public_entries_are_limited_per_client_by_the_global_service(
    tmp_path: Path, shared_dir: Path
) -> None:
    objects = _objects(_render("user", tmp_path, shared_dir))
    (config_map,) = [b for b in objects.values() if b["metadata"]["name"] == "user-ratelimit-config"]
    config = yaml.safe_load(config_map["data"]["config.yaml"])
    assert config["domain"] == "user-public-api"
    photo = [d for d in config["descriptors"] if d["value"] == "user-public-photo-minute"]
    per_client = {"key": "remote_address", "rate_limit": {"unit": "minute", "requests_per_unit": 60}}
    assert photo == [{"key": "generic_key", "value": "user-public-photo-minute", "descriptors": [per_client]}]
    (envoy_filter,) = [
        b for b in objects.values() if b["metadata"]["name"] == "user-public-global-rate-limit"
    ]
    actions = {
        p["match"]["routeConfiguration"]["vhost"]["route"]["name"]: p["patch"]["value"]["route"][
            "rate_limits"
        ]
        for p in envoy_filter["spec"]["configPatches"][1:]
    }
    assert actions["user-public-user-public-photo"] == [
        {
            "stage": 1,
            "actions": [
                {"generic_key": {"descriptor_value": "user-public-photo-minute"}},
                {"remote_address": {}},
            ],
        },
        {
            "stage": 1,
            "actions": [
                {"generic_key": {"descriptor_value": "user-public-photo-hour"}},
                {"remote_address": {}},
            ],
        },
    ]


def test_deploy_command_renders_with_values_and_refuses_bad_ones(tmp_path: Path, shared_dir: Path) -> None:
    tree = _tree("user", tmp_path / "trees", shared_dir)
    values = tmp_path / "values.yaml"
    values.write_text("image: registry.example.org/user:1.2.3\ninternal: {replicas: 3}\n", encoding="utf-8")
    try:
        result = CliRunner().invoke(
            app, ["deploy", str(tree), "--out", str(tmp_path / "out"), "--values", str(values)]
        )
        assert result.exit_code == 0, result.output
        internal = yaml.safe_load((tmp_path / "out" / "kubernetes" / "user-rest-api.yaml").read_text())
        assert internal["spec"]["replicas"] == 3
        assert (
            internal["spec"]["template"]["spec"]["containers"][0]["image"]
            == "registry.example.org/user:1.2.3"
        )
        values.write_text("internal: {replicas: 0}\n", encoding="utf-8")
        refused = CliRunner().invoke(
            app, ["deploy", str(tree), "--out", str(tmp_path / "out2"), "--values", str(values)]
        )
        assert refused.exit_code == 2 and "internal.replicas" in refused.output
        assert not (tmp_path / "out2").exists()
    finally:
        forget_package("user")
