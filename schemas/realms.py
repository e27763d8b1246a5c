"""Keycloak realms as a regulation names them (``<ext:role realm="...">``) and as a deployment names them.

The reference platform has three user realms, written several ways in regulations: ``officer`` /
``officer-portal``, ``citizen`` / ``citizen-portal`` and ``external-system`` (its ``-portal`` form is
accepted too). A deployment may call them something else (``REGISTRY_AUTH__OFFICER_REALM`` ...); those
names are understood as well. Every accepted name stands for one :class:`RealmKind`, and a grant bound
to a realm applies to tokens of any realm of the same kind (see docs/security.md "RBAC").
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType


class RealmKind(StrEnum):
    OFFICER = "officer"
    CITIZEN = "citizen"
    EXTERNAL_SYSTEM = "external-system"


REFERENCE_REALM_NAMES: Mapping[str, RealmKind] = MappingProxyType(
    {
        "officer": RealmKind.OFFICER,
        "officer-portal": RealmKind.OFFICER,
        "citizen": RealmKind.CITIZEN,
        "citizen-portal": RealmKind.CITIZEN,
        "external-system": RealmKind.EXTERNAL_SYSTEM,
        "external-system-portal": RealmKind.EXTERNAL_SYSTEM,
    }
)


def realm_names(configured: Mapping[RealmKind, str] | None = None) -> dict[str, RealmKind]:
    """Every realm name understood: the reference's, and the deployment's ``configured`` ones (which
    win where a configured name is also a reference name of another kind)."""
    names: dict[str, RealmKind] = dict(REFERENCE_REALM_NAMES)
    for kind, name in (configured or {}).items():
        names[name] = kind
    return names


def accepted_list(names: Mapping[str, RealmKind]) -> str:
    """``citizen, citizen-portal, ...``: the accepted values, for a message."""
    return ", ".join(sorted(names))
