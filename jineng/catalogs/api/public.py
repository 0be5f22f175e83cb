"""Public reads of the catalogs API: no token needed; drafts only for catalog editors."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema

from jineng.api.auth import AUTH
from jineng.api.errors import responses
from jineng.api.schemas import MAX_ID, ObjectId, Page, PageParams, paginate
from jineng.catalogs import access, queries
from jineng.catalogs.api.routing import router
from jineng.catalogs.api.schemas import (
    CatalogChangeOut,
    CatalogDiffOut,
    CatalogEntriesOut,
    CatalogHistoryItemOut,
    CatalogSummaryOut,
    CatalogVersionOut,
)
from jineng.catalogs.choices import CatalogKind, TrainingType
from jineng.catalogs.models import CatalogVersion
from jineng.core.errors import NotFound


def anonymous(request: HttpRequest) -> Any:
    """Let a request without credentials through as the public; a bad token still gets 401."""
    if request.headers.get("Authorization"):
        return None
    return AnonymousUser()


# Token or session when given (editors then also see drafts), else the public.
PUBLIC = [*AUTH, anonymous]
# Declare that these reads also answer without credentials: the empty requirement {},
# added to the bearer and session schemes ninja lists.
PUBLIC_OPENAPI: dict[str, Any] = {"security": [{}]}


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


class CatalogEntryQuery(Schema):
    """Ways to search a catalog's entries."""

    on: datetime.date | None = Field(None, description="The day whose version to read; today.")
    q: str = Field("", max_length=100, description="Words in the occupation, item or organisation.")
    occupation: str = Field("", max_length=20, description="An occupation code or its beginning.")
    level: str = Field("", max_length=50, description="A skill level code, e.g. `level5`.")
    town: str = Field("", max_length=12, description="A township code.")
    target_group: str = Field("", max_length=40, description="Entries open to this group.")
    training_type: TrainingType | None = None
    organization: str = Field("", max_length=32, description="An organisation's credit code.")


def _filters(query: CatalogEntryQuery) -> queries.EntryFilters:
    return queries.EntryFilters(
        q=query.q,
        occupation=query.occupation,
        level=query.level,
        town=query.town,
        target_group=query.target_group,
        training_type=query.training_type or "",
        organization=query.organization,
    )


def _page_of_entries(
    version: CatalogVersion | None, query: CatalogEntryQuery, page: PageParams
) -> dict[str, Any]:
    if version is None:
        return {
            "version": None,
            "count": 0,
            "limit": page.limit,
            "offset": page.offset,
            "items": [],
        }
    return {"version": version, **paginate(queries.version_entries(version, _filters(query)), page)}


def _version(request: HttpRequest, version_id: int) -> CatalogVersion:
    return access.get_version_for_user(_user(request), version_id)


@router.get(
    "/catalogs",
    response={200: list[CatalogSummaryOut], **responses(401)},
    auth=PUBLIC,
    openapi_extra=PUBLIC_OPENAPI,
    summary="List the four catalogs",
    url_name="catalog_list",
)
def list_catalogs(request: HttpRequest) -> list[dict[str, Any]]:
    """The four catalogs with the version in force today and any coming one."""
    today = timezone.localdate()
    return [
        {
            "kind": kind.value,
            "name": str(kind.label),
            "current": queries.current_version(kind, today),
            "upcoming": queries.upcoming_version(kind, today),
        }
        for kind in CatalogKind
    ]


@router.get(
    "/catalogs/{kind}/entries",
    response={200: CatalogEntriesOut, **responses(400, 401)},
    auth=PUBLIC,
    openapi_extra=PUBLIC_OPENAPI,
    summary="Search the version of a catalog in force on a day",
    url_name="catalog_entries",
)
def list_current_entries(
    request: HttpRequest,
    kind: CatalogKind,
    query: Query[CatalogEntryQuery],
    page: Query[PageParams],
) -> dict[str, Any]:
    """Entries of the version in force on `on` (today by default), filtered."""
    version = queries.current_version(kind, query.on or timezone.localdate())
    return _page_of_entries(version, query, page)


@router.get(
    "/catalogs/{kind}/versions",
    response={200: list[CatalogVersionOut], **responses(400, 401)},
    auth=PUBLIC,
    openapi_extra=PUBLIC_OPENAPI,
    summary="List a catalog's versions",
    url_name="catalog_versions",
)
def list_versions(request: HttpRequest, kind: CatalogKind) -> Any:
    """Published versions, newest first; catalog editors also see drafts."""
    return (
        CatalogVersion.objects.visible_to(_user(request))
        .filter(catalog__kind=kind)
        .select_related("catalog", "based_on")
        .order_by("-number")
    )


@router.get(
    "/catalogs/{kind}/changes",
    response={200: Page[CatalogChangeOut], **responses(400, 401)},
    auth=PUBLIC,
    openapi_extra=PUBLIC_OPENAPI,
    summary="Read a catalog's change log",
    url_name="catalog_changes",
)
def list_changes(request: HttpRequest, kind: CatalogKind, page: Query[PageParams]) -> Any:
    """Every published change with its reason, grounds, organisation and appeals."""
    return paginate(queries.change_log(kind), page)


class CatalogHistoryQuery(Schema):
    key: str = Field(max_length=200, description="The entry's key.")


@router.get(
    "/catalogs/{kind}/history",
    response={200: list[CatalogHistoryItemOut], **responses(400, 401, 404)},
    auth=PUBLIC,
    openapi_extra=PUBLIC_OPENAPI,
    summary="Follow one entry across published versions",
    url_name="catalog_entry_history",
)
def entry_history(
    request: HttpRequest, kind: CatalogKind, query: Query[CatalogHistoryQuery]
) -> Any:
    """The entry in each published version, oldest first, with the change that touched it."""
    items = queries.entry_history(kind, query.key)
    if not items:
        raise NotFound(_("No entry {key} in any published version.").format(key=query.key))
    return [
        {
            "version": item.version.number,
            "effective_from": item.version.effective_from,
            "entry": item.snapshot,
            "change": item.change,
        }
        for item in items
    ]


@router.get(
    "/catalog-versions/{version_id}",
    response={200: CatalogVersionOut, **responses(400, 401, 404)},
    auth=PUBLIC,
    openapi_extra=PUBLIC_OPENAPI,
    summary="Get a catalog version",
    url_name="catalog_version_detail",
)
def get_version(request: HttpRequest, version_id: ObjectId) -> CatalogVersion:
    """A published version, or a draft for catalog editors (404 otherwise)."""
    return _version(request, version_id)


@router.get(
    "/catalog-versions/{version_id}/entries",
    response={200: CatalogEntriesOut, **responses(400, 401, 404)},
    auth=PUBLIC,
    openapi_extra=PUBLIC_OPENAPI,
    summary="List a version's entries",
    url_name="catalog_version_entries",
)
def list_version_entries(
    request: HttpRequest,
    version_id: ObjectId,
    query: Query[CatalogEntryQuery],
    page: Query[PageParams],
) -> dict[str, Any]:
    """Entries of one version, filtered like the current ones (`on` is ignored)."""
    return _page_of_entries(_version(request, version_id), query, page)


class CatalogDiffQuery(Schema):
    against: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="Id of the version to compare with; default: the one it was based on.",
    )


@router.get(
    "/catalog-versions/{version_id}/diff",
    response={200: CatalogDiffOut, **responses(400, 401, 404)},
    auth=PUBLIC,
    openapi_extra=PUBLIC_OPENAPI,
    summary="Compare two versions of a catalog",
    url_name="catalog_version_diff",
)
def diff_versions(
    request: HttpRequest, version_id: ObjectId, query: Query[CatalogDiffQuery]
) -> Any:
    """Entries added, removed and changed (field by field) from `against` to this version."""
    newer = _version(request, version_id)
    older = _version(request, query.against) if query.against else newer.based_on
    if older is not None and older.catalog_id != newer.catalog_id:
        raise NotFound(_("Version {id} belongs to another catalog.").format(id=older.pk))
    result = queries.diff(older, newer)
    return {
        "older": older,
        "newer": newer,
        "added": [d.as_dict() for d in result.added],
        "removed": [d.as_dict() for d in result.removed],
        "changed": [d.as_dict() for d in result.changed],
    }
