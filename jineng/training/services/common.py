"""Shared steps of the training services: errors, capability checks, the class state machine."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.core.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from jineng.training.choices import CLASS_TRANSITIONS, ClassStatus
from jineng.training.models import Programme, TrainingClass


class ClassFull(Conflict):
    """The class has no free seat and takes no more waitlisted people."""

    code = "class_full"


class DoubleBooked(Conflict):
    """A session overlaps another session of the same teacher or venue."""

    code = "double_booked"


class NotEligible(ValidationFailed):
    """The person does not meet the class's conditions; ``reasons`` lists every unmet one."""

    code = "not_eligible"


class ApprovalRefused(ValidationFailed):
    """The class cannot be approved; ``reasons`` lists every failed check."""

    code = "approval_refused"


class AlreadyEnrolled(Conflict):
    """The person already holds a seat or a waitlist place in the class."""

    code = "already_enrolled"


def require(actor: Any, capability: str) -> None:
    """Refuse an actor whose role lacks a capability."""
    if not actor.can(capability):
        raise PermissionDenied(_("Your role may not do this."))


def require_own(actor: Any, programme: Programme) -> None:
    """Treat another institution's programme or class as missing (404, never 403)."""
    if actor.organization_id != programme.organization_id:
        raise NotFound(_("No such training class."))


def needs_bureau_approval(programme: Programme) -> bool:
    """Tell whether a class of this programme needs the bureau's approval before it runs.

    The one place of the rule: a class that claims a subsidy (its programme names a catalog
    entry) needs the bureau; any other class may be approved by its own institution.
    """
    return programme.is_subsidised


def too_early(
    training_class: TrainingClass, to: str, *, now: datetime.datetime | None = None
) -> str | None:
    """Say in words why a class cannot move to a state yet, or return None if it can.

    The one place of the time rules: a class starts (开班) on its start date or later, so
    attendance is taken while it runs and the bureau's list of running classes is true; it
    closes (结业) once its last session has ended, or without sessions once its end date has
    passed, so no trainee is judged on sessions still to come.
    """
    now = timezone.localtime(now)
    if to == ClassStatus.RUNNING and now.date() < training_class.starts_on:
        return _("Class {code} starts on {day}: start it on that day or later.").format(
            code=training_class.code, day=training_class.starts_on.isoformat()
        )
    if to != ClassStatus.CLOSED:
        return None
    last_end = training_class.sessions.aggregate(last=Max("ends_at"))["last"]
    if last_end is not None and now < last_end:
        return _("Class {code} can be closed once its last session has ended, at {time}.").format(
            code=training_class.code,
            time=timezone.localtime(last_end).strftime("%Y-%m-%d %H:%M"),
        )
    if last_end is None and now.date() <= training_class.ends_on:
        return _("Class {code} ends on {day}: it can be closed from {next_day}.").format(
            code=training_class.code,
            day=training_class.ends_on.isoformat(),
            next_day=(training_class.ends_on + datetime.timedelta(days=1)).isoformat(),
        )
    return None


def move(training_class: TrainingClass, to: str) -> str:
    """Change a (locked) class's status along CLASS_TRANSITIONS; return the old status.

    Refuses a move the state machine does not allow, and one that is too early (too_early()).
    """
    before = training_class.status
    if to not in CLASS_TRANSITIONS.get(before, frozenset()):
        raise InvalidTransition(
            _("Class {code} cannot go from {before} to {after}.").format(
                code=training_class.code,
                before=ClassStatus(before).label,
                after=ClassStatus(to).label if to in ClassStatus.values else to,
            ),
            field="status",
        )
    reason = too_early(training_class, to)
    if reason is not None:
        raise InvalidTransition(reason, field="status")
    training_class.status = to
    return before
