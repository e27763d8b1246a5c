"""The answer of ``GET|HEAD /files/{entity}/{entityId}/{field}/{fileId}`` for a catalogued file:
representation (raw or Base64 JSON), validators, ranges and verified delivery.

Integrity: an object is delivered as a success only once its bytes have been hashed against the
catalogue's SHA-256. The *version* of the object that was hashed (its S3 ETag and Last-Modified) is
then recorded in the catalogue, and later downloads of that same version stream without hashing
again; any write through S3 gives the object a new version, so a replaced object is hashed (and
refused) again. ``files.rehash_every_download`` hashes every download instead, for stores whose
bytes may change below their own API (see docs/files.md "Integrity").
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from registry_api.errors import ApiError, ErrorCode
from registry_api.files import conditional
from registry_api.files.catalogue import CatalogueEntry, ddm_files
from registry_api.files.download import (
    ContentChangedError,
    base64_length,
    close_iterator,
    file_was_changed,
    json_body_chunks,
    json_envelope,
    verified_chunks,
)
from registry_api.files.names import content_disposition
from registry_api.files.quota import DownloadSlots
from registry_api.files.sniffing import renders_safely_inline
from registry_api.settings import FileSettings
from registry_api.storage import ObjectInfo, ObjectNotFoundError, ObjectStream, Storage

log = logging.getLogger(__name__)


# A file shown in the browser is a document of its own: no scripts, no plugins, no forms, no requests
# beyond the file itself (an image or PDF needs nothing else).
INLINE_CONTENT_SECURITY_POLICY = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"


@dataclass(frozen=True)
class DownloadQuery:
    """What a download asks for, from its request line and headers (parsed at the HTTP edge)."""

    head: bool = False
    accept: str | None = None
    range: str | None = None
    if_none_match: str | None = None
    if_range: str | None = None
    inline: bool = False  # show it in the browser if its type renders safely (else still an attachment)


@dataclass(frozen=True)
class DownloadAnswer:
    """The answer: status, headers and the body. ``body`` is either the whole body (small files,
    verified before anything is sent) or an iterator to stream, which must be exhausted or closed."""

    status: int
    headers: dict[str, str]
    body: bytes | Iterator[bytes] = b""

    @property
    def streamed(self) -> bool:
        return not isinstance(self.body, bytes)


@dataclass(frozen=True)
class _Representation:
    json: bool
    etag: str
    length: int
    headers: dict[str, str]


class ContentResponder:
    """Builds the file endpoint's responses from a catalogue entry and the registry bucket."""

    def __init__(self, settings: FileSettings, storage: Storage, engine: Engine) -> None:
        self.storage = storage
        self.engine = engine
        self.chunk_bytes = settings.chunk_bytes
        self.rehash_every_download = settings.rehash_every_download
        self.downloads = DownloadSlots(settings.max_concurrent_downloads)

    def respond(self, query: DownloadQuery, entry: CatalogueEntry) -> DownloadAnswer:
        representation = _representation(query, entry)
        headers = representation.headers
        if conditional.none_match(query.if_none_match, representation.etag):
            return DownloadAnswer(304, _validators_only(headers))
        byte_range = None
        if not representation.json and conditional.if_range_allows(query.if_range, representation.etag):
            try:
                byte_range = conditional.parse_range(query.range, entry.size)
            except conditional.RangeNotSatisfiableError:
                raise ApiError(
                    ErrorCode.RANGE_NOT_SATISFIABLE,
                    "The requested range is outside the file",
                    headers={"Content-Range": f"bytes */{entry.size}", **_validators_only(headers)},
                ) from None
        status = 200
        if byte_range is not None:
            status = 206
            headers = {
                **headers,
                "Content-Range": byte_range.content_range(entry.size),
                "Content-Length": str(byte_range.length),
            }
        if query.head:  # what GET would answer, without the body: the object is looked at, not read
            self._check_stored(entry)
            return DownloadAnswer(status, headers)
        self.downloads.take()  # a slot for as long as the body is read (429 when none is free)
        try:
            answer = self._with_body(entry, representation, status, headers, byte_range)
        except BaseException:
            self.downloads.give_back()
            raise
        if isinstance(answer.body, bytes):
            self.downloads.give_back()
            return answer
        return DownloadAnswer(answer.status, answer.headers, _ReleasedOnClose(answer.body, self.downloads))

    def _with_body(
        self,
        entry: CatalogueEntry,
        representation: _Representation,
        status: int,
        headers: dict[str, str],
        byte_range: conditional.ByteRange | None,
    ) -> DownloadAnswer:
        # Base64 encodes groups of 3 bytes: reads of a multiple of 3 need no carry (no copies).
        read_bytes = self.chunk_bytes
        if representation.json:
            read_bytes = max(3, read_bytes - read_bytes % 3)
        content: Iterator[bytes]
        if entry.size == 0:
            content = iter(())  # nothing to fetch; S3 would refuse a range over an empty object anyway
        elif byte_range is not None:
            bounds = (byte_range.first, byte_range.last)
            content = self._open_range(entry, bounds).iter_chunks(read_bytes)
        else:
            stream = self._open(entry, None)
            content = stream.iter_chunks(read_bytes)
            if not self._trusted(entry, stream.info):
                record = self._recorder(entry.id, version_of(stream.info))
                label = f"file {entry.id}"
                content = verified_chunks(content, entry.checksum, label=label, on_verified=record)

        if representation.json:
            prefix, suffix = json_envelope(entry.checksum, entry.filename)
            content = json_body_chunks(prefix, content, suffix)
        if byte_range is not None or entry.size > self.chunk_bytes:
            return DownloadAnswer(status, headers, content)
        # Small enough for one chunk: verify before the status line, so a mismatch is a clean 500.
        try:
            body = b"".join(content)
        except ContentChangedError:
            raise file_was_changed() from None
        return DownloadAnswer(status, headers, body)

    def _open(self, entry: CatalogueEntry, bounds: tuple[int, int] | None) -> ObjectStream:
        try:
            stream = self.storage.open(self.storage.registry_bucket, entry.id, bounds)
        except ObjectNotFoundError:
            log.error("catalogued file %s has no object in the registry bucket", entry.id)
            raise ApiError(ErrorCode.NOT_FOUND, "No such file") from None
        if stream.info.size != entry.size:  # cheap up-front check: a replaced object
            stream.close()
            log.error(
                "FILE_WAS_CHANGED: %s has %d bytes, catalogue says %d", entry.id, stream.info.size, entry.size
            )
            raise file_was_changed()
        return stream

    def _check_stored(self, entry: CatalogueEntry) -> None:
        """HEAD's view of the object: 404 when it is gone, 500 when its size changed, 503 when S3 is
        out of reach — the answers GET gives before its first byte."""
        try:
            info = self.storage.head(self.storage.registry_bucket, entry.id)
        except ObjectNotFoundError:
            log.error("catalogued file %s has no object in the registry bucket", entry.id)
            raise ApiError(ErrorCode.NOT_FOUND, "No such file") from None
        if info.size != entry.size:
            raise file_was_changed()

    def _open_range(self, entry: CatalogueEntry, bounds: tuple[int, int]) -> ObjectStream:
        """A part cannot be checked against the hash of the whole: an object version not yet
        verified is read (and hashed) whole first, before any byte of the range is sent."""
        if entry.verified_version is not None and not self.rehash_every_download:
            stream = self._open(entry, bounds)
            if self._trusted(entry, stream.info):
                return stream
            stream.close()
        verified = self._verify_whole(entry)
        stream = self._open(entry, bounds)
        if version_of(stream.info) != verified:  # replaced between the two reads
            stream.close()
            raise file_was_changed()
        return stream

    def _verify_whole(self, entry: CatalogueEntry) -> str:
        """Hash the whole object; its version once it matches the catalogue, else FILE_WAS_CHANGED."""
        stream = self._open(entry, None)
        version = version_of(stream.info)
        record = self._recorder(entry.id, version)
        chunks = stream.iter_chunks(self.chunk_bytes)
        try:
            for _ in verified_chunks(chunks, entry.checksum, label=f"file {entry.id}", on_verified=record):
                pass
        except ContentChangedError:
            raise file_was_changed() from None
        return version

    def _trusted(self, entry: CatalogueEntry, info: ObjectInfo) -> bool:
        """This very object version was hashed and matched before (and re-hashing is not forced)."""
        if self.rehash_every_download or entry.verified_version is None:
            return False
        return entry.verified_version == version_of(info)

    def _recorder(self, file_id: str, version: str) -> Callable[[], None]:
        def record() -> None:
            if self.rehash_every_download or not version:
                return
            try:
                with self.engine.begin() as connection:
                    connection.execute(
                        update(ddm_files).where(ddm_files.c.id == file_id).values(verified_version=version)
                    )
            except SQLAlchemyError as error:  # only costs a re-hash on the next download
                log.warning("could not record the verified version of file %s: %s", file_id, error)

        return record


class _ReleasedOnClose(Iterator[bytes]):
    """A streamed body that gives its download slot back when it is closed (the edge always closes
    it: exhausted, failed or abandoned by a client that went away; also when it was never started)."""

    def __init__(self, chunks: Iterator[bytes], slots: DownloadSlots) -> None:
        self._chunks = chunks
        self._slots: DownloadSlots | None = slots

    def __next__(self) -> bytes:
        return next(self._chunks)

    def close(self) -> None:
        slots, self._slots = self._slots, None
        if slots is not None:
            try:
                close_iterator(self._chunks)
            finally:
                slots.give_back()


def version_of(info: ObjectInfo) -> str:
    """What identifies one stored version of an object: S3 gives every write a new ETag or
    Last-Modified. Empty when the store reports neither (then nothing is ever trusted)."""
    if not info.etag and info.last_modified is None:
        return ""
    modified = info.last_modified.isoformat() if info.last_modified is not None else ""
    return f"{info.etag}@{modified}"


def _representation(query: DownloadQuery, entry: CatalogueEntry) -> _Representation:
    common = {"Vary": "Accept", "Cache-Control": "private", "X-Content-Type-Options": "nosniff"}
    if conditional.wants_json(query.accept):
        prefix, suffix = json_envelope(entry.checksum, entry.filename)
        length = len(prefix) + base64_length(entry.size) + len(suffix)
        etag = f'"{entry.checksum}-b64"'
        headers = {
            **common,
            "ETag": etag,
            "Content-Type": "application/json",
            "Content-Length": str(length),
            "Accept-Ranges": "none",
        }
        return _Representation(True, etag, length, headers)
    etag = f'"{entry.checksum}"'
    inline = query.inline and renders_safely_inline(entry.file_type)
    headers = {
        **common,
        "ETag": etag,
        "Content-Type": entry.file_type,
        "Content-Length": str(entry.size),
        "Content-Disposition": content_disposition(entry.filename, "inline" if inline else "attachment"),
        "Accept-Ranges": "bytes",
    }
    if inline:
        headers["Content-Security-Policy"] = INLINE_CONTENT_SECURITY_POLICY
    return _Representation(False, etag, entry.size, headers)


def _validators_only(headers: Mapping[str, str]) -> dict[str, str]:
    keep = ("ETag", "Vary", "Cache-Control")
    return {name: headers[name] for name in keep if name in headers}
