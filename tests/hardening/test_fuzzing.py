"""schemathesis against each profile's OpenAPI document of the served user registry (issue 16): the
internal profile with an officer's token, ext with an external system's, public anonymously. It runs
in its own process, as a client on the network would, and fails on any 5xx and on any answer that the
document does not describe (status code, content type, headers, body schema)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry_api.deploy import GeneratedRegistry
from registry_api.embedded import EmbeddedS3
from registry_api.settings import Profile
from tests.served_registry import WRITE_HEADERS, ServedRegistry, TestRealms, served_registry

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)
MAX_EXAMPLES = 50  # per operation and phase: a few thousand requests, well under a minute per profile
LINK_KEY = "fuzzing-link-key-" + "f" * 32
CALLERS = {Profile.INTERNAL: ("officer",), Profile.EXT: ("trembita-invoker",), Profile.PUBLIC: ()}


@pytest.fixture(scope="module")
def served(
    generated_user: GeneratedRegistry,
    module_database: str,
    s3: EmbeddedS3,
    realms: TestRealms,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[Profile, ServedRegistry]]:
    running: dict[Profile, ServedRegistry] = {}
    contexts = []
    try:
        for profile in (Profile.INTERNAL, Profile.EXT, Profile.PUBLIC):  # internal migrates first
            context = served_registry(
                generated_user,
                module_database,
                s3,
                realms,
                tmp_path_factory.mktemp(profile.value),
                profile=profile,
                links={"signing_keys": [LINK_KEY]},  # so minting and opening links are fuzzed too
            )
            running[profile] = context.__enter__()
            contexts.append(context)
        yield running
    finally:
        for context in reversed(contexts):
            context.__exit__(None, None, None)


@pytest.mark.parametrize("profile", [Profile.INTERNAL, Profile.EXT, Profile.PUBLIC], ids=lambda p: p.value)
def test_schemathesis_finds_no_server_error_and_no_undocumented_answer(
    served: dict[Profile, ServedRegistry], profile: Profile, tmp_path: Path
) -> None:
    registry = served[profile]
    roles = CALLERS[profile]
    headers = dict(WRITE_HEADERS)
    if roles:
        headers["X-Access-Token"] = registry.token(*roles)
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        f"{registry.url}/openapi.json",
        "--checks",
        ",".join(CHECKS),
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        "16",
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--no-color",
        "--report-dir",
        str(tmp_path / "report"),
        *(option for name, value in headers.items() for option in ("-H", f"{name}: {value}")),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=500, cwd=tmp_path, check=False)
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
