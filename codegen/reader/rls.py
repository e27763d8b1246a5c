"""``ext:rls``: row-level security rules, added and removed by name (as the reference's
``ddm_rls_metadata`` rows are), checked against the final regulation."""

from __future__ import annotations

from codegen.reader.codes import severity_of
from codegen.reader.common import Site, required
from codegen.reader.state import ReaderState
from rbac.rows import search_rows
from schemas.regulation import Diagnostic, Location, Regulation, RlsKind, RlsRule, XmlNode

_ADD = {"ext:addReadRule": RlsKind.READ, "ext:addWriteRule": RlsKind.WRITE}
_REMOVE = {"ext:removeReadRule": RlsKind.READ, "ext:removeWriteRule": RlsKind.WRITE}


def rls(state: ReaderState, node: XmlNode, site: Site) -> None:
    required(state, node, "name", site)
    for child in node.children:
        where = site.at(child)
        if child.tag in _ADD:
            rule = _rule(state, child, _ADD[child.tag], site)
            if rule is None:
                continue
            key = (rule.kind, rule.name)
            if key in state.rls_rules:
                state.report(
                    "RLS_RULE_REDEFINED",
                    f"{rule.kind.value} rule '{rule.name}' is added again; the new one replaces it",
                    where,
                )
            state.rls_rules[key] = rule
        elif child.tag in _REMOVE:
            name = required(state, child, "name", site)
            if name is not None and state.rls_rules.pop((_REMOVE[child.tag], name), None) is None:
                state.report(
                    "UNKNOWN_RLS_RULE",
                    f"{child.tag} names {_REMOVE[child.tag].value} rule '{name}', which does not exist",
                    where,
                )
        else:
            state.report("UNKNOWN_TAG", f"{child.tag} is not expected inside ext:rls", where)


def _rule(state: ReaderState, node: XmlNode, kind: RlsKind, site: Site) -> RlsRule | None:
    values = [required(state, node, name, site) for name in ("name", "jwtAttribute", "checkTable")]
    column = required(state, node, "checkColumn", site)
    name, claim, table = values
    if name is None or claim is None or table is None or column is None:
        return None
    return RlsRule(name, kind, claim, table, column, site.at(node))


def check_final_rules(state: ReaderState) -> None:
    """Every rule names a table (or, for read rules, a search condition's view) and one of its
    columns: a rule on anything else would protect nothing, so it is an error."""
    views = {sc.view_name: sc for sc in state.search_conditions.values()}
    by_table: dict[tuple[RlsKind, str], list[RlsRule]] = {}
    for rule in state.rls_rules.values():
        where = rule.location or Location("?", 0)
        table = state.tables.get(rule.check_table)
        view = views.get(rule.check_table) if rule.kind is RlsKind.READ else None
        if table is None and view is None:
            target = "a table" if rule.kind is RlsKind.WRITE else "a table or a search condition's view"
            state.report(
                "RLS_UNKNOWN_TARGET",
                f"{rule.kind.value} rule '{rule.name}': checkTable '{rule.check_table}' is not {target} "
                "of the regulation; the rule would protect nothing",
                where,
            )
            continue
        if table is not None:
            known = table.has_column(rule.check_column)
        else:
            assert view is not None
            known = rule.check_column in _view_columns(state, view.name)
        if not known:
            state.report(
                "RLS_UNKNOWN_COLUMN",
                f"{rule.kind.value} rule '{rule.name}': '{rule.check_table}' has no column "
                f"'{rule.check_column}'",
                where,
            )
        by_table.setdefault((rule.kind, rule.check_table), []).append(rule)
    for (kind, table_name), rules in by_table.items():
        if len(rules) > 1:
            names = ", ".join(f"'{r.name}'" for r in rules)
            state.report(
                "RLS_SEVERAL_RULES",
                f"'{table_name}' has {len(rules)} {kind.value} rules ({names}): here a row must satisfy "
                "all of them; the reference applies only the first",
                rules[1].location or Location("?", 0),
            )


def _view_columns(state: ReaderState, sc_name: str) -> set[str]:
    sc = state.search_conditions[sc_name]
    if sc.simple and sc.tables:
        table = state.tables.get(sc.tables[0].name)
        return set(table.columns) if table is not None else set()
    return {c.output_name for c in sc.columns} | {f.alias for f in sc.functions}


def search_diagnostics(regulation: Regulation) -> list[Diagnostic]:
    """A search condition the read rules cannot filter is denied to everyone by the service: say so."""
    found: list[Diagnostic] = []
    if not any(r.kind is RlsKind.READ for r in regulation.rls_rules):
        return found
    for sc in regulation.search_conditions:
        rows = search_rows(regulation, sc)
        if rows is not None and rows.denied is not None:
            message = f"{rows.denied}; until then every search is refused (403)"
            where = sc.location or Location("?", 0)
            found.append(
                Diagnostic("RLS_SEARCH_UNFILTERABLE", severity_of("RLS_SEARCH_UNFILTERABLE"), message, where)
            )
    return found
