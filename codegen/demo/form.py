"""The demo's portal form: what a business process puts on a user's page, and a small server for it.

Like a business process rendering a task form, :func:`render_form` reads the user record through the
internal API with its token, asks the service for signed links to the photo (shown inline) and to
every document (a download, and an "open in the browser" link the service serves inline only where
that is safe), and writes ``examples/portal/user-form.html.jinja`` rendered with them. The links
point at the public service: a browser opens them without any token. :class:`FormServer` serves the
page on 127.0.0.1 (it holds links anyone could use until they expire, so never on other addresses).
"""

from __future__ import annotations

import functools
import http.server
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2

from codegen.demo.errors import DemoError
from codegen.demo.http import Answer, call, call_json
from codegen.demo.loader import SampleData

LINK_LIFETIME_S = 8 * 3600  # a working day: the demo re-mints them at every start


@dataclass(frozen=True)
class Link:
    url: str
    disposition: str
    expires_at: str


def render_form(
    api_url: str, token: str, data: SampleData, template: Path, out_dir: Path, *, public_url: str
) -> Path:
    """Render the form for ``data``'s user into ``out_dir/index.html``; returns that path."""
    auth = {"X-Access-Token": token}
    user = _expect(call("GET", f"{api_url}/user/{data.user_id}", headers=auth), "reading the user")
    city = _expect(call("GET", f"{api_url}/city/{user['cityId']}", headers=auth), "reading the city")
    names = {file.id: file.filename for file in (data.photo, *data.documents)}

    def link(field: str, file_id: str, disposition: str) -> Link:
        path = f"{api_url}/files/user/{data.user_id}/{field}/{file_id}/links"
        body = {"expiresIn": LINK_LIFETIME_S, "disposition": disposition}
        made = _expect(call_json("POST", path, body, headers=auth), f"making a link to {names[file_id]}", 201)
        return Link(str(made["url"]), str(made["disposition"]), str(made["expiresAt"]))

    photo_id = user["photo"]["id"]
    shown = link("photo", photo_id, "inline")
    photo = {
        "name": names.get(photo_id, "photo"),
        "inline": shown,
        "attachment": link("photo", photo_id, "attachment"),
        # the photo column is published: its short link (from the upload answer) opens on public too
        "short_url": f"{public_url}/api/data-factory/s/{quote(data.photo.short_name)}"
        if data.photo.short_name
        else "",
    }
    documents = [
        {
            "id": ref["id"],
            "name": names.get(ref["id"], "document"),
            "attachment": link("documents", ref["id"], "attachment"),
            "inline": link("documents", ref["id"], "inline"),
        }
        for ref in user["documents"] or []
    ]
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template.parent),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    page = environment.get_template(template.name).render(
        registry="user",
        user={"name": user["name"], "email": user.get("email") or "", "city": city["name"]},
        photo=photo,
        documents=documents,
        expires_at=shown.expires_at.replace("T", " ")[:16],
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "index.html"
    draft = out_dir / ".index.html.tmp"
    draft.write_text(page, encoding="utf-8")
    draft.replace(target)  # a browser never sees half a page
    return target


def _expect(answer: Answer, doing: str, status: int = 200) -> Any:
    if answer.status != status:
        raise DemoError(f"{doing}: expected HTTP {status}, got {answer.brief()}")
    return answer.json()


class FormServer:
    """The folder of the rendered form, served on ``127.0.0.1:port`` from a thread until closed."""

    def __init__(self, directory: Path, port: int) -> None:
        handler = functools.partial(_QuietHandler, directory=str(directory))
        try:
            self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
        except OSError as error:
            raise DemoError(f"cannot serve the portal form on 127.0.0.1:{port}: {error.strerror}") from None
        self.thread = threading.Thread(target=self.server.serve_forever, name="demo-form", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def __enter__(self) -> FormServer:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass  # the demo's terminal shows its own instructions, not a request log

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")  # the page holds links that expire
        self.send_header("Referrer-Policy", "no-referrer")
        super().end_headers()
