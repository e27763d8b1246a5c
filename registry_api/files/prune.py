"""``registry-api files prune``: remove what :mod:`registry_api.files.collectable` finds, or only
report it (``dry_run``). Each removal is reported as it happens, so an interrupted run says how far it
got; a catalogue row is deleted only while it was never attached (an attach that won the race keeps it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, delete
from sqlalchemy.engine import Engine

from registry_api.files.catalogue import ddm_files
from registry_api.files.collectable import Collectable, Kind, find_collectable
from registry_api.storage import Storage

log = logging.getLogger(__name__)

Report = Callable[[str], None]


@dataclass
class PruneResult:
    removed: list[Collectable] = field(default_factory=list)
    skipped: list[Collectable] = field(default_factory=list)  # attached meanwhile: kept


def prune(
    engine: Engine,
    storage: Storage,
    *,
    older_than: timedelta,
    dry_run: bool = False,
    report: Report = lambda line: None,
    now: datetime | None = None,
) -> PruneResult:
    cutoff = (now or datetime.now(UTC)) - older_than
    with engine.connect() as connection:
        found = find_collectable(storage, connection, cutoff)
    result = PruneResult()
    verb = "would remove" if dry_run else "removed"
    for item in found:
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
