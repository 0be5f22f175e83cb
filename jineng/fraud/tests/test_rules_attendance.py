"""R15, R16, R17, R18, R20, R21 and R23 on planted rows: each a positive, a clean negative just
under the threshold, and a changed threshold that changes the outcome."""

from __future__ import annotations

import datetime
import itertools
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from jineng.attendance.models import Attendance
from jineng.fraud import engine
from jineng.fraud.models import Alert
from jineng.fraud.rules.base import REGISTRY, Hit, Threshold, Window
from jineng.fraud.rules.registry import load_rules
from jineng.learning.models import LearningPlatform, Statement
from jineng.occupations.models import Occupation, OccupationLevel
from jineng.organizations.models import Organization, OrganizationKind
from jineng.people.models import Person
from jineng.regions.models import Region
from jineng.training.models import (
    ClassSession,
    Enrolment,
    Programme,
    Teacher,
    TrainingClass,
    Venue,
)

load_rules()

D = datetime.date
_serial = itertools.count(1)
# 梅河口市 and a point about 50 km north of it.
HOME = (Decimal("42.530000"), Decimal("125.680000"))
NORTH = (Decimal("42.980000"), Decimal("125.680000"))


def run(code: str, window: Window | None = None, **changes: Threshold) -> list[Hit]:
    spec = REGISTRY[code]
    params = {**spec.defaults, **changes}
    return list(spec.check(params, window or Window()))


def local(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime.datetime:
    """A moment of March 2026 in the city's time zone."""
    return timezone.make_aware(datetime.datetime(2026, 3, day, hour, minute, second))


def people(count: int, region: Region) -> list[Person]:
    first = next(_serial) * 1000
    names = [f"学员{first + i}" for i in range(count)]
    Person.objects.bulk_create(
        Person(
            name=name,
            id_number_encrypted=b"-",
            id_number_hash=f"test-{name}",
            birth_date=D(1990, 1, 1),
            sex="M",
            region=region,
        )
        for name in names
    )
    return list(Person.objects.filter(name__in=names).order_by("pk"))


@pytest.fixture
def electrician(db: Any) -> Occupation:
    return Occupation.objects.create(
        code="6-31-01-03", name="电工", level=OccupationLevel.OCCUPATION
    )


def make_org() -> Organization:
    n = next(_serial)
    return Organization.objects.create(
        credit_code=f"52220581MJ{n:08d}", name=f"机构{n}", kind=OrganizationKind.PRIVATE_TRAINING
    )


def venue(org: Organization, at: tuple[Decimal, Decimal] = HOME, capacity: int = 50) -> Venue:
    return Venue.objects.create(
        organization=org,
        name="教室",
        address="梅河口市",
        latitude=at[0],
        longitude=at[1],
        capacity=capacity,
    )


def training_class(org: Organization, occupation: Occupation) -> TrainingClass:
    programme = Programme.objects.create(
        organization=org,
        name="培训",
        occupation=occupation,
        training_type="employment",
        theory_hours=40,
        practice_hours=40,
    )
    return TrainingClass.objects.create(
        programme=programme,
        code=f"C{next(_serial):05d}",
        capacity=60,
        status="running",
        starts_on=D(2026, 3, 1),
        ends_on=D(2026, 3, 31),
    )


def session(
    training: TrainingClass,
    starts_at: datetime.datetime,
    minutes: int = 120,
    *,
    place: Venue | None = None,
    teacher: Teacher | None = None,
) -> ClassSession:
    return ClassSession.objects.create(
        training_class=training,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=minutes),
        venue=place,
        teacher=teacher,
    )


def enrol(training: TrainingClass, persons: Sequence[Person]) -> list[Enrolment]:
    Enrolment.objects.bulk_create(
        Enrolment(training_class=training, person=p, status="enrolled") for p in persons
    )
    return list(
        Enrolment.objects.filter(training_class=training, person__in=persons).order_by("pk")
    )


def check_in(
    enrolment: Enrolment,
    at_session: ClassSession,
    at: datetime.datetime | None = None,
    *,
    method: str = "qr",
    **fields: Any,
) -> Attendance:
    return Attendance.objects.create(
        enrolment=enrolment,
        session=at_session,
        checked_in_at=at or at_session.starts_at,
        method=method,
        reason="设备故障" if method == "manual" else "",
        **fields,
    )


# --- R15 -------------------------------------------------------------------------------------


def test_r15_holds_check_ins_to_overlapping_sessions(city: Region, electrician: Occupation) -> None:
    first, second = training_class(make_org(), electrician), training_class(make_org(), electrician)
    double, careful = people(2, city)
    morning = session(first, local(2, 9))  # 09:00-11:00
    overlap = session(second, local(2, 10))  # 10:00-12:00
    after = session(second, local(2, 11))  # 11:00-13:00, right after the first
    a, b = enrol(first, [double, careful])
    c, d = enrol(second, [double, careful])
    check_in(a, morning, latitude=HOME[0], longitude=HOME[1])
    check_in(c, overlap, latitude=HOME[0], longitude=HOME[1])
    check_in(b, morning)
    check_in(d, after)

    hits = run("R15")

    assert [(h.subject_id, h.class_ids) for h in hits] == [
        (double.pk, tuple(sorted((first.pk, second.pk))))
    ]
    assert hits[0].key.startswith("overlap:")
    assert hits[0].evidence_count == 2
    # A check of either class finds the same pair.
    for training in (first, second):
        assert [h.key for h in run("R15", Window(class_ids=frozenset({training.pk})))] == [
            hits[0].key
        ]
    assert run("R15", Window(person_ids=frozenset({careful.pk}))) == []


def test_r15_holds_impossible_travel_between_check_ins(
    city: Region, electrician: Occupation
) -> None:
    org = make_org()
    here, there = venue(org, HOME), venue(org, NORTH)
    first, second = training_class(org, electrician), training_class(org, electrician)
    early = session(first, local(3, 8), 70, place=here)  # 08:00-09:10
    late = session(second, local(3, 9, 15), 60, place=there)  # 09:15-10:15
    racer, driver = people(2, city)
    r1, d1 = enrol(first, [racer, driver])
    r2, d2 = enrol(second, [racer, driver])
    # 50 km in 20 minutes (150 km/h); the same in 40 minutes (75 km/h).
    check_in(r1, early, local(3, 9, 5), latitude=HOME[0], longitude=HOME[1])
    check_in(r2, late, local(3, 9, 25))  # no location of its own: the venue's
    check_in(d1, early, local(3, 9, 5), latitude=HOME[0], longitude=HOME[1])
    check_in(d2, late, local(3, 9, 45), latitude=NORTH[0], longitude=NORTH[1])

    hits = run("R15")

    assert [(h.subject_id, h.key) for h in hits] == [
        (
            racer.pk,
            f"travel:{Attendance.objects.get(enrolment=r1).pk}:"
            f"{Attendance.objects.get(enrolment=r2).pk}",
        )
    ]
    assert 49_000 < hits[0].evidence[2]["distance_m"] < 51_000
    assert hits[0].evidence[2]["seconds"] == 1200
    assert {h.subject_id for h in run("R15", max_speed_kmh=70)} == {racer.pk, driver.pk}
    # A check of the first class looks at its trainees' check-ins in the other class too.
    assert [h.key for h in run("R15", Window(class_ids=frozenset({first.pk})))] == [hits[0].key]
    assert run("R15", min_distance_m=60_000) == []


# --- R16 -------------------------------------------------------------------------------------


def test_r16_flags_check_ins_far_from_the_venue_or_at_identical_coordinates(
    city: Region, electrician: Occupation
) -> None:
    org = make_org()
    training = training_class(org, electrician)
    held = session(training, local(4, 9), place=venue(org))
    places = enrol(training, people(7, city))
    check_in(places[0], held, distance_m=600, latitude=HOME[0], longitude=HOME[1])
    check_in(places[1], held, distance_m=400)
    spoofed = (Decimal("42.530101"), Decimal("125.680101"))
    for e in places[2:5]:
        check_in(e, held, latitude=spoofed[0], longitude=spoofed[1], distance_m=14)
    for e in places[5:7]:
        check_in(e, held, latitude=Decimal("42.530202"), longitude=Decimal("125.680202"))

    hits = run("R16")

    assert sorted((h.key.split(":")[0], h.person_ids) for h in hits) == [
        ("far", (places[0].person_id,)),
        ("identical", tuple(sorted(e.person_id for e in places[2:5]))),
    ]
    assert all(h.subject == "session" and h.class_ids == (training.pk,) for h in hits)
    assert len([h for h in run("R16", min_identical=2) if h.key.startswith("identical")]) == 2
    far = [h for h in run("R16", max_distance_m=300) if h.key.startswith("far")]
    assert far[0].evidence_count == 2


# --- R17 -------------------------------------------------------------------------------------


def test_r17_holds_more_than_three_trainees_on_one_device_in_a_session(
    city: Region, electrician: Occupation
) -> None:
    training = training_class(make_org(), electrician)
    one, two = session(training, local(5, 9)), session(training, local(6, 9))
    places = enrol(training, people(5, city))
    for e in places[:4]:
        check_in(e, one, device_id="phone-1")
    check_in(places[4], one, method="manual", device_id="phone-1")
    for e in places[:3]:
        check_in(e, two, device_id="phone-2")
    check_in(places[3], two, method="manual", device_id="phone-2")

    hits = run("R17")

    assert [(h.subject_id, h.person_ids) for h in hits] == [
        (one.pk, tuple(sorted(e.person_id for e in places[:4])))
    ]
    assert hits[0].evidence_count == 4
    # The trainees' claims are held, not every claim of the institution.
    assert (hits[0].class_ids, hits[0].organization_ids) == ((training.pk,), ())
    assert {h.subject_id for h in run("R17", max_trainees=2)} == {one.pk, two.pk}
    assert "phone-1" not in hits[0].key
    # A check of one trainee counts the others of the session on the device too.
    one_trainee = Window(person_ids=frozenset({places[0].person_id}))
    assert [h.key for h in run("R17", one_trainee)] == [hits[0].key]


# --- R18 -------------------------------------------------------------------------------------


def test_r18_flags_a_class_with_many_manual_check_ins_against_the_city(
    city: Region, electrician: Occupation
) -> None:
    classes = []
    for manual in (1, 1, 1, 3, 5):  # shares 5%, 5%, 5%, 15%, 25%: median 5%
        training = training_class(make_org(), electrician)
        classes.append(training)
        sessions = [session(training, local(day, 9)) for day in (9, 10, 11, 12)]
        places = enrol(training, people(5, city))
        Attendance.objects.bulk_create(
            Attendance(
                enrolment=e,
                session=s,
                checked_in_at=s.starts_at,
                method="manual" if index < manual else "qr",
                reason="未带手机" if index < manual else "",
            )
            for index, (s, e) in enumerate(itertools.product(sessions, places))
        )

    hits = run("R18")

    assert [(h.subject, h.subject_id, h.person_ids) for h in hits] == [("class", classes[4].pk, ())]
    assert hits[0].evidence[0]["city_median_share"] == 0.05
    assert hits[0].organization_ids == (classes[4].programme.organization_id,)
    assert {h.subject_id for h in run("R18", share=0.1)} == {classes[3].pk, classes[4].pk}
    assert run("R18", median_ratio=6) == []
    assert run("R18", min_check_ins=21) == []


# --- R20 -------------------------------------------------------------------------------------


def test_r20_flags_every_trainee_at_every_session(city: Region, electrician: Occupation) -> None:
    perfect, real = training_class(make_org(), electrician), training_class(make_org(), electrician)
    for training in (perfect, real):
        sessions = [session(training, local(day, 9)) for day in (2, 3, 4, 5, 6)]
        places = enrol(training, people(5, city))
        for day, s in enumerate(sessions):
            for index, e in enumerate(places):
                if training is real and day == 4 and index == 4:
                    continue  # one absence
                at = s.starts_at + datetime.timedelta(seconds=index * 100 + day * 7)
                check_in(e, s, at)

    hits = run("R20")

    assert [(h.subject_id, h.key) for h in hits] == [(perfect.pk, f"full:class:{perfect.pk}")]
    assert hits[0].evidence[0]["check_ins"] == 25
    assert run("R20", min_sessions=6) == []


def test_r20_flags_a_session_checked_in_within_a_minute(
    city: Region, electrician: Occupation
) -> None:
    training = training_class(make_org(), electrician)
    bunched, spread = session(training, local(7, 9)), session(training, local(8, 9))
    places = enrol(training, people(5, city))
    for index, e in enumerate(places):
        check_in(e, bunched, bunched.starts_at + datetime.timedelta(seconds=index * 12))
        check_in(e, spread, spread.starts_at + datetime.timedelta(seconds=index * 16))

    hits = [h for h in run("R20") if h.key.startswith("bunched")]

    assert [h.subject_id for h in hits] == [bunched.pk]
    assert hits[0].evidence[0]["spread_seconds"] == 48
    assert {h.subject_id for h in run("R20", same_minute_seconds=64)} == {bunched.pk, spread.pk}
    assert run("R20", min_session_check_ins=6) == []


def test_r20_flags_a_trainee_checking_in_at_the_same_second_session_after_session(
    city: Region, electrician: Occupation
) -> None:
    training = training_class(make_org(), electrician)
    sessions = [session(training, local(day, 9)) for day in (9, 10, 11, 12)]
    machine, human = enrol(training, people(2, city))
    for day, s in enumerate(sessions):
        check_in(machine, s, s.starts_at + datetime.timedelta(seconds=123))
        # The same second three times, another the fourth.
        check_in(human, s, s.starts_at + datetime.timedelta(seconds=200 if day < 3 else 201))

    hits = run("R20")

    assert [(h.subject_id, h.evidence[0]["offset_seconds"]) for h in hits] == [
        (machine.person_id, 123)
    ]
    assert {h.subject_id for h in run("R20", same_offset_sessions=3)} == {
        machine.person_id,
        human.person_id,
    }


# --- R21 -------------------------------------------------------------------------------------


def statement(
    platform: LearningPlatform,
    person: Person,
    ended: datetime.datetime,
    seconds: float,
    *,
    activity: str = "https://example.cn/course/1",
    training: TrainingClass | None = None,
) -> Statement:
    return Statement.objects.create(
        statement_id=uuid.uuid4(),
        platform=platform,
        data={},
        verb_id="http://adlnet.gov/expapi/verbs/experienced",
        activity_id=activity,
        agent_key=f"person:{person.pk}",
        stored=ended,
        timestamp=ended,
        duration_seconds=seconds,
        person=person,
        training_class_id=training.pk if training else None,
    )


def test_r21_holds_more_than_ten_hours_in_a_day_and_night_learning(
    city: Region, electrician: Occupation
) -> None:
    platform = LearningPlatform.objects.create(name="平台")
    training = training_class(make_org(), electrician)
    long_day, ten_hours, owl, early = people(4, city)
    for hour in range(9, 20):  # 11 one-hour records, 08:00 to 19:00
        statement(platform, long_day, local(10, hour), 3600, training=training)
    for hour in range(9, 19):  # exactly 10
        statement(platform, ten_hours, local(10, hour), 3600, training=training)
    for day in range(1, 12):  # 11 records of half an hour ending at 03:00 …
        statement(platform, owl, local(day, 3), 1800, training=training)
    for day in range(1, 11):  # … and 10 in the day: 55 % at night
        statement(platform, owl, local(day, 15), 1620, training=training)
    for day in range(1, 11):  # 50 % at night: not most
        statement(platform, early, local(day, 3), 1800, training=training)
        statement(platform, early, local(day, 15), 1800, training=training)

    hits = run("R21")

    assert sorted((h.key.split(":")[0], h.subject_id) for h in hits) == sorted(
        [("long_day", long_day.pk), ("night", owl.pk)]
    )
    assert all(h.class_ids == (training.pk,) for h in hits)
    assert {h.subject_id for h in run("R21", max_daily_hours=9.5) if "long" in h.key} == {
        long_day.pk,
        ten_hours.pk,
    }
    assert [h.subject_id for h in run("R21", night_share=0.6) if "night" in h.key] == []


def test_r21_holds_concurrent_playback_and_automation_check_ins(
    city: Region, electrician: Occupation
) -> None:
    platform = LearningPlatform.objects.create(name="平台")
    training = training_class(make_org(), electrician)
    two_tabs, one_by_one, bot, crammed = people(4, city)
    # Three hours of learning between 10:00 and 11:20: faster than double speed.
    for minute, course in ((0, "a"), (10, "b"), (20, "c")):
        statement(
            platform, crammed, local(12, 11, minute), 3600, activity=course, training=training
        )
    # 10:00-11:00 and 10:30-11:30 in two courses; 10:00-11:00 then 11:00-12:00.
    statement(platform, two_tabs, local(12, 11), 3600, activity="a", training=training)
    statement(platform, two_tabs, local(12, 11, 30), 3600, activity="b", training=training)
    statement(platform, one_by_one, local(12, 11), 3600, activity="a", training=training)
    statement(platform, one_by_one, local(12, 12), 3600, activity="b", training=training)
    held = session(training, local(13, 9))
    bot_place, human_place = enrol(training, [bot, one_by_one])
    check_in(bot_place, held, user_agent="Mozilla/5.0 HeadlessChrome/120.0")
    check_in(human_place, held, user_agent="Mozilla/5.0 (iPhone) MicroMessenger/8.0")

    hits = run("R21")

    assert sorted((h.key.split(":")[0], h.subject_id) for h in hits) == sorted(
        [
            ("concurrent", two_tabs.pk),
            ("concurrent", crammed.pk),
            ("clock", crammed.pk),
            ("agent", bot.pk),
        ]
    )
    # Two hours within one and a half: too fast only where playback is not sped up.
    assert {h.subject_id for h in run("R21", playback_speed=1.0) if "clock" in h.key} == {
        two_tabs.pk,
        crammed.pk,
    }
    assert [h for h in run("R21", min_clock_hours=3.5) if "clock" in h.key] == []
    assert {
        h.key.split(":")[0] for h in run("R21", check_concurrent=False, check_user_agents=False)
    } == {"clock"}
    assert run("R21", Window(person_ids=frozenset({one_by_one.pk}))) == []


# --- R23 -------------------------------------------------------------------------------------


def test_r23_flags_overfull_venues_double_booking_and_rented_teachers(
    city: Region, electrician: Occupation
) -> None:
    org, other = make_org(), make_org()
    small, hall = venue(org, capacity=5), venue(org, capacity=50)
    own = Teacher.objects.create(organization=org, name="王老师")
    rented = Teacher.objects.create(organization=other, name="李老师")
    full, fits = training_class(org, electrician), training_class(org, electrician)
    enrol(full, people(6, city))
    enrol(fits, people(5, city))
    a = session(full, local(16, 9), place=small, teacher=own)  # 09:00-11:00
    b = session(fits, local(16, 10), place=hall, teacher=own)  # overlaps a: same teacher
    session(fits, local(16, 11), place=small)  # right after a: fine
    c = session(fits, local(17, 9), place=hall, teacher=rented)
    d = session(full, local(17, 10), place=hall)  # overlaps c: same venue

    hits = run("R23")

    assert sorted(h.key for h in hits) == sorted(
        [
            f"capacity:class:{full.pk}:venue:{small.pk}",
            f"teacher_overlap:{a.pk}:{b.pk}",
            f"venue_overlap:{c.pk}:{d.pk}",
            f"faculty:class:{fits.pk}:teacher:{rented.pk}",
        ]
    )
    assert all(h.organization_ids == (org.pk,) for h in hits)
    assert {h.key.split(":")[0] for h in run("R23", check_overlaps=False)} == {
        "capacity",
        "faculty",
    }
    assert run("R23", check_capacity=False, check_overlaps=False, check_faculty=False) == []


# --- Query counts ----------------------------------------------------------------------------


def test_each_rule_runs_a_bounded_number_of_queries_whatever_the_rows(
    city: Region, electrician: Occupation, django_assert_max_num_queries: Any
) -> None:
    platform = LearningPlatform.objects.create(name="平台")
    org = make_org()
    small = venue(org, capacity=2)
    rented = Teacher.objects.create(organization=make_org(), name="李老师")
    persons = people(5, city)
    for index in range(3):
        training = training_class(org, electrician)
        places = enrol(training, persons)
        sessions = [
            session(training, local(day, 9 + index), place=small, teacher=rented)
            for day in (2, 3, 4, 5, 6)
        ]
        for s, e in itertools.product(sessions, places):
            check_in(
                e,
                s,
                s.starts_at + datetime.timedelta(seconds=5),
                method="manual" if index == 0 else "qr",
                device_id="one-phone",
                latitude=NORTH[0],
                longitude=NORTH[1],
                user_agent="HeadlessChrome",
            )
        for p in persons:
            for hour in range(1, 13):
                statement(platform, p, local(20 + index, hour), 3600, training=training)
    for code, most in (
        ("R15", 4),
        ("R16", 3),
        ("R17", 2),
        ("R18", 1),
        ("R20", 3),
        ("R21", 5),
        ("R23", 6),
    ):
        with django_assert_max_num_queries(most):
            assert run(code), code
    # The engine keeps every hit as an alert: its evidence is plain JSON on either database.
    summary = engine.run(("R15", "R16", "R17", "R18", "R20", "R21", "R23"))
    assert all(rule.hits and rule.new_alerts == rule.hits for rule in summary.rules)
    assert set(Alert.objects.values_list("rule_code", flat=True)) == set(
        ("R15", "R16", "R17", "R18", "R20", "R21", "R23")
    )
