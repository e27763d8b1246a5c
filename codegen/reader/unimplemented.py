"""What a regulation may say that this tool reads but does not carry out: each occurrence is a lint
warning naming it and saying what happens instead, never silence.

``docs/regulation-reference.md`` "Reference XSD coverage" lists every tag and attribute of the
reference's schema with what this tool does with it.
"""

from __future__ import annotations

from codegen.reader.common import Site
from codegen.reader.state import ReaderState
from schemas.regulation import XmlNode

# Extension changes that need the reference platform's own infrastructure: the migrator records them
# as applied (a NOTICE) and nothing else happens.
NOT_APPLIED: dict[str, str] = {
    "ext:createAnalyticsView": "needs the reference's analytics replica (Redash)",
    "ext:dropAnalyticsView": "needs the reference's analytics replica (Redash)",
    "ext:createAnalyticsIndex": "needs the reference's analytics replica (Redash)",
    "ext:grant": "grants views to the analytics roles of the reference's replica",
    "ext:revoke": "revokes views from the analytics roles of the reference's replica",
    "ext:grantAll": "grants the analytics roles of the reference's replica",
    "ext:revokeAll": "revokes the analytics roles of the reference's replica",
    "ext:makeObject": "links tables to the platform's subject table (objects of the reference's registry)",
    "ext:distributeTable": "needs a Citus cluster",
    "ext:referenceTable": "needs a Citus cluster",
    "ext:undistributeTable": "needs a Citus cluster",
    "ext:truncateLocalDataAfterDistributingTable": "needs a Citus cluster",
    "ext:createAsyncLoad": "configures the reference's asynchronous CSV loads (Kafka, /v2/<table>/csv)",
    "ext:deleteAsyncLoad": "configures the reference's asynchronous CSV loads (Kafka, /v2/<table>/csv)",
}

_TABLE_TAGS = frozenset({"createTable", "ext:createTable"})
_COLUMN_HOLDERS = frozenset({"createTable", "ext:createTable", "addColumn", "ext:addColumn"})
_SEARCH_TAGS = frozenset({"ext:createSearchCondition", "ext:createSimpleSearchCondition"})


def report_unimplemented(state: ReaderState, node: XmlNode, tag: str, site: Site) -> None:
    """Warn about ``node`` (a change whose canonical tag is ``tag``) or its attributes."""
    where = site.at(node)
    reason = NOT_APPLIED.get(tag)
    if reason is not None:
        state.report(
            "NOT_IMPLEMENTED",
            f"<{tag}> {reason}: it is recorded as applied and does nothing here",
            where,
        )
        return
    if tag in _TABLE_TAGS:
        _table_attributes(state, node, site)
    if tag in _COLUMN_HOLDERS:
        for column in node.children:
            if column.tag in ("column", "ext:column"):
                _column_attributes(state, node, column, site)
    if tag in _SEARCH_TAGS and _async(node.get("readMode")):
        state.report(
            "NOT_IMPLEMENTED",
            f"{tag} '{node.get('name')}' readMode=\"async\": the reference answers it through its Kafka "
            "API; here it is searched synchronously (same answers)",
            where,
        )
    if tag == "ext:alterTableApi":
        for attribute in node.find_all("ext:attribute"):
            if attribute.get("name") == "readMode" and _async(attribute.get("value")):
                state.report("NOT_IMPLEMENTED", _async_table(node.get("table")), site.at(attribute))
    if tag == "ext:exposeSearchCondition" and _true(node.get("trembita")):
        also = _true(node.get("platform")) or _true(node.get("externalSystem"))
        effect = (
            "the ext profile serves it over REST through its platform/externalSystem exposure"
            if also
            else 'nothing serves it to Trembita (add externalSystem="true" to serve it on the ext profile)'
        )
        state.report(
            "TREMBITA_NOT_GENERATED",
            f"search condition '{node.get('name')}' is exposed to Trembita: the reference generates a SOAP "
            f"service (soap-api) for the Trembita bus; this tool generates none, so {effect}",
            where,
        )


def _table_attributes(state: ReaderState, node: XmlNode, site: Site) -> None:
    name = node.get("tableName")
    where = site.at(node)
    if _async(node.get("ext:readMode")):
        state.report("NOT_IMPLEMENTED", _async_table(name), where)
    distribution = node.get("ext:distribution")
    if distribution is not None and distribution.strip() != "local":
        state.report(
            "NOT_IMPLEMENTED",
            f"table '{name}' ext:distribution=\"{distribution}\" needs a Citus cluster; the table is a plain "
            "PostgreSQL table here",
            where,
        )
    if _true(node.get("ext:isObject")):
        state.report(
            "NOT_IMPLEMENTED",
            f"table '{name}' ext:isObject=\"true\": the reference links it to the platform's subject table "
            "(subject_id); that column is not created here",
            where,
        )


def _column_attributes(state: ReaderState, table: XmlNode, column: XmlNode, site: Site) -> None:
    name = f"{table.get('tableName')}.{column.get('name')}"
    where = site.at(column)
    if column.get("ext:autoGenerate") is not None:
        state.report(
            "NOT_IMPLEMENTED",
            f"column '{name}' ext:autoGenerate=\"{column.get('ext:autoGenerate')}\": the reference fills it "
            "with a generated number on insert; here it takes the value the write gives (or its default)",
            where,
        )
    if column.get("ext:classify") is not None:
        state.report(
            "NOT_IMPLEMENTED",
            f"column '{name}' ext:classify=\"{column.get('ext:classify')}\": the reference records a data "
            "classification (dcm_* columns, a subject link); nothing is recorded here",
            where,
        )


def _true(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


def _async(value: str | None) -> bool:
    return (value or "").strip().lower() == "async"


def _async_table(table: str | None) -> str:
    return (
        f"table '{table}' readMode=\"async\": the reference reads it through its Kafka API; here it is read "
        "synchronously (same answers)"
    )
