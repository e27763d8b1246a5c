"""Conformance: every file of ../shared/regulations is read without crashing; the valid ones give no
errors; each validator ``broken/`` file gives the diagnostic it was written for; the documentation
fragments, wrapped into changelogs, read as intended."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from codegen.reader import read_regulation
from schemas.regulation import FileKind, Pagination, Regulation, Severity

from .conftest import WriteChangelog

SHARED = (Path(__file__).resolve().parents[2] / ".." / "shared" / "regulations").resolve()
VALIDATOR = "edp-ddm-registry-regulations-validator-cli/src__test__resources__registry-regulation__"
DDM_EXT = "edp-ddm-liquibase-ddm-ext/src__test__resources__"
RRM = "edp-ddm-registry-regulation-management/"
TASK2 = (
    "edp-ddm-architecture/docs__ua__modules__registry-develop__attachments__study-project__task-2__xml-temp__"
)
SNIPPETS = "edp-ddm-architecture/doc-snippets/"


def corpus_files() -> list[str]:
    """Every file of the corpus, or a collection error when it (or a part the tests rely on) is missing:
    the parametrised cases below must never shrink to nothing silently."""
    files = sorted(p.relative_to(SHARED).as_posix() for p in SHARED.rglob("*") if p.is_file())
    missing = [
        part
        for part in (VALIDATOR, DDM_EXT, RRM, TASK2, SNIPPETS, "assembled/")
        if not any(f.startswith(part) for f in files)
    ]
    if missing:
        pytest.fail(
            f"the regulation corpus is missing or incomplete at {SHARED} (../shared beside the repository):"
            f" nothing under {', '.join(missing)}",
            pytrace=False,
        )
    return files


ALL_FILES = corpus_files()
XML_FILES = [f for f in ALL_FILES if f.endswith((".xml", ".xsd"))]


def codes(regulation: Regulation, severity: Severity | None = None) -> set[str]:
    return {d.code for d in regulation.diagnostics if severity is None or d.severity is severity}


@pytest.mark.parametrize("name", XML_FILES)
def test_every_file_is_read_without_crashing(name: str) -> None:
    regulation = read_regulation(SHARED / name)
    assert all(d.location.file for d in regulation.diagnostics)


# Complete changelogs that are valid on their own. UNKNOWN_TABLE is a warning (the table may come from
# raw SQL or from the platform, the database is the judge), so single-tag files that name tables they
# do not define are still valid.
VALID_STANDALONE = {
    f"{VALIDATOR}correct__form__main-liquibase.xml": "SCs over tables of another changelog",
    f"{RRM}ddm-rrm-data-model-management__src__test__resources__changelog-correct.xml": "one table",
    f"{RRM}ddm-rrm__src__it__resources__liquibase__tablesSubjects.xml": "xsi:-bound ext tags only warn",
    f"{RRM}ddm-rrm__src__it__resources__versions__candidates__{{versionCandidateId}}__changes__GET__"
    "added-createSearchConditions.xml": "SC over a table of another changelog",
    f"{RRM}ddm-rrm__src__it__resources__versions__candidates__{{versionCandidateId}}__changes__GET__"
    "changed-createTables-version-candidate.xml": "two tables",
    f"{RRM}ddm-rrm__src__it__resources__versions__candidates__{{versionCandidateId}}__data-model__"
    "tables__GET__createTables.xml": "one table",
    f"{TASK2}createTables.xml": "the training registry's tables",
    f"{TASK2}createSearchConditions.xml": "its SCs, tables come from createTables.xml",
    f"{TASK2}tablesSubjects.xml": "enum types",
    f"{DDM_EXT}alterTableApiChangelog.xml": "one tag",
    f"{DDM_EXT}createAsyncLoadChangelog.xml": "database-only tag",
    f"{DDM_EXT}createCompositeEntityChangelog.xml": "one tag",
    f"{DDM_EXT}createCompositeTypeChangelog.xml": "one tag",
    f"{DDM_EXT}createEnumTypeChangelog.xml": "one tag",
    f"{DDM_EXT}createSearchConditionChangelog.xml": "CTE, functions, joins",
    f"{DDM_EXT}rbacChangelog.xml": "grants on 'person', defined elsewhere",
    f"{DDM_EXT}tableReadParametersChangelog.xml": "one tag",
}
# Files that are not valid regulations, and why.
NOT_VALID = {
    # valid for the reference's validator, but migrate (and Liquibase) refuse duplicate changeSet ids
    f"{VALIDATOR}correct__test-main-liquibase.xml": "DUPLICATE_CHANGESET",
    # p_load_table_from_csv() of the reference's database, outside any context (the assembled training
    # registry includes this file with context "pub": a warning there)
    f"{TASK2}populateDictionaries.xml": "MIGRATION_REFUSED",
    f"{DDM_EXT}allTags.xml": "MIGRATION_REFUSED",  # the same procedure, in a tag sampler
    # a many-to-many view over tables the file does not create: migrate cannot build it
    f"{DDM_EXT}createMany2ManyChangelog.xml": "MIGRATION_REFUSED",
    # an attribute soup with foreignKeyName="foreignKeyName"
    f"{DDM_EXT}createTableChangelog.xml": "FK_NAME_NOT_LOWERCASE",
    f"{DDM_EXT}partialUpdateChangelog.xml": "MISSING_ATTRIBUTE",  # ext:partialUpdate without name
    "edp-ddm-liquibase-ddm-ext/src__main__resources__parameters.xml": "NOT_A_CHANGELOG",  # data
    "edp-ddm-liquibase-ext-schema/xsd__dbchangelog-ddm.xsd": "NOT_A_CHANGELOG",  # the schema
}


@pytest.mark.parametrize("name", sorted(VALID_STANDALONE))
def test_valid_changelogs_give_no_errors(name: str) -> None:
    regulation = read_regulation(SHARED / name)
    assert regulation.errors == (), [str(d) for d in regulation.errors]


@pytest.mark.parametrize(("name", "code"), sorted(NOT_VALID.items()))
def test_invalid_changelogs_say_why(name: str, code: str) -> None:
    assert code in codes(read_regulation(SHARED / name), Severity.ERROR)


def test_every_complete_changelog_is_classified() -> None:
    broken = [f for f in XML_FILES if f.startswith(VALIDATOR + "broken")]
    other = set(XML_FILES) - set(VALID_STANDALONE) - set(NOT_VALID) - set(broken)
    assembled = {f for f in other if f.startswith(("assembled/", SNIPPETS))}
    layouts = {f for f in other if "main-liquibase" in f or "empty-template" in f}
    assert other - assembled - layouts == set()


BROKEN = {
    "main-liquibase__cyrillic-column-name.xml": "NAME_CYRILLIC",
    "main-liquibase__primary-key-capital-letter.xml": "FK_NAME_NOT_LOWERCASE",
    "main-liquibase__reserved-java-word-column-name.xml": "NAME_RESERVED_WORD",
    "main-liquibase__reserved-java-word-table-name.xml": "NAME_RESERVED_WORD",
    "main-liquibase__starts-from-digit-column-name.xml": "NAME_STARTS_WITH_DIGIT",
    "main-liquibase__too-long-column-name.xml": "NAME_TOO_LONG",
    "main-liquibase__test-main-liquibase-broken.xml": "EMPTY_CHANGELOG",
    # The form files are broken because a form calls a missing SC; we do not read forms, but we say
    # that the SC is dropped, and that the other file has no search condition at all.
    "form__drop-search-condition.xml": "SC_DROPPED",
    "form__no-search-condition.xml": "EMPTY_CHANGELOG",
    # Drops an SC and creates it again under the same name (the exposure starts afresh).
    "test-main-liquibase.xml": "SC_REDEFINED",
}


def test_every_broken_file_is_covered() -> None:
    broken = {f.removeprefix(VALIDATOR + "broken__") for f in XML_FILES if f.startswith(VALIDATOR + "broken")}
    assert broken == set(BROKEN)


@pytest.mark.parametrize(("name", "code"), sorted(BROKEN.items()))
def test_broken_validator_files_give_their_diagnostic(name: str, code: str) -> None:
    regulation = read_regulation(SHARED / f"{VALIDATOR}broken__{name}")
    assert code in codes(regulation)


def test_naming_errors_point_at_the_line() -> None:
    regulation = read_regulation(SHARED / f"{VALIDATOR}broken__main-liquibase__cyrillic-column-name.xml")
    (cyrillic,) = [d for d in regulation.diagnostics if d.code == "NAME_CYRILLIC"]
    assert cyrillic.severity is Severity.ERROR
    assert cyrillic.location.line == 12
    assert "прізвище" in cyrillic.message


def _assemble(tmp_path: Path, files: dict[str, str]) -> Path:
    """Lay flattened corpus files out as a regulation repository (data-model/...)."""
    root = tmp_path / "registry"
    for target, source in files.items():
        (root / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SHARED / source, root / target)
    return root


def test_task2_set_assembled(tmp_path: Path) -> None:
    names = ["main-liquibase", "createTables", "createSearchConditions", "populateDictionaries"]
    root = _assemble(tmp_path, {f"data-model/{n}.xml": f"{TASK2}{n}.xml" for n in names})
    regulation = read_regulation(root)
    assert regulation.errors == ()
    assert len(regulation.tables) == 5 and len(regulation.search_conditions) == 7


def test_empty_template(tmp_path: Path) -> None:
    template = "edp-ddm-empty-template-registry-regulation/data-model__"
    root = _assemble(
        tmp_path,
        {
            "data-model/main-liquibase.xml": f"{template}main-liquibase.xml",
            "data-model/createTables.xml": f"{template}createTables.xml",
        },
    )
    regulation = read_regulation(root)
    assert regulation.errors == ()
    assert codes(regulation) == {"EMPTY_CHANGELOG"}
    assert regulation.tables == ()


def test_all_tags(corpus: Path) -> None:
    regulation = read_regulation(corpus / f"{DDM_EXT}allTags.xml")
    assert {t.name for t in regulation.tables} >= {"dictionary", "main_table", "subject"}
    assert [d.name for d in regulation.domains] == ["typeDomain"]  # domainForDrop was dropped
    assert {e.name for e in regulation.enums} >= {"typeEnum", "typeForDrop", "type_subject_type"}
    assert [c.name for c in regulation.composites] == ["typeComposite"]
    main = regulation.table("main_table")
    assert main is not None
    field = main.column("field_for_change")
    assert field is not None and field.type == "float"  # modifyDataType applied
    array = main.column("field_array")
    assert array is not None and array.type == "UUID[]" and array.is_array
    simple = regulation.search_condition("simple_view")
    assert simple is not None and simple.simple and simple.limit == 10
    assert [c.name for c in simple.search_columns] == ["name"]
    view = regulation.search_condition("view")
    assert view is not None
    assert view.pagination is Pagination.OFFSET and view.pagination_declared  # legacy "true"
    assert view.ctes[0].name == "cte_dictionary"
    assert regulation.search_condition("viewForDrop") is None
    assert regulation.exposure("view").external_system  # legacy consumer=
    assert "LEGACY_CONSUMER_ATTRIBUTE" in codes(regulation, Severity.WARNING)
    (role,) = regulation.rbac
    assert role.role == "application_role"
    assert [(g.table, g.read) for g in role.tables] == [("main_table", False), ("dictionary", True)]
    assert role.tables[0].columns[0].update
    dictionary = regulation.table("dictionary")
    assert dictionary is not None and dictionary.bulk_load and dictionary.read_mode == "async"
    (m2m,) = regulation.many2many
    assert m2m.view_name == "main_table_rel_v"
    (composite,) = regulation.composite_entities
    assert [e.name for e in composite.entities] == ["transaction", "order", "app", "consent"]
    not_api = {c.tag for cs in regulation.changesets for c in cs.changes if not c.api_relevant}
    assert not_api == {"sql", "ext:distributeTable", "ext:referenceTable"}


# --- documentation fragments, wrapped into changelogs -------------------------------------------


def _fragment(corpus: Path, suffix: str) -> str:
    (path,) = [p for p in (corpus / SNIPPETS).iterdir() if p.name.endswith(suffix)]
    return path.read_text(encoding="utf-8")


def test_fragment_file_columns(corpus: Path, write_changelog: WriteChangelog, regulation_root: Path) -> None:
    write_changelog(_fragment(corpus, "createTable-user.fragment.xml"))
    regulation = read_regulation(regulation_root)
    table = regulation.table("user")
    assert table is not None
    assert [(c.name, c.file_kind) for c in table.file_columns] == [
        ("photo", FileKind.SINGLE),
        ("documents", FileKind.ARRAY),
    ]
    assert regulation.errors == ()


SC_FOR_EXPOSURE = """
<changeSet id="tables" author="test">
  <createTable tableName="vpo_person_type" ext:historyFlag="true">
    <column name="id" type="UUID"><constraints primaryKey="true" nullable="false"/></column>
    <column name="name" type="TEXT"/>
  </createTable>
</changeSet>
<changeSet id="scs" author="test">
  <ext:createSearchCondition name="exampleViewName">
    <ext:table name="vpo_person_type"><ext:column name="name" searchType="contains"/></ext:table>
  </ext:createSearchCondition>
  <ext:createSearchCondition name="vpo_person_type_contains_name_public_test">
    <ext:table name="vpo_person_type"><ext:column name="name" searchType="contains"/></ext:table>
  </ext:createSearchCondition>
  <ext:createSearchCondition name="search-laboratories-by-city">
    <ext:table name="vpo_person_type"><ext:column name="name" searchType="equal"/></ext:table>
  </ext:createSearchCondition>
</changeSet>
"""


def test_fragment_expose(corpus: Path, write_changelog: WriteChangelog, regulation_root: Path) -> None:
    fragment = _fragment(corpus, "liquibase-ddm-ext.adoc__exposeSearchCondition.fragment.xml")
    body = SC_FOR_EXPOSURE + f'<changeSet id="expose" author="test">\n{fragment}\n</changeSet>\n'
    write_changelog(body)
    regulation = read_regulation(regulation_root)
    assert regulation.errors == ()
    assert regulation.exposure("exampleViewName").consumers == ("platform", "externalSystem")
    assert regulation.exposure("vpo_person_type_contains_name_public_test").consumers == ("publicAccess",)
    assert "EXT_PREFIX_MISSING" in codes(regulation, Severity.WARNING)  # the bare <exposeSearchCondition>


def test_fragment_public_attribute_is_a_diagnostic(
    corpus: Path, write_changelog: WriteChangelog, regulation_root: Path
) -> None:
    fragment = _fragment(corpus, "exposeSearchCondition-design.fragment.xml")
    write_changelog(SC_FOR_EXPOSURE + f'<changeSet id="expose" author="test">\n{fragment}\n</changeSet>\n')
    regulation = read_regulation(regulation_root)
    assert "EXPOSE_PUBLIC_ATTRIBUTE" in codes(regulation, Severity.ERROR)
    assert regulation.exposure("search-laboratories-by-city").consumers == ()


def test_fragment_pagination_page(
    corpus: Path, write_changelog: WriteChangelog, regulation_root: Path
) -> None:
    table = """<changeSet id="t" author="test"><createTable tableName="request_by_search_param"
      ext:historyFlag="true"><column name="request_by_search_param_id" type="UUID">
      <constraints primaryKey="true"/></column><column name="name" type="TEXT"/>
      <column name="search_param" type="TEXT"/></createTable></changeSet>"""
    write_changelog(table + _fragment(corpus, "sc-pagination-page.fragment.xml"))
    regulation = read_regulation(regulation_root)
    assert regulation.errors == ()
    sc = regulation.search_condition("get_requests_by_search_param_page")
    assert sc is not None and sc.pagination is Pagination.PAGE and sc.pagination_declared
    assert sc.limit is None


def test_fragment_rbac_search_condition(
    corpus: Path, write_changelog: WriteChangelog, regulation_root: Path
) -> None:
    write_changelog(
        """<changeSet id="t" author="test"><createTable tableName="project_data" ext:historyFlag="true">
        <column name="project_data_id" type="UUID"><constraints primaryKey="true"/></column>
        <column name="active" type="BOOLEAN"/></createTable></changeSet>
        <changeSet id="sc" author="test"><ext:createSearchCondition name="search_active_projects">
        <ext:table name="project_data"><ext:column name="project_data_id"/></ext:table>
        </ext:createSearchCondition></changeSet>"""
        + _fragment(corpus, "rbac-searchCondition.fragment.xml")
    )
    regulation = read_regulation(regulation_root)
    assert regulation.errors == ()
    grants = [(r.role, [t.table for t in r.tables], r.search_conditions) for r in regulation.rbac]
    assert grants == [
        ("officer", ["project_data"], ()),
        ("op-regression", ["project_data"], ()),
        ("op-regression", [], ("search_active_projects",)),
    ]
