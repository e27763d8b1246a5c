"""What the demo prints when it is ready: docs URLs, ready-to-paste curl commands, data, how to stop.

Every command is runnable verbatim in bash or zsh (``tests/demo`` runs them). Tokens come from
``registry-api dev-token`` through command substitution, so the commands never go stale."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

from codegen.demo import samples
from codegen.demo.loader import SampleData

READY_LINE = "Ready. Press Ctrl-C to stop the demo."


@dataclass(frozen=True)
class Endpoints:
    internal: str  # base URLs, e.g. http://127.0.0.1:8000
    ext: str
    public: str
    api_root: str = "/api/data-factory"


@dataclass(frozen=True)
class Example:
    title: str
    command: str


def token_assignments(cli: list[str], data_dir: Path) -> list[str]:
    def token(variable: str, realm: str, role: str) -> str:
        command = [*cli, "dev-token", "--realm", realm, "--role", role, "--data-dir", str(data_dir)]
        return f"{variable}=$({shlex.join(command)})"

    return [
        token("OFFICER_TOKEN", "officer-portal", "officer"),
        token("SYSTEM_TOKEN", "external-system", "trembita-invoker"),
    ]


def examples(endpoints: Endpoints, data: SampleData) -> list[Example]:
    internal = endpoints.internal + endpoints.api_root
    ext = endpoints.ext + endpoints.api_root
    public = endpoints.public + endpoints.api_root
    passport = data.documents[0]
    user = data.user_id
    curl = "curl -sS --fail-with-body"
    officer = '-H "X-Access-Token: $OFFICER_TOKEN"'
    system = '-H "X-Access-Token: $SYSTEM_TOKEN"'
    passport_url = f"{internal}/files/user/{user}/documents/{passport.id}"
    return [
        Example(
            "an officer reads the user (file columns are {id, checksum} references)",
            f"{curl} {officer} {internal}/user/{user}",
        ),
        Example(
            f"the officer downloads the document {passport.filename!r} as JSON (Base64 content)",
            f'{curl} {officer} -H "Accept: application/json" {passport_url}',
        ),
        Example(
            "... and as the original bytes, saved under its name",
            f"{curl} {officer} -o {shlex.quote(passport.filename)} {passport_url}",
        ),
        Example(
            "an external system (rest-api-ext) uses the exposed search condition user_search_by_name",
            f"{curl} {system} --get --data-urlencode {shlex.quote('name=' + samples.USER_NAME_PREFIX)} "
            f"{ext}/search/user-search-by-name",
        ),
        Example(
            "... and downloads a document that search returned",
            f"{curl} {system} -o document.pdf {ext}/files/user/{user}/documents/{passport.id}",
        ),
        Example(
            "anyone (rest-api-public, no token) uses the public search user-public-photo",
            f"{curl} --get --data-urlencode {shlex.quote('name=' + samples.USER_NAME)} "
            f"{public}/user-public-photo",
        ),
        Example(
            "... and downloads the published photo",
            f"{curl} -o photo.png {public}/files/user/{user}/photo/{data.photo.id}",
        ),
        Example(
            "a business process makes a signed link to the document for a form: anyone holding its url "
            "opens it, on the public port too, without a token, for 10 minutes",
            f'{curl} {officer} -X POST -H "Content-Type: application/json" -d \'{{"expiresIn": 600}}\' '
            f"{passport_url}/links",
        ),
    ]


FORM_LINE = "Portal form"


def ready_text(
    *,
    endpoints: Endpoints,
    data: SampleData,
    cli: list[str],
    data_dir: Path,
    build_dir: Path,
    log_dir: Path,
    form_url: str | None = None,
) -> str:
    lines = [
        "",
        "=" * 100,
        "The demo registry 'user' is running.",
        "",
        "API docs (Swagger UI):",
        f"  internal  {endpoints.internal}/docs   officers, citizens, business processes (all routes)",
        f"  ext       {endpoints.ext}/docs   external systems (exposed search conditions and their files)",
        f"  public    {endpoints.public}/docs   anonymous (what examples/user/public-api.yaml publishes)",
        "",
    ]
    if form_url is not None:
        lines += [
            f"{FORM_LINE} (what a business process puts on a user's page; open it in a browser):",
            f"  {form_url}",
            "  its photo and documents are signed links: no token needed, valid 8 hours (docs/links.md)",
            "",
        ]
    lines += [
        "Try it: paste these lines into another terminal (bash or zsh).",
        "",
        "  # development tokens, signed by the demo's local key (only --dev-auth services accept them)",
        *(f"  {line}" for line in token_assignments(cli, data_dir)),
    ]
    for number, example in enumerate(examples(endpoints, data), start=1):
        lines += ["", f"  # {number}. {example.title}", f"  {example.command}"]
    lines += [
        "",
        "Where things are:",
        f"  generated code     {build_dir}",
        f"  PostgreSQL data    {data_dir / 'pgdata'}",
        f"  S3 objects         {data_dir / 's3' / 'objects'}",
        f"  service logs       {log_dir}",
        "",
        "Stop: Ctrl-C here stops the three services, S3 and PostgreSQL. The next run reuses the data and",
        f"starts in seconds; to start afresh, stop the demo and delete {data_dir}.",
        "=" * 100,
        READY_LINE,
    ]
    return "\n".join(lines)
