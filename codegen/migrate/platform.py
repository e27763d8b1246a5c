"""The platform bootstrap as changesets (author ``registry-data-factory``, file ``platform``), read from
``platform.sql`` in Liquibase "formatted SQL" style: each ``--changeset author:id`` block is one changeset."""

from __future__ import annotations

import hashlib
import re
from importlib import resources

from schemas.regulation import Change, ChangeSet, Location, Regulation, XmlNode

PLATFORM_FILE = "platform"
PLATFORM_AUTHOR = "registry-data-factory"
_HEADER = re.compile(r"^--changeset\s+([^:\s]+):(\S+)\s*$", re.MULTILINE)


def _parse(resource: str) -> tuple[ChangeSet, ...]:
    text = resources.files("codegen.migrate").joinpath(resource).read_text(encoding="utf-8")
    headers = list(_HEADER.finditer(text))
    changesets: list[ChangeSet] = []
    for index, header in enumerate(headers):
        end = headers[index + 1].start() if index + 1 < len(headers) else len(text)
        body = text[header.end() : end].strip()
        line = text.count("\n", 0, header.start()) + 1
        location = Location(f"{PLATFORM_FILE}:{resource}", line)
        normalized = "\n".join(part.strip() for part in body.splitlines() if part.strip())
        changesets.append(
            ChangeSet(
                id=header.group(2),
                author=header.group(1),
                file=PLATFORM_FILE,
                location=location,
                changes=(Change(XmlNode("sql", text=body, line=line), location, api_relevant=False),),
                checksum=hashlib.sha256(normalized.encode()).hexdigest(),
                comment=f"registry-data-factory platform bootstrap ({resource})",
            )
        )
    return tuple(changesets)


def platform_changesets(regulation: Regulation) -> tuple[ChangeSet, ...]:
    """``platform.sql``, plus the reference's ``subject`` table when the regulation searches a ``subject``
    table it never creates (the training registry does)."""
    changesets = _parse("platform.sql")
    if _needs_subject_table(regulation):
        changesets += _parse("platform_subject.sql")
    return changesets


def _needs_subject_table(regulation: Regulation) -> bool:
    searched = False
    for changeset in regulation.changesets:
        for change in changeset.changes:
            tag = change.tag.split(":")[-1]
            if tag in ("createTable", "renameTable") and "subject" in (
                change.node.get("tableName"),
                change.node.get("newTableName"),
            ):
                return False
            sc = change.model
            if tag in ("createSearchCondition", "createSimpleSearchCondition") and sc is not None:
                ctes = {c.name for c in getattr(sc, "ctes", ())}
                searched = searched or any(
                    t.name == "subject" and t.name not in ctes for t in getattr(sc, "tables", ())
                )
    return searched
