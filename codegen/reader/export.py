"""The stable JSON shapes of ``registry-api show`` and ``registry-api lint --format json``.

Documented in ``docs/regulation-reference.md``; keys are camelCase, lists keep declaration order.
"""

from __future__ import annotations

from typing import Any

from schemas.regulation import (
    Diagnostic,
    LogicGroup,
    Regulation,
    SearchCondition,
    Severity,
    Table,
)

SHOW_FORMAT_VERSION = 1


def diagnostic_json(diagnostic: Diagnostic) -> dict[str, Any]:
    return {
        "file": diagnostic.location.file,
        "line": diagnostic.location.line,
        "severity": diagnostic.severity.value,
        "code": diagnostic.code,
        "message": diagnostic.message,
    }


def summary(regulation: Regulation) -> dict[str, int]:
    def count(severity: Severity) -> int:
        return sum(1 for d in regulation.diagnostics if d.severity is severity)

    return {
        "tables": len(regulation.tables),
        "fileColumns": sum(len(t.file_columns) for t in regulation.tables),
        "searchConditions": len(regulation.search_conditions),
        "exposures": sum(1 for e in regulation.exposures if e.consumers),
        "changesets": len(regulation.changesets),
        "errors": count(Severity.ERROR),
        "warnings": count(Severity.WARNING),
    }


def _table_json(table: Table) -> dict[str, Any]:
    return {
        "name": table.name,
        "path": table.path_segment,
        "serviceTable": table.is_service_table,
        "remarks": table.remarks,
        "history": table.history,
        "readMode": table.read_mode,
        "bulkLoad": table.bulk_load,
        "primaryKey": list(table.primary_key),
        "columns": [
            {
                "name": c.name,
                "jsonName": c.json_name,
                "type": c.type,
                "fileKind": c.file_kind.value if c.file_kind else None,
                "nullable": c.nullable,
                "primaryKey": c.primary_key,
                "unique": c.unique,
                "defaultValue": c.default_value,
                "defaultComputed": c.default_computed,
                "remarks": c.remarks,
            }
            for c in table.columns
        ],
        "fileColumns": [
            {"name": c.name, "jsonName": c.json_name, "kind": c.file_kind.value if c.file_kind else None}
            for c in table.file_columns
        ],
        "foreignKeys": [
            {
                "name": f.name,
                "columns": list(f.columns),
                "referencedTable": f.referenced_table,
                "referencedColumns": list(f.referenced_columns),
                "onDelete": f.on_delete,
            }
            for f in table.foreign_keys
        ],
        "uniqueConstraints": [{"name": u.name, "columns": list(u.columns)} for u in table.unique_constraints],
    }


def _logic_json(group: LogicGroup) -> dict[str, Any]:
    return {
        "type": group.type.value,
        "columns": [f"{c.table_alias}.{c.column_name}" for c in group.columns],
        "groups": [_logic_json(g) for g in group.groups],
    }


def _search_condition_json(regulation: Regulation, sc: SearchCondition) -> dict[str, Any]:
    return {
        "name": sc.name,
        "path": sc.path_segment,
        "simple": sc.simple,
        "limit": sc.limit,
        "pagination": sc.pagination.value,
        "paginationDeclared": sc.pagination_declared,
        "tables": [{"name": t.name, "alias": t.alias} for t in sc.tables],
        "ctes": [c.name for c in sc.ctes],
        "parameters": [
            {
                "name": c.json_name,
                "tableAlias": c.table_alias,
                "column": c.name,
                "searchType": c.search_type.value if c.search_type else None,
                "required": c.required,
            }
            for c in sc.search_columns
        ],
        "returning": [
            {
                "name": c.json_name,
                "tableAlias": c.table_alias,
                "column": c.name,
                "alias": c.alias,
                "sorting": c.sorting.value if c.sorting else None,
                "fetchType": c.fetch_type.value if c.fetch_type else None,
            }
            for c in sc.returning_columns
        ]
        + [
            {
                "name": f.json_name,
                "tableAlias": f.table_alias,
                "column": f.column_name,
                "alias": f.alias,
                "function": f.name,
                "sorting": None,
                "fetchType": None,
            }
            for f in sc.functions
        ],
        "logicOperators": [_logic_json(g) for g in sc.logic],
        "fileColumns": [
            {"entity": table.name, "column": column.name} for table, column in regulation.sc_file_columns(sc)
        ],
        "exposedTo": list(regulation.exposure(sc.name).consumers),
    }


def regulation_json(regulation: Regulation) -> dict[str, Any]:
    return {
        "formatVersion": SHOW_FORMAT_VERSION,
        "name": regulation.name,
        "summary": summary(regulation),
        "entities": [_table_json(t) for t in regulation.tables],
        "searchConditions": [_search_condition_json(regulation, s) for s in regulation.search_conditions],
        "rbac": [
            {
                "role": r.role,
                "realm": r.realm,
                "tables": [
                    {
                        "table": g.table,
                        "read": g.read,
                        "insert": g.insert,
                        "update": g.update,
                        "delete": g.delete,
                        "columns": [{"name": c.name, "read": c.read, "update": c.update} for c in g.columns],
                    }
                    for g in r.tables
                ],
                "searchConditions": list(r.search_conditions),
            }
            for r in regulation.rbac
        ],
        "enums": [
            {
                "name": e.name,
                "path": e.path_segment,
                "labels": [{"code": label.code, "translation": label.translation} for label in e.labels],
            }
            for e in regulation.enums
        ],
        "compositeTypes": [
            {"name": c.name, "fields": [{"name": f.name, "type": f.type} for f in c.fields]}
            for c in regulation.composites
        ],
        "domains": [{"name": d.name, "baseType": d.base_type} for d in regulation.domains],
        "partialUpdates": [
            {"name": p.name, "path": p.path_segment, "table": p.table, "columns": list(p.columns)}
            for p in regulation.partial_updates
        ],
        "readParameters": [
            {
                "table": r.table,
                "columns": [{"name": c.column, "fetchType": c.fetch_type.value} for c in r.columns],
            }
            for r in regulation.read_parameters
        ],
        "compositeEntities": [
            {
                "name": c.name,
                "entities": [
                    {
                        "name": e.name,
                        "table": e.table,
                        "links": [{"column": k.column, "entity": k.entity} for k in e.links],
                    }
                    for e in c.entities
                ],
            }
            for c in regulation.composite_entities
        ],
        "many2many": [
            {
                "view": m.view_name,
                "mainTable": m.main_table,
                "mainKey": m.main_key,
                "referenceTable": m.reference_table,
                "referenceKeysArray": m.reference_keys_array,
            }
            for m in regulation.many2many
        ],
        "rlsRules": [
            {
                "name": r.name,
                "kind": r.kind.value,
                "jwtAttribute": r.jwt_attribute,
                "checkTable": r.check_table,
                "checkColumn": r.check_column,
            }
            for r in regulation.rls_rules
        ],
        "changesets": [
            {
                "id": c.id,
                "author": c.author,
                "file": c.file,
                "contexts": c.contexts,
                "checksum": c.checksum,
                "changes": [{"tag": ch.tag, "apiRelevant": ch.api_relevant} for ch in c.changes],
            }
            for c in regulation.changesets
        ],
        "diagnostics": [diagnostic_json(d) for d in regulation.diagnostics],
    }
