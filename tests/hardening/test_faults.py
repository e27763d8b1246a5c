"""S3 and PostgreSQL stopped under a running service (finding 1 and 8 of issue 16): uploads, attaches,
downloads and plain writes answer 503 ``THIRD_PARTY_SERVICE_UNAVAILABLE`` while a server is down, the
service serves again once it is back (no restart), and afterwards catalogue rows, bindings and S3
objects match exactly: 0 orphan objects, 0 orphan rows, 0 unfinished multipart uploads after
``files prune``. The servers here are the test's own, so stopping them disturbs no other test."""

from __future__ import annotations

import contextlib
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
from typer.testing import CliRunner

from codegen.cli import app as cli
from registry_api.deploy import GeneratedRegistry
from registry_api.embedded import EmbeddedPostgres, EmbeddedS3
from registry_api.settings import settings_environment
from tests.conftest import created_database
from tests.external_s3 import ExternalS3
from tests.file_state import file_state
from tests.served_registry import ServedRegistry, TestRealms, served_registry

pytestmark = [pytest.mark.slow, pytest.mark.timeout(480)]

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 64 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 16
MIB = 1024 * 1024


@dataclass
class Servers:
    """A PostgreSQL and an S3 server of this module, stopped and started again on the same data: nanio,
    or the gateway of the Ceph cluster the file suite runs against in CI (``tests.external_s3``)."""

    base: Path
    postgres: EmbeddedPostgres
    s3: EmbeddedS3 | ExternalS3

    def stop_s3(self) -> None:
        if isinstance(self.s3, ExternalS3):
            self.s3.stop_gateway()
        else:
            self.s3.stop()

    def start_s3(self) -> None:
        old = self.s3
        if isinstance(old, ExternalS3):
            old.start_gateway()
        else:
            self.s3 = EmbeddedS3(old.data_dir, old.port, old.access_key, old.secret_key, region=old.region)

    def stop_postgres(self) -> None:
        self.postgres.stop()

    def start_postgres(self) -> None:
        self.postgres = EmbeddedPostgres(self.postgres.data_dir)


@pytest.fixture(scope="module")
def servers() -> Iterator[Servers]:
    base = Path(tempfile.mkdtemp(prefix="registry-faults-"))
    postgres = EmbeddedPostgres(base / "pgdata")
    external = ExternalS3.from_environment()
    s3 = external or EmbeddedS3(
        base / "s3", access_key=f"faults-{secrets.token_hex(3)}", secret_key=secrets.token_hex(16)
    )
    found = Servers(base, postgres, s3)
    try:
        yield found
    finally:
        if isinstance(found.s3, EmbeddedS3):
            found.s3.stop()
        found.postgres.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def served(
    servers: Servers,
    generated_user: GeneratedRegistry,
    realms: TestRealms,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ServedRegistry]:
    with (
        created_database(servers.postgres, prefix="faults") as url,
        served_registry(
            generated_user,
            url,
            servers.s3,
            realms,
            tmp_path_factory.mktemp("faults"),
            files={"max_upload_bytes": 64 * MIB},
        ) as running,
    ):
        yield running


def upload(client: httpx.Client, name: str, data: bytes) -> dict[str, str]:
    answer = client.post("/files", files={"file": (name, data, "application/octet-stream")})
    assert answer.status_code == 201, answer.text
    uploaded = answer.json()
    return {"id": uploaded["id"], "checksum": uploaded["checksum"]}


def assert_unavailable(answer: httpx.Response) -> None:
    assert answer.status_code == 503, answer.text
    if answer.request.method != "HEAD":
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["code"] == "THIRD_PARTY_SERVICE_UNAVAILABLE"


def wait_until_healthy(served: ServedRegistry) -> None:
    deadline = time.monotonic() + 120
    while httpx.get(served.url + "/actuator/health", timeout=10).status_code != 200:
        assert time.monotonic() < deadline, "the service did not recover"
        time.sleep(0.2)


def prune(served: ServedRegistry) -> str:
    result = CliRunner().invoke(
        cli, ["files", "prune", "--older-than", "0s"], env=settings_environment(served.settings)
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_outages_answer_503_orphan_nothing_and_the_service_recovers_without_a_restart(
    servers: Servers, served: ServedRegistry
) -> None:
    with served.client("officer") as officer:
        photo, passport, staged = (
            upload(officer, "a.png", PNG),
            upload(officer, "b.pdf", PDF),
            upload(officer, "c.pdf", PDF + b"c"),
        )
        created = officer.post("/user", json={"name": "Petro", "photo": photo, "documents": [passport]})
        assert created.status_code == 201, created.text
        photo_url = f"/files/user/{created.json()['id']}/photo/{photo['id']}"
        assert officer.get(photo_url).content == PNG

        # S3 down: uploads, attaches, downloads (GET and HEAD) are 503; what needs only the database works
        servers.stop_s3()
        assert_unavailable(officer.post("/files", files={"file": ("d.pdf", PDF, "application/pdf")}))
        assert_unavailable(officer.post("/user", json={"name": "Olena", "photo": staged}))
        assert_unavailable(officer.get(photo_url))
        assert_unavailable(officer.head(photo_url))
        assert officer.post("/city", json={"name": "Kyiv"}).status_code == 201
        servers.start_s3()

        # S3 dies in the middle of a multipart upload (over 8 MiB: parts are sent while it streams)
        def body() -> Iterator[bytes]:
            yield b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n\r\n'
            for _ in range(10):
                yield b"\x07" * MIB
            servers.stop_s3()
            for _ in range(4):
                yield b"\x07" * MIB
            yield b"\r\n--xyz--\r\n"

        mid = officer.post(
            "/files", content=body(), headers={"Content-Type": "multipart/form-data; boundary=xyz"}
        )
        assert_unavailable(mid)
        servers.start_s3()

        # PostgreSQL down: uploads (stored, then not catalogued), attaches, plain writes, downloads
        servers.stop_postgres()
        assert_unavailable(officer.post("/files", files={"file": ("e.pdf", PDF, "application/pdf")}))
        assert_unavailable(officer.post("/user", json={"name": "Olena", "photo": staged}))
        assert_unavailable(officer.post("/city", json={"name": "Lviv"}))
        assert_unavailable(officer.get(photo_url))
        assert_unavailable(officer.head(photo_url))
        servers.start_postgres()
        wait_until_healthy(served)

        # PostgreSQL dies after the attach copied the file, before the row is written: the write is
        # held on a lock of the user table until the copy is there, then the server is stopped
        holder = psycopg.connect(
            servers.postgres.conninfo.replace("dbname=postgres", f"dbname={database_of(served)}")
        )
        holder.execute('LOCK TABLE "user" IN ACCESS EXCLUSIVE MODE')
        answers: list[httpx.Response | BaseException] = []

        def write() -> None:  # its own client: it waits on the lock for as long as the steps below take
            try:
                with served.client("officer") as patient:
                    patient.timeout = httpx.Timeout(180)
                    answers.append(patient.post("/user", json={"name": "Taras", "photo": staged}))
            except BaseException as error:
                answers.append(error)

        writer = threading.Thread(target=write)
        writer.start()
        deadline = time.monotonic() + 120
        while staged["id"] not in served.keys(served.registry_bucket):
            assert time.monotonic() < deadline and writer.is_alive(), answers
            time.sleep(0.05)
        servers.stop_postgres()
        writer.join(180)
        with contextlib.suppress(psycopg.Error):  # its server is gone
            holder.close()
        assert answers and isinstance(answers[0], httpx.Response), answers
        assert_unavailable(answers[0])
        assert staged["id"] not in served.keys(served.registry_bucket)  # the copy went with the write
        servers.start_postgres()
        wait_until_healthy(served)

        # back: everything works again, on the same service
        late = upload(officer, "late.pdf", PDF + b"late")
        again = officer.post("/user", json={"name": "Olena", "photo": staged, "documents": [late]})
        assert again.status_code == 201, again.text
        assert officer.post("/city", json={"name": "Lviv"}).status_code == 201
        assert officer.get(photo_url).content == PNG
        assert officer.head(photo_url).status_code == 200
        read = officer.get(f"/user/{again.json()['id']}")
        assert read.status_code == 200 and read.json()["photo"] == staged

    prune(served)
    state = file_state(served)
    assert state.mismatches(pruned=True) == []
    assert len(state.bindings) == 4 and state.pending_uploads == 0


def database_of(served: ServedRegistry) -> str:
    url = served.settings.database.url
    assert url is not None
    return url.rsplit("/", 1)[1].split("?", 1)[0]
