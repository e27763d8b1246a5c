"""Counts what a registry's files consist of, in all three places, and says where they disagree:
catalogue rows (``ddm_files``), bindings (``ddm_file_bindings`` against the entity columns holding
``{id, checksum}``) and S3 objects (both buckets, and unfinished multipart uploads). Tests use it after
faults: nothing may be orphaned."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from registry_api.files.keys import UPLOADS_PREFIX
from tests.served_registry import ServedRegistry

# What the file columns of the user example registry hold: (entity, entity id, field, file id).
USER_REFERENCES = (
    "SELECT 'user', user_id::text, 'photo', (photo).id::text FROM \"user\" WHERE photo IS NOT NULL",
    "SELECT 'user', user_id::text, 'documents', (d).id::text"
    ' FROM "user", unnest(documents) AS d WHERE d IS NOT NULL',
)

Place = tuple[str, str, str, str]  # (entity, entity id, field, file id)


@dataclass(frozen=True)
class FileState:
    rows: dict[str, tuple[bool, str]]  # file id -> (attached once: in the registry bucket, staging key)
    bindings: frozenset[Place]
    references: frozenset[Place]
    registry_objects: frozenset[str]
    staging_objects: frozenset[str]
    pending_uploads: int

    def mismatches(self, *, pruned: bool) -> list[str]:
        """Every disagreement; empty when rows, bindings and objects match exactly. ``pruned``: after
        ``files prune`` no file never attached and no stray staging upload may be left either."""
        problems: list[str] = []

        def differ(what: str, have: Collection[object], want: Collection[object]) -> None:
            missing, extra = set(want) - set(have), set(have) - set(want)
            if missing or extra:
                problems.append(
                    f"{what}: missing {sorted(map(str, missing))}, unexpected {sorted(map(str, extra))}"
                )

        in_registry = {file_id for file_id, (attached, _) in self.rows.items() if attached}
        differ("bindings against entity columns", self.bindings, self.references)
        differ("registry objects against attached files", self.registry_objects, in_registry)
        never_attached_bound = {place for place in self.bindings if place[3] not in in_registry}
        differ("bindings of files never attached", never_attached_bound, ())
        staged = {key for _, key in self.rows.values()}
        differ("staging objects of catalogued files", staged & self.staging_objects, staged)
        if pruned:
            differ("files never attached", {f for f, (attached, _) in self.rows.items() if not attached}, ())
            uploads = {key for key in self.staging_objects if key.startswith(UPLOADS_PREFIX)}
            differ(
                "staging uploads against catalogued files",
                uploads,
                {k for k in staged if k.startswith(UPLOADS_PREFIX)},
            )
            differ("unfinished multipart uploads", range(self.pending_uploads), ())
        return problems


def file_state(served: ServedRegistry) -> FileState:
    rows = {
        str(file_id): (attached_at is not None, key)
        for file_id, attached_at, key in served.rows("SELECT id, attached_at, path_in_storage FROM ddm_files")
    }
    bindings = frozenset(
        (entity, entity_id, field, str(file_id))
        for file_id, entity, entity_id, field in served.rows(
            "SELECT file_id, entity, entity_id, field FROM ddm_file_bindings"
        )
    )
    references = frozenset(place for query in USER_REFERENCES for place in served.rows(query))
    return FileState(
        rows=rows,
        bindings=bindings,
        references=references,  # type: ignore[arg-type]
        registry_objects=frozenset(served.keys(served.registry_bucket)),
        staging_objects=frozenset(served.keys(served.staging_bucket)),
        pending_uploads=sum(
            len(served.s3_client.list_multipart_uploads(Bucket=bucket).get("Uploads", []))
            for bucket in (served.registry_bucket, served.staging_bucket)
        ),
    )
