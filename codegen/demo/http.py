"""A tiny HTTP client over urllib for the demo's own calls (health checks, loading sample data).

The demo talks to the running services exactly as a user would: through HTTP, with a token."""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    content_type: str

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    def brief(self, limit: int = 400) -> str:
        text = self.body.decode("utf-8", errors="replace")
        return f"HTTP {self.status}: {text[:limit]}"


def call(
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout_s: float = 30.0,
) -> Answer:
    """One request; any HTTP status is an answer, only a transport failure raises (``OSError``)."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"the demo only calls its own local services, not {url}")
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310 - checked above
            return Answer(response.status, response.read(), response.headers.get("Content-Type", ""))
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read(), error.headers.get("Content-Type", ""))


def call_json(method: str, url: str, payload: Any, *, headers: dict[str, str]) -> Answer:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return call(method, url, headers={**headers, "Content-Type": "application/json"}, body=body)


def multipart_file(field: str, filename: str, content_type: str, content: bytes) -> tuple[str, bytes]:
    """(Content-Type header, body) of a multipart/form-data request carrying one file.

    The file name is sent as UTF-8 in the quoted ``filename`` parameter, as browsers and curl do."""
    boundary = f"demo-{secrets.token_hex(16)}"
    quoted = filename.replace("\\", "\\\\").replace('"', "%22")
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="{field}"; filename="{quoted}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode()
    body = head + content + f"\r\n--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", body
