"""The trace id of a request: W3C ``traceparent`` when the caller (or the mesh) sent one, else the
reference platform's ``X-B3-TraceId``, else a fresh id. It names the request in the log line, the
``X-Trace-Id`` response header and every error body, so all three always agree.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable

TRACEPARENT_HEADER = b"traceparent"
B3_HEADER = b"x-b3-traceid"
RESPONSE_HEADER = "X-Trace-Id"

# version "-" trace-id "-" parent-id "-" flags; version ff is invalid, an all-zero trace id too.
_TRACEPARENT = re.compile(rb"^([0-9a-f]{2})-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}")
_B3 = re.compile(rb"^[0-9A-Za-z-]{1,64}$")
_ZERO_TRACE = b"0" * 32


def trace_id_from(headers: Iterable[tuple[bytes, bytes]]) -> str:
    """The trace id of a request with these raw (ASGI) headers: lower-case names, as servers give them."""
    b3: bytes | None = None
    for name, value in headers:
        if name == TRACEPARENT_HEADER:
            match = _TRACEPARENT.match(value.strip())
            if match and match.group(1) != b"ff" and match.group(2) != _ZERO_TRACE:
                return match.group(2).decode("ascii")
        elif name == B3_HEADER and _B3.match(value):
            b3 = value
    return b3.decode("ascii") if b3 is not None else new_trace_id()


def new_trace_id() -> str:
    """32 lower-case hex digits: a valid W3C trace id."""
    return uuid.uuid4().hex
