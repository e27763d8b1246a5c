"""Service settings, from environment variables (``REGISTRY_...``, nested with ``__``) or a .env file.

Precedence, highest first: a command-line option, an environment variable, the ``.env`` file, the
default. :func:`load_settings` applies it and turns any invalid value into one :class:`SettingsError`
line naming the variable (or option) and what it accepts.

Every setting is documented in ``docs/configuration.md``. Sections are owned by the part that uses
them; add fields to your section, keep defaults safe (deny when unsure) and local-run friendly.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from schemas.realms import RealmKind, realm_names

ENV_PREFIX = "REGISTRY_"
ENV_NESTED_DELIMITER = "__"


class SettingsError(ValueError):
    """Invalid settings; ``str()`` is one line naming the variable or option."""


def _http_url(value: str | None, what: str) -> str | None:
    if value is None or value == "":
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{what} must be an http:// or https:// URL with a host")
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise ValueError(f"{what} has an invalid port") from None
    return value


class Profile(StrEnum):
    INTERNAL = "internal"  # rest-api: business processes and portals
    EXT = "ext"  # rest-api-ext: external systems, exposed search conditions only
    PUBLIC = "public"  # rest-api-public: anonymous, whitelisted GET/HEAD only


class DatabaseSettings(BaseModel):
    url: str | None = Field(
        default=None,
        description="SQLAlchemy URL (postgresql+psycopg://...). Unset: embedded PostgreSQL under data_dir.",
    )

    @field_validator("url")
    @classmethod
    def _postgresql_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        for prefix in ("postgresql://", "postgres://"):  # libpq style: the project's driver is psycopg 3
            if value.startswith(prefix):
                value = "postgresql+psycopg://" + value[len(prefix) :]
        try:
            url = make_url(value)
        except (ArgumentError, ValueError):
            raise ValueError(
                "must be a database URL such as postgresql+psycopg://user@host:5432/db"
            ) from None
        if url.get_backend_name() != "postgresql":
            raise ValueError(f"must be a PostgreSQL URL, not {url.get_backend_name()}")
        return value

    pool_size: int = Field(default=10, ge=1, description="Connections each pool keeps open.")
    pool_overflow: int = Field(
        default=0,
        ge=0,
        description="Extra connections a pool may open under a burst, closed again when returned.",
    )
    pool_timeout_s: float = Field(
        default=10.0, gt=0, description="How long a request waits for a free pooled connection (then 503)."
    )
    connect_timeout_s: float = Field(default=5.0, gt=0)
    ping_after_idle_s: float = Field(
        default=10.0,
        description="Check a pooled connection before use when idle longer than this (0: before every use).",
    )
    migration_lock_wait_s: float = Field(
        default=120.0,
        ge=0,
        description="At start, wait this long for another migrator to release the changelog lock.",
    )


class S3Settings(BaseModel):
    endpoint_url: str | None = Field(default=None, description="Unset: embedded S3 (nanio) under data_dir.")
    public_endpoint_url: str | None = Field(
        default=None, description="Endpoint presigned URLs are signed for (SigV4 signs the host)."
    )
    region: str = "us-east-1"
    access_key: str = "registry-dev-access"
    secret_key: SecretStr = SecretStr("registry-dev-secret-change-me")
    registry_bucket: str = "file-ceph-bucket"
    staging_bucket: str = "lowcode-file-storage"
    create_buckets: bool = Field(default=False, description="Create missing buckets at start (local runs).")
    connect_timeout_s: float = Field(default=5.0, gt=0)
    read_timeout_s: float = Field(default=30.0, gt=0)

    @field_validator("endpoint_url", "public_endpoint_url")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        return _http_url(value, "an S3 endpoint")


class FileSettings(BaseModel):
    max_upload_bytes: int = Field(default=100 * 1024 * 1024, ge=1)
    chunk_bytes: int = Field(default=1024 * 1024, ge=4096)
    presign_default_expiry_s: int = Field(default=300, ge=1)
    presign_max_expiry_s: int = Field(default=3600, ge=1)
    max_uploads_per_minute: int = Field(
        default=60,
        ge=1,
        description="Uploads one caller may make in any minute (429 TOO_MANY_REQUESTS above).",
    )
    max_concurrent_downloads: int = Field(
        default=64, ge=1, description="Downloads one process streams at once (429 above)."
    )
    rehash_every_download: bool = Field(
        default=False,
        description="Hash every download against the catalogue's SHA-256, not only the first download "
        "of each stored object version (for stores whose bytes may change below their S3 API).",
    )
    reference_file_not_found: bool = Field(
        default=False,
        description="A content route whose entity exists but does not hold the file answers as the reference "
        "does, 400 FILE_NOT_FOUND with details [fileId], instead of 404 NOT_FOUND.",
    )
    history_keeps_files: bool = Field(
        default=True,
        description="`files prune` keeps a file no entity holds any more while a history row (<table>_hst) "
        "names it; false: history keeps {id, checksum} only and the bytes are collected.",
    )


MIN_LINK_KEY_CHARS = 32


class LinkSettings(BaseModel):
    """Signed links for forms (``/l/<token>``, docs/links.md). Without a key no link can be made or
    opened: minting answers 503 ``LINKS_NOT_CONFIGURED`` and every link 404 (there is no default key)."""

    signing_keys: tuple[SecretStr, ...] = Field(
        default=(),
        description="HMAC keys as a JSON list: the first signs new links, every one verifies (rotation).",
    )
    dev_key: bool = Field(
        default=False,
        description="No signing_keys: sign with a development key kept under data_dir (never in production).",
    )
    default_expiry_s: int = Field(default=3600, ge=1, description="Link lifetime when none is asked for.")
    max_expiry_s: int = Field(default=86400, ge=1, description="Longest lifetime a link may be given.")
    max_uses_limit: int = Field(default=1000, ge=1, description="Largest maxUses a link may be given.")
    base_url: str | None = Field(
        default=None,
        description="Where links are opened (e.g. the public host): answers carry absolute URLs on it.",
    )

    @field_validator("signing_keys")
    @classmethod
    def _strong_keys(cls, keys: tuple[SecretStr, ...]) -> tuple[SecretStr, ...]:
        for position, key in enumerate(keys, start=1):
            if len(key.get_secret_value()) < MIN_LINK_KEY_CHARS:
                raise ValueError(f"key {position} is shorter than {MIN_LINK_KEY_CHARS} characters")
        if len({key.get_secret_value() for key in keys}) != len(keys):
            raise ValueError("the same key is listed twice")
        return keys

    @field_validator("base_url")
    @classmethod
    def _base(cls, value: str | None) -> str | None:
        checked = _http_url(value, "the links' base URL")
        return None if checked is None else checked.rstrip("/")

    @model_validator(mode="after")
    def _default_within_max(self) -> LinkSettings:
        if self.default_expiry_s > self.max_expiry_s:
            raise ValueError("default_expiry_s must not exceed max_expiry_s")
        return self


class AuthSettings(BaseModel):
    keycloak_url: str = "http://127.0.0.1:8080"
    namespace: str | None = Field(
        default=None, description="Reference naming: realm '<namespace>-<realm>' (e.g. 'reg-officer-portal')."
    )
    officer_realm: str = "officer-portal"
    citizen_realm: str = "citizen-portal"
    external_system_realm: str = "external-system"
    jwks_file: Path | None = Field(
        default=None, description="Key sets read from a file (offline deployments)."
    )
    jwks_refresh_min_interval_s: float = 30.0
    algorithms: tuple[str, ...] = ("RS256",)
    leeway_s: int = Field(default=30, ge=0)
    token_cache_size: int = Field(
        default=10_000, ge=0, description="Verified tokens remembered per process (0: verify every request)."
    )
    token_cache_max_age_s: float = Field(
        default=300.0, ge=0, description="A verified token is reused until its exp, but at most this long."
    )
    dev_auth: bool = False
    required_claims: tuple[str, ...] = Field(
        default=(),
        description="Token claims every authenticated request but a search must carry (the reference: "
        '["drfo", "fullName"]); 400 INVALID_HEADER_VALUE otherwise.',
    )

    @field_validator("keycloak_url")
    @classmethod
    def _keycloak(cls, value: str) -> str:
        checked = _http_url(value, "the Keycloak URL")
        if checked is None:
            raise ValueError("the Keycloak URL must not be empty")
        return checked

    def realm_names(self) -> dict[str, RealmKind]:
        """Every realm name a regulation's ``ext:role realm`` may use here: the reference's names and
        this deployment's (``schemas/realms.py``)."""
        return realm_names(
            {
                RealmKind.OFFICER: self.officer_realm,
                RealmKind.CITIZEN: self.citizen_realm,
                RealmKind.EXTERNAL_SYSTEM: self.external_system_realm,
            }
        )


class BulkSettings(BaseModel):
    """Bulk loads (``POST /<entity>/list``, ``/csv``, ``/csv/validation``; docs/api.md "Bulk loads")."""

    list_max_entities: int = Field(default=50, ge=1, description="Entities one /list request may carry.")
    csv_max_rows: int = Field(default=10_000, ge=1, description="Data rows one CSV file may hold.")
    csv_max_errors: int = Field(default=100, ge=1, description="Row errors reported before the rest are cut.")


class HeaderSettings(BaseModel):
    required_on_write: tuple[str, ...] = Field(
        default=("X-Source-System", "X-Source-Application", "X-Source-Business-Process"),
        description="Headers every POST/PUT/PATCH/DELETE must carry (400 HEADERS_ARE_MISSING otherwise).",
    )


class SignatureSettings(BaseModel):
    """Digital signatures of writes (docs/api.md "Digital signatures")."""

    required_on_write: bool = Field(
        default=False,
        description="Every POST/PUT/PATCH/DELETE must carry X-Digital-Signature and "
        "X-Digital-Signature-Derived (400 HEADERS_ARE_MISSING otherwise).",
    )
    verifier: str | None = Field(
        default=None,
        description="'package.module:callable' verifying each signed write (it raises "
        "SignatureViolationError: 412); unset: signatures are recorded, not verified.",
    )


class HttpSettings(BaseModel):
    """Bounds the HTTP edge puts on every request (docs/security.md "Hardening")."""

    max_json_body_bytes: int = Field(
        default=2 * 1024 * 1024,
        ge=1024,
        description="Largest JSON request body (413 PAYLOAD_TOO_LARGE above; uploads have their own limit).",
    )
    header_timeout_s: float = Field(
        default=10.0, gt=0, description="A request's headers must arrive within this time (slowloris)."
    )
    keep_alive_timeout_s: int = Field(
        default=5, ge=1, description="Idle keep-alive connections are closed after this."
    )
    max_concurrency: int = Field(
        default=1000,
        ge=1,
        description="Connections and requests one process serves at once; beyond it uvicorn answers 503.",
    )


class LogFormat(StrEnum):
    JSON = "json"  # one JSON object a line: production, log collectors
    TEXT = "text"  # readable lines: local runs, the demo


class LogSettings(BaseModel):
    format: LogFormat = Field(default=LogFormat.JSON, description="json (production) or text (local runs).")
    level: str = Field(default="INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR)$")
    requests: bool = Field(default=True, description="One line per request (method, route, status, ...).")


class MetricsSettings(BaseModel):
    port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="Port of the Prometheus endpoint (/metrics), apart from the API port. Unset: off.",
    )
    host: str = Field(default="127.0.0.1", min_length=1, description="Interface of the metrics endpoint.")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter=ENV_NESTED_DELIMITER, env_file=".env", extra="ignore"
    )

    profile: Profile = Profile.INTERNAL
    api_root: str = Field(default="/api/data-factory", pattern=r"^/[A-Za-z0-9._~/-]*$")
    data_dir: Path = Path("var")
    public_api_file: Path | None = None
    host: str = Field(default="127.0.0.1", min_length=1, description="Interface `serve` listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `serve` listens on.")
    workers: int = Field(default=1, ge=1, le=64, description="Processes `serve` runs (each a whole service).")
    database: DatabaseSettings = DatabaseSettings()
    s3: S3Settings = S3Settings()
    files: FileSettings = FileSettings()
    links: LinkSettings = LinkSettings()
    auth: AuthSettings = AuthSettings()
    headers: HeaderSettings = HeaderSettings()
    bulk: BulkSettings = BulkSettings()
    signatures: SignatureSettings = SignatureSettings()
    http: HttpSettings = HttpSettings()

    log: LogSettings = LogSettings()
    metrics: MetricsSettings = MetricsSettings()


class DefaultSettings(Settings):
    """The defaults alone: no environment, no ``.env``. What ``generate`` builds its OpenAPI documents
    with, so the same regulation always gives the same output."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def env_name(location: tuple[str | int, ...]) -> str:
    """``("database", "url")`` → ``REGISTRY_DATABASE__URL``."""
    return ENV_PREFIX + ENV_NESTED_DELIMITER.join(str(part).upper() for part in location)


def load_settings(
    overrides: Mapping[str, Any] | None = None, *, options: Mapping[str, str] | None = None
) -> Settings:
    """Settings with ``overrides`` (nested dicts, e.g. from command-line options: they win over the
    environment) applied. ``options`` names the option that set a top-level key, for the message.
    Raises :class:`SettingsError` with one line for the first invalid value."""
    given = dict(overrides or {})
    try:
        return Settings(**given)
    except ValidationError as error:
        raise SettingsError(_describe(error, given, options or {})) from None


def _describe(error: ValidationError, given: Mapping[str, Any], options: Mapping[str, str]) -> str:
    first = error.errors()[0]
    location = tuple(first.get("loc", ()))
    value = first.get("input")
    message = str(first.get("msg", "invalid value"))
    message = message.removeprefix("Value error, ")
    shown = "" if isinstance(value, dict) else f"={value!s}"
    top = str(location[0]) if location else ""
    source = options.get(top) if top in given and top in options else None
    name = source if source is not None else env_name(location)
    extra = f" (and {len(error.errors()) - 1} more)" if len(error.errors()) > 1 else ""
    return f"{name}{shown}: {message}{extra}"


def settings_environment(settings: Settings) -> dict[str, str]:
    """``settings`` as ``REGISTRY_*`` variables: what a child process (a ``serve`` worker) needs to
    build the same settings. Secrets are included; the variables go to the child only."""
    variables: dict[str, str] = {}

    def flatten(value: Any, location: tuple[str, ...]) -> None:
        if isinstance(value, BaseModel):
            for name in type(value).model_fields:
                flatten(getattr(value, name), (*location, name))
            return
        if value is None:
            return
        if isinstance(value, SecretStr):
            text = value.get_secret_value()
        elif isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, tuple | list):
            text = json.dumps([v.get_secret_value() if isinstance(v, SecretStr) else v for v in value])
        elif isinstance(value, dict):
            text = json.dumps(value)
        else:
            text = str(value)
        variables[env_name(location)] = text

    flatten(settings, ())
    return variables
