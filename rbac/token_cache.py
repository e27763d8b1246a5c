"""Identities of tokens already verified, so a steady client pays signature verification once.

Entries are keyed by the SHA-256 of the token (the token itself is never kept), live until the
token's ``exp`` but at most ``max_age_s``, and the least recently used entry goes first once
``max_entries`` are held. A token is only ever put here *after* a full verification succeeded, so a
hit can only return what verification returned for those exact bytes. See docs/security.md
"Verified-token cache" for what this means for revocation.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from rbac.principal import Identity


class VerifiedTokens:
    """A bounded, thread-safe map token hash → (identity, reuse deadline)."""

    def __init__(self, max_entries: int, max_age_s: float, *, clock: Callable[[], float] = time.time) -> None:
        if max_entries < 0 or max_age_s < 0:
            raise ValueError("the token cache size and age must not be negative")
        self._max_entries = max_entries
        self._max_age_s = max_age_s
        self._clock = clock  # wall clock: ``exp`` is seconds since the epoch
        self._entries: OrderedDict[bytes, tuple[Identity, float]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        return self._max_entries > 0 and self._max_age_s > 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, token: str) -> Identity | None:
        """The identity verified for ``token``, unless it expired (or was never verified here)."""
        if not self.enabled:
            return None
        key = _key(token)
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and now < entry[1]:
                self._entries.move_to_end(key)
                self.hits += 1
                return entry[0]
            if entry is not None:
                del self._entries[key]
            self.misses += 1
        return None

    def put(self, token: str, identity: Identity) -> None:
        """Remember a token that was just verified; reused until its ``exp`` (at most ``max_age_s``)."""
        if not self.enabled:
            return
        expires = identity.claims.get("exp")
        if not isinstance(expires, int | float) or isinstance(expires, bool):
            return  # verification requires exp; without a number there is no safe deadline
        now = self._clock()
        deadline = min(float(expires), now + self._max_age_s)
        if deadline <= now:
            return  # accepted within the leeway only: verify it again next time
        key = _key(token)
        with self._lock:
            self._entries[key] = (identity, deadline)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _key(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
