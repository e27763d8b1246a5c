"""Builders of the Kubernetes manifests of one registry: pure functions of the values, the output
tree's facts and the Istio resources, returning plain dicts in a fixed order.

One image runs everything: the migration Job (``registry-api migrate``, named after the release so it
runs once per release) and the three Deployments (``registry-api serve --no-migrate``, profile from
``REGISTRY_PROFILE``), each with its Service and PodDisruptionBudget. Pods run as a non-root user on a
read-only root filesystem with only ``/tmp`` writable (an ``emptyDir``: the service writes nothing
else; ``serve --workers`` keeps its metrics files there). The readiness probe waits for the database,
S3 and the release's migration; the liveness probe only for the process.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from codegen.deploy.values import DeployValues, ProfileValues, SecretKey
from istio.ratelimit import service_config
from istio.settings import IstioSettings, Profile
from schemas.public_api import PublicTarget

API_PORT_NAME = "http"
METRICS_PORT_NAME = "http-metrics"
LIVENESS = "/actuator/health/liveness"
READINESS = "/actuator/health/readiness"
TMP_VOLUME = "tmp"
MANAGED_BY = {"app.kubernetes.io/managed-by": "registry-api"}
RATELIMIT_GRPC_PORT_NAME = "grpc"
REDIS_PORT = 6379


@dataclass(frozen=True)
class Manifest:
    """One Kubernetes object; ``name`` is also its file stem."""

    name: str
    body: dict[str, Any]

    @property
    def filename(self) -> str:
        return f"{self.name}.yaml"

    @property
    def kind(self) -> str:
        return str(self.body["kind"])


@dataclass(frozen=True)
class Release:
    """What the manifests take from the output tree."""

    registry: str  # DNS name (``IstioSettings.registry``)
    package: str
    changesets_digest: str  # of the tree's changesets.json: a new regulation is a new release


def _meta(name: str, namespace: str, component: str, **extra: Any) -> dict[str, Any]:
    labels = {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": "registry-data-factory",
        **MANAGED_BY,
    }
    return {"name": name, "namespace": namespace, "labels": labels, **extra}


def _namespace(istio: IstioSettings) -> str:
    assert istio.namespace is not None, "IstioSettings.for_registry() resolves the namespace"
    return istio.namespace


def _secret_name(key: SecretKey, default: str) -> str:
    return key.secret or default


def _container_security() -> dict[str, Any]:
    return {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
    }


def _pod_security(values: DeployValues) -> dict[str, Any]:
    return {
        "runAsNonRoot": True,
        "runAsUser": values.run_as_user,
        "runAsGroup": values.run_as_user,
        "fsGroup": values.run_as_user,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def config_map_name(release: Release) -> str:
    return f"{release.registry}-rest-api-config"


def tree_path(values: DeployValues, release: Release) -> str:
    return values.tree or f"/app/build/{release.registry}"


def settings_config_map(values: DeployValues, istio: IstioSettings, release: Release) -> Manifest:
    """The service settings every pod shares (``REGISTRY_*``, docs/configuration.md); no secrets."""
    data = {
        "REGISTRY_API_ROOT": istio.api_root,
        "REGISTRY_HOST": "0.0.0.0",  # noqa: S104 - in a pod, behind its sidecar
        "REGISTRY_METRICS__HOST": "0.0.0.0",  # noqa: S104
        "REGISTRY_METRICS__PORT": str(values.metrics_port),
        "REGISTRY_LOG__FORMAT": "json",
        "REGISTRY_DATA_DIR": "/tmp/registry",  # noqa: S108 - the pod's emptyDir; nothing is kept there
        "REGISTRY_S3__ENDPOINT_URL": values.s3.endpoint_url,
        "REGISTRY_S3__REGION": values.s3.region,
        "REGISTRY_S3__REGISTRY_BUCKET": values.s3.registry_bucket,
        "REGISTRY_S3__STAGING_BUCKET": values.s3.staging_bucket,
        "REGISTRY_AUTH__KEYCLOAK_URL": istio.keycloak_url,
        "REGISTRY_AUTH__OFFICER_REALM": istio.realms.officer,
        "REGISTRY_AUTH__CITIZEN_REALM": istio.realms.citizen,
        "REGISTRY_AUTH__EXTERNAL_SYSTEM_REALM": istio.realms.external_system,
        "REGISTRY_DATABASE__MIGRATION_LOCK_WAIT_S": str(values.migration.lock_wait_s),
    }
    if istio.realm_prefix:
        data["REGISTRY_AUTH__NAMESPACE"] = istio.realm_prefix
    if values.s3.public_endpoint_url:
        data["REGISTRY_S3__PUBLIC_ENDPOINT_URL"] = values.s3.public_endpoint_url
    if values.links.base_url:
        data["REGISTRY_LINKS__BASE_URL"] = values.links.base_url
    name = config_map_name(release)
    return Manifest(
        name,
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": _meta(name, _namespace(istio), "config"),
            "data": dict(sorted(data.items())),
        },
    )


def _secret_env(values: DeployValues, release: Release) -> list[dict[str, Any]]:
    def ref(name: str, key: SecretKey, default: str) -> dict[str, Any]:
        return {
            "name": name,
            "valueFrom": {"secretKeyRef": {"name": _secret_name(key, default), "key": key.key}},
        }

    database = f"{release.registry}-database"
    s3 = f"{release.registry}-s3"
    return [
        ref("REGISTRY_DATABASE__URL", values.database.url, database),
        ref("REGISTRY_S3__ACCESS_KEY", values.s3.access_key, s3),
        ref("REGISTRY_S3__SECRET_KEY", values.s3.secret_key, s3),
    ]


def _tmp_volume() -> dict[str, Any]:
    return {"name": TMP_VOLUME, "emptyDir": {"sizeLimit": "256Mi"}}


def _container(
    values: DeployValues, release: Release, name: str, args: list[str], env: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "name": name,
        "image": values.image,
        "imagePullPolicy": values.image_pull_policy,
        "args": args,
        "envFrom": [{"configMapRef": {"name": config_map_name(release)}}],
        "env": [*env, *_secret_env(values, release)],
        "securityContext": _container_security(),
        "volumeMounts": [{"name": TMP_VOLUME, "mountPath": "/tmp"}],  # noqa: S108
    }


def _resources(profile: ProfileValues) -> dict[str, Any]:
    return {
        "requests": {"cpu": profile.resources.requests.cpu, "memory": profile.resources.requests.memory},
        "limits": {"cpu": profile.resources.limits.cpu, "memory": profile.resources.limits.memory},
    }


def migration_job(values: DeployValues, istio: IstioSettings, release: Release) -> Manifest:
    """``registry-api migrate`` of the tree's regulation copy, once per release: the name carries a
    digest of the image and the regulation's changesets, so a new release is a new Job (a Job's
    template cannot change) and re-applying the same release changes nothing."""
    digest = hashlib.sha256(f"{values.image}\n{release.changesets_digest}".encode()).hexdigest()[:10]
    name = f"{release.registry}-migrate-{digest}"
    tree = tree_path(values, release)
    args = ["migrate", f"{tree}/regulation", "--contexts", values.migration.contexts]
    container = _container(values, release, "migrate", args, [])
    container["resources"] = {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}}
    pod = {
        "metadata": {
            "labels": {"app.kubernetes.io/name": f"{release.registry}-migrate", **MANAGED_BY},
            # The sidecar would keep the Job's pod running after the migration: none for it.
            "annotations": {"sidecar.istio.io/inject": "false"},
        },
        "spec": {
            "restartPolicy": "OnFailure",
            "automountServiceAccountToken": False,
            "securityContext": _pod_security(values),
            "containers": [container],
            "volumes": [_tmp_volume()],
        },
    }
    return Manifest(
        name,
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": _meta(name, _namespace(istio), "migration"),
            "spec": {
                "backoffLimit": values.migration.backoff_limit,
                "ttlSecondsAfterFinished": 604800,
                "template": pod,
            },
        },
    )


def _probe(path: str, *, period: int, failures: int) -> dict[str, Any]:
    return {
        "httpGet": {"path": path, "port": API_PORT_NAME},
        "periodSeconds": period,
        "timeoutSeconds": 5,
        "failureThreshold": failures,
    }


def deployment(values: DeployValues, istio: IstioSettings, release: Release, profile: Profile) -> Manifest:
    spec = istio.deployment(profile)
    chosen: ProfileValues = getattr(values, profile.value)
    env: list[dict[str, Any]] = [
        {"name": "REGISTRY_PROFILE", "value": profile.value},
        {"name": "REGISTRY_PORT", "value": str(spec.port)},
        {"name": "REGISTRY_WORKERS", "value": str(chosen.workers)},
    ]
    if profile is not Profile.EXT:  # signed links are minted on internal and opened on internal and public
        links = values.links.signing_keys
        secret = {
            "name": _secret_name(links, f"{release.registry}-links"),
            "key": links.key,
            "optional": True,
        }
        env.append({"name": "REGISTRY_LINKS__SIGNING_KEYS", "valueFrom": {"secretKeyRef": secret}})
    container = _container(values, release, "api", ["serve", tree_path(values, release), "--no-migrate"], env)
    container["ports"] = [
        {"name": API_PORT_NAME, "containerPort": spec.port, "protocol": "TCP"},
        {"name": METRICS_PORT_NAME, "containerPort": values.metrics_port, "protocol": "TCP"},
    ]
    container["resources"] = _resources(chosen)
    container["startupProbe"] = _probe(LIVENESS, period=2, failures=60)
    container["livenessProbe"] = _probe(LIVENESS, period=10, failures=3)
    container["readinessProbe"] = _probe(READINESS, period=5, failures=2)
    labels = {"app": spec.app, "app.kubernetes.io/component": profile.value}
    pod = {
        "metadata": {
            "labels": {**labels, **MANAGED_BY},
            "annotations": {
                "prometheus.io/scrape": "true",
                "prometheus.io/port": str(values.metrics_port),
                "prometheus.io/path": "/metrics",
            },
        },
        "spec": {
            "automountServiceAccountToken": False,
            "securityContext": _pod_security(values),
            "terminationGracePeriodSeconds": 30,
            "containers": [container],
            "volumes": [_tmp_volume()],
        },
    }
    return Manifest(
        spec.service,
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": _meta(spec.service, _namespace(istio), profile.value),
            "spec": {
                "replicas": chosen.replicas,
                "selector": {"matchLabels": {"app": spec.app}},
                "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
                "template": pod,
            },
        },
    )


def service(istio: IstioSettings, profile: Profile) -> Manifest:
    """The API port only: the metrics port is scraped on the pods, never offered to callers."""
    spec = istio.deployment(profile)
    return Manifest(
        f"{spec.service}-service",
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": _meta(spec.service, _namespace(istio), profile.value),
            "spec": {
                "selector": {"app": spec.app},
                "ports": [
                    {"name": API_PORT_NAME, "port": spec.port, "targetPort": API_PORT_NAME, "protocol": "TCP"}
                ],
            },
        },
    )


def disruption_budget(values: DeployValues, istio: IstioSettings, profile: Profile) -> Manifest:
    spec = istio.deployment(profile)
    chosen: ProfileValues = getattr(values, profile.value)
    return Manifest(
        f"{spec.service}-pdb",
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": _meta(spec.service, _namespace(istio), profile.value),
            "spec": {"minAvailable": chosen.min_available, "selector": {"matchLabels": {"app": spec.app}}},
        },
    )


# ---------------------------------------------------------------------------------------------
# The global rate limit service (public profile)


def _ratelimit_names(istio: IstioSettings) -> tuple[str, str]:
    service_name = istio.global_rate_limit.service
    assert service_name is not None, "IstioSettings.for_registry() resolves the service name"
    return service_name, f"{service_name}-redis"


def ratelimit_manifests(
    values: DeployValues, istio: IstioSettings, targets: tuple[PublicTarget, ...]
) -> list[Manifest]:
    """envoyproxy/ratelimit with its configuration and a Redis for its counters, in the registry's
    namespace; the gateway reaches it over gRPC (``istio.build.global_rate_limit``)."""
    import yaml

    namespace = _namespace(istio)
    name, redis = _ratelimit_names(istio)
    config = yaml.safe_dump(service_config(istio, targets), sort_keys=False)
    config_map = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _meta(f"{name}-config", namespace, "rate-limit"),
        "data": {"config.yaml": config},
    }
    ratelimit_container = {
        "name": "ratelimit",
        "image": values.ratelimit.image,
        "imagePullPolicy": values.image_pull_policy,
        "command": ["/bin/ratelimit"],
        "env": [
            {"name": "LOG_LEVEL", "value": "warn"},
            {"name": "LOG_FORMAT", "value": "json"},
            {"name": "REDIS_SOCKET_TYPE", "value": "tcp"},
            {"name": "REDIS_URL", "value": f"{redis}:{REDIS_PORT}"},
            {"name": "USE_STATSD", "value": "false"},
            {"name": "RUNTIME_ROOT", "value": "/data"},
            {"name": "RUNTIME_SUBDIRECTORY", "value": "ratelimit"},
            {"name": "RUNTIME_WATCH_ROOT", "value": "false"},
            {"name": "RUNTIME_IGNOREDOTFILES", "value": "true"},
        ],
        "ports": [
            {"name": "http", "containerPort": 8080, "protocol": "TCP"},
            {
                "name": RATELIMIT_GRPC_PORT_NAME,
                "containerPort": istio.global_rate_limit.port,
                "protocol": "TCP",
            },
        ],
        "readinessProbe": {"httpGet": {"path": "/healthcheck", "port": "http"}, "periodSeconds": 5},
        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}},
        "securityContext": _container_security(),
        "volumeMounts": [{"name": "config", "mountPath": "/data/ratelimit/config", "readOnly": True}],
    }
    redis_container = {
        "name": "redis",
        "image": values.ratelimit.redis_image,
        "imagePullPolicy": values.image_pull_policy,
        "args": ["--save", "", "--appendonly", "no"],  # counters only: nothing to persist
        "ports": [{"name": "redis", "containerPort": REDIS_PORT, "protocol": "TCP"}],
        "readinessProbe": {"tcpSocket": {"port": "redis"}, "periodSeconds": 5},
        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "256Mi"}},
        "securityContext": _container_security(),
        "volumeMounts": [{"name": "data", "mountPath": "/data"}],
    }
    security = {
        "runAsNonRoot": True,
        "runAsUser": 999,
        "runAsGroup": 999,
        "seccompProfile": {"type": "RuntimeDefault"},
    }

    def workload(
        app: str, container: dict[str, Any], volumes: list[dict[str, Any]], replicas: int
    ) -> dict[str, Any]:
        return {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": _meta(app, namespace, "rate-limit"),
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": {"app": app}},
                "template": {
                    "metadata": {"labels": {"app": app, **MANAGED_BY}},
                    "spec": {
                        "automountServiceAccountToken": False,
                        "securityContext": security,
                        "containers": [container],
                        "volumes": volumes,
                    },
                },
            },
        }

    def port_service(app: str, ports: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": _meta(app, namespace, "rate-limit"),
            "spec": {"selector": {"app": app}, "ports": ports},
        }

    grpc = istio.global_rate_limit.port
    return [
        Manifest(f"{name}-config", config_map),
        Manifest(
            name,
            workload(
                name,
                ratelimit_container,
                [{"name": "config", "configMap": {"name": f"{name}-config"}}],
                values.ratelimit.replicas,
            ),
        ),
        Manifest(
            f"{name}-service",
            port_service(
                name,
                [
                    {
                        "name": "grpc",
                        "port": grpc,
                        "targetPort": RATELIMIT_GRPC_PORT_NAME,
                        "protocol": "TCP",
                        "appProtocol": "grpc",
                    }
                ],
            ),
        ),
        Manifest(redis, workload(redis, redis_container, [{"name": "data", "emptyDir": {}}], 1)),
        Manifest(
            f"{redis}-service",
            port_service(
                redis, [{"name": "tcp-redis", "port": REDIS_PORT, "targetPort": "redis", "protocol": "TCP"}]
            ),
        ),
    ]


def namespace_manifest(istio: IstioSettings) -> Manifest:
    name = _namespace(istio)
    return Manifest(
        f"{name}-namespace",
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": name, "labels": {"istio-injection": "enabled", **MANAGED_BY}},
        },
    )


def build_manifests(
    values: DeployValues, istio: IstioSettings, release: Release, targets: tuple[PublicTarget, ...]
) -> list[Manifest]:
    """Every Kubernetes object of the release (the Istio resources come from ``istio.build``)."""
    manifests = [
        namespace_manifest(istio),
        settings_config_map(values, istio, release),
        migration_job(values, istio, release),
    ]
    for profile in Profile:
        manifests += [
            deployment(values, istio, release, profile),
            service(istio, profile),
            disruption_budget(values, istio, profile),
        ]
    if targets and istio.global_rate_limit.enabled:
        manifests += ratelimit_manifests(values, istio, targets)
    return manifests
