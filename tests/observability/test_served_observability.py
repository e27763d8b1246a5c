"""What an operator sees of a running ``registry-api serve --workers 2``: one JSON log line per
request whose ``traceId`` is the one of the response header and of the error body, the caller's
subject and never the token; Prometheus metrics summed over the workers on their own port, and no
``/metrics`` on the API port of any profile."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rbac.devkeys import dev_signing_key, mint_token
from registry_api.embedded import EmbeddedS3, free_port
from tests.api.conftest import serve_generated
from tests.serve.test_serve_process import API, serving, stop_with_sigterm, user_build  # noqa: F401

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "user"
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"
SEARCH = f"{API}/search/user-search-by-name"
MISSING = "00000000-0000-0000-0000-000000000001"


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, Message, bytes]:
    """Status, headers (case-insensitive, as HTTP names are) and body."""
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - a local server
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return int(response.status), response.headers, response.read()
    except urllib.error.HTTPError as error:
        return int(error.code), error.headers, error.read()


def request_lines(output: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("logger") == "registry_api.requests"]


def test_request_lines_traces_and_metrics_of_two_workers(user_build: Path, private_tmp_path: Path) -> None:  # noqa: F811
    metrics_port = free_port()
    with serving(
        user_build, private_tmp_path / "var", "--workers", "2", "--dev-auth",
        env={"REGISTRY_METRICS__PORT": str(metrics_port)},
    ) as served:  # fmt: skip
        officer = mint_token(
            dev_signing_key(served.data_dir, create=False),
            issuer="http://127.0.0.1:8080/realms/officer-portal",
            roles=["officer"],
            subject="officer-7",
        )
        token = {"X-Access-Token": officer}
        for _ in range(6):
            status, headers, _ = fetch(f"{served.base_url}{SEARCH}?name=Ann", token)
            assert status == 200
        status, headers, _ = fetch(
            f"{served.base_url}{SEARCH}?name=Ann", {**token, "traceparent": TRACEPARENT}
        )
        assert status == 200 and headers["X-Trace-Id"] == TRACE_ID
        status, headers, body = fetch(
            f"{served.base_url}{API}/city/00000000-0000-0000-0000-000000000001", token
        )
        assert status == 404
        error_trace = json.loads(body)["traceId"]
        assert headers["X-Trace-Id"] == error_trace and re.fullmatch(r"[0-9a-f]{32}", error_trace)

        status, _, metrics = fetch(f"http://127.0.0.1:{metrics_port}/metrics")
        assert status == 200
        counted = re.search(
            rf'registry_http_requests_total\{{method="GET",route="{SEARCH}",status="200"\}} (\S+)',
            metrics.decode(),
        )
        assert counted is not None, metrics.decode()[:2000]
        assert float(counted.group(1)) == 7.0  # summed over both workers
        assert "registry_http_request_duration_seconds_bucket" in metrics.decode()
        assert fetch(f"{served.base_url}/metrics", token)[0] == 404
        stop_with_sigterm(served)
        output = served.output()

    lines = request_lines(output)
    traced = [line for line in lines if line["traceId"] == TRACE_ID]
    assert len(traced) == 1
    assert traced[0]["method"] == "GET" and traced[0]["route"] == SEARCH and traced[0]["status"] == 200
    assert traced[0]["subject"] == "officer-7" and traced[0]["durationMs"] >= 0
    failed = [line for line in lines if line["traceId"] == error_trace]
    assert len(failed) == 1 and failed[0]["status"] == 404 and failed[0]["route"] == f"{API}/city/{{id}}"
    assert officer not in output and "Ann" not in output  # no token, no query values


@pytest.mark.parametrize("profile", ["internal", "ext", "public"])
def test_no_profile_serves_metrics_on_the_api_port(
    profile: str, tmp_path: Path, database_url: str, s3: EmbeddedS3
) -> None:
    app, token = serve_generated(
        EXAMPLE, tmp_path / "build", database_url, s3, profile=profile, public_api=EXAMPLE / "public-api.yaml"
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        for path in ("/metrics", "/actuator/prometheus", f"{API}/metrics"):
            response = client.get(path, headers={"X-Access-Token": token})
            assert response.status_code == 404, (path, response.text)
            assert response.json()["traceId"] == response.headers["X-Trace-Id"]
