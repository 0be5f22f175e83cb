"""Fixtures of the attendance tests: a running class of institution A with two sessions."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from jineng.occupations.models import Occupation, OccupationLevel
from jineng.training.choices import EnrolmentStatus
from jineng.training.models import ClassSession, Enrolment, TrainingClass, Venue
from tests.factories import ClassSessionFactory, TrainingClassFactory, VenueFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The first session runs 09:00-11:00 on this day, the second 14:00-17:30.
DAY = datetime.date(2026, 3, 2)
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
# The venue: 梅河口市 city centre.
VENUE_LAT = Decimal("42.530000")
VENUE_LNG = Decimal("125.710000")


@pytest.fixture
def at_start() -> Any:
    """Stop the clock at the first session's start."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def _occupation() -> Occupation:
    parent = None
    for code, level in [
        ("6-00-00-00", OccupationLevel.MAJOR),
        ("6-31-00-00", OccupationLevel.MIDDLE),
        ("6-31-01-00", OccupationLevel.SMALL),
    ]:
        parent = Occupation.objects.create(code=code, name=code, level=level, parent=parent)
    return Occupation.objects.create(
        code="6-31-01-03", name="电工", level=OccupationLevel.OCCUPATION, parent=parent
    )


def make_class(organization: Any, code: str, occupation: Occupation) -> TrainingClass:
    """A running one-day class on DAY of a six-hour programme (written directly, no service)."""
    return TrainingClassFactory(
        code=code,
        starts_on=DAY,
        programme__organization=organization,
        programme__occupation=occupation,
        programme__name="电工培训 " + code,
    )


@pytest.fixture
def occupation(db: Any) -> Occupation:
    return _occupation()


@pytest.fixture
def venue(school_a: Any) -> Venue:
    return VenueFactory(
        organization=school_a, name="一号实训室", latitude=VENUE_LAT, longitude=VENUE_LNG
    )


@pytest.fixture
def training_class(school_a: Any, occupation: Occupation) -> TrainingClass:
    return make_class(school_a, "A-2026-001", occupation)


@pytest.fixture
def sessions(training_class: TrainingClass, venue: Venue) -> list[ClassSession]:
    hour = datetime.timedelta(hours=1)
    at = {"training_class": training_class, "venue": venue}
    return [
        ClassSessionFactory(**at, starts_at=START, topic="安全用电"),
        ClassSessionFactory(
            **at, starts_at=START + 5 * hour, ends_at=START + 8.5 * hour, topic="照明线路"
        ),
    ]


@pytest.fixture
def enrolment(training_class: TrainingClass, worker: Any) -> Enrolment:
    """The worker's place, taken the day before the class (a check-in counts only for sessions
    held while the trainee had a place)."""
    with time_machine.travel(START - datetime.timedelta(days=1), tick=False):
        return Enrolment.objects.create(
            training_class=training_class, person=worker.person, status=EnrolmentStatus.ENROLLED
        )


@pytest.fixture
def class_b(school_b: Any, occupation: Occupation) -> TrainingClass:
    return make_class(school_b, "B-2026-001", occupation)
