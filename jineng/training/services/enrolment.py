"""Enrol, waitlist, withdraw and transfer trainees without ever exceeding a class's capacity.

Every service locks the class row (two classes in id order for a transfer) before counting
its seats, so parallel enrolments queue on the lock instead of overselling the class.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.accounts.roles import Capability
from jineng.core import audit
from jineng.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from jineng.people.choices import AffiliationKind
from jineng.people.models import Affiliation, Person
from jineng.training import locks
from jineng.training.choices import (
    ACTIVE_ENROLMENT_STATUSES,
    ENROLLABLE_STATUSES,
    EnrolmentStatus,
)
from jineng.training.eligibility import unmet_conditions
from jineng.training.models import Enrolment, TrainingClass
from jineng.training.services.common import (
    AlreadyEnrolled,
    ClassFull,
    NotEligible,
    require_own,
)

# Waitlist places per class beyond its seats; past this a class is full.
WAITLIST_CAP = 1000


def _check_actor(actor: Any, training_class: TrainingClass, person: Person) -> None:
    """Staff enrol anyone into their own classes; a worker enrols only themself."""
    if actor.can(Capability.MANAGE_CLASSES):
        require_own(actor, training_class.programme)
        return
    if actor.can(Capability.ENROL_SELF) and actor.person_id == person.pk:
        return
    raise PermissionDenied(_("You may enrol only yourself."))


def _place(training_class: TrainingClass, person: Person) -> Enrolment:
    """Give a person a seat or a waitlist place in a locked class, checking every rule."""
    if training_class.status not in ENROLLABLE_STATUSES:
        raise ValidationFailed(
            _("Class {code} is {status} and does not take enrolments.").format(
                code=training_class.code, status=training_class.get_status_display()
            ),
            field="class",
        )
    # One query for the duplicate check, the seats taken and the end of the waitlist.
    state = Enrolment.objects.filter(
        training_class=training_class, status__in=ACTIVE_ENROLMENT_STATUSES
    ).aggregate(
        mine=Count("pk", filter=Q(person=person)),
        seated=Count("pk", filter=Q(status=EnrolmentStatus.ENROLLED)),
        last=Max("waitlist_position"),
    )
    if state["mine"]:
        raise AlreadyEnrolled(
            _("{name} is already enrolled in class {code}.").format(
                name=person.name, code=training_class.code
            ),
            field="person",
        )
    problems = unmet_conditions(person, training_class)
    if problems:
        raise NotEligible(" ".join(problems), field="person", reasons=problems)
    if state["seated"] < training_class.capacity:
        return Enrolment.objects.create(training_class=training_class, person=person)
    position = (state["last"] or 0) + 1
    if position > WAITLIST_CAP:
        raise ClassFull(
            _("Class {code} is full and its waitlist is closed.").format(code=training_class.code)
        )
    return Enrolment.objects.create(
        training_class=training_class,
        person=person,
        status=EnrolmentStatus.WAITLISTED,
        waitlist_position=position,
    )


def _affiliate(person: Person, training_class: TrainingClass) -> None:
    """Tie the trainee to the institution so its staff can see them."""
    organization_id = training_class.programme.organization_id
    exists = Affiliation.objects.filter(
        person=person,
        organization_id=organization_id,
        kind=AffiliationKind.TRAINEE,
        ended_on__isnull=True,
    ).exists()
    if not exists:
        Affiliation.objects.get_or_create(
            person=person,
            organization_id=organization_id,
            kind=AffiliationKind.TRAINEE,
            started_on=timezone.localdate(),
        )


def _audit_enrolment(actor: Any, action: str, enrolment: Enrolment, **data: Any) -> None:
    audit.record(
        actor,
        action,
        enrolment,
        person_id=enrolment.person_id,
        data={
            "class": enrolment.training_class.code,
            "status": enrolment.status,
            "waitlist_position": enrolment.waitlist_position,
            **data,
        },
    )


def _locked_class(class_id: int) -> TrainingClass:
    try:
        return locks.class_for_update(class_id)
    except TrainingClass.DoesNotExist:
        raise NotFound(_("No such training class.")) from None


@transaction.atomic(durable=True)
def enrol(class_id: int, person_id: int, *, actor: Any) -> Enrolment:
    """Enrol a person, or waitlist them when the class is full (报名); never oversell.

    Raises AlreadyEnrolled for a duplicate, NotEligible listing every unmet condition,
    ClassFull when even the waitlist is closed.
    """
    training_class = _locked_class(class_id)
    person = Person.objects.select_related("region").filter(pk=person_id).first()
    if person is None:
        raise NotFound(_("No such person."), field="person")
    _check_actor(actor, training_class, person)
    enrolment = _place(training_class, person)
    _affiliate(person, training_class)
    _audit_enrolment(actor, "training.enrolment.created", enrolment)
    return enrolment


def _promote_first(training_class: TrainingClass, actor: Any) -> Enrolment | None:
    """Give a freed seat to the first waitlisted person, if any."""
    first = (
        Enrolment.objects.filter(training_class=training_class, status=EnrolmentStatus.WAITLISTED)
        .order_by("waitlist_position", "pk")
        .first()
    )
    if first is None:
        return None
    first.status = EnrolmentStatus.ENROLLED
    first.waitlist_position = None
    first.save(update_fields=["status", "waitlist_position", "updated_at"])
    _audit_enrolment(actor, "training.enrolment.promoted", first)
    return first


def _enrolment_for(enrolment_id: int) -> Enrolment:
    enrolment = (
        Enrolment.objects.select_related("person", "training_class").filter(pk=enrolment_id).first()
    )
    if enrolment is None:
        raise NotFound(_("No such enrolment."))
    return enrolment


def _check_leave(actor: Any, enrolment: Enrolment, training_class: TrainingClass) -> None:
    if actor.can(Capability.MANAGE_CLASSES):
        require_own(actor, training_class.programme)
    elif not (actor.can(Capability.ENROL_SELF) and actor.person_id == enrolment.person_id):
        raise NotFound(_("No such enrolment."))
    if enrolment.status not in ACTIVE_ENROLMENT_STATUSES:
        raise ValidationFailed(
            _("This enrolment is {status} already.").format(status=enrolment.get_status_display()),
            field="status",
        )


@transaction.atomic(durable=True)
def withdraw(enrolment_id: int, *, actor: Any, reason: str = "") -> Enrolment:
    """Withdraw a trainee (退学/取消报名); a freed seat goes to the first on the waitlist."""
    enrolment = _enrolment_for(enrolment_id)
    training_class = _locked_class(enrolment.training_class_id)
    enrolment.refresh_from_db()
    _check_leave(actor, enrolment, training_class)
    had_seat = enrolment.status == EnrolmentStatus.ENROLLED
    enrolment.status = EnrolmentStatus.WITHDRAWN
    enrolment.waitlist_position = None
    enrolment.result_note = (reason or "").strip()[:200]
    enrolment.save()
    _audit_enrolment(actor, "training.enrolment.withdrawn", enrolment, reason=reason)
    if had_seat:
        _promote_first(training_class, actor)
    return enrolment


@transaction.atomic(durable=True)
def transfer(enrolment_id: int, to_class_id: int, *, actor: Any) -> Enrolment:
    """Move a trainee to another class of the same institution (转班); return the new place.

    Both classes are locked in id order, so opposite transfers cannot deadlock.
    """
    enrolment = _enrolment_for(enrolment_id)
    from_id = enrolment.training_class_id
    if to_class_id == from_id:
        raise ValidationFailed(_("Choose a different class."), field="to_class")
    classes = locks.classes_for_update(sorted({from_id, to_class_id}))
    if to_class_id not in classes:
        raise NotFound(_("No such training class."), field="to_class")
    source, target = classes[from_id], classes[to_class_id]
    enrolment.refresh_from_db()
    _check_leave(actor, enrolment, source)
    if source.programme.organization_id != target.programme.organization_id:
        raise NotFound(_("No such training class."), field="to_class")
    person = Person.objects.select_related("region").get(pk=enrolment.person_id)
    placed = _place(target, person)
    had_seat = enrolment.status == EnrolmentStatus.ENROLLED
    enrolment.status = EnrolmentStatus.TRANSFERRED
    enrolment.waitlist_position = None
    enrolment.transferred_to = placed
    enrolment.save()
    _audit_enrolment(actor, "training.enrolment.transferred", enrolment, to=target.code)
    _audit_enrolment(actor, "training.enrolment.created", placed, transferred_from=source.code)
    if had_seat:
        _promote_first(source, actor)
    return placed


@dataclass
class RowError:
    """One refused row of a bulk enrolment file."""

    row: int
    field: str
    detail: str


@dataclass
class BulkResult:
    """What a bulk enrolment did: counts and every refused row."""

    enrolled: int = 0
    waitlisted: int = 0
    errors: list[RowError] = field(default_factory=list)


ID_HEADERS = ("身份证号", "身份证号码", "公民身份号码", "id_number", "citizen id")


@transaction.atomic(durable=True)
def enrol_bulk(class_id: int, source: Any, *, actor: Any) -> BulkResult:
    """Enrol the people listed by citizen ID in a csv/xlsx file; report every refused row.

    Good rows are enrolled (or waitlisted) and bad rows reported with their reason.
    """
    from jineng.people.importers.reader import open_sheet

    training_class = _locked_class(class_id)
    if not actor.can(Capability.MANAGE_CLASSES):
        raise PermissionDenied(_("Your role may not do this."))
    require_own(actor, training_class.programme)
    sheet = open_sheet(source)
    header = [cell.strip().lower() for cell in sheet.header]
    column = next((i for i, h in enumerate(header) if h in ID_HEADERS), None)
    if column is None:
        raise ValidationFailed(_("The file needs a 身份证号 (citizen ID) column."), field="file")
    result = BulkResult()
    for number, cells in sheet.rows:
        id_number = cells[column].strip() if column < len(cells) else ""
        if not id_number:
            continue
        person = Person.objects.with_id_number(id_number).select_related("region").first()
        if person is None:
            result.errors.append(RowError(number, "id_number", _("No person has this citizen ID.")))
            continue
        try:
            with transaction.atomic():
                enrolment = _place(training_class, person)
                _affiliate(person, training_class)
        except DomainError as error:
            result.errors.append(RowError(number, "id_number", str(error.detail)))
            continue
        _audit_enrolment(actor, "training.enrolment.created", enrolment, bulk=True)
        if enrolment.status == EnrolmentStatus.ENROLLED:
            result.enrolled += 1
        else:
            result.waitlisted += 1
    audit.record(
        actor,
        "training.enrolment.imported",
        training_class,
        data={
            "file": sheet.name,
            "sha256": sheet.sha256,
            "enrolled": result.enrolled,
            "waitlisted": result.waitlisted,
            "refused": len(result.errors),
        },
    )
    return result
