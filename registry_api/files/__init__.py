"""Files: upload to staging, attach to entities, serve content (DESIGN.md §4 "File lifecycle").

Plain services: nothing here knows HTTP; ``registry_api.http.file_endpoints`` is their edge."""

from registry_api.files.content import DownloadAnswer, DownloadQuery
from registry_api.files.links import LinkService
from registry_api.files.metadata import FormContext
from registry_api.files.service import FileService, FileValue, UploadBody

__all__ = [
    "DownloadAnswer",
    "DownloadQuery",
    "FileService",
    "FileValue",
    "FormContext",
    "LinkService",
    "UploadBody",
]
