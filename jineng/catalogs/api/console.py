"""Writes of the catalogs API: drafts, entries, reasons, review, publication and appeals."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Status
from ninja.files import UploadedFile

from jineng.accounts.roles import Capability
from jineng.api.auth import actor
from jineng.api.errors import responses
from jineng.api.idempotency import IdempotencyKeyHeader, Outcome, idempotent
from jineng.api.schemas import ObjectId, Page, PageParams, dump, paginate
from jineng.catalogs import access, queries, services
from jineng.catalogs.api.routing import router
from jineng.catalogs.api.schemas import (
    CatalogAppealIn,
    CatalogAppealOut,
    CatalogChangeOut,
    CatalogChangesIn,
    CatalogDecisionIn,
    CatalogDraftIn,
    CatalogEntryIn,
    CatalogEntryOut,
    CatalogImportFailedOut,
    CatalogImportOut,
    CatalogPublishIn,
    CatalogVersionOut,
)
from jineng.catalogs.choices import CatalogKind
from jineng.catalogs.errors import ImportFailed
from jineng.catalogs.models import CatalogAppeal, CatalogEntry, CatalogVersion
from jineng.core.errors import PermissionDenied


def _entry_input(payload: CatalogEntryIn) -> services.EntryInput:
    data = payload.model_dump()
    data["training_type"] = data["training_type"] or ""
    data["target_groups"] = tuple(data["target_groups"])
    return services.EntryInput(**data)


def _entry(entry_id: int) -> CatalogEntry:
    return queries.with_relations(CatalogEntry.objects.filter(pk=entry_id)).get()


def _version_url(version: CatalogVersion) -> str:
    return reverse("api:catalog_version_detail", kwargs={"version_id": version.pk})


@router.post(
    "/catalogs/{kind}/drafts",
    response={201: CatalogVersionOut, **responses(400, 401, 403, 409, 422)},
    summary="Start a draft version of a catalog",
    url_name="catalog_draft_create",
)
def create_draft(
    request: HttpRequest,
    kind: CatalogKind,
    payload: CatalogDraftIn,
    idempotency_key: IdempotencyKeyHeader = None,
) -> HttpResponse:
    """Start a draft, empty or copied from the latest published version (bureau only)."""
    user = actor(request)

    def create() -> Outcome:
        version = services.create_draft(kind, actor=user, **payload.model_dump())
        version = CatalogVersion.objects.select_related("catalog", "based_on").get(pk=version.pk)
        return Outcome(201, dump(CatalogVersionOut, version), {"Location": _version_url(version)})

    return idempotent(request, user, idempotency_key, create)


@router.post(
    "/catalogs/{kind}/imports",
    response={201: CatalogImportOut, 400: CatalogImportFailedOut, **responses(401, 403, 409)},
    summary="Import a draft version from an xlsx or csv file",
    url_name="catalog_import",
)
def import_draft(
    request: HttpRequest,
    kind: CatalogKind,
    file: File[UploadedFile],
    title: Form[str],
    effective_from: Form[datetime.date | None] = None,
) -> Any:
    """Check every row; create a draft from a clean file, or list the bad rows (400).

    The caller's role is checked before the file is read, and a file over the upload limit
    is refused unread. At most the first 1,000 problems are listed; ``error_count`` counts
    all of them.
    """
    try:
        result = services.import_draft(
            kind,
            file,
            file.name or "upload.xlsx",
            title=title,
            effective_from=effective_from,
            actor=actor(request),
        )
    except ImportFailed as exc:
        return Status(400, {**exc.as_dict(), "errors": [e.as_dict() for e in exc.errors]})
    version = CatalogVersion.objects.select_related("catalog", "based_on").get(pk=result.version.pk)
    return Status(
        201,
        {
            "version": version,
            "entries": result.entries,
            "changes": result.changes,
            "unexplained": result.unexplained,
        },
    )


@router.post(
    "/catalog-versions/{version_id}/entries",
    response={201: CatalogEntryOut, **responses(400, 401, 403, 404, 409, 422)},
    summary="Add an entry to a draft",
    url_name="catalog_entry_create",
)
def add_entry(
    request: HttpRequest,
    version_id: ObjectId,
    payload: CatalogEntryIn,
    idempotency_key: IdempotencyKeyHeader = None,
) -> HttpResponse:
    """Add one entry to a draft (bureau only)."""
    user = actor(request)
    access.get_version_for_user(user, version_id)

    def create() -> Outcome:
        entry = services.add_entry(version_id, _entry_input(payload), actor=user)
        return Outcome(201, dump(CatalogEntryOut, _entry(entry.pk)))

    return idempotent(request, user, idempotency_key, create)


def _entry_for(user: Any, entry_id: int) -> CatalogEntry:
    version_id = CatalogEntry.objects.filter(pk=entry_id).values_list("version_id", flat=True)
    access.get_version_for_user(user, version_id[0] if version_id else 0)
    return _entry(entry_id)


@router.put(
    "/catalog-entries/{entry_id}",
    response={200: CatalogEntryOut, **responses(400, 401, 403, 404, 409)},
    summary="Replace an entry of a draft",
    url_name="catalog_entry_update",
)
def update_entry(request: HttpRequest, entry_id: ObjectId, payload: CatalogEntryIn) -> CatalogEntry:
    """Replace every field of one draft entry (bureau only)."""
    user = actor(request)
    _entry_for(user, entry_id)
    services.update_entry(entry_id, _entry_input(payload), actor=user)
    return _entry(entry_id)


@router.delete(
    "/catalog-entries/{entry_id}",
    response={204: None, **responses(400, 401, 403, 404, 409)},
    summary="Remove an entry from a draft",
    url_name="catalog_entry_delete",
)
def remove_entry(request: HttpRequest, entry_id: ObjectId) -> Status[None]:
    """Take one entry out of a draft (bureau only)."""
    user = actor(request)
    _entry_for(user, entry_id)
    services.remove_entry(entry_id, actor=user)
    return Status(204, None)


@router.post(
    "/catalog-versions/{version_id}/changes",
    response={200: list[CatalogChangeOut], **responses(400, 401, 403, 404, 409)},
    summary="Give the reason for differences of a draft",
    url_name="catalog_changes_record",
)
def record_changes(request: HttpRequest, version_id: ObjectId, payload: CatalogChangesIn) -> Any:
    """Record one reason and its grounds for each listed key (bureau only)."""
    user = actor(request)
    access.get_version_for_user(user, version_id)
    change = services.ChangeInput(
        payload.reason, payload.grounds_kind, payload.grounds_reference, payload.note
    )
    recorded = services.record_changes(version_id, payload.keys, change, actor=user)
    return list(
        queries.changes_of(CatalogVersion.objects.filter(pk=version_id)).filter(
            pk__in=[c.pk for c in recorded]
        )
    )


def _refetch(version_id: int) -> CatalogVersion:
    return CatalogVersion.objects.select_related("catalog", "based_on").get(pk=version_id)


@router.post(
    "/catalog-versions/{version_id}/submit",
    response={200: CatalogVersionOut, **responses(400, 401, 403, 404, 409)},
    summary="Send a draft for review",
    url_name="catalog_version_submit",
)
def submit_version(request: HttpRequest, version_id: ObjectId) -> CatalogVersion:
    """Send a draft for review once every difference has a fitting reason (bureau only)."""
    user = actor(request)
    access.get_version_for_user(user, version_id)
    services.submit_version(version_id, actor=user)
    return _refetch(version_id)


@router.post(
    "/catalog-versions/{version_id}/publish",
    response={200: CatalogVersionOut, **responses(400, 401, 403, 404, 409)},
    summary="Publish a reviewed version",
    url_name="catalog_version_publish",
)
def publish_version(
    request: HttpRequest, version_id: ObjectId, payload: CatalogPublishIn
) -> CatalogVersion:
    """Publish from a date (not in the past, after the current version's); not by its editors."""
    user = actor(request)
    access.get_version_for_user(user, version_id)
    services.publish_version(version_id, effective_from=payload.effective_from, actor=user)
    return _refetch(version_id)


def _appeal(appeal_id: int) -> CatalogAppeal:
    return CatalogAppeal.objects.select_related(
        "organization", "change", "change__version__catalog"
    ).get(pk=appeal_id)


@router.post(
    "/catalog-changes/{change_id}/appeals",
    response={201: CatalogAppealOut, **responses(400, 401, 403, 404, 409, 422)},
    summary="Appeal a removal or suspension of one's organisation",
    url_name="catalog_appeal_create",
)
def file_appeal(
    request: HttpRequest,
    change_id: ObjectId,
    payload: CatalogAppealIn,
    idempotency_key: IdempotencyKeyHeader = None,
) -> HttpResponse:
    """File an appeal; changes concerning other organisations answer 404."""
    user = actor(request)

    def create() -> Outcome:
        appeal = services.file_appeal(change_id, grounds=payload.grounds, actor=user)
        return Outcome(201, dump(CatalogAppealOut, _appeal(appeal.pk)))

    return idempotent(request, user, idempotency_key, create)


@router.get(
    "/catalog-appeals",
    response={200: Page[CatalogAppealOut], **responses(400, 401, 403)},
    summary="List appeals",
    url_name="catalog_appeal_list",
)
def list_appeals(request: HttpRequest, page: Query[PageParams]) -> Any:
    """The bureau sees every appeal; organisation staff see their organisation's."""
    user = actor(request)
    if not (user.can(Capability.DECIDE_APPEALS) or user.can(Capability.FILE_APPEALS)):
        raise PermissionDenied(_("Your role may not read appeals."))
    appeals = CatalogAppeal.objects.visible_to(user).select_related(
        "organization", "change", "change__version__catalog"
    )
    return paginate(appeals.order_by("-id"), page)


@router.post(
    "/catalog-appeals/{appeal_id}/decision",
    response={200: CatalogAppealOut, **responses(400, 401, 403, 404, 409)},
    summary="Decide an appeal",
    url_name="catalog_appeal_decide",
)
def decide_appeal(
    request: HttpRequest, appeal_id: ObjectId, payload: CatalogDecisionIn
) -> CatalogAppeal:
    """Uphold or dismiss an appeal with written reasons (bureau only)."""
    user = actor(request)
    services.decide_appeal(appeal_id, upheld=payload.upheld, decision=payload.decision, actor=user)
    return _appeal(appeal_id)
