"""The regulation, reshaped for templates: one small view object per generated thing, with every
Python name, path and type decided here so the templates only lay text out."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from codegen.emit.names import class_name, field_name, identifier, module_name
from codegen.emit.types import column_type
from registry_api.search.params import MAX_COUNT
from registry_api.search.spec import (
    OutputKind,
    SearchSpec,
    ValueType,
    spec_from_model,
    spec_source,
    underlying_type,
    used_names,
)
from schemas.naming import to_path_segment
from schemas.platform import (
    HISTORY_ID_COLUMN,
    HISTORY_TABLE_SERVICE_COLUMNS,
    MAIN_TABLE_SERVICE_COLUMNS,
    PlatformColumn,
    history_table_name,
)
from schemas.regulation import (
    Column,
    CompositeEntity,
    CompositeNode,
    EnumType,
    Location,
    PartialUpdate,
    Regulation,
    SearchCondition,
    Table,
)


@dataclass(frozen=True)
class ColumnView:
    name: str
    json_name: str
    attr: str  # pydantic field name
    sa_type: str
    py_type: str
    nullable: bool
    primary_key: bool
    required: bool  # in create/replace bodies
    remarks: str | None
    is_file: bool
    path_segment: str
    known_type: bool = True

    @property
    def field_annotation(self) -> str:
        return self.py_type if self.required else f"{self.py_type} | None"


@dataclass(frozen=True)
class NestedView:
    """A column an entity read nests (``ext:tableReadParameters fetchType="entity"``)."""

    column: ColumnView
    table_var: str  # tables.py variable of the referenced table
    table_class: str | None  # its pydantic model (tables without a single-column key have none)
    key: str
    many: bool

    @property
    def annotation(self) -> str:
        row = self.table_class or "dict[str, Any]"
        return f"list[{row}]" if self.many else f"{row} | None"


@dataclass(frozen=True)
class TableView:
    name: str
    var: str  # tables.py variable
    history_var: str | None
    history_name: str | None
    class_name: str  # pydantic model
    module: str  # routers/entities/<module>.py
    spec_const: str  # EntitySpec constant
    path: str  # path segment
    remarks: str | None
    location: str
    columns: tuple[ColumnView, ...]
    history_columns: tuple[ColumnView, ...]
    service_columns: tuple[ColumnView, ...]  # ddm_* on the main table
    primary_key: ColumnView | None
    nested: tuple[NestedView, ...] = ()
    bulk_load: bool = False  # POST /<entity>/list, /csv, /csv/validation
    array_columns: tuple[str, ...] = ()  # non-file array columns (a CSV cell lists their items)

    @property
    def read_class_name(self) -> str:
        """The model of ``GET /{entity}/{id}``: the entity's, or one with the nested rows."""
        return self.class_name + "Read" if self.nested else self.class_name

    @property
    def file_columns(self) -> tuple[ColumnView, ...]:
        return tuple(c for c in self.columns if c.is_file)

    @property
    def routed(self) -> bool:
        return self.primary_key is not None


@dataclass(frozen=True)
class ParamView:
    attr: str
    alias: str
    annotation: str  # for the query model
    body_annotation: str  # for the JSON body model
    description: str
    minimum: int | None = None  # documented in OpenAPI and enforced by the models
    maximum: int | None = None


@dataclass(frozen=True)
class SearchView:
    name: str
    module: str
    path: str
    class_name: str
    spec_const: str
    spec_source: str
    spec_names: tuple[str, ...]
    params: tuple[ParamView, ...]
    location: str
    pagination: str
    limit: int | None
    consumers: tuple[str, ...]
    file_columns: tuple[tuple[str, str], ...]
    outputs: tuple[str, ...]
    result_class: str = ""
    results: tuple[ResultFieldView, ...] = ()


@dataclass(frozen=True)
class ResultFieldView:
    """One returned column of a search condition, as its typed result model declares it."""

    attr: str
    json_name: str
    annotation: str  # always optional: a left join or a null column gives null


@dataclass(frozen=True)
class PartialView:
    name: str
    module: str
    path: str
    class_name: str
    table: TableView
    columns: tuple[ColumnView, ...]
    location: str


@dataclass(frozen=True)
class EnumView:
    name: str
    const: str
    path: str
    function: str
    labels: tuple[tuple[str, str], ...]
    location: str


@dataclass(frozen=True)
class CompositeNodeView:
    """One row of a composite entity: its table, and in its parent's body the property ``attr`` /
    ``alias`` (named after the table) standing for the link column ``link``."""

    table: TableView
    class_name: str  # the body model: the entity's own for a leaf, a ``...Nested`` one otherwise
    attr: str = ""
    alias: str = ""
    link: ColumnView | None = None
    children: tuple[CompositeNodeView, ...] = ()

    @property
    def simple_columns(self) -> tuple[ColumnView, ...]:
        links = {c.link.name for c in self.children if c.link is not None}
        return tuple(c for c in self.table.columns if c.name not in links)

    @property
    def annotation(self) -> str:
        required = self.link is not None and not self.link.nullable
        return self.class_name if required else f"{self.class_name} | None"

    def post_order(self) -> tuple[CompositeNodeView, ...]:
        """Nodes with children, deepest first (the order their models are declared in)."""
        nested = tuple(n for child in self.children for n in child.post_order())
        return (*nested, self) if self.children else nested

    def walk(self) -> tuple[CompositeNodeView, ...]:
        return (self, *(n for child in self.children for n in child.walk()))


@dataclass(frozen=True)
class CompositeView:
    name: str
    module: str  # routers/nested/<module>.py
    path: str
    root: CompositeNodeView
    location: str


@dataclass(frozen=True)
class RegistryView:
    name: str
    package: str
    tables: tuple[TableView, ...]
    searches: tuple[SearchView, ...]
    partials: tuple[PartialView, ...]
    enums: tuple[EnumView, ...]
    composites: tuple[CompositeView, ...] = ()
    skipped: tuple[str, ...] = field(default=())

    @property
    def routed_tables(self) -> tuple[TableView, ...]:
        return tuple(t for t in self.tables if t.routed)


def build(regulation: Regulation) -> RegistryView:
    tables = tuple(_table(regulation, t) for t in regulation.api_tables)
    tables = tuple(_with_nested(regulation, t, {t.name: t for t in tables}) for t in tables)
    by_name = {t.name: t for t in tables}
    partials = tuple(_partial(p, by_name[p.table]) for p in regulation.partial_updates if p.table in by_name)
    return RegistryView(
        name=regulation.name,
        package=module_name(regulation.name),
        tables=tables,
        searches=tuple(_search(regulation, sc) for sc in regulation.search_conditions),
        partials=partials,
        enums=tuple(_enum(e) for e in regulation.enums),
        composites=tuple(_composite(c, by_name) for c in regulation.composite_entities),
    )


def _composite(composite: CompositeEntity, tables: dict[str, TableView]) -> CompositeView:
    """The composite's tree (the reader refused composites that form none, ``COMPOSITE_*``)."""
    prefix = class_name(composite.name)

    def node(model: CompositeNode, parent: TableView | None) -> CompositeNodeView:
        table = tables[model.entity.table]
        children = tuple(node(child, table) for child in model.children)
        link = None
        if parent is not None and model.link_column is not None:
            link = next(c for c in parent.columns if c.name == model.link_column)
        return CompositeNodeView(
            table=table,
            class_name=f"{prefix}{table.class_name}Nested" if children else table.class_name,
            attr=field_name(model.entity.table) if parent is not None else "",
            alias=model.property_name if parent is not None else "",
            link=link,
            children=children,
        )

    return CompositeView(
        name=composite.name,
        module=module_name(composite.name),
        path=composite.path_segment,
        root=node(composite.tree(), None),
        location=where(composite.location),
    )


def where(location: Location | None) -> str:
    return str(location) if location is not None else "unknown location"


def _column(regulation: Regulation, table: Table, column: Column) -> ColumnView:
    mapped = column_type(column.type, regulation)
    has_default = column.default_value is not None or column.default_computed is not None
    is_key = column.name in table.primary_key or column.primary_key
    return ColumnView(
        name=column.name,
        json_name=column.json_name,
        attr=field_name(column.name),
        sa_type=mapped.sqlalchemy,
        py_type=mapped.python,
        nullable=column.nullable and not is_key,
        primary_key=is_key,
        required=not column.nullable and not has_default and not is_key,
        remarks=column.remarks,
        is_file=column.is_file,
        path_segment=column.path_segment,
        known_type=mapped.known,
    )


def _service_column(regulation: Regulation, column: PlatformColumn) -> ColumnView:
    mapped = column_type(column.type, regulation)
    return ColumnView(
        name=column.name,
        json_name=column.name,
        attr=column.name,
        sa_type=mapped.sqlalchemy,
        py_type=mapped.python,
        nullable=column.nullable,
        primary_key=False,
        required=False,
        remarks=None,
        is_file=False,
        path_segment=column.name,
    )


def _table(regulation: Regulation, table: Table) -> TableView:
    columns = tuple(_column(regulation, table, c) for c in table.columns)
    keys = [c for c in columns if c.primary_key]
    var = identifier(table.name).lower() + "_table"
    history_columns: tuple[ColumnView, ...] = ()
    service_columns: tuple[ColumnView, ...] = ()
    if table.history:
        service_columns = tuple(_service_column(regulation, c) for c in MAIN_TABLE_SERVICE_COLUMNS)
        history_columns = (
            _service_column(regulation, HISTORY_ID_COLUMN),
            *(ColumnView(**{**c.__dict__, "primary_key": False, "nullable": True}) for c in columns),
            *(_service_column(regulation, c) for c in HISTORY_TABLE_SERVICE_COLUMNS),
        )
    return TableView(
        name=table.name,
        var=var,
        history_var=identifier(table.name).lower() + "_history_table" if table.history else None,
        history_name=history_table_name(table.name) if table.history else None,
        class_name=class_name(table.name),
        module=module_name(table.name),
        spec_const=identifier(table.name).upper(),
        path=table.path_segment,
        remarks=table.remarks,
        location=where(table.location),
        columns=columns,
        history_columns=history_columns,
        service_columns=service_columns,
        primary_key=keys[0] if len(keys) == 1 else None,
        bulk_load=table.bulk_load,
        array_columns=tuple(c.name for c in table.columns if c.is_array and not c.is_file),
    )


def _with_nested(regulation: Regulation, view: TableView, tables: dict[str, TableView]) -> TableView:
    columns = {c.name: c for c in view.columns}
    nested: list[NestedView] = []
    for column, reference in regulation.nested_reads(view.name):
        target = tables.get(reference.table)
        if column in columns and target is not None:
            model = target.class_name if target.routed else None
            nested.append(NestedView(columns[column], target.var, model, reference.key, reference.many))
    return replace(view, nested=tuple(nested)) if nested else view


_QUERY_TYPES: dict[ValueType, str] = {
    ValueType.TEXT: "str",
    ValueType.ENUM: "str",
    ValueType.UUID: "UUID",
    ValueType.INTEGER: "int",
    ValueType.NUMERIC: "Decimal",
    ValueType.BOOLEAN: "bool",
    ValueType.DATE: "date",
    ValueType.TIMESTAMP: "datetime",
    ValueType.TIME: "time",
    ValueType.FILE: "str",
}


def _search_params(spec: SearchSpec) -> tuple[ParamView, ...]:
    params: list[ParamView] = []
    for parameter in spec.parameters:
        scalar = _QUERY_TYPES[parameter.value_type]
        if parameter.search_type.value in ("contains", "startsWith", "startsWithArray"):
            scalar = "str"
        for name in parameter.input_names:
            description = f"{parameter.search_type.value} on {parameter.column}"
            if parameter.required:
                description += " (required)"
            if parameter.is_list:
                # Query strings may also carry ``a,b,c``: items stay text there, typed in bodies, where
                # one value or a comma-separated string is a list too.
                body = f"Annotated[list[{scalar}] | None, BeforeValidator(as_list)]"
                params.append(ParamView(field_name(name), name, "list[str] | None", body, description))
            else:
                params.append(
                    ParamView(field_name(name), name, f"{scalar} | None", f"{scalar} | None", description)
                )
    pagination = {
        "offset": (
            ("limit", "rows to return (capped by the search condition's limit)"),
            ("offset", "rows to skip"),
        ),
        "page": (("pageSize", "rows per page (default 10)"), ("pageNo", "page number, from 0")),
        "none": (),
    }[spec.pagination.value]
    for name, description in pagination:
        # bounded like PostgreSQL's integer: larger pages or offsets can never be meant
        minimum = 1 if name == "pageSize" else 0
        params.append(
            ParamView(field_name(name), name, "int | None", "int | None", description, minimum, MAX_COUNT)
        )
    return tuple(params)


def _search(regulation: Regulation, sc: SearchCondition) -> SearchView:
    spec = spec_from_model(sc, regulation)
    const = identifier(sc.name).upper()
    source = spec_source(spec)
    return SearchView(
        name=sc.name,
        module=module_name(sc.name),
        path=sc.path_segment,
        class_name=class_name(sc.name) + "Parameters",
        spec_const=const,
        spec_source=source,
        spec_names=used_names(source),
        params=_search_params(spec),
        location=where(sc.location),
        pagination=sc.pagination.value,
        limit=sc.limit,
        consumers=regulation.exposure(sc.name).consumers,
        file_columns=tuple((t.name, c.name) for t, c in regulation.sc_file_columns(sc)),
        outputs=tuple(o.name for o in spec.outputs),
        result_class=class_name(sc.name) + "Result",
        results=_result_fields(regulation, sc, spec),
    )


def _result_fields(
    regulation: Regulation, sc: SearchCondition, spec: SearchSpec
) -> tuple[ResultFieldView, ...]:
    """The typed fields of one result: returned columns by their declared types, files as file
    references, ``fetchType="entity"`` columns as the nested rows, functions as any value."""
    returning = list(sc.returning_columns)  # spec.outputs: these in order, then the functions
    fields = []
    for index, output in enumerate(spec.outputs):
        if output.kind is OutputKind.FILE:
            python = "FileRef"
        elif output.kind is OutputKind.FILE_ARRAY:
            python = "list[FileRef]"
        elif output.kind is OutputKind.ENTITY:
            python = "list[dict[str, Any]]" if output.entity_is_array else "dict[str, Any]"
        elif index < len(returning):
            declared = underlying_type(sc, returning[index], regulation)
            python = column_type(declared, regulation).python if declared else "Any"
        else:
            python = "Any"
        annotation = python if python == "Any" else f"{python} | None"
        fields.append(ResultFieldView(field_name(output.name), output.name, annotation))
    return tuple(fields)


def _partial(partial: PartialUpdate, table: TableView) -> PartialView:
    by_name = {c.name: c for c in table.columns}
    columns = tuple(by_name[c] for c in partial.columns if c in by_name)
    return PartialView(
        name=partial.name,
        module=module_name(partial.name),
        path=partial.path_segment,
        class_name=class_name(partial.name) + "Partial",
        table=table,
        columns=tuple(ColumnView(**{**c.__dict__, "required": False}) for c in columns),
        location=where(partial.location),
    )


def _enum(enum: EnumType) -> EnumView:
    return EnumView(
        name=enum.name,
        const=identifier(enum.name).upper(),
        path=to_path_segment(enum.name),
        function="read_" + identifier(enum.name).lower(),
        labels=tuple((label.code, label.translation or label.code) for label in enum.labels),
        location=where(enum.location),
    )
