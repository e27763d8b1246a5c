"""Where files live in S3 (DESIGN.md §4 "File lifecycle"): opaque keys, never file names.

* staging (``lowcode-file-storage``): ``process/<rootProcessInstanceId>/<fileId>`` for files of a
  business process (the reference platform's layout), ``uploads/<fileId>`` for other uploads;
* registry (``file-ceph-bucket``): ``<fileId>``.

The root process id is validated where request headers are parsed (``registry_api.headers``).
"""

from __future__ import annotations

UPLOADS_PREFIX = "uploads/"
PROCESS_PREFIX = "process/"


def staging_key(file_id: str, root_process_id: str | None) -> str:
    return f"{PROCESS_PREFIX}{root_process_id}/{file_id}" if root_process_id else f"{UPLOADS_PREFIX}{file_id}"


def registry_key(file_id: str) -> str:
    return file_id
