"""Schemas and helpers shared by the apps' API modules."""

from __future__ import annotations

import json
from typing import Annotated, Any, Generic, TypeVar

from django.db.models import QuerySet
from ninja import Field, Path, Query, Schema
from ninja.responses import NinjaJSONEncoder

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

Item = TypeVar("Item")

# Primary keys, offsets and counts are 64-bit in the database (SQLite's INTEGER, PostgreSQL's
# bigint): a larger number is refused as invalid before it reaches the database, which would
# fail on it (SQLite) or compare it as another type (PostgreSQL).
MAX_ID = 2**63 - 1

# Every id in an API path: a positive 64-bit number.
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID, description="The object's id.")]
# Every optional id in an API query string: a positive 64-bit number.
QueryId = Annotated[int | None, Query(None, ge=1, le=MAX_ID, description="The object's id.")]


class RegionOut(Schema):
    """A region by its official code and name."""

    code: str
    name: str


class PageParams(Schema):
    """Limit/offset pagination of a list."""

    limit: int = Field(
        default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page (1–200)."
    )
    offset: int = Field(default=0, ge=0, le=MAX_ID, description="Items to skip.")


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
