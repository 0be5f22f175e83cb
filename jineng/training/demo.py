"""Give the demo city's first institution programmes and classes, through the services.

A subsidised class approved by the bureau, one waiting in the bureau's queue, a running class
with sessions today and a finished one, with demo workers (worker1 among them) enrolled, so
every training page has content. Dates are relative to today. Running it again does nothing.

The services schedule and approve a class only before its first session, so the two classes
already under way (held yesterday, running today) are the demo's history: ``held_class``
writes them as approved before they began, with their audit events, after the same scope and
venue checks as approval. Their trainees, check-ins (on their phones, one recorded by staff)
and completion go through the services.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.accreditations.choices import AccreditationKind
from jineng.accreditations.queries import is_accredited
from jineng.catalogs.choices import CatalogKind
from jineng.catalogs.models import CatalogEntry
from jineng.catalogs.queries import current_version
from jineng.core import audit
from jineng.core.errors import DomainError
from jineng.occupations.models import Occupation, OccupationLevel
from jineng.people.models import Person
from jineng.regions.models import Region, RegionLevel
from jineng.training import services
from jineng.training.choices import ClassStatus
from jineng.training.models import ClassSession, Enrolment, TrainingClass
from jineng.training.services.workflow import timing_problem

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

PREFIX = "DEMO-"
TRAINEES = 12
# The demo venue: 梅河口市 city centre, where the trainees' phones check in.
VENUE_LAT, VENUE_LNG = Decimal("42.530000"), Decimal("125.710000")
HISTORY = "演示数据：开课前已审批（补录历史班级）"
# Checks in the trainees of a class (by its staff member) near a venue's latitude, longitude.
Attend = Callable[[TrainingClass, Any, tuple[Decimal, Decimal]], None]


def entry_for(organization: Any, today: datetime.date) -> CatalogEntry | None:
    """The first subsidised-catalog entry the institution is accredited to train for."""
    version = current_version(CatalogKind.SUBSIDISED_TRAINING, on=today)
    if version is None:
        return None
    entries = version.entries.filter(occupation__isnull=False).select_related(
        "occupation", "skill_level"
    )
    for entry in entries.order_by("key")[:500]:
        occupation = entry.occupation
        if occupation is not None and is_accredited(
            organization, occupation, entry.skill_level, AccreditationKind.TRAINING, today
        ):
            return entry
    return None


def _any_occupation() -> Occupation | None:
    """电工 if the classification has it, else any occupation."""
    occupations = Occupation.objects.filter(level=OccupationLevel.OCCUPATION).order_by("code")
    return occupations.filter(name="电工").first() or occupations.first()


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _sessions(
    start: datetime.date, days: int, venue: Any, teacher: Any, hour: int
) -> list[services.SessionInput]:
    return [
        services.SessionInput(
            starts_at=_at(start + datetime.timedelta(days=n), hour),
            ends_at=_at(start + datetime.timedelta(days=n), hour + 3),
            venue_id=venue.pk,
            teacher_id=teacher.pk,
            topic=f"第{n + 1}课",
        )
        for n in range(days)
    ]


def _one_day(day: datetime.date, venue: Any, teacher: Any) -> list[services.SessionInput]:
    """Three three-hour sessions on one day (08:00, 12:00 and 16:00)."""
    return [
        services.SessionInput(
            starts_at=_at(day, hour),
            ends_at=_at(day, hour + 3),
            venue_id=venue.pk,
            teacher_id=teacher.pk,
            topic=f"第{n + 1}课",
        )
        for n, hour in enumerate((8, 12, 16))
    ]


def timetable(
    start: datetime.date, hours: int, venue: Any, teacher: Any
) -> list[services.SessionInput]:
    """Two three-hour sessions a day (08:00-11:00, 14:00-17:00) until the hours are taught."""
    days = -(-hours // 6)
    return [
        services.SessionInput(
            starts_at=_at(start + datetime.timedelta(days=n // 2), 8 if n % 2 == 0 else 14),
            ends_at=_at(start + datetime.timedelta(days=n // 2), 11 if n % 2 == 0 else 17),
            venue_id=venue.pk,
            teacher_id=teacher.pk,
            topic=f"第{n + 1}课",
        )
        for n in range(days * 2)
    ]


def _class(
    staff: Any, programme: Any, code: str, start: datetime.date, sessions: list[Any], town: Any
) -> TrainingClass:
    return services.create_class(
        programme.pk,
        services.ClassInput(
            code=PREFIX + code,
            capacity=30,
            starts_on=start,
            ends_on=timezone.localdate(sessions[-1].starts_at) if sessions else start,
            region_code=town.code if town else "",
            sessions=sessions,
        ),
        actor=staff,
    )


@transaction.atomic(durable=True)
def held_class(
    staff: Any,
    programme: Any,
    code: str,
    sessions: list[Any],
    town: Any,
    *,
    approver: Any = None,
) -> TrainingClass:
    """Write a class already under way, as approved before it began.

    The demo's history only: the services refuse to schedule or approve sessions that have
    begun. The class is checked as approval checks it (scope, venues, the subsidised
    catalog's entry in force on its first day), but for the timing. ``approver`` is the
    bureau's account for a subsidised class; the institution approves its other classes.
    """
    approver = approver or staff
    start = timezone.localdate(sessions[0].starts_at)
    training_class = TrainingClass.objects.create(
        programme=programme,
        code=PREFIX + code,
        capacity=30,
        starts_on=start,
        ends_on=timezone.localdate(sessions[-1].starts_at),
        region=town,
        status=ClassStatus.APPROVED,
        decided_by=approver,
        decided_at=timezone.now(),
        decision_note=HISTORY,
    )
    ClassSession.objects.bulk_create(
        ClassSession(
            training_class=training_class,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            venue_id=s.venue_id,
            teacher_id=s.teacher_id,
            topic=s.topic,
        )
        for s in sessions
    )
    late = timing_problem(training_class)
    found, entry = services.approval_problems(training_class)
    problems = [p for p in found if p != late]
    if problems:
        raise DomainError(" ".join(problems))
    if entry is not None:
        training_class.catalog_entry = entry
        training_class.save(update_fields=["catalog_entry"])
    data = {"code": training_class.code, "sessions": len(sessions), "demo_history": True}
    audit.record(staff, "training.class.created", training_class, data=data)
    audit.record(
        approver,
        "training.class.approved",
        training_class,
        data={
            "code": training_class.code,
            "from": ClassStatus.DRAFT,
            "to": ClassStatus.APPROVED,
            "note": HISTORY,
            "catalog_entry": entry.key if entry is not None else None,
            "demo_history": True,
        },
    )
    return training_class


def enrol_some(
    training_class: TrainingClass,
    people: list[Person],
    staff: Any,
    *,
    history: bool = False,
) -> int:
    """Enrol the people who may take a place; return how many did.

    A class of the demo's history (held before it was loaded) had its trainees before its
    first session: their places are dated the day before, as a check-in counts only for
    sessions held while the trainee had a place.
    """
    count = 0
    for person in people:
        try:
            services.enrol_by_id_card(training_class.pk, person.id_number, person.name, actor=staff)
            count += 1
        except DomainError:
            continue
    if history:
        first = training_class.sessions.order_by("starts_at").values_list("starts_at", flat=True)
        before = first[0] - datetime.timedelta(days=1)
        Enrolment.objects.filter(training_class=training_class).update(
            created_at=before, seated_at=before
        )
    return count


def build_demo(*, stdout: SupportsWrite[str], attend: Attend | None = None) -> None:
    """Create the demo programmes, classes and enrolments once.

    ``attend`` checks the finished class's trainees in before it closes; attendance sits
    above training, so the demo command hands it in (jineng.attendance.demo.attend).
    """
    if TrainingClass.objects.filter(code__startswith=PREFIX).exists():
        stdout.write("training demo: already present\n")
        return
    staff = User.objects.filter(username="school1", role=Role.INSTITUTION_STAFF).first()
    admin = User.objects.filter(username="admin", role=Role.BUREAU_ADMIN).first()
    if staff is None or admin is None or staff.organization is None:
        stdout.write("training demo: skipped (no school1 or admin account)\n")
        return
    today = timezone.localdate()
    organization = staff.organization
    town = (
        Region.objects.filter(level=RegionLevel.TOWN, code__startswith="220581")
        .order_by("code")
        .first()
    )
    entry = entry_for(organization, today + datetime.timedelta(days=7))
    occupation = entry.occupation if entry else _any_occupation()
    if occupation is None:
        stdout.write("training demo: skipped (no occupations loaded)\n")
        return
    venue = services.create_venue(
        "实训楼101",
        organization.name,
        40,
        actor=staff,
        region_code=town.code if town else "",
        latitude=VENUE_LAT,
        longitude=VENUE_LNG,
    )
    other_venue = services.create_venue("实训楼102", organization.name, 40, actor=staff)
    teacher = services.create_teacher("王建国", actor=staff, qualification="高级技师")
    other_teacher = services.create_teacher("李秀英", actor=staff, qualification="技师")
    worker = User.objects.filter(username="worker1").select_related("person").first()
    others = Person.objects.filter(is_synthetic=True, region__code__startswith="220581")
    if worker is not None and worker.person_id is not None:
        others = others.exclude(pk=worker.person_id)
    people = list(others.order_by("pk")[:TRAINEES])
    if worker is not None and worker.person is not None:
        people.insert(0, worker.person)
    basic = services.create_programme(
        services.ProgrammeInput(
            name=f"{occupation.name}基础技能培训",
            occupation_code=occupation.code,
            skill_level_code="",
            training_type="upskilling",
            theory_hours=4,
            practice_hours=5,
        ),
        actor=staff,
    )
    # The finished class first: a person holds one place per programme at a time, so its
    # trainees can take the running class of the same programme only once it is closed.
    # Held yesterday, so staff may still record its check-ins by hand (within the grace).
    past = today - datetime.timedelta(days=1)
    closed = held_class(staff, basic, "DONE", _one_day(past, venue, teacher), town)
    enrol_some(closed, people[:6], staff, history=True)
    services.transition(closed.pk, ClassStatus.RUNNING, actor=staff)
    if attend is not None:
        attend(closed, staff, (VENUE_LAT, VENUE_LNG))
    services.close_class(closed.pk, actor=staff, note="结业考核已完成")
    # Running today from 09:00, which may have begun: history too.
    running = held_class(staff, basic, "RUN", _sessions(today, 3, venue, teacher, 9), town)
    services.transition(running.pk, ClassStatus.RUNNING, actor=staff)
    running_count = enrol_some(running, people, staff, history=True)
    made = [running.code, closed.code]
    if entry is not None and entry.occupation is not None:
        hours = max(entry.min_hours or 0, 60)
        subsidised = services.create_programme(
            services.ProgrammeInput(
                name=f"{entry.occupation.name}就业技能培训",
                occupation_code=entry.occupation.code,
                skill_level_code=entry.skill_level.code if entry.skill_level else "",
                training_type=entry.training_type or "employment",
                theory_hours=hours // 3,
                practice_hours=hours - hours // 3,
                catalog_entry_key=entry.key,
            ),
            actor=staff,
        )
        start = today + datetime.timedelta(days=7)
        approved = _class(
            staff,
            subsidised,
            "SUB",
            start,
            timetable(start, subsidised.required_hours, other_venue, other_teacher),
            town,
        )
        services.transition(approved.pk, ClassStatus.SUBMITTED, actor=staff)
        try:
            services.transition(approved.pk, ClassStatus.APPROVED, actor=admin, note="材料齐全")
            enrol_some(approved, people, staff)
        except DomainError as error:
            stdout.write(f"training demo: approval refused: {error.detail}\n")
        later = today + datetime.timedelta(days=30)
        queued = _class(
            staff,
            subsidised,
            "SUB2",
            later,
            timetable(later, subsidised.required_hours, venue, teacher),
            town,
        )
        services.transition(queued.pk, ClassStatus.SUBMITTED, actor=staff)
        made += [approved.code, queued.code]
    else:
        stdout.write("training demo: no subsidised catalog entry the institution may train for\n")
    stdout.write(
        "training demo: classes {codes}; {n} trainees in the running class\n".format(
            codes=", ".join(made), n=running_count
        )
    )
