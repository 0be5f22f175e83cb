"""Give the synthetic people years of training: classes, sessions, enrolments and check-ins.

``write_city`` adds, for each of the ``years`` full years before this one, ``classes_per_year``
finished classes (结业) of synthetic institutions, each with its sessions, its trainees (drawn
from the synthetic people, each at most once a year, so nobody is in two rooms at once) and
their check-ins. A documented share of the classes carries planted fraud, one rule each
(``PLANTED``); everything else is clean for those rules. Every class draws from its own seeded
random stream (seed, year, index), so the same seed gives the same city and a rerun skips the
classes already there (by their code) and adds nothing. Rows are written in bulk, a few
classes at a time, with one audit event per run.

Assessments, certificates and subsidy claims are not generated yet (see ADR 0026).
"""

from __future__ import annotations

import datetime
import hashlib
import math
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.attendance.choices import AttendanceMethod
from jineng.attendance.models import Attendance
from jineng.catalogs.choices import TrainingType
from jineng.core import audit
from jineng.core.errors import ValidationFailed
from jineng.occupations.models import Occupation, OccupationLevel
from jineng.organizations.models import Organization, OrganizationKind
from jineng.people.models import Person
from jineng.people.synth import DEFAULT_SEED, city_regions
from jineng.regions.models import RegionLevel
from jineng.training.choices import ClassStatus, EnrolmentStatus
from jineng.training.models import ClassSession, Enrolment, Programme, Teacher, TrainingClass, Venue

# What is planted, one rule per planted class (FRAUD_RULES.md; ADR 0026 has the table).
PLANTED: dict[str, str] = {
    "R15": "two trainees checked in to two overlapping sessions of the class",
    "R16": "four trainees of one session checked in 3 km from the venue",
    "R17": "five trainees of one session checked in from one phone",
    "R18": "staff recorded 40% of the class's check-ins (the city's usual share is 3%)",
    "R23": "every session taught by a teacher of another institution (not on its faculty)",
}
DEFAULT_FRAUD_SHARE = 0.02
CLASS_SIZE = 30
SESSIONS = 10
SESSION_HOURS = 3
# Venues per institution; each has its own teacher, and two sessions a day (morning and
# afternoon), so an institution runs up to 2 × VENUES classes at once without a clash.
VENUES = 3
LANES = 2 * VENUES
# A class runs SESSIONS days in a row inside a period of this many days; periods fill a year
# from early January to November.
PERIOD_DAYS = 21
PERIODS = 15
CLASSES_PER_INSTITUTION = LANES * PERIODS
# Classes written per transaction (their sessions, enrolments and check-ins with them).
CHUNK = 20
ATTEND = 0.92
MANUAL = 0.03
CENTRE = (42.53, 125.68)  # 梅河口市
CREDIT_PREFIX = "52220581SY"


@dataclass(frozen=True)
class CityPlan:
    """How much training to generate."""

    years: int = 3
    classes_per_year: int = 0  # 0: one class a year for every 600 synthetic people
    class_size: int = CLASS_SIZE
    fraud_share: float = DEFAULT_FRAUD_SHARE
    seed: int = DEFAULT_SEED


@dataclass
class CityTotals:
    """What a run wrote, and the keys of what it planted (rule → ids)."""

    classes: int = 0
    skipped: int = 0
    sessions: int = 0
    enrolments: int = 0
    check_ins: int = 0
    planted: dict[str, list[int]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {
            "classes": self.classes,
            "skipped": self.skipped,
            "sessions": self.sessions,
            "enrolments": self.enrolments,
            "check_ins": self.check_ins,
            **{f"planted_{code}": len(ids) for code, ids in sorted(self.planted.items())},
        }


@dataclass(frozen=True)
class Institution:
    organization_id: int
    region_id: int | None
    programmes: tuple[int, ...]
    venues: tuple[tuple[int, float, float], ...]
    teachers: tuple[int, ...]


def planted_indexes(classes: int, share: float) -> dict[int, str]:
    """Which classes of a year carry which rule: ``share`` of them, spread evenly, at least
    one per rule when ``share`` is above 0 and the year has room."""
    if share <= 0 or classes == 0:
        return {}
    rules = sorted(PLANTED)
    count = min(classes, max(len(rules), math.ceil(classes * share)))
    return {int((j + 0.5) * classes / count): rules[j % len(rules)] for j in range(count)}


def _institutions(
    count: int, occupations: Sequence[Occupation], town_ids: Sequence[int | None]
) -> list[Institution]:
    """The synthetic institutions 1..count with their programmes, venues and teachers."""
    found = []
    for number in range(1, count + 1):
        rng = random.Random(f"institution:{number}")
        org, _created = Organization.objects.get_or_create(
            credit_code=f"{CREDIT_PREFIX}{number:08d}",
            defaults={
                "name": f"梅河口市合成职业培训学校{number}",
                "kind": OrganizationKind.PRIVATE_TRAINING,
                "region_id": town_ids[number % len(town_ids)],
                "is_synthetic": True,
            },
        )
        if not Venue.objects.filter(organization=org).exists():
            Venue.objects.bulk_create(
                Venue(
                    organization=org,
                    name=f"教室{v + 1}",
                    address="梅河口市",
                    region_id=org.region_id,
                    latitude=Decimal(f"{CENTRE[0] + rng.uniform(-0.05, 0.05):.6f}"),
                    longitude=Decimal(f"{CENTRE[1] + rng.uniform(-0.05, 0.05):.6f}"),
                    capacity=50,
                )
                for v in range(VENUES)
            )
            Teacher.objects.bulk_create(
                # One teacher per venue, and one more who teaches no class of this school.
                Teacher(organization=org, name=f"教师{number}-{v + 1}")
                for v in range(VENUES + 1)
            )
            Programme.objects.bulk_create(
                Programme(
                    organization=org,
                    name=f"{occupation.name}培训",
                    occupation=occupation,
                    training_type=TrainingType.EMPLOYMENT,
                    theory_hours=SESSIONS * SESSION_HOURS // 2,
                    practice_hours=SESSIONS * SESSION_HOURS - SESSIONS * SESSION_HOURS // 2,
                )
                for occupation in rng.sample(list(occupations), min(3, len(occupations)))
            )
        venues = Venue.objects.filter(organization=org).order_by("pk")
        found.append(
            Institution(
                org.pk,
                org.region_id,
                tuple(
                    Programme.objects.filter(organization=org)
                    .order_by("pk")
                    .values_list("pk", flat=True)
                ),
                tuple((v.pk, float(v.latitude or 0), float(v.longitude or 0)) for v in venues),
                tuple(
                    Teacher.objects.filter(organization=org)
                    .order_by("pk")
                    .values_list("pk", flat=True)
                ),
            )
        )
    return found


def _device(person_id: int, seed: int) -> str:
    return hashlib.sha256(f"{seed}:{person_id}".encode()).hexdigest()[:32]


def _point(rng: random.Random, lat: float, lon: float, off: float = 0.0) -> tuple[Decimal, Decimal]:
    # About ±100 m around the venue (plus ``off`` degrees north), six decimals like a phone.
    return (
        Decimal(f"{lat + off + rng.uniform(-0.0009, 0.0009):.6f}"),
        Decimal(f"{lon + rng.uniform(-0.0009, 0.0009):.6f}"),
    )


@dataclass
class _Class:
    code: str
    index: int
    year: int
    rule: str | None
    institution: Institution
    trainees: list[int]


def _write_chunk(
    items: list[_Class], institutions: list[Institution], seed: int, totals: CityTotals
) -> None:
    tz = timezone.get_current_timezone()
    classes = []
    for item in items:
        rng = random.Random(f"{seed}:{item.year}:{item.index}")
        k = item.index // len(institutions)
        period, lane = divmod(k % CLASSES_PER_INSTITUTION, LANES)
        start = datetime.date(item.year, 1, 4) + datetime.timedelta(days=period * PERIOD_DAYS)
        item.trainees.sort()
        classes.append(
            (
                item,
                rng,
                lane,
                TrainingClass(
                    programme_id=rng.choice(item.institution.programmes),
                    code=item.code,
                    capacity=len(item.trainees) + 5,
                    status=ClassStatus.CLOSED,
                    starts_on=start,
                    ends_on=start + datetime.timedelta(days=SESSIONS - 1),
                    region_id=item.institution.region_id,
                    closing_note="合成数据",
                ),
            )
        )
    TrainingClass.objects.bulk_create([c for *_rest, c in classes])
    # Sessions, then enrolments, then check-ins; each list holds this chunk only.
    sessions: list[tuple[_Class, random.Random, list[ClassSession], TrainingClass, int]] = []
    all_sessions: list[ClassSession] = []
    for item, rng, lane, training in classes:
        venue_id, _lat, _lon = item.institution.venues[lane % VENUES]
        teacher = item.institution.teachers[lane % VENUES]
        if item.rule == "R23":
            others = [i for i in institutions if i is not item.institution]
            if others:
                teacher = others[item.index % len(others)].teachers[VENUES]
        hour = 8 if lane < VENUES else 13
        own = []
        for day in range(SESSIONS):
            begins = datetime.datetime.combine(
                training.starts_on + datetime.timedelta(days=day), datetime.time(hour, 30), tz
            )
            own.append(
                ClassSession(
                    training_class=training,
                    starts_at=begins,
                    ends_at=begins + datetime.timedelta(hours=SESSION_HOURS),
                    venue_id=venue_id,
                    teacher_id=teacher,
                    topic=f"第{day + 1}课",
                )
            )
        if item.rule == "R15":
            # A make-up session an hour into the first one, without venue or teacher.
            first = own[0]
            own.append(
                ClassSession(
                    training_class=training,
                    starts_at=first.starts_at + datetime.timedelta(hours=1),
                    ends_at=first.ends_at + datetime.timedelta(hours=1),
                    topic="补课",
                )
            )
        sessions.append((item, rng, own, training, lane))
        all_sessions.extend(own)
    ClassSession.objects.bulk_create(all_sessions)
    enrolments = [
        Enrolment(
            training_class=training,
            person_id=person_id,
            status=EnrolmentStatus.COMPLETED,
            seated_at=datetime.datetime.combine(
                training.starts_on - datetime.timedelta(days=7), datetime.time(10), tz
            ),
            required_hours=SESSIONS * SESSION_HOURS,
        )
        for item, *_rest, training, _lane in sessions
        for person_id in item.trainees
    ]
    Enrolment.objects.bulk_create(enrolments, batch_size=2000)
    by_class: dict[int, list[Enrolment]] = {}
    for enrolment in enrolments:
        by_class.setdefault(enrolment.training_class_id, []).append(enrolment)
    check_ins: list[Attendance] = []
    for item, rng, own, training, lane in sessions:
        roster = by_class.get(training.pk, [])
        _venue, lat, lon = item.institution.venues[lane % VENUES]
        minutes: dict[int, int] = {}
        regular = own[:SESSIONS]
        planted_session = regular[len(regular) // 2]
        manual = 0.4 if item.rule == "R18" else MANUAL
        for at_session in regular:
            for position, enrolment in enumerate(roster):
                planted_here = at_session is planted_session and position < 5
                if not planted_here and rng.random() > ATTEND:
                    continue
                moment = at_session.starts_at + datetime.timedelta(seconds=rng.randint(-600, 900))
                row = Attendance(enrolment=enrolment, session=at_session, checked_in_at=moment)
                if rng.random() < manual and not planted_here:
                    row.method = AttendanceMethod.MANUAL
                    row.reason = "手机无法扫码"
                else:
                    row.method = AttendanceMethod.QR
                    row.device_id = _device(enrolment.person_id, item.year)
                    row.latitude, row.longitude = _point(rng, lat, lon)
                    row.accuracy_m = rng.randint(5, 40)
                    if planted_here and item.rule == "R17":
                        row.device_id = _device(roster[0].person_id, item.year)
                    if planted_here and item.rule == "R16" and position < 4:
                        row.latitude, row.longitude = _point(rng, lat, lon, off=0.027)
                check_ins.append(row)
                minutes[enrolment.pk] = minutes.get(enrolment.pk, 0) + SESSION_HOURS * 60
        if item.rule == "R15":
            extra = own[SESSIONS]
            for enrolment in roster[:2]:
                moment = extra.starts_at + datetime.timedelta(seconds=rng.randint(0, 300))
                check_ins.append(
                    Attendance(
                        enrolment=enrolment,
                        session=extra,
                        checked_in_at=moment,
                        method=AttendanceMethod.QR,
                        device_id=_device(enrolment.person_id, item.year),
                    )
                )
                # Both sessions of the overlap have a check-in of these two.
                if not any(a.enrolment is enrolment and a.session is own[0] for a in check_ins):
                    check_ins.append(
                        Attendance(
                            enrolment=enrolment,
                            session=own[0],
                            checked_in_at=own[0].starts_at,
                            method=AttendanceMethod.QR,
                            device_id=_device(enrolment.person_id, item.year),
                        )
                    )
        for enrolment in roster:
            enrolment.attended_minutes = minutes.get(enrolment.pk, 0)
        if item.rule is not None:
            keys = {
                "R15": [e.person_id for e in roster[:2]],
                "R16": [planted_session.pk],
                "R17": [planted_session.pk],
                "R18": [training.pk],
                "R23": [training.pk],
            }[item.rule]
            totals.planted.setdefault(item.rule, []).extend(keys)
    Attendance.objects.bulk_create(check_ins, batch_size=2000)
    Enrolment.objects.bulk_update(enrolments, ["attended_minutes"], batch_size=2000)
    totals.classes += len(classes)
    totals.sessions += len(all_sessions)
    totals.enrolments += len(enrolments)
    totals.check_ins += len(check_ins)


def _analyze() -> None:
    """Refresh the planner's statistics of the tables just filled in bulk.

    Without it PostgreSQL plans the fraud rules from the sizes before the load until
    autovacuum comes round: R15's overlap subquery then walks the whole attendance table by
    primary key for every check-in (quadratic; ADR 0026).
    """
    tables = [
        model._meta.db_table
        for model in (Person, TrainingClass, ClassSession, Enrolment, Attendance)
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE " + ", ".join(tables))
        else:
            for table in tables:
                cursor.execute(f"ANALYZE {table}")


def _plan_classes(
    plan: CityPlan, people: Sequence[int], institutions: list[Institution], classes: int
) -> Iterator[_Class]:
    this_year = timezone.localdate().year
    for year in range(this_year - plan.years, this_year):
        order = list(people)
        random.Random(f"{plan.seed}:{year}:people").shuffle(order)
        planted = planted_indexes(classes, plan.fraud_share)
        for index in range(classes):
            yield _Class(
                code=f"SY{plan.seed % 10000:04d}-{year}-{index + 1:05d}",
                index=index,
                year=year,
                rule=planted.get(index),
                institution=institutions[index % len(institutions)],
                trainees=order[index * plan.class_size : (index + 1) * plan.class_size],
            )


def write_city(
    plan: CityPlan,
    *,
    actor: Actor | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> CityTotals:
    """Write the plan's training over the synthetic people already there (``jineng synth``)."""
    people = list(
        Person.objects.filter(is_synthetic=True).order_by("pk").values_list("pk", flat=True)
    )
    if len(people) < plan.class_size:
        raise ValidationFailed(
            _("Generate synthetic people first: `jineng synth --people N`."), field="people"
        )
    occupations = list(
        Occupation.objects.filter(level=OccupationLevel.OCCUPATION).order_by("code")[:30]
    )
    if not occupations:
        raise ValidationFailed(
            _("No occupations are loaded: run `jineng load-reference`."), field="occupation"
        )
    towns: list[int | None] = [r.pk for r in city_regions() if r.level == RegionLevel.TOWN]
    # Each person at most once a year: no more seats a year than people.
    classes = min(
        plan.classes_per_year or max(1, len(people) // 600), len(people) // plan.class_size
    )
    total = classes * plan.years
    totals = CityTotals()
    with transaction.atomic():
        institutions = _institutions(
            max(2, math.ceil(classes / CLASSES_PER_INSTITUTION), classes // 40),
            occupations,
            towns or [None],
        )
    done = 0
    batch: list[_Class] = []

    def flush() -> None:
        nonlocal done
        existing = set(
            TrainingClass.objects.filter(code__in=[c.code for c in batch]).values_list(
                "code", flat=True
            )
        )
        fresh = [c for c in batch if c.code not in existing]
        totals.skipped += len(batch) - len(fresh)
        if fresh:
            with transaction.atomic():
                _write_chunk(fresh, institutions, plan.seed, totals)
        done += len(batch)
        batch.clear()
        if on_progress is not None:
            on_progress(done, total)

    for item in _plan_classes(plan, people, institutions, classes):
        batch.append(item)
        if len(batch) >= CHUNK:
            flush()
    if batch:
        flush()
    if totals.classes:
        _analyze()
        with transaction.atomic():
            audit.record(
                actor,
                "composition.city.generated",
                object_type="training.trainingclass",
                object_id="synthetic",
                data={"seed": plan.seed, "years": plan.years, **totals.counts()},
            )
    return totals
