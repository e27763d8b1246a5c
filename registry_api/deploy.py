"""The one way to build the running service: settings + a generated output tree (its package, its
``rbac/`` policy and its baked public-API settings) → security (authenticator, access policy, route
plan) → the FastAPI app.

``registry-api serve``, the generated package's ``create_app`` factory (``uvicorn --factory``,
gunicorn, ``serve --workers``), the OpenAPI emitter, the tests and the benchmarks all build through
:func:`build_app`. Nothing here falls back to a weaker setting when something is missing: a missing
policy, an unknown realm or a broken public-API file is a :class:`DeployError` (or the error of the part
that refused), never an app that lets more through.
"""

from __future__ import annotations

import importlib
import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import Engine

from rbac.devkeys import dev_key_set
from rbac.enforcer import CasbinAccessPolicy, PolicyLoadError
from rbac.keycloak import KeycloakAuthenticator
from rbac.keys import Realm, RealmKeys, realm
from rbac.policy import ACCESS_MODEL_FILE, MODEL_FILE, POLICY_FILE, PolicyError, read_route_facts
from rbac.rows import ROWS_FILE, RowSecurity, RowSecurityError
from rbac.token_cache import VerifiedTokens
from registry_api.access import AnonymousAuthenticator, Authenticator
from registry_api.files import FileService
from registry_api.health import ChangeSetKey
from registry_api.http.app import RegistryRoutes, create_app
from registry_api.memory import return_large_blocks_to_os
from registry_api.metrics import key_set_lookup
from registry_api.profiles import plan_for
from registry_api.runtime import Security
from registry_api.settings import AuthSettings, Profile, Settings, load_settings
from registry_api.signatures import Verifier, load_verifier
from schemas.layout import (
    CHANGESETS_FILE,
    MANIFEST,
    PACKAGE_APP_MODULE,
    PACKAGE_TABLES_MODULE,
    PUBLIC_API_FILE,
    RBAC_DIR,
    REGULATION_DIR,
)
from schemas.public_api import PublicApiError, PublicApiSettings, load_public_api

log = logging.getLogger("registry_api.deploy")

ROUTES_ATTRIBUTE = "ROUTES"


class DeployError(Exception):
    """The service cannot be built from what it was given; ``str()`` is one line for the operator."""


@dataclass(frozen=True)
class GeneratedRegistry:
    """An output tree of ``registry-api generate``, with its package imported."""

    directory: Path
    package: str
    routes: RegistryRoutes

    @property
    def rbac_dir(self) -> Path:
        return self.directory / RBAC_DIR

    @property
    def regulation_dir(self) -> Path:
        return self.directory / REGULATION_DIR

    def expected_changesets(self) -> frozenset[ChangeSetKey]:
        """What readiness waits for in the database's changelog (``changesets.json`` of the package)."""
        path = self.directory / self.package / CHANGESETS_FILE
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            return frozenset((c["id"], c["author"], c["filename"]) for c in document["changesets"])
        except (OSError, ValueError, KeyError, TypeError):
            raise DeployError(
                f"{path} is missing or unreadable: regenerate with `registry-api generate`"
            ) from None

    @property
    def baked_public_api(self) -> Path | None:
        path = self.directory / self.package / PUBLIC_API_FILE
        return path if path.is_file() else None


def load_generated(directory: Path) -> GeneratedRegistry:
    """Check that ``directory`` is a generated output tree (its manifest, exactly one package with
    ``app.py``, the RBAC files) and import the package. Nothing is started or connected."""
    directory = directory.expanduser().resolve()
    if not directory.is_dir():
        raise DeployError(f"{directory} does not exist or is not a directory")
    if not (directory / MANIFEST).is_file():
        raise DeployError(f"{directory} is not an output of `registry-api generate` (no {MANIFEST})")
    packages = sorted(
        p.parent.name
        for p in directory.glob(f"*/{PACKAGE_APP_MODULE}")
        if (p.parent / PACKAGE_TABLES_MODULE).is_file()
    )
    if len(packages) != 1:
        raise DeployError(f"{directory} does not hold exactly one generated package (found {len(packages)})")
    missing = [
        name
        for name in (MODEL_FILE, POLICY_FILE, ACCESS_MODEL_FILE, ROWS_FILE)
        if not (directory / RBAC_DIR / name).is_file()
    ]
    if missing:
        raise DeployError(
            f"{directory / RBAC_DIR} lacks {', '.join(missing)}: regenerate with `registry-api generate`"
        )
    return import_generated(directory, packages[0])


def import_generated(directory: Path, package: str) -> GeneratedRegistry:
    """Import ``package`` of the output tree ``directory`` (unchecked: :func:`load_generated` checks)."""
    directory = directory.resolve()
    module = _import_app_module(directory, package)
    routes = getattr(module, ROUTES_ATTRIBUTE, None)
    if not isinstance(routes, RegistryRoutes):
        raise DeployError(
            f"{directory / package / PACKAGE_APP_MODULE} defines no {ROUTES_ATTRIBUTE}: regenerate it"
        )
    return GeneratedRegistry(directory, package, routes)


def _import_app_module(directory: Path, package: str) -> object:
    """``<package>.app`` from ``directory``: the module already imported from there is reused (the
    generated factory calls back into here); one of the same name from elsewhere is replaced."""
    name = f"{package}.app"
    loaded = sys.modules.get(name)
    origin = getattr(loaded, "__file__", None)
    if loaded is not None and origin is not None and Path(origin).resolve().parent.parent == directory:
        return loaded
    forget_package(package)
    sys.path.insert(0, str(directory))
    writes_bytecode = sys.dont_write_bytecode
    sys.dont_write_bytecode = True  # no __pycache__ inside the output tree
    try:
        importlib.invalidate_caches()
        return importlib.import_module(name)
    finally:
        sys.dont_write_bytecode = writes_bytecode
        sys.path.remove(str(directory))


def forget_package(package: str) -> None:
    """Drop an imported generated package, so the next import reads the files again."""
    for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
        del sys.modules[name]


# ---------------------------------------------------------------------------------------------
# Security


def accepted_realm_names(profile: Profile, auth: AuthSettings) -> tuple[str, ...]:
    """internal: officer, citizen, external-system; ext: external-system; public: none (anonymous)."""
    if profile is Profile.INTERNAL:
        return (auth.officer_realm, auth.citizen_realm, auth.external_system_realm)
    if profile is Profile.EXT:
        return (auth.external_system_realm,)
    return ()


def accepted_realms(profile: Profile, auth: AuthSettings) -> tuple[Realm, ...]:
    return tuple(
        realm(auth.keycloak_url, name, auth.namespace) for name in accepted_realm_names(profile, auth)
    )


def keycloak_authenticator(profile: Profile, settings: Settings, *, dev_auth: bool) -> KeycloakAuthenticator:
    auth = settings.auth
    extra = None
    if dev_auth:
        log.warning(
            "DEVELOPMENT AUTHENTICATION IS ON: tokens signed with the development key in %s are trusted "
            "for realms %s. Anyone who can read that directory can act with any role. "
            "Never use in production.",
            settings.data_dir / "dev-auth",
            ", ".join(accepted_realm_names(profile, auth)),
        )
        extra = dev_key_set(settings.data_dir)
    keys = RealmKeys(
        jwks_file=auth.jwks_file,
        refresh_min_interval_s=auth.jwks_refresh_min_interval_s,
        extra=extra,
        observe=key_set_lookup,
    )
    return KeycloakAuthenticator(
        accepted_realms(profile, auth),
        keys,
        algorithms=auth.algorithms,
        leeway_s=auth.leeway_s,
        cache=VerifiedTokens(auth.token_cache_size, auth.token_cache_max_age_s),
    )


def public_api_of(settings: Settings, registry: GeneratedRegistry) -> PublicApiSettings | None:
    """The public-API settings: ``settings.public_api_file`` when set, else the file baked in."""
    path = settings.public_api_file or registry.baked_public_api
    return None if path is None else load_public_api(path)


def build_security(
    settings: Settings,
    registry: GeneratedRegistry,
    *,
    dev_auth: bool | None = None,
    authenticator: Authenticator | None = None,
) -> Security:
    """The security of ``settings.profile``. ``dev_auth`` (default ``settings.auth.dev_auth``) also
    trusts `registry-api dev-token` tokens; ``authenticator`` replaces the profile's Keycloak one (tests
    that bring their own identities). Raises :class:`DeployError` when the public-API settings publish
    what the regulation does not allow or the policy or realm settings cannot be used."""
    try:
        return _security(settings, registry, dev_auth=dev_auth, authenticator=authenticator)
    except (PublicApiError, PolicyLoadError, PolicyError, RowSecurityError) as error:
        raise DeployError(str(error).replace("\n", "; ")) from None
    except (OSError, ValueError) as error:  # an unreadable key-set file, bad token algorithms, ...
        raise DeployError(f"the identity settings cannot be used: {error}") from None


def _security(
    settings: Settings,
    registry: GeneratedRegistry,
    *,
    dev_auth: bool | None,
    authenticator: Authenticator | None,
) -> Security:
    profile = settings.profile
    dev_auth = settings.auth.dev_auth if dev_auth is None else dev_auth
    facts = read_route_facts(registry.rbac_dir)
    published = public_api_of(settings, registry) if profile is Profile.PUBLIC else None
    plan = plan_for(profile.value, facts.exposures, facts.sc_file_columns, published)
    rows = RowSecurity.from_directory(registry.rbac_dir)
    if profile is Profile.PUBLIC:
        access = CasbinAccessPolicy.from_directory(
            registry.rbac_dir,
            anonymous_search=plan.serves_search,
            anonymous_file=plan.serves_file,
            realms=settings.auth.realm_names(),
        )
        return Security(authenticator or AnonymousAuthenticator(), access, plan, rows)
    access = CasbinAccessPolicy.from_directory(registry.rbac_dir, realms=settings.auth.realm_names())
    if authenticator is None:
        authenticator = keycloak_authenticator(profile, settings, dev_auth=dev_auth)
    return Security(authenticator, access, plan, rows, _verifier(settings))


def _verifier(settings: Settings) -> Verifier | None:
    """The configured signature verifier; one that cannot be loaded means no service, never a service
    that verifies nothing."""
    spec = settings.signatures.verifier
    if not spec:
        return None
    try:
        return load_verifier(spec)
    except ValueError as error:
        raise DeployError(str(error)) from None


# ---------------------------------------------------------------------------------------------
# The app


def build_app(
    settings: Settings,
    registry: GeneratedRegistry | Path,
    *,
    dev_auth: bool | None = None,
    authenticator: Authenticator | None = None,
    engine: Engine | None = None,
    files: FileService | None = None,
) -> FastAPI:
    """The service of ``registry`` (an output tree, or its path) for ``settings.profile``. ``engine`` and
    ``files`` default to ones built from ``settings``; see :func:`build_security` for the rest."""
    if isinstance(registry, Path):
        registry = load_generated(registry)
    security = build_security(settings, registry, dev_auth=dev_auth, authenticator=authenticator)
    return_large_blocks_to_os()  # every process that serves (each worker builds its app here)
    app = create_app(
        registry.routes,
        settings,
        security,
        engine=engine,
        files=files,
        expected_changesets=registry.expected_changesets(),
    )
    log.info(
        "built the %s service of %s (%s)",
        settings.profile.value,
        registry.package,
        _describe(security),
    )
    return app


def warn_about(settings: Settings, registry: GeneratedRegistry) -> None:
    """Log what an operator of a deployment should know about its settings before it serves."""
    if settings.profile is Profile.PUBLIC:
        if public_api_of(settings, registry) is None:
            log.warning("public profile without public-API settings: nothing is published")
        if settings.auth.dev_auth:
            log.warning("dev auth has no effect on the public profile: every caller is anonymous")


def app_from_environment(directory: Path) -> FastAPI:
    """The generated factory's body: settings from ``REGISTRY_*`` variables (and ``.env``), the output
    tree ``directory``. Migrations are not run here (``serve`` runs them once before its workers).
    Raises :class:`DeployError` or ``SettingsError`` (one line each) when it cannot be built."""
    settings = load_settings()
    registry = load_generated(directory)
    warn_about(settings, registry)
    return build_app(settings, registry)


def _describe(security: Security) -> str:
    authenticator = security.authenticator
    if isinstance(authenticator, KeycloakAuthenticator):
        return "tokens of realms " + ", ".join(r.keycloak_name for r in authenticator.realms)
    if isinstance(authenticator, AnonymousAuthenticator):
        return "anonymous callers, published routes only"
    return f"callers from {type(authenticator).__name__}"
