"""The migrator's errors: every one names what stopped the run; no stack trace is needed to act on it."""


class MigrationError(Exception):
    """The migration stopped; the message names the changeset and says why."""


class MigrationLockedError(MigrationError):
    """Another migrator is working on this database."""
