"""REST endpoints for accreditation (资质认定): apply, upload, decide, suspend, withdraw, check."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile

from jineng.accreditations import access, queries, services, uploads
from jineng.accreditations.choices import (
    AccreditationKind,
    AccreditationStatus,
    ApplicationStatus,
    EvaluationKind,
)
from jineng.accreditations.models import (
    Accreditation,
    AccreditationApplication,
    AccreditationQuerySet,
    ApplicationDocument,
)
from jineng.api.auth import actor
from jineng.api.errors import responses
from jineng.api.idempotency import IdempotencyKeyHeader, Outcome, idempotent
from jineng.api.schemas import ObjectId, Page, PageParams, dump, paginate
from jineng.core.errors import NotFound, ValidationFailed
from jineng.occupations.models import Occupation, SkillLevel
from jineng.organizations.models import Organization

router = Router(tags=["accreditations"])


class AccreditedOrganizationOut(Schema):
    """The organisation an application or licence belongs to."""

    id: int
    credit_code: str
    name: str


class AccreditationCodeNameOut(Schema):
    """An occupation or skill level by code and name."""

    code: str
    name: str


class AccreditationApplicationIn(Schema):
    """What an organisation's staff send to apply; the organisation is the caller's own."""

    kind: AccreditationKind
    occupation_code: str = Field(
        max_length=20, description="An occupation, or a category to cover all under it."
    )
    max_level_code: str = Field(max_length=20, description="Highest skill level, e.g. `level4`.")
    evaluation_kind: EvaluationKind | None = Field(None, description="Evaluation bodies only.")
    statement: str = Field("", max_length=2000)


class ApplicationDocumentOut(Schema):
    """A supporting document; `url` downloads it (applicant's staff and the bureau only)."""

    id: int
    url: str
    title: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime.datetime

    @staticmethod
    def resolve_url(obj: ApplicationDocument) -> str:
        return reverse(
            "api:accreditation_document",
            kwargs={"application_id": obj.application_id, "document_id": obj.pk},
        )


class AccreditationApplicationOut(Schema):
    """An accreditation application and where it stands."""

    id: int
    url: str
    organization: AccreditedOrganizationOut
    kind: str
    occupation: AccreditationCodeNameOut
    max_level: AccreditationCodeNameOut
    evaluation_kind: str
    statement: str
    status: ApplicationStatus
    submitted_at: datetime.datetime
    decided_at: datetime.datetime | None
    decision_reasons: str
    documents: list[ApplicationDocumentOut]
    accreditation_id: int | None = Field(description="The licence granted, once approved.")

    @staticmethod
    def resolve_url(obj: AccreditationApplication) -> str:
        return reverse("api:accreditation_application", kwargs={"application_id": obj.pk})

    @staticmethod
    def resolve_submitted_at(obj: AccreditationApplication) -> datetime.datetime:
        return obj.created_at

    @staticmethod
    def resolve_documents(obj: AccreditationApplication) -> list[ApplicationDocument]:
        return list(obj.documents.all())

    @staticmethod
    def resolve_accreditation_id(obj: AccreditationApplication) -> int | None:
        licence = getattr(obj, "accreditation", None) if obj.status == "approved" else None
        return licence.pk if licence else None


class AccreditationApprovalIn(Schema):
    """The bureau's grant."""

    licence_number: str = Field(max_length=50)
    valid_from: datetime.date
    valid_until: datetime.date = Field(description="The last day of validity (inclusive).")
    max_level_code: str = Field(
        "", max_length=20, description="A level at or below the one applied for; empty = same."
    )
    note: str = Field("", max_length=2000)


class AccreditationRejectIn(Schema):
    """Why the application is refused; the organisation reads this."""

    reasons: str = Field(min_length=1, max_length=2000)


class AccreditationReasonIn(Schema):
    """Why the bureau suspends a licence or lifts a suspension (from today)."""

    reason: str = Field(min_length=1, max_length=2000)


class AccreditationWithdrawIn(AccreditationReasonIn):
    """Why, and from which day (today or later), a licence is withdrawn."""

    effective_on: datetime.date | None = Field(None, description="Empty means today.")


class AccreditationSuspensionOut(Schema):
    """One suspension: from `starts_on` up to the day before `ends_on` (empty while open)."""

    starts_on: datetime.date
    ends_on: datetime.date | None
    reason: str
    lift_reason: str


class AccreditationOut(Schema):
    """A licence with its status on the requested date (today by default)."""

    id: int
    url: str
    licence_number: str
    organization: AccreditedOrganizationOut
    kind: str
    occupation: AccreditationCodeNameOut
    max_level: AccreditationCodeNameOut
    evaluation_kind: str
    valid_from: datetime.date
    valid_until: datetime.date = Field(description="The last day of validity (inclusive).")
    withdrawn_on: datetime.date | None = Field(description="First day no longer valid.")
    withdrawal_reason: str
    status: AccreditationStatus
    suspensions: list[AccreditationSuspensionOut]
    application_id: int

    @staticmethod
    def resolve_url(obj: Accreditation) -> str:
        return reverse("api:accreditation_detail", kwargs={"accreditation_id": obj.pk})

    @staticmethod
    def resolve_status(obj: Accreditation) -> str:
        annotated = getattr(obj, "status", None)
        return annotated or obj.status_on(timezone.localdate())

    @staticmethod
    def resolve_suspensions(obj: Accreditation) -> list[Any]:
        return list(obj.suspensions.all())


class AccreditationApplicationFilters(Schema):
    """Filter applications."""

    status: ApplicationStatus | None = None
    kind: AccreditationKind | None = None


class AccreditationFilters(Schema):
    """Filter licences; `status` is the status on `on` (today by default)."""

    kind: AccreditationKind | None = None
    status: AccreditationStatus | None = None
    organization: str | None = Field(None, max_length=18, description="Credit code.")
    occupation: str | None = Field(None, max_length=20, description="Exact occupation code.")
    on: datetime.date | None = Field(None, description="Date for status; default today.")


class AccreditationCheckParams(Schema):
    """The question is_accredited answers."""

    organization: str = Field(max_length=18, description="Unified social credit code.")
    occupation: str = Field(max_length=20, description="Occupation code.")
    level: str | None = Field(None, max_length=20, description="Skill-level code; none = any.")
    kind: AccreditationKind
    evaluation_kind: EvaluationKind | None = None
    on: datetime.date | None = Field(None, description="Default today.")


class AccreditationCheckOut(Schema):
    """The answer: whether a licence in force on that date covers the question."""

    accredited: bool
    on: datetime.date


def applications_for(user: Any) -> Any:
    """Applications in the caller's scope with what AccreditationApplicationOut needs."""
    return (
        AccreditationApplication.objects.visible_to(user)
        .select_related("organization", "occupation", "max_level", "accreditation")
        .prefetch_related("documents")
    )


def licences_for(user: Any, on_date: datetime.date) -> AccreditationQuerySet:
    """Licences in the caller's scope with their status on a date."""
    return (
        Accreditation.objects.visible_to(user)
        .with_status(on_date)
        .select_related("organization", "occupation", "max_level")
        .prefetch_related("suspensions")
    )


@router.post(
    "/accreditation-applications",
    response={201: AccreditationApplicationOut, **responses(400, 401, 403, 409, 422)},
    summary="Apply for accreditation",
    url_name="accreditation_application_create",
)
def create_application(
    request: HttpRequest,
    payload: AccreditationApplicationIn,
    idempotency_key: IdempotencyKeyHeader = None,
) -> HttpResponse:
    """File an application for the caller's own organisation (institution or evaluator staff).

    Documents are added afterwards with `POST .../{application_id}/documents`.
    """
    user = actor(request)

    def create() -> Outcome:
        data = payload.model_dump()
        data["evaluation_kind"] = data["evaluation_kind"] or ""
        application = services.apply_for_accreditation(
            services.ApplicationInput(**data), actor=user
        )
        body = dump(AccreditationApplicationOut, applications_for(user).get(pk=application.pk))
        return Outcome(status=201, body=body, headers={"Location": body["url"]})

    return idempotent(request, user, idempotency_key, create)


@router.get(
    "/accreditation-applications",
    response={200: Page[AccreditationApplicationOut], **responses(400, 401)},
    summary="List accreditation applications",
    url_name="accreditation_application_list",
)
def list_applications(
    request: HttpRequest, filters: Query[AccreditationApplicationFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """List applications in scope, newest first: all for the bureau, own for staff."""
    applications = applications_for(actor(request))
    if filters.status:
        applications = applications.filter(status=filters.status)
    if filters.kind:
        applications = applications.filter(kind=filters.kind)
    return paginate(applications, page)


@router.get(
    "/accreditation-applications/{application_id}",
    response={200: AccreditationApplicationOut, **responses(400, 401, 404)},
    summary="Get an accreditation application",
    url_name="accreditation_application",
)
def get_application(request: HttpRequest, application_id: ObjectId) -> AccreditationApplication:
    """Return one application in scope (404 outside it)."""
    user = actor(request)
    application = access.get_application_for_user(user, application_id)
    return applications_for(user).get(pk=application.pk)


@router.post(
    "/accreditation-applications/{application_id}/documents",
    response={201: ApplicationDocumentOut, **responses(400, 401, 403, 404, 409)},
    summary="Add a document to an application",
    url_name="accreditation_document_create",
)
def add_document(
    request: HttpRequest,
    application_id: ObjectId,
    title: Form[str],
    file: File[UploadedFile],
) -> Status[ApplicationDocument]:
    """Upload a PDF, JPEG or PNG (checked by content, not name) to a pending application."""
    user = actor(request)
    document = services.add_document(
        application_id, file, name=file.name or "", size=file.size, title=title, actor=user
    )
    return Status(201, document)


@router.get(
    "/accreditation-applications/{application_id}/documents/{document_id}",
    response={200: None, **responses(400, 401, 404)},
    summary="Download a document",
    url_name="accreditation_document",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file, as PDF, JPEG or PNG.",
                "content": {
                    t: {"schema": {"type": "string", "format": "binary"}}
                    for t in (ft.mime for ft in uploads.ACCEPTED_TYPES)
                },
            }
        }
    },
)
def download_document(
    request: HttpRequest, application_id: ObjectId, document_id: ObjectId
) -> FileResponse:
    """Return a document to the applicant's staff and the bureau; 404 for everyone else."""
    document = access.get_document_for_user(actor(request), application_id, document_id)
    path = uploads.path_of(document.storage_name)
    if not path.is_file():
        raise NotFound(_("The stored file is missing."))
    response = FileResponse(
        path.open("rb"),
        content_type=document.content_type,
        as_attachment=True,
        filename=document.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@router.post(
    "/accreditation-applications/{application_id}/approve",
    response={201: AccreditationOut, **responses(400, 401, 403, 404, 409)},
    summary="Approve an application",
    url_name="accreditation_application_approve",
)
def approve_application(
    request: HttpRequest, application_id: ObjectId, payload: AccreditationApprovalIn
) -> Status[Accreditation]:
    """Grant the licence (bureau only); a decided application answers 409."""
    user = actor(request)
    access.get_application_for_user(user, application_id)
    licence = services.approve_application(
        application_id, services.ApprovalInput(**payload.model_dump()), actor=user
    )
    return Status(201, licences_for(user, timezone.localdate()).get(pk=licence.pk))


@router.post(
    "/accreditation-applications/{application_id}/reject",
    response={200: AccreditationApplicationOut, **responses(400, 401, 403, 404, 409)},
    summary="Reject an application",
    url_name="accreditation_application_reject",
)
def reject_application(
    request: HttpRequest, application_id: ObjectId, payload: AccreditationRejectIn
) -> AccreditationApplication:
    """Refuse the application with reasons (bureau only); a decided one answers 409."""
    user = actor(request)
    access.get_application_for_user(user, application_id)
    services.reject_application(application_id, reasons=payload.reasons, actor=user)
    return applications_for(user).get(pk=application_id)


@router.get(
    "/accreditations",
    response={200: Page[AccreditationOut], **responses(400, 401)},
    summary="List licences",
    url_name="accreditation_list",
)
def list_accreditations(
    request: HttpRequest, filters: Query[AccreditationFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """List licences in scope with their status on a date (today by default)."""
    licences = licences_for(actor(request), filters.on or timezone.localdate())
    if filters.kind:
        licences = licences.filter(kind=filters.kind)
    if filters.status:
        # status is with_status()'s annotation, which django-stubs cannot follow there.
        licences = licences.filter(status=filters.status)  # type: ignore[misc]
    if filters.organization:
        licences = licences.filter(organization__credit_code=filters.organization.strip().upper())
    if filters.occupation:
        licences = licences.filter(occupation__code=filters.occupation.strip())
    return paginate(licences, page)


@router.get(
    "/accreditations/check",
    response={200: AccreditationCheckOut, **responses(400, 401)},
    summary="Is an organisation accredited?",
    url_name="accreditation_check",
)
def check_accreditation(
    request: HttpRequest, params: Query[AccreditationCheckParams]
) -> dict[str, Any]:
    """Answer is_accredited(organization, occupation, level, kind, on) for other systems."""
    actor(request)
    on_date = params.on or timezone.localdate()
    organization = Organization.objects.filter(
        credit_code=params.organization.strip().upper()
    ).first()
    if organization is None:
        raise ValidationFailed(
            _("No organisation has credit code {code}.").format(code=params.organization),
            field="organization",
        )
    occupation = Occupation.objects.filter(code=params.occupation.strip()).first()
    if occupation is None:
        raise ValidationFailed(
            _("Occupation code {code} is not in the classification.").format(
                code=params.occupation
            ),
            field="occupation",
        )
    level = None
    if params.level:
        level = SkillLevel.objects.filter(code=params.level.strip()).first()
        if level is None:
            raise ValidationFailed(
                _("Skill level {code} is not known.").format(code=params.level), field="level"
            )
    accredited = queries.is_accredited(
        organization,
        occupation,
        level,
        params.kind,
        on_date,
        evaluation_kind=params.evaluation_kind,
    )
    return {"accredited": accredited, "on": on_date}


@router.get(
    "/accreditations/{accreditation_id}",
    response={200: AccreditationOut, **responses(400, 401, 404)},
    summary="Get a licence",
    url_name="accreditation_detail",
)
def get_accreditation(request: HttpRequest, accreditation_id: ObjectId) -> Accreditation:
    """Return one licence in scope with its status today (404 outside scope)."""
    user = actor(request)
    licence = access.get_accreditation_for_user(user, accreditation_id)
    return licences_for(user, timezone.localdate()).get(pk=licence.pk)


def _act(request: HttpRequest, accreditation_id: int, act: Any) -> Accreditation:
    user = actor(request)
    access.get_accreditation_for_user(user, accreditation_id)
    act(user)
    return licences_for(user, timezone.localdate()).get(pk=accreditation_id)


@router.post(
    "/accreditations/{accreditation_id}/suspend",
    response={200: AccreditationOut, **responses(400, 401, 403, 404, 409)},
    summary="Suspend a licence",
    url_name="accreditation_suspend",
)
def suspend_accreditation(
    request: HttpRequest, accreditation_id: ObjectId, payload: AccreditationReasonIn
) -> Accreditation:
    """Suspend a licence from today until lifted (bureau only)."""
    return _act(
        request,
        accreditation_id,
        lambda user: services.suspend_accreditation(
            accreditation_id, reason=payload.reason, actor=user
        ),
    )


@router.post(
    "/accreditations/{accreditation_id}/lift-suspension",
    response={200: AccreditationOut, **responses(400, 401, 403, 404, 409)},
    summary="Lift a licence's suspension",
    url_name="accreditation_lift",
)
def lift_suspension(
    request: HttpRequest, accreditation_id: ObjectId, payload: AccreditationReasonIn
) -> Accreditation:
    """End the open suspension from today (bureau only)."""
    return _act(
        request,
        accreditation_id,
        lambda user: services.lift_suspension(accreditation_id, reason=payload.reason, actor=user),
    )


@router.post(
    "/accreditations/{accreditation_id}/withdraw",
    response={200: AccreditationOut, **responses(400, 401, 403, 404, 409)},
    summary="Withdraw a licence",
    url_name="accreditation_withdraw",
)
def withdraw_accreditation(
    request: HttpRequest, accreditation_id: ObjectId, payload: AccreditationWithdrawIn
) -> Accreditation:
    """Withdraw a licence from a date, today or later (bureau only)."""
    return _act(
        request,
        accreditation_id,
        lambda user: services.withdraw_accreditation(
            accreditation_id, reason=payload.reason, effective_on=payload.effective_on, actor=user
        ),
    )
