"""R01, R02, R06, R10, R13 and R14 on planted rows: each a positive, a clean negative just
under the threshold, and a changed threshold that changes the outcome."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Sequence
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone
from stdnum.cn import ric

from conftest import make_user
from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.attendance.models import Attendance
from jineng.catalogs.models import Catalog, CatalogEntry, CatalogVersion, EntrySubsidy
from jineng.core import audit, pii
from jineng.fraud import engine
from jineng.fraud.models import Alert
from jineng.fraud.rules.base import REGISTRY, Hit, Threshold, Window
from jineng.fraud.rules.registry import load_rules
from jineng.occupations.models import Occupation, OccupationLevel
from jineng.organizations.models import Organization, OrganizationKind
from jineng.people.models import Person, TargetGroup, TargetGroupMembership
from jineng.regions.models import Region
from jineng.training.models import ClassSession, Enrolment, Programme, TrainingClass

load_rules()

D = datetime.date
_serial = itertools.count(1)


def run(code: str, window: Window | None = None, **changes: Threshold) -> list[Hit]:
    spec = REGISTRY[code]
    params = {**spec.defaults, **changes}
    return list(spec.check(params, window or Window()))


def citizen_id(born: datetime.date, serial: int, *, male: bool = True) -> str:
    sequence = serial % 500 * 2 + (1 if male else 0)
    body = f"220581{born:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


def people(
    count: int,
    region: Region,
    *,
    born: datetime.date | None = None,
    sex: str = "M",
    phone: str = "",
) -> list[Person]:
    born = born or D(1990, 1, 1)
    made = []
    for _ in range(count):
        n = next(_serial)
        number = citizen_id(born, n, male=sex == "M")
        made.append(
            Person(
                name=f"学员{n:04d}",
                id_number_encrypted=pii.encrypt(number),
                id_number_hash=pii.blind_index(number),
                phone_encrypted=pii.encrypt(phone) if phone else None,
                phone_hash=pii.blind_index(phone) if phone else "",
                birth_date=born,
                sex=sex,
                region=region,
            )
        )
    Person.objects.bulk_create(made)
    return list(Person.objects.filter(name__in=[p.name for p in made]).order_by("pk"))


@pytest.fixture
def electrician(db: Any) -> Occupation:
    return Occupation.objects.create(
        code="6-31-01-03", name="电工", level=OccupationLevel.OCCUPATION
    )


@pytest.fixture
def welder(db: Any) -> Occupation:
    return Occupation.objects.create(
        code="6-18-02-04", name="焊工", level=OccupationLevel.OCCUPATION
    )


def make_org() -> Organization:
    n = next(_serial)
    return Organization.objects.create(
        credit_code=f"52220581MJ{n:08d}", name=f"机构{n}", kind=OrganizationKind.PRIVATE_TRAINING
    )


def entry(**fields: Any) -> CatalogEntry:
    catalog, _ = Catalog.objects.get_or_create(kind="subsidised_training")
    version = CatalogVersion.objects.create(
        catalog=catalog,
        number=next(_serial),
        title="目录",
        status="published",
        effective_from=D(2026, 1, 1),
    )
    return CatalogEntry.objects.create(version=version, key=f"k{next(_serial)}", **fields)


def training_class(
    org: Organization,
    occupation: Occupation,
    *,
    starts_on: datetime.date | None = None,
    catalog_entry: CatalogEntry | None = None,
    subsidised: bool = True,
) -> TrainingClass:
    starts_on = starts_on or D(2026, 3, 2)
    programme = Programme.objects.create(
        organization=org,
        name="培训",
        occupation=occupation,
        training_type="employment",
        theory_hours=40,
        practice_hours=40,
        catalog_entry_key="6-31-01-03/level5/employment" if subsidised else "",
    )
    return TrainingClass.objects.create(
        programme=programme,
        code=f"C{next(_serial):05d}",
        capacity=60,
        status="running",
        starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(days=30),
        catalog_entry=catalog_entry,
    )


def enrol(training: TrainingClass, persons: Sequence[Person], status: str = "enrolled") -> None:
    Enrolment.objects.bulk_create(
        Enrolment(training_class=training, person=p, status=status) for p in persons
    )


# --- R01 -------------------------------------------------------------------------------------


def test_r01_blocks_a_trainee_whose_id_does_not_hold_together(
    city: Region, electrician: Occupation
) -> None:
    good, future, bad_digit, mismatch = (people(1, city)[0] for _ in range(4))
    Person.objects.filter(pk=future.pk).update(birth_date=D(2099, 1, 1))
    valid = citizen_id(D(1990, 1, 1), 7)
    broken = valid[:17] + ("1" if valid[17] == "0" else "0")
    Person.objects.filter(pk=bad_digit.pk).update(id_number_encrypted=pii.encrypt(broken))
    Person.objects.filter(pk=mismatch.pk).update(birth_date=D(1991, 1, 1))
    untrained = people(1, city)[0]
    Person.objects.filter(pk=untrained.pk).update(birth_date=D(2099, 1, 1))
    enrol(training_class(make_org(), electrician), [good, future, bad_digit, mismatch])

    # A scan reads what is stored in clear: the impossible birth date.
    hits = run("R01")
    assert [(h.subject_id, h.evidence[0]["reason"], h.person_ids) for h in hits] == [
        (future.pk, "birth_date", (future.pk,))
    ]
    # A check on write reads the numbers of its few people as well.
    everyone = frozenset({good.pk, future.pk, bad_digit.pk, mismatch.pk})
    assert [
        (h.subject_id, h.evidence[0]["reason"]) for h in run("R01", Window(person_ids=everyone))
    ] == [
        (future.pk, "birth_date"),
        (bad_digit.pk, "number"),
        (mismatch.pk, "mismatch"),
    ]
    assert [h.subject_id for h in run("R01", Window(person_ids=everyone), max_numbers_read=3)] == [
        future.pk
    ]
    assert run("R01", Window(person_ids=frozenset({good.pk}))) == []


# --- R02 -------------------------------------------------------------------------------------


def test_r02_holds_trainees_outside_the_age_window(city: Region, electrician: Occupation) -> None:
    start = D(2026, 3, 2)
    young = people(1, city, born=D(2010, 3, 3))[0]  # 15 the day before turning 16
    sixteen = people(1, city, born=D(2010, 3, 2))[0]  # 16 on the first day
    # Born December 1965: retires at 60 years and 3 months (2025 reform), on 2 March 2026.
    retired = people(1, city, born=D(1965, 12, 2))[0]
    working = people(1, city, born=D(1965, 12, 3))[0]
    sixty = people(1, city, born=D(1966, 3, 2))[0]  # 60 today, retires at 60 and 4 months
    # Born December 1970 from the base of 55: 55 years and 3 months.
    retired_woman = people(1, city, born=D(1970, 12, 2), sex="F")[0]
    working_woman = people(1, city, born=D(1970, 12, 3), sex="F")[0]
    training = training_class(make_org(), electrician, starts_on=start)
    persons = [young, sixteen, retired, working, sixty, retired_woman, working_woman]
    enrol(training, persons)
    Enrolment.objects.filter(training_class=training, person=retired_woman).update(
        status="withdrawn"
    )
    enrol(training, [retired_woman], status="completed")

    hits = run("R02")

    assert [(h.subject_id, h.evidence[0]["age_at_start"]) for h in hits] == [
        (young.pk, 15),
        (retired.pk, 60),
        (retired_woman.pk, 55),
    ]
    assert hits[1].evidence[0]["retirement_age_months"] == 723
    assert hits[2].evidence[0]["retirement_age_months"] == 663
    assert hits[0].class_ids == (training.pk,)
    # Without the reform's months, everyone 60 (men) or 55 (women) is outside.
    assert {h.subject_id for h in run("R02", gradual_retirement=False)} == {
        young.pk,
        retired.pk,
        working.pk,
        sixty.pk,
        retired_woman.pk,
        working_woman.pk,
    }
    assert {h.subject_id for h in run("R02", retirement_age_men=61)} == {
        young.pk,
        retired_woman.pk,
    }
    # A class paying no subsidy is not this rule's, unless the threshold says so.
    unpaid = training_class(make_org(), electrician, starts_on=start, subsidised=False)
    enrol(unpaid, [young])
    unpaid_window = Window(class_ids=frozenset({unpaid.pk}))
    assert run("R02", unpaid_window) == []
    assert [h.subject_id for h in run("R02", unpaid_window, subsidised_only=False)] == [young.pk]
    # A catalog entry's own range replaces the defaults.
    limited = training_class(
        make_org(), electrician, starts_on=start, catalog_entry=entry(age_min=18, age_max=45)
    )
    enrol(limited, [sixteen, working_woman])
    assert {h.subject_id for h in run("R02", Window(class_ids=frozenset({limited.pk})))} == {
        sixteen.pk,
        working_woman.pk,
    }


# --- R06 -------------------------------------------------------------------------------------


def test_r06_holds_a_trainee_made_eligible_after_the_class_started(
    city: Region, electrician: Occupation
) -> None:
    disabled = TargetGroup.objects.create(code="disabled", name="残疾人")
    poor = TargetGroup.objects.create(code="low_income", name="低收入")
    limited = entry(subsidy_fen=100000)
    limited.target_groups.add(disabled)
    EntrySubsidy.objects.create(entry=limited, target_group=poor, amount_fen=150000)
    start = D(2026, 3, 2)
    training = training_class(make_org(), electrician, starts_on=start, catalog_entry=limited)
    late, on_time, renewed, late_poor, unrelated = people(5, city)
    TargetGroupMembership.objects.create(
        person=late, group=disabled, source="disabled_federation", valid_from=D(2026, 3, 3)
    )
    TargetGroupMembership.objects.create(
        person=on_time, group=disabled, source="disabled_federation", valid_from=start
    )
    # Renewed after the start, but held on the first day: fine.
    TargetGroupMembership.objects.create(
        person=renewed,
        group=disabled,
        source="disabled_federation",
        valid_from=D(2025, 1, 1),
        valid_until=D(2026, 3, 10),
    )
    TargetGroupMembership.objects.create(
        person=renewed, group=disabled, source="disabled_federation", valid_from=D(2026, 3, 11)
    )
    TargetGroupMembership.objects.create(
        person=late_poor, group=poor, source="civil_affairs", valid_from=D(2026, 4, 1)
    )
    other = TargetGroup.objects.create(code="veteran", name="退役军人")
    TargetGroupMembership.objects.create(
        person=unrelated, group=other, source="veterans", valid_from=D(2026, 4, 1)
    )
    enrol(training, [late, on_time, renewed, late_poor, unrelated])
    # The same late membership in a class without a catalog entry is not this rule's.
    enrol(training_class(make_org(), electrician, starts_on=start), [late])

    hits = run("R06")

    assert [(h.subject_id, h.evidence[0]["target_group"]) for h in hits] == [
        (late.pk, "disabled"),
        (late_poor.pk, "low_income"),
    ]
    assert hits[0].evidence[0]["valid_from"] == "2026-03-03"
    assert hits[0].person_ids == (late.pk,)
    assert hits[0].class_ids == (training.pk,)
    assert run("R06", Window(person_ids=frozenset({on_time.pk, renewed.pk}))) == []


# --- R10 -------------------------------------------------------------------------------------


def test_r10_holds_everyone_sharing_a_phone_email_or_device(
    city: Region, electrician: Occupation
) -> None:
    four = people(4, city, phone="13900000001")
    three = people(3, city, phone="13900000002")
    training = training_class(make_org(), electrician)
    enrol(training, [*four, *three])
    mailers = people(4, city)
    enrol(training, mailers)
    for index, p in enumerate(mailers):
        make_user(
            f"w{p.pk}",
            Role.WORKER,
            person=p,
            email="Same@Example.cn" if index else "same@example.cn",
        )
    session = ClassSession.objects.create(
        training_class=training,
        starts_at=timezone.now() - datetime.timedelta(hours=2),
        ends_at=timezone.now() - datetime.timedelta(hours=1),
    )
    enrolments = list(Enrolment.objects.filter(training_class=training).order_by("pk"))
    Attendance.objects.bulk_create(
        Attendance(
            enrolment=e,
            session=session,
            checked_in_at=session.starts_at,
            method="manual" if i < 4 else "qr",
            reason="x",
            device_id="dev-kiosk"
            if i < 4
            else ("dev-1" if i < 7 else "dev-2" if i < 10 else "dev-3"),
        )
        for i, e in enumerate(enrolments)
    )

    hits = run("R10")

    assert sorted((h.key.split(":")[0], h.person_ids) for h in hits) == sorted(
        [
            ("phone", tuple(p.pk for p in four)),
            ("email", tuple(p.pk for p in mailers)),
        ]
    )
    assert all("13900000001" not in h.key and "example" not in h.key for h in hits)
    assert {h.key.split(":")[0] for h in run("R10", max_people=2)} == {"phone", "email", "device"}
    assert len([h for h in run("R10", max_people=2) if h.key.startswith("phone")]) == 2
    assert [h.key.split(":")[0] for h in run("R10", use_email=False)] == ["phone"]
    # The device: the kiosk staff use is not the trainees'; four trainees' own phone is.
    more = people(1, city)
    enrol(training, more)
    Attendance.objects.create(
        enrolment=Enrolment.objects.get(person=more[0]),
        session=session,
        checked_in_at=session.starts_at,
        method="qr",
        device_id="dev-2",
    )
    devices = [h for h in run("R10") if h.key.startswith("device")]
    assert [len(h.person_ids) for h in devices] == [4]
    assert run("R10", Window(person_ids=frozenset({three[0].pk}))) == []


# --- R13 -------------------------------------------------------------------------------------


def _register(actor: User, persons: Sequence[Person], at: datetime.datetime) -> None:
    with mock.patch("jineng.core.audit.timezone.now", return_value=at):
        audit.record_many(
            actor,
            (
                audit.Entry(
                    "training.enrolment.created",
                    object_type="training.enrolment",
                    object_id=str(p.pk),
                    person_id=p.pk,
                )
                for p in persons
            ),
        )


def test_r13_flags_a_staff_account_registering_many_trainees_in_minutes(
    city: Region, bureau_admin: User
) -> None:
    school, other = make_org(), make_org()
    fast = make_user("fast", Role.INSTITUTION_STAFF, organization=school)
    steady = make_user("steady", Role.INSTITUTION_STAFF, organization=other)
    crowd = people(41, city)
    at = timezone.now() - datetime.timedelta(hours=3)
    _register(fast, crowd[:15], at)
    _register(fast, crowd[15:21], at + datetime.timedelta(minutes=9))  # 21 within 10 minutes
    # 20 within ten minutes, then 20 more later: each period just at the limit.
    _register(steady, crowd[:20], at)
    _register(steady, crowd[20:40], at + datetime.timedelta(minutes=11))
    # The bureau registering many is not an institution's staff.
    _register(bureau_admin, crowd, at)

    hits = run("R13")

    assert [(h.subject, h.subject_id, h.evidence_count, h.organization_ids) for h in hits] == [
        ("account", fast.pk, 21, (school.pk,))
    ]
    assert hits[0].person_ids == tuple(sorted(p.pk for p in crowd[:21]))
    assert {h.subject_id for h in run("R13", max_people=19)} == {fast.pk, steady.pk}
    assert run("R13", minutes=5) == []


# --- R14 -------------------------------------------------------------------------------------


def test_r14_flags_two_classes_with_mostly_the_same_trainees(
    city: Region, electrician: Occupation, welder: Occupation
) -> None:
    school = make_org()
    stock, stock2, stock3 = people(10, city), people(10, city), people(10, city)
    first = training_class(school, electrician)
    ghost = training_class(school, welder)  # another occupation
    enrol(first, stock)
    enrol(ghost, stock[:7] + people(1, city))  # 7 of 11: 0.636
    # Same occupation, institution and year: a class split in two, not recycled.
    base2, split = training_class(school, electrician), training_class(school, electrician)
    enrol(base2, stock2)
    enrol(split, stock2[:9])
    base3, near = training_class(school, electrician), training_class(make_org(), welder)
    enrol(base3, stock3)
    enrol(near, stock3[:6] + people(1, city))  # 6 of 11: 0.545

    hits = run("R14")

    assert [(h.subject_id, h.class_ids, h.evidence[0]["shared"]) for h in hits] == [
        (ghost.pk, (first.pk, ghost.pk), 7)
    ]
    assert hits[0].evidence[0]["differs"] == "occupation"
    assert {h.key for h in run("R14", jaccard=0.5)} == {
        f"classes:{first.pk}:{ghost.pk}",
        f"classes:{base3.pk}:{near.pk}",
    }
    assert run("R14", min_trainees=8) == []


# --- Query counts ----------------------------------------------------------------------------


def test_each_rule_runs_a_bounded_number_of_queries_whatever_the_rows(
    city: Region, electrician: Occupation, welder: Occupation, django_assert_max_num_queries: Any
) -> None:
    disabled = TargetGroup.objects.create(code="disabled", name="残疾人")
    limited = entry(age_max=30)
    limited.target_groups.add(disabled)
    staff = make_user("bulk", Role.INSTITUTION_STAFF, organization=make_org())
    for _ in range(3):
        crowd = people(25, city, born=D(1960, 1, 1), phone="13900000009")
        Person.objects.filter(pk=crowd[0].pk).update(birth_date=D(2099, 1, 1))
        for p in crowd:
            TargetGroupMembership.objects.create(
                person=p, group=disabled, source="bureau", valid_from=D(2026, 6, 1)
            )
        enrol(training_class(make_org(), electrician, catalog_entry=limited), crowd)
        enrol(training_class(make_org(), welder), crowd)
        _register(staff, crowd, timezone.now())
    for code, most in (("R01", 2), ("R02", 1), ("R06", 2), ("R10", 8), ("R13", 3), ("R14", 2)):
        with django_assert_max_num_queries(most):
            assert run(code), code
    # The engine keeps every hit as an alert: its evidence is plain JSON on either database.
    summary = engine.run(("R01", "R02", "R06", "R10", "R13", "R14"))
    assert all(rule.hits and rule.new_alerts == rule.hits for rule in summary.rules)
    assert set(Alert.objects.values_list("rule_code", flat=True)) == set(
        ("R01", "R02", "R06", "R10", "R13", "R14")
    )
