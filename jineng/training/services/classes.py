"""Write programmes, classes and their sessions, and move classes through their workflow.

Sessions are scheduled under row locks on their venues and teachers, so two schedulers can
never both book the same teacher or room for overlapping times.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.accounts.roles import Capability
from jineng.catalogs.choices import TrainingType
from jineng.core import audit, scope
from jineng.core.errors import NotFound, ValidationFailed
from jineng.core.money import MAX_FEN, format_yuan
from jineng.core.scope import CHANGE
from jineng.occupations.models import Occupation, SkillLevel
from jineng.regions.models import Region
from jineng.training import access, locks
from jineng.training.choices import ClassMode, ClassStatus
from jineng.training.errors import DoubleBooked
from jineng.training.models import ClassSession, Programme, Teacher, TrainingClass, Venue
from jineng.training.services.common import (
    organization_of,
    require,
    venue_problems,
)

# Sessions may change only while a class is being prepared.
EDITABLE_STATUSES = (ClassStatus.DRAFT, ClassStatus.RETURNED)
# Classes still to be held: a venue they book must keep seats for all their places.
PLANNED_STATUSES = (
    ClassStatus.DRAFT,
    ClassStatus.SUBMITTED,
    ClassStatus.RETURNED,
    ClassStatus.APPROVED,
    ClassStatus.RUNNING,
)


@dataclass(frozen=True)
class ProgrammeInput:
    """What an institution offers: occupation, level, type, hours, fee, catalog entry."""

    name: str
    occupation_code: str
    training_type: str
    theory_hours: int
    practice_hours: int
    skill_level_code: str = ""
    fee_fen: int = 0
    catalog_entry_key: str = ""


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


def _programme_fields(data: ProgrammeInput) -> dict[str, Any]:
    name = (data.name or "").strip()
    if not name or len(name) > 200:
        raise ValidationFailed(_("Give the programme a name of 1 to 200 characters."), field="name")
    occupation = Occupation.objects.filter(code=(data.occupation_code or "").strip()).first()
    if occupation is None:
        raise ValidationFailed(
            _("Occupation code {code} is not in the classification.").format(
                code=data.occupation_code
            ),
            field="occupation_code",
        )
    level = None
    if data.skill_level_code:
        level = SkillLevel.objects.filter(code=data.skill_level_code).first()
        if level is None:
            raise ValidationFailed(
                _("Skill level {code} is not known.").format(code=data.skill_level_code),
                field="skill_level_code",
            )
    if data.training_type not in TrainingType.values:
        raise ValidationFailed(_("Choose a training type."), field="training_type")
    if data.theory_hours < 0 or data.practice_hours < 0 or data.fee_fen < 0:
        raise ValidationFailed(_("Hours and fee cannot be negative."), field="theory_hours")
    if data.theory_hours + data.practice_hours == 0:
        raise ValidationFailed(_("A programme has at least one hour."), field="theory_hours")
    if data.fee_fen > MAX_FEN:
        # fee_fen is a 32-bit column: a larger fee would fail in the database (a 500).
        raise ValidationFailed(
            _("The fee is at most {maximum} yuan.").format(maximum=format_yuan(MAX_FEN)),
            field="fee_fen",
        )
    return {
        "name": name,
        "occupation": occupation,
        "skill_level": level,
        "training_type": data.training_type,
        "theory_hours": data.theory_hours,
        "practice_hours": data.practice_hours,
        "fee_fen": data.fee_fen,
        "catalog_entry_key": (data.catalog_entry_key or "").strip(),
    }


@transaction.atomic(durable=True)
def create_programme(data: ProgrammeInput, *, actor: Actor) -> Programme:
    """Create a programme of the actor's institution (培训项目)."""
    require(actor, Capability.MANAGE_CLASSES)
    programme = Programme.objects.create(
        organization_id=organization_of(actor), **_programme_fields(data)
    )
    audit.record(actor, "training.programme.created", programme, data={"name": programme.name})
    return programme


@transaction.atomic(durable=True)
def update_programme(programme_id: int, data: ProgrammeInput, *, actor: Actor) -> Programme:
    """Edit a programme while none of its classes has gone beyond preparation."""
    require(actor, Capability.MANAGE_CLASSES)
    access.get_programme_for_user(actor, programme_id, action=CHANGE)
    # Locked before the check, so a class's submission or approval (which takes it too)
    # cannot read the programme as it was while this edit commits (ADR 0006).
    programme = locks.programme_for_update(programme_id)
    if programme.classes.exclude(status__in=EDITABLE_STATUSES).exists():
        raise ValidationFailed(
            _(
                "Programme {name} has submitted or approved classes and can no longer change."
            ).format(name=programme.name)
        )
    for key, value in _programme_fields(data).items():
        setattr(programme, key, value)
    programme.save()
    audit.record(actor, "training.programme.updated", programme, data={"name": programme.name})
    return programme


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


def _venue_fields(
    name: str,
    address: str,
    capacity: int,
    region_code: str,
    latitude: Decimal | None,
    longitude: Decimal | None,
) -> dict[str, Any]:
    """Check a venue's fields; return them cleaned, ready for the model."""
    from jineng.people.services import resolve_region

    if not (name or "").strip():
        raise ValidationFailed(_("Give the venue a name."), field="name")
    if capacity is None or capacity < 1:
        raise ValidationFailed(_("The registered capacity must be at least 1."), field="capacity")
    if (latitude is None) != (longitude is None):
        raise ValidationFailed(
            _("Give both latitude and longitude, or neither."),
            field="latitude" if latitude is None else "longitude",
        )
    if latitude is not None and not -90 <= latitude <= 90:
        raise ValidationFailed(_("Latitude must be between -90 and 90."), field="latitude")
    if longitude is not None and not -180 <= longitude <= 180:
        raise ValidationFailed(_("Longitude must be between -180 and 180."), field="longitude")
    region = None
    if (region_code or "").strip():
        try:
            region = resolve_region(region_code)
        except ValidationFailed as error:
            raise ValidationFailed(error.detail, field="region_code") from None
    return {
        "name": name.strip()[:200],
        "address": (address or "").strip()[:300],
        "capacity": capacity,
        "region": region,
        "latitude": latitude,
        "longitude": longitude,
    }


@transaction.atomic(durable=True)
def create_venue(
    name: str,
    address: str,
    capacity: int,
    *,
    actor: Actor,
    region_code: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
) -> Venue:
    """Register a training venue of the actor's institution (培训场地)."""
    require(actor, Capability.MANAGE_CLASSES)
    fields = _venue_fields(name, address, capacity, region_code, latitude, longitude)
    venue = Venue.objects.create(organization_id=organization_of(actor), **fields)
    audit.record(actor, "training.venue.created", venue, data={"name": venue.name})
    return venue


def _shown(value: Any) -> Any:
    """A field's value as the audit row keeps it: a region by code, a decimal as text."""
    if isinstance(value, Region):
        return value.code
    if isinstance(value, Decimal):
        return str(value)
    return value


def _venue_for_update(venue_id: int, actor: Actor) -> Venue:
    """Lock a venue the actor may change (NotFound alike for anyone else's) and re-read it."""
    venue = access.get_venue_for_user(actor, venue_id, action=CHANGE)
    locks.venues_and_teachers_for_update([venue.pk], [])
    venue.refresh_from_db()
    return venue


def _teacher_for_update(teacher_id: int, actor: Actor) -> Teacher:
    """Lock a teacher the actor may change (NotFound alike for anyone else's) and re-read it."""
    teacher = access.get_teacher_for_user(actor, teacher_id, action=CHANGE)
    locks.venues_and_teachers_for_update([], [teacher.pk])
    teacher.refresh_from_db()
    return teacher


def _check_classes_fit(venue: Venue, capacity: int) -> None:
    """Refuse a registered capacity below the places of a class still to be held there.

    Runs under the venue's lock: a class booking the venue takes the same lock (class, then
    venues), so the two never pass each other.
    """
    largest = (
        TrainingClass.objects.filter(sessions__venue=venue, status__in=PLANNED_STATUSES)
        .distinct()
        .order_by("-capacity", "code")
        .first()
    )
    if largest is not None and largest.capacity > capacity:
        raise ValidationFailed(
            _(
                "Class {code} has {places} places and holds sessions in this venue: the "
                "registered capacity cannot go below {places} until that class is finished "
                "or has fewer places."
            ).format(code=largest.code, places=largest.capacity),
            field="capacity",
        )


@transaction.atomic(durable=True)
def update_venue(
    venue_id: int,
    name: str,
    address: str,
    capacity: int,
    *,
    actor: Actor,
    region_code: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
) -> Venue:
    """Correct a venue of the actor's institution; audit the fields that changed."""
    require(actor, Capability.MANAGE_CLASSES)
    venue = _venue_for_update(venue_id, actor)
    fields = _venue_fields(name, address, capacity, region_code, latitude, longitude)
    _check_classes_fit(venue, fields["capacity"])
    changed = {}
    for key, value in fields.items():
        before = getattr(venue, key)
        if before != value:
            changed[key] = [_shown(before), _shown(value)]
            setattr(venue, key, value)
    if changed:
        venue.save()
        audit.record(actor, "training.venue.updated", venue, data={"changed": changed})
    return venue


def _teacher_fields(name: str, qualification: str) -> dict[str, Any]:
    if not (name or "").strip():
        raise ValidationFailed(_("Give the teacher a name."), field="name")
    return {"name": name.strip()[:50], "qualification": (qualification or "").strip()[:200]}


@transaction.atomic(durable=True)
def create_teacher(name: str, *, actor: Actor, qualification: str = "") -> Teacher:
    """Register a teacher of the actor's institution (师资)."""
    require(actor, Capability.MANAGE_CLASSES)
    teacher = Teacher.objects.create(
        organization_id=organization_of(actor), **_teacher_fields(name, qualification)
    )
    audit.record(actor, "training.teacher.created", teacher, data={"name": teacher.name})
    return teacher


@transaction.atomic(durable=True)
def update_teacher(teacher_id: int, name: str, *, actor: Actor, qualification: str = "") -> Teacher:
    """Correct a teacher of the actor's institution; audit the fields that changed."""
    require(actor, Capability.MANAGE_CLASSES)
    teacher = _teacher_for_update(teacher_id, actor)
    changed = {}
    for key, value in _teacher_fields(name, qualification).items():
        if getattr(teacher, key) != value:
            changed[key] = [getattr(teacher, key), value]
            setattr(teacher, key, value)
    if changed:
        teacher.save()
        audit.record(actor, "training.teacher.updated", teacher, data={"changed": changed})
    return teacher
