"""Load the demo's sample records once, through the running internal API (upload, then create).

Uploading through ``POST /api/data-factory/files`` makes checksums, content types and the
``ddm_files`` catalogue real. What was loaded is remembered in ``<data-dir>/demo/samples.json``;
a later run checks the user still exists and loads nothing again.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from codegen.demo import samples
from codegen.demo.errors import DemoError
from codegen.demo.http import Answer, call, call_json, multipart_file

# Every write must say who is writing (DESIGN.md §4, settings.headers.required_on_write).
SOURCE_HEADERS = {
    "X-Source-System": "registry-demo",
    "X-Source-Application": "registry-api demo",
    "X-Source-Business-Process": "load-sample-data",
}


@dataclass(frozen=True)
class LoadedFile:
    id: str
    checksum: str
    filename: str
    short_name: str = ""  # from the upload answer (records of older demo runs lack it)


@dataclass(frozen=True)
class SampleData:
    """What the printed commands point at."""

    city_id: str
    user_id: str
    photo: LoadedFile
    documents: tuple[LoadedFile, ...]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SampleData:
        return cls(
            city_id=str(data["city_id"]),
            user_id=str(data["user_id"]),
            photo=LoadedFile(**data["photo"]),
            documents=tuple(LoadedFile(**item) for item in data["documents"]),
        )


class SampleLoader:
    def __init__(self, api_url: str, token: str, record_path: Path) -> None:
        self.api_url = api_url.rstrip("/")
        self.auth = {"X-Access-Token": token}
        self.record_path = record_path
        self._write_headers = {**self.auth, **SOURCE_HEADERS}

    def already_loaded(self) -> SampleData | None:
        """The recorded sample data, if its user is still in the database."""
        try:
            loaded = SampleData.from_json(json.loads(self.record_path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        answer = call("GET", f"{self.api_url}/user/{loaded.user_id}", headers=self.auth)
        return loaded if answer.status == 200 else None

    def load(self) -> SampleData:
        photo = self._upload(samples.PHOTO)
        documents = tuple(self._upload(sample) for sample in samples.DOCUMENTS)
        city_id = self._city_id(samples.CITY_NAME)
        user = {
            "name": samples.USER_NAME,
            "email": samples.USER_EMAIL,
            "cityId": city_id,
            "photo": {"id": photo.id, "checksum": photo.checksum},
            "documents": [{"id": d.id, "checksum": d.checksum} for d in documents],
        }
        user_id = self._create("user", user)
        loaded = SampleData(city_id=city_id, user_id=user_id, photo=photo, documents=documents)
        self.record_path.parent.mkdir(parents=True, exist_ok=True)
        record = json.dumps(asdict(loaded), ensure_ascii=False, indent=2)
        self.record_path.write_text(record, encoding="utf-8")
        return loaded

    def _upload(self, sample: samples.SampleFile) -> LoadedFile:
        content_type, body = multipart_file("file", sample.filename, sample.content_type, sample.content)
        answer = call(
            "POST",
            f"{self.api_url}/files",
            headers={**self.auth, **SOURCE_HEADERS, "Content-Type": content_type},
            body=body,
        )
        uploaded = _expect(answer, 201, f"uploading {sample.filename}")
        if uploaded.get("checksum") != sample.checksum:
            raise DemoError(
                f"uploading {sample.filename}: the service reports checksum {uploaded.get('checksum')}, "
                f"expected {sample.checksum}"
            )
        return LoadedFile(
            id=str(uploaded["id"]),
            checksum=sample.checksum,
            filename=sample.filename,
            short_name=str(uploaded.get("shortName", "")),
        )

    def _city_id(self, name: str) -> str:
        answer = call_json("POST", f"{self.api_url}/city", {"name": name}, headers=self._write_headers)
        if answer.status != 409:
            return self._created_id(answer, "city")
        # Left by an earlier run whose record file was removed: find it with the internal search.
        found = call("GET", f"{self.api_url}/search/city-contains-name?name={quote(name)}", headers=self.auth)
        rows = _expect(found, 200, "looking up the existing city")
        rows = rows.get("content", rows) if isinstance(rows, dict) else rows
        for row in rows:
            if row.get("name") == name:
                return str(row["cityId"])
        raise DemoError(f"the city {name!r} exists but the search city-contains-name does not return it")

    def _create(self, entity: str, payload: dict[str, Any]) -> str:
        answer = call_json("POST", f"{self.api_url}/{entity}", payload, headers=self._write_headers)
        return self._created_id(answer, entity)

    def _created_id(self, answer: Answer, entity: str) -> str:
        return str(_expect(answer, 201, f"creating the sample {entity}")["id"])


def _expect(answer: Answer, status: int, doing: str) -> Any:
    if answer.status != status:
        raise DemoError(f"{doing}: expected HTTP {status}, got {answer.brief()}")
    try:
        return answer.json()
    except ValueError as error:
        raise DemoError(f"{doing}: the answer is not JSON ({answer.brief()})") from error
