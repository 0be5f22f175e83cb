"""A place taken late: a trainee who joins a running class was not there for the sessions
already held, so no check-in (manual or by device) to one of them counts toward hours, and
staff cannot record one (issue 10, the 补签 of a session held before the place existed)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse

from jineng.api.tests.helpers import api_client
from jineng.attendance import queries, services, tokens
from jineng.attendance.errors import NotYetEnrolled
from jineng.attendance.exports import cell_text
from jineng.attendance.models import Attendance
from jineng.core.errors import ValidationFailed
from jineng.core.models import AuditEvent
from jineng.people.queries import EVERYTHING
from jineng.training import queries as training_queries
from jineng.training import services as training
from jineng.training.choices import ClassStatus, EnrolmentStatus
from jineng.training.models import Enrolment
from jineng.training.tests import conftest as training_fixtures
from jineng.training.tests import helpers
from tests.factories import ClassSessionFactory, PersonFactory

from .conftest import START, make_class

# The attack's class is built through the training services, with the training fixtures.
levels = training_fixtures.levels
occupations = training_fixtures.occupations
catalog_entry = training_fixtures.catalog_entry
accredited = training_fixtures.accredited
english = training_fixtures.english

HOUR = datetime.timedelta(hours=1)
# The morning session runs 09:00-11:00, the afternoon one 14:00-17:30 (conftest).
MORNING_ENDS = START + 2 * HOUR


def _place_at(training_class, person, moment):
    """An enrolled place created at ``moment`` (as if staff had enrolled the trainee then)."""
    with time_machine.travel(moment, tick=False):
        return Enrolment.objects.create(
            training_class=training_class, person=person, status=EnrolmentStatus.ENROLLED
        )


@pytest.mark.usefixtures("catalog_entry", "accredited")
def test_late_trainee_gets_no_hours_for_a_session_held_before_the_place(
    staff_a, bureau_admin, person, target_groups
):
    """The attack, through the services: enrolled the day after session 1, then 补签 to it."""
    helpers.member(bureau_admin, person, target_groups["unemployed"])
    prog = helpers.programme(staff_a)
    c = helpers.draft_class(staff_a, prog, start=helpers.START, days=12)
    training.transition(c.pk, ClassStatus.SUBMITTED, actor=staff_a)
    training.transition(c.pk, ClassStatus.APPROVED, actor=bureau_admin, note="ok")
    first = c.sessions.order_by("starts_at").first()
    next_day = helpers.at(helpers.START + datetime.timedelta(days=1), 10)
    with time_machine.travel(next_day, tick=False):
        training.transition(c.pk, ClassStatus.RUNNING, actor=staff_a)
        place = training.enrol_by_id_card(c.pk, person.id_number, person.name, actor=staff_a)
        with pytest.raises(NotYetEnrolled) as error:
            services.record_manual_check_in(
                first.pk,
                place.pk,
                reason="手机没电",
                actor=staff_a,
                checked_in_at=helpers.at(helpers.START, 8),
            )
    assert error.value.field == "session"
    assert str(error.value.detail) == (
        f"Trainee 张三 had no place in class {c.code} when this session was held: the place "
        f"was taken on {services.local_moment(place.created_at)}, after the session ended."
    )
    assert not Attendance.objects.filter(enrolment=place).exists()
    assert not AuditEvent.objects.filter(action="attendance.attendance.created").exists()
    assert training_queries.attended_minutes([place.pk]) == {place.pk: 0}


def test_manual_check_in_dated_before_the_place_is_refused(
    staff_a, training_class, sessions, person, at_start
):
    """Enrolled at 10:00 during the morning session: a 补签 saying 09:00 is refused."""
    place = _place_at(training_class, person, START + HOUR)
    at_start.move_to(START + 1.5 * HOUR)
    with pytest.raises(ValidationFailed) as error:
        services.record_manual_check_in(
            sessions[0].pk, place.pk, reason="补签", actor=staff_a, checked_in_at=START
        )
    assert error.value.field == "checked_in_at"
    assert str(error.value.detail) == (
        "The check-in time cannot be earlier than the trainee's place in the class, "
        "taken on Mar 2, 10:00."
    )
    assert not Attendance.objects.exists()
    # From the moment the place exists, a check-in to the session under way counts.
    row = services.record_manual_check_in(
        sessions[0].pk, place.pk, reason="补签", actor=staff_a, checked_in_at=START + HOUR
    )
    assert row.is_counted
    assert queries.attended_minutes([place.pk]) == {place.pk: 120}


def test_manual_check_in_in_the_grace_of_a_session_held_before_the_place_is_refused(
    staff_a, training_class, sessions, person, at_start
):
    """Within the 48-hour grace, dated now (after the place): still no place at the session."""
    place = _place_at(training_class, person, MORNING_ENDS + HOUR)
    at_start.move_to(MORNING_ENDS + 2 * HOUR)
    with pytest.raises(NotYetEnrolled) as error:
        services.record_manual_check_in(sessions[0].pk, place.pk, reason="补签", actor=staff_a)
    assert (error.value.status, error.value.field) == (409, "session")
    assert not Attendance.objects.exists()
    # The afternoon session, held after the place was created, takes the 补签.
    at_start.move_to(START + 6 * HOUR)
    assert services.record_manual_check_in(
        sessions[1].pk, place.pk, reason="补签", actor=staff_a
    ).is_counted


def test_code_check_in_to_a_session_ended_before_the_place_is_refused(
    worker, training_class, sessions, at_start
):
    """The code is still accepted 30 minutes after the end, but the place came after it."""
    place = _place_at(training_class, worker.person, MORNING_ENDS + datetime.timedelta(minutes=10))
    at_start.move_to(MORNING_ENDS + datetime.timedelta(minutes=20))
    code = tokens.make_code(sessions[0].pk, MORNING_ENDS + datetime.timedelta(minutes=20))
    with pytest.raises(NotYetEnrolled) as error:
        services.check_in(code, actor=worker)
    assert error.value.field == "code"
    assert not Attendance.objects.filter(enrolment=place).exists()


def test_code_check_in_by_a_trainee_enrolled_during_the_session_counts(
    worker, training_class, sessions, at_start
):
    place = _place_at(training_class, worker.person, START + HOUR)
    at_start.move_to(START + 1.5 * HOUR)
    row = services.check_in(tokens.make_code(sessions[0].pk, START + 1.5 * HOUR), actor=worker)
    assert row.is_counted
    assert queries.attended_minutes([place.pk]) == {place.pk: 120}


def test_rows_already_written_before_the_place_stop_counting(
    client, staff_a, worker, training_class, sessions, at_start
):
    """Check-ins written before this rule, for a session held before the place: not counted,
    and said so in the trainee's record."""
    place = _place_at(training_class, worker.person, START + 4 * HOUR)
    legacy = [
        # 补签 of the morning session, dated at its start, recorded within its grace.
        Attendance.objects.create(
            enrolment=place,
            session=sessions[0],
            checked_in_at=START,
            method="manual",
            reason="手机没电",
            recorded_by=staff_a,
        ),
        # A device check-in to the afternoon, dated before the place.
        Attendance.objects.create(
            enrolment=place, session=sessions[1], checked_in_at=START + 3 * HOUR, method="qr"
        ),
    ]
    assert [Attendance.objects.get(pk=a.pk).is_counted for a in legacy] == [False, False]
    assert not Attendance.objects.counted().exists()
    assert queries.attended_minutes([place.pk]) == {place.pk: 0}
    assert queries.flagged_minutes([place.pk]) == {place.pk: 0}
    entry = queries.record_entries(worker.person, EVERYTHING)[0]
    assert entry.title.endswith(
        "(not counted: the session was held before the trainee had a place in the class)"
    )
    assert (entry.details["is_counted"], entry.details["minutes"]) == (False, 0)
    sheet = queries.get_sheet(training_class)
    assert [cell.is_counted for cell in sheet.rows[0].cells] == [False, False]
    assert sheet.rows[0].minutes == 0
    assert cell_text(sheet.rows[0].cells[1]) == (
        "12:00 [not counted: the session was held before the trainee had a place in the class]"
    )
    client.force_login(worker)
    mine = client.get(reverse("attendance:mine"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert (
        mine.count(
            "Not counted toward your hours: the session was held before the trainee had a place "
            "in the class."
        )
        == 2
    )


def test_a_transfer_keeps_the_hours_of_the_old_place_and_counts_the_new_from_the_move(
    worker, school_a, occupation, training_class, sessions, venue, at_start
):
    """A transferred place keeps its own check-ins, counted in the class they were made in;
    the new place (created by the move) counts from then on."""
    old = _place_at(training_class, worker.person, START - 24 * HOUR)
    services.check_in(tokens.make_code(sessions[0].pk, START), actor=worker)
    other = make_class(school_a, "A-2026-002", occupation)
    later = ClassSessionFactory(
        training_class=other, venue=venue, starts_at=START + 5 * HOUR, ends_at=START + 7 * HOUR
    )
    new = _place_at(other, worker.person, START + 3 * HOUR)
    Enrolment.objects.filter(pk=old.pk).update(
        status=EnrolmentStatus.TRANSFERRED, transferred_to=new
    )
    at_start.move_to(START + 5 * HOUR)
    services.check_in(tokens.make_code(later.pk, START + 5 * HOUR), actor=worker)
    assert queries.attended_minutes([old.pk, new.pk]) == {old.pk: 120, new.pk: 120}


def test_api_refuses_a_manual_check_in_for_a_session_held_before_the_place(
    staff_a, training_class, sessions, person, at_start
):
    place = _place_at(training_class, person, MORNING_ENDS + HOUR)
    at_start.move_to(MORNING_ENDS + 2 * HOUR)
    response = api_client(staff_a).post(
        "/api/v1/attendance/manual-check-ins",
        {"session_id": sessions[0].pk, "enrolment_id": place.pk, "reason": "补签"},
    )
    assert response.status_code == 409
    assert (response.json()["code"], response.json()["field"]) == ("not_yet_enrolled", "session")
    assert not Attendance.objects.exists()


def test_a_place_promoted_from_the_waitlist_counts_no_session_held_while_it_waited(
    staff_a, bureau_admin, training_class, sessions, person, at_start
):
    """Waitlisted the day before, promoted after the morning session: no 补签 of the morning,
    and the afternoon counts."""
    training_class.capacity = 1
    training_class.save(update_fields=["capacity"])
    seated = _place_at(training_class, PersonFactory(actor=bureau_admin), START - 24 * HOUR)
    with time_machine.travel(START - 24 * HOUR, tick=False):
        waiting = Enrolment.objects.create(
            training_class=training_class,
            person=person,
            status=EnrolmentStatus.WAITLISTED,
            waitlist_position=1,
        )
    at_start.move_to(MORNING_ENDS + HOUR)
    training.withdraw(seated.pk, actor=staff_a, reason="另有安排")
    waiting.refresh_from_db()
    assert (waiting.status, waiting.seated_at) == (EnrolmentStatus.ENROLLED, MORNING_ENDS + HOUR)
    with pytest.raises(NotYetEnrolled) as error:
        services.record_manual_check_in(sessions[0].pk, waiting.pk, reason="补签", actor=staff_a)
    assert (error.value.status, error.value.field) == (409, "session")
    assert not Attendance.objects.filter(enrolment=waiting).exists()
    # A row written for the morning anyway (e.g. before this rule) does not count.
    Attendance.objects.create(
        enrolment=waiting, session=sessions[0], checked_in_at=START, method="qr"
    )
    assert queries.attended_minutes([waiting.pk]) == {waiting.pk: 0}
    at_start.move_to(START + 6 * HOUR)
    row = services.record_manual_check_in(sessions[1].pk, waiting.pk, reason="补签", actor=staff_a)
    assert row.is_counted
    assert queries.attended_minutes([waiting.pk]) == {waiting.pk: sessions[1].minutes}


@pytest.mark.usefixtures("accredited")
def test_a_seated_place_takes_its_seat_when_it_is_made(staff_a, person):
    """Enrolment seats a place at once, so its seat is when it was made."""
    prog = helpers.programme(staff_a, subsidised=False)
    c = helpers.draft_class(staff_a, prog, start=helpers.START, days=2)
    training.transition(c.pk, ClassStatus.APPROVED, actor=staff_a)
    place = training.enrol_by_id_card(c.pk, person.id_number, person.name, actor=staff_a)
    assert place.seated_at == place.placed_at
    assert abs(place.seated_at - place.created_at) < datetime.timedelta(seconds=1)
