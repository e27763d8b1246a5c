"""Request and response bodies of the user registry: one model per entity and per
partial update. JSON properties are the camelCase column names; unknown properties are ignored.

Generated from the regulation; do not edit.
"""

from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from schemas.wire import FileRef


class City(BaseModel):
    """Entity ``city`` (createTable at data-model/createTables.xml:14): Cities."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    city_id: UUID | None = Field(default=None, alias="cityId")
    name: str = Field(alias="name", description="City name")


class User(BaseModel):
    """Entity ``user`` (createTable at data-model/createTables.xml:27): Registry users."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    user_id: UUID | None = Field(default=None, alias="userId")
    name: str = Field(alias="name", description="Full name")
    email: str | None = Field(default=None, alias="email", description="E-mail")
    city_id: UUID | None = Field(default=None, alias="cityId", description="City of residence")
    photo: FileRef | None = Field(default=None, alias="photo", description="Photo")
    documents: list[FileRef] | None = Field(default=None, alias="documents", description="Scanned documents")
