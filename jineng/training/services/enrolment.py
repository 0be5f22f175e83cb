"""Enrol, waitlist, withdraw and transfer trainees without ever exceeding a class's capacity.

Every service locks the class row (two classes in id order for a transfer) before counting
its seats, so parallel enrolments queue on the lock instead of overselling the class.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.accounts.roles import Capability
from jineng.core import audit
from jineng.core.errors import NotFound, PermissionDenied, ValidationFailed
from jineng.notifications.choices import NotificationKind
from jineng.notifications.services import accounts_of_people, notify
from jineng.people.access import get_person_for_user, is_visible_to
from jineng.people.choices import AffiliationBasis, AffiliationKind
from jineng.people.identity import identify_person
from jineng.people.locks import person_for_update
from jineng.people.models import Person
from jineng.people.notices import tell_person
from jineng.people.services import end_ties, tie_to_organization
from jineng.training import locks
from jineng.training.choices import (
    ACTIVE_ENROLMENT_STATUSES,
    ENROLLABLE_STATUSES,
    EnrolmentStatus,
)
from jineng.training.eligibility import unmet_conditions
from jineng.training.errors import (
    AlreadyEnrolled,
    ClassFull,
    NotAccredited,
    NotEligible,
)
from jineng.training.models import Enrolment, TrainingClass
from jineng.training.services.common import (
    accreditation_problem,
    require_own,
)
from jineng.training.services.places import check_other_places

# Waitlist places per class beyond its seats; past this a class is full.
WAITLIST_CAP = 1000

# What the accredited-scope check reads of a class, in the query that loads it: the
# institution, the level, and the occupation with the categories above it (the
# classification's four levels), so no query walks up the classification.
WITH_SCOPE = (
    "programme__organization",
    "programme__occupation__parent__parent__parent",
    "programme__skill_level",
)


def _check_actor(actor: Actor, training_class: TrainingClass, person: Person) -> None:
    """Staff enrol anyone into their own classes; a worker enrols only themself."""
    if actor.can(Capability.MANAGE_CLASSES):
        require_own(actor, training_class.programme)
        return
    if actor.can(Capability.ENROL_SELF) and actor.person_id == person.pk:
        return
    raise PermissionDenied(_("You may enrol only yourself."))


def _require_enrollable(training_class: TrainingClass) -> None:
    if training_class.status not in ENROLLABLE_STATUSES:
        raise ValidationFailed(
            _("Class {code} is {status} and does not take enrolments.").format(
                code=training_class.code, status=training_class.get_status_display()
            ),
            field="class",
        )


def no_new_places(training_class: TrainingClass) -> str | None:
    """Say in words why a class takes no new places although it is open, or None.

    A licence withdrawn, suspended or lapsing after approval stops new enrolments for the
    days still to come (accreditation_problem()); the 找培训 page shows the same words.
    """
    today = timezone.localdate()
    problem = accreditation_problem(training_class, max(today, training_class.starts_on))
    if problem is None:
        return None
    return _("Class {code} takes no new enrolments: {reason}").format(
        code=training_class.code, reason=problem
    )


def _require_accredited(training_class: TrainingClass) -> None:
    """Refuse new places in a class whose institution is no longer accredited for it."""
    reason = no_new_places(training_class)
    if reason is not None:
        raise NotAccredited(reason, field="class")


def _open_class_for_update(class_id: int) -> TrainingClass:
    """Check that an open class's institution is still accredited for it, then lock it.

    The licence is the bureau's, not guarded by the class lock, so it is read before the
    lock and the queue of parallel enrolments waits only for the seat count.
    """
    found = (
        TrainingClass.objects.select_related(*WITH_SCOPE)
        .filter(pk=class_id, status__in=ENROLLABLE_STATUSES)
        .first()
    )
    if found is not None:
        _require_accredited(found)
    return _locked_class(class_id)


def _check_other_places(
    training_class: TrainingClass, person: Person, actor: Actor, replacing: Enrolment | None
) -> None:
    """Refuse a second active place in the programme, or one whose sessions overlap.

    The person's row is locked first (class, then person), so two enrolments of one person
    into two classes are checked one after the other. The other class is named only to a
    viewer who may see that place (the worker themself, the institution holding it);
    anyone else learns only that the person holds an overlapping place.
    """
    person_for_update(person.pk)
    check_other_places(training_class, person, actor=actor, replacing=replacing)


def _place(
    training_class: TrainingClass,
    person: Person,
    *,
    actor: Actor,
    explain: bool = True,
    replacing: Enrolment | None = None,
) -> Enrolment:
    """Give a person a seat or a waitlist place in a locked class, checking every rule.

    ``explain`` is False when the actor could not see the person before: a refusal then says
    only that the conditions are not met, never which (they would describe the person).
    ``replacing`` is the place a transfer gives up, which never clashes with its successor.
    """
    _require_enrollable(training_class)
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
    _check_other_places(training_class, person, actor, replacing)
    problems = unmet_conditions(person, training_class)
    if problems:
        if not explain:
            problems = [_unexplained_refusal()]
        raise NotEligible(" ".join(problems), field="person", reasons=problems)
    if state["seated"] < training_class.capacity:
        return Enrolment.objects.create(
            training_class=training_class, person=person, seated_at=timezone.now()
        )
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


def _affiliate(person: Person, training_class: TrainingClass, actor: Actor) -> None:
    """Tie the trainee to the institution so its staff can see them; audited."""
    tie_to_organization(
        person,
        training_class.programme.organization_id,
        kind=AffiliationKind.TRAINEE,
        basis=AffiliationBasis.ENROLLED,
        actor=actor,
    )


def _untie_before_start(enrolment: Enrolment, training_class: TrainingClass, actor: Actor) -> None:
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


def _audit_enrolment(actor: Actor, action: str, enrolment: Enrolment, **data: Any) -> None:
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


def _tell_the_trainee(enrolment: Enrolment, training_class: TrainingClass, actor: Actor) -> None:
    """Tell the person that someone else gave them a seat (本人告知); not when they took it.

    A waitlisted place is told of when it becomes a seat (ENROLMENT_PROMOTED).
    """
    if actor.person_id == enrolment.person_id or enrolment.status != EnrolmentStatus.ENROLLED:
        return
    tell_person(
        enrolment.person,
        NotificationKind.ENROLMENT_MADE,
        params={
            "code": training_class.code,
            "name": training_class.programme.name,
            "organization": training_class.programme.organization.name,
            "day": training_class.starts_on.isoformat(),
        },
        target=reverse("training:mine"),
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


def _person_in_scope(actor: Actor, person_id: int) -> Person:
    """The person named by id, through the people access layer (missing and hidden alike)."""
    try:
        return get_person_for_user(actor, person_id)
    except NotFound:
        raise NotFound(_("No such person."), field="person") from None


@transaction.atomic(durable=True)
def enrol(class_id: int, person_id: int, *, actor: Actor) -> Enrolment:
    """Enrol a person, or waitlist them when the class is full (报名); never oversell.

    Staff name a person already in their scope; a worker names themself. Raises
    AlreadyEnrolled for a duplicate, NotEligible listing every unmet condition, ClassFull
    when even the waitlist is closed.
    """
    if not (actor.can(Capability.MANAGE_CLASSES) or actor.can(Capability.ENROL_SELF)):
        # A role that never enrols anyone is told so whoever it names (403, ADR 0005).
        raise PermissionDenied(_("Your role may not enrol people."))
    training_class = _open_class_for_update(class_id)
    person = _person_in_scope(actor, person_id)
    _check_actor(actor, training_class, person)
    enrolment = _place(training_class, person, actor=actor)
    _affiliate(person, training_class, actor)
    _audit_enrolment(actor, "training.enrolment.created", enrolment)
    _tell_the_trainee(enrolment, training_class, actor)
    return enrolment


def not_identified() -> NotFound:
    """The answer to an ID card that matches nobody: the same for a wrong ID and a wrong name."""
    return NotFound(
        _("No registered person has this citizen ID and name: check both against the ID card."),
        field="id_number",
    )


def check_takes_enrolments(class_id: int, *, actor: Actor) -> TrainingClass:
    """Refuse, before anyone is identified, a class the staff may not enrol into now.

    Checked first so that a closed class, another institution's class or a role without
    the right answers the same whatever ID card is given.
    """
    training_class = TrainingClass.objects.select_related(*WITH_SCOPE).filter(pk=class_id).first()
    if training_class is None:
        raise NotFound(_("No such training class."))
    _require_staff(actor, training_class)
    _require_enrollable(training_class)
    _require_accredited(training_class)
    return training_class


def enrol_by_id_card(class_id: int, id_number: str, name: str, *, actor: Actor) -> Enrolment:
    """Enrol a new trainee whom staff identify by the citizen ID and name on their ID card.

    This is how a person outside the institution's scope comes into it. It has no
    transaction of its own: the class is checked first, then the card in one audited
    transaction (a card matching nobody uses up one of the account's misses,
    people.identity.identify_people), then the person is enrolled in another.
    """
    check_takes_enrolments(class_id, actor=actor)
    person = identify_person(id_number, name, actor=actor, where="enrolment")
    if person is None:
        raise not_identified()
    return enrol_identified(class_id, person, actor=actor)


@transaction.atomic(durable=True)
def enrol_identified(class_id: int, person: Person, *, actor: Actor) -> Enrolment:
    """Enrol a person identified by their ID card (enrol_by_id_card), staff only.

    A refusal never says which of the class's conditions a person outside the
    institution's scope fails.
    """
    training_class = _open_class_for_update(class_id)
    _require_staff(actor, training_class)
    enrolment = _place(training_class, person, actor=actor, explain=is_visible_to(actor, person))
    _affiliate(person, training_class, actor)
    _audit_enrolment(actor, "training.enrolment.created", enrolment, identified=True)
    _tell_the_trainee(enrolment, training_class, actor)
    return enrolment


def _require_staff(actor: Actor, training_class: TrainingClass) -> None:
    if not actor.can(Capability.MANAGE_CLASSES):
        raise PermissionDenied(_("Your role may not do this."))
    require_own(actor, training_class.programme)


def _promote_first(training_class: TrainingClass, actor: Actor) -> Enrolment | None:
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
    first.seated_at = timezone.now()
    first.save(update_fields=["status", "waitlist_position", "seated_at", "updated_at"])
    _audit_enrolment(actor, "training.enrolment.promoted", first)
    notify(
        accounts_of_people([first.person_id]),
        NotificationKind.ENROLMENT_PROMOTED,
        params={"code": training_class.code, "name": training_class.programme.name},
        target=reverse("training:mine"),
        sms=True,
    )
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


def _check_leave(actor: Actor, enrolment: Enrolment, training_class: TrainingClass) -> None:
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
def withdraw(enrolment_id: int, *, actor: Actor, reason: str = "") -> Enrolment:
    """Withdraw a trainee (退学/取消报名); a freed seat goes to the first on the waitlist."""
    enrolment = _enrolment_for(enrolment_id)
    training_class = _locked_class(enrolment.training_class_id)
    # The person before any audit event (class, person, then the audit chain, as enrol()
    # takes them): an enrolment in another of the institution's classes committing meanwhile
    # would otherwise go unseen when the tie is reconsidered.
    person_for_update(enrolment.person_id)
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
def transfer(enrolment_id: int, to_class_id: int, *, actor: Actor) -> Enrolment:
    """Move a trainee to another class of the same institution (转班); return the new place.

    Both classes are locked in id order, so opposite transfers cannot deadlock.
    """
    enrolment = _enrolment_for(enrolment_id)
    from_id = enrolment.training_class_id
    if to_class_id == from_id:
        raise ValidationFailed(_("Choose a different class."), field="to_class")
    classes = locks.classes_for_update(sorted({from_id, to_class_id}))
    source = classes[from_id]
    enrolment.refresh_from_db()
    # Who may move the trainee first, then the target: a class the actor may not see, or
    # another institution's, answers exactly like a missing one.
    _check_leave(actor, enrolment, source)
    target = classes.get(to_class_id)
    if (
        target is None
        or source.programme.organization_id != target.programme.organization_id
        or not TrainingClass.objects.visible_to(actor).filter(pk=to_class_id).exists()
    ):
        raise NotFound(_("No such training class."), field="to_class")
    _require_enrollable(target)
    _require_accredited(target)
    person = enrolment.person
    placed = _place(target, person, actor=actor, replacing=enrolment)
    had_seat = enrolment.status == EnrolmentStatus.ENROLLED
    enrolment.status = EnrolmentStatus.TRANSFERRED
    enrolment.waitlist_position = None
    enrolment.transferred_to = placed
    enrolment.save()
    _audit_enrolment(actor, "training.enrolment.transferred", enrolment, to=target.code)
    _audit_enrolment(actor, "training.enrolment.created", placed, transferred_from=source.code)
    _tell_the_trainee(placed, target, actor)
    if had_seat:
        _promote_first(source, actor)
    return placed
