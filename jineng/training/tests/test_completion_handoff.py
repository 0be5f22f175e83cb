"""Completion from the real hand-offs: check-ins through the attendance service and xAPI
statements posted to the record store, nothing patched.

test_completion.py decides completion from given minutes; these tests make the minutes the
way production does, so a broken hand-off from attendance or learning fails here.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from jineng.attendance import services as attendance
from jineng.attendance import tokens
from jineng.catalogs.choices import TrainingType
from jineng.learning import services as learning
from jineng.learning.tests.conftest import HOME, Lrs, new_id, statement
from jineng.people.services import PersonInput, register_person
from jineng.training import services
from jineng.training.choices import ClassMode, ClassStatus, EnrolmentStatus
from jineng.training.models import Enrolment

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("accredited")]

CLASS_IRI = HOME + "/xapi/class"
ID_OTHER = "220581200003010013"
LAT, LNG = Decimal("42.530000"), Decimal("125.710000")
HERE = attendance.Location(latitude=LAT, longitude=LNG, accuracy_m=10)
PHONE = attendance.Device(user_agent="Mozilla/5.0 (iPhone)", device_id="phone-1")


def _day() -> datetime.date:
    """A Monday a fortnight ahead: the class is scheduled and approved before it is held."""
    day = timezone.localdate() + datetime.timedelta(days=14)
    return day + datetime.timedelta(days=-day.weekday() % 7)


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _approved_class(staff, mode: str, *, theory: int, practice: int):
    """An approved unsubsidised class of the staff's school: one 08:00-12:00 session on _day()
    in a registered room (none for an online class)."""
    day = _day()
    prog = services.create_programme(
        services.ProgrammeInput(
            name="电工培训",
            occupation_code="6-31-01-03",
            skill_level_code="level5",
            training_type=TrainingType.EMPLOYMENT,
            theory_hours=theory,
            practice_hours=practice,
            fee_fen=0,
            catalog_entry_key="",
        ),
        actor=staff,
    )
    sessions = []
    if mode != ClassMode.ONLINE:
        room = services.create_venue(
            "一号实训室", "新华街道", 30, actor=staff, latitude=LAT, longitude=LNG
        )
        sessions = [
            services.SessionInput(starts_at=_at(day, 8), ends_at=_at(day, 12), venue_id=room.pk)
        ]
    c = services.create_class(
        prog.pk,
        services.ClassInput(
            code=f"H-{mode}",
            capacity=5,
            starts_on=day,
            ends_on=day,
            region_code="220581001",
            mode=mode,
            sessions=sessions,
        ),
        actor=staff,
    )
    return services.transition(c.pk, ClassStatus.APPROVED, actor=staff)


def _start(c, staff) -> None:
    with time_machine.travel(_at(c.starts_on, 7, 50), tick=False):
        services.transition(c.pk, ClassStatus.RUNNING, actor=staff)


def _check_in(c, worker) -> None:
    """The worker scans the first session's rotating code at 08:05, beside the room."""
    session = c.sessions.get()
    scanned = _at(c.starts_on, 8, 5)
    with time_machine.travel(scanned, tick=False):
        attendance.check_in(
            tokens.make_code(session.pk, scanned), actor=worker, location=HERE, device=PHONE
        )


def _close(c, staff) -> None:
    """The school closes the class the morning after its last day."""
    with time_machine.travel(_at(c.ends_on + datetime.timedelta(days=1), 9), tick=False):
        services.close_class(c.pk, actor=staff)


def _learned(lrs: Lrs, person, c, duration: str) -> None:
    """The platform posts, at noon, one statement of the person's learning at 10:00."""
    body = statement(
        id=new_id(),
        actor={"objectType": "Agent", "account": {"homePage": HOME, "name": str(person.pk)}},
        verb={"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "x"}},
        object={"id": "http://mooc.example.com/lessons/safety", "objectType": "Activity"},
        result={"duration": duration, "completion": True},
        timestamp=_at(c.starts_on, 10).isoformat(),
        context={"extensions": {CLASS_IRI: c.code}},
    )
    with time_machine.travel(_at(c.starts_on, 12), tick=False):
        response = lrs.post("statements", body)
    assert response.status_code == 200, response.content


@pytest.fixture
def platform_lrs(bureau_admin, school_a) -> Lrs:
    """A platform registered for school A's classes, with its credential, as its HTTP client."""
    platform = learning.create_platform(
        "在线学习平台",
        actor=bureau_admin,
        registrations=learning.Registrations(institutions=(school_a,)),
    )
    credential, secret = learning.create_credential(platform, actor=bureau_admin)
    return Lrs((credential.key, secret))


def _result(c, person) -> tuple[str, int, int]:
    e = Enrolment.objects.get(training_class=c, person=person)
    return e.status, e.attended_minutes, e.online_minutes


def test_an_in_person_class_completes_from_check_ins_alone(staff_a, worker, person, bureau_admin):
    c = _approved_class(staff_a, ClassMode.OFFLINE, theory=2, practice=2)
    register_person(
        PersonInput(id_number=ID_OTHER, name="李四", region_code="220581001001"), actor=bureau_admin
    )
    other = services.enrol_by_id_card(c.pk, ID_OTHER, "李四", actor=staff_a)
    services.enrol(c.pk, person.pk, actor=worker)
    _start(c, staff_a)
    _check_in(c, worker)
    _close(c, staff_a)
    assert _result(c, person) == (EnrolmentStatus.COMPLETED, 240, 0)
    # The trainee who never checked in attended nothing.
    assert _result(c, other.person) == (EnrolmentStatus.NOT_COMPLETED, 0, 0)


def test_an_online_class_completes_from_posted_statements_alone(
    staff_a, worker, person, platform_lrs
):
    c = _approved_class(staff_a, ClassMode.ONLINE, theory=2, practice=0)
    services.enrol(c.pk, person.pk, actor=worker)
    _start(c, staff_a)
    _learned(platform_lrs, person, c, "PT1H")
    _learned(platform_lrs, person, c, "PT1H")
    _close(c, staff_a)
    assert _result(c, person) == (EnrolmentStatus.COMPLETED, 0, 120)


def test_a_blended_class_adds_check_ins_and_statements(staff_a, worker, person, platform_lrs):
    """Four hours in the room and two of theory online make the six hours; the room alone
    does not."""
    c = _approved_class(staff_a, ClassMode.BLENDED, theory=2, practice=4)
    services.enrol(c.pk, person.pk, actor=worker)
    _start(c, staff_a)
    _check_in(c, worker)
    _learned(platform_lrs, person, c, "PT2H")
    _close(c, staff_a)
    assert _result(c, person) == (EnrolmentStatus.COMPLETED, 240, 120)


def test_a_blended_class_without_its_online_part_does_not_complete(staff_a, worker, person):
    c = _approved_class(staff_a, ClassMode.BLENDED, theory=2, practice=4)
    services.enrol(c.pk, person.pk, actor=worker)
    _start(c, staff_a)
    _check_in(c, worker)
    _close(c, staff_a)
    assert _result(c, person) == (EnrolmentStatus.NOT_COMPLETED, 240, 0)
