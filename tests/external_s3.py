"""An S3 server the test run did not start: the file suite runs against it when ``REGISTRY_TEST_S3_ENDPOINT``
(with ``..._ACCESS_KEY``, ``..._SECRET_KEY``) is set, as ``.ci/run`` does with the Ceph RGW that
``.ci/ceph-rgw`` starts (``REGISTRY_TEST_S3_RGW_DIR`` names its cluster, so the fault test can stop and
start the gateway). Without them the tests start nanio (``tests/conftest.py``)."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from registry_api.embedded import s3_client

REPO_ROOT = Path(__file__).resolve().parents[1]
CEPH_SCRIPT = REPO_ROOT / ".ci" / "ceph-rgw"


@dataclass(frozen=True)
class ExternalS3:
    endpoint_url: str
    access_key: str
    secret_key: str
    region: str = "us-east-1"
    rgw_dir: Path | None = None  # a Ceph cluster of .ci/ceph-rgw: its gateway can be stopped and started

    @classmethod
    def from_environment(cls) -> ExternalS3 | None:
        endpoint = os.environ.get("REGISTRY_TEST_S3_ENDPOINT")
        if not endpoint:
            return None
        rgw_dir = os.environ.get("REGISTRY_TEST_S3_RGW_DIR")
        return cls(
            endpoint_url=endpoint,
            access_key=os.environ["REGISTRY_TEST_S3_ACCESS_KEY"],
            secret_key=os.environ["REGISTRY_TEST_S3_SECRET_KEY"],
            region=os.environ.get("REGISTRY_TEST_S3_REGION", "us-east-1"),
            rgw_dir=Path(rgw_dir) if rgw_dir else None,
        )

    def client(self, **overrides: Any) -> Any:
        """A boto3 client configured as for nanio's fixture."""
        return s3_client(self.endpoint_url, self.access_key, self.secret_key, self.region, **overrides)

    def stop_gateway(self) -> None:
        self._script("stop-rgw")

    def start_gateway(self) -> None:
        self._script("start-rgw")

    def _script(self, command: str) -> None:
        if self.rgw_dir is None:
            raise RuntimeError("this S3 server cannot be stopped by the tests (no REGISTRY_TEST_S3_RGW_DIR)")
        subprocess.run(["bash", str(CEPH_SCRIPT), command, str(self.rgw_dir)], check=True, timeout=120)
