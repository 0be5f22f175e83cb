"""Accrued minutes derived from attendance, and the lifelong record's attendance entries."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import translation

from jineng.attendance import queries, services, tokens
from jineng.people.queries import EVERYTHING
from jineng.records.queries import get_record
from jineng.training.models import ClassSession, Enrolment

from .conftest import START, VENUE_LAT, VENUE_LNG


@pytest.fixture
def english(settings):
    """These tests match messages in their English source text."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


NEAR = services.Location(latitude=VENUE_LAT, longitude=VENUE_LNG)
# Half an hour after the afternoon session (14:00-17:30) ends: inside the manual grace.
AFTER_AFTERNOON = START + datetime.timedelta(hours=9)


@pytest.fixture
def second(training_class, city, bureau_admin, staff_a):
    from conftest import ID_B
    from jineng.people.services import PersonInput, register_person

    person = register_person(
        PersonInput(id_number=ID_B, name="李四", region_code="220581100201"), actor=bureau_admin
    )
    with time_machine.travel(START - datetime.timedelta(days=1), tick=False):
        return Enrolment.objects.create(training_class=training_class, person=person)


def test_attended_minutes_sums_attended_sessions_exactly(
    worker, staff_a, enrolment, second, sessions, at_start
):
    # Morning (120 min) by code, afternoon (210 min) manual after it ended, so flagged.
    services.check_in(tokens.make_code(sessions[0].pk, START), actor=worker, location=NEAR)
    # A 45-minute session the second trainee attends, recorded by hand on time (not flagged).
    short = ClassSession.objects.create(
        training_class=enrolment.training_class,
        starts_at=START + datetime.timedelta(minutes=15),
        ends_at=START + datetime.timedelta(minutes=60),
    )
    services.record_manual_check_in(short.pk, second.pk, reason="迟到", actor=staff_a)
    at_start.move_to(AFTER_AFTERNOON)
    services.record_manual_check_in(sessions[1].pk, enrolment.pk, reason="补签", actor=staff_a)
    assert queries.attended_minutes([enrolment.pk, second.pk, 999_999]) == {
        enrolment.pk: 330,
        second.pk: 45,
        999_999: 0,
    }
    assert queries.flagged_minutes([enrolment.pk, second.pk]) == {enrolment.pk: 210, second.pk: 0}
    assert queries.attended_minutes([]) == {}


def test_attended_minutes_is_one_query(enrolment, second, django_assert_num_queries):
    with django_assert_num_queries(1):
        queries.attended_minutes([enrolment.pk, second.pk])


def test_sheet_lays_out_sessions_and_trainees(
    worker, staff_a, enrolment, second, sessions, at_start
):
    services.check_in(tokens.make_code(sessions[0].pk, START), actor=worker, location=None)
    sheet = queries.get_sheet(enrolment.training_class)
    assert sheet.sessions == sessions
    # In order of enrolment: the same on every database, whatever its collation.
    assert [row.enrolment for row in sheet.rows] == [enrolment, second]
    assert sheet.rows[0].cells[0].flags == ["no_location"]
    assert sheet.rows[0].cells[1] is None
    assert sheet.rows[1].cells == [None, None]
    assert (sheet.rows[0].minutes, sheet.rows[0].flagged_minutes) == (120, 120)


@pytest.mark.usefixtures("english")
def test_record_shows_attendance_with_flags(worker, staff_a, enrolment, sessions, at_start):
    services.check_in(tokens.make_code(sessions[0].pk, START), actor=worker, location=NEAR)
    at_start.move_to(AFTER_AFTERNOON)
    services.record_manual_check_in(sessions[1].pk, enrolment.pk, reason="补签", actor=staff_a)
    entries = [e for e in queries.record_entries(worker.person, EVERYTHING)]
    assert [e.kind for e in entries] == ["attendance.checked_in", "attendance.checked_in"]
    assert entries[0].title == "Attended session 安全用电 of 电工培训 A-2026-001"
    assert entries[0].details["flags"] == []
    assert entries[0].details["minutes"] == 120
    assert entries[1].title.startswith(
        "Attended session 照明线路 of 电工培训 A-2026-001 (recorded by staff: 补签) (flagged: "
    )
    assert entries[1].details["method"] == "manual"
    assert entries[1].details["flags"] == ["outside_window"]
    assert entries[0].day == datetime.date(2026, 3, 2)


def test_lifelong_record_includes_attendance(worker, enrolment, sessions, at_start):
    services.check_in(tokens.make_code(sessions[0].pk, START), actor=worker, location=NEAR)
    kinds = [entry.kind for entry in get_record(worker.person, EVERYTHING).entries]
    assert "attendance.checked_in" in kinds
