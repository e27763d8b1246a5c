"""The typed, immutable model of a regulation after all its changesets are applied in order.

The reader (``codegen.reader``) builds it; the migrator, the emitters, RBAC and Istio consume it.
Everything here is a frozen dataclass holding tuples, so a model can be shared freely and hashed.
Collections keyed by name are tuples in declaration order; use the ``Regulation`` lookups
(``table(name)``, ``search_condition(name)``) rather than scanning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from schemas.naming import to_camel, to_path_segment

# ---------------------------------------------------------------------------------------------
# Diagnostics and locations


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Location:
    """Where something was declared: a path relative to the regulation root and a 1-based line."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str  # stable, upper snake case, e.g. "NAME_CYRILLIC"
    severity: Severity
    message: str  # one sentence a modeller understands
    location: Location


# ---------------------------------------------------------------------------------------------
# Types and columns


class FileKind(StrEnum):
    """A column holding files: ``file`` ≡ ``type_file``, ``file[]`` ≡ ``type_file[]``."""

    SINGLE = "file"
    ARRAY = "file[]"


@dataclass(frozen=True, slots=True)
class ForeignKey:
    name: str | None
    columns: tuple[str, ...]
    referenced_table: str
    referenced_columns: tuple[str, ...]
    on_delete: str | None = None  # Liquibase ``onDelete`` / ``deleteCascade``
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class UniqueConstraint:
    name: str | None
    columns: tuple[str, ...]
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str  # as declared, e.g. "UUID", "TEXT", "type_file", "file[]", "varchar(50)"
    nullable: bool = True
    primary_key: bool = False
    unique: bool = False
    default_value: str | None = None  # literal (``defaultValue``, ``defaultValueNumeric``, ...)
    default_computed: str | None = None  # SQL expression (``defaultValueComputed``)
    remarks: str | None = None
    auto_generate: str | None = None  # ``ext:autoGenerate`` pattern
    location: Location | None = None

    @property
    def file_kind(self) -> FileKind | None:
        return file_kind_of(self.type)

    @property
    def is_file(self) -> bool:
        return self.file_kind is not None

    @property
    def is_array(self) -> bool:
        return self.type.strip().endswith("[]")

    @property
    def json_name(self) -> str:
        return to_camel(self.name)

    @property
    def path_segment(self) -> str:
        return to_path_segment(self.name)


def file_kind_of(type_name: str) -> FileKind | None:
    """``file``/``type_file`` → SINGLE, ``file[]``/``type_file[]``/``_type_file`` → ARRAY."""
    normalized = type_name.strip().lower().replace(" ", "")
    if normalized in ("file", "type_file"):
        return FileKind.SINGLE
    if normalized in ("file[]", "type_file[]", "_type_file"):
        return FileKind.ARRAY
    return None


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    primary_key_name: str | None = None
    unique_constraints: tuple[UniqueConstraint, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    remarks: str | None = None
    history: bool = False  # ``ext:historyFlag="true"``: a ``<name>_hst`` table and ddm_* columns
    read_mode: str | None = None  # ``ext:readMode`` / ``alterTableApi``: sync | async
    bulk_load: bool = False
    location: Location | None = None

    @property
    def is_service_table(self) -> bool:
        """``ddm_*`` tables (and the reference's ``dcm_*``) are internal and get no API."""
        return self.name.lower().startswith(("ddm_", "dcm_"))

    @property
    def path_segment(self) -> str:
        return to_path_segment(self.name)

    @property
    def file_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.is_file)

    def column(self, name: str) -> Column | None:
        for candidate in self.columns:
            if candidate.name == name:
                return candidate
        return None


@dataclass(frozen=True, slots=True)
class EnumLabel:
    code: str
    translation: str | None = None


@dataclass(frozen=True, slots=True)
class EnumType:
    name: str
    labels: tuple[EnumLabel, ...]
    location: Location | None = None

    @property
    def path_segment(self) -> str:
        return to_path_segment(self.name)


@dataclass(frozen=True, slots=True)
class CompositeField:
    name: str
    type: str
    collation: str | None = None


@dataclass(frozen=True, slots=True)
class CompositeType:
    name: str
    fields: tuple[CompositeField, ...]
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class DomainConstraint:
    name: str
    implementation: str  # SQL CHECK expression using VALUE


@dataclass(frozen=True, slots=True)
class Domain:
    name: str
    base_type: str
    nullable: bool = True
    default_value: str | None = None
    collation: str | None = None
    constraints: tuple[DomainConstraint, ...] = ()
    location: Location | None = None


# ---------------------------------------------------------------------------------------------
# Search conditions


class SearchType(StrEnum):
    EQUAL = "equal"
    NOT_EQUAL = "notEqual"
    STARTS_WITH = "startsWith"
    CONTAINS = "contains"
    IN = "in"
    NOT_IN = "notIn"
    BETWEEN = "between"
    STARTS_WITH_ARRAY = "startsWithArray"


class Pagination(StrEnum):
    OFFSET = "offset"  # ``limit``/``offset`` parameters, JSON array
    PAGE = "page"  # ``pageSize``/``pageNo``, ``{content,totalElements,totalPages,pageNo,pageSize}``
    NONE = "none"  # JSON array, the search condition's ``limit`` is the hard cap


class SortDirection(StrEnum):
    ASC = "asc"
    DESC = "desc"


class FetchType(StrEnum):
    ID = "id"
    ENTITY = "entity"


class LogicOperatorType(StrEnum):
    AND = "and"
    OR = "or"


@dataclass(frozen=True, slots=True)
class ScColumn:
    """A column of a table taking part in a search condition."""

    table_alias: str  # the alias of the owning ``ext:table`` (its name when it has no alias)
    name: str  # the source column name
    alias: str | None = None
    returning: bool = True
    search_type: SearchType | None = None
    sorting: SortDirection | None = None
    fetch_type: FetchType | None = None
    required: bool = False
    type: str | None = None  # only ``createSimpleSearchCondition`` declares it
    location: Location | None = None

    @property
    def output_name(self) -> str:
        """The column's name in the view (and in responses, camelCased)."""
        return self.alias or self.name

    @property
    def json_name(self) -> str:
        return to_camel(self.output_name)


@dataclass(frozen=True, slots=True)
class ScFunction:
    """An aggregate/window function column: ``count(columnName) AS alias``."""

    table_alias: str
    name: str  # min | max | avg | count | sum | string_agg | row_number
    column_name: str
    alias: str
    parameter: str | None = None
    window: str | None = None

    @property
    def json_name(self) -> str:
        return to_camel(self.alias)


@dataclass(frozen=True, slots=True)
class ScTable:
    name: str  # a table, or a CTE of the same search condition
    alias: str  # == name when the regulation gives no alias
    columns: tuple[ScColumn, ...] = ()
    functions: tuple[ScFunction, ...] = ()


@dataclass(frozen=True, slots=True)
class Condition:
    """One ``ext:condition`` of a where/join clause, possibly nesting further conditions."""

    table_alias: str | None
    column_name: str | None
    operator: str | None  # eq ne gt ge lt le in notIn isNull similar like
    value: str | None  # SQL literal as written in the regulation (e.g. ``'О'``)
    logic_operator: LogicOperatorType | None = None  # how it joins the previous condition
    conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True, slots=True)
class Join:
    type: str  # inner | left | right | full
    left_alias: str
    left_columns: tuple[str, ...]
    right_alias: str
    right_columns: tuple[str, ...]
    conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True, slots=True)
class ColumnRef:
    table_alias: str
    column_name: str


@dataclass(frozen=True, slots=True)
class LogicGroup:
    """``ext:logicOperator``: search parameters combined with and/or, nestable."""

    type: LogicOperatorType
    columns: tuple[ColumnRef, ...] = ()
    groups: tuple[LogicGroup, ...] = ()


@dataclass(frozen=True, slots=True)
class Cte:
    name: str
    tables: tuple[ScTable, ...]
    joins: tuple[Join, ...] = ()
    where: tuple[Condition, ...] = ()
    limit: int | None = None


@dataclass(frozen=True, slots=True)
class SearchCondition:
    name: str
    tables: tuple[ScTable, ...]
    simple: bool = False  # declared with ``ext:createSimpleSearchCondition``
    joins: tuple[Join, ...] = ()
    where: tuple[Condition, ...] = ()
    ctes: tuple[Cte, ...] = ()
    logic: tuple[LogicGroup, ...] = ()
    limit: int | None = None  # None = "all"
    pagination: Pagination = Pagination.NONE
    pagination_declared: bool = False  # whether the attribute was present (the XSD default is ambiguous)
    indexing: bool = False
    read_mode: str | None = None
    location: Location | None = None

    @property
    def path_segment(self) -> str:
        return to_path_segment(self.name)

    @property
    def view_name(self) -> str:
        return f"{self.name}_v"

    @property
    def columns(self) -> tuple[ScColumn, ...]:
        return tuple(c for t in self.tables for c in t.columns)

    @property
    def functions(self) -> tuple[ScFunction, ...]:
        return tuple(f for t in self.tables for f in t.functions)

    @property
    def search_columns(self) -> tuple[ScColumn, ...]:
        return tuple(c for c in self.columns if c.search_type is not None)

    @property
    def returning_columns(self) -> tuple[ScColumn, ...]:
        return tuple(c for c in self.columns if c.returning)

    def table_of(self, alias: str) -> ScTable | None:
        for candidate in self.tables:
            if candidate.alias == alias:
                return candidate
        return None


@dataclass(frozen=True, slots=True)
class Exposure:
    """To whom a search condition is exposed (``ext:exposeSearchCondition``)."""

    search_condition: str
    platform: bool = False
    external_system: bool = False
    trembita: bool = False
    public_access: bool = False
    location: Location | None = None

    @property
    def consumers(self) -> tuple[str, ...]:
        flags = (
            ("platform", self.platform),
            ("externalSystem", self.external_system),
            ("trembita", self.trembita),
            ("publicAccess", self.public_access),
        )
        return tuple(name for name, on in flags if on)


# ---------------------------------------------------------------------------------------------
# RBAC


@dataclass(frozen=True, slots=True)
class ColumnGrant:
    name: str
    read: bool = False
    update: bool = False
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class TableGrant:
    table: str
    read: bool = False
    insert: bool = False
    update: bool = False
    delete: bool = False
    columns: tuple[ColumnGrant, ...] = ()
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class RoleGrants:
    """Everything one ``ext:role`` element grants. A role may appear in several elements."""

    role: str  # Keycloak realm role; ``isAuthenticated`` = any authenticated caller
    realm: str | None = None
    tables: tuple[TableGrant, ...] = ()
    search_conditions: tuple[str, ...] = ()
    location: Location | None = None


IS_AUTHENTICATED = "isAuthenticated"


# ---------------------------------------------------------------------------------------------
# Other API-shaping declarations


@dataclass(frozen=True, slots=True)
class PartialUpdate:
    name: str
    table: str
    columns: tuple[str, ...]
    location: Location | None = None

    @property
    def path_segment(self) -> str:
        return to_path_segment(self.name)


@dataclass(frozen=True, slots=True)
class ReadParameter:
    column: str
    fetch_type: FetchType


@dataclass(frozen=True, slots=True)
class TableReadParameters:
    table: str
    columns: tuple[ReadParameter, ...]
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class EntityReference:
    """The rows a column refers to: ``table`` by its key ``key`` (``many``: a key array, as a
    many-to-many declaration makes it)."""

    table: str
    key: str
    many: bool = False


@dataclass(frozen=True, slots=True)
class EntityLink:
    column: str
    entity: str  # the ``name`` of another nested entity


@dataclass(frozen=True, slots=True)
class NestedEntity:
    table: str
    name: str  # defaults to the table name
    links: tuple[EntityLink, ...] = ()


@dataclass(frozen=True, slots=True)
class CompositeNode:
    """One row of a composite write: ``entity``, written before its parent, whose ``link_column``
    receives its key; in the body it is the property named after its table (the reference's naming)."""

    entity: NestedEntity
    link_column: str | None = None
    children: tuple[CompositeNode, ...] = ()

    @property
    def property_name(self) -> str:
        return to_camel(self.entity.table)

    def walk(self) -> tuple[CompositeNode, ...]:
        return (self, *(node for child in self.children for node in child.walk()))


@dataclass(frozen=True, slots=True)
class CompositeEntity:
    name: str
    entities: tuple[NestedEntity, ...]
    location: Location | None = None

    @property
    def path_segment(self) -> str:
        return to_path_segment(self.name)

    def tree(self) -> CompositeNode:
        """The entities as the tree a write follows, from the one entity no link points at. Raises
        ``ValueError`` (a sentence) when they do not form one: no such entity, several, a cycle, a
        link to an entity it does not declare, or one entity linked twice."""
        by_name = {e.name: e for e in self.entities}
        linked = [link.entity for e in self.entities for link in e.links]
        unknown = sorted({name for name in linked if name not in by_name})
        if unknown:
            raise ValueError(f"links name {', '.join(unknown)}, which it does not declare")
        twice = sorted({name for name in linked if linked.count(name) > 1})
        if twice:
            raise ValueError(f"{', '.join(twice)} is linked more than once")
        roots = [e for e in self.entities if e.name not in linked]
        if len(roots) != 1:
            names = ", ".join(e.name for e in roots) or "none (the links form a cycle)"
            raise ValueError(f"exactly one nested entity must be linked by no other; found {names}")

        def node(entity: NestedEntity, column: str | None, seen: frozenset[str]) -> CompositeNode:
            if entity.name in seen:
                raise ValueError(f"the links form a cycle through {entity.name}")
            children = tuple(
                node(by_name[link.entity], link.column, seen | {entity.name}) for link in entity.links
            )
            return CompositeNode(entity, column, children)

        tree = node(roots[0], None, frozenset())
        if len(tree.walk()) != len(self.entities):
            raise ValueError("some nested entities are not reachable from the root (the links form a cycle)")
        return tree


class RlsKind(StrEnum):
    READ = "read"  # ``ext:addReadRule``: which rows a caller sees
    WRITE = "write"  # ``ext:addWriteRule``: which rows a caller may create, change or delete


@dataclass(frozen=True, slots=True)
class RlsRule:
    """A row-level security rule (``ext:rls``): rows of ``check_table`` are the caller's when their
    ``check_column`` starts with one of the values of the token claim ``jwt_attribute``.
    ``check_table`` is a table, or (read rules, the reference's form) a search condition's view
    ``<sc>_v`` with ``check_column`` one of its columns."""

    name: str
    kind: RlsKind
    jwt_attribute: str
    check_table: str
    check_column: str
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class Many2Many:
    main_table: str
    main_key: str
    reference_table: str
    reference_keys_array: str
    main_columns: tuple[ScColumn, ...] = ()
    reference_columns: tuple[ScColumn, ...] = ()
    location: Location | None = None

    @property
    def view_name(self) -> str:
        return f"{self.main_table}_rel_v"


# ---------------------------------------------------------------------------------------------
# Changesets, kept in order for the migrator


@dataclass(frozen=True, slots=True)
class XmlNode:
    """A safe, immutable copy of an XML element. ``tag`` keeps the ``ext:`` prefix for extension tags;
    attribute names keep it too (``ext:historyFlag``)."""

    tag: str
    attributes: tuple[tuple[str, str], ...] = ()
    text: str | None = None
    children: tuple[XmlNode, ...] = ()
    line: int = 0

    def get(self, name: str, default: str | None = None) -> str | None:
        for key, value in self.attributes:
            if key == name:
                return value
        return default

    def find_all(self, tag: str) -> tuple[XmlNode, ...]:
        return tuple(c for c in self.children if c.tag == tag)


ChangeModel = (
    Table
    | EnumType
    | CompositeType
    | Domain
    | SearchCondition
    | Exposure
    | tuple[RoleGrants, ...]
    | PartialUpdate
    | TableReadParameters
    | CompositeEntity
    | Many2Many
)


@dataclass(frozen=True, slots=True)
class Change:
    """One change element of a changeset, in order.

    ``node`` is the element itself; ``model`` is what the reader parsed from it where the change shapes
    the API (a ``Table`` for createTable, a ``SearchCondition`` for createSearchCondition, ...), as it
    was *at that point* of the regulation. ``api_relevant`` is False for tags that only matter to the
    database (``sql``, ``loadData``, analytics views, Citus, grants, ...)."""

    node: XmlNode
    location: Location
    api_relevant: bool = True
    model: ChangeModel | None = None

    @property
    def tag(self) -> str:
        return self.node.tag


@dataclass(frozen=True, slots=True)
class ChangeSet:
    id: str
    author: str
    file: str  # logical path as Liquibase records it (relative to the regulation root)
    location: Location
    changes: tuple[Change, ...]
    checksum: str  # stable digest of the changeset's content, for "edited after applied" detection
    # what Liquibase 4.x records as its md5sum (``8:...``), None where it is not reproduced (ext: tags)
    liquibase_checksum: str | None = None
    contexts: str | None = None  # Liquibase context expression, incl. the including ``include``'s
    labels: str | None = None
    run_always: bool = False
    run_on_change: bool = False
    fail_on_error: bool = True
    valid_checksums: tuple[str, ...] = ()  # ``ANY`` accepts every checksum
    comment: str | None = None
    rollback: XmlNode | None = None
    preconditions: XmlNode | None = None  # the changeSet's ``preConditions`` element, if any


# ---------------------------------------------------------------------------------------------
# The regulation


@dataclass(frozen=True)
class Regulation:
    root: str  # absolute path of the regulation root
    name: str  # registry name (the root folder's name unless configured)
    tables: tuple[Table, ...] = ()
    enums: tuple[EnumType, ...] = ()
    composites: tuple[CompositeType, ...] = ()
    domains: tuple[Domain, ...] = ()
    search_conditions: tuple[SearchCondition, ...] = ()
    exposures: tuple[Exposure, ...] = ()
    rbac: tuple[RoleGrants, ...] = ()  # the last ``ext:rbac`` change replaces all earlier ones
    partial_updates: tuple[PartialUpdate, ...] = ()
    read_parameters: tuple[TableReadParameters, ...] = ()
    composite_entities: tuple[CompositeEntity, ...] = ()
    many2many: tuple[Many2Many, ...] = ()
    rls_rules: tuple[RlsRule, ...] = ()  # after every ext:rls add/remove, in declaration order
    changesets: tuple[ChangeSet, ...] = ()
    # top-level ``<property name value>`` of the changelogs, for ``${name}`` substitution by the migrator
    properties: tuple[tuple[str, str], ...] = ()
    diagnostics: tuple[Diagnostic, ...] = field(default=(), compare=False)

    @cached_property
    def _tables_by_name(self) -> dict[str, Table]:
        return {t.name: t for t in self.tables}

    @cached_property
    def _scs_by_name(self) -> dict[str, SearchCondition]:
        return {s.name: s for s in self.search_conditions}

    @cached_property
    def _exposures_by_sc(self) -> dict[str, Exposure]:
        return {e.search_condition: e for e in self.exposures}

    def table(self, name: str) -> Table | None:
        return self._tables_by_name.get(name)

    def search_condition(self, name: str) -> SearchCondition | None:
        return self._scs_by_name.get(name)

    def referenced_entity(self, table_name: str, column: str) -> EntityReference | None:
        """What a ``fetchType="entity"`` column points at: the many-to-many declaration whose key
        array it is (a list of rows), or its single-column foreign key (one row); None otherwise."""
        table = self.table(table_name)
        if table is None:
            return None
        for m2m in self.many2many:
            if m2m.main_table == table.name and m2m.reference_keys_array == column:
                referenced = self.table(m2m.reference_table)
                if referenced is not None and len(referenced.primary_key) == 1:
                    return EntityReference(referenced.name, referenced.primary_key[0], many=True)
                return None
        for fk in table.foreign_keys:
            if fk.columns == (column,) and len(fk.referenced_columns) == 1:
                return EntityReference(fk.referenced_table, fk.referenced_columns[0], many=False)
        return None

    def nested_reads(self, table_name: str) -> tuple[tuple[str, EntityReference], ...]:
        """The columns an entity read of ``table_name`` nests (``ext:tableReadParameters`` with
        ``fetchType="entity"``), with what each points at."""
        found: list[tuple[str, EntityReference]] = []
        for parameters in self.read_parameters:
            if parameters.table != table_name:
                continue
            for parameter in parameters.columns:
                reference = self.referenced_entity(table_name, parameter.column)
                if parameter.fetch_type is FetchType.ENTITY and reference is not None:
                    found.append((parameter.column, reference))
        return tuple(found)

    def rls_rules_on(self, check_table: str, kind: RlsKind) -> tuple[RlsRule, ...]:
        """The rules of ``kind`` that name ``check_table`` (a table or a ``<sc>_v`` view)."""
        return tuple(r for r in self.rls_rules if r.check_table == check_table and r.kind is kind)

    def exposure(self, search_condition: str) -> Exposure:
        """The exposure of a search condition; not exposed at all when none was declared."""
        return self._exposures_by_sc.get(search_condition) or Exposure(search_condition)

    @property
    def api_tables(self) -> tuple[Table, ...]:
        return tuple(t for t in self.tables if not t.is_service_table)

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity is Severity.ERROR)

    def sc_file_columns(self, sc: SearchCondition) -> tuple[tuple[Table, Column], ...]:
        """The file columns a search condition returns, as (table, column) of the underlying tables.
        CTE-sourced columns are not followed (a CTE has no file catalogue binding)."""
        found: list[tuple[Table, Column]] = []
        for sc_table in sc.tables:
            table = self.table(sc_table.name)
            if table is None:
                continue
            for sc_column in sc_table.columns:
                column = table.column(sc_column.name)
                is_file = column is not None and column.is_file
                if sc_column.returning and is_file and (table, column) not in found:
                    found.append((table, column))  # type: ignore[arg-type]
        return tuple(found)
