"""Online minutes count only toward a class with an online part, at most that part, only for
learning on the class's days, and at most a whole day's hours a day; what does not count says
why."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone, translation

from jineng.learning import queries, services
from jineng.learning.tests.conftest import HOME, new_id, statement
from jineng.people.queries import EVERYTHING
from jineng.training import services as training
from jineng.training.choices import ClassMode, ClassStatus, EnrolmentStatus
from jineng.training.models import Enrolment
from jineng.training.tests.conftest import (  # noqa: F401 - the training tests' fixtures
    _city,
    accredited,
    levels,
    occupations,
)
from jineng.training.tests.helpers import at, draft_class, programme, session

pytestmark = pytest.mark.django_db

CLASS_IRI = HOME + "/xapi/class"


@pytest.fixture
def english(settings):
    """These tests match messages in their English source text."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def platform(bureau_admin, school_a):
    """A platform the bureau registered for every class of school A."""
    return services.create_platform(
        "学校自己的平台",
        actor=bureau_admin,
        registrations=services.Registrations(institutions=(school_a,)),
    )


def _class(staff_a, mode, *, theory=40, practice=50):
    """An approved unsubsidised class of school A, three days ago, with one 4-hour session.

    Scheduled and approved the day before it was held, as classes are.
    """
    day = timezone.localdate() - datetime.timedelta(days=3)
    prog = programme(staff_a, subsidised=False, theory=theory, practice=practice)
    with time_machine.travel(at(day - datetime.timedelta(days=1), 9)):
        c = draft_class(staff_a, prog, start=day, days=0, mode=mode, sessions=[session(day, 8, 12)])
        training.transition(c.pk, ClassStatus.APPROVED, actor=staff_a)
    return c


def _report(platform, person, c, duration, when):
    services.store_statements(
        platform,
        [
            statement(
                id=new_id(),
                actor={
                    "objectType": "Agent",
                    "account": {"homePage": HOME, "name": str(person.pk)},
                },
                verb={"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en": "x"}},
                object={"id": "http://example.com/a", "objectType": "Activity"},
                result={"duration": duration},
                timestamp=when.isoformat(),
                context={"extensions": {CLASS_IRI: c.code}},
            )
        ],
    )


def _noon(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


@pytest.mark.usefixtures("accredited")
def test_ninety_hours_from_2019_do_not_complete_an_in_person_class(
    staff_a, worker, person, platform
):
    c = _class(staff_a, ClassMode.OFFLINE)
    training.enrol(c.pk, person.pk, actor=worker)
    training.transition(c.pk, ClassStatus.RUNNING, actor=staff_a)
    _report(platform, person, c, "PT90H", datetime.datetime(2019, 1, 1, tzinfo=datetime.UTC))
    _report(platform, person, c, "PT90H", _noon(c.starts_on))
    training.close_class(c.pk, actor=staff_a)
    e = Enrolment.objects.get(training_class=c, person=person)
    assert (e.status, e.attended_minutes, e.online_minutes) == (
        EnrolmentStatus.NOT_COMPLETED,
        0,
        0,
    )


@pytest.mark.usefixtures("accredited", "english")
def test_an_in_person_class_says_online_learning_adds_nothing(staff_a, person, platform):
    c = _class(staff_a, ClassMode.OFFLINE)
    _report(platform, person, c, "PT2H", _noon(c.starts_on))
    assert queries.online_minutes(person.pk, c.code) == 0
    assert queries.uncounted_in_class(c) == [
        queries.Uncounted(
            platform="学校自己的平台",
            people=1,
            statements=1,
            minutes=120,
            reason="Not counted: this class is held in person, so all its hours are attended "
            "in its sessions and online learning adds none.",
        )
    ]
    [entry] = queries.record_entries(person, EVERYTHING)
    assert entry.details["is_counted"] is False
    assert entry.title.endswith(
        f"(not counted: class {c.code} is held in person, so online learning adds no hours to it)"
    )


@pytest.mark.usefixtures("accredited")
def test_a_blended_class_counts_at_most_its_theory_online(staff_a, person, platform):
    c = _class(staff_a, ClassMode.BLENDED, theory=10, practice=4)
    for hours in (8, 8):
        _report(platform, person, c, f"PT{hours}H", _noon(c.starts_on))
    assert queries.online_part_minutes(c) == 600
    assert queries.online_minutes(person.pk, c.code) == 600


@pytest.mark.usefixtures("accredited")
def test_an_online_class_counts_all_its_hours_online(staff_a, person, platform):
    c = _class(staff_a, ClassMode.ONLINE, theory=2, practice=1)
    _report(platform, person, c, "PT2H30M", _noon(c.starts_on))
    assert queries.online_part_minutes(c) == 180
    assert queries.online_minutes(person.pk, c.code) == 150


@pytest.mark.usefixtures("accredited", "english")
def test_learning_outside_the_class_dates_does_not_count_and_says_why(staff_a, person, platform):
    c = _class(staff_a, ClassMode.ONLINE)
    _report(platform, person, c, "PT1H", _noon(c.starts_on - datetime.timedelta(days=1)))
    _report(platform, person, c, "PT2H", _noon(c.ends_on + datetime.timedelta(days=1)))
    _report(platform, person, c, "PT30M", _noon(c.starts_on))
    assert queries.online_minutes(person.pk, c.code) == 30
    assert queries.uncounted_in_class(c) == [
        queries.Uncounted(
            platform="学校自己的平台",
            people=1,
            statements=2,
            minutes=180,
            reason=f"Not counted: learned on days outside the class's dates ({c.starts_on} to "
            f"{c.ends_on}).",
        )
    ]
    entries = queries.record_entries(person, EVERYTHING)
    assert [(e.day, e.details["minutes"], e.details["is_counted"]) for e in entries] == [
        (c.starts_on - datetime.timedelta(days=1), 60, False),
        (c.starts_on, 30, True),
        (c.ends_on + datetime.timedelta(days=1), 120, False),
    ]
    assert entries[0].title.endswith(f"(not counted: learned outside the dates of class {c.code})")


@pytest.mark.usefixtures("accredited")
def test_a_ninety_hour_duration_counts_one_day(staff_a, person, platform):
    c = _class(staff_a, ClassMode.ONLINE, theory=200, practice=0)
    _report(platform, person, c, "PT90H", _noon(c.starts_on))
    _report(platform, person, c, "PT1H", _noon(c.starts_on))
    assert queries.MAX_SECONDS_A_DAY == 24 * 60 * 60
    assert queries.online_minutes(person.pk, c.code) == 24 * 60
