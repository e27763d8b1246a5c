"""``registry-api files prune``: remove what :mod:`registry_api.files.collectable` finds, or only
report it (``dry_run``). Each removal is reported as it happens, so an interrupted run says how far it
got; a catalogue row is deleted only while it is still unattached or unbound (an attach that won the race
keeps it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, delete, select
from sqlalchemy.engine import Engine

from registry_api.files.bindings import mark_unbound
from registry_api.files.catalogue import ddm_file_bindings, ddm_files
from registry_api.files.collectable import Collectable, Kind, find_collectable
from registry_api.files.references import drop_if_stale
from registry_api.storage import Storage

log = logging.getLogger(__name__)

Report = Callable[[str], None]


@dataclass
class PruneResult:
    removed: list[Collectable] = field(default_factory=list)
    skipped: list[Collectable] = field(default_factory=list)  # attached meanwhile, or named by history


def prune(
    engine: Engine,
    storage: Storage,
    *,
    older_than: timedelta,
    dry_run: bool = False,
    history_keeps_files: bool = True,
    report: Report = lambda line: None,
    now: datetime | None = None,
) -> PruneResult:
    cutoff = (now or datetime.now(UTC)) - older_than
    with engine.connect() as connection:
        found = find_collectable(storage, connection, cutoff, history_keeps_files=history_keeps_files)
    result = PruneResult()
    verb = "would remove" if dry_run else "removed"
    for item in found:
        if item.kept_by is not None:
            result.skipped.append(item)
            report(f"kept ({item.kept_by}): {item.describe()}")
            continue
        if dry_run or _remove(engine, storage, item):
            result.removed.append(item)
        else:
            result.skipped.append(item)
            report(f"kept (attached meanwhile): {item.describe()}")
            continue
        action = "would abort" if dry_run else "aborted"
        report(f"{action if item.kind is Kind.PENDING_MULTIPART_UPLOAD else verb} {item.describe()}")
    return result


def _remove(engine: Engine, storage: Storage, item: Collectable) -> bool:
    if item.kind is Kind.STALE_BINDING:
        assert item.binding is not None
        with engine.begin() as connection:
            if not drop_if_stale(connection, item.binding):
                return False
            mark_unbound(connection, {item.binding.file_id})
        return True
    if item.kind is Kind.UNREFERENCED_FILE:
        return _remove_unreferenced(engine, storage, item)
    if item.kind is Kind.PENDING_MULTIPART_UPLOAD:
        assert item.upload is not None
        storage.abort_upload(item.bucket, item.upload)
        return True
    if item.kind is Kind.UNATTACHED_UPLOAD:
        with engine.begin() as connection:
            deleted = connection.execute(
                delete(ddm_files)
                .where(and_(ddm_files.c.id == item.file_id, ddm_files.c.attached_at.is_(None)))
                .returning(ddm_files.c.id)
            ).first()
        if deleted is None:
            return False
    storage.delete(item.bucket, item.key)
    return True


def _remove_unreferenced(engine: Engine, storage: Storage, item: Collectable) -> bool:
    """Under the catalogue row's lock (an attach takes it first, so one that binds the file meanwhile
    is seen): still unbound → its objects go, then the row. The objects are deleted before the commit,
    so an adoption of the same id waits for it and then copies afresh (never the other way round)."""
    with engine.begin() as connection:
        row = connection.execute(
            select(ddm_files.c.id).where(ddm_files.c.id == item.file_id).with_for_update()
        ).first()
        bound = connection.execute(
            select(ddm_file_bindings.c.file_id).where(ddm_file_bindings.c.file_id == item.file_id).limit(1)
        ).first()
        if row is None or bound is not None:
            return False
        storage.delete(item.bucket, item.key)
        if item.staging_key is not None:
            storage.delete(storage.staging_bucket, item.staging_key)
        connection.execute(delete(ddm_files).where(ddm_files.c.id == item.file_id))
    return True
