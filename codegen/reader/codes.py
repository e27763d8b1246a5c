"""Every diagnostic code the reader emits, with its severity and a one-line explanation.

``docs/regulation-reference.md`` documents the same list with examples; a test keeps them in step.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.regulation import Severity

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


@dataclass(frozen=True, slots=True)
class CodeInfo:
    severity: Severity
    summary: str


CODES: dict[str, CodeInfo] = {
    # files and includes
    "CHANGELOG_NOT_FOUND": CodeInfo(
        E, "the regulation root has no data-model/main-liquibase.xml, or the path does not exist"
    ),
    "NOT_A_CHANGELOG": CodeInfo(E, "the root element of a changelog file is not databaseChangeLog"),
    "EMPTY_CHANGELOG": CodeInfo(W, "the regulation (or an included file) declares no changeSet"),
    "INCLUDE_NOT_FOUND": CodeInfo(E, "an include/includeAll names a file or folder that does not exist"),
    "INCLUDE_OUTSIDE_ROOT": CodeInfo(
        E, "an include (or a symlink) leads outside the regulation root; it is not read"
    ),
    "INCLUDE_CYCLE": CodeInfo(E, "a changelog includes itself, directly or indirectly"),
    "INCLUDE_REPEATED": CodeInfo(W, "the same file is included twice; the second include is skipped"),
    "INCLUDE_UNSUPPORTED": CodeInfo(
        W, "an included file is not an XML changelog (e.g. .sql, .yaml); it is not read"
    ),
    "XML_MALFORMED": CodeInfo(E, "the file is not well-formed XML"),
    "XML_FORBIDDEN": CodeInfo(E, "the file declares a DTD or entities (billion laughs, XXE); it is not read"),
    "XML_TOO_LARGE": CodeInfo(E, "the file exceeds the size limit; it is not read"),
    "EXT_NAMESPACE": CodeInfo(
        W, "an extension element is bound to the wrong namespace (e.g. xsi:) and read as ext:"
    ),
    "EXT_PREFIX_MISSING": CodeInfo(
        W, "an extension tag written without the ext: prefix is read as the ext: tag"
    ),
    # changesets
    "MISSING_ATTRIBUTE": CodeInfo(E, "a required attribute is missing"),
    "INVALID_VALUE": CodeInfo(E, "an attribute value is not one of the allowed values"),
    "DUPLICATE_CHANGESET": CodeInfo(
        E, "two changeSets share id, author and file (migrate and Liquibase refuse this)"
    ),
    "CONTEXT_INVALID": CodeInfo(E, "a changeSet's context expression cannot be read (migrate refuses it)"),
    "MIGRATION_REFUSED": CodeInfo(
        E, "migrate cannot apply a change (an unsupported tag, a missing file, a platform procedure, ...)"
    ),
    "MIGRATION_REFUSED_IN_CONTEXT": CodeInfo(
        W, "migrate cannot apply a change of a changeSet with a context; leave it out with --contexts"
    ),
    "NOT_IMPLEMENTED": CodeInfo(
        W, "a tag or attribute of the reference this tool reads but does not carry out (the message says why)"
    ),
    "TREMBITA_NOT_GENERATED": CodeInfo(
        W, 'exposeSearchCondition trembita="true": no SOAP service for Trembita is generated'
    ),
    "UNKNOWN_TAG": CodeInfo(
        W, "a tag the reader does not know; it is kept for the migrator but not interpreted"
    ),
    "SC_CHANGESET_MIXED": CodeInfo(E, "a changeSet mixes search-condition changes with other changes"),
    # naming (reference regulation validator)
    "NAME_CYRILLIC": CodeInfo(E, "a table or column name contains Cyrillic letters"),
    "NAME_STARTS_WITH_DIGIT": CodeInfo(E, "a table or column name starts with a digit"),
    "NAME_TOO_LONG": CodeInfo(E, "a table or column name is longer than 63 characters"),
    "NAME_RESERVED_WORD": CodeInfo(E, "a table or column name is a Java reserved word"),
    "FK_NAME_NOT_LOWERCASE": CodeInfo(E, "a foreign-key constraint name is not lower case"),
    # tables
    "TABLE_WITHOUT_PRIMARY_KEY": CodeInfo(E, "a table has no primary key"),
    "HISTORY_FLAG_MISSING": CodeInfo(
        W, 'createTable without ext:historyFlag="true" (required by the reference)'
    ),
    "TABLE_ALREADY_EXISTS": CodeInfo(E, "createTable/renameTable names a table that already exists"),
    "COLUMN_ALREADY_EXISTS": CodeInfo(E, "a column is declared twice in one table"),
    "FILE_COLUMN_AS_KEY": CodeInfo(
        E, "a file column is used in a primary key, foreign key or unique constraint"
    ),
    "FILE_COLUMNS_NEED_SINGLE_KEY": CodeInfo(
        E, "a table with file columns has a primary key of several columns (the file routes name one id)"
    ),
    "UNKNOWN_TABLE": CodeInfo(
        W, "a change names a table the regulation does not declare (it may come from raw SQL or the platform)"
    ),
    "UNKNOWN_COLUMN": CodeInfo(
        E, "a change names a column its table does not have (no raw SQL ran since the table was created)"
    ),
    "UNKNOWN_COLUMN_AFTER_SQL": CodeInfo(
        W, "a change names a column its table does not declare; raw SQL that ran before may have added it"
    ),
    "UNKNOWN_TYPE": CodeInfo(W, "dropType/dropDomain names a type or domain that does not exist"),
    # search conditions and exposure
    "UNKNOWN_SEARCH_CONDITION": CodeInfo(
        E, "expose/rbac/drop names a search condition that does not exist at that point"
    ),
    "SC_UNKNOWN_ALIAS": CodeInfo(
        E, "a join or where condition names a table alias the search condition does not declare"
    ),
    "SC_EMPTY": CodeInfo(E, "a search condition declares no table"),
    "SC_LOGIC_OPERATOR_INVALID": CodeInfo(
        E, "an ext:logicOperator group has fewer than two members or a column without searchType"
    ),
    "SC_REDEFINED": CodeInfo(
        W, "a search condition is created again under a name used before; its exposure starts afresh"
    ),
    "SC_DROPPED": CodeInfo(INFO, "a search condition is dropped; forms and processes that call it will fail"),
    "LEGACY_CONSUMER_ATTRIBUTE": CodeInfo(
        W, 'exposeSearchCondition consumer=... (legacy) is read as externalSystem="true"'
    ),
    "EXPOSE_PUBLIC_ATTRIBUTE": CodeInfo(
        E, 'exposeSearchCondition public="..." is not an attribute; write publicAccess="true"'
    ),
    "EXPOSE_NOTHING": CodeInfo(W, "exposeSearchCondition grants no consumer"),
    # rbac and other declarations
    "DUPLICATE_RBAC_GRANT": CodeInfo(
        E, "the same role and table are granted twice, or both at table and column level"
    ),
    "RBAC_EMPTY_ROLE": CodeInfo(W, "an ext:role grants nothing"),
    "RBAC_UNKNOWN_REALM": CodeInfo(
        E, "an ext:role names a realm that is neither the reference's nor one the deployment configures"
    ),
    "READER_INTERNAL_ERROR": CodeInfo(
        E, "the reader itself failed on a changeSet (a bug); the changeSet is skipped"
    ),
    "RLS_UNKNOWN_TARGET": CodeInfo(
        E, "an ext:rls rule names neither a table nor (read rules) a search condition's view"
    ),
    "RLS_UNKNOWN_COLUMN": CodeInfo(E, "an ext:rls rule's checkColumn is not a column of its checkTable"),
    "RLS_RULE_REDEFINED": CodeInfo(W, "an ext:rls rule is added again under a name in use; it replaces it"),
    "UNKNOWN_RLS_RULE": CodeInfo(W, "ext:removeReadRule/removeWriteRule names a rule that does not exist"),
    "RLS_SEVERAL_RULES": CodeInfo(
        W, "a table has several read (or write) rules: all must hold here, the reference applies one"
    ),
    "RLS_SEARCH_UNFILTERABLE": CodeInfo(
        W, "a search condition reads a table with read rules but cannot be filtered by them: it is denied"
    ),
    "READ_PARAMETER_NOT_A_REFERENCE": CodeInfo(
        E, 'ext:tableReadParameters fetchType="entity" on a column that is no foreign key or many-to-many'
    ),
    "COMPOSITE_UNKNOWN_ENTITY": CodeInfo(
        E, "an ext:link names a nested entity the composite entity does not declare"
    ),
    "COMPOSITE_STRUCTURE": CodeInfo(
        E, "a composite entity's nested entities do not form one tree of tables keyed by one column"
    ),
    "COMPOSITE_LINK_NOT_A_REFERENCE": CodeInfo(
        E, "an ext:link column is no foreign key of its table to the linked entity's table"
    ),
    "COMPOSITE_DUPLICATE_PROPERTY": CodeInfo(
        E, "a composite entity's body would name a property twice (nested entities are named after tables)"
    ),
    "SEARCH_NOT_INDEXED": CodeInfo(
        W, "a search parameter no index serves: every search reads the whole table (see docs/search.md)"
    ),
}


def severity_of(code: str) -> Severity:
    info = CODES.get(code)
    return info.severity if info else Severity.ERROR
