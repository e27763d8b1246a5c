"""Deployment facts the Istio resources need and a regulation does not carry.

Loaded from a YAML file (every key optional) by ``load_istio_settings``; ``IstioSettings.for_registry``
fills the defaults that derive from the registry name. Reference naming: the three Deployments are
``<registry>-rest-api``, ``<registry>-rest-api-ext``, ``<registry>-rest-api-public`` (label
``app: <name>``), Keycloak realms are ``<namespace>-<realm>`` (e.g. ``reg-officer-portal``).
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from schemas.public_api import RateLimits
from schemas.yaml_files import read_yaml_mapping

_DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"


class Profile(StrEnum):
    INTERNAL = "internal"
    EXT = "ext"
    PUBLIC = "public"


class IstioSettingsError(ValueError):
    pass


class Deployment(BaseModel):
    """One of the three Deployments: its Service name (host) and its pods' ``app`` label."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    service: str = Field(pattern=_DNS_LABEL, max_length=63)
    app: str = Field(min_length=1, max_length=63)
    port: int = Field(default=8080, ge=1, le=65535)


class Realms(BaseModel):
    """Realm names before the namespace prefix."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    officer: str = "officer-portal"
    citizen: str = "citizen-portal"
    external_system: str = "external-system"


class PublicGateway(BaseModel):
    """Where the public API enters the mesh. The per-entry rate limits live on this gateway: the
    VirtualService's named routes exist only in the gateway's route table (a sidecar's inbound
    routes ignore VirtualServices), so that is where the EnvoyFilter route patches can find them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    gateway: str = "istio-system/istio-ingressgateway"  # <namespace>/<Gateway name>
    namespace: str = Field(default="istio-system", pattern=_DNS_LABEL)  # where the gateway pods run
    labels: dict[str, str] = Field(default_factory=lambda: {"istio": "ingressgateway"})
    host: str | None = None  # public DNS name; default "<registry>-public-api.local" (fails closed)


class PublicSignedLinks(BaseModel):
    """Signed links (``/l/<token>``) on the public gateway. No public-API entry lists them (their
    signature is the authorisation), so their route and its rate limit are set here."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    limits: RateLimits = RateLimits(second=20, minute=600)


class ExtGateway(BaseModel):
    """Where external systems enter: the reference's external path ``/api/gateway/data-factory/...`` on
    the ingress gateway, routed to the ext Deployment's ``/api/data-factory/...`` (a valid token of the
    external-system realm required at the gateway already)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    gateway: str = "istio-system/istio-ingressgateway"
    namespace: str = Field(default="istio-system", pattern=_DNS_LABEL)
    labels: dict[str, str] = Field(default_factory=lambda: {"istio": "ingressgateway"})
    host: str | None = None  # default "<registry>-ext-api.local" (fails closed)
    prefix: str = "/api/gateway/data-factory"


class GlobalRateLimit(BaseModel):
    """Envoy's global rate limit service (envoyproxy/ratelimit with Redis): per-client public limits."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    service: str | None = Field(default=None, pattern=_DNS_LABEL)  # default "<registry>-ratelimit"
    port: int = Field(default=8081, ge=1, le=65535)  # its gRPC port
    domain: str | None = None  # default "<registry>-public-api"
    timeout: str = Field(default="0.25s", pattern=r"^[0-9]+(\.[0-9]+)?s$")
    failure_mode_deny: bool = False  # service unreachable: let requests through (local limits still apply)


class IstioSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    registry: str | None = Field(default=None, pattern=_DNS_LABEL, max_length=40)
    namespace: str | None = Field(default=None, pattern=_DNS_LABEL, max_length=63)
    api_root: str = "/api/data-factory"
    keycloak_url: str = "https://keycloak.example.org"
    realm_prefix: str | None = None  # default: the namespace (reference naming)
    realms: Realms = Realms()
    internal: Deployment | None = None
    ext: Deployment | None = None
    public: Deployment | None = None
    public_gateway: PublicGateway = PublicGateway()
    public_signed_links: PublicSignedLinks = PublicSignedLinks()
    public_prefix: str = "/api/public/data-factory"  # the reference's public path on the gateway
    ext_gateway: ExtGateway = ExtGateway()
    global_rate_limit: GlobalRateLimit = GlobalRateLimit()
    # Reachable without a token on internal and ext: health probes and API docs.
    open_paths: tuple[str, ...] = (
        "/actuator/health",
        "/actuator/health/*",
        "/openapi.json",
        "/docs",
        "/docs/*",
        "/redoc",
    )

    @field_validator("api_root", "public_prefix")
    @classmethod
    def _api_root(cls, value: str) -> str:
        if not re.fullmatch(r"(/[A-Za-z0-9._~-]+)+", value):
            raise ValueError("api_root must be a path like /api/data-factory (no trailing slash)")
        return value

    @field_validator("keycloak_url")
    @classmethod
    def _keycloak_url(cls, value: str) -> str:
        if not re.fullmatch(r"https?://[^\s/]+(/[^\s]*)?", value):
            raise ValueError("keycloak_url must be an http(s) URL")
        return value.rstrip("/")

    def for_registry(self, registry: str) -> IstioSettings:
        """A copy with every registry-derived default filled in."""
        name = self.registry or _dns_name(registry)
        namespace = self.namespace or name

        def deployment(current: Deployment | None, suffix: str) -> Deployment:
            return current or Deployment(service=f"{name}{suffix}", app=f"{name}{suffix}")

        return self.model_copy(
            update={
                "registry": name,
                "namespace": namespace,
                "realm_prefix": self.realm_prefix if self.realm_prefix is not None else namespace,
                "internal": deployment(self.internal, "-rest-api"),
                "ext": deployment(self.ext, "-rest-api-ext"),
                "public": deployment(self.public, "-rest-api-public"),
                "public_gateway": self.public_gateway.model_copy(
                    update={"host": self.public_gateway.host or f"{name}-public-api.local"}
                ),
                "ext_gateway": self.ext_gateway.model_copy(
                    update={"host": self.ext_gateway.host or f"{name}-ext-api.local"}
                ),
                "global_rate_limit": self.global_rate_limit.model_copy(
                    update={
                        "service": self.global_rate_limit.service or f"{name}-ratelimit",
                        "domain": self.global_rate_limit.domain or f"{name}-public-api",
                    }
                ),
            }
        )

    def deployment(self, profile: Profile) -> Deployment:
        found = {Profile.INTERNAL: self.internal, Profile.EXT: self.ext, Profile.PUBLIC: self.public}[profile]
        if found is None:
            raise IstioSettingsError("call for_registry() first: deployments are not resolved")
        return found

    def realm_name(self, realm: str) -> str:
        return f"{self.realm_prefix}-{realm}" if self.realm_prefix else realm

    def issuer(self, realm: str) -> str:
        return f"{self.keycloak_url}/realms/{self.realm_name(realm)}"

    def jwks_uri(self, realm: str) -> str:
        return f"{self.issuer(realm)}/protocol/openid-connect/certs"


def _dns_name(name: str) -> str:
    """A registry name as a DNS label: lower case, ``_`` → ``-``."""
    label = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
    if not label:
        raise IstioSettingsError(f"registry name '{name}' gives no usable DNS label; set 'registry'")
    return label[:40].rstrip("-")


def load_istio_settings(path: str | Path | None) -> IstioSettings:
    if path is None:
        return IstioSettings()
    source = Path(path)
    data = read_yaml_mapping(source, IstioSettingsError, "settings")
    try:
        return IstioSettings.model_validate(data)
    except ValidationError as error:
        details = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {str(e['msg']).removeprefix('Value error, ')}"
            for e in error.errors()
        )
        raise IstioSettingsError(f"{source}: {details}") from None


def coerce_settings(settings: object | None) -> IstioSettings:
    """``IstioSettings`` as given; service settings (``registry_api.settings.Settings``, passed by
    ``generate``) are read by duck typing for what they share — API root, Keycloak URL, realm names —
    since ``istio`` may not import ``registry_api``."""
    if settings is None:
        return IstioSettings()
    if isinstance(settings, IstioSettings):
        return settings
    values: dict[str, object] = {}
    api_root = getattr(settings, "api_root", None)
    if isinstance(api_root, str):
        values["api_root"] = api_root.rstrip("/")
    auth = getattr(settings, "auth", None)
    if auth is not None:
        if isinstance(url := getattr(auth, "keycloak_url", None), str):
            values["keycloak_url"] = url
        if isinstance(namespace := getattr(auth, "namespace", None), str) and namespace:
            values["namespace"] = namespace
        realms = {
            key: value
            for key, attribute in (
                ("officer", "officer_realm"),
                ("citizen", "citizen_realm"),
                ("external_system", "external_system_realm"),
            )
            if isinstance(value := getattr(auth, attribute, None), str)
        }
        values["realms"] = Realms(**realms)
    try:
        return IstioSettings.model_validate(values)
    except ValidationError as error:
        raise IstioSettingsError(f"service settings do not give usable Istio settings: {error}") from None
