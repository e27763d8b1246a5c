"""Per-process bounds on what one caller, or all of them, may make the file service do at once.

* :class:`UploadQuota` — at most ``files.max_uploads_per_minute`` uploads per caller in any minute
  (a sliding window), else 429 ``TOO_MANY_REQUESTS`` with ``Retry-After``. Callers are told apart by
  realm and subject; the memory it keeps is bounded (the callers seen in the last minute, at most
  ``_MAX_CALLERS`` of them).
* :class:`DownloadSlots` — at most ``files.max_concurrent_downloads`` streamed downloads at once (each
  holds a thread and an S3 connection for as long as its client reads), else 429 with ``Retry-After``.

Both count within one process: with N workers or pods the service as a whole allows N times as much
(the mesh's rate limits bound the whole, see docs/security.md).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque

from registry_api.errors import ApiError, ErrorCode

_WINDOW_S = 60.0
_MAX_CALLERS = 10_000


class UploadQuota:
    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._clock = time.monotonic
        self._lock = threading.Lock()
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()

    def take(self, caller: str) -> None:
        """Count one upload of ``caller`` or refuse it with 429."""
        now = self._clock()
        with self._lock:
            recent = self._seen.pop(caller, None) or deque()
            while recent and recent[0] <= now - _WINDOW_S:
                recent.popleft()
            if len(recent) >= self.per_minute:
                self._seen[caller] = recent
                wait = max(1, math.ceil(recent[0] + _WINDOW_S - now))
                raise ApiError(
                    ErrorCode.TOO_MANY_REQUESTS,
                    f"At most {self.per_minute} uploads a minute; try again in {wait} s",
                    headers={"Retry-After": str(wait)},
                )
            recent.append(now)
            self._seen[caller] = recent  # most recent last: the oldest callers are dropped first
            while len(self._seen) > _MAX_CALLERS:
                self._seen.popitem(last=False)


class DownloadSlots:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._slots = threading.BoundedSemaphore(limit)

    def take(self) -> None:
        """Hold one slot (release it with :meth:`give_back`) or refuse with 429."""
        if not self._slots.acquire(blocking=False):
            raise ApiError(
                ErrorCode.TOO_MANY_REQUESTS,
                f"{self.limit} downloads are in progress; try again shortly",
                headers={"Retry-After": "1"},
            )

    def give_back(self) -> None:
        self._slots.release()
