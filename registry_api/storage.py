"""S3 object storage (Ceph RGW, MinIO, AWS, nanio) through boto3.

Keys are opaque ids chosen by the file service; file names never reach S3. Every failure to talk to
S3 becomes ``ApiError(THIRD_PARTY_SERVICE_UNAVAILABLE)`` (503); a missing object is
:class:`ObjectNotFoundError`, which callers turn into the answer that fits them.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import boto3
from boto3.exceptions import S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from registry_api.errors import ApiError, ErrorCode
from registry_api.settings import S3Settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = [
    "ListedObject",
    "ObjectInfo",
    "ObjectNotFoundError",
    "ObjectStream",
    "PendingUpload",
    "Readable",
    "Storage",
]

log = logging.getLogger(__name__)
_PARALLEL_CHECKS = 8  # HEAD requests one write sends to S3 at the same time

_NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound", "NoSuchBucket", "NoSuchUpload"})
_SINGLE_COPY_LIMIT = 5 * 1024**3  # CopyObject's limit; above it the managed (multipart) copy is used

# Streaming uploads of unknown length: parts of 8 MiB, at most 2 of them in memory at once, so an
# upload of any size costs a bounded amount of RAM (see docs/benchmarks.md "Files"). Up to one part,
# an upload is a single PUT of bytes already in memory (``Storage.put``).
SINGLE_PUT_BYTES = 8 * 1024**2
_UPLOAD_TRANSFER = TransferConfig(
    multipart_threshold=SINGLE_PUT_BYTES,
    multipart_chunksize=SINGLE_PUT_BYTES,
    max_concurrency=2,
    use_threads=True,
)
_UPLOAD_TRANSFER.max_in_memory_upload_chunks = 2  # s3transfer's knob, not exposed by boto3's constructor


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class ObjectNotFoundError(Exception):
    """The bucket has no object under that key."""


@dataclass(frozen=True)
class ObjectInfo:
    size: int  # the whole object's size, also for a ranged read
    etag: str
    content_type: str | None
    metadata: Mapping[str, str] = field(default_factory=dict)
    last_modified: datetime | None = None


@dataclass(frozen=True)
class ListedObject:
    key: str
    size: int
    last_modified: datetime


@dataclass(frozen=True)
class PendingUpload:
    """A multipart upload that was started and neither completed nor aborted."""

    key: str
    upload_id: str
    initiated: datetime


class ObjectStream:
    """An open GET of an object (or of a byte range of it). Iterate it once; it is always closed
    afterwards, also when the consumer stops early (a client that went away)."""

    def __init__(self, body: Any, info: ObjectInfo, length: int) -> None:
        self._body = body
        self.info = info
        self.length = length  # bytes this response carries

    def iter_chunks(self, chunk_bytes: int) -> Iterator[bytes]:
        try:
            with _s3_errors():
                yield from self._body.iter_chunks(chunk_bytes)
        finally:
            self.close()

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing a broken connection must not mask the cause
            self._body.close()


class Storage:
    """The two buckets of DESIGN.md §4: the registry's own files and the staging area shared with
    business processes."""

    def __init__(self, settings: S3Settings, client: S3Client | None = None) -> None:
        self.settings = settings
        self.client: S3Client = client or _make_client(settings, settings.endpoint_url)
        self._presign_client: S3Client | None = None
        self._probe_client: S3Client | None = None

    @property
    def registry_bucket(self) -> str:
        return self.settings.registry_bucket

    @property
    def staging_bucket(self) -> str:
        return self.settings.staging_bucket

    def ensure_buckets(self) -> None:
        """Create the buckets that are missing (local runs: ``S3Settings.create_buckets``)."""
        for bucket in (self.registry_bucket, self.staging_bucket):
            with _s3_errors():
                try:
                    self.client.head_bucket(Bucket=bucket)
                except ClientError as error:
                    if _error_code(error) not in _NOT_FOUND_CODES:
                        raise
                    self.client.create_bucket(Bucket=bucket)

    def reachable(self, timeout_s: float = 2.0) -> bool:
        """Whether both buckets answer, asked once each with a short timeout (readiness probes)."""
        if self._probe_client is None:
            self._probe_client = _make_client(
                self.settings, self.settings.endpoint_url, attempts=1, timeout_s=timeout_s
            )
        try:
            for bucket in (self.registry_bucket, self.staging_bucket):
                self._probe_client.head_bucket(Bucket=bucket)
        except (ClientError, BotoCoreError) as error:
            log.warning("S3 not ready: %s", error)
            return False
        return True

    def upload(
        self,
        bucket: str,
        key: str,
        source: Readable,
        *,
        content_type: str,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        """Stream ``source`` into ``bucket/key`` (multipart above 8 MiB). Exceptions raised by
        ``source.read`` propagate unchanged after boto3 aborted the multipart upload."""
        extra: dict[str, Any] = {"ContentType": content_type, "Metadata": dict(metadata or {})}
        with _s3_errors():
            self.client.upload_fileobj(source, bucket, key, ExtraArgs=extra, Config=_UPLOAD_TRANSFER)  # type: ignore[arg-type]

    def put(
        self, bucket: str, key: str, data: bytes, *, content_type: str, metadata: Mapping[str, str]
    ) -> None:
        """One PUT of ``data`` (at most ``SINGLE_PUT_BYTES``: larger files go through ``upload``)."""
        with _s3_errors():
            self.client.put_object(
                Bucket=bucket, Key=key, Body=data, ContentType=content_type, Metadata=dict(metadata)
            )

    def replace_metadata(
        self, bucket: str, key: str, metadata: Mapping[str, str], *, content_type: str, size: int
    ) -> None:
        """Set the object's user metadata (S3 has no other way than a copy onto itself; Ceph RGW
        changes only the metadata then, AWS copies server-side). Stores that ignore the metadata
        directive of a copy (nanio) keep the old metadata."""
        self.copy(bucket, key, bucket, key, size=size, content_type=content_type, metadata=metadata)

    def head(self, bucket: str, key: str) -> ObjectInfo:
        with _s3_errors():
            answer = self.client.head_object(Bucket=bucket, Key=key)
        return ObjectInfo(
            size=int(answer["ContentLength"]),
            etag=answer.get("ETag", ""),
            content_type=answer.get("ContentType"),
            metadata=answer.get("Metadata", {}),
        )

    def open(self, bucket: str, key: str, byte_range: tuple[int, int] | None = None) -> ObjectStream:
        """GET the object, or the inclusive ``byte_range`` of it; the caller must iterate or close it."""
        options: dict[str, Any] = {"Bucket": bucket, "Key": key}
        if byte_range is not None:
            options["Range"] = f"bytes={byte_range[0]}-{byte_range[1]}"
        with _s3_errors():
            answer = self.client.get_object(**options)
        length = int(answer["ContentLength"])
        size = _total_size(answer.get("ContentRange")) if byte_range is not None else length
        info = ObjectInfo(
            size=size if size is not None else length,
            etag=answer.get("ETag", ""),
            content_type=answer.get("ContentType"),
            metadata=answer.get("Metadata", {}),
            last_modified=answer.get("LastModified"),
        )
        return ObjectStream(answer["Body"], info, length)

    def copy(
        self,
        source_bucket: str,
        source_key: str,
        bucket: str,
        key: str,
        *,
        size: int | None,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        """Server-side copy. With ``metadata`` the copy's metadata (and content type) are replaced.
        ``size`` (when known) picks the managed multipart copy for objects beyond CopyObject's 5 GiB."""
        extra: dict[str, Any] = {}
        if metadata is not None:
            extra = {"MetadataDirective": "REPLACE", "Metadata": dict(metadata)}
            if content_type:
                extra["ContentType"] = content_type
        source = {"Bucket": source_bucket, "Key": source_key}
        with _s3_errors():
            if size is None or size < _SINGLE_COPY_LIMIT:
                self.client.copy_object(CopySource=source, Bucket=bucket, Key=key, **extra)  # type: ignore[arg-type]
            else:
                self.client.copy(source, bucket, key, ExtraArgs=extra)  # type: ignore[arg-type]

    def delete(self, bucket: str, key: str) -> None:
        """Remove the object; a missing one is fine (S3 answers 204 either way)."""
        with _s3_errors(), contextlib.suppress(ObjectNotFoundError):
            self.client.delete_object(Bucket=bucket, Key=key)

    def list(self, bucket: str, prefix: str = "") -> Iterator[ListedObject]:
        """Every object of ``bucket`` whose key starts with ``prefix``, page by page."""
        paginator = self.client.get_paginator("list_objects_v2")
        with _s3_errors():
            for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    yield ListedObject(item["Key"], int(item["Size"]), item["LastModified"])

    def pending_uploads(self, bucket: str) -> Iterator[PendingUpload]:
        """Multipart uploads of ``bucket`` still open (a client or S3 that died mid-upload leaves them)."""
        paginator = self.client.get_paginator("list_multipart_uploads")
        with _s3_errors():
            for page in paginator.paginate(Bucket=bucket):
                for item in page.get("Uploads", []):
                    yield PendingUpload(item["Key"], item["UploadId"], item["Initiated"])

    def abort_upload(self, bucket: str, upload: PendingUpload) -> None:
        with _s3_errors(), contextlib.suppress(ObjectNotFoundError):  # NoSuchUpload: already gone
            self.client.abort_multipart_upload(Bucket=bucket, Key=upload.key, UploadId=upload.upload_id)

    def exists(self, bucket: str, key: str) -> bool:
        try:
            self.head(bucket, key)
        except ObjectNotFoundError:
            return False
        return True

    def exist(self, bucket: str, keys: Sequence[str]) -> tuple[bool, ...]:
        """``exists`` for several keys at once: the HEAD requests run side by side (a write that
        binds ten files waits for one round trip to S3, not ten). boto3 clients are thread-safe."""
        if len(keys) <= 1:
            return tuple(self.exists(bucket, key) for key in keys)
        with ThreadPoolExecutor(max_workers=min(_PARALLEL_CHECKS, len(keys))) as pool:
            return tuple(pool.map(lambda key: self.exists(bucket, key), keys))

    def presign_get(
        self,
        bucket: str,
        key: str,
        expires_in_s: int,
        *,
        content_disposition: str | None = None,
        content_type: str | None = None,
    ) -> str:
        """A GET URL signed for ``public_endpoint_url`` (SigV4 signs the host, so the URL cannot be
        signed for the internal endpoint and rewritten afterwards)."""
        if self._presign_client is None:
            endpoint = self.settings.public_endpoint_url or self.settings.endpoint_url
            self._presign_client = _make_client(self.settings, endpoint)
        params: dict[str, Any] = {"Bucket": bucket, "Key": key}
        if content_disposition:
            params["ResponseContentDisposition"] = content_disposition
        if content_type:
            params["ResponseContentType"] = content_type
        with _s3_errors():
            return self._presign_client.generate_presigned_url(
                "get_object", Params=params, ExpiresIn=expires_in_s
            )


def _make_client(
    settings: S3Settings, endpoint_url: str | None, *, attempts: int = 3, timeout_s: float | None = None
) -> S3Client:
    config = Config(
        signature_version="s3v4",
        s3={"addressing_style": "path"},
        # boto3 >= 1.36 sends CRC checksums by default; Ceph RGW and MinIO versions reject them.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        connect_timeout=timeout_s or settings.connect_timeout_s,
        read_timeout=timeout_s or settings.read_timeout_s,
        retries={"mode": "standard", "max_attempts": attempts},
        max_pool_connections=32,
    )
    client: S3Client = boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=settings.region,
        aws_access_key_id=settings.access_key,
        aws_secret_access_key=settings.secret_key.get_secret_value(),
        config=config,
    )
    return client


@contextlib.contextmanager
def _s3_errors() -> Iterator[None]:
    try:
        yield
    except ClientError as error:
        if _error_code(error) in _NOT_FOUND_CODES:
            raise ObjectNotFoundError(str(error)) from None
        log.warning("S3 request failed: %s", error)
        raise _unavailable() from error
    except S3UploadFailedError as error:
        log.warning("S3 upload failed: %s", error)
        raise _unavailable() from error
    except BotoCoreError as error:
        log.warning("S3 unreachable: %s", error)
        raise _unavailable() from error


def _unavailable() -> ApiError:
    return ApiError(ErrorCode.THIRD_PARTY_SERVICE_UNAVAILABLE, "The file storage is unavailable")


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _total_size(content_range: str | None) -> int | None:
    # "bytes 0-9/1234" -> 1234
    if not content_range or "/" not in content_range:
        return None
    total = content_range.rsplit("/", 1)[1]
    return int(total) if total.isdigit() else None
