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
from jineng.people.access import find_person_by_identity, get_person_for_user, is_visible_to
from jineng.people.choices import AffiliationBasis, AffiliationKind
from jineng.people.models import Person
from jineng.people.services import end_ties, tie_to_organization
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


def _place(training_class: TrainingClass, person: Person, *, explain: bool = True) -> Enrolment:
    """Give a person a seat or a waitlist place in a locked class, checking every rule.

    ``explain`` is False when the actor could not see the person before: a refusal then says
    only that the conditions are not met, never which (they would describe the person).
    """
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
        if not explain:
            problems = [_unexplained_refusal()]
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


def _affiliate(person: Person, training_class: TrainingClass, actor: Any) -> None:
    """Tie the trainee to the institution so its staff can see them; audited."""
    tie_to_organization(
        person,
        training_class.programme.organization_id,
        kind=AffiliationKind.TRAINEE,
        basis=AffiliationBasis.ENROLLED,
        actor=actor,
    )


def _untie_before_start(enrolment: Enrolment, training_class: TrainingClass, actor: Any) -> None:
    """End the tie an enrolment made when it is withdrawn before the class starts.

    The tie stays while the person holds, or once held, any other place with the
    institution; a tie made by registering or importing the person is never ended here.
    """
    if training_class.starts_on <= timezone.localdate():
        return
    organization_id = training_class.programme.organization_id
    others = (
        Enrolment.objects.filter(
            person_id=enrolment.person_id,
            training_class__programme__organization_id=organization_id,
        )
        .exclude(pk=enrolment.pk)
        .exclude(status=EnrolmentStatus.WITHDRAWN)
    )
    if others.exists():
        return
    end_ties(
        enrolment.person_id,
        organization_id,
        basis=AffiliationBasis.ENROLLED,
        actor=actor,
        reason="enrolment withdrawn before the class started",
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


def _unexplained_refusal() -> str:
    return _(
        "This person does not meet the class's conditions. They can see why when they look "
        "for the class themself."
    )


def _person_in_scope(actor: Any, person_id: int) -> Person:
    """The person named by id, through the people access layer (missing and hidden alike)."""
    try:
        return get_person_for_user(actor, person_id)
    except NotFound:
        raise NotFound(_("No such person."), field="person") from None


@transaction.atomic(durable=True)
def enrol(class_id: int, person_id: int, *, actor: Any) -> Enrolment:
    """Enrol a person, or waitlist them when the class is full (报名); never oversell.

    Staff name a person already in their scope; a worker names themself. Raises
    AlreadyEnrolled for a duplicate, NotEligible listing every unmet condition, ClassFull
    when even the waitlist is closed.
    """
    training_class = _locked_class(class_id)
    person = _person_in_scope(actor, person_id)
    _check_actor(actor, training_class, person)
    enrolment = _place(training_class, person)
    _affiliate(person, training_class, actor)
    _audit_enrolment(actor, "training.enrolment.created", enrolment)
    return enrolment


def _identified(id_number: str, name: str) -> Person:
    person = find_person_by_identity(id_number, name)
    if person is None:
        raise NotFound(
            _("No registered person has this citizen ID and name: check both against the ID card."),
            field="id_number",
        )
    return person


@transaction.atomic(durable=True)
def enrol_identified(class_id: int, id_number: str, name: str, *, actor: Any) -> Enrolment:
    """Enrol a new trainee whom staff identify by the citizen ID and name on their ID card.

    This is how a person outside the institution's scope comes into it: both values must
    match, a wrong name answers like an unknown ID, and a refusal never says which of the
    class's conditions such a person fails.
    """
    training_class = _locked_class(class_id)
    _require_staff(actor, training_class)
    person = _identified(id_number, name)
    enrolment = _place(training_class, person, explain=is_visible_to(actor, person))
    _affiliate(person, training_class, actor)
    _audit_enrolment(actor, "training.enrolment.created", enrolment, identified=True)
    return enrolment


def _require_staff(actor: Any, training_class: TrainingClass) -> None:
    if not actor.can(Capability.MANAGE_CLASSES):
        raise PermissionDenied(_("Your role may not do this."))
    require_own(actor, training_class.programme)


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
        Enrolment.objects.select_related("person__region", "training_class")
        .filter(pk=enrolment_id)
        .first()
    )
    if enrolment is None:
        raise NotFound(_("No such enrolment."))
    return enrolment


def _check_leave(actor: Any, enrolment: Enrolment, training_class: TrainingClass) -> None:
    """Staff move their own trainees, a worker themself; a role that only sees gets 403."""
    if actor.can(Capability.MANAGE_CLASSES):
        require_own(actor, training_class.programme)
    elif not (actor.can(Capability.ENROL_SELF) and actor.person_id == enrolment.person_id):
        if Enrolment.objects.visible_to(actor).filter(pk=enrolment.pk).exists():
            raise PermissionDenied(_("Your role may not withdraw or transfer trainees."))
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
    _untie_before_start(enrolment, training_class, actor)
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
    person = enrolment.person
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
NAME_HEADERS = ("姓名", "name")


def _columns(header: list[str]) -> tuple[int, int]:
    """Find the citizen-ID and name columns of an enrolment file, or say which is missing."""
    cells = [cell.strip().lower() for cell in header]
    id_column = next((i for i, h in enumerate(cells) if h in ID_HEADERS), None)
    name_column = next((i for i, h in enumerate(cells) if h in NAME_HEADERS), None)
    if id_column is None or name_column is None:
        raise ValidationFailed(
            _("The file needs a 身份证号 (citizen ID) column and a 姓名 (name) column."),
            field="file",
        )
    return id_column, name_column


def _cell(cells: list[str], column: int) -> str:
    return cells[column].strip() if column < len(cells) else ""


def _enrol_row(training_class: TrainingClass, id_number: str, name: str, actor: Any) -> Enrolment:
    """Place one identified person of a file, or raise the row's DomainError."""
    person = _identified(id_number, name)
    with transaction.atomic():
        enrolment = _place(training_class, person, explain=is_visible_to(actor, person))
        _affiliate(person, training_class, actor)
        _audit_enrolment(actor, "training.enrolment.created", enrolment, bulk=True)
    return enrolment


@transaction.atomic(durable=True)
def enrol_bulk(class_id: int, source: Any, *, actor: Any) -> BulkResult:
    """Enrol the people listed by citizen ID and name in a csv/xlsx file; report refused rows.

    Good rows are enrolled (or waitlisted) and bad rows reported with their reason. A row
    must give both the ID and the name on the person's ID card, as for one enrolment.
    """
    from jineng.people.importers.reader import open_sheet

    training_class = _locked_class(class_id)
    _require_staff(actor, training_class)
    sheet = open_sheet(source)
    id_column, name_column = _columns(sheet.header)
    result = BulkResult()
    for number, cells in sheet.rows:
        id_number, name = _cell(cells, id_column), _cell(cells, name_column)
        if not id_number and not name:
            continue
        try:
            enrolment = _enrol_row(training_class, id_number, name, actor)
        except DomainError as error:
            result.errors.append(RowError(number, error.field or "id_number", str(error.detail)))
            continue
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
            "digest": sheet.digest,
            "enrolled": result.enrolled,
            "waitlisted": result.waitlisted,
            "refused": len(result.errors),
        },
    )
    return result
