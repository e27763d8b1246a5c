"""``explain --all-roles``: which role may read which table, column, search condition and file column,
asked of the service's own ``AccessPolicy`` (the methods the HTTP edge calls) for every role the
regulation's ``ext:rbac`` names, in the realm it is granted in, plus any authenticated caller."""

from __future__ import annotations

from dataclasses import dataclass

from registry_api.access import Identity
from registry_api.requirements import EntityRead, FileRead, SearchRun, permits
from schemas.regulation import IS_AUTHENTICATED, Regulation

from .request import EXPLAIN_SUBJECT, Deployment


@dataclass(frozen=True)
class Subject:
    role: str  # IS_AUTHENTICATED: a caller without any of the regulation's roles
    realm: str | None  # None: the role's grants name no realm (they apply in every realm)

    @property
    def label(self) -> str:
        return self.role if self.realm is None else f"{self.role}@{self.realm}"

    def identity(self) -> Identity:
        roles = frozenset() if self.role == IS_AUTHENTICATED else frozenset({self.role})
        return Identity(EXPLAIN_SUBJECT, self.realm, roles)


@dataclass(frozen=True)
class Matrix:
    subjects: tuple[Subject, ...]
    rows: tuple[tuple[str, str, tuple[bool, ...]], ...]  # (kind, object, one answer per subject)

    def to_json(self) -> dict[str, object]:
        return {
            "subjects": [s.label for s in self.subjects],
            "rows": [
                {
                    "kind": kind,
                    "object": name,
                    "allowed": [s.label for s, ok in zip(self.subjects, answers, strict=True) if ok],
                }
                for kind, name, answers in self.rows
            ],
        }


def subjects_of(regulation: Regulation) -> tuple[Subject, ...]:
    found: dict[tuple[str, str | None], None] = {}
    for grants in regulation.rbac:
        if grants.role != IS_AUTHENTICATED:
            found[(grants.role, grants.realm)] = None
    return (*(Subject(role, realm) for role, realm in found), Subject(IS_AUTHENTICATED, None))


def access_matrix(deployed: Deployment) -> Matrix:
    """The matrix on ``deployed``'s policy (use the internal profile: it serves everything)."""
    regulation = deployed.regulation
    access = deployed.runtime.access
    subjects = subjects_of(regulation)
    identities = [s.identity() for s in subjects]
    rows: list[tuple[str, str, tuple[bool, ...]]] = []
    for table in regulation.api_tables:
        rows.append(
            ("table", table.name, tuple(permits(EntityRead(table.name), access, i) for i in identities))
        )
        names = [c.name for c in table.columns]
        readable = [access.readable_columns(i, table.name, names) for i in identities]
        for column in table.columns:
            rows.append(("column", f"{table.name}.{column.name}", tuple(column.name in r for r in readable)))
    for sc in regulation.search_conditions:
        rows.append(("search", sc.name, tuple(permits(SearchRun(sc.name), access, i) for i in identities)))
    for table in regulation.api_tables:
        for column in table.file_columns:
            requirement = FileRead(table.name, column.name)
            rows.append(
                (
                    "file",
                    f"{table.name}.{column.name}",
                    tuple(permits(requirement, access, i) for i in identities),
                )
            )
    return Matrix(subjects, tuple(rows))


def render_matrix(matrix: Matrix) -> str:
    header = ["", *(s.label for s in matrix.subjects)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for kind, name, answers in matrix.rows:
        cells = ["yes" if ok else "-" for ok in answers]
        lines.append(f"| {kind} `{name}` | " + " | ".join(cells) + " |")
    note = (
        f"\n`{IS_AUTHENTICATED}`: any authenticated caller without the roles above. A caller holding "
        "several roles may do what any of them may. A column row: a read grant covers the column (table- or "
        "column-level), so searches return it; reading the entity itself needs the table row.\n"
    )
    return "\n".join(lines) + "\n" + note
