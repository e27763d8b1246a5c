"""Files: upload to staging, attach to entities, serve content (DESIGN.md §4 "File lifecycle")."""

from registry_api.files.openapi import FILE_CONTENT_RESPONSES, UPLOAD_OPENAPI_EXTRA, UPLOAD_RESPONSES
from registry_api.files.service import ROOT_PROCESS_HEADER, FileService, FileValue, root_process_id

__all__ = [
    "FILE_CONTENT_RESPONSES",
    "ROOT_PROCESS_HEADER",
    "UPLOAD_OPENAPI_EXTRA",
    "UPLOAD_RESPONSES",
    "FileService",
    "FileValue",
    "root_process_id",
]
