"""What a running service holds (settings, database engine, file service, identity and access rules)
and how routes reach it: ``request.app.state.runtime``, through :func:`runtime_of`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine
from starlette.requests import HTTPConnection

from registry_api.access import AccessPolicy, Authenticator, Identity
from registry_api.profiles import RoutePlan
from registry_api.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    authenticator: Authenticator
    access: AccessPolicy
    plan: RoutePlan
    files: Any | None = None  # registry_api.files.FileService when S3 is configured
    read_engine: Engine | None = None  # autocommit pool for single-statement reads (else ``engine``)
    extras: dict[str, Any] = field(default_factory=dict)

    def read_connection(self) -> Connection:
        """A connection for a single read: autocommit, so no BEGIN/ROLLBACK round trips around it."""
        if self.read_engine is not None:
            return self.read_engine.connect()
        return self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")


def runtime_of(connection: HTTPConnection) -> Runtime:
    runtime: Runtime = connection.app.state.runtime
    return runtime


class DevelopmentAuthenticator:
    """Local runs without Keycloak: every caller is the same authenticated developer.

    Never the default of a deployment: ``serve`` installs it only with ``--dev-auth``."""

    def __init__(self, subject: str = "developer", roles: frozenset[str] = frozenset()) -> None:
        self.identity = Identity(
            subject=subject, realm="development", roles=roles | {"isAuthenticated"}, anonymous=False
        )

    def authenticate(self, connection: HTTPConnection) -> Identity:
        return self.identity


def new_entity_id() -> uuid.UUID:
    return uuid.uuid4()
