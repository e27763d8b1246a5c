"""The training registry exposes no search condition, so its ext and public deployments serve nothing:
in particular the file route of ``laboratory.premises_file`` (no exposed search condition returns it)
is not mounted there, while the internal deployment serves it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from registry_api.settings import Profile
from tests.api.conftest import API

ENTITY_ID = "00000000-0000-0000-0000-000000000001"
FILE_ID = "00000000-0000-0000-0000-000000000002"
PREMISES_FILE = f"{API}/files/laboratory/{ENTITY_ID}/premises-file/{FILE_ID}"


def test_unexposed_file_column_is_not_served_by_ext(
    client_for: Callable[..., TestClient], shared_dir: Path
) -> None:
    training = shared_dir / "regulations" / "assembled" / "training-registry"
    internal = client_for(training)
    ext = client_for(training, profile=Profile.EXT)

    # The route is mounted on internal: the file service itself answers (no such laboratory).
    served = internal.get(PREMISES_FILE)
    assert served.status_code == 404 and served.json()["detail"] == "No such file"
    assert internal.get(f"{API}/koatuu-obl-contains-name", params={"name": "x"}).status_code == 200

    unmounted = ext.get(PREMISES_FILE)
    assert unmounted.status_code == 404 and unmounted.json()["detail"] == "No such resource."
    assert unmounted.headers["content-type"].startswith("application/problem+json")
    assert ext.get(f"{API}/search/koatuu-obl-contains-name", params={"name": "x"}).status_code == 404
    assert ext.get(f"{API}/laboratory/{ENTITY_ID}").status_code == 404
