"""Offline validation of rendered manifests: Kubernetes objects against the Kubernetes OpenAPI
schemas that the ``kubernetes-validate`` package ships (strict: an unknown field is an error, as
``kubectl apply --validate=strict`` makes it), Istio resources against the vendored Istio CRDs
(``istio.validate``), and the rate limit service's configuration against what its loader accepts."""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import yaml

from istio.ratelimit import check_service_config
from istio.validate import validate_resource

KUBERNETES_VERSION = "1.30.0"  # the oldest release the manifests target (policy/v1, batch/v1 Jobs)
_ISTIO_GROUPS = ("networking.istio.io/", "security.istio.io/")


def problems_of(body: dict[str, Any], *, version: str = KUBERNETES_VERSION) -> list[str]:
    """Every problem of one object (none: it validates)."""
    name = f"{body.get('kind')}/{body.get('metadata', {}).get('name')}"
    if str(body.get("apiVersion", "")).startswith(_ISTIO_GROUPS):
        return [f"{name}: {problem}" for problem in validate_resource(body)]
    try:
        kubernetes_validate.validate(body, version, strict=True)
    except kubernetes_validate.ValidationError as error:
        location = ".".join(str(part) for part in error.path)
        return [f"{name}: {location}: {error.message}"]
    except (kubernetes_validate.SchemaNotFoundError, kubernetes_validate.InvalidSchemaError) as error:
        return [f"{name}: no Kubernetes {version} schema for it: {error}"]
    problems: list[str] = []
    if body.get("kind") == "ConfigMap" and "config.yaml" in body.get("data", {}):
        config = yaml.safe_load(body["data"]["config.yaml"])
        problems += [f"{name}: {problem}" for problem in check_service_config(config, "config.yaml")]
    return problems
