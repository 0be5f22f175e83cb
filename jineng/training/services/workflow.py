"""Move training classes through 草稿 → 申报 → 审批通过/退回 → 开班 → 归档.

One public entry point, ``transition()``, takes every state change except closing (which
computes completion, see completion.py); approval checks live in ``approval_problems()``.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.accounts.roles import Capability
from jineng.catalogs.choices import CatalogKind, EntryStatus
from jineng.catalogs.models import CatalogEntry
from jineng.catalogs.queries import current_version
from jineng.core import audit, scope
from jineng.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from jineng.core.scope import CHANGE
from jineng.notifications.choices import NotificationKind
from jineng.notifications.services import notify, organization_staff, users_with
from jineng.training import locks
from jineng.training.choices import ClassMode, ClassStatus
from jineng.training.errors import ApprovalRefused
from jineng.training.models import Programme, TrainingClass, Venue
from jineng.training.services.common import (
    accreditation_problem,
    move,
    needs_bureau_approval,
    require_own,
    venue_problems,
)

# The audit code of each move.
AUDIT_ACTIONS: dict[str, str] = {
    ClassStatus.SUBMITTED: "training.class.submitted",
    ClassStatus.APPROVED: "training.class.approved",
    ClassStatus.RETURNED: "training.class.returned",
    ClassStatus.RUNNING: "training.class.started",
    ClassStatus.ARCHIVED: "training.class.archived",
}


def classroom_hours(programme: Programme, mode: str) -> int:
    """Return the hours of a programme a class must hold as sessions in person (线下学时).

    Completion counts attended plus online minutes, so hours learned online need no session:
    an online class schedules none, a blended class may teach its theory online but holds its
    practice (实操) in person, and an in-person class holds every hour in its sessions.
    """
    if mode == ClassMode.ONLINE:
        return 0
    if mode == ClassMode.BLENDED:
        return programme.practice_hours
    return programme.required_hours


def schedule_problem(training_class: TrainingClass) -> str | None:
    """Say in words why the class's sessions cannot deliver its programme's hours, or None.

    Reads ``training_class.sessions.all()``, so a list can prefetch the sessions.
    """
    required = classroom_hours(training_class.programme, training_class.mode)
    minutes = sum(s.minutes for s in training_class.sessions.all())
    if minutes >= required * 60:
        return None
    scheduled = round(minutes / 60, 1)
    if training_class.mode == ClassMode.BLENDED:
        return _(
            "The sessions add up to {scheduled} hours; the programme's {required} practice "
            "hours are taught in person (its theory may be learned online)."
        ).format(scheduled=scheduled, required=required)
    return _(
        "The sessions add up to {scheduled} hours; all {required} hours of the programme "
        "are taught in person."
    ).format(scheduled=scheduled, required=required)


def class_venues(training_class: TrainingClass) -> list[Venue]:
    """The venues the class's sessions are held in (each once).

    Reads ``training_class.sessions.all()``, so a list can prefetch the sessions and venues.
    """
    venues = {s.venue_id: s.venue for s in training_class.sessions.all() if s.venue is not None}
    return list(venues.values())


def timing_problem(training_class: TrainingClass) -> str | None:
    """Say in words why the class is approved too late, or None.

    A class is approved before it starts: not once its first day has passed (learning online
    counts from that day) nor once any of its sessions has begun, or staff could record
    manual check-ins, within their grace, for training nobody had approved or supervised.
    Reads ``training_class.sessions.all()``, so a list can prefetch the sessions.
    """
    now = timezone.now()
    if training_class.starts_on < timezone.localdate(now):
        return _(
            "Class {code} started on {day}: a class is approved before it starts. Move its "
            "dates and sessions to days still to come."
        ).format(code=training_class.code, day=training_class.starts_on.isoformat())
    sessions = sorted(training_class.sessions.all(), key=lambda s: (s.starts_at, s.pk))
    for n, session in enumerate(sessions, start=1):
        if session.starts_at <= now:
            return _(
                "Session {n} of class {code} began at {time}: a class is approved before its "
                "first session. Move the sessions that have begun to times still to come."
            ).format(
                n=n,
                code=training_class.code,
                time=timezone.localtime(session.starts_at).strftime("%Y-%m-%d %H:%M"),
            )
    return None


def venueless_problem(training_class: TrainingClass) -> str | None:
    """Say in words which session of an in-person or blended class names no venue, or None.

    Scheduling refuses such sessions; this catches those scheduled before the rule, whose
    venue capacity (R23) was never checked. Reads ``training_class.sessions.all()``.
    """
    if training_class.mode == ClassMode.ONLINE:
        return None
    sessions = sorted(training_class.sessions.all(), key=lambda s: (s.starts_at, s.pk))
    for n, session in enumerate(sessions, start=1):
        if session.venue_id is None:
            return _(
                "Session {n} of class {code} names no venue: every session of an in-person "
                "or blended class is held in a registered venue."
            ).format(n=n, code=training_class.code)
    return None


def approval_problems(training_class: TrainingClass) -> tuple[list[str], CatalogEntry | None]:
    """Check a class against what must hold before it opens for enrolment.

    Every class: it has not started and none of its sessions has begun (timing_problem()),
    its institution is accredited for the programme's occupation and level on every day of
    the class (accreditation_problem()), every in-person session names a venue
    (venueless_problem()) and no venue seats fewer people than the class has places. A
    subsidised class also: its catalog entry is in force at the
    start date, and its sessions deliver the hours the programme teaches in person
    (schedule_problem()). Returns every problem in words and the catalog entry the class
    trains for (if found).
    """
    programme = training_class.programme
    day = training_class.starts_on
    problems = [
        problem
        for problem in (
            timing_problem(training_class),
            accreditation_problem(training_class),
            venueless_problem(training_class),
        )
        if problem is not None
    ]
    problems += venue_problems(training_class, class_venues(training_class))
    if not needs_bureau_approval(programme):
        return problems, None
    version = current_version(CatalogKind.SUBSIDISED_TRAINING, on=day)
    entry = None
    if version is not None:
        entry = (
            version.entries.filter(key=programme.catalog_entry_key, status=EntryStatus.ACTIVE)
            .select_related("occupation")
            .first()
        )
    if entry is None:
        problems.append(
            _("Entry {key} is not in the subsidised training catalog in force on {day}.").format(
                key=programme.catalog_entry_key, day=day.isoformat()
            )
        )
    elif entry.min_hours and programme.required_hours < entry.min_hours:
        problems.append(
            _("The programme has {hours} hours; the catalog entry requires at least {min}.").format(
                hours=programme.required_hours, min=entry.min_hours
            )
        )
    schedule = schedule_problem(training_class)
    if schedule is not None:
        problems.append(schedule)
    return problems, entry


def locked_class(class_id: int) -> TrainingClass:
    try:
        return locks.class_for_update(class_id)
    except TrainingClass.DoesNotExist:
        raise NotFound(_("No such training class.")) from None


def _check_actor(training_class: TrainingClass, to: str, actor: Actor) -> None:
    """Decide who may make a move: the bureau approves and returns, the institution the rest."""
    programme = training_class.programme
    bureau_move = to == ClassStatus.RETURNED or (
        to == ClassStatus.APPROVED and needs_bureau_approval(programme)
    )
    if bureau_move:
        if not actor.can(Capability.APPROVE_CLASSES):
            raise PermissionDenied(_("Only the bureau approves or returns subsidised classes."))
        # A bureau account limited to a town decides only the classes held there.
        scope.require(actor, training_class, action=CHANGE, missing=_("No such training class."))
        return
    if not actor.can(Capability.MANAGE_CLASSES):
        raise PermissionDenied(_("Your role may not do this."))
    require_own(actor, programme)


def _check_ready(training_class: TrainingClass, to: str, note: str) -> None:
    """Check what the target state needs, in words."""
    programme = training_class.programme
    if to == ClassStatus.SUBMITTED and not needs_bureau_approval(programme):
        raise InvalidTransition(
            _(
                "Class {code} claims no subsidy: approve it yourself, no bureau approval needed."
            ).format(code=training_class.code),
            field="status",
        )
    if (
        to in (ClassStatus.SUBMITTED, ClassStatus.APPROVED)
        and training_class.mode != (ClassMode.ONLINE)
        and not training_class.sessions.exists()
    ):
        raise ValidationFailed(
            _("Class {code} has no sessions yet.").format(code=training_class.code),
            field="sessions",
        )
    if to == ClassStatus.RETURNED and not note.strip():
        raise ValidationFailed(_("Say why the class is returned."), field="note")
    if (
        to == ClassStatus.APPROVED
        and needs_bureau_approval(programme)
        and training_class.status != ClassStatus.SUBMITTED
    ):
        raise InvalidTransition(
            _("Class {code} claims a subsidy: submit it to the bureau for approval.").format(
                code=training_class.code
            ),
            field="status",
        )
    if to == ClassStatus.CLOSED:
        raise InvalidTransition(
            _("Close a class with its completion step, not a plain transition."), field="status"
        )


def _approve(training_class: TrainingClass, actor: Actor, note: str) -> None:
    """Approve a locked class (the bureau's or the institution's own) once every check holds.

    The venues are locked too (class, then venues, as scheduling takes them), so a venue's
    registered capacity cannot be lowered while the class is checked against it.
    """
    venue_ids = sorted(training_class.sessions.exclude(venue=None).values_list("venue", flat=True))
    locks.venues_and_teachers_for_update(venue_ids, [])
    prefetch_related_objects([training_class], "sessions__venue")
    problems, entry = approval_problems(training_class)
    if problems:
        raise ApprovalRefused(" ".join(problems), field="status", reasons=problems)
    training_class.catalog_entry = entry
    training_class.decided_by = actor
    training_class.decided_at = timezone.now()
    training_class.decision_note = note.strip()


@transaction.atomic(durable=True)
def transition(class_id: int, to: str, *, actor: Actor, note: str = "") -> TrainingClass:
    """Move a class to another state along CLASS_TRANSITIONS, with the checks that state needs.

    Raises InvalidTransition for a move the state machine does not allow, ApprovalRefused
    (with every reason) for a subsidised class that fails its approval checks.
    """
    training_class = locked_class(class_id)
    if to in (ClassStatus.SUBMITTED, ClassStatus.APPROVED):
        # Class, then programme (ADR 0006): who approves, and the checks, read the programme
        # as it stands, and an edit of it waits until this move has committed.
        training_class.programme = locks.programme_for_update(training_class.programme_id)
    _check_actor(training_class, to, actor)
    _check_ready(training_class, to, note)
    before = move(training_class, to)
    if to == ClassStatus.APPROVED:
        _approve(training_class, actor, note)
    elif to == ClassStatus.RETURNED:
        training_class.decided_by = actor
        training_class.decided_at = timezone.now()
        training_class.decision_note = note.strip()
    training_class.save()
    audit.record(
        actor,
        AUDIT_ACTIONS[to],
        training_class,
        data={
            "code": training_class.code,
            "from": before,
            "to": to,
            "note": note.strip(),
            "catalog_entry": training_class.catalog_entry.key
            if training_class.catalog_entry_id and training_class.catalog_entry
            else None,
        },
    )
    _tell(training_class, to, actor)
    return training_class


def _tell(training_class: TrainingClass, to: str, actor: Actor) -> None:
    """Tell the bureau of a submitted class, and the institution of the bureau's decision."""
    params = {"code": training_class.code}
    target = reverse("training:detail", kwargs={"class_id": training_class.pk})
    programme = training_class.programme
    if to == ClassStatus.SUBMITTED:
        params["organization"] = programme.organization.name
        approvers = users_with(Capability.APPROVE_CLASSES, deciding=training_class)
        notify(approvers, NotificationKind.CLASS_SUBMITTED, params=params, target=target)
    elif to == ClassStatus.RETURNED or (
        to == ClassStatus.APPROVED and needs_bureau_approval(programme)
    ):
        kind = NotificationKind.CLASS_APPROVED
        if to == ClassStatus.RETURNED:
            kind = NotificationKind.CLASS_RETURNED
        staff = organization_staff(programme.organization_id).exclude(pk=actor.pk)
        notify(staff, kind, params=params, target=target)
