"""Reading the ``file`` part of a ``multipart/form-data`` body as a stream.

The request body is parsed incrementally with python-multipart's push parser; the bytes of the file
part are handed out through :meth:`MultipartFileReader.read`, counted and hashed on the way, so an
upload of any size needs only the parser's buffer and the S3 part being sent. Starlette's
``request.form()`` is not used: it spools the whole file to a temporary file first, has no total size
limit, and would make us hash and copy the file a second time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from registry_api.errors import ApiError, ErrorCode

BodyPull = Callable[[], bytes]  # the next piece of the request body; b"" once the body has ended

# Form fields besides the file are skipped, but not unboundedly: their bytes, their number and the bytes
# of all part headers are capped, so a body of many tiny parts costs no more than a few callbacks.
_MAX_OTHER_PART_BYTES = 64 * 1024
_MAX_PARTS = 16
_MAX_HEADER_BYTES = 64 * 1024


class PayloadTooLargeError(Exception):
    """The file part grew beyond the size limit (raised from ``read``, so the upload is aborted)."""


class MultipartFileReader:
    """The first part named ``field_name`` of a multipart body, readable like a binary file."""

    def __init__(self, pull: BodyPull, boundary: bytes, *, field_name: str, max_bytes: int) -> None:
        self._pull = pull
        self._field_name = field_name
        self._max_bytes = max_bytes
        self._buffer = bytearray()
        self._digest = hashlib.sha256()
        self._size = 0
        self._other_bytes = 0
        self._parts = 0
        self._header_bytes = 0
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._part_headers: dict[bytes, bytes] = {}
        self._in_file_part = False
        self._found = False
        self._file_done = False
        self._body_done = False
        self._too_large = False
        self.filename: str | None = None
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._on_part_begin,
                "on_header_field": lambda data, start, end: self._on_header(
                    self._header_name, data, start, end
                ),
                "on_header_value": lambda data, start, end: self._on_header(
                    self._header_value, data, start, end
                ),
                "on_header_end": self._on_header_end,
                "on_headers_finished": self._on_headers_finished,
                "on_part_data": self._on_part_data,
                "on_part_end": self._on_part_end,
                "on_end": self._on_end,
            },
        )

    # -- the file-like side --------------------------------------------------------------------

    def open(self) -> str | None:
        """Advance to the file part; returns the file name the client gave (may be None)."""
        while not self._found:
            if self._body_done:
                raise ApiError(ErrorCode.CLIENT_ERROR, f"The multipart body has no '{self._field_name}' part")
            self._pump()
        return self.filename

    def peek(self, size: int) -> bytes:
        """Up to ``size`` first bytes of the file, without consuming them."""
        while len(self._buffer) < size and not self._file_done:
            self._pump()
        return bytes(self._buffer[:size])

    def read(self, size: int = -1, /) -> bytes:
        while (size < 0 or len(self._buffer) < size) and not self._file_done:
            self._pump()
        if size < 0 or size >= len(self._buffer):
            data = bytes(self._buffer)
            self._buffer.clear()
        else:
            with memoryview(self._buffer) as view:
                data = bytes(view[:size])  # one copy (a bytearray slice would make two)
            del self._buffer[:size]  # bytearray drops a prefix without moving the rest
        return data

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False  # boto3 then uploads in parts read one after another

    @property
    def size(self) -> int:
        return self._size

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()

    # -- the parser side -----------------------------------------------------------------------

    def _pump(self) -> None:
        chunk = self._pull()
        if not chunk:
            if self._found and not self._file_done:
                raise ApiError(ErrorCode.CLIENT_ERROR, "The multipart body ended before the file did")
            self._body_done = True
            return
        try:
            self._parser.write(chunk)
        except FormParserError:  # a wrong boundary, a bad header character, garbage
            raise ApiError(ErrorCode.CLIENT_ERROR, "The body is not valid multipart/form-data") from None
        if self._too_large:
            raise PayloadTooLargeError
        if self._other_bytes > _MAX_OTHER_PART_BYTES:
            raise ApiError(ErrorCode.CLIENT_ERROR, "Form fields besides the file are too large")

    def _on_part_begin(self) -> None:
        self._parts += 1
        if self._parts > _MAX_PARTS and not self._found:  # raised through write(): parsing stops here
            raise ApiError(ErrorCode.CLIENT_ERROR, f"More than {_MAX_PARTS} form parts before the file")
        self._part_headers = {}

    def _on_header(self, target: bytearray, data: bytes, start: int, end: int) -> None:
        self._header_bytes += end - start
        if self._header_bytes > _MAX_HEADER_BYTES:
            raise ApiError(ErrorCode.CLIENT_ERROR, "The form parts' headers are too large")
        target.extend(data[start:end])

    def _on_header_end(self) -> None:
        self._part_headers[bytes(self._header_name).lower()] = bytes(self._header_value)
        self._header_name.clear()
        self._header_value.clear()

    def _on_headers_finished(self) -> None:
        _, params = parse_options_header(self._part_headers.get(b"content-disposition", b""))
        name = _decode(params.get(b"name", b""))
        if name == self._field_name and not self._found:
            self._found = True
            self._in_file_part = True
            raw_filename = params.get(b"filename")
            self.filename = _decode(raw_filename) if raw_filename is not None else None

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if not self._in_file_part:
            self._other_bytes += end - start
            return
        piece = data[start:end]
        self._size += len(piece)
        if self._size > self._max_bytes:
            self._too_large = True  # raised after write() returns: the parser is left consistent
            return
        self._digest.update(piece)
        self._buffer.extend(piece)

    def _on_part_end(self) -> None:
        if self._in_file_part:
            self._in_file_part = False
            self._file_done = True

    def _on_end(self) -> None:
        self._body_done = True


def boundary_of(content_type: str | None) -> bytes:
    """The boundary of a ``multipart/form-data`` Content-Type, or 415."""
    media_type, params = parse_options_header(content_type or "")
    boundary = params.get(b"boundary")
    if media_type != b"multipart/form-data" or not boundary:
        raise ApiError(
            ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Upload files as multipart/form-data with a 'file' part"
        )
    return boundary


def _decode(value: bytes) -> str:
    # Browsers send UTF-8 names as raw bytes in the quoted parameter (RFC 7578 §4.2).
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


class PrefixedReader:
    """``head`` (bytes already read from ``rest``) followed by the rest of ``rest``."""

    def __init__(self, head: bytes, rest: MultipartFileReader) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def read(self, size: int = -1, /) -> bytes:
        """Exactly ``size`` bytes unless the file ends first: boto3 makes each read a part, and S3
        refuses parts below 5 MiB but the last (Ceph RGW and AWS do, ``EntityTooSmall``; nanio does not)."""
        if not self._head:
            return self._rest.read(size)
        taken = self._head if size < 0 else self._head[:size]
        self._head = self._head[len(taken) :]
        data = bytes(taken)
        if size < 0:
            return data + self._rest.read()
        if len(data) < size:
            data += self._rest.read(size - len(data))
        return data

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False
