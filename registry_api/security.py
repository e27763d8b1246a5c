"""Who may call a deployment and what it serves: the authenticator, access policy and route plan of a
profile, built from the settings and the generated ``rbac/`` directory (DESIGN.md §1, §4).

``serve`` calls :func:`build_security` and hands the three parts to ``create_app``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from rbac.devkeys import dev_key_set
from rbac.enforcer import CasbinAccessPolicy
from rbac.keycloak import KeycloakAuthenticator
from rbac.keys import Realm, RealmKeys, realm
from rbac.policy import read_route_facts
from registry_api.access import AccessPolicy, AnonymousAuthenticator, Authenticator
from registry_api.profiles import RoutePlan, plan_for
from registry_api.settings import AuthSettings, Profile, Settings
from schemas.public_api import PublicApiSettings, load_public_api

log = logging.getLogger("registry_api.security")


@dataclass(frozen=True)
class Security:
    authenticator: Authenticator
    access: AccessPolicy
    plan: RoutePlan


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


def keycloak_authenticator(
    profile: Profile, settings: Settings, *, dev_auth: bool = False
) -> KeycloakAuthenticator:
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
        jwks_file=auth.jwks_file, refresh_min_interval_s=auth.jwks_refresh_min_interval_s, extra=extra
    )
    return KeycloakAuthenticator(
        accepted_realms(profile, auth), keys, algorithms=auth.algorithms, leeway_s=auth.leeway_s
    )


def build_security(
    settings: Settings,
    rbac_dir: Path,
    *,
    profile: Profile | None = None,
    public_api: PublicApiSettings | Path | None = None,
    dev_auth: bool | None = None,
) -> Security:
    """The security of a deployment. ``profile`` defaults to ``settings.profile``; ``public_api`` (the
    settings, or a file) to ``settings.public_api_file``; ``dev_auth`` to ``settings.auth.dev_auth``.
    Raises ``schemas.public_api.PublicApiError`` when the public-API settings publish something the
    regulation does not allow, ``rbac.enforcer.PolicyLoadError`` when ``rbac_dir`` is incomplete."""
    profile = profile or settings.profile
    dev_auth = settings.auth.dev_auth if dev_auth is None else dev_auth
    source = public_api if public_api is not None else settings.public_api_file
    published = load_public_api(source) if isinstance(source, Path) else source
    facts = read_route_facts(rbac_dir)
    plan = plan_for(profile.value, facts.exposures, facts.sc_file_columns, published)
    if profile is Profile.PUBLIC:
        if published is None:
            log.warning("public profile without public-API settings: nothing is published")
        if dev_auth:
            log.warning("--dev-auth has no effect on the public profile: every caller is anonymous")
        access = CasbinAccessPolicy.from_directory(
            rbac_dir, anonymous_search=plan.serves_search, anonymous_file=plan.serves_file
        )
        return Security(AnonymousAuthenticator(), access, plan)
    access = CasbinAccessPolicy.from_directory(rbac_dir)
    return Security(keycloak_authenticator(profile, settings, dev_auth=dev_auth), access, plan)
