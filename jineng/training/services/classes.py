"""Write classes and their sessions: create, edit, add and remove sessions.

Sessions are scheduled under row locks on their venues and teachers, so two schedulers can
never both book the same teacher or room for overlapping times.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.accounts.roles import Capability
from jineng.core import audit, scope
from jineng.core.errors import NotFound, ValidationFailed
from jineng.core.scope import CHANGE
from jineng.regions.models import Region
from jineng.training import access, locks
from jineng.training.choices import ClassMode, ClassStatus
from jineng.training.errors import DoubleBooked
from jineng.training.models import ClassSession, Teacher, TrainingClass, Venue
from jineng.training.services.common import (
    require,
    venue_problems,
)

# Sessions may change only while a class is being prepared.
EDITABLE_STATUSES = (ClassStatus.DRAFT, ClassStatus.RETURNED)


@dataclass(frozen=True)
class SessionInput:
    """One session: when, where and who teaches."""

    starts_at: datetime.datetime
    ends_at: datetime.datetime
    venue_id: int | None = None
    teacher_id: int | None = None
    topic: str = ""


@dataclass(frozen=True)
class ClassInput:
    """One run of a programme."""

    code: str
    capacity: int
    starts_on: datetime.date
    ends_on: datetime.date
    mode: str = ClassMode.OFFLINE
    region_code: str = ""
    sessions: list[SessionInput] = field(default_factory=list)


def _class_fields(data: ClassInput) -> dict[str, Any]:
    code = (data.code or "").strip()
    if not code or len(code) > 40:
        raise ValidationFailed(_("Give the class a code of 1 to 40 characters."), field="code")
    if data.capacity < 1:
        raise ValidationFailed(_("A class has at least one seat."), field="capacity")
    if data.ends_on < data.starts_on:
        raise ValidationFailed(_("A class cannot end before it starts."), field="ends_on")
    if data.mode not in ClassMode.values:
        raise ValidationFailed(_("Choose a mode."), field="mode")
    region = None
    if data.region_code:
        region = Region.objects.filter(code=data.region_code).first()
        if region is None:
            raise ValidationFailed(
                _("Region {code} is not known.").format(code=data.region_code),
                field="region_code",
            )
    return {
        "code": code,
        "capacity": data.capacity,
        "starts_on": data.starts_on,
        "ends_on": data.ends_on,
        "mode": data.mode,
        "region": region,
    }


def _check_code_free(code: str, exclude: int | None = None) -> None:
    clash = TrainingClass.objects.filter(code=code)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise DoubleBooked(
            _("Another class already has the code {code}.").format(code=code), field="code"
        )


def _local(moment: datetime.datetime) -> str:
    """A moment in local time, as the class pages show it (2026-03-02 08:00)."""
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def _describe(session: ClassSession) -> str:
    local = timezone.localtime(session.starts_at)
    return _("class {code} on {day} at {time}").format(
        code=session.training_class.code, day=local.date().isoformat(), time=f"{local:%H:%M}"
    )


def _add_sessions(
    training_class: TrainingClass, sessions: list[SessionInput], actor: Actor
) -> None:
    """Check and insert sessions under locks on their venues and teachers.

    A session books venues and teachers the actor may change (core.scope) of the class's
    own institution; any other answers "no such venue" or "no such teacher" alike. A session
    is scheduled before it starts, never after (training already given was not supervised,
    and its check-ins would count toward subsidised hours), and a session of an in-person or
    blended class names the venue it is held in, whose registered capacity it is checked
    against (R23).
    """
    now = timezone.now()
    organization_id = training_class.programme.organization_id
    venue_ids = sorted({s.venue_id for s in sessions if s.venue_id})
    teacher_ids = sorted({s.teacher_id for s in sessions if s.teacher_id})
    locks.venues_and_teachers_for_update(venue_ids, teacher_ids)
    venues = (
        Venue.objects.visible_to(actor, CHANGE)
        .filter(organization_id=organization_id)
        .in_bulk(venue_ids)
    )
    teachers = (
        Teacher.objects.visible_to(actor, CHANGE)
        .filter(organization_id=organization_id)
        .in_bulk(teacher_ids)
    )
    for n, s in enumerate(sessions, start=1):
        if s.venue_id and s.venue_id not in venues:
            raise ValidationFailed(_("Session {n}: no such venue.").format(n=n), field="venue_id")
        if s.teacher_id and s.teacher_id not in teachers:
            raise ValidationFailed(
                _("Session {n}: no such teacher.").format(n=n), field="teacher_id"
            )
        if s.ends_at <= s.starts_at:
            raise ValidationFailed(
                _("Session {n} must end after it starts.").format(n=n), field="ends_at"
            )
        if s.starts_at < now:
            raise ValidationFailed(
                _(
                    "Session {n} starts at {time}, which has already passed: schedule only "
                    "sessions still to come."
                ).format(n=n, time=_local(s.starts_at)),
                field="starts_at",
            )
        if not s.venue_id and training_class.mode != ClassMode.ONLINE:
            raise ValidationFailed(
                _(
                    "Session {n}: choose the venue it is held in. Every session of an "
                    "in-person or blended class is held in a registered venue."
                ).format(n=n),
                field="venue_id",
            )
        day = timezone.localtime(s.starts_at).date()
        if not training_class.starts_on <= day <= training_class.ends_on:
            raise ValidationFailed(
                _("Session {n} falls outside the class dates.").format(n=n), field="starts_at"
            )
        _check_seats(n, training_class, venues.get(s.venue_id))
        _check_overlap(n, s, venues.get(s.venue_id), teachers.get(s.teacher_id))
        ClassSession.objects.create(
            training_class=training_class,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            venue_id=s.venue_id,
            teacher_id=s.teacher_id,
            topic=(s.topic or "")[:200],
        )


def _check_seats(n: int, training_class: TrainingClass, venue: Venue | None) -> None:
    """Refuse a session in a venue that seats fewer people than the class has places."""
    problems = venue_problems(training_class, [venue] if venue is not None else [])
    if problems:
        raise ValidationFailed(
            _("Session {n}: {problem}").format(n=n, problem=problems[0]), field="capacity"
        )


def _check_overlap(n: int, s: SessionInput, venue: Venue | None, teacher: Teacher | None) -> None:
    if venue is None and teacher is None:
        return
    overlapping = ClassSession.objects.filter(
        starts_at__lt=s.ends_at, ends_at__gt=s.starts_at
    ).select_related("training_class")
    if venue is not None:
        clash = overlapping.filter(venue=venue).first()
        if clash is not None:
            raise DoubleBooked(
                _("Session {n}: venue {venue} is already booked for {other}.").format(
                    n=n, venue=venue.name, other=_describe(clash)
                ),
                field="venue_id",
            )
    if teacher is not None:
        clash = overlapping.filter(teacher=teacher).first()
        if clash is not None:
            raise DoubleBooked(
                _("Session {n}: teacher {teacher} already teaches {other}.").format(
                    n=n, teacher=teacher.name, other=_describe(clash)
                ),
                field="teacher_id",
            )


@transaction.atomic(durable=True)
def create_class(programme_id: int, data: ClassInput, *, actor: Actor) -> TrainingClass:
    """Create a draft class of one of the actor's programmes, with its sessions (培训班)."""
    require(actor, Capability.MANAGE_CLASSES)
    programme = access.get_programme_for_user(actor, programme_id, action=CHANGE)
    fields = _class_fields(data)
    _check_code_free(fields["code"])
    training_class = TrainingClass.objects.create(programme=programme, **fields)
    _add_sessions(training_class, list(data.sessions), actor)
    audit.record(
        actor,
        "training.class.created",
        training_class,
        data={"code": training_class.code, "sessions": len(data.sessions)},
    )
    return training_class


def _own_class_for_update(class_id: int, actor: Actor) -> TrainingClass:
    """Lock a class, then re-check that the actor may change it (404 alike otherwise)."""
    missing = _("No such training class.")
    try:
        training_class = locks.class_for_update(class_id)
    except TrainingClass.DoesNotExist:
        raise NotFound(missing) from None
    scope.require(actor, training_class, action=CHANGE, missing=missing)
    return training_class


def _editable(training_class: TrainingClass) -> None:
    if training_class.status not in EDITABLE_STATUSES:
        raise ValidationFailed(
            _("Class {code} is {status}; only draft or returned classes can change.").format(
                code=training_class.code, status=training_class.get_status_display()
            ),
            field="status",
        )


@transaction.atomic(durable=True)
def update_class(class_id: int, data: ClassInput, *, actor: Actor) -> TrainingClass:
    """Edit a draft or returned class; its sessions are replaced by the ones given."""
    require(actor, Capability.MANAGE_CLASSES)
    training_class = _own_class_for_update(class_id, actor)
    _editable(training_class)
    fields = _class_fields(data)
    _check_code_free(fields["code"], exclude=training_class.pk)
    for key, value in fields.items():
        setattr(training_class, key, value)
    training_class.save()
    training_class.sessions.all().delete()
    _add_sessions(training_class, list(data.sessions), actor)
    audit.record(
        actor,
        "training.class.updated",
        training_class,
        data={"code": training_class.code, "sessions": len(data.sessions)},
    )
    return training_class


@transaction.atomic(durable=True)
def add_session(class_id: int, data: SessionInput, *, actor: Actor) -> ClassSession:
    """Schedule one more session of a draft or returned class."""
    require(actor, Capability.MANAGE_CLASSES)
    training_class = _own_class_for_update(class_id, actor)
    _editable(training_class)
    _add_sessions(training_class, [data], actor)
    session = training_class.sessions.order_by("-pk").first()
    assert session is not None
    audit.record(
        actor,
        "training.session.created",
        session,
        data={"class": training_class.code, "starts_at": session.starts_at.isoformat()},
    )
    return session


@transaction.atomic(durable=True)
def remove_session(session_id: int, *, actor: Actor) -> None:
    """Remove a session of a draft or returned class."""
    require(actor, Capability.MANAGE_CLASSES)
    session = access.get_session_for_user(actor, session_id, action=CHANGE)
    training_class = _own_class_for_update(session.training_class_id, actor)
    _editable(training_class)
    audit.record(
        actor,
        "training.session.deleted",
        session,
        data={"class": training_class.code, "starts_at": session.starts_at.isoformat()},
    )
    session.delete()
