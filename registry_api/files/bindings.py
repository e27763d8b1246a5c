"""Where files are used: ``ddm_file_bindings``, one row per (entity, entity id, field, file).

A file may be bound to any number of places (the reference platform lets a business process write the
same ``{id, checksum}`` into several records); its bytes stay one registry object ``<fileId>``. Entity
writes bind and unbind in their own transaction, so a failed write leaves the bindings as they were.
When a file loses its last binding, ``ddm_files.unbound_at`` says since when: ``files prune`` collects it
after a grace period (``registry_api/files/collectable.py``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from sqlalchemy import and_, delete, exists, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Connection

from registry_api.files.catalogue import Binding, ddm_file_bindings, ddm_files

__all__ = ["bind", "bindings_of", "bound_here", "mark_unbound", "unbind", "unbind_entity"]

_b = ddm_file_bindings.c


def bindings_of(connection: Connection, file_id: str) -> list[Binding]:
    """Every place ``file_id`` is bound, oldest first."""
    rows = connection.execute(
        select(_b.entity, _b.entity_id, _b.field)
        .where(_b.file_id == file_id)
        .order_by(_b.bound_at, _b.entity, _b.entity_id, _b.field)
    )
    return [Binding(*row) for row in rows]


def bound_here(connection: Connection, entity: str, entity_id: str) -> dict[str, set[str]]:
    """The files bound to the row ``entity_id`` of ``entity``, by field."""
    rows = connection.execute(
        select(_b.field, _b.file_id).where(_b.entity == entity, _b.entity_id == entity_id)
    )
    held: dict[str, set[str]] = {}
    for field, file_id in rows:
        held.setdefault(field, set()).add(str(file_id))
    return held


def bind(connection: Connection, entity: str, entity_id: str, files: Mapping[str, Iterable[str]]) -> None:
    """Bind each file of ``files`` (field → file ids) to that field of the row; bound ones stay."""
    rows = [
        {"file_id": file_id, "entity": entity, "entity_id": entity_id, "field": field}
        for field, file_ids in files.items()
        for file_id in dict.fromkeys(file_ids)
    ]
    if not rows:
        return
    connection.execute(insert(ddm_file_bindings).values(rows).on_conflict_do_nothing())
    file_ids = sorted({row["file_id"] for row in rows})
    connection.execute(
        update(ddm_files)
        .where(ddm_files.c.id.in_(file_ids), ddm_files.c.unbound_at.is_not(None))
        .values(unbound_at=None)
    )


def unbind(connection: Connection, entity: str, entity_id: str, keep: Mapping[str, Collection[str]]) -> None:
    """For each field of ``keep``: drop the row's bindings of files that field no longer holds."""
    gone: set[str] = set()
    for field, kept in keep.items():
        statement = delete(ddm_file_bindings).where(
            _b.entity == entity, _b.entity_id == entity_id, _b.field == field
        )
        if kept:
            statement = statement.where(_b.file_id.not_in(sorted(kept)))
        gone.update(str(file_id) for (file_id,) in connection.execute(statement.returning(_b.file_id)))
    mark_unbound(connection, gone)


def unbind_entity(connection: Connection, entity: str, entity_id: str) -> None:
    """Drop every binding of the row (it is deleted)."""
    statement = delete(ddm_file_bindings).where(_b.entity == entity, _b.entity_id == entity_id)
    gone = {str(file_id) for (file_id,) in connection.execute(statement.returning(_b.file_id))}
    mark_unbound(connection, gone)


def mark_unbound(connection: Connection, file_ids: set[str]) -> None:
    """Stamp the files of ``file_ids`` that have no binding left."""
    if not file_ids:
        return
    still_bound = exists().where(and_(_b.file_id == ddm_files.c.id))
    connection.execute(
        update(ddm_files)
        .where(ddm_files.c.id.in_(sorted(file_ids)), ~still_bound)
        .values(unbound_at=func.now())
    )
