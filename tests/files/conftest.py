"""Fixtures of the file tests (the app they run against is in ``files_harness``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from registry_api.embedded import EmbeddedS3
from tests.files.files_harness import (
    ColumnDenyingAccess,
    FilesApp,
    LoopbackServer,
    apply_platform_sql,
    build_app,
    make_files_app,
)


@pytest.fixture
def files_app(database_url: str, s3: EmbeddedS3) -> Iterator[FilesApp]:
    apply_platform_sql(database_url)
    service, engine, storage = make_files_app(database_url, s3)
    access = ColumnDenyingAccess()
    with LoopbackServer(build_app(service, engine, access)) as server:
        yield FilesApp(server.url, service, storage, engine, s3.client(), access)
    engine.dispose()
