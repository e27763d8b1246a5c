"""The generated ``user`` registry served as ``serve`` serves it (``tests.served_registry``: real HTTP,
real PostgreSQL and S3, tokens of a test realm key checked by the generated policy), several times over
one database and one pair of buckets, as the internal and public deployments of one registry share
them; each service with the link settings a test gives it."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from registry_api.deploy import GeneratedRegistry
from registry_api.embedded import EmbeddedPostgres, EmbeddedS3
from registry_api.settings import Profile
from tests.conftest import created_database
from tests.served_registry import API, WRITE_HEADERS, TestRealms, s3_settings, served_registry

KEY_A = "link-key-a-" + "a" * 40
KEY_B = "link-key-b-" + "b" * 40

__all__ = [
    "API",
    "KEY_A",
    "KEY_B",
    "WRITE_HEADERS",
    "Registry",
    "Upload",
    "Uploaded",
    "create_user",
    "uploader",
]


@dataclass
class Registry:
    """The services of one generated registry sharing a database and buckets."""

    generated: GeneratedRegistry
    database_url: str
    s3: EmbeddedS3
    buckets: dict[str, Any]  # the S3 settings every service of this registry gets
    realms: TestRealms
    data_dir: Path
    stack: ExitStack

    def serve(self, profile: str = "internal", **links: Any) -> httpx.Client:
        """A started service of ``profile`` with link settings ``links``; a client without a token."""
        served = self.stack.enter_context(
            served_registry(
                self.generated,
                self.database_url,
                self.s3,
                self.realms,
                self.data_dir,
                profile=Profile(profile),
                buckets=self.buckets,
                links=links,
            )
        )
        return self.stack.enter_context(httpx.Client(base_url=served.url, timeout=30))

    def token(self, realm: str, roles: list[str], subject: str = "officer-1") -> dict[str, str]:
        return {"X-Access-Token": self.realms.token(realm, roles, subject=subject)}


@pytest.fixture(scope="module")
def registry(
    generated_user: GeneratedRegistry,
    realms: TestRealms,
    tmp_path_factory: pytest.TempPathFactory,
    postgres: EmbeddedPostgres,
    s3: EmbeddedS3,
) -> Iterator[Registry]:
    with created_database(postgres, prefix="links") as database_url, ExitStack() as stack:
        yield Registry(
            generated_user,
            database_url,
            s3,
            s3_settings(s3),
            realms,
            tmp_path_factory.mktemp("links-var"),
            stack,
        )


@dataclass(frozen=True)
class Uploaded:
    id: str
    checksum: str
    short_name: str
    content: bytes

    @property
    def ref(self) -> dict[str, str]:
        return {"id": self.id, "checksum": self.checksum}


Upload = Callable[[str, bytes], Uploaded]


def uploader(client: httpx.Client, headers: dict[str, str]) -> Upload:
    def upload(name: str, content: bytes) -> Uploaded:
        answer = client.post(
            f"{API}/files", files={"file": (name, content, "application/octet-stream")}, headers=headers
        )
        assert answer.status_code == 201, answer.text
        body = answer.json()
        return Uploaded(body["id"], body["checksum"], body["shortName"], content)

    return upload


def create_user(client: httpx.Client, headers: dict[str, str], **values: Any) -> str:
    answer = client.post(
        f"{API}/user",
        json={"name": f"Петро {secrets.token_hex(3)}", **values},
        headers={**headers, **WRITE_HEADERS},
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])
