"""What ``registry-api files prune`` may remove: the one place that decides whether a stored file, a
catalogue row or an open multipart upload is garbage.

Only what is older than the cut-off is ever considered, so a write in progress (an upload streaming, an
attach between its copy and its commit) is never touched; pick a cut-off longer than any write takes.

* ``UNATTACHED_UPLOAD`` — a catalogue row never attached (uploaded, never bound to an entity), with
  its staging object; the row goes too.
* ``STRAY_STAGING_OBJECT`` — an ``uploads/<id>`` object without a catalogue row (an upload that failed
  between storing and cataloguing). ``process/`` belongs to business processes and is never swept.
* ``ORPHAN_REGISTRY_OBJECT`` — a registry-bucket object of no attached file: no catalogue row, or one
  never attached (a write whose commit failed with the database out of reach: its outcome was unknown,
  so the copy was kept).
* ``PENDING_MULTIPART_UPLOAD`` — a multipart upload started and never completed or aborted (S3 or the
  service died mid-upload), in either bucket.

* ``STALE_BINDING`` — a binding whose row does not hold its file any more (the row was deleted or
  changed by SQL, or before unbinding existed): the binding goes, and the file counts as unbound from
  then on (collected by a later run, after the grace period).
* ``UNREFERENCED_FILE`` — an attached file that lost its last binding (``ddm_files.unbound_at``) before
  the cut-off and that no row of any table names (``references.py``; rows of history tables count
  while ``files.history_keeps_files`` is true, the default): its catalogue row, its registry object and
  its ``uploads/`` staging object go. Found but named by history only: reported, kept.

The staging object of an attached file is kept while the file is: a new binding proves possession by
it (``FileService.rebind``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.engine import Connection

from registry_api.files.catalogue import ddm_file_bindings, ddm_files, is_file_id
from registry_api.files.keys import UPLOADS_PREFIX
from registry_api.files.references import StaleBinding, file_columns, named_files, stale_bindings
from registry_api.storage import PendingUpload, Storage


class Kind(StrEnum):
    UNATTACHED_UPLOAD = "unattached upload"
    STRAY_STAGING_OBJECT = "staging object without a catalogue row"
    ORPHAN_REGISTRY_OBJECT = "registry object of no attached file"
    PENDING_MULTIPART_UPLOAD = "unfinished multipart upload"
    STALE_BINDING = "binding whose row no longer holds the file"
    UNREFERENCED_FILE = "file no entity holds any more"


@dataclass(frozen=True)
class Collectable:
    kind: Kind
    bucket: str
    key: str
    since: datetime  # when it was created (row), last written (object) or started (multipart upload)
    file_id: str | None = None  # UNATTACHED_UPLOAD, UNREFERENCED_FILE: the catalogue row that goes too
    size: int | None = None
    upload: PendingUpload | None = None
    binding: StaleBinding | None = None  # STALE_BINDING
    staging_key: str | None = None  # UNREFERENCED_FILE: its uploads/ object, removed with it
    kept_by: str | None = None  # found, but kept: why (a history row names the file)

    def describe(self) -> str:
        size = f", {self.size} bytes" if self.size is not None else ""
        since = self.since.isoformat()
        if self.binding is not None:
            place = f"{self.binding.entity}/{self.binding.entity_id}/{self.binding.field}"
            return f"{self.kind}: {place} -> {self.binding.file_id} (since {since})"
        return f"{self.kind}: {self.bucket}/{self.key} (since {since}{size})"


def find_collectable(
    storage: Storage, connection: Connection, cutoff: datetime, *, history_keeps_files: bool = True
) -> list[Collectable]:
    """Everything collectable that is older than ``cutoff`` (an aware datetime), in a stable order;
    unreferenced files that history rows name come with ``kept_by`` set when history keeps files."""
    found = [
        *_unattached_uploads(connection, cutoff),
        *_staging_objects(storage, connection, cutoff),
        *_orphan_registry_objects(storage, connection, cutoff),
        *_pending_uploads(storage, cutoff),
        *_stale_bindings(connection, cutoff),
        *_unreferenced_files(storage, connection, cutoff, history_keeps_files),
    ]
    return found


def _stale_bindings(connection: Connection, cutoff: datetime) -> Iterator[Collectable]:
    for binding in stale_bindings(connection, cutoff):
        yield Collectable(
            Kind.STALE_BINDING, "", "", binding.bound_at, file_id=binding.file_id, binding=binding
        )


def _unreferenced_files(
    storage: Storage, connection: Connection, cutoff: datetime, history_keeps_files: bool
) -> Iterator[Collectable]:
    bound = select(ddm_file_bindings.c.file_id).where(ddm_file_bindings.c.file_id == ddm_files.c.id)
    rows = connection.execute(
        select(ddm_files.c.id, ddm_files.c.path_in_storage, ddm_files.c.size, ddm_files.c.unbound_at)
        .where(
            ddm_files.c.attached_at.is_not(None),
            ddm_files.c.unbound_at < cutoff,
            ~bound.exists(),
        )
        .order_by(ddm_files.c.unbound_at, ddm_files.c.id)
    ).all()
    if not rows:
        return
    ids = [str(row.id) for row in rows]
    columns = file_columns(connection)
    live = named_files(connection, ids, [c for c in columns if not c.is_history])
    history = [c for c in columns if c.is_history] if history_keeps_files else []
    in_history = named_files(connection, [i for i in ids if i not in live], history)
    for row, file_id in zip(rows, ids, strict=True):
        if file_id in live:
            continue  # a row names it without a binding (written by SQL): never collect what is named
        kept_by = "a history row names it" if file_id in in_history else None
        staged = row.path_in_storage if row.path_in_storage.startswith(UPLOADS_PREFIX) else None
        yield Collectable(
            Kind.UNREFERENCED_FILE,
            storage.registry_bucket,
            file_id,
            row.unbound_at,
            file_id=file_id,
            size=row.size,
            staging_key=staged,
            kept_by=kept_by,
        )


def _unattached_uploads(connection: Connection, cutoff: datetime) -> Iterator[Collectable]:
    rows = connection.execute(
        select(
            ddm_files.c.id,
            ddm_files.c.bucket,
            ddm_files.c.path_in_storage,
            ddm_files.c.size,
            ddm_files.c.created_at,
        )
        .where(and_(ddm_files.c.attached_at.is_(None), ddm_files.c.created_at < cutoff))
        .order_by(ddm_files.c.created_at, ddm_files.c.id)
    )
    for row in rows:
        yield Collectable(
            Kind.UNATTACHED_UPLOAD, row.bucket, row.path_in_storage, row.created_at, str(row.id), row.size
        )


def _staging_objects(storage: Storage, connection: Connection, cutoff: datetime) -> Iterator[Collectable]:
    bucket = storage.staging_bucket
    listed = [item for item in storage.list(bucket, UPLOADS_PREFIX) if item.last_modified < cutoff]
    ids = {item.key: _file_id(item.key.removeprefix(UPLOADS_PREFIX)) for item in listed}
    rows = _rows_by_id(connection, (i for i in ids.values() if i is not None))
    for item in listed:
        file_id = ids[item.key]
        row = rows.get(file_id) if file_id is not None else None
        if row is None:
            yield Collectable(Kind.STRAY_STAGING_OBJECT, bucket, item.key, item.last_modified, size=item.size)
        # a catalogued file's object goes with its row (UNATTACHED_UPLOAD), or stays with the file


def _orphan_registry_objects(
    storage: Storage, connection: Connection, cutoff: datetime
) -> Iterator[Collectable]:
    bucket = storage.registry_bucket
    listed = [item for item in storage.list(bucket) if item.last_modified < cutoff]
    rows = _rows_by_id(connection, (i for i in (_file_id(item.key) for item in listed) if i is not None))
    for item in listed:
        row = rows.get(_file_id(item.key) or "")
        if row is None or row.attached_at is None:
            yield Collectable(
                Kind.ORPHAN_REGISTRY_OBJECT, bucket, item.key, item.last_modified, size=item.size
            )


def _pending_uploads(storage: Storage, cutoff: datetime) -> Iterator[Collectable]:
    for bucket in (storage.staging_bucket, storage.registry_bucket):
        for upload in storage.pending_uploads(bucket):
            if upload.initiated < cutoff:
                yield Collectable(
                    Kind.PENDING_MULTIPART_UPLOAD, bucket, upload.key, upload.initiated, upload=upload
                )


def _rows_by_id(connection: Connection, file_ids: Iterable[str]) -> dict[str, Any]:
    wanted = sorted(set(file_ids))
    if not wanted:
        return {}
    rows = connection.execute(
        select(ddm_files.c.id, ddm_files.c.attached_at).where(ddm_files.c.id.in_(wanted))
    )
    return {str(row.id): row for row in rows}


def _file_id(name: str) -> str | None:
    return str(uuid.UUID(name)) if is_file_id(name) and "/" not in name else None
