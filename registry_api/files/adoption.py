"""Files a business process put into staging itself, the reference platform's way: an object at
``process/<root>/<fileId>`` in the staging bucket with user metadata (``filename``, ``checksum``…)
but no catalogue row, because it never went through ``POST /files``. An entity write that names
such a file with the process header adopts it: the object is read once to measure it (size,
SHA-256, content type from its bytes) and gets a catalogue row in the write's own transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from registry_api.files.catalogue import CatalogueEntry, ddm_files
from registry_api.files.metadata import filename_of
from registry_api.files.names import new_short_name, sanitize_filename
from registry_api.files.sniffing import SNIFF_BYTES, detect_file_type
from registry_api.storage import ObjectNotFoundError, Storage


@dataclass(frozen=True)
class StagedObject:
    size: int
    sha256: str
    file_type: str
    filename: str


def measure_staged(storage: Storage, key: str, chunk_bytes: int) -> StagedObject | None:
    """Size, SHA-256, detected type and name of a staging object; None when there is none.
    Streams: at most one chunk (and the sniffed head) is held at a time."""
    try:
        stream = storage.open(storage.staging_bucket, key)
    except ObjectNotFoundError:
        return None
    digest = hashlib.sha256()
    head = b""
    size = 0
    for chunk in stream.iter_chunks(chunk_bytes):
        if len(head) < SNIFF_BYTES:
            head += chunk[: SNIFF_BYTES - len(head)]
        digest.update(chunk)
        size += len(chunk)
    # S3 user metadata travels in HTTP headers: the reference stores the name URL-encoded.
    filename = sanitize_filename(filename_of(stream.info.metadata))
    return StagedObject(size, digest.hexdigest(), detect_file_type(head), filename)


def catalogue_staged(
    connection: Connection, file_id: str, key: str, bucket: str, staged: StagedObject, root_process_id: str
) -> CatalogueEntry:
    """The catalogue row of an adopted file, written in ``connection``'s transaction (a failed
    entity write rolls it back with everything else)."""
    connection.execute(
        insert(ddm_files).values(
            id=file_id,
            path_in_storage=key,
            bucket=bucket,
            filename=staged.filename,
            size=staged.size,
            file_type=staged.file_type,
            checksum=staged.sha256,
            short_name=new_short_name(),
            created_at=func.now(),
            root_process_instance_id=root_process_id,
        )
    )
    row = connection.execute(select(ddm_files).where(ddm_files.c.id == file_id)).one()
    return CatalogueEntry.from_row(row)
