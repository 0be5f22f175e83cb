"""Shared steps of the training services: capability checks, the class state machine."""

from __future__ import annotations

import datetime

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.accreditations.choices import AccreditationKind, AccreditationStatus
from jineng.accreditations.queries import first_day_out_of_scope
from jineng.core.errors import InvalidTransition, NotFound, PermissionDenied
from jineng.training.choices import CLASS_TRANSITIONS, ClassStatus
from jineng.training.models import Programme, TrainingClass, Venue


def require(actor: Actor, capability: str) -> None:
    """Refuse an actor whose role lacks a capability."""
    if not actor.can(capability):
        raise PermissionDenied(_("Your role may not do this."))


def organization_of(actor: Actor) -> int:
    """The institution of an actor who manages classes (its staff always belong to one)."""
    if actor.organization_id is None:
        raise PermissionDenied(_("Your role may not do this."))
    return actor.organization_id


def require_own(actor: Actor, programme: Programme) -> None:
    """Treat another institution's programme or class as missing (404, never 403)."""
    if actor.organization_id != programme.organization_id:
        raise NotFound(_("No such training class."))


def needs_bureau_approval(programme: Programme) -> bool:
    """Tell whether a class of this programme needs the bureau's approval before it runs.

    The one place of the rule: a class that claims a subsidy (its programme names a catalog
    entry) needs the bureau; any other class may be approved by its own institution.
    """
    return programme.is_subsidised


def accreditation_problem(
    training_class: TrainingClass, first_day: datetime.date | None = None
) -> str | None:
    """Say in words why the class lies outside its institution's accredited scope, or None.

    The one place training asks accreditation (accreditations.queries, which holds the scope
    rule): the institution must hold a training licence for the programme's occupation and
    level on every day from ``first_day`` (the class's start by default) to its end, and
    to today when the class's dates are past, so a class dated back to before a withdrawal
    cannot open either.
    """
    programme = training_class.programme
    first = first_day or training_class.starts_on
    gap = first_day_out_of_scope(
        programme.organization,
        programme.occupation,
        programme.skill_level,
        AccreditationKind.TRAINING,
        first,
        max(first, training_class.ends_on, timezone.localdate()),
    )
    if gap is None:
        return None
    day, status = gap
    words = {
        "org": programme.organization.name,
        "occupation": programme.occupation.name,
        "level": programme.skill_level.name if programme.skill_level else "",
        "day": day.isoformat(),
    }
    if status == AccreditationStatus.WITHDRAWN:
        text = _(
            "{org}'s training accreditation for {occupation} {level} was withdrawn and does "
            "not count on {day}."
        )
    elif status == AccreditationStatus.EXPIRED:
        text = _("{org}'s training accreditation for {occupation} {level} expires before {day}.")
    elif status == AccreditationStatus.SUSPENDED:
        text = _("{org}'s training accreditation for {occupation} {level} is suspended on {day}.")
    else:
        text = _("{org} holds no training accreditation for {occupation} {level} on {day}.")
    return text.format(**words)


def venue_problems(training_class: TrainingClass, venues: list[Venue]) -> list[str]:
    """Say in words which venues seat fewer people than the class has places (R23)."""
    return [
        _(
            "Class {code} has {capacity} places, but venue {venue} is registered for "
            "{seats} people: choose a larger venue or take fewer places."
        ).format(
            code=training_class.code,
            capacity=training_class.capacity,
            venue=venue.name,
            seats=venue.capacity,
        )
        for venue in sorted(venues, key=lambda v: (v.capacity, v.pk))
        if training_class.capacity > venue.capacity
    ]


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
