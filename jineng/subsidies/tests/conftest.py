"""Fixtures of subsidy claims: a finished class of completers, a rule set, a budget, and one
account for each step of the workflow (submit, two reviews, approve, pay).

The amounts themselves are subsidies-rules' (amounts.py, with its own hand-computed tests):
here ``training_line`` is replaced by a fixed example amount so that a claim's workflow is
tested apart from the catalog's standards. Every amount is an example of the tests.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.utils import timezone, translation

from conftest import make_user
from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.funds import services as funds
from jineng.funds.models import FundSource
from jineng.funds.sources import load_sources
from jineng.occupations.models import Occupation, OccupationLevel
from jineng.organizations.models import Organization
from jineng.people.models import Person
from jineng.regions.models import Region
from jineng.subsidies import amounts, providers, services
from jineng.subsidies.choices import RuleSetStatus
from jineng.subsidies.errors import Refused
from jineng.subsidies.models import Claim, RuleSet
from jineng.training.choices import ClassStatus, EnrolmentStatus
from jineng.training.models import Enrolment, Programme, TrainingClass

D = datetime.date
# 1,500.00 yuan a line: an example amount of the tests, not any city's standard.
LINE_FEN = 150_000
BUDGET_FEN = 1_000_000
_serial = itertools.count(1)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def no_fraud_screens(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Run no other app's claim screens (fraud's rules hold claims of invented people)."""
    screens: list[Any] = []
    monkeypatch.setattr(providers, "claim_screens", screens)
    return screens


@dataclass
class StubAmounts:
    """What the stand-in ``training_line`` answers: an amount, or a refusal per enrolment."""

    amount_fen: int = LINE_FEN
    refused: dict[int, tuple[str, str]] = field(default_factory=dict)
    calls: list[int] = field(default_factory=list)

    def training_line(self, enrolment: Enrolment, rule_set: RuleSet, **_: Any) -> Any:
        self.calls.append(enrolment.pk)
        if enrolment.pk in self.refused:
            raise Refused(*self.refused[enrolment.pk])
        return amounts.Computation(
            self.amount_fen,
            [
                amounts.Step(f"Example standard of rule set v{rule_set.number}", self.amount_fen),
                amounts.Step("Full hours: the full standard.", self.amount_fen),
            ],
        )


@pytest.fixture
def stub_amounts(monkeypatch: pytest.MonkeyPatch) -> StubAmounts:
    stub = StubAmounts()
    monkeypatch.setattr(amounts, "training_line", stub.training_line)
    return stub


@pytest.fixture
def rule_set(db: Any) -> RuleSet:
    return RuleSet.objects.create(
        number=1,
        title="示例补贴政策",
        is_example=True,
        status=RuleSetStatus.IN_FORCE,
        effective_from=D(2020, 1, 1),
        notice_days=7,
    )


@pytest.fixture
def sources(db: Any) -> None:
    load_sources(FundSource)


@pytest.fixture
def finance(db: Any) -> User:
    return make_user("finance_t", Role.FINANCE)


@pytest.fixture
def reviewer2(db: Any) -> User:
    return make_user("reviewer_2", Role.REVIEWER)


@pytest.fixture
def budget(sources: None, finance: User) -> Any:
    return funds.set_budget(
        source="employment_fund",
        year=timezone.localdate().year,
        amount_fen=BUDGET_FEN,
        actor=finance,
        is_example=True,
    )


def new_person(region: Region, *, account: bool = True) -> Person:
    n = next(_serial)
    person = Person.objects.create(
        name=f"学员{n}",
        id_number_encrypted=b"-",
        id_number_hash=f"subsidies-{n}",
        birth_date=D(1990, 1, 1),
        sex="F",
        region=region,
    )
    if account:
        make_user(f"trainee{n}", Role.WORKER, person=person)
    return person


def finished_class(
    organization: Organization, *, code: str = "C-BT-1", ended: int = 3, status: str = ""
) -> TrainingClass:
    occupation, _ = Occupation.objects.get_or_create(
        code="6-31-01-03", defaults={"name": "电工", "level": OccupationLevel.OCCUPATION}
    )
    programme = Programme.objects.create(
        organization=organization,
        name="电工培训",
        occupation=occupation,
        training_type="employment",
        theory_hours=40,
        practice_hours=40,
    )
    today = timezone.localdate()
    return TrainingClass.objects.create(
        programme=programme,
        code=code,
        capacity=30,
        status=status or ClassStatus.CLOSED,
        starts_on=today - datetime.timedelta(days=30 + ended),
        ends_on=today - datetime.timedelta(days=ended),
    )


def enrol(training_class: TrainingClass, person: Person, status: str) -> Enrolment:
    return Enrolment.objects.create(training_class=training_class, person=person, status=status)


@pytest.fixture
def a_class(school_a: Organization, city: Region) -> TrainingClass:
    """A class of school A that ended three days ago: two completers, one who did not."""
    training_class = finished_class(school_a)
    for status in (
        EnrolmentStatus.COMPLETED,
        EnrolmentStatus.COMPLETED,
        EnrolmentStatus.NOT_COMPLETED,
    ):
        enrol(training_class, new_person(city), status)
    return training_class


def worker_of(person_id: int) -> User:
    return User.objects.get(person_id=person_id)


@dataclass
class Crew:
    """One account per step of the workflow."""

    submitter: User
    first: User
    second: User
    approver: User
    payer: User


@pytest.fixture
def crew(staff_a: User, reviewer: User, reviewer2: User, bureau_admin: User, finance: User) -> Crew:
    return Crew(staff_a, reviewer, reviewer2, bureau_admin, finance)


PAYEE = services.Payee(
    name="梅河口市甲职业培训学校", account="6222020200001234567", bank="工商银行"
)


def end_notice(claim: Claim) -> None:
    """Move a claim's public notice into the past (as if its days had gone by)."""
    past = timezone.localdate() - datetime.timedelta(days=1)
    Claim.objects.filter(pk=claim.pk).update(
        notice_starts_on=past - datetime.timedelta(days=6), notice_ends_on=past
    )


def confirm_all(claim: Claim) -> None:
    for line in claim.lines.filter(active=True).exclude(confirmation="confirmed"):
        services.confirm_line(line.pk, actor=worker_of(line.person_id))


def to_notice(claim: Claim, crew: Crew) -> Claim:
    services.first_review(claim.pk, note="材料齐全", actor=crew.first)
    services.second_review(claim.pk, note="复核无误", actor=crew.second)
    return services.start_notice(claim.pk, actor=crew.second)


def to_approved(claim: Claim, crew: Crew) -> Claim:
    to_notice(claim, crew)
    confirm_all(claim)
    end_notice(claim)
    return services.approve(claim.pk, actor=crew.approver)
