"""Schemas and helpers shared by the apps' API modules."""

from __future__ import annotations

import json
from typing import Annotated, Any, Generic, TypeVar

from django.db.models import QuerySet
from ninja import Field, Path, Schema
from ninja.responses import NinjaJSONEncoder

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

Item = TypeVar("Item")

# Primary keys are 64-bit: larger numbers are refused as invalid before they reach the database.
ObjectId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The object's id.")]


class RegionOut(Schema):
    """A region by its official code and name."""

    code: str
    name: str


class PageParams(Schema):
    """Limit/offset pagination of a list."""

    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page (1–200).")
    offset: int = Field(0, ge=0, description="Items to skip.")


class Page(Schema, Generic[Item]):
    """One page of a list, with the total count of matching items."""

    count: int
    limit: int
    offset: int
    items: list[Item]


def paginate(queryset: QuerySet[Any], page: PageParams) -> dict[str, Any]:
    """Return one page of a queryset and the total count (two queries)."""
    return {
        "count": queryset.count(),
        "limit": page.limit,
        "offset": page.offset,
        "items": list(queryset[page.offset : page.offset + page.limit]),
    }


def dump(schema: type[Schema], obj: Any) -> dict[str, Any]:
    """Serialise a model instance through a schema exactly as ninja renders responses."""
    data = schema.from_orm(obj).model_dump()
    result: dict[str, Any] = json.loads(json.dumps(data, cls=NinjaJSONEncoder))
    return result
