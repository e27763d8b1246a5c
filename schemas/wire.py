"""Wire models shared by the generator and the runtime: what travels over HTTP."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SHA256_HEX = r"^[0-9a-f]{64}$"


class FileRef(BaseModel):
    """The value of a ``file`` column (a ``file[]`` column holds a list of them)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=64)
    checksum: str = Field(pattern=SHA256_HEX, description="SHA-256 of the content, lower-case hex")


class UploadedFile(BaseModel):
    """Answer of ``POST /files``."""

    model_config = ConfigDict(populate_by_name=True)

    id: str
    checksum: str
    filename: str
    size: int
    content_type: str = Field(alias="contentType")
    short_name: str = Field(alias="shortName")


class FileContent(BaseModel):
    """The ``Accept: application/json`` representation of a file (streamed, never built whole)."""

    content: str = Field(json_schema_extra={"contentEncoding": "base64"})
    checksum: str
    filename: str


class PresignedLink(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    url: str
    expires_at: datetime = Field(alias="expiresAt")


Disposition = Literal["attachment", "inline"]


class SignedLinkRequest(BaseModel):
    """Body of ``POST /files/{entity}/{entityId}/{field}/{fileId}/links`` (every member optional)."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    expires_in: int | None = Field(
        default=None,
        alias="expiresIn",
        description="Seconds until the link expires (the default and the bound are settings).",
    )
    disposition: Disposition = Field(
        default="attachment",
        description="`inline` shows images (not SVG) and PDFs in the browser; anything else is downloaded.",
    )
    max_uses: int | None = Field(
        default=None,
        alias="maxUses",
        description="How many downloads the link allows (unset: any number until it expires).",
    )


class SignedLink(BaseModel):
    """A link anyone holding it may open with a plain GET until it expires."""

    model_config = ConfigDict(populate_by_name=True)

    id: str
    url: str = Field(description="`/api/data-factory/l/<token>`, absolute when the service knows its host.")
    expires_at: datetime = Field(alias="expiresAt")
    disposition: Disposition = Field(description="How it is served: `inline` only for types safe to render.")
    max_uses: int | None = Field(alias="maxUses")


class SignedLinkInfo(BaseModel):
    """A link of a file as listed (its token is never stored, so it cannot be shown again)."""

    model_config = ConfigDict(populate_by_name=True)

    id: str
    created_at: datetime = Field(alias="createdAt")
    created_by: str | None = Field(alias="createdBy")
    expires_at: datetime = Field(alias="expiresAt")
    disposition: Disposition
    max_uses: int | None = Field(alias="maxUses")
    uses: int
    revoked_at: datetime | None = Field(alias="revokedAt")


class RevokedLinks(BaseModel):
    revoked: int = Field(description="How many links were revoked by this call.")


class EntityId(BaseModel):
    id: str


class Problem(BaseModel):
    """RFC 9457 problem details with the reference platform's members as extensions."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    code: str
    trace_id: str | None = Field(default=None, alias="traceId")
    details: Any | None = None


class SearchPage(BaseModel):
    """A page of results (search conditions with ``pagination="page"``)."""

    content: list[dict[str, Any]]
    totalElements: int  # noqa: N815 - the reference's wire name
    totalPages: int  # noqa: N815
    pageNo: int  # noqa: N815
    pageSize: int  # noqa: N815
