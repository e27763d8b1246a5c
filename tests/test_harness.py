"""Smoke tests of the test harness: the fixtures give real, isolated servers."""

from __future__ import annotations

import urllib.request
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from botocore.exceptions import ClientError

from registry_api.embedded import EmbeddedPostgres, EmbeddedS3


def test_postgres_answers_gen_random_uuid(postgres: EmbeddedPostgres) -> None:
    engine = sa.create_engine(postgres.url)
    try:
        with engine.connect() as conn:
            value = conn.execute(sa.text("select gen_random_uuid()")).scalar_one()
            version = conn.execute(sa.text("show server_version_num")).scalar_one()
    finally:
        engine.dispose()
    assert isinstance(value, uuid.UUID)
    assert int(version) >= 140000


_SEEN_URLS: list[str] = []  # URLs handed to earlier tests of this module


@pytest.mark.parametrize("attempt", [1, 2])
def test_each_test_gets_its_own_empty_database(database_url: str, attempt: int) -> None:
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as conn:
            tables = conn.execute(
                sa.text("select count(*) from information_schema.tables where table_schema = 'public'")
            ).scalar_one()
            assert tables == 0, "a previous test's table leaked into this database"
            conn.execute(sa.text('create table "user" (id int primary key)'))
    finally:
        engine.dispose()
    assert database_url not in _SEEN_URLS
    _SEEN_URLS.append(database_url)


def test_s3_put_get_round_trip(s3: EmbeddedS3) -> None:
    client = s3.client()
    client.create_bucket(Bucket="harness-round-trip")
    body = "Привіт, файл".encode() * 1000
    client.put_object(Bucket="harness-round-trip", Key="a/b.txt", Body=body, ContentType="text/plain")
    got = client.get_object(Bucket="harness-round-trip", Key="a/b.txt")
    assert got["Body"].read() == body
    assert got["ContentType"] == "text/plain"


def test_s3_refuses_a_bad_secret_key(s3: EmbeddedS3) -> None:
    intruder = s3.client(aws_secret_access_key="not-the-secret")
    with pytest.raises(ClientError) as refused:
        intruder.list_buckets()
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_s3_presigned_get_works_over_plain_http(s3: EmbeddedS3) -> None:
    client = s3.client()
    client.create_bucket(Bucket="harness-presigned")
    client.put_object(Bucket="harness-presigned", Key="file.bin", Body=b"\x00\x01payload")
    url = client.generate_presigned_url(
        "get_object", Params={"Bucket": "harness-presigned", "Key": "file.bin"}, ExpiresIn=60
    )
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - local test server
        assert response.status == 200
        assert response.read() == b"\x00\x01payload"


def test_shared_corpus_is_beside_the_repository(shared_dir: Path) -> None:
    assert (shared_dir / "regulations" / "assembled" / "training-registry" / "data-model").is_dir()
