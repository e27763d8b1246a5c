"""Other API-shaping declarations: types, domains, RBAC, partial updates, read parameters,
composite entities and many-to-many views."""

from __future__ import annotations

from codegen.reader.common import Site, parse_bool, required
from codegen.reader.state import ReaderState
from schemas.realms import accepted_list
from schemas.regulation import (
    ColumnGrant,
    CompositeEntity,
    CompositeField,
    CompositeType,
    Domain,
    DomainConstraint,
    EntityLink,
    EnumLabel,
    EnumType,
    FetchType,
    Many2Many,
    NestedEntity,
    PartialUpdate,
    ReadParameter,
    RoleGrants,
    ScColumn,
    TableGrant,
    TableReadParameters,
    XmlNode,
)


def create_type(state: ReaderState, node: XmlNode, site: Site) -> EnumType | CompositeType | None:
    name = required(state, node, "name", site)
    if name is None:
        return None
    where = site.at(node)
    for enum in node.find_all("ext:asEnum"):
        labels = tuple(
            EnumLabel((label.text or "").strip(), label.get("translation"))
            for label in enum.find_all("ext:label")
        )
        enum_type = EnumType(name, labels, where)
        state.enums[name] = enum_type
        return enum_type
    for composite in node.find_all("ext:asComposite"):
        fields = tuple(
            CompositeField(c.get("name") or "", c.get("type") or "", c.get("collation"))
            for c in composite.find_all("ext:column")
        )
        composite_type = CompositeType(name, fields, where)
        state.composites[name] = composite_type
        return composite_type
    state.report("MISSING_ATTRIBUTE", f"ext:createType '{name}' needs ext:asEnum or ext:asComposite", where)
    return None


def drop_type(state: ReaderState, node: XmlNode, site: Site) -> None:
    name = required(state, node, "name", site)
    if name is None:
        return
    if state.enums.pop(name, None) is None and state.composites.pop(name, None) is None:
        state.report("UNKNOWN_TYPE", f"ext:dropType names type '{name}', which does not exist", site.at(node))


def create_domain(state: ReaderState, node: XmlNode, site: Site) -> Domain | None:
    name = required(state, node, "name", site)
    base = required(state, node, "type", site)
    if name is None or base is None:
        return None
    domain = Domain(
        name=name,
        base_type=base,
        nullable=parse_bool(state, node, "nullable", site, default=True),
        default_value=node.get("defaultValue"),
        collation=node.get("collation"),
        constraints=tuple(
            DomainConstraint(c.get("name") or "", c.get("implementation") or "")
            for c in node.find_all("ext:constraint")
        ),
        location=site.at(node),
    )
    state.domains[name] = domain
    return domain


def drop_domain(state: ReaderState, node: XmlNode, site: Site) -> None:
    name = required(state, node, "name", site)
    if name is not None and state.domains.pop(name, None) is None:
        state.report(
            "UNKNOWN_TYPE", f"ext:dropDomain names domain '{name}', which does not exist", site.at(node)
        )


def rbac(state: ReaderState, node: XmlNode, site: Site) -> tuple[RoleGrants, ...]:
    """Each ext:rbac change replaces every rule before it (the reference truncates the table)."""
    roles: list[RoleGrants] = []
    seen: dict[tuple[str, str], str] = {}  # (role, table) -> "table" | "column:read" ...
    for role_node in node.find_all("ext:role"):
        role = required(state, role_node, "name", site)
        if role is None:
            continue
        tables: list[TableGrant] = []
        scs: list[str] = []
        for child in role_node.children:
            if child.tag == "ext:table":
                grant = _table_grant(state, role, child, site, seen)
                if grant is not None:
                    tables.append(grant)
            elif child.tag == "ext:searchCondition":
                sc = required(state, child, "name", site)
                if sc is None:
                    continue
                if sc not in state.search_conditions:
                    state.report(
                        "UNKNOWN_SEARCH_CONDITION",
                        f"role '{role}' is granted search condition '{sc}', "
                        "which does not exist at this point",
                        site.at(child),
                    )
                scs.append(sc)
            else:
                state.report("UNKNOWN_TAG", f"{child.tag} is not expected inside ext:role", site.at(child))
        if not tables and not scs:
            state.report("RBAC_EMPTY_ROLE", f"ext:role '{role}' grants nothing", site.at(role_node))
        realm = _realm_of(state, role, role_node, site)
        roles.append(RoleGrants(role, realm, tuple(tables), tuple(scs), site.at(role_node)))
    state.rbac = tuple(roles)
    return state.rbac


def _realm_of(state: ReaderState, role: str, node: XmlNode, site: Site) -> str | None:
    """The role's ``realm``, which must be a realm name this deployment understands: a grant bound to
    an unknown realm would apply to nobody (every caller of the role would get 403)."""
    realm = node.get("realm")
    if realm is None:
        return None
    realm = realm.strip()
    if realm not in state.realms:
        state.report(
            "RBAC_UNKNOWN_REALM",
            f"ext:role '{role}' realm=\"{realm}\" is not a realm of this platform; "
            f"accepted: {accepted_list(state.realms)}",
            site.at(node),
        )
    return realm


def _table_grant(
    state: ReaderState,
    role: str,
    node: XmlNode,
    site: Site,
    seen: dict[tuple[str, str], str],
) -> TableGrant | None:
    name = required(state, node, "name", site)
    if name is None:
        return None
    where = site.at(node)
    table = state.known_table(name, where, f"the grant to role '{role}'")
    grant = TableGrant(
        table=name,
        read=parse_bool(state, node, "read", site),
        insert=parse_bool(state, node, "insert", site),
        update=parse_bool(state, node, "update", site),
        delete=parse_bool(state, node, "delete", site),
        columns=tuple(
            ColumnGrant(
                c.get("name") or "",
                parse_bool(state, c, "read", site),
                parse_bool(state, c, "update", site),
                site.at(c),
            )
            for c in node.find_all("ext:column")
        ),
        location=where,
    )
    if table is not None:
        state.check_columns(table, [c.name for c in grant.columns], where, f"the grant to role '{role}'")
    key = (role, name)
    if key in seen:
        state.report(
            "DUPLICATE_RBAC_GRANT",
            f"role '{role}' is granted table '{name}' twice; merge the two ext:table elements",
            where,
        )
    seen[key] = "table"
    for operation in ("read", "update"):
        table_level = getattr(grant, operation)
        column_level = any(getattr(c, operation) for c in grant.columns)
        if table_level and column_level:
            state.report(
                "DUPLICATE_RBAC_GRANT",
                f"role '{role}' gets {operation} on table '{name}' both for the table and for columns",
                where,
            )
    return grant


def partial_update(state: ReaderState, node: XmlNode, site: Site) -> PartialUpdate | None:
    name = required(state, node, "name", site)
    tables = node.find_all("ext:table")
    if name is None or not tables:
        if name is not None:
            state.report("MISSING_ATTRIBUTE", f"ext:partialUpdate '{name}' needs an ext:table", site.at(node))
        return None
    table_node = tables[0]
    table_name = required(state, table_node, "name", site) or ""
    columns = tuple(c.get("name") or "" for c in table_node.find_all("ext:column"))
    where = site.at(node)
    table = state.known_table(table_name, where, f"partial update '{name}'")
    if table is not None:
        state.check_columns(table, columns, where, f"partial update '{name}'")
    update = PartialUpdate(name, table_name, columns, where)
    state.partial_updates[name] = update
    return update


def table_read_parameters(state: ReaderState, node: XmlNode, site: Site) -> TableReadParameters | None:
    table_name = required(state, node, "table", site)
    if table_name is None:
        return None
    where = site.at(node)
    parameters: list[ReadParameter] = []
    for column in node.find_all("ext:column"):
        fetch = column.get("fetchType") or "id"
        try:
            parameters.append(ReadParameter(column.get("name") or "", FetchType(fetch)))
        except ValueError:
            state.report("INVALID_VALUE", f'fetchType="{fetch}" is not id or entity', site.at(column))
    table = state.known_table(table_name, where, "ext:tableReadParameters")
    if table is not None:
        state.check_columns(table, [p.column for p in parameters], where, "ext:tableReadParameters")
    result = TableReadParameters(table_name, tuple(parameters), where)
    # Later declarations change the columns they name and keep the others (the reference adds and
    # removes one nested-read row per column): the last fetchType of a column wins.
    earlier = state.read_parameters.get(table_name)
    merged = {p.column: p for p in (earlier.columns if earlier else ())}
    merged.update({p.column: p for p in parameters})
    state.read_parameters[table_name] = TableReadParameters(table_name, tuple(merged.values()), where)
    return result


def create_composite_entity(state: ReaderState, node: XmlNode, site: Site) -> CompositeEntity | None:
    name = required(state, node, "name", site)
    if name is None:
        return None
    where = site.at(node)
    entities: list[NestedEntity] = []
    for nested in node.find_all("ext:nestedEntity"):
        table = required(state, nested, "table", site) or ""
        state.known_table(table, site.at(nested), f"composite entity '{name}'")
        links = tuple(
            EntityLink(link.get("column") or "", link.get("entity") or "")
            for link in nested.find_all("ext:link")
        )
        entities.append(NestedEntity(table, nested.get("name") or table, links))
    names = {e.name for e in entities}
    for entity in entities:
        for link in entity.links:
            if link.entity not in names:
                state.report(
                    "COMPOSITE_UNKNOWN_ENTITY",
                    f"composite entity '{name}': link to '{link.entity}', which it does not declare",
                    where,
                )
    composite = CompositeEntity(name, tuple(entities), where)
    state.composite_entities[name] = composite
    return composite


def create_many_to_many(state: ReaderState, node: XmlNode, site: Site) -> Many2Many | None:
    main = required(state, node, "mainTableName", site)
    key = required(state, node, "mainTableKeyField", site)
    reference = required(state, node, "referenceTableName", site)
    array = required(state, node, "referenceKeysArray", site)
    if main is None or key is None or reference is None or array is None:
        return None
    where = site.at(node)

    def columns(container: str, alias: str) -> tuple[ScColumn, ...]:
        return tuple(
            ScColumn(alias, c.get("name") or "", alias=c.get("alias"), location=site.at(c))
            for holder in node.find_all(container)
            for c in holder.find_all("ext:column")
        )

    main_columns = columns("ext:mainTableColumns", main)
    reference_columns = columns("ext:referenceTableColumns", reference)
    main_table = state.known_table(main, where, "ext:createMany2Many")
    if main_table is not None:
        state.check_columns(
            main_table, [key, array, *(c.name for c in main_columns)], where, "ext:createMany2Many"
        )
    reference_table = state.known_table(reference, where, "ext:createMany2Many")
    if reference_table is not None:
        state.check_columns(
            reference_table, [c.name for c in reference_columns], where, "ext:createMany2Many"
        )
    result = Many2Many(main, key, reference, array, main_columns, reference_columns, where)
    state.many2many[main] = result
    return result
