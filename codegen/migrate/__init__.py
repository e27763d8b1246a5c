"""The migrator: applies a regulation's changesets to PostgreSQL like Liquibase (see docs/migrations.md).

``migrate(regulation, engine_or_url, contexts=None, dry_run=False, out=None, lock_wait_s=120.0)
-> MigrationReport``.
"""

from codegen.migrate.errors import MigrationError, MigrationLockedError
from codegen.migrate.runner import ChangeSetRef, MigrationReport, migrate

__all__ = ["ChangeSetRef", "MigrationError", "MigrationLockedError", "MigrationReport", "migrate"]
