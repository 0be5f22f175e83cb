"""Check-in by rotating code and by staff: accepted, flagged, refused; always audited."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core import signing
from django.utils import translation

from jineng.attendance import services, tokens
from jineng.attendance.errors import AlreadyCheckedIn, InvalidCode, NotEnrolled
from jineng.attendance.geo import haversine_m
from jineng.attendance.models import Attendance
from jineng.core.errors import NotFound, PermissionDenied, ValidationFailed
from jineng.core.models import AuditEvent
from jineng.training.models import Enrolment

from .conftest import START, VENUE_LAT, VENUE_LNG


@pytest.fixture(autouse=True)
def english(settings):
    """These tests match messages in their English source text."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


NEAR = services.Location(latitude=VENUE_LAT, longitude=VENUE_LNG, accuracy_m=12)
SECONDS = datetime.timedelta(seconds=1)
MINUTES = datetime.timedelta(minutes=1)


def scan(worker, code, location=NEAR):
    return services.check_in(
        code,
        actor=worker,
        location=location,
        device=services.Device(user_agent="Mozilla/5.0 (iPhone)", device_id="dev-1"),
    )


def test_check_in_by_code_records_time_device_place_and_audit(
    worker, enrolment, sessions, at_start
):
    code = tokens.make_code(sessions[0].pk, START)
    attendance = scan(worker, code)
    assert attendance.enrolment == enrolment
    assert attendance.session == sessions[0]
    assert attendance.checked_in_at == START
    assert attendance.method == "qr"
    assert (attendance.user_agent, attendance.device_id) == ("Mozilla/5.0 (iPhone)", "dev-1")
    assert (attendance.latitude, attendance.longitude, attendance.accuracy_m) == (
        VENUE_LAT,
        VENUE_LNG,
        12,
    )
    assert attendance.distance_m == 0
    assert attendance.flags == []
    assert attendance.is_flagged is False
    assert attendance.recorded_by is None
    event = AuditEvent.objects.get(action="attendance.attendance.created")
    assert event.object_id == str(attendance.pk)
    assert event.actor == worker
    assert event.person_id == worker.person_id
    assert event.data["method"] == "qr"
    assert event.data["flags"] == []


def test_code_is_accepted_in_its_step_and_the_next(worker, enrolment, sessions, at_start):
    step = tokens.step_at(START)
    code = tokens.make_code(sessions[0].pk, tokens.step_start(step))
    at_start.move_to(tokens.step_start(step + 1) + 29 * SECONDS)
    assert scan(worker, code).session == sessions[0]


def test_code_is_refused_two_steps_later(worker, enrolment, sessions, at_start):
    step = tokens.step_at(START)
    code = tokens.make_code(sessions[0].pk, tokens.step_start(step))
    at_start.move_to(tokens.step_start(step + 2))
    with pytest.raises(InvalidCode, match="expired"):
        scan(worker, code)
    assert not Attendance.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="attendance.").exists()


def test_code_from_the_future_is_refused(worker, enrolment, sessions, at_start):
    code = tokens.make_code(sessions[0].pk, START + 30 * SECONDS)
    with pytest.raises(InvalidCode, match="expired"):
        scan(worker, code)
    assert not Attendance.objects.exists()


@pytest.mark.parametrize(
    "forge",
    [
        lambda code: code[:-2] + ("AA" if not code.endswith("AA") else "BB"),
        lambda code: signing.Signer(key="not-the-secret", salt=tokens.SALT).sign_object(
            signing.Signer(salt=tokens.SALT).unsign_object(code)
        ),
        lambda code: signing.Signer(salt="another.purpose").sign_object(
            signing.Signer(salt=tokens.SALT).unsign_object(code)
        ),
        lambda code: "garbage",
    ],
    ids=["tampered", "other-key", "other-salt", "garbage"],
)
def test_forged_code_is_refused(worker, enrolment, sessions, at_start, forge):
    forged = forge(tokens.make_code(sessions[0].pk, START))
    with pytest.raises(InvalidCode, match="not genuine"):
        scan(worker, forged)
    assert not Attendance.objects.exists()


def test_code_of_another_session_checks_in_to_that_session_only(
    worker, enrolment, sessions, class_b, at_start
):
    from jineng.training.models import ClassSession

    other = ClassSession.objects.create(
        training_class=class_b, starts_at=START, ends_at=START + 60 * MINUTES
    )
    code = tokens.make_code(other.pk, START)
    with pytest.raises(NotEnrolled, match="B-2026-001"):
        scan(worker, code)
    assert not Attendance.objects.exists()


def test_code_of_a_later_session_is_refused_before_it_opens(worker, enrolment, sessions, at_start):
    # The afternoon session's code, had anyone made it in the morning, does not open until 13:00.
    code = tokens.make_code(sessions[1].pk, START)
    with pytest.raises(InvalidCode) as refused:
        scan(worker, code)
    assert refused.value.detail == (
        "Check-in for this session has not opened yet: it opens at Mar 2, 13:00."
    )
    assert refused.value.field == "code"
    assert not Attendance.objects.exists()


def test_code_opens_an_hour_before_the_start(worker, enrolment, sessions, at_start):
    opens = sessions[1].starts_at - 60 * MINUTES
    at_start.move_to(opens - SECONDS)
    with pytest.raises(InvalidCode, match="not opened yet"):
        scan(worker, tokens.make_code(sessions[1].pk, opens - SECONDS))
    at_start.move_to(opens)
    assert scan(worker, tokens.make_code(sessions[1].pk, opens)).session == sessions[1]


def test_code_is_refused_as_closed_after_the_window(worker, enrolment, sessions, at_start):
    # The morning session ends at 11:00 and its codes are accepted until 11:30.
    closes = sessions[0].ends_at + 30 * MINUTES
    at_start.move_to(closes + SECONDS)
    with pytest.raises(InvalidCode) as refused:
        scan(worker, tokens.make_code(sessions[0].pk, closes + SECONDS))
    assert refused.value.detail == "Check-in for this session is closed."
    assert not Attendance.objects.exists()


def test_late_check_in_is_accepted_and_flagged(worker, enrolment, sessions, at_start):
    late = sessions[0].ends_at + 10 * MINUTES
    at_start.move_to(late)
    attendance = scan(worker, tokens.make_code(sessions[0].pk, late))
    assert attendance.flags == ["outside_window"]
    assert attendance.is_flagged is True


def test_early_check_in_within_grace_is_not_flagged(worker, enrolment, sessions, at_start):
    early = START - 15 * MINUTES
    at_start.move_to(early)
    assert scan(worker, tokens.make_code(sessions[0].pk, early)).flags == []


def test_too_early_check_in_is_flagged(worker, enrolment, sessions, at_start):
    early = START - 16 * MINUTES
    at_start.move_to(early)
    assert scan(worker, tokens.make_code(sessions[0].pk, early)).flags == ["outside_window"]


def test_far_from_venue_is_accepted_and_flagged_with_distance(
    worker, enrolment, sessions, at_start
):
    # About 0.01 degree of latitude north: 1.11 km.
    far = services.Location(latitude=VENUE_LAT + Decimal("0.01"), longitude=VENUE_LNG)
    attendance = scan(worker, tokens.make_code(sessions[0].pk, START), location=far)
    assert attendance.flags == ["far_from_venue"]
    assert attendance.distance_m == 1112
    assert attendance.accuracy_m is None


def test_within_distance_is_not_flagged(worker, enrolment, sessions, at_start):
    near = services.Location(latitude=VENUE_LAT + Decimal("0.004"), longitude=VENUE_LNG)
    attendance = scan(worker, tokens.make_code(sessions[0].pk, START), location=near)
    assert (attendance.flags, attendance.distance_m) == ([], 445)


def test_no_location_is_accepted_and_flagged(worker, enrolment, sessions, at_start):
    attendance = scan(worker, tokens.make_code(sessions[0].pk, START), location=None)
    assert attendance.flags == ["no_location"]
    assert attendance.distance_m is None
    assert attendance.latitude is None


def test_haversine_matches_a_known_distance():
    # One degree along a meridian or the equator is 2 pi R / 360 on the mean-radius sphere.
    assert round(haversine_m(0, 0, 1, 0)) == 111195
    assert round(haversine_m(0, 0, 0, 1)) == 111195
    # At 60 degrees north a degree of longitude is about half as long (great circle, not arc).
    assert round(haversine_m(60, 0, 60, 1)) == 55597
    assert haversine_m(42.53, 125.71, 42.53, 125.71) == 0


def test_worker_not_enrolled_is_refused(worker, training_class, sessions, at_start):
    with pytest.raises(NotEnrolled, match="not enrolled in class A-2026-001"):
        scan(worker, tokens.make_code(sessions[0].pk, START))
    assert not Attendance.objects.exists()


def test_withdrawn_worker_is_refused(worker, enrolment, sessions, at_start):
    Enrolment.objects.filter(pk=enrolment.pk).update(status="withdrawn")
    with pytest.raises(NotEnrolled):
        scan(worker, tokens.make_code(sessions[0].pk, START))
    assert not Attendance.objects.exists()


def test_staff_cannot_check_in_by_scanning(staff_a, worker, enrolment, sessions, at_start):
    with pytest.raises(NotEnrolled):
        scan(staff_a, tokens.make_code(sessions[0].pk, START))
    assert not Attendance.objects.exists()


def test_second_check_in_is_a_conflict_that_writes_nothing(worker, enrolment, sessions, at_start):
    first = scan(worker, tokens.make_code(sessions[0].pk, START))
    at_start.move_to(START + 5 * MINUTES)
    with pytest.raises(AlreadyCheckedIn):
        scan(worker, tokens.make_code(sessions[0].pk, START + 5 * MINUTES))
    assert list(Attendance.objects.all()) == [first]
    assert AuditEvent.objects.filter(action="attendance.attendance.created").count() == 1


def test_class_not_running_refuses_check_in(worker, enrolment, sessions, at_start):
    enrolment.training_class.status = "closed"
    enrolment.training_class.save()
    with pytest.raises(services.InvalidTransition, match="not running"):
        scan(worker, tokens.make_code(sessions[0].pk, START))
    assert not Attendance.objects.exists()


@pytest.mark.parametrize(
    ("lat", "lng", "acc"),
    [
        ("abc", "1", None),
        ("91", "0", None),
        ("0", "181", None),
        ("1", "1", "-5"),
        ("nan", "1", None),
    ],
)
def test_malformed_location_is_refused(lat, lng, acc):
    with pytest.raises(ValidationFailed):
        services.Location.parse(lat, lng, acc)


def test_empty_location_is_none():
    assert services.Location.parse("", "", "") is None


def test_manual_check_in_requires_a_reason(staff_a, enrolment, sessions, at_start):
    with pytest.raises(ValidationFailed) as error:
        services.record_manual_check_in(sessions[0].pk, enrolment.pk, reason="  ", actor=staff_a)
    assert error.value.field == "reason"
    assert not Attendance.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="attendance.").exists()


def test_manual_check_in_is_marked_and_audited(staff_a, enrolment, sessions, at_start):
    attendance = services.record_manual_check_in(
        sessions[0].pk, enrolment.pk, reason="手机没电", actor=staff_a
    )
    assert attendance.method == "manual"
    assert attendance.is_manual is True
    assert attendance.reason == "手机没电"
    assert attendance.recorded_by == staff_a
    assert attendance.flags == []
    event = AuditEvent.objects.get(action="attendance.attendance.created")
    assert event.actor == staff_a
    assert event.data["method"] == "manual"
    assert event.data["reason"] == "手机没电"


def test_manual_check_in_after_the_session_is_flagged(staff_a, enrolment, sessions, at_start):
    at_start.move_to(START + datetime.timedelta(hours=9))
    attendance = services.record_manual_check_in(
        sessions[1].pk, enrolment.pk, reason="补签", actor=staff_a
    )
    assert attendance.flags == ["outside_window"]


@pytest.mark.parametrize(
    ("who", "refusal"),
    [("staff_b", NotFound), ("bureau_admin", PermissionDenied), ("worker", PermissionDenied)],
)
def test_manual_check_in_is_only_for_the_class_staff(
    request, who, refusal, enrolment, sessions, at_start
):
    actor = request.getfixturevalue(who)
    with pytest.raises(refusal):
        services.record_manual_check_in(sessions[0].pk, enrolment.pk, reason="x", actor=actor)
    assert not Attendance.objects.exists()


def test_manual_check_in_refuses_a_trainee_of_another_class(
    staff_a, school_a, occupation, enrolment, sessions, at_start
):
    from .conftest import make_class

    other_class = make_class(school_a, "A-2026-002", occupation)
    other = Enrolment.objects.create(training_class=other_class, person=enrolment.person)
    with pytest.raises(NotEnrolled):
        services.record_manual_check_in(sessions[0].pk, other.pk, reason="x", actor=staff_a)
    assert not Attendance.objects.exists()


def test_one_device_checking_in_two_trainees_is_flagged(
    worker, enrolment, sessions, city, bureau_admin, at_start
):
    from conftest import ID_B, make_user
    from jineng.people.services import PersonInput, register_person

    other = register_person(
        PersonInput(id_number=ID_B, name="李四", region_code="220581100201"), actor=bureau_admin
    )
    Enrolment.objects.create(training_class=enrolment.training_class, person=other)
    second_worker = make_user("worker_b", "worker", person=other)
    code = tokens.make_code(sessions[0].pk, START)
    assert scan(worker, code).flags == []
    assert scan(second_worker, code).flags == ["shared_device"]
