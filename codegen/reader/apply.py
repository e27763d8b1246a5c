"""Applies changesets in order: dispatches every change to its handler and keeps it as a ``Change``.

Tags that only matter to the database are kept with ``api_relevant=False``; unknown tags are kept
too, with an UNKNOWN_TAG warning, so nothing is skipped silently."""

from __future__ import annotations

from collections.abc import Callable

from codegen.reader import declarations, rls, search
from codegen.reader.checksum import changes_checksum
from codegen.reader.common import Site, parse_bool
from codegen.reader.loader import RawChangeSet, and_contexts
from codegen.reader.state import ReaderState
from codegen.reader.tables import TABLE_HANDLERS
from codegen.reader.unimplemented import report_unimplemented
from schemas.regulation import Change, ChangeModel, ChangeSet, XmlNode

Handler = Callable[[ReaderState, XmlNode, Site], ChangeModel | None]


def _void(handler: Callable[[ReaderState, XmlNode, Site], None]) -> Handler:
    def wrapped(state: ReaderState, node: XmlNode, site: Site) -> ChangeModel | None:
        handler(state, node, site)
        return None

    return wrapped


HANDLERS: dict[str, Handler] = {
    **TABLE_HANDLERS,
    "ext:createType": declarations.create_type,
    "ext:dropType": _void(declarations.drop_type),
    "ext:createDomain": declarations.create_domain,
    "ext:dropDomain": _void(declarations.drop_domain),
    "ext:createSearchCondition": search.create_search_condition,
    "ext:createSimpleSearchCondition": search.create_simple_search_condition,
    "ext:dropSearchCondition": _void(search.drop_search_condition),
    "ext:exposeSearchCondition": search.expose_search_condition,
    "ext:rbac": declarations.rbac,
    "ext:partialUpdate": declarations.partial_update,
    "ext:tableReadParameters": declarations.table_read_parameters,
    "ext:createCompositeEntity": declarations.create_composite_entity,
    "ext:createMany2Many": declarations.create_many_to_many,
    "ext:rls": _void(rls.rls),
}

SEARCH_CONDITION_TAGS = frozenset(
    {
        "ext:createSearchCondition",
        "ext:createSimpleSearchCondition",
        "ext:dropSearchCondition",
        "ext:exposeSearchCondition",
    }
)

RAW_SQL_TAGS = frozenset({"sql", "sqlFile"})

# Known tags that do not shape the API: kept for the migrator only.
DATABASE_ONLY_TAGS = frozenset(
    [
        "sql",
        "sqlFile",
        "loadData",
        "loadUpdateData",
        "insert",
        "update",
        "delete",
        "createIndex",
        "dropIndex",
        "createView",
        "dropView",
        "renameView",
        "createSequence",
        "dropSequence",
        "alterSequence",
        "renameSequence",
        "createProcedure",
        "dropProcedure",
        "createFunction",
        "dropFunction",
        "createTrigger",
        "dropTrigger",
        "enableTrigger",
        "disableTrigger",
        "addCheckConstraint",
        "dropCheckConstraint",
        "enableCheckConstraint",
        "disableCheckConstraint",
        "addAutoIncrement",
        "addLookupTable",
        "mergeColumns",
        "executeCommand",
        "customChange",
        "output",
        "empty",
        "stop",
        "tagDatabase",
        "comment",
        "property",
        "ext:createAnalyticsView",
        "ext:dropAnalyticsView",
        "ext:createAnalyticsIndex",
        "ext:grant",
        "ext:revoke",
        "ext:grantAll",
        "ext:revokeAll",
        "ext:makeObject",
        "ext:distributeTable",
        "ext:referenceTable",
        "ext:undistributeTable",
        "ext:truncateLocalDataAfterDistributingTable",
        "ext:createAsyncLoad",
        "ext:deleteAsyncLoad",
    ]
)

_CHANGESET_META = frozenset({"comment", "rollback", "preConditions", "validCheckSum"})


def _canonical_tag(state: ReaderState, node: XmlNode, site: Site) -> str:
    """Extension tags written without ``ext:`` (as in the documentation) are read as ``ext:``."""
    tag = node.tag
    if tag in HANDLERS or tag in DATABASE_ONLY_TAGS:
        return tag
    prefixed = f"ext:{tag}"
    if prefixed in HANDLERS or prefixed in DATABASE_ONLY_TAGS:
        state.report("EXT_PREFIX_MISSING", f"<{tag}> is an extension tag; read as {prefixed}", site.at(node))
        return prefixed
    return tag


def apply_changeset(state: ReaderState, raw: RawChangeSet, seen: set[tuple[str, str, str]]) -> ChangeSet:
    node, site = raw.node, Site(raw.file)
    where = site.at(node)
    identifier = node.get("id")
    author = node.get("author")
    if identifier is None:
        state.report("MISSING_ATTRIBUTE", "changeSet needs the attribute id", where)
    if author is None:
        state.report("MISSING_ATTRIBUTE", "changeSet needs the attribute author", where)
    key = (identifier or "", author or "", raw.file)
    if key in seen:
        state.report(
            "DUPLICATE_CHANGESET",
            f"changeSet id '{identifier}' by '{author}' appears twice in {raw.file}; Liquibase refuses "
            "duplicate identifiers",
            where,
        )
    seen.add(key)

    change_nodes = [c for c in node.children if c.tag not in _CHANGESET_META]
    tags = [_canonical_tag(state, c, site) for c in change_nodes]
    sc_changes = [t for t in tags if t in SEARCH_CONDITION_TAGS]
    if sc_changes and len(sc_changes) != len(tags):
        others = sorted({t for t in tags if t not in SEARCH_CONDITION_TAGS})
        state.report(
            "SC_CHANGESET_MIXED",
            f"changeSet '{identifier}' mixes search-condition changes with {', '.join(others)}; "
            "put search-condition changes in a changeSet of their own",
            where,
        )

    changes: list[Change] = []
    for change_node, tag in zip(change_nodes, tags, strict=True):
        handler = HANDLERS.get(tag)
        model: ChangeModel | None = None
        if handler is not None:
            model = handler(state, change_node, site)
        elif tag in RAW_SQL_TAGS:
            for table in state.tables.values():
                table.touched_by_sql = True  # it may add columns the regulation does not declare
        elif tag not in DATABASE_ONLY_TAGS:
            state.report(
                "UNKNOWN_TAG",
                f"<{change_node.tag}> is not a change the reader knows; "
                "kept for the migrator, not interpreted",
                site.at(change_node),
            )
        report_unimplemented(state, change_node, tag, site)
        changes.append(
            Change(
                node=change_node,
                location=site.at(change_node),
                api_relevant=handler is not None,
                model=model,
            )
        )

    comments = node.find_all("comment")
    rollbacks = node.find_all("rollback")
    preconditions = node.find_all("preConditions")
    return ChangeSet(
        id=identifier or "",
        author=author or "",
        file=raw.file,
        location=where,
        changes=tuple(changes),
        checksum=changes_checksum(change_nodes),
        contexts=and_contexts(raw.include_context, node.get("context") or node.get("contexts")),
        labels=node.get("labels") or node.get("label"),
        run_always=parse_bool(state, node, "runAlways", site),
        run_on_change=parse_bool(state, node, "runOnChange", site),
        fail_on_error=parse_bool(state, node, "failOnError", site, default=True),
        valid_checksums=tuple((v.text or "").strip() for v in node.find_all("validCheckSum")),
        comment=comments[0].text if comments else None,
        rollback=rollbacks[0] if rollbacks else None,
        preconditions=preconditions[0] if preconditions else None,
    )
