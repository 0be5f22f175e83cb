"""REST endpoints of training delivery (培训): classes, their workflow and enrolments."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from jineng.api.auth import actor
from jineng.api.errors import responses
from jineng.api.idempotency import IdempotencyKeyHeader, Outcome, idempotent
from jineng.api.schemas import ObjectId, Page, PageParams, QueryId, dump, paginate
from jineng.core.errors import NotFound, ValidationFailed
from jineng.core.scope import CHANGE
from jineng.training import queries, services
from jineng.training.access import get_class_for_user
from jineng.training.choices import ClassMode, ClassStatus, EnrolmentStatus
from jineng.training.models import Enrolment, TrainingClass

router = Router(tags=["training"])


class TrainingClassOut(Schema):
    """One training class with its programme, institution and seat counts."""

    id: int
    code: str
    programme: str
    institution: str
    occupation_code: str
    occupation: str
    status: ClassStatus
    mode: ClassMode
    capacity: int
    enrolled: int
    waitlisted: int
    starts_on: datetime.date
    ends_on: datetime.date
    town: str | None
    is_subsidised: bool
    required_hours: int

    @staticmethod
    def resolve_programme(obj: TrainingClass) -> str:
        return obj.programme.name

    @staticmethod
    def resolve_institution(obj: TrainingClass) -> str:
        return obj.programme.organization.name

    @staticmethod
    def resolve_occupation_code(obj: TrainingClass) -> str:
        return obj.programme.occupation.code

    @staticmethod
    def resolve_occupation(obj: TrainingClass) -> str:
        return obj.programme.occupation.name

    @staticmethod
    def resolve_enrolled(obj: TrainingClass) -> int:
        return int(getattr(obj, "enrolled_count", 0))

    @staticmethod
    def resolve_waitlisted(obj: TrainingClass) -> int:
        return int(getattr(obj, "waitlisted_count", 0))

    @staticmethod
    def resolve_town(obj: TrainingClass) -> str | None:
        return obj.region.name if obj.region else None

    @staticmethod
    def resolve_is_subsidised(obj: TrainingClass) -> bool:
        return obj.programme.is_subsidised

    @staticmethod
    def resolve_required_hours(obj: TrainingClass) -> int:
        return obj.programme.required_hours


class TrainingEnrolmentOut(Schema):
    """A person's place in a class (masked identity)."""

    id: int
    class_id: int
    class_code: str
    person_id: int
    name: str
    status: EnrolmentStatus
    waitlist_position: int | None
    result_note: str

    @staticmethod
    def resolve_class_id(obj: Enrolment) -> int:
        return obj.training_class_id

    @staticmethod
    def resolve_result_note(obj: Enrolment) -> str:
        return obj.result

    @staticmethod
    def resolve_class_code(obj: Enrolment) -> str:
        return obj.training_class.code

    @staticmethod
    def resolve_name(obj: Enrolment) -> str:
        return obj.person.name


class TrainingEnrolmentIn(Schema):
    """Whom to enrol: a person in the caller's scope by id, or a new trainee by ID card.

    A worker names themself by ``person_id``. Institution staff name a person already in
    their scope by ``person_id``, or bring in a new trainee with both the ``id_number`` and
    the ``name`` printed on the person's ID card.
    """

    person_id: int | None = Field(None, ge=1, le=2**63 - 1)
    id_number: str | None = Field(
        None, max_length=32, description="The citizen ID on the ID card (with `name`)."
    )
    name: str | None = Field(
        None, max_length=50, description="The name on the ID card (with `id_number`)."
    )


class TrainingTransferIn(Schema):
    """The class of the same institution to move the trainee to."""

    to_class_id: int = Field(ge=1, le=2**63 - 1)


class TrainingTransitionIn(Schema):
    """A workflow move and, for a return, the reason."""

    to: ClassStatus
    note: str = Field("", max_length=2000)


class TrainingClassFilters(Schema):
    """Filters of the class search (找培训)."""

    occupation: str = Field("", max_length=50)
    town: str = Field("", max_length=50)
    starts_after: datetime.date | None = None
    starts_before: datetime.date | None = None
    subsidised: bool | None = None
    status: ClassStatus | None = None


def _enrolments_for(user: Any) -> Any:
    """Enrolments the user may see: their classes' (staff, bureau) or their own (worker)."""
    return (
        Enrolment.objects.visible_to(user).select_related("training_class", "person").order_by("pk")
    )


@router.get(
    "/training/classes",
    response={200: Page[TrainingClassOut], **responses(400, 401)},
    summary="List training classes",
    url_name="training_class_list",
)
def list_classes(
    request: HttpRequest, filters: Query[TrainingClassFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """List classes in scope (workers see approved and running ones), by start date."""
    rows = TrainingClass.objects.visible_to(actor(request))
    if filters.status:
        rows = rows.filter(status=filters.status)
    found = queries.search_classes(
        {
            "occupation": filters.occupation,
            "town": filters.town,
            "starts_after": filters.starts_after.isoformat() if filters.starts_after else "",
            "starts_before": filters.starts_before.isoformat() if filters.starts_before else "",
            "subsidised": "" if filters.subsidised is None else str(filters.subsidised).lower(),
        },
        base=rows,
    )
    return paginate(found, page)


@router.get(
    "/training/classes/{class_id}",
    response={200: TrainingClassOut, **responses(400, 401, 404)},
    summary="Read a training class",
    url_name="training_class_detail",
)
def get_class(request: HttpRequest, class_id: ObjectId) -> TrainingClass:
    """Return one class in scope."""
    found = get_class_for_user(actor(request), class_id)
    return queries.with_counts(TrainingClass.objects.all()).get(pk=found.pk)


@router.post(
    "/training/classes/{class_id}/transitions",
    response={200: TrainingClassOut, **responses(400, 401, 403, 404, 409)},
    summary="Move a class through its workflow",
    url_name="training_class_transition",
)
def transition_class(
    request: HttpRequest, class_id: ObjectId, payload: TrainingTransitionIn
) -> TrainingClass:
    """Submit, approve, return, start or archive a class; close it with completion.

    Approval (the bureau's of a subsidised class, the institution's own of any other) is
    refused with 400 `approval_refused` and every reason: outside the institution's
    accredited scope on the class's dates, more places than a venue seats, and for a
    subsidised class its catalog entry and timetable.
    """
    user = actor(request)
    get_class_for_user(user, class_id, action=CHANGE)
    if payload.to == ClassStatus.CLOSED:
        services.close_class(class_id, actor=user, note=payload.note)
    else:
        services.transition(class_id, payload.to, actor=user, note=payload.note)
    return queries.with_counts(TrainingClass.objects.all()).get(pk=class_id)


def _check_enrolment_in(payload: TrainingEnrolmentIn) -> None:
    """Refuse a body that names nobody, or a person both ways at once."""
    by_card = bool(payload.id_number or payload.name)
    if (payload.person_id is None) == (not by_card):
        raise ValidationFailed(
            _("Give either person_id, or id_number together with name."), field="person_id"
        )
    if by_card and not (payload.id_number and payload.name):
        field = "name" if payload.id_number else "id_number"
        raise ValidationFailed(
            _("Give both the citizen ID and the name on the ID card."), field=field
        )


@router.post(
    "/training/classes/{class_id}/enrolments",
    response={201: TrainingEnrolmentOut, **responses(400, 401, 403, 404, 409, 422)},
    summary="Enrol a person in a class",
    url_name="training_enrol",
)
def enrol(
    request: HttpRequest,
    class_id: ObjectId,
    payload: TrainingEnrolmentIn,
    idempotency_key: IdempotencyKeyHeader = None,
) -> HttpResponse:
    """Enrol a person, or waitlist them when the class is full; never oversell.

    Staff bring in someone outside their scope only with the ID and name on the ID card; a
    wrong name answers 404 exactly like an unknown ID. Refusals: 409 `already_enrolled`,
    `class_full`, `same_programme_enrolled` (another place in the programme) or
    `overlapping_enrolment` (a place in a class whose sessions overlap; the other class is
    named only to a caller who may see it); 400 `not_eligible` with `reasons`, or
    `not_accredited` when the institution's licence no longer covers the class.
    """
    user = actor(request)
    get_class_for_user(user, class_id)
    _check_enrolment_in(payload)

    def create() -> Outcome:
        if payload.person_id is not None:
            enrolment = services.enrol(class_id, payload.person_id, actor=user)
        else:
            enrolment = services.enrol_by_id_card(
                class_id, payload.id_number or "", payload.name or "", actor=user
            )
        row = Enrolment.objects.select_related("training_class", "person").get(pk=enrolment.pk)
        return Outcome(status=201, body=dump(TrainingEnrolmentOut, row))

    return idempotent(request, user, idempotency_key, create)


@router.get(
    "/training/enrolments",
    response={200: Page[TrainingEnrolmentOut], **responses(400, 401)},
    summary="List enrolments",
    url_name="training_enrolment_list",
)
def list_enrolments(
    request: HttpRequest, page: Query[PageParams], class_id: QueryId = None
) -> dict[str, Any]:
    """List enrolments in scope: a worker's own, an institution's classes', or all (bureau)."""
    rows = _enrolments_for(actor(request))
    if class_id:
        rows = rows.filter(training_class_id=class_id)
    return paginate(rows, page)


@router.post(
    "/training/enrolments/{enrolment_id}/withdraw",
    response={200: TrainingEnrolmentOut, **responses(400, 401, 403, 404)},
    summary="Withdraw an enrolment",
    url_name="training_withdraw",
)
def withdraw(request: HttpRequest, enrolment_id: ObjectId) -> Enrolment:
    """Withdraw a place; a freed seat goes to the first person on the waitlist."""
    user = actor(request)
    if not _enrolments_for(user).filter(pk=enrolment_id).exists():
        raise NotFound(_("No such enrolment."))
    services.withdraw(enrolment_id, actor=user)
    return Enrolment.objects.select_related("training_class", "person").get(pk=enrolment_id)


@router.post(
    "/training/enrolments/{enrolment_id}/transfer",
    response={200: TrainingEnrolmentOut, **responses(400, 401, 403, 404, 409)},
    summary="Transfer an enrolment to another class",
    url_name="training_transfer",
)
def transfer(
    request: HttpRequest, enrolment_id: ObjectId, payload: TrainingTransferIn
) -> Enrolment:
    """Move a trainee to another class of the same institution; returns the new place.

    Both classes are locked in id order; a freed seat goes to the first on the waitlist.
    """
    user = actor(request)
    if not _enrolments_for(user).filter(pk=enrolment_id).exists():
        raise NotFound(_("No such enrolment."))
    placed = services.transfer(enrolment_id, payload.to_class_id, actor=user)
    return Enrolment.objects.select_related("training_class", "person").get(pk=placed.pk)
