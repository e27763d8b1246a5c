"""Service settings, from environment variables (``REGISTRY_...``, nested with ``__``) or a .env file.

Every setting is documented in ``docs/configuration.md``. Sections are owned by the part that uses
them; add fields to your section, keep defaults safe (deny when unsure) and local-run friendly.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Profile(StrEnum):
    INTERNAL = "internal"  # rest-api: business processes and portals
    EXT = "ext"  # rest-api-ext: external systems, exposed search conditions only
    PUBLIC = "public"  # rest-api-public: anonymous, whitelisted GET/HEAD only


class DatabaseSettings(BaseModel):
    url: str | None = Field(
        default=None,
        description="SQLAlchemy URL (postgresql+psycopg://...). Unset: embedded PostgreSQL under data_dir.",
    )
    pool_size: int = 10
    connect_timeout_s: float = 5.0
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
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 30.0


class FileSettings(BaseModel):
    max_upload_bytes: int = 100 * 1024 * 1024
    chunk_bytes: int = 1024 * 1024
    presign_default_expiry_s: int = 300
    presign_max_expiry_s: int = 3600
    rehash_every_download: bool = Field(
        default=False,
        description="Hash every download against the catalogue's SHA-256, not only the first download "
        "of each stored object version (for stores whose bytes may change below their S3 API).",
    )


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
    leeway_s: int = 30
    dev_auth: bool = False


class HeaderSettings(BaseModel):
    required_on_write: tuple[str, ...] = Field(
        default=("X-Source-System", "X-Source-Application", "X-Source-Business-Process"),
        description="Headers every POST/PUT/PATCH/DELETE must carry (400 HEADERS_ARE_MISSING otherwise).",
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="REGISTRY_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    profile: Profile = Profile.INTERNAL
    api_root: str = "/api/data-factory"
    data_dir: Path = Path("var")
    public_api_file: Path | None = None
    database: DatabaseSettings = DatabaseSettings()
    s3: S3Settings = S3Settings()
    files: FileSettings = FileSettings()
    auth: AuthSettings = AuthSettings()
    headers: HeaderSettings = HeaderSettings()
