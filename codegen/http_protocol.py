"""uvicorn's HTTP/1.1 protocol (httptools) with a deadline for a request's headers.

uvicorn closes an *idle* keep-alive connection after ``timeout_keep_alive``, but once a client has sent
the first byte of a request it waits for the rest of the headers for ever: a client trickling one header
byte every few seconds (slowloris) holds a connection and its memory indefinitely. Here a request's
headers must be complete within ``REGISTRY_HTTP__HEADER_TIMEOUT_S`` of its first byte (or of the
connection's start), else the connection is closed without an answer.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from registry_api.settings import HttpSettings, env_name

HEADER_TIMEOUT_VARIABLE = env_name(("http", "header_timeout_s"))


class HeaderTimeoutProtocol(HttpToolsProtocol):
    header_timeout_s = float(os.environ.get(HEADER_TIMEOUT_VARIABLE, HttpSettings().header_timeout_s))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_deadline()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm_header_deadline()

    def on_headers_complete(self) -> None:
        self._cancel_header_deadline()
        super().on_headers_complete()

    def _arm_header_deadline(self) -> None:
        if self._header_deadline is None:
            self._header_deadline = self.loop.call_later(self.header_timeout_s, self._headers_too_slow)

    def _cancel_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_too_slow(self) -> None:
        self._header_deadline = None
        if not self.transport.is_closing():
            self.transport.close()


def protocol_with_header_timeout(timeout_s: float) -> type[HeaderTimeoutProtocol]:
    """The protocol class for one process (workers import the module and read the variable)."""
    return type("HeaderTimeoutProtocol", (HeaderTimeoutProtocol,), {"header_timeout_s": timeout_s})
