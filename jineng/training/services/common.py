"""Shared steps of the training services: errors, capability checks, the class state machine."""

from __future__ import annotations

from typing import Any

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


def move(training_class: TrainingClass, to: str) -> str:
    """Change a (locked) class's status along CLASS_TRANSITIONS; return the old status."""
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
    training_class.status = to
    return before
