"""``/docs`` and ``/redoc`` of each profile as a person opens them: in headless Chromium (Debian's
``chromium``, installed by ``.ci/tools``) that can reach nothing but the service — every other host
resolves to nothing — the rendered pages list the profile's operations. A page that loaded its
scripts from a CDN would be blank here."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from registry_api.embedded import EmbeddedS3
from tests.api.conftest import serve_generated
from tests.served_registry import LoopbackServer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "user"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def rendered(url: str) -> str:
    """The DOM of ``url`` after its scripts ran, in a browser cut off from everything but loopback."""
    assert CHROMIUM is not None, "chromium is installed by .ci/tools (apt-get install chromium)"
    with tempfile.TemporaryDirectory(prefix="registry-chromium-") as profile:
        result = subprocess.run(
            [
                CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--no-first-run", f"--user-data-dir={profile}",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",  # no CDN, no internet
                "--virtual-time-budget=15000", "--dump-dom", url,
            ],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def operations(dom: str) -> set[tuple[str, str]]:
    """(method, path) of every operation Swagger UI rendered: each summary's method, then its path."""
    summaries = re.findall(r'opblock-summary-method">(\w+)</span>.*?data-path="([^"]+)"', dom, re.S)
    return {(method, html.unescape(path)) for method, path in summaries}


def documented(app: object) -> tuple[set[tuple[str, str]], set[str]]:
    """(method, path) and operationId of every operation of the app's OpenAPI document."""
    document = app.openapi()  # type: ignore[attr-defined]
    operations = {
        (m.upper(), path): op["operationId"]
        for path, item in document["paths"].items()
        for m, op in item.items()
    }
    return set(operations), set(operations.values())


@pytest.mark.parametrize("profile", ["internal", "ext", "public"])
def test_docs_pages_render_every_operation_without_a_network(
    profile: str, tmp_path: Path, database_url: str, s3: EmbeddedS3
) -> None:
    app, _ = serve_generated(
        EXAMPLE, tmp_path / "build", database_url, s3, profile=profile, public_api=EXAMPLE / "public-api.yaml"
    )
    expected, operation_ids = documented(app)
    assert expected  # every profile serves something of the example
    with LoopbackServer(app, app.state.runtime.settings) as server:
        swagger = rendered(f"{server.url}/docs")
        assert operations(swagger) == expected
        authorize = 'class="btn authorize' in swagger
        assert authorize is (profile != "public")  # the Authorize button: a security scheme is declared
        redoc = rendered(f"{server.url}/redoc")
        assert set(re.findall(r'id="operation/([^"]+)"', redoc)) == operation_ids
