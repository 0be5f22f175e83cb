"""The attendance API: a worker's own check-in, staff's manual check-in, scoped lists."""

from __future__ import annotations

import datetime

import pytest

from jineng.api.tests.helpers import api_client
from jineng.attendance import tokens
from jineng.attendance.models import Attendance
from jineng.core.models import AuditEvent

from .conftest import START, VENUE_LAT, VENUE_LNG

CHECK_INS = "/api/v1/attendance/check-ins"
MANUAL = "/api/v1/attendance/manual-check-ins"


def test_worker_checks_in_through_the_api(worker, enrolment, sessions, at_start):
    code = tokens.make_code(sessions[0].pk, START)
    body = {"code": code, "latitude": float(VENUE_LAT) + 0.01, "longitude": float(VENUE_LNG)}
    response = api_client(worker).post(CHECK_INS, body, headers={"Idempotency-Key": "k1"})
    assert response.status_code == 201, response.content
    data = response.json()
    attendance = Attendance.objects.get()
    assert data["id"] == attendance.pk
    assert data["person_id"] == worker.person_id
    assert data["class_code"] == "A-2026-001"
    assert data["method"] == "qr"
    assert data["flags"] == ["far_from_venue"]
    assert data["distance_m"] == 1112
    assert data["recorded_by"] is None
    assert "latitude" not in data
    again = api_client(worker).post(CHECK_INS, body, headers={"Idempotency-Key": "k1"})
    assert again.status_code == 201
    assert Attendance.objects.count() == 1


def test_api_refusals_share_the_error_shape(worker, enrolment, sessions, at_start):
    client = api_client(worker)
    old = tokens.make_code(sessions[0].pk, START - datetime.timedelta(minutes=1))
    expired = client.post(CHECK_INS, {"code": old})
    assert expired.status_code == 400
    assert expired.json()["code"] == "invalid_code"
    forged = client.post(CHECK_INS, {"code": old[:-4] + "abcd"})
    assert (forged.status_code, forged.json()["code"]) == (400, "invalid_code")
    assert (
        client.post(CHECK_INS, {"code": tokens.make_code(sessions[0].pk, START)}).status_code == 201
    )
    twice = client.post(CHECK_INS, {"code": tokens.make_code(sessions[0].pk, START)})
    assert (twice.status_code, twice.json()["code"]) == (409, "already_checked_in")
    assert Attendance.objects.count() == 1


def test_not_enrolled_is_403(worker, training_class, sessions, at_start):
    response = api_client(worker).post(CHECK_INS, {"code": tokens.make_code(sessions[0].pk, START)})
    assert (response.status_code, response.json()["code"]) == (403, "not_enrolled")
    assert not Attendance.objects.exists()


def test_staff_records_a_manual_check_in(staff_a, enrolment, sessions, at_start):
    body = {"session_id": sessions[0].pk, "enrolment_id": enrolment.pk, "reason": "手机没电"}
    response = api_client(staff_a).post(MANUAL, body)
    assert response.status_code == 201, response.content
    assert response.json()["method"] == "manual"
    assert response.json()["recorded_by"] == "staff_a"
    assert AuditEvent.objects.filter(action="attendance.attendance.created").count() == 1


def test_manual_check_in_without_reason_is_refused(staff_a, enrolment, sessions, at_start):
    body = {"session_id": sessions[0].pk, "enrolment_id": enrolment.pk, "reason": ""}
    empty = api_client(staff_a).post(MANUAL, body)
    assert (empty.status_code, empty.json()["field"]) == (400, "reason")
    blank = api_client(staff_a).post(MANUAL, {**body, "reason": "   "})
    assert (blank.status_code, blank.json()["field"]) == (400, "reason")
    assert not Attendance.objects.exists()


# Another school does not see the class (404); the bureau sees it but records no check-in (403).
@pytest.mark.parametrize(("who", "status"), [("staff_b", 404), ("bureau_admin", 403)])
def test_manual_check_in_outside_scope_is_404(request, who, status, enrolment, sessions, at_start):
    body = {"session_id": sessions[0].pk, "enrolment_id": enrolment.pk, "reason": "x"}
    response = api_client(request.getfixturevalue(who)).post(MANUAL, body)
    assert response.status_code == status
    assert not Attendance.objects.exists()


def test_lists_are_scoped(staff_a, staff_b, bureau_admin, worker, enrolment, sessions, at_start):
    api_client(worker).post(CHECK_INS, {"code": tokens.make_code(sessions[0].pk, START)})
    for user, count in [(staff_a, 1), (bureau_admin, 1), (worker, 1), (staff_b, 0)]:
        assert api_client(user).get(CHECK_INS).json()["count"] == count, user
    flagged = api_client(staff_a).get(
        CHECK_INS, is_flagged="true", class_id=enrolment.training_class_id
    )
    assert flagged.json()["items"][0]["flags"] == ["no_location"]
    assert api_client(staff_a).get(CHECK_INS, is_flagged="false").json()["count"] == 0
