"""Fixtures of the Istio tests: the two regulations of the golden cases, read once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from codegen.reader import read_regulation
from schemas.public_api import PublicApiSettings, load_public_api
from schemas.regulation import Regulation

REPO_ROOT = Path(__file__).resolve().parents[2]
USER_EXAMPLE = REPO_ROOT / "examples" / "user"

# A training-registry copy given what the original lacks: a search condition returning the file
# column laboratory.premises_file, exposed to external systems and to the public.
TRAINING_EXPOSURE = """<?xml version="1.0" encoding="UTF-8"?>
<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog"
                   xmlns:ext="http://www.liquibase.org/xml/ns/dbchangelog-ext">
    <changeSet id="sc laboratory_files_by_edrpou" author="istio-tests">
        <ext:createSearchCondition name="laboratory_files_by_edrpou" limit="10">
            <ext:table name="laboratory">
                <ext:column name="laboratory_id"/>
                <ext:column name="edrpou" searchType="equal"/>
                <ext:column name="premises_file"/>
            </ext:table>
        </ext:createSearchCondition>
    </changeSet>
    <changeSet id="expose laboratory_files_by_edrpou" author="istio-tests">
        <ext:exposeSearchCondition name="laboratory_files_by_edrpou"
                                   externalSystem="true" publicAccess="true"/>
    </changeSet>
    <changeSet id="expose laboratory_start_with_edrpou_contains_name" author="istio-tests">
        <ext:exposeSearchCondition name="laboratory_start_with_edrpou_contains_name"
                                   platform="true" publicAccess="true"/>
    </changeSet>
</databaseChangeLog>
"""

TRAINING_PUBLIC_API = """publicApi:
  - name: laboratory-files
    url: /laboratory-files-by-edrpou
    limits: {second: 2, minute: 30, hour: 500, day: 5000}
  - name: laboratory-premises
    url: /files/laboratory/*/premises-file/*
    limits: {hour: 100}
  - name: laboratory-premises-old
    url: /laboratory-start-with-edrpou-contains-name
    enabled: false
    limits: {second: 1}
"""


@pytest.fixture(scope="session")
def user_regulation() -> Regulation:
    return read_regulation(USER_EXAMPLE)


@pytest.fixture(scope="session")
def user_public_api() -> PublicApiSettings:
    return load_public_api(USER_EXAMPLE / "public-api.yaml")


@pytest.fixture(scope="session")
def training_root(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("regulations") / "training-registry"
    shutil.copytree(shared_dir / "regulations" / "assembled" / "training-registry", root)
    (root / "data-model" / "exposure.xml").write_text(TRAINING_EXPOSURE, encoding="utf-8")
    main = root / "data-model" / "main-liquibase.xml"
    text = main.read_text(encoding="utf-8")
    include = '  <include file="data-model/exposure.xml"/>\n'
    main.write_text(text.replace("</databaseChangeLog>", include + "</databaseChangeLog>"), encoding="utf-8")
    (root / "public-api.yaml").write_text(TRAINING_PUBLIC_API, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def training_regulation(training_root: Path) -> Regulation:
    regulation = read_regulation(training_root)
    assert not regulation.errors, regulation.errors
    return regulation


@pytest.fixture(scope="session")
def training_public_api(training_root: Path) -> PublicApiSettings:
    return load_public_api(training_root / "public-api.yaml")
