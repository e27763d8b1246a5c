"""What a running service holds (settings, database engines, file service, identity and access rules),
and who a request is from. Plain values: the HTTP edge (``registry_api.http``) builds them and hands
them to the services."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from rbac.rows import RowSecurity
from registry_api.access import AccessPolicy, Authenticator, Identity
from registry_api.files.links import LinkService
from registry_api.files.service import FileService
from registry_api.headers import SourceHeaders
from registry_api.profiles import RoutePlan
from registry_api.settings import Settings
from registry_api.signatures import SignedPayload, Verifier


@dataclass(frozen=True)
class Security:
    """Who may call a deployment and what it serves: built by ``registry_api.deploy`` alone."""

    authenticator: Authenticator
    access: AccessPolicy
    plan: RoutePlan
    rows: RowSecurity  # row-level security (ext:rls)
    verifier: Verifier | None = None  # signatures.verifier: checks each signed write (None: not verified)


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    security: Security
    files: FileService
    links: LinkService
    read_engine: Engine | None = None  # autocommit pool for single-statement reads (else ``engine``)

    @property
    def access(self) -> AccessPolicy:
        return self.security.access

    @property
    def plan(self) -> RoutePlan:
        return self.security.plan

    @property
    def rows(self) -> RowSecurity:
        return self.security.rows

    def read_connection(self) -> Connection:
        """A connection for a single read: autocommit, so no BEGIN/ROLLBACK round trips around it."""
        return self.statement_connection()

    def statement_connection(self) -> Connection:
        """An autocommit connection, for work that is one statement (a read, or a write whose row and
        history are one statement): a single statement is atomic by itself, so no BEGIN/COMMIT."""
        if self.read_engine is not None:
            return self.read_engine.connect()
        return self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")


@dataclass(frozen=True, slots=True)
class Caller:
    """One request's caller, as the services see it: who, and what the business-process headers say."""

    runtime: Runtime
    identity: Identity
    headers: SourceHeaders
    signed: SignedPayload | None = None  # a write carrying X-Digital-Signature*: the payload's SHA-256
