"""The rules on subsidy claims (R09, R22, R29, R30, R33) on planted claims and clean ones.

Claims, lines, enrolments, sessions and check-ins are written as rows, the way the services
leave them; each rule gets a planted positive and a clean negative beside it, and runs on
SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime
import itertools
from typing import Any

import pytest
from django.utils import timezone

from conftest import make_user
from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.attendance.models import Attendance
from jineng.certificates.tests.pages_fixtures import certificate
from jineng.fraud.rules.base import REGISTRY, Hit, Threshold, Window
from jineng.fraud.rules.registry import load_rules
from jineng.occupations.models import Occupation, OccupationLevel, SkillLevel
from jineng.organizations.models import Organization, OrganizationKind
from jineng.people.models import Person
from jineng.regions.models import Region
from jineng.subsidies.models import Claim, ClaimLine, RuleSet
from jineng.training.models import ClassSession, Enrolment, Programme, TrainingClass

load_rules()

D = datetime.date
JUNE_END = D(2026, 6, 30)
JULY_10 = D(2026, 7, 10)
_serial = itertools.count(1)


def run(code: str, window: Window | None = None, **changes: Threshold) -> list[Hit]:
    spec = REGISTRY[code]
    return list(spec.check({**spec.defaults, **changes}, window or Window()))


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


class World:
    """A school, its occupation at two levels, a rule set and a submitting account."""

    def __init__(self, city: Region) -> None:
        self.city = city
        self.school = Organization.objects.create(
            credit_code="52220581MJ66666666", name="丙学校", kind=OrganizationKind.PRIVATE_TRAINING
        )
        self.other_school = Organization.objects.create(
            credit_code="52220581MJ55555555", name="丁学校", kind=OrganizationKind.PRIVATE_TRAINING
        )
        self.occupation = Occupation.objects.create(
            code="6-31-01-03", name="电工", level=OccupationLevel.OCCUPATION
        )
        self.level4 = SkillLevel.objects.create(code="4", name="四级/中级工", rank=2)
        self.level5 = SkillLevel.objects.create(code="5", name="五级/初级工", rank=1)
        self.rule_set = RuleSet.objects.create(
            number=1, title="示例", is_example=True, effective_from=D(2026, 1, 1)
        )
        self.staff = make_user("claims_staff", Role.INSTITUTION_STAFF, organization=self.school)

    def person(self) -> Person:
        n = next(_serial)
        return Person.objects.create(
            name=f"学员{n}",
            id_number_encrypted=b"-",
            id_number_hash=f"subsidy-claims-{n}",
            birth_date=D(1990, 1, 1),
            sex="F",
            region=self.city,
        )

    def a_class(
        self,
        *,
        level: SkillLevel | None = None,
        ends_on: datetime.date = JUNE_END,
        school: Organization | None = None,
    ) -> TrainingClass:
        n = next(_serial)
        programme = Programme.objects.create(
            organization=school or self.school,
            name=f"电工培训{n}",
            occupation=self.occupation,
            skill_level=level or self.level5,
            training_type="employment",
            theory_hours=20,
            practice_hours=20,
        )
        return TrainingClass.objects.create(
            programme=programme,
            code=f"C-SC-{n}",
            capacity=30,
            status="closed",
            starts_on=ends_on - datetime.timedelta(days=20),
            ends_on=ends_on,
        )

    def enrol(self, person: Person, training_class: TrainingClass, **fields: Any) -> Enrolment:
        return Enrolment.objects.create(
            training_class=training_class,
            person=person,
            status="completed",
            seated_at=at(training_class.starts_on - datetime.timedelta(days=5)),
            **fields,
        )

    def claim(
        self,
        *,
        kind: str = "training",
        training_class: TrainingClass | None = None,
        on: datetime.date = JULY_10,
        status: str = "submitted",
        organization: Organization | None = None,
        person: Person | None = None,
        submitter: User | None = None,
    ) -> Claim:
        n = next(_serial)
        return Claim.objects.create(
            number=f"BT2026{n:06d}",
            kind=kind,
            status=status,
            organization=None if person is not None else (organization or self.school),
            person=person,
            training_class=training_class,
            rule_set=self.rule_set,
            year=on.year,
            total_fen=0,
            submitted_by=submitter or self.staff,
            submitted_at=at(on),
            rejection_reasons="不符合条件" if status == "rejected" else "",
        )

    def line(self, claim: Claim, person: Person, **fields: Any) -> ClaimLine:
        return ClaimLine.objects.create(
            claim=claim,
            kind=fields.pop("kind", claim.kind),
            person=person,
            amount_fen=100_000,
            **fields,
        )


@pytest.fixture
def world(city: Region) -> World:
    return World(city)


# --- R09 -------------------------------------------------------------------------------------


def test_r09_blocks_the_same_person_occupation_and_level_claimed_twice(world: World) -> None:
    twice, once, other_level, rejected = (world.person() for _ in range(4))
    first, second = world.a_class(), world.a_class()
    higher = world.a_class(level=world.level4)
    claim_1 = world.claim(training_class=first)
    claim_2 = world.claim(training_class=second)
    claim_3 = world.claim(training_class=higher)
    dropped = world.claim(training_class=second, status="rejected")
    lines = [
        world.line(claim_1, twice, enrolment=world.enrol(twice, first)),
        world.line(claim_2, twice, enrolment=world.enrol(twice, second)),
    ]
    world.line(claim_1, once, enrolment=world.enrol(once, first))
    # A higher level of the same occupation is not a second subsidy of the same one.
    world.line(claim_1, other_level, enrolment=world.enrol(other_level, first))
    world.line(claim_3, other_level, enrolment=world.enrol(other_level, higher))
    # A claim rejected, or a line removed, is not a subsidy.
    world.line(claim_1, rejected, enrolment=world.enrol(rejected, first))
    world.line(dropped, rejected, enrolment=world.enrol(rejected, second))

    hits = run("R09")

    assert [(h.subject, h.subject_id, h.key) for h in hits] == [
        (
            "person",
            twice.pk,
            f"occupation:{twice.pk}:{world.occupation.pk}:{world.level5.pk}",
        )
    ]
    assert [row["line_id"] for row in hits[0].evidence] == [line.pk for line in lines]
    assert hits[0].evidence[0]["occupation"] == "6-31-01-03"
    assert hits[0].class_ids == tuple(sorted((first.pk, second.pk)))
    assert hits[0].organization_ids == (world.school.pk,)
    assert run("R09", Window(person_ids=frozenset({once.pk}))) == []
    assert len(run("R09", Window(person_ids=frozenset({twice.pk})))) == 1


def test_r09_counts_a_skill_upgrade_for_a_level_already_trained(world: World) -> None:
    trained, upgraded_only = world.person(), world.person()
    first = world.a_class()
    claim = world.claim(training_class=first)
    world.line(claim, trained, enrolment=world.enrol(trained, first))
    for holder in (trained, upgraded_only):
        held = certificate(
            f"S2205810012607{next(_serial):07d}",
            holder,
            world.school,
            occupation=world.occupation,
            level=world.level5,
            issued_on=D(2026, 7, 5),
        )
        upgrade = world.claim(
            kind="skill_upgrade",
            person=holder,
            submitter=make_user(f"w{holder.pk}", Role.WORKER, person=holder),
        )
        world.line(upgrade, holder, certificate=held)

    assert [h.subject_id for h in run("R09")] == [trained.pk]


def test_r09_blocks_one_enrolment_under_two_kinds_but_not_a_living_allowance(
    world: World,
) -> None:
    doubled, living = world.person(), world.person()
    first = world.a_class(level=world.level4)
    training = world.claim(training_class=first)
    on_the_job = world.claim(kind="work_for_training", training_class=first)
    allowance = world.claim(kind="living", training_class=first)
    enrolment = world.enrol(doubled, first)
    world.line(training, doubled, enrolment=enrolment)
    world.line(on_the_job, doubled, enrolment=enrolment)
    other = world.enrol(living, first)
    world.line(training, living, enrolment=other)
    world.line(allowance, living, enrolment=other)

    keys = {h.key for h in run("R09")}

    assert f"enrolment:{enrolment.pk}" in keys
    assert f"enrolment:{other.pk}" not in keys
    assert not any(str(living.pk) in key.split(":") for key in keys)


def test_r09_holds_more_trainings_in_a_year_than_the_cap(world: World) -> None:
    busy, fine = world.person(), world.person()
    for _ in range(3):
        course = world.a_class()
        course.programme.occupation = Occupation.objects.create(
            code=f"6-31-01-{next(_serial):02d}", name="工种", level=OccupationLevel.OCCUPATION
        )
        course.programme.save()
        claim = world.claim(training_class=course)
        world.line(claim, busy, enrolment=world.enrol(busy, course))
    course = world.a_class()
    world.line(world.claim(training_class=course), fine, enrolment=world.enrol(fine, course))

    assert run("R09") == []
    hits = run("R09", max_per_year=2)
    assert [(h.subject_id, h.key, h.evidence_count) for h in hits] == [
        (busy.pk, f"year:{busy.pk}:2026", 3)
    ]
    assert run("R09", max_per_year=0) == []


def test_r09_blocks_training_below_a_certificate_already_held(world: World) -> None:
    held_higher, held_lower, held_later = world.person(), world.person(), world.person()
    course = world.a_class(level=world.level5, ends_on=D(2026, 6, 30))
    claim = world.claim(training_class=course)
    for person, level, day in (
        (held_higher, world.level4, D(2025, 1, 1)),
        (held_lower, world.level5, D(2025, 1, 1)),
        (held_later, world.level4, D(2026, 7, 1)),  # after the class started
    ):
        certificate(
            f"S2205810012609{next(_serial):07d}",
            person,
            world.school,
            occupation=world.occupation,
            level=level,
            issued_on=day,
        )
        world.line(claim, person, enrolment=world.enrol(person, course))

    hits = [h for h in run("R09") if h.key.startswith("below:")]

    assert [h.subject_id for h in hits] == [held_higher.pk]
    assert hits[0].evidence[0]["level"] == "五级/初级工"


def test_r09_blocks_a_skill_upgrade_claimed_too_long_after_the_certificate(
    world: World,
) -> None:
    late, in_time, last_day = world.person(), world.person(), world.person()
    claims = {}
    for person, day in (
        (late, D(2027, 7, 6)),
        (in_time, D(2027, 5, 1)),
        (last_day, D(2027, 7, 5)),
    ):
        held = certificate(
            f"S2205810012610{next(_serial):07d}",
            person,
            world.school,
            occupation=world.occupation,
            level=world.level5,
            issued_on=D(2026, 7, 5),
        )
        claim = world.claim(
            kind="skill_upgrade",
            person=person,
            on=day,
            submitter=make_user(f"w09-{person.pk}", Role.WORKER, person=person),
        )
        world.line(claim, person, certificate=held)
        claims[person.pk] = claim

    hits = [h for h in run("R09") if h.key.startswith("late:")]

    assert [(h.subject, h.subject_id) for h in hits] == [("claim", claims[late.pk].pk)]
    assert hits[0].evidence[0]["deadline"] == "2027-07-05"
    assert not [h for h in run("R09", months_after_certificate=0) if h.key.startswith("late:")]
    assert {h.subject_id for h in run("R09", months_after_certificate=9)} >= {
        claims[in_time.pk].pk,
        claims[last_day.pk].pk,
    }


# --- R22 -------------------------------------------------------------------------------------


def check_in(enrolment: Enrolment, session: ClassSession) -> Attendance:
    return Attendance.objects.create(
        enrolment=enrolment, session=session, checked_in_at=session.starts_at, method="qr"
    )


def test_r22_blocks_more_minutes_counted_than_the_check_ins_attest(world: World) -> None:
    course = world.a_class()
    sessions = [
        ClassSession.objects.create(
            training_class=course,
            starts_at=at(course.starts_on + datetime.timedelta(days=n), 9),
            ends_at=at(course.starts_on + datetime.timedelta(days=n), 13),
        )
        for n in range(3)
    ]
    inflated, honest, close = world.person(), world.person(), world.person()
    # 720 minutes counted, 240 attested by one check-in.
    e_inflated = world.enrol(inflated, course, attended_minutes=720, required_hours=12)
    check_in(e_inflated, sessions[0])
    e_honest = world.enrol(honest, course, attended_minutes=720, required_hours=12)
    for session in sessions:
        check_in(e_honest, session)
    # 500 counted, 480 attested: within the 30 minutes' tolerance.
    e_close = world.enrol(close, course, attended_minutes=500, required_hours=12)
    for session in sessions[:2]:
        check_in(e_close, session)
    claim = world.claim(training_class=course)
    for person, enrolment in ((inflated, e_inflated), (honest, e_honest), (close, e_close)):
        world.line(claim, person, enrolment=enrolment)

    hits = run("R22")

    assert [(h.subject, h.subject_id, h.key) for h in hits] == [
        ("claim", claim.pk, f"claim:{claim.pk}")
    ]
    assert [
        (r["person_id"], r["counted_minutes"], r["attested_minutes"]) for r in hits[0].evidence
    ] == [(inflated.pk, 720, 240)]
    assert hits[0].person_ids == (inflated.pk,)
    assert {r["person_id"] for r in run("R22", tolerance_minutes=0)[0].evidence} == {
        inflated.pk,
        close.pk,
    }
    assert run("R22", Window(person_ids=frozenset({honest.pk}))) == []


# --- R29 -------------------------------------------------------------------------------------


def test_r29_blocks_a_claim_before_the_class_ended_or_the_certificate_date(world: World) -> None:
    early_class = world.a_class(ends_on=D(2026, 6, 30))
    trainee, on_time = world.person(), world.person()
    early = world.claim(training_class=early_class, on=D(2026, 6, 20))
    world.line(early, trainee, enrolment=world.enrol(trainee, early_class))
    last_day = world.claim(training_class=early_class, on=D(2026, 6, 30))
    world.line(last_day, on_time, enrolment=world.enrol(on_time, early_class))

    holder, patient = world.person(), world.person()
    hits_cert = []
    for person, day in ((holder, D(2026, 7, 4)), (patient, D(2026, 7, 5))):
        held = certificate(
            f"S2205810012608{next(_serial):07d}",
            person,
            world.school,
            occupation=world.occupation,
            level=world.level5,
            issued_on=D(2026, 7, 5),
        )
        claim = world.claim(
            kind="skill_upgrade",
            person=person,
            on=day,
            submitter=make_user(f"w29-{person.pk}", Role.WORKER, person=person),
        )
        world.line(claim, person, certificate=held)
        hits_cert.append(claim)

    hits = run("R29")

    assert [(h.subject, h.subject_id) for h in hits] == [
        ("claim", early.pk),
        ("claim", hits_cert[0].pk),
    ]
    assert hits[0].evidence[0]["submitted_on"] == "2026-06-20"
    assert hits[0].evidence[0]["class_ends_on"] == "2026-06-30"
    assert "2026-06-30" in hits[0].summary
    assert hits[1].evidence[0]["certificate_issued_on"] == "2026-07-05"
    assert hits[0].class_ids == (early_class.pk,)
    assert run("R29", Window(class_ids=frozenset({world.a_class().pk}))) == []


# --- R30 -------------------------------------------------------------------------------------


def test_r30_holds_a_month_far_above_the_organisations_median(world: World) -> None:
    course = world.a_class()
    steady = world.a_class(school=world.other_school)
    months = [D(2026, m, 10) for m in range(1, 6)]
    for day in months[:4]:
        world.claim(training_class=course, on=day)
        for _ in range(2):
            world.claim(training_class=steady, organization=world.other_school, on=day)
    for _ in range(7):
        world.claim(training_class=course, on=months[4])
    for _ in range(5):
        world.claim(training_class=steady, organization=world.other_school, on=months[4])

    hits = run("R30")

    assert [(h.subject, h.subject_id, h.key) for h in hits] == [
        ("organization", world.school.pk, f"burst:{world.school.pk}:2026-05")
    ]
    assert hits[0].evidence[0]["count"] == 7
    assert hits[0].evidence[0]["median"] == 1.0
    assert hits[0].organization_ids == (world.school.pk,)
    assert run("R30", min_monthly=8) == []
    assert {h.subject_id for h in run("R30", ratio=2.0)} == {
        world.school.pk,
        world.other_school.pk,
    }


def test_r30_holds_a_city_wide_daily_spike_of_claims(world: World) -> None:
    course = world.a_class()
    for n in range(1, 11):
        world.claim(training_class=course, on=D(2026, 6, n))
    world.claim(training_class=course, on=D(2026, 6, 12))
    spike = D(2026, 6, 11)
    claimants = [world.person() for _ in range(20)]
    for person in claimants:
        world.claim(kind="skill_upgrade", person=person, on=spike)
    for _ in range(5):
        world.claim(training_class=course, on=spike)

    hits = [h for h in run("R30") if h.key.startswith("spike:")]

    assert [h.key for h in hits] == ["spike:2026-06-11"]
    assert hits[0].person_ids == tuple(sorted(p.pk for p in claimants))
    assert hits[0].organization_ids == (world.school.pk,)
    assert hits[0].evidence[0] == {
        "claimant": f"organization:{world.school.pk}",
        "count": 5,
        "day": "2026-06-11",
    }
    assert not [h for h in run("R30", min_daily=26) if h.key.startswith("spike:")]
    assert not [h for h in run("R30", daily_ratio=30.0) if h.key.startswith("spike:")]


# --- R33 -------------------------------------------------------------------------------------


def test_r33_holds_the_class_whose_trainee_disputes_a_line(world: World) -> None:
    disputed_class, clean_class = world.a_class(), world.a_class()
    denier, confirmer, waiting = world.person(), world.person(), world.person()
    claim = world.claim(training_class=disputed_class)
    world.line(
        claim, denier, enrolment=world.enrol(denier, disputed_class), confirmation="disputed"
    )
    world.line(claim, waiting, enrolment=world.enrol(waiting, disputed_class))
    clean = world.claim(training_class=clean_class)
    world.line(
        clean, confirmer, enrolment=world.enrol(confirmer, clean_class), confirmation="confirmed"
    )

    hits = run("R33")

    assert [(h.subject, h.subject_id, h.key) for h in hits] == [
        ("class", disputed_class.pk, f"class:{disputed_class.pk}")
    ]
    assert hits[0].class_ids == (disputed_class.pk,)
    assert hits[0].organization_ids == (world.school.pk,)
    assert hits[0].person_ids == (denier.pk,)
    assert run("R33", min_disputed=2) == []
    assert run("R33", Window(class_ids=frozenset({clean_class.pk}))) == []


def test_the_claim_rules_run_a_bounded_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    course = world.a_class()
    claim = world.claim(training_class=course, on=D(2026, 6, 1))
    for _ in range(10):
        person = world.person()
        world.line(
            claim,
            person,
            enrolment=world.enrol(person, course, attended_minutes=600),
            confirmation="disputed",
        )
    with django_assert_max_num_queries(12):
        counts = {code: len(run(code)) for code in ("R09", "R22", "R29", "R30", "R33")}
    assert counts == {"R09": 0, "R22": 1, "R29": 1, "R30": 0, "R33": 1}


def test_a_hit_holds_the_claim_in_subsidies_and_clearing_releases_it(
    world: World, reviewer: Any
) -> None:
    from jineng.fraud import engine, services
    from jineng.fraud.models import Alert
    from jineng.subsidies.models import ClaimHold

    course = world.a_class(ends_on=D(2026, 6, 30))
    trainee = world.person()
    early = world.claim(training_class=course, on=D(2026, 6, 20))
    world.line(early, trainee, enrolment=world.enrol(trainee, course))
    # As the claim screen runs it: limited to the claim's people and class.
    window = Window(person_ids=frozenset({trainee.pk}), class_ids=frozenset({course.pk}))

    summary = engine.run(["R29"], window)

    alert = Alert.objects.get(rule_code="R29")
    assert (summary.new_alerts, summary.holds, alert.holds) == (1, 1, 1)
    hold = ClaimHold.objects.get(claim=early)
    assert (hold.source, hold.released_at) == (f"fraud.alert:{alert.pk}", None)
    assert engine.run(["R29"], window).new_alerts == 0
    services.dispose(alert.pk, outcome="cleared", reason="班级提前结业，已核实", actor=reviewer)
    hold.refresh_from_db()
    assert hold.released_at is not None
