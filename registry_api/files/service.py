"""The file service: upload to staging, attach to entities, serve content, business-process copies.

DESIGN.md §4 "File lifecycle" is the contract. The bytes live in S3 under opaque keys; names, types,
sizes and checksums live in the catalogue ``ddm_files``, where each file is used in ``ddm_file_bindings``.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import uuid
import warnings
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import anyio.from_thread
import anyio.lowlevel
from sqlalchemy import (
    Column,
    MetaData,
    Select,
    Table,
    Text,
    and_,
    bindparam,
    cast,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import (
    DBAPIError,
    IntegrityError,
    NoSuchTableError,
    SAWarning,
    StatementError,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import NullType

from rbac.rows import RowFilter
from registry_api.access import Identity
from registry_api.database_errors import is_unreachable
from registry_api.errors import ApiError, ErrorCode
from registry_api.files.adoption import catalogue_staged, measure_staged
from registry_api.files.bindings import bind, bindings_of, bound_here, unbind, unbind_entity
from registry_api.files.catalogue import Binding, CatalogueEntry, ddm_file_bindings, ddm_files, is_file_id
from registry_api.files.content import ContentResponder, DownloadAnswer, DownloadQuery
from registry_api.files.download import file_was_changed
from registry_api.files.keys import registry_key, staging_key
from registry_api.files.metadata import FormContext, object_metadata
from registry_api.files.names import content_disposition, new_short_name, sanitize_filename
from registry_api.files.quota import UploadQuota
from registry_api.files.sniffing import SNIFF_BYTES, detect_file_type
from registry_api.files.upload import MultipartFileReader, PayloadTooLargeError, PrefixedReader, boundary_of
from registry_api.rows import row_condition
from registry_api.settings import Settings
from registry_api.storage import SINGLE_PUT_BYTES, ObjectNotFoundError, ObjectStream, Storage
from schemas.naming import to_camel
from schemas.wire import FileRef, PresignedLink, UploadedFile

__all__ = ["FileService", "FileValue", "UploadBody"]

log = logging.getLogger(__name__)

_MULTIPART_OVERHEAD = 64 * 1024  # boundaries and part headers around the file in a multipart body
_BODY_BLOCK = 1024 * 1024  # request body handed to the upload thread in blocks of about this size
_DRAIN_LIMIT = 16 * 1024 * 1024  # at most this much of a refused upload is read before closing

FileValue = FileRef | Mapping[str, Any] | Sequence[FileRef | Mapping[str, Any]] | None


@dataclass(frozen=True)
class UploadBody:
    """An upload as the HTTP edge hands it over: the body stream and what its headers said."""

    chunks: AsyncIterator[bytes]
    content_type: str | None
    content_length: str | None
    form: FormContext = field(default_factory=FormContext)  # query ``fieldName``, ``formKey``


class FileService:
    """Files of one registry: its database (the catalogue and the entities' file columns) and its two
    buckets. Access control is not decided here: the HTTP edge checks the caller's grants before it
    calls ``content`` or ``presigned_link``."""

    def __init__(
        self, settings: Settings, engine: Engine, storage: Storage, read_engine: Engine | None = None
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.read_engine = read_engine  # autocommit pool for single-statement reads (else ``engine``)
        self.storage = storage
        self._content = ContentResponder(settings.files, storage, engine)
        self._uploads = UploadQuota(settings.files.max_uploads_per_minute)
        self._tables: dict[str, Table] = {}
        self._download_statements: dict[tuple[Table, str], Select[Any]] = {}  # by the tables' identity
        self._copies: dict[int, list[str]] = {}  # id(Connection) of an open write -> its registry copies
        self._copies_lock = threading.Lock()

    @classmethod
    def from_settings(
        cls, settings: Settings, engine: Engine, read_engine: Engine | None = None
    ) -> FileService:
        """A service on ``settings.s3``; buckets are created when ``s3.create_buckets`` says so."""
        storage = Storage(settings.s3)
        if settings.s3.create_buckets:
            try:
                storage.ensure_buckets()
            except ApiError:
                log.warning("S3 is not reachable yet: buckets were not checked")
        return cls(settings, engine, storage, read_engine)

    # ------------------------------------------------------------------------------------ upload

    async def upload_stream(
        self, body: UploadBody, identity: Identity, root_process_id: str | None
    ) -> UploadedFile:
        """``POST /files``: the request body streams to S3 from a worker thread, which pulls the
        body from the event loop block by block (never more than a block and an S3 part in RAM)."""
        limit = self.settings.files.max_upload_bytes
        boundary = boundary_of(body.content_type)
        self._uploads.take(f"{identity.realm}/{identity.subject}")
        declared = body.content_length
        chunks = body.chunks
        if declared is not None and declared.isdigit() and int(declared) > limit + _MULTIPART_OVERHEAD:
            await _drain(chunks, limit)
            raise _too_large(limit)
        token = anyio.lowlevel.current_token()

        async def next_block() -> bytes:
            block = bytearray()
            async for chunk in chunks:
                block.extend(chunk)
                if len(block) >= _BODY_BLOCK:
                    break
            return bytes(block)

        def pull() -> bytes:
            return anyio.from_thread.run(next_block, token=token)

        reader = MultipartFileReader(pull, boundary, field_name="file", max_bytes=limit)
        try:
            return await anyio.to_thread.run_sync(self.upload, reader, identity, root_process_id, body.form)
        except ApiError:  # too large, S3 or the database out of reach: the client gets to read why
            await _drain(chunks, limit)
            raise

    def upload(
        self,
        reader: MultipartFileReader,
        identity: Identity,
        root_process_id: str | None,
        form: FormContext = FormContext(),
    ) -> UploadedFile:
        """Store the file part of ``reader`` in staging, then catalogue it (never the other way round)."""
        limit = self.settings.files.max_upload_bytes
        try:  # a small limit can be passed while the parser looks for the file's first bytes
            filename = sanitize_filename(reader.open())
            file_type = detect_file_type(reader.peek(SNIFF_BYTES))
        except PayloadTooLargeError:
            raise _too_large(limit) from None
        file_id = str(uuid.uuid4())
        key = staging_key(file_id, root_process_id)
        bucket = self.storage.staging_bucket
        try:
            self._store_upload(bucket, key, reader, file_id, filename, file_type, form)
        except PayloadTooLargeError:
            self._forget_object(bucket, key)  # a multipart upload is aborted by boto3; be sure anyway
            raise _too_large(limit) from None
        except BaseException:
            self._forget_object(bucket, key)
            raise
        values = {
            "id": file_id,
            "path_in_storage": key,
            "bucket": bucket,
            "filename": filename,
            "size": reader.size,
            "file_type": file_type,
            "checksum": reader.sha256,
            "created_by": None if identity.anonymous else identity.subject,
            "root_process_instance_id": root_process_id,
        }
        try:
            short_name = self._insert_catalogue_row(values)
        except BaseException:
            self._forget_object(bucket, key)  # no object without its catalogue row
            raise
        return UploadedFile.model_validate(
            {
                "id": file_id,
                "checksum": reader.sha256,
                "filename": filename,
                "size": reader.size,
                "contentType": file_type,
                "shortName": short_name,
            }
        )

    def _store_upload(
        self,
        bucket: str,
        key: str,
        reader: MultipartFileReader,
        file_id: str,
        filename: str,
        file_type: str,
        form: FormContext,
    ) -> None:
        """The object with the reference's user metadata (``files/metadata.py``). A file of one S3
        part is hashed before its single PUT, so its metadata has the checksum from the start; a larger
        one streams in parts and gets the checksum in a metadata update once the last part is in."""
        head = reader.read(SINGLE_PUT_BYTES + 1)
        if len(head) <= SINGLE_PUT_BYTES:
            metadata = object_metadata(file_id, filename, reader.sha256, form)
            self.storage.put(bucket, key, head, content_type=file_type, metadata=metadata)
            return
        metadata = object_metadata(file_id, filename, None, form)
        self.storage.upload(
            bucket, key, PrefixedReader(head, reader), content_type=file_type, metadata=metadata
        )
        checksummed = object_metadata(file_id, filename, reader.sha256, form)
        self.storage.replace_metadata(bucket, key, checksummed, content_type=file_type, size=reader.size)

    def _insert_catalogue_row(self, values: Mapping[str, Any]) -> str:
        for _ in range(3):  # a short-name collision (~2^-128) is retried, not reported
            short_name = new_short_name()
            try:
                with _database_errors(), self.engine.begin() as connection:
                    connection.execute(
                        insert(ddm_files).values(**values, short_name=short_name, created_at=func.now())
                    )
                return short_name
            except IntegrityError:
                continue
        raise ApiError(ErrorCode.RUNTIME_ERROR, "Could not allocate a short name")

    def _forget_object(self, bucket: str, key: str) -> None:
        with contextlib.suppress(Exception):
            self.storage.delete(bucket, key)

    # ------------------------------------------------------------------------------------ attach

    @contextlib.contextmanager
    def write_transaction(self, engine: Engine | None = None) -> Iterator[Connection]:
        """The transaction of an entity write that binds files (``engine``: the service's own by
        default). The objects :meth:`attach` and :meth:`rebind` copy into the registry bucket inside it
        are tracked here, in the write's own scope, never on the connection (which may be dead by then).
        When the block fails they are removed — before the rollback, while the write still holds its
        catalogue rows, so no other write can copy the same file in between — and a rollback failing on
        a dead connection is swallowed, so the original error is the one raised. When the COMMIT fails
        with the database out of reach its outcome is unknown: the copies stay, and ``files prune``
        removes those no catalogue row records (``registry_api/files/collectable.py``)."""
        copies: list[str] = []
        with (engine or self.engine).connect() as connection:
            with self._copies_lock:
                self._copies[id(connection)] = copies
            try:
                transaction = connection.begin()
                try:
                    yield connection
                except BaseException:
                    self._remove_registry_objects(copies)
                    with contextlib.suppress(Exception):  # a dead connection must not mask the cause
                        transaction.rollback()
                    raise
                try:
                    transaction.commit()
                except DBAPIError as error:
                    if is_unreachable(error):
                        log.warning("commit outcome unknown: %d registry copies kept for prune", len(copies))
                    else:
                        self._remove_registry_objects(copies)
                    raise
            finally:
                with self._copies_lock:
                    self._copies.pop(id(connection), None)

    def attach(
        self,
        connection: Connection,
        table: Table | str,
        entity_id: Any,
        values: Mapping[str, Any],
        root_process_id: str | None = None,
    ) -> None:
        """Bind the files a new row references, inside the caller's transaction (a create).

        ``values`` maps file columns to their value (a reference, a list of them, or None). Raises 400
        FILE_NOT_FOUND (field names in ``details``) for files not staged, 409 FILE_WAS_CHANGED for a
        checksum that is not the file's. A file's first attach copies it into the registry bucket as
        ``<fileId>``; a file already there (bound elsewhere: the same bytes in another record or field)
        is only bound, never copied again. Runs inside :meth:`write_transaction`, which removes the objects
        copied when the write fails. With ``root_process_id``, a file a business process staged
        itself (no catalogue row yet) is adopted (``files/adoption.py``)."""
        self._bind(connection, _table_name(table), _entity_key(entity_id), values, root_process_id, {})

    def rebind(
        self,
        connection: Connection,
        table: Table | str,
        entity_id: Any,
        values: Mapping[str, Any],
        root_process_id: str | None = None,
    ) -> None:
        """``attach`` for an update: ``values`` are the new values of the columns it names (a PUT names
        every file column, a PATCH the listed ones). Files those columns held and no longer hold are
        unbound; files they keep need not be staged again."""
        table_name, key = _table_name(table), _entity_key(entity_id)
        held = bound_here(connection, table_name, key)
        self._bind(connection, table_name, key, values, root_process_id, held)
        kept = {
            column: {_canonical_id(ref.id) for ref in _file_refs(value) if is_file_id(ref.id)}
            for column, value in values.items()
        }
        unbind(connection, table_name, key, kept)

    def unbind_entity(self, connection: Connection, table: Table | str, entity_id: Any) -> None:
        """A row is deleted: its files lose these bindings (``files prune`` collects unused files)."""
        unbind_entity(connection, _table_name(table), _entity_key(entity_id))

    def _bind(
        self,
        connection: Connection,
        table_name: str,
        entity_id: str,
        values: Mapping[str, Any],
        root_process_id: str | None,
        held: Mapping[str, set[str]],
    ) -> None:
        refs = [(column, ref) for column, value in values.items() for ref in _file_refs(value)]
        if not refs:
            return
        with self._copies_lock:
            copied = self._copies.get(id(connection))
        if copied is None:  # a copy nobody would remove on failure: refuse before making one
            raise RuntimeError("FileService.attach and rebind run inside FileService.write_transaction()")
        missing: list[str] = []
        changed: list[str] = []
        valid_ids = sorted({_canonical_id(ref.id) for _, ref in refs if is_file_id(ref.id)})
        rows = (
            connection.execute(
                select(ddm_files).where(ddm_files.c.id.in_(valid_ids)).with_for_update()
            ).fetchall()
            if valid_ids
            else []
        )
        entries = {entry.id: entry for entry in map(CatalogueEntry.from_row, rows)}
        to_bind: dict[str, list[str]] = {}  # column -> file ids
        to_stage: dict[str, tuple[str, CatalogueEntry]] = {}  # file id -> (a column, entry): must be staged
        for column, ref in refs:
            field = to_camel(column)
            entry = entries.get(_canonical_id(ref.id)) if is_file_id(ref.id) else None
            if entry is None and root_process_id and is_file_id(ref.id):
                # staged by a business process itself, not through POST /files: adopt it
                file_id = _canonical_id(ref.id)
                key = staging_key(file_id, root_process_id)
                staged = measure_staged(self.storage, key, self.settings.files.chunk_bytes)
                if staged is not None and staged.sha256 != ref.checksum:
                    _add_once(changed, field)
                    continue
                if staged is not None:
                    bucket = self.storage.staging_bucket
                    entry = catalogue_staged(connection, file_id, key, bucket, staged, root_process_id)
                    entries[file_id] = entry
            if entry is None:
                _add_once(missing, field)
                continue
            if ref.checksum != entry.checksum:
                _add_once(changed, field)
                continue
            to_bind.setdefault(column, []).append(entry.id)
            if entry.id not in held.get(column, ()):
                to_stage.setdefault(entry.id, (column, entry))  # a new binding: proof of possession
        staged_keys = [staging_key(file_id, root_process_id) for file_id in to_stage]
        present = self.storage.exist(self.storage.staging_bucket, staged_keys)  # side by side
        for (column, _), found in zip(to_stage.values(), present, strict=True):
            if not found:
                _add_once(missing, to_camel(column))
        _raise_first(missing, changed)

        to_copy = [entry for _, entry in to_stage.values() if not self._in_registry(entry)]
        for entry in to_copy:
            copied.append(entry.id)  # before the copy: one that fails half-way is removed too
            self.storage.copy(
                self.storage.staging_bucket,
                staging_key(entry.id, root_process_id),
                self.storage.registry_bucket,
                registry_key(entry.id),
                size=entry.size,  # the staged object's metadata travels along, as on the reference
            )
        if to_copy:
            connection.execute(
                update(ddm_files)
                .where(ddm_files.c.id.in_([entry.id for entry in to_copy]))
                .values(attached_at=func.now())
            )
        bind(connection, table_name, entity_id, to_bind)

    def _in_registry(self, entry: CatalogueEntry) -> bool:
        """Whether the file's registry object is there (attached before). A file that lost every
        binding is checked in S3 too: a prune that removed the object may have failed to commit."""
        if not entry.in_registry:
            return False
        if entry.unbound_at is None:
            return True
        return self.storage.exists(self.storage.registry_bucket, registry_key(entry.id))

    def _remove_registry_objects(self, file_ids: Sequence[str]) -> None:
        for file_id in file_ids:
            try:
                self.storage.delete(self.storage.registry_bucket, registry_key(file_id))
            except Exception:
                log.warning("could not remove registry object %s after a failed write", file_id)

    # ------------------------------------------------------------------ business-process copies

    def copy_to_process(
        self,
        connection: Connection | None,
        table: Table | str,
        entity_id: Any,
        values: Mapping[str, Any],
        root_process_id: str,
    ) -> None:
        """On an entity read or a search with ``X-Source-Root-Business-Process-Instance-Id``: put each
        file of the values back to ``process/<root>/<id>`` in staging, where business processes read
        it; a file held by several columns (or rows) is copied once. (``connection``, ``table`` and
        ``entity_id`` name the read; the copies need only the values.) ``root_process_id`` was
        validated with the request's headers (``registry_api.headers``). 400 FILE_NOT_FOUND names
        the fields whose files are missing in the registry bucket."""
        missing: list[str] = []
        holders: dict[str, list[str]] = {}  # file id -> the fields holding it
        for column, value in values.items():
            for ref in _file_refs(value):
                if is_file_id(ref.id):
                    _add_once(holders.setdefault(_canonical_id(ref.id), []), to_camel(column))
                else:
                    _add_once(missing, to_camel(column))
        for file_id, fields in holders.items():
            try:
                self.storage.copy(
                    self.storage.registry_bucket,
                    registry_key(file_id),
                    self.storage.staging_bucket,
                    staging_key(file_id, root_process_id),
                    size=None,
                )
            except ObjectNotFoundError:
                for field in fields:
                    _add_once(missing, field)
        if missing:
            order = [to_camel(column) for column in values]
            missing.sort(key=order.index)
            raise ApiError(ErrorCode.FILE_NOT_FOUND, "Files of the entity are missing", details=missing)

    # ------------------------------------------------------------------------------------ content

    def content(
        self,
        table: Table | str,
        column: str,
        entity_id: Any,
        file_id: str,
        query: DownloadQuery,
        rows: RowFilter | None = None,
    ) -> DownloadAnswer:
        """``GET|HEAD /files/{entity}/{entityId}/{field}/{fileId}``: the file as raw bytes or as
        Base64 JSON (``Accept: application/json``), with validators and single byte ranges; 404
        unless the entity exists and ``column`` holds that file. ``table`` is the entity's Table, or
        its name (its key is then read once from the database). ``rows``: the entity rows the caller
        may see (row-level security); a file of another row is not found."""
        return self.respond(self.bound_entry(table, column, entity_id, file_id, rows), query)

    def bound_entry(
        self, table: Table | str, column: str, entity_id: Any, file_id: str, rows: RowFilter | None = None
    ) -> CatalogueEntry:
        """The catalogue entry of ``file_id`` if the entity exists (and is one of ``rows``) and ``column``
        holds that file (404 otherwise; 500 FILE_WAS_CHANGED when the entity's checksum is not the
        catalogue's)."""
        return self._bound_entry(table, column, _entity_key(entity_id), file_id, rows)

    def respond(self, entry: CatalogueEntry, query: DownloadQuery) -> DownloadAnswer:
        """The content answer for a file :meth:`bound_entry` found (signed links check their own
        conditions in between)."""
        return self._content.respond(query, entry)

    def open_input(self, file_id: str, checksum: str, root_process_id: str | None) -> ObjectStream:
        """A file handed to the service as input (a CSV to load), not bound anywhere: uploaded with
        ``POST /files``, or staged by a business process at ``process/<root>/<id>``. 400 FILE_NOT_FOUND
        when it is neither, 409 FILE_WAS_CHANGED when ``checksum`` is not the uploaded file's. The
        stream is the stored bytes: the caller verifies them against ``checksum`` as it reads."""
        if not is_file_id(file_id):
            raise ApiError(ErrorCode.FILE_NOT_FOUND, "The file was not uploaded", details=["file"])
        file_id = _canonical_id(file_id)
        with _database_errors(), self.engine.connect() as connection:
            row = connection.execute(select(ddm_files).where(ddm_files.c.id == file_id)).first()
        if row is not None:
            entry = CatalogueEntry.from_row(row)
            if entry.checksum != checksum:
                raise ApiError(
                    ErrorCode.FILE_WAS_CHANGED, "The checksum is not the file's", details=["file"], status=409
                )
            if entry.in_registry:
                bucket, key = self.storage.registry_bucket, registry_key(file_id)
            else:
                bucket, key = entry.bucket, entry.path_in_storage
        elif root_process_id:
            bucket, key = self.storage.staging_bucket, staging_key(file_id, root_process_id)
        else:
            raise ApiError(ErrorCode.FILE_NOT_FOUND, "The file was not uploaded", details=["file"])
        try:
            return self.storage.open(bucket, key)
        except ObjectNotFoundError:
            raise ApiError(ErrorCode.FILE_NOT_FOUND, "The file was not uploaded", details=["file"]) from None

    def resolve_short_name(self, short_name: str) -> tuple[CatalogueEntry, list[Binding]]:
        """The attached file behind a short link and the places it is bound (oldest first); 404 for
        unknown files and files bound nowhere."""
        if len(short_name) > 24 or not short_name.isalnum():
            raise _not_found()
        with _database_errors(), self.engine.connect() as connection:
            row = connection.execute(select(ddm_files).where(ddm_files.c.short_name == short_name)).first()
            places = bindings_of(connection, row.id) if row is not None else []
        if row is None or not places:
            raise _not_found()
        return CatalogueEntry.from_row(row), places

    def presigned_link(
        self,
        table: Table | str,
        column: str,
        entity_id: Any,
        file_id: str,
        expires_in_s: int | None,
        rows: RowFilter | None = None,
    ) -> PresignedLink:
        files = self.settings.files
        expires = files.presign_default_expiry_s if expires_in_s is None else expires_in_s
        if not 0 < expires <= files.presign_max_expiry_s:
            raise ApiError(
                ErrorCode.VALIDATION_ERROR,
                f"expiresIn must be between 1 and {files.presign_max_expiry_s} seconds",
                details={"errors": [{"field": "expiresIn", "message": "out of range"}]},
            )
        entry = self._bound_entry(table, column, _entity_key(entity_id), file_id, rows)
        url = self.storage.presign_get(
            self.storage.registry_bucket,
            registry_key(entry.id),
            expires,
            content_disposition=content_disposition(entry.filename),
            content_type=entry.file_type,
        )
        return PresignedLink.model_validate(
            {"url": url, "expiresAt": datetime.now(UTC) + timedelta(seconds=expires)}
        )

    def _bound_entry(
        self,
        table_or_name: Table | str,
        column: str,
        entity_id: str,
        file_id: str,
        rows: RowFilter | None = None,
    ) -> CatalogueEntry:
        """The catalogue entry of ``file_id`` if the entity exists, ``column`` holds that file and the
        file is bound there (attached through the service, not written into the row by other means).
        An entity that does not hold it is 404, or the reference's 400 ``FILE_NOT_FOUND`` with
        ``files.reference_file_not_found``."""
        valid = is_file_id(file_id)
        if not valid and not self.settings.files.reference_file_not_found:
            raise _not_found()
        table = self._entity_table(table_or_name)
        if table is None or column not in table.c:
            raise _not_found()
        asked, file_id = file_id, _canonical_id(file_id) if valid else file_id
        primary_key = list(table.primary_key.columns)
        if len(primary_key) != 1:
            raise ApiError(ErrorCode.RUNTIME_ERROR, "Files need an entity with a single-column key")
        bound_id = file_id if valid else None  # an id of no file's shape matches no catalogue row
        statement = self._download_statement(table, primary_key[0], column)
        if rows is not None:  # row-level security: the caller's own condition, built per request
            statement = statement.where(row_condition(rows, _column_of(table)))
        try:
            with _database_errors(), self._read_connection() as connection:
                found = connection.execute(statement, {"file_id": bound_id, "entity_id": entity_id}).first()
        except (StatementError, DBAPIError):
            raise _not_found() from None  # an entity id of the wrong shape names no entity
        if found is None:  # no such entity (or not one the caller may see)
            raise _not_found()
        try:
            refs = _file_refs(found._mapping[_HELD])
        except TypeError:
            raise _not_found() from None  # the column holds no files (e.g. text): it names no file
        held = {_canonical_id(ref.id): ref for ref in refs if is_file_id(ref.id)}
        ref = held.get(file_id)
        if ref is None or found._mapping[ddm_files.c.id.name] is None:  # not in that field, or not bound
            if self.settings.files.reference_file_not_found:
                raise ApiError(ErrorCode.FILE_NOT_FOUND, "The entity holds no such file", details=[asked])
            raise _not_found()
        entry = CatalogueEntry.from_row(found, skip=(_HELD,))
        if ref.checksum != entry.checksum:
            raise file_was_changed()
        return entry

    def _read_connection(self) -> Connection:
        """Autocommit: a single read needs no BEGIN/ROLLBACK round trips around it."""
        if self.read_engine is not None:
            return self.read_engine.connect()
        return self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")

    def _download_statement(self, table: Table, key: Column[Any], column: str) -> Select[Any]:
        statement = self._download_statements.get((table, column))
        if statement is None:  # a race builds it twice, harmlessly
            statement = self._download_statements[table, column] = _bound_entry_statement(table, key, column)
        return statement

    def _entity_table(self, table: Table | str) -> Table | None:
        """The Table itself, or for a name its key and columns, read once from the database."""
        if isinstance(table, Table):
            return table
        known = self._tables.get(table)
        if known is None:
            known = _reflect_entity_table(self.engine, table)
            if known is None:
                return None
            self._tables[table] = known
        return known


async def _drain(body: AsyncIterator[bytes], limit: int) -> None:
    """Read (and drop) what the client still sends, up to a bound, so it gets to read our 413
    instead of failing on a connection closed under its upload."""
    budget = min(limit, _DRAIN_LIMIT)
    with contextlib.suppress(Exception):
        async for chunk in body:
            budget -= len(chunk)
            if budget < 0:
                break


@dataclass(frozen=True)
class _Ref:
    id: str
    checksum: str | None


def _file_refs(value: Any) -> list[_Ref]:
    """The references in a file column's value (a reference, a list of them, or None)."""
    if value is None:
        return []
    if isinstance(value, FileRef):
        return [_Ref(value.id, value.checksum)]
    if isinstance(value, Mapping):
        checksum = value.get("checksum")
        return [_Ref(str(value.get("id") or ""), None if checksum is None else str(checksum))]
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [ref for item in value for ref in _file_refs(item)]
    raise TypeError(f"not a file value: {type(value).__name__}")


def _table_name(table: Table | str) -> str:
    return table if isinstance(table, str) else str(table.name)


_HELD = "held_by_entity"  # the entity's file column, as JSON, next to the catalogue row


def _bound_entry_statement(table: Table, key: Column[Any], column: str) -> Select[Any]:
    """One query for a download: the entity's file column, and the catalogue row of the file
    (``:file_id``) if it is bound to that field of that row (NULLs otherwise); no row when the entity
    (``:entity_id``) does not exist. Built once per field: the same statement object keeps its
    SQLAlchemy cache key, so a download compiles nothing."""
    bound_here = and_(
        ddm_files.c.id == bindparam("file_id", type_=ddm_files.c.id.type),
        ddm_file_bindings.c.entity == table.name,
        ddm_file_bindings.c.entity_id == bindparam("entity_id", type_=Text()),
        ddm_file_bindings.c.field == column,
    )
    catalogue = ddm_files.join(ddm_file_bindings, ddm_file_bindings.c.file_id == ddm_files.c.id)
    return (
        select(func.to_jsonb(table.c[column]).label(_HELD), *ddm_files.c)
        .select_from(table.outerjoin(catalogue, bound_here))
        .where(key == cast(bindparam("entity_id", type_=Text()), key.type))
    )


def _reflect_entity_table(engine: Engine, name: str) -> Table | None:
    """A Table with the entity's key (typed, for the lookup) and its other columns (untyped)."""
    try:
        with _database_errors():
            inspector = inspect(engine)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SAWarning)  # type_file is unknown to SQLAlchemy
                columns = inspector.get_columns(name)
            key = inspector.get_pk_constraint(name).get("constrained_columns") or []
    except NoSuchTableError:
        return None
    if len(key) != 1:
        return None
    return Table(
        name,
        MetaData(),
        *(
            Column(c["name"], c["type"] if c["name"] in key else NullType(), primary_key=c["name"] in key)
            for c in columns
        ),
    )


def _column_of(table: Table) -> Callable[[str], ColumnElement[Any]]:
    """Columns by name, for row filters (a reflected table knows every column, untyped)."""

    def column(name: str) -> ColumnElement[Any]:
        if name not in table.c:
            raise ApiError(ErrorCode.RUNTIME_ERROR, "A row-level security column is missing")
        return table.c[name]

    return column


def _entity_key(entity_id: Any) -> str:
    """The entity id as bindings record it: a UUID in its canonical form, anything else as text."""
    try:
        return str(uuid.UUID(str(entity_id)))
    except ValueError:
        return str(entity_id)


def _canonical_id(file_id: str) -> str:
    return str(uuid.UUID(file_id))


def _add_once(names: list[str], name: str) -> None:
    if name not in names:
        names.append(name)


def _raise_first(missing: list[str], changed: list[str]) -> None:
    if missing:
        raise ApiError(ErrorCode.FILE_NOT_FOUND, "Referenced files were not uploaded", details=missing)
    if changed:
        raise ApiError(
            ErrorCode.FILE_WAS_CHANGED,
            "A referenced file's checksum is not the uploaded file's",
            details=changed,
            status=409,
        )


def _too_large(limit: int) -> ApiError:
    return ApiError(ErrorCode.PAYLOAD_TOO_LARGE, f"Files may have at most {limit} bytes")


def _not_found() -> ApiError:
    return ApiError(ErrorCode.NOT_FOUND, "No such file")


@contextlib.contextmanager
def _database_errors() -> Iterator[None]:
    """A database out of reach is 503 here already (callers catch other database errors themselves)."""
    try:
        yield
    except DBAPIError as error:
        if not is_unreachable(error):
            raise
        log.warning("database unavailable: %s", type(error.orig).__name__)
        raise ApiError(ErrorCode.THIRD_PARTY_SERVICE_UNAVAILABLE, "The database is unavailable") from None
