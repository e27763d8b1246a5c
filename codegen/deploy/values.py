"""What the Kubernetes manifests need and the regulation does not say: the image, replicas and
resources per profile, where PostgreSQL, S3 and Keycloak are and which Secrets hold their
credentials, and the Istio settings (``istio:``, the same keys as ``registry-api istio --settings``).

Every key is optional; the defaults give manifests that validate and say plainly what to set
(``*.example.org`` hosts). Secrets are never values here: only the names of Secrets and their keys.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from istio.settings import IstioSettings
from schemas.yaml_files import read_yaml_mapping

_DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
_QUANTITY = r"^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti)?$"


class ValuesError(ValueError):
    """The values file cannot be used; ``str()`` says why in one line."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Quantities(_Strict):
    cpu: str = Field(pattern=_QUANTITY)
    memory: str = Field(pattern=_QUANTITY)


class Resources(_Strict):
    requests: Quantities = Quantities(cpu="250m", memory="256Mi")
    limits: Quantities = Quantities(cpu="1", memory="512Mi")


class ProfileValues(_Strict):
    replicas: int = Field(default=2, ge=1)
    workers: int = Field(default=2, ge=1, le=64)
    min_available: int = Field(default=1, ge=0)  # PodDisruptionBudget
    resources: Resources = Resources()


class SecretKey(_Strict):
    secret: str | None = Field(default=None, pattern=_DNS_LABEL)  # default derived from the registry
    key: str = Field(min_length=1)


class DatabaseValues(_Strict):
    url: SecretKey = SecretKey(key="url")  # postgresql+psycopg://user:password@host:5432/db


class S3Values(_Strict):
    endpoint_url: str = Field(default="http://s3.example.org", pattern=r"^https?://[^\s/]+")
    public_endpoint_url: str | None = Field(default=None, pattern=r"^https?://[^\s/]+")
    region: str = "us-east-1"
    registry_bucket: str = "file-ceph-bucket"
    staging_bucket: str = "lowcode-file-storage"
    access_key: SecretKey = SecretKey(key="access-key")
    secret_key: SecretKey = SecretKey(key="secret-key")


class LinkValues(_Strict):
    signing_keys: SecretKey = SecretKey(key="signing-keys")  # a JSON list of keys (docs/links.md)
    base_url: str | None = Field(default=None, pattern=r"^https?://[^\s/]+")


class MigrationValues(_Strict):
    contexts: str = "!pub"
    backoff_limit: int = Field(default=3, ge=0)
    lock_wait_s: float = Field(default=300.0, ge=0)


class RateLimitValues(_Strict):
    image: str = "envoyproxy/ratelimit:9d8d70a8"  # pin the commit tag you have vetted
    redis_image: str = "redis:7.4-alpine"
    replicas: int = Field(default=1, ge=1)


class DeployValues(_Strict):
    image: str = Field(default="registry.example.org/registry-data-factory:0.1.0", min_length=1)
    image_pull_policy: str = Field(default="IfNotPresent", pattern=r"^(Always|IfNotPresent|Never)$")
    tree: str | None = None  # the output tree inside the image; default /app/build/<registry>
    metrics_port: int = Field(default=9102, ge=1, le=65535)
    run_as_user: int = Field(default=10001, ge=1)
    internal: ProfileValues = ProfileValues()
    ext: ProfileValues = ProfileValues()
    public: ProfileValues = ProfileValues()
    database: DatabaseValues = DatabaseValues()
    s3: S3Values = S3Values()
    links: LinkValues = LinkValues()
    migration: MigrationValues = MigrationValues()
    ratelimit: RateLimitValues = RateLimitValues()
    istio: IstioSettings = IstioSettings()


def load_values(path: Path | None) -> DeployValues:
    if path is None:
        return DeployValues()
    data = read_yaml_mapping(path, ValuesError, "values")
    try:
        return DeployValues.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()))
        raise ValuesError(f"{path}: {where}: {first.get('msg')}") from None
