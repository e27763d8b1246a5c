"""Request and response bodies of the training-registry registry: one model per entity and per
partial update. JSON properties are the camelCase column names; unknown properties are ignored.

Generated from the regulation; do not edit.
"""

from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from schemas.wire import FileRef


class Koatuu(BaseModel):
    """Entity ``koatuu`` (createTable at data-model/createTables.xml:11)."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    koatuu_id: UUID | None = Field(default=None, alias="koatuuId")
    code: str = Field(alias="code")
    level1: str = Field(alias="level1")
    level2: str = Field(alias="level2")
    type: str | None = Field(default=None, alias="type")
    category: str | None = Field(default=None, alias="category")
    name: str = Field(alias="name")


class Ownership(BaseModel):
    """Entity ``ownership`` (createTable at data-model/createTables.xml:32): Довідник форм власності."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    ownership_id: UUID | None = Field(default=None, alias="ownershipId")
    code: str = Field(alias="code", description="Код")
    name: str = Field(alias="name", description="Назва")


class Laboratory(BaseModel):
    """Entity ``laboratory`` (createTable at data-model/createTables.xml:45): Лабораторії що атестуються."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    laboratory_id: UUID | None = Field(default=None, alias="laboratoryId")
    name: str = Field(alias="name")
    koatuu_id: UUID = Field(alias="koatuuId")
    address: str = Field(alias="address")
    edrpou: str = Field(alias="edrpou")
    ownership_id: UUID = Field(alias="ownershipId")
    premises_file: FileRef | None = Field(
        default=None,
        alias="premisesFile",
        description="Документи про приміщення",
    )


class StaffStatus(BaseModel):
    """Entity ``staff_status`` (createTable at data-model/createTables.xml:69): Довідник статусів
    співробітників.
    """

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    staff_status_id: UUID | None = Field(
        default=None,
        alias="staffStatusId",
        description="Ідентифікатор статусів співробітників",
    )
    name: str = Field(alias="name", description="Назва статуса співробітника")


class Staff(BaseModel):
    """Entity ``staff`` (createTable at data-model/createTables.xml:79): Кадровий склад."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    staff_id: UUID | None = Field(default=None, alias="staffId", description="Ідентифікатор кадрової одиниці")
    laboratory_id: UUID = Field(alias="laboratoryId", description="Ідентифікатор лабораторії")
    staff_status_id: UUID = Field(alias="staffStatusId", description="Ідентифікатор статусів співробітників")
    full_name: str = Field(alias="fullName", description="Прізвище, ім'я, по батькові")
    hygienist_flag: bool = Field(
        alias="hygienistFlag",
        description="Лікар з гігієни праці (true) / Лаборант (false)",
    )
    hygienist_certificate_file: FileRef | None = Field(
        default=None,
        alias="hygienistCertificateFile",
        description="Сертифікат для лікаря з гігієни праці",
    )
