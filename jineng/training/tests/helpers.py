"""Build training test data through the services, as an institution would."""

from __future__ import annotations

import dataclasses
import datetime
import itertools
from typing import Any

import time_machine
from django.utils import timezone

from jineng.accounts.roles import Capability
from jineng.catalogs.choices import TrainingType
from jineng.people.choices import MembershipSource
from jineng.people.models import TargetGroup
from jineng.people.services import PersonInput, add_membership, register_person
from jineng.training import services
from jineng.training.choices import ClassMode, ClassStatus
from jineng.training.models import Programme, TrainingClass


def _a_monday_ahead(days: int) -> datetime.date:
    """The first Monday at least ``days`` days from today."""
    day = timezone.localdate() + datetime.timedelta(days=days)
    return day + datetime.timedelta(days=-day.weekday() % 7)


# The first day of the tests' classes: ahead of today, as classes are scheduled and approved
# before they are held (a session that has begun can no longer be added or approved).
START = _a_monday_ahead(28)
ENTRY_KEY = "6-31-01-03/level5/employment"
_codes = itertools.count(1)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    """An aware local datetime."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def held(*, tick: bool = False) -> Any:
    """Move the clock, as a context manager, to five weeks after START: the classes the
    tests build (scheduled ahead of today, their sessions within four weeks of START) have
    then been held, and can start and close."""
    return time_machine.travel(at(START + datetime.timedelta(days=35), 9), tick=tick)


def programme(
    staff: Any,
    *,
    subsidised: bool = True,
    theory: int = 40,
    practice: int = 50,
    occupation_code: str = "6-31-01-03",
    level_code: str = "level5",
    key: str = ENTRY_KEY,
) -> Programme:
    """A programme of the staff member's institution."""
    return services.create_programme(
        services.ProgrammeInput(
            name="电工培训",
            occupation_code=occupation_code,
            skill_level_code=level_code,
            training_type=TrainingType.EMPLOYMENT,
            theory_hours=theory,
            practice_hours=practice,
            fee_fen=0,
            catalog_entry_key=key if subsidised else "",
        ),
        actor=staff,
    )


def session(
    day: datetime.date, start: int, end: int, *, venue: Any = None, teacher: Any = None
) -> services.SessionInput:
    return services.SessionInput(
        starts_at=at(day, start),
        ends_at=at(day, end),
        venue_id=venue.pk if venue else None,
        teacher_id=teacher.pk if teacher else None,
    )


def timetable(prog: Programme, start: datetime.date) -> list[services.SessionInput]:
    """Sessions from 08:00 to 12:00 on the first day and, for a subsidised programme (whose
    timetable the bureau checks), 08:00 to 17:00 on each following day while hours remain."""
    sessions = [session(start, 8, 12)]
    remaining = prog.required_hours - 4 if prog.is_subsidised else 0
    day = start
    while remaining > 0:
        day += datetime.timedelta(days=1)
        sessions.append(session(day, 8, 17))
        remaining -= 9
    return sessions


def draft_class(
    staff: Any,
    prog: Programme,
    *,
    capacity: int = 2,
    sessions: list[services.SessionInput] | None = None,
    start: datetime.date = START,
    days: int = 10,
    region_code: str = "220581001",
    mode: str = ClassMode.OFFLINE,
) -> TrainingClass:
    """A draft class whose sessions (unless given) cover its programme's hours (timetable()).

    Sessions of an in-person or blended class that name no venue are held in a room of the
    class's own (room()), as every in-person session names its venue.
    """
    code = f"C{next(_codes):05d}"
    sessions = sessions if sessions is not None else timetable(prog, start)
    if mode != ClassMode.ONLINE and any(s.venue_id is None for s in sessions):
        venue = room(staff, f"{code} 教室", capacity)
        sessions = [
            s if s.venue_id else dataclasses.replace(s, venue_id=venue.pk) for s in sessions
        ]
    return services.create_class(
        prog.pk,
        services.ClassInput(
            code=code,
            capacity=capacity,
            starts_on=start,
            ends_on=start + datetime.timedelta(days=days),
            region_code=region_code,
            mode=mode,
            sessions=sessions,
        ),
        actor=staff,
    )


def room(staff: Any, name: str = "教室", capacity: int = 2) -> Any:
    """A venue of the staff member's institution, with room for 500 (or the places given)."""
    return services.create_venue(name, "新华街道1号", max(capacity, 500), actor=staff)


def approved_class(staff: Any, admin: Any, prog: Programme, **kwargs: Any) -> TrainingClass:
    """A class taken through submission and the bureau's approval (or self-approval)."""
    c = draft_class(staff, prog, **kwargs)
    if services.needs_bureau_approval(prog):
        services.transition(c.pk, ClassStatus.SUBMITTED, actor=staff)
        return services.transition(c.pk, ClassStatus.APPROVED, actor=admin, note="ok")
    return services.transition(c.pk, ClassStatus.APPROVED, actor=staff)


def person(admin: Any, id_number: str, *, name: str = "李四", region: str = "220581001001") -> Any:
    return register_person(
        PersonInput(id_number=id_number, name=name, region_code=region), actor=admin
    )


def member(admin: Any, who: Any, group: TargetGroup, **kwargs: Any) -> Any:
    """Recognise a person as a target-group member from a year before START."""
    return add_membership(
        who,
        group,
        source=MembershipSource.BUREAU,
        valid_from=kwargs.pop("valid_from", START - datetime.timedelta(days=365)),
        actor=admin,
        **kwargs,
    )


def citizen_id(n: int) -> str:
    """A valid 梅河口市 citizen ID, distinct for each n below 365 000."""
    born = datetime.date(1980, 1, 1) + datetime.timedelta(days=n // 900)
    body = f"220581{born:%Y%m%d}{n % 900 + 100:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def bulk_people(count: int, *, region: str = "220581001001") -> list[int]:
    """Register many people at once through the importer's bulk writer; return their ids."""
    from django.db import transaction

    from jineng.people.importers.bulk import (
        PreparedPerson,
        db_timestamp,
        person_values,
        write_people,
    )
    from jineng.people.models import Person
    from jineng.people.services import clean_person, person_fields

    stamp = db_timestamp()
    prepared = []
    for n in range(count):
        fields = person_fields(
            clean_person(
                PersonInput(
                    id_number=citizen_id(n), name="学员" + chr(0x4E00 + n), region_code=region
                )
            )
        )
        prepared.append(
            PreparedPerson(
                row=n,
                id_number_hash=fields["id_number_hash"],
                values=person_values(fields, stamp, is_synthetic=True),
            )
        )
    with transaction.atomic():
        write_people(prepared, stamp=stamp)
    return list(Person.objects.order_by("pk").values_list("pk", flat=True)[:count])


def enrol(class_id: int, someone: Any, *, actor: Any) -> Any:
    """Enrol as people do: staff by the ID and name on the card, a worker themself by id."""
    if actor.can(Capability.MANAGE_CLASSES):
        return services.enrol_by_id_card(class_id, someone.id_number, someone.name, actor=actor)
    return services.enrol(class_id, someone.pk, actor=actor)
