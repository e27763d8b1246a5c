"""Enum endpoints: ``GET /enum/{type}`` → ``[{"code", "name"}]`` and ``GET /enum/{type}/{code}``.

An enum's labels are fixed by the regulation, so generated routers pass them in as constants and
nothing here touches the database."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from registry_api.errors import ApiError, ErrorCode


class EnumItem(BaseModel):
    """One label of an enum: its code and the human name (the regulation's ``translation``)."""

    code: str
    name: str


def enum_items(labels: Sequence[tuple[str, str]]) -> list[EnumItem]:
    return [EnumItem(code=code, name=name) for code, name in labels]


def enum_item(enum_name: str, items: Sequence[EnumItem], code: str) -> EnumItem:
    for item in items:
        if item.code == code:
            return item
    raise ApiError(ErrorCode.NOT_FOUND, f"{enum_name} has no label {code!r}.")
