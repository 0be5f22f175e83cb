"""R34 (and the claim rules as subsidies lands them) on planted accounts, events and claims."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

import pytest
from django.utils import timezone

from conftest import make_user
from jineng.accounts.models import OneTimeCode, User
from jineng.accounts.roles import Role
from jineng.core import audit
from jineng.core.models import AuditEvent
from jineng.fraud.rules.base import REGISTRY, Hit, Threshold, Window
from jineng.fraud.rules.registry import load_rules
from jineng.occupations.models import Occupation, OccupationLevel
from jineng.organizations.models import Organization, OrganizationKind
from jineng.people.models import Person
from jineng.regions.models import Region
from jineng.training.models import Enrolment, Programme, TrainingClass

load_rules()

D = datetime.date
_serial = itertools.count(1)


def run(code: str, window: Window | None = None, **changes: Threshold) -> list[Hit]:
    spec = REGISTRY[code]
    return list(spec.check({**spec.defaults, **changes}, window or Window()))


def worker(region: Region) -> User:
    n = next(_serial)
    person = Person.objects.create(
        name=f"学员{n}",
        id_number_encrypted=b"-",
        id_number_hash=f"claims-{n}",
        birth_date=D(1990, 1, 1),
        sex="F",
        region=region,
    )
    return make_user(f"worker{n}", Role.WORKER, person=person)


@pytest.fixture
def school(db: Any) -> Organization:
    return Organization.objects.create(
        credit_code="52220581MJ77777777", name="甲学校", kind=OrganizationKind.PRIVATE_TRAINING
    )


@pytest.fixture
def a_class(school: Organization) -> TrainingClass:
    occupation = Occupation.objects.create(
        code="6-31-01-03", name="电工", level=OccupationLevel.OCCUPATION
    )
    programme = Programme.objects.create(
        organization=school,
        name="电工培训",
        occupation=occupation,
        training_type="employment",
        theory_hours=40,
        practice_hours=40,
    )
    return TrainingClass.objects.create(
        programme=programme,
        code="C-R34",
        capacity=30,
        status="approved",
        starts_on=D(2026, 6, 1),
        ends_on=D(2026, 6, 30),
    )


def account_change(user: User, action: str, hours_ago: float) -> AuditEvent:
    if action == "accounts.totpdevice.confirmed":
        event = audit.record(
            user, action, object_type="otp_totp.totpdevice", object_id="9", data={}
        )
    else:
        event = audit.record(user, action, user, data={"user": user.username})
    at = timezone.now() - datetime.timedelta(hours=hours_ago)
    AuditEvent.objects.filter(pk=event.pk).update(created_at=at)
    return event


def enrol(user: User, training_class: TrainingClass) -> Enrolment:
    return Enrolment.objects.create(training_class=training_class, person=user.person)


# --- R34 -------------------------------------------------------------------------------------


def test_r34_holds_an_enrolment_shortly_after_a_change_to_the_account(
    city: Region, a_class: TrainingClass, school: Organization
) -> None:
    reset, new_phone, new_app, long_ago, afterwards = (worker(city) for _ in range(5))
    account_change(reset, "accounts.user.password_reset", 2)
    account_change(new_phone, "accounts.user.phone_set", 71.5)
    account_change(new_app, "accounts.totpdevice.confirmed", 10)
    account_change(long_ago, "accounts.user.password_set", 72.5)  # just outside 72 hours
    hits_before = [enrol(u, a_class) for u in (reset, new_phone, new_app, long_ago, afterwards)]
    # A change after the enrolment is not a signal about it.
    event = account_change(afterwards, "accounts.user.password_reset", 0)
    AuditEvent.objects.filter(pk=event.pk).update(
        created_at=timezone.now() + datetime.timedelta(minutes=5)
    )

    hits = run("R34")

    assert [(h.subject, h.subject_id, h.key, h.person_ids, h.class_ids) for h in hits] == [
        ("account", u.pk, f"enrolment:{e.pk}", (u.person_id,), (a_class.pk,))
        for u, e in zip((reset, new_phone, new_app), hits_before, strict=False)
    ]
    assert [h.evidence[0]["change"] for h in hits] == [
        "accounts.user.password_reset",
        "accounts.user.phone_set",
        "accounts.totpdevice.confirmed",
    ]
    assert {h.subject_id for h in run("R34", hours_after_change=73)} == {
        reset.pk,
        new_phone.pk,
        new_app.pk,
        long_ago.pk,
    }
    assert {h.subject_id for h in run("R34", hours_after_change=5)} == {reset.pk}
    assert [h.subject_id for h in run("R34", Window(person_ids=frozenset({reset.person_id})))] == [
        reset.pk
    ]


def code_from(user: User, address: str, at: datetime.datetime) -> None:
    OneTimeCode.objects.create(
        purpose="reset",
        phone_hash=f"p{user.pk}",
        address_hash=address,
        code_hash="c",
        user=user,
        created_at=at,
        expires_at=at + datetime.timedelta(minutes=10),
    )


def test_r34_holds_many_workers_accounts_touched_from_one_address(city: Region) -> None:
    noon = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    crowd = [worker(city) for _ in range(5)]
    four = [worker(city) for _ in range(4)]
    for user in crowd:
        code_from(user, "crowded-address", noon)
    code_from(crowd[0], "crowded-address", noon)  # a second code, same account
    for user in four:
        code_from(user, "busy-address", noon)
    # The same five accounts from one address, but one of them the next day: four a day.
    spread = [worker(city) for _ in range(5)]
    for n, user in enumerate(spread):
        code_from(user, "spread-address", noon + datetime.timedelta(days=1 if n == 0 else 0))

    hits = run("R34")

    assert [(h.subject, h.subject_id, h.key) for h in hits] == [
        ("account", crowd[0].pk, f"address:crowded-address:{timezone.localdate(noon).isoformat()}")
    ]
    assert hits[0].person_ids == tuple(sorted(u.person_id for u in crowd))
    assert hits[0].evidence[0] == {
        "account_id": crowd[0].pk,
        "codes": 2,
        "day": timezone.localdate(noon).isoformat(),
    }
    assert {h.subject_id for h in run("R34", accounts_per_address=4)} == {
        crowd[0].pk,
        four[0].pk,
        spread[1].pk,
    }


def test_r34_runs_a_bounded_number_of_queries(
    city: Region, a_class: TrainingClass, django_assert_max_num_queries: Any
) -> None:
    noon = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    for _ in range(12):
        user = worker(city)
        account_change(user, "accounts.user.password_reset", 1)
        enrol(user, a_class)
        code_from(user, "one-address", noon)
    with django_assert_max_num_queries(3):
        assert len(run("R34")) == 13
